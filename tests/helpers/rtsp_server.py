"""A real RTSP camera for tests: GStreamer's RTSP server streaming an MP4 file in real time.

    /usr/bin/python3 tests/helpers/rtsp_server.py FILE --port 8554 [--auth user:password]

serves ``rtsp://127.0.0.1:PORT/live``: the file's H.264 video packetized as RTP without
re-encoding (``qtdemux ! h264parse ! rtph264pay``, SPS/PPS sent with every keyframe, as
cameras do), one shared stream that plays in real time from the first client on. When the
file has been sent the server sends its end of stream and exits (a camera that went away);
kill it to drop the stream mid-way. With ``--auth`` the client must give those Basic
credentials. Prints ``ready`` once it listens.

It runs on the system Python with Debian's GObject bindings (packages ``python3-gi``,
``gir1.2-gst-rtsp-server-1.0``, ``gstreamer1.0-plugins-good``, ``gstreamer1.0-plugins-bad``),
not in legmove's virtual environment, and imports nothing of legmove.
"""

from __future__ import annotations

import argparse
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("file")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--auth", default=None, help="user:password required (Basic)")
    args = parser.parse_args()
    Gst.init(None)
    loop = GLib.MainLoop()
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(args.port))
    factory = GstRtspServer.RTSPMediaFactory()
    location = args.file.replace("\\", "\\\\").replace('"', '\\"')
    factory.set_launch(
        f'( filesrc location="{location}" ! qtdemux ! h264parse ! '
        "rtph264pay name=pay0 pt=96 config-interval=-1 )"
    )
    factory.set_shared(True)

    def on_eos(_pad: Gst.Pad, info: Gst.PadProbeInfo) -> Gst.PadProbeReturn:
        if info.get_event().type == Gst.EventType.EOS:
            GLib.timeout_add(500, loop.quit)  # the end of stream reaches the client first
        return Gst.PadProbeReturn.OK

    def configure(_factory: GstRtspServer.RTSPMediaFactory, media: GstRtspServer.RTSPMedia) -> None:
        pay = media.get_element().get_by_name("pay0")
        pay.get_static_pad("src").add_probe(Gst.PadProbeType.EVENT_DOWNSTREAM, on_eos)

    factory.connect("media-configure", configure)
    if args.auth:
        user, _, password = args.auth.partition(":")
        auth = GstRtspServer.RTSPAuth()
        token = GstRtspServer.RTSPToken()
        token.set_string("media.factory.role", "user")
        auth.add_basic(GstRtspServer.RTSPAuth.make_basic(user, password), token)
        server.set_auth(auth)
        permissions = GstRtspServer.RTSPPermissions()
        permissions.add_permission_for_role("user", "media.factory.access", True)
        permissions.add_permission_for_role("user", "media.factory.construct", True)
        factory.set_permissions(permissions)
    server.get_mount_points().add_factory("/live", factory)
    if server.attach(None) == 0:
        print(f"cannot listen on 127.0.0.1:{args.port}", file=sys.stderr)
        return 1
    print("ready", flush=True)
    loop.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
