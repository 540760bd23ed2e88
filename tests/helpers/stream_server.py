"""A live HTTP camera stream for tests: a video file served in real time, once.

    python -m tests.helpers.stream_server FILE --port 8080 [--mjpeg] [--auth user:password]

serves ``http://127.0.0.1:PORT/live`` to the first client that connects: the file's video
as MPEG-TS (packets copied, not re-encoded), or with ``--mjpeg`` as an MJPEG stream
(``multipart/x-mixed-replace``, JPEG pictures without timestamps, as many cameras send), each
packet sent when it is due by its timestamp, as a camera would. When the file has been sent
the connection is closed and the server exits (a camera that went away), so a client that
reconnects is refused; kill it to drop the stream mid-way. With ``--auth`` a client without
those Basic credentials gets 401. Prints ``ready`` once it listens. Only 127.0.0.1.
"""

from __future__ import annotations

import argparse
import base64
import http.server
import sys
import threading
import time
from pathlib import Path
from typing import Any

import av
import cv2


class _Sink:
    """A write-only file for PyAV that goes straight to the client's socket."""

    def __init__(self, wfile: Any) -> None:
        self.wfile = wfile

    def write(self, data: bytes) -> int:
        self.wfile.write(data)
        self.wfile.flush()
        return len(data)


def _pace(t0: float, t_s: float) -> None:
    delay = t0 + t_s - time.monotonic()
    if delay > 0:
        time.sleep(delay)


def _serve_ts(path: Path, wfile: Any) -> None:
    with av.open(str(path)) as src:
        stream = src.streams.video[0]
        out = av.open(_Sink(wfile), "w", format="mpegts", options={"flush_packets": "1"})
        ostream = out.add_stream_from_template(stream)
        t0 = time.monotonic()
        first = None
        for packet in src.demux(stream):
            if packet.dts is None or packet.time_base is None:
                continue
            first = packet.dts if first is None else first
            _pace(t0, float((packet.dts - first) * packet.time_base))
            packet.stream = ostream
            out.mux(packet)
        out.close()


def _serve_mjpeg(path: Path, wfile: Any) -> None:
    with av.open(str(path)) as src:
        stream = src.streams.video[0]
        t0 = time.monotonic()
        first = None
        for frame in src.decode(stream):
            if frame.pts is None or frame.time_base is None:
                continue
            first = frame.pts if first is None else first
            ok, jpeg = cv2.imencode(".jpg", frame.to_ndarray(format="bgr24"))
            _pace(t0, float((frame.pts - first) * frame.time_base))
            data = jpeg.tobytes()
            head = f"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: {len(data)}\r\n\r\n"
            wfile.write(head.encode() + data + b"\r\n")
            wfile.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.helpers.stream_server")
    parser.add_argument("file", type=Path)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--mjpeg", action="store_true")
    parser.add_argument("--auth", default=None, help="user:password required (Basic)")
    args = parser.parse_args(argv)
    served = threading.Event()
    want = None if args.auth is None else "Basic " + base64.b64encode(args.auth.encode()).decode()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def log_message(self, fmt: str, *a: Any) -> None:
            sys.stderr.write(f"stream_server: {fmt % a}\n")

        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            if want is not None and self.headers.get("Authorization") != want:
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Basic realm="camera"')
                self.end_headers()
                return
            if served.is_set():
                self.send_error(404, "the stream has ended")
                return
            served.set()
            self.send_response(200)
            kind = "multipart/x-mixed-replace; boundary=frame" if args.mjpeg else "video/MP2T"
            self.send_header("Content-Type", kind)
            self.send_header("Cache-Control", "no-cache")
            self.end_headers()
            try:
                (_serve_mjpeg if args.mjpeg else _serve_ts)(args.file, self.wfile)
            except (BrokenPipeError, ConnectionResetError):
                pass
            finally:
                threading.Thread(target=server.shutdown, daemon=True).start()

    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    print("ready", flush=True)
    server.serve_forever()
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
