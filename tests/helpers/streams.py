"""Real camera streams on this machine for the recording tests: an HTTP MPEG-TS (or MJPEG)
server (:mod:`tests.helpers.stream_server`) and GStreamer's RTSP server
(:mod:`tests.helpers.rtsp_server`, on the system Python), started as processes that a test
can kill (a camera dropping out) and start again; and ``legmove record`` run as a process."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import av
import pytest

ROOT = Path(__file__).resolve().parents[2]
#: Debian's Python, which has the GObject bindings GStreamer's RTSP server needs
SYSTEM_PYTHON = "/usr/bin/python3"
DEMO = ROOT / "sample_videos" / "demo_night.mp4"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rtsp_available() -> str | None:
    """None when GStreamer's RTSP server can run here, else why not."""
    if not Path(SYSTEM_PYTHON).exists():
        return f"{SYSTEM_PYTHON} is missing"
    probe = (
        "import gi; gi.require_version('Gst', '1.0'); gi.require_version('GstRtspServer', "
        "'1.0'); from gi.repository import Gst, GstRtspServer; Gst.init(None); "
        "assert all(Gst.ElementFactory.find(e) for e in ('qtdemux', 'h264parse', 'rtph264pay'))"
    )
    out = subprocess.run([SYSTEM_PYTHON, "-c", probe], capture_output=True, text=True)
    if out.returncode:
        return (
            "GStreamer's RTSP server is not installed (apt-get install python3-gi "
            "gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-good gstreamer1.0-plugins-bad): "
            + out.stderr.strip().splitlines()[-1]
        )
    return None


def cut(src: Path, dst: Path, start_s: float, end_s: float) -> Path:
    """Packets of ``src`` from its first keyframe at or after ``start_s`` up to ``end_s``,
    copied (not re-encoded) into ``dst``, their timestamps starting again from the cut (a
    camera that restarts starts its clock anew; GStreamer's server would otherwise wait
    ``start_s`` before sending the first picture)."""
    with av.open(str(src)) as inp, av.open(str(dst), "w") as out:
        stream = inp.streams.video[0]
        ostream = out.add_stream_from_template(stream)
        shift: int | None = None
        for packet in inp.demux(stream):
            if packet.pts is None or packet.time_base is None:
                continue
            t = float(packet.pts * packet.time_base)
            if shift is None and (t < start_s - 1e-6 or not packet.is_keyframe):
                continue
            if t >= end_s - 1e-6 and packet.is_keyframe:
                break
            if shift is None:
                shift = packet.pts if packet.dts is None else min(packet.pts, packet.dts)
                shift = max(0, shift) if start_s <= 0 else shift
            packet.pts -= shift
            if packet.dts is not None:
                packet.dts -= shift
            packet.stream = ostream
            out.mux(packet)
    return dst


class Server:
    """A camera: ``kind`` ``http`` (MPEG-TS), ``mjpeg`` (HTTP MJPEG) or ``rtsp``, serving
    ``file`` once in real time on ``port``."""

    def __init__(self, kind: str, file: Path, port: int, auth: str | None = None) -> None:
        self.kind, self.port = kind, port
        if kind == "rtsp":
            cmd = [SYSTEM_PYTHON, str(ROOT / "tests" / "helpers" / "rtsp_server.py")]
            self.url = f"rtsp://127.0.0.1:{port}/live"
        else:
            cmd = [sys.executable, "-m", "tests.helpers.stream_server"]
            if kind == "mjpeg":
                cmd.append("--mjpeg")
            self.url = f"http://127.0.0.1:{port}/live"
        cmd += [str(file), "--port", str(port)]
        if auth:
            cmd += ["--auth", auth]
        self.proc = subprocess.Popen(
            cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if line.strip() != "ready":
            self.kill()
            raise RuntimeError(f"the {kind} test server did not start: {line!r}")

    def kill(self) -> None:
        """The camera goes away at once (power cut, Wi-Fi gone)."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)
        if self.proc.stdout is not None:
            self.proc.stdout.close()


class Recorder:
    """``legmove record URL --label Test --data DATA ...`` as a process."""

    def __init__(
        self,
        url: str,
        data: Path,
        *,
        segment_s: float = 4.0,
        give_up_s: float = 2.0,
        extra: Sequence[str] = (),
        env: dict[str, str] | None = None,
    ) -> None:
        cmd = [sys.executable, "-m", "pipeline.cli", "record", url, "--label", "Test"]
        cmd += ["--data", str(data), "--segment-min", repr(segment_s / 60.0)]
        cmd += ["--give-up-min", repr(give_up_s / 60.0), "--quiet", *extra]
        self.log = data.parent / f"{data.name}-record.log"
        self._fh = self.log.open("w")
        self.proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            stdout=self._fh,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
            start_new_session=True,
        )

    def signal(self, sig: signal.Signals) -> None:
        self.proc.send_signal(sig)

    def wait(self, timeout_s: float = 120.0) -> int:
        try:
            rc = self.proc.wait(timeout_s)
        finally:
            if self.proc.poll() is None:
                os.killpg(self.proc.pid, signal.SIGKILL)
            self._fh.close()
        return rc

    def output(self) -> str:
        return self.log.read_text()


def wait_for(predicate, timeout_s: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    pytest.fail(f"timed out after {timeout_s:.0f} s waiting for {what}")


def legmove(*args: str, timeout_s: float = 180.0) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pipeline.cli", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout_s,
    )


__all__ = [
    "DEMO",
    "Recorder",
    "Server",
    "cut",
    "free_port",
    "legmove",
    "rtsp_available",
    "wait_for",
]
