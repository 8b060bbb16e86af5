#!/usr/bin/python3
# Minimal RTSP server for tests: serves an H.264 MP4 at rtsp://127.0.0.1:PORT/MOUNT with
# GStreamer's gst-rtsp-server. Every client session plays the file from the start in real time
# (the timestamps pace it). Usage: rtsp-server.py PORT MOUNT FILE.mp4 [loop]
# With `loop` the file repeats inside one session (no EOS, no reconnect), as a camera would;
# ffmpeg (on PATH) does the looping.
# With RTSP_USER and RTSP_PASSWORD in the environment, clients must authenticate (Basic).
import os
import signal
import subprocess
import sys

import gi

gi.require_version('Gst', '1.0')
gi.require_version('GstRtspServer', '1.0')
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402

port, mount, path = sys.argv[1], sys.argv[2], sys.argv[3]
loop = len(sys.argv) > 4 and sys.argv[4] == 'loop'
Gst.init(None)
server = GstRtspServer.RTSPServer()
server.set_address('127.0.0.1')
server.set_service(port)
factory = GstRtspServer.RTSPMediaFactory()
factory.set_launch(
    f'( filesrc location="{path}" ! qtdemux ! h264parse ! rtph264pay name=pay0 pt=96 config-interval=1 )'
)
factory.set_shared(False)
if os.environ.get('RTSP_USER') is not None:
    auth = GstRtspServer.RTSPAuth()
    token = GstRtspServer.RTSPToken()
    token.set_string('media.factory.role', 'user')
    auth.add_basic(GstRtspServer.RTSPAuth.make_basic(os.environ['RTSP_USER'], os.environ.get('RTSP_PASSWORD', '')), token)
    server.set_auth(auth)
    factory.add_role_from_structure(
        Gst.Structure.new_from_string('user, media.factory.access=(boolean)true, media.factory.construct=(boolean)true')
    )


# Looping: each client's media reads MPEG-TS from a pipe that an ffmpeg of its own writes with
# -stream_loop (each pass offset by the file's duration, so timestamps only grow; the pipe's
# back-pressure and the sinks' clock pace it). The pipeline never seeks: the segment-seek loop
# this replaced deadlocked gst-rtsp-server 1.22 in about one connect of twenty-five (its first
# flushing seek raced the client's PLAY), after which the server answered no client at all.
# ffmpeg ends with the pipe: when this process dies, its next write fails (SIGPIPE).
def on_configure(_factory, media):
    read, write = os.pipe()
    media.get_element().get_by_name('src').set_property('fd', read)
    ffmpeg = subprocess.Popen(
        ['ffmpeg', '-nostdin', '-v', 'error', '-stream_loop', '-1', '-i', path, '-map', '0:v:0', '-c', 'copy', '-f', 'mpegts', 'pipe:1'],
        stdin=subprocess.DEVNULL, stdout=write,
    )
    os.close(write)

    # A pipe cannot seek, but the demuxer would say it can, and rtsp-media then seeks on the
    # client's PLAY (Range: npt=0-) and fails it. The payloader answers for it: a new seeking
    # query says "not seekable" until someone fills it in.
    def not_seekable(_pad, info):
        if info.get_query().type == Gst.QueryType.SEEKING:
            return Gst.PadProbeReturn.HANDLED
        return Gst.PadProbeReturn.OK

    media.get_element().get_by_name('pay0').get_static_pad('sink').add_probe(Gst.PadProbeType.QUERY_UPSTREAM, not_seekable)

    def unprepared(_media):
        ffmpeg.kill()
        ffmpeg.wait()
        os.close(read)

    media.connect('unprepared', unprepared)


if loop:
    factory.set_launch('( fdsrc name=src ! tsdemux ! h264parse ! rtph264pay name=pay0 pt=96 config-interval=1 )')
    factory.connect('media-configure', on_configure)
server.get_mount_points().add_factory('/' + mount.lstrip('/'), factory)
if server.attach(None) == 0:
    print('could not bind port', port, file=sys.stderr, flush=True)
    sys.exit(2)
loop = GLib.MainLoop()
GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGTERM, loop.quit)
GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGINT, loop.quit)
print('ready', flush=True)
loop.run()
