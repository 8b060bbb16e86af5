#!/usr/bin/python3
# Minimal RTSP server for tests: serves an H.264 MP4 at rtsp://127.0.0.1:PORT/MOUNT with
# GStreamer's gst-rtsp-server. Every client session plays the file from the start in real time
# (the demuxer's timestamps pace it). Usage: rtsp-server.py PORT MOUNT FILE.mp4 [loop]
# With `loop` the file repeats inside one session (no EOS, no reconnect), as a camera would.
# With RTSP_USER and RTSP_PASSWORD in the environment, clients must authenticate (Basic).
import os
import signal
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


def seek(pipeline, flags):
    pipeline.seek(1.0, Gst.Format.TIME, flags, Gst.SeekType.SET, 0, Gst.SeekType.NONE, -1)
    return False


def on_configure(_factory, media):
    # Loop without ending the RTSP session: a segment seek makes the demuxer post SEGMENT_DONE
    # instead of EOS at the end of the file; each SEGMENT_DONE is answered with a non-flushing
    # segment seek back to 0, so running time (and the RTP timestamps) continue across loops.
    pipeline = media.get_element().get_parent()
    state = {'armed': False}

    def sync(_bus, msg):
        if msg.type == Gst.MessageType.ASYNC_DONE and not state['armed']:
            state['armed'] = True
            GLib.idle_add(seek, pipeline, Gst.SeekFlags.FLUSH | Gst.SeekFlags.SEGMENT)
        elif msg.type == Gst.MessageType.SEGMENT_DONE:
            GLib.idle_add(seek, pipeline, Gst.SeekFlags.SEGMENT)
        return Gst.BusSyncReply.PASS

    pipeline.get_bus().set_sync_handler(sync)


if loop:
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
