#!/usr/bin/python3
# Minimal RTSP server for tests: serves an H.264 MP4 at rtsp://127.0.0.1:PORT/MOUNT with
# GStreamer's gst-rtsp-server. Every client session plays the file from the start in real time
# (the demuxer's timestamps pace it). Usage: rtsp-server.py PORT MOUNT FILE.mp4
import signal
import sys

import gi

gi.require_version('Gst', '1.0')
gi.require_version('GstRtspServer', '1.0')
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402

port, mount, path = sys.argv[1], sys.argv[2], sys.argv[3]
Gst.init(None)
server = GstRtspServer.RTSPServer()
server.set_address('127.0.0.1')
server.set_service(port)
factory = GstRtspServer.RTSPMediaFactory()
factory.set_launch(
    f'( filesrc location="{path}" ! qtdemux ! h264parse ! rtph264pay name=pay0 pt=96 config-interval=1 )'
)
factory.set_shared(False)
server.get_mount_points().add_factory('/' + mount.lstrip('/'), factory)
if server.attach(None) == 0:
    print('could not bind port', port, file=sys.stderr, flush=True)
    sys.exit(2)
loop = GLib.MainLoop()
GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGTERM, loop.quit)
GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGINT, loop.quit)
print('ready', flush=True)
loop.run()
