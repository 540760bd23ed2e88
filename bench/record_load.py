"""CPU of `legmove record` while it records and analyses a 720p 15-fps stream in real time.

    python -m bench.record_load                       # 8 min over RTSP (GStreamer's server)
    python -m bench.record_load --server http         # the same over HTTP MPEG-TS
    python -m bench.record_load --minutes 16 --markdown
    python -m bench.record_load --video my_camera.mp4 # your own H.264 video instead

The stream is the demo night (``sample_videos/demo_night.mp4``, 8 min, a baby kicking and
settling: pose runs often) scaled to 1280x720 and encoded once with H.264 (2-s keyframe
interval, as cameras send), cached under ``--cache``; ``--minutes`` longer than the video
plays it again (stream copy with shifted timestamps). The server plays it in real time —
RTSP from GStreamer's server (:mod:`tests.helpers.rtsp_server`) or HTTP MPEG-TS
(:mod:`tests.helpers.stream_server`) — and ``legmove record`` records it with 1-min
segments, each analysed by a worker while the recording goes on, until the stream ends.

Measured, for the recorder's process tree only (the camera server is reported apart):
CPU seconds (user + system) over the wall-clock time of the recording, as cores busy on
average and in the busiest 60-s window; each segment's analysis time (``chunk_log``) against
the segment's length, the most it lagged behind the stream, and the time from the end of
the stream to the night scored. The machine's load average and the busiest other processes
are printed too, as the machine may be shared.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import psutil

ROOT = Path(__file__).resolve().parents[1]
CACHE = Path("/tmp/legmove-bench/record")
WIDTH, HEIGHT, FPS = 1280, 720, 15
SEGMENT_S = 60.0


def bench_video(cache: Path, source: Path, minutes: float) -> Path:
    """``source`` at 1280x720 (encoded once, cached), played again up to ``minutes``."""
    cache.mkdir(parents=True, exist_ok=True)
    unit = cache / f"{source.stem}_720p.mp4"
    if not unit.exists():
        tmp = unit.with_suffix(".partial.mp4")
        with av.open(str(source)) as src, av.open(str(tmp), "w") as out:
            st = out.add_stream("libx264", rate=FPS)
            st.width, st.height, st.pix_fmt = WIDTH, HEIGHT, "yuv420p"
            st.options = {"preset": "veryfast", "crf": "23", "g": str(2 * FPS), "bf": "0"}
            for i, frame in enumerate(src.decode(video=0)):
                big = frame.reformat(width=WIDTH, height=HEIGHT, format="yuv420p")
                big.pts, big.time_base = i, Fraction(1, FPS)  # the source is constant 15 fps
                for p in st.encode(big):
                    out.mux(p)
            for p in st.encode():
                out.mux(p)
        tmp.rename(unit)
    with av.open(str(unit)) as c:
        unit_s = float(c.duration or 0) / av.time_base
    repeats = max(1, int(round(minutes * 60.0 / unit_s)))
    if repeats == 1:
        return unit
    long = cache / f"{unit.stem}_x{repeats}.mp4"
    if not long.exists():
        tmp = long.with_suffix(".partial.mp4")
        with av.open(str(tmp), "w") as out:
            ost = None
            offset = 0
            for _ in range(repeats):
                with av.open(str(unit)) as src:
                    ist = src.streams.video[0]
                    ost = ost or out.add_stream_from_template(ist)
                    last = 0
                    for p in src.demux(ist):
                        if p.pts is None:
                            continue
                        p.pts += offset
                        p.dts = (p.dts + offset) if p.dts is not None else None
                        last = max(last, p.pts + (p.duration or 0))
                        p.stream = ost
                        out.mux(p)
                    offset = last
        tmp.rename(long)
    return long


def _tree_cpu(proc: psutil.Process) -> float:
    """CPU seconds (user + system) of ``proc`` and its living children (pool workers)."""
    total = 0.0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            t = p.cpu_times()
            total += t.user + t.system + getattr(t, "children_user", 0.0)
            total += getattr(t, "children_system", 0.0)
        except psutil.NoSuchProcess:
            pass
    return total


def _others(exclude: set[int]) -> list[str]:
    """The busiest other processes on the machine right now (name, % of one core)."""
    procs = []
    for p in psutil.process_iter(["pid", "name", "cmdline"]):
        if p.pid in exclude:
            continue
        try:
            procs.append((p.cpu_percent(None), p))
        except psutil.NoSuchProcess:
            pass
    time.sleep(1.0)
    rows = []
    for _, p in procs:
        try:
            rows.append((p.cpu_percent(None), " ".join(p.info["cmdline"] or [p.info["name"]])))
        except psutil.NoSuchProcess:
            pass
    rows.sort(reverse=True)
    return [f"{pct:.0f}% {cmd[:90]}" for pct, cmd in rows[:5] if pct >= 5]


def run(video: Path, server: str) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT))
    from tests.helpers.streams import Server, free_port

    with av.open(str(video)) as c:
        video_s = float(c.duration or 0) / av.time_base
    data = Path(tempfile.mkdtemp(prefix="legmove-record-bench-"))
    load_before = os.getloadavg()
    others_before = _others({os.getpid()})
    cam = Server("http" if server == "http" else "rtsp", video, free_port())
    cmd = [sys.executable, "-m", "pipeline.cli", "record", cam.url, "--label", "Bench"]
    cmd += ["--data", str(data), "--segment-min", repr(SEGMENT_S / 60), "--give-up-min", "0.1"]
    cmd += ["--quiet"]
    log = (data.parent / f"{data.name}.log").open("w")
    t0 = time.monotonic()
    rec = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    proc, cam_proc = psutil.Process(rec.pid), psutil.Process(cam.proc.pid)
    samples: list[tuple[float, float]] = []  # (wall s, recorder-tree CPU s) while streaming
    cam_cpu = 0.0
    while cam.proc.poll() is None and rec.poll() is None:
        samples.append((time.monotonic() - t0, _tree_cpu(proc)))
        try:
            ct = cam_proc.cpu_times()
            cam_cpu = ct.user + ct.system
        except psutil.NoSuchProcess:
            pass
        time.sleep(1.0)
    stream_end = time.monotonic() - t0
    peak_rss = 0
    while rec.poll() is None:
        try:
            rss = sum(p.memory_info().rss for p in [proc, *proc.children(recursive=True)])
            peak_rss = max(peak_rss, rss)
        except psutil.NoSuchProcess:
            pass
        time.sleep(0.5)
    scored = time.monotonic() - t0
    rc = rec.wait()
    cam.kill()
    log.close()
    load_after = os.getloadavg()
    others_after = _others({os.getpid()})
    con = sqlite3.connect(data / "legmove.db")
    chunks = con.execute(
        "SELECT c.idx, c.start_s, c.end_s, l.started, l.finished FROM chunks c JOIN chunk_log l "
        "ON c.night_id = l.night_id AND c.idx = l.idx ORDER BY c.idx"
    ).fetchall()
    summary = json.loads(con.execute("SELECT summary_json FROM nights").fetchone()[0] or "{}")
    con.close()
    busy = []
    for i in range(len(samples)):  # 60-s windows after the first segment is in
        j = next((k for k in range(i, len(samples)) if samples[k][0] >= samples[i][0] + 60), None)
        if j is not None and samples[i][0] >= SEGMENT_S:
            busy.append((samples[j][1] - samples[i][1]) / (samples[j][0] - samples[i][0]))
    analyse_s = [
        (datetime.fromisoformat(f) - datetime.fromisoformat(s)).total_seconds()
        for _, _, _, s, f in chunks
        if f
    ]
    streaming = samples[-1][0] - samples[0][0] if len(samples) > 1 else 0.0
    cpu = samples[-1][1] - samples[0][1] if len(samples) > 1 else 0.0
    return {
        "video": str(video),
        "video_s": video_s,
        "server": server,
        "rc": rc,
        "recorded_s": summary.get("duration_s"),
        "segments": len(chunks),
        "streaming_wall_s": streaming,
        "cores_mean": cpu / streaming if streaming else None,
        "cores_busiest_60s": max(busy) if busy else None,
        "camera_server_cores": cam_cpu / stream_end if stream_end else None,
        "segment_analysis_s_mean": statistics.mean(analyse_s) if analyse_s else None,
        "segment_analysis_s_max": max(analyse_s) if analyse_s else None,
        "end_to_scored_s": scored - stream_end,
        "peak_rss_mib_after_stream": peak_rss / 2**20,
        "load_before": load_before,
        "load_after": load_after,
        "others_before": others_before,
        "others_after": others_after,
        "data": str(data),
    }


def _markdown(r: dict[str, Any]) -> str:
    return "\n".join(
        [
            "| stream | recorded | segments (60 s) | cores busy, mean | busiest 60 s | "
            "one segment's analysis, mean / max | stream end to scored |",
            "|---|---|---|---|---|---|---|",
            f"| {r['server']} 1280x720 15 fps | {r['recorded_s'] or 0:.0f} s | {r['segments']} | "
            f"{r['cores_mean']:.2f} | {r['cores_busiest_60s'] or 0:.2f} | "
            f"{r['segment_analysis_s_mean'] or 0:.1f} / {r['segment_analysis_s_max'] or 0:.1f} s "
            f"| {r['end_to_scored_s']:.1f} s |",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.record_load")
    parser.add_argument("--server", choices=["rtsp", "http"], default="rtsp")
    parser.add_argument("--minutes", type=float, default=8.0)
    parser.add_argument("--video", type=Path, default=None, help="an H.264 video to stream")
    parser.add_argument("--cache", type=Path, default=CACHE)
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args(argv)
    video = args.video or bench_video(
        args.cache, ROOT / "sample_videos" / "demo_night.mp4", args.minutes
    )
    r = run(video, args.server)
    print(json.dumps(r, indent=2))
    if args.markdown:
        print(_markdown(r))
    return 0 if r["rc"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
