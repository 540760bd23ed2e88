"""Throughput of a night's analysis against decoding the same file, measured in one run.

    python -m bench.throughput                    # 60-min 720p 15-fps night
    python -m bench.throughput --minutes 10 60    # two lengths: memory flat in length?
    python -m bench.throughput --markdown         # table for docs/BENCHMARKS.md
    python -m bench.throughput --video night.mp4  # your own video instead
    python -m bench.throughput --restless --minutes 10 600   # restless nights (issue 21)

The test video is made with the synthetic-night generator (:mod:`synth`) and cached
under ``--cache`` (default ``/tmp/legmove-bench/throughput``). Rendering 720p is slow (about
2x real time on a loaded 2-core machine), so one 10-minute night unit is rendered once —
awake 40 s, settling 90 s (LMs, a rhythmic bout), then asleep 470 s with a PLM series of
5, two more LMs and twitches at 3 a minute — and a night of N minutes is that unit followed
by its sleep part again and again, joined without re-encoding (stream copy with shifted
timestamps). Every frame of the long file is decoded and analysed; only the picture
content repeats. It is a busy night: about 230 leg movements an hour in the first
10 minutes and 210 an hour asleep (160 of them twitches), so pose runs often.

``--restless`` times a restless night instead: its own 10-minute unit (:func:`restless_items`)
is awake for 210 s with whole-body wriggling (0-150 s, with a rhythmic bout inside, and again
540-600 s), settling 150-210 s with two rhythmic bouts, and asleep 210-540 s with a PLM series
of four (4 PLMs in 330 s of sleep: 44 an hour) and twitches at 3 a minute; an N-minute night
repeats the whole unit (3.4 h of wriggling in 10 h, wake every 10 minutes).

For each length, in one run and in this order, each step in a fresh subprocess:

1. ``decode``  — PyAV threaded decode of every frame, luma plane only (no colour
   conversion): the floor any analysis has to pay;
2. ``analysis`` — ``legmove batch`` on the file: parallel chunk extraction (decode, motion,
   gated pose) on ``--workers`` processes, join, scoring, result saved in a fresh store.

Printed per length: frames, decode-only s, analysis s, their ratio (target <= 1.5), x real
time, pose calls per frame (model runs incl. rotation retries / frames), and peak resident
memory: ``ru_maxrss`` of the largest process (``resource.getrusage(RUSAGE_CHILDREN)``) and the
sampled peak of the summed RSS of the analysis process and its workers.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

import av  # noqa: E402

CACHE = Path("/tmp/legmove-bench/throughput")
UNIT_S = 600  # one rendered night unit: 10 min
SLEEP_FROM_S = 130.0  # the unit is asleep from here on (see _unit_scene)
WIDTH, HEIGHT, FPS = 1280, 720, 15
#: the restless unit's periods (start_s, end_s, state): see :func:`restless_items`
RESTLESS_PERIODS: tuple[tuple[float, float, str], ...] = (
    (0.0, 150.0, "wake"),
    (150.0, 210.0, "settling"),
    (210.0, 540.0, "sleep"),
    (540.0, 600.0, "wake"),
)


# --- the test video ---------------------------------------------------------------------------
def restless_items() -> list[Any]:
    """The restless 10-minute unit: awake with whole-body wriggling 0-150 s (a kicking bout
    inside it) and 540-600 s, settling 150-210 s with a kicking and a cycling bout, asleep
    210-540 s with a PLM series of four 25 s apart and twitches at 3 a minute."""
    from synth import LegMovement, Period, PLMSeries, Rhythmic, Twitches
    from synth.scene import Wriggle

    ((w0, w1, _), (s0, s1, _), (z0, z1, _), (a0, a1, _)) = RESTLESS_PERIODS
    return [
        Period(w0, w1, "wake"),
        Wriggle(w0 + 2, w1 - 2),
        Rhythmic(60, 1.5, 12, "kicking", "bilateral"),  # 60-68 s, inside the wriggling
        Period(s0, s1, "settling"),
        Rhythmic(165, 1.2, 8, "kicking", "bilateral"),  # 165-171.7 s
        Rhythmic(185, 1.6, 12, "cycling"),  # 185-192.8 s
        LegMovement(200, 1.5, "left"),
        Period(z0, z1, "sleep"),
        PLMSeries(280, 4, 25.0, 1.5),  # onsets 280, 305, 330, 355 s
        Twitches(z0 + 2, z1 - 2, 3.0),
        Period(a0, a1, "wake"),
        Wriggle(a0 + 2, a1 - 1),
    ]


def _unit_scene(restless: bool = False) -> Any:
    from synth import synth_scene

    if restless:
        items = restless_items()
        return synth_scene(
            UNIT_S, fps=FPS, width=WIDTH, height=HEIGHT, seed=7, items=items, name="restless"
        )
    from synth import LegMovement, Period, PLMSeries, Rhythmic, Twitches

    items = [
        Period(0, 40, "wake"),
        Period(40, 130, "settling"),
        Rhythmic(95, 1.5, 6, "kicking"),
        Period(130, UNIT_S, "sleep"),
        PLMSeries(200, 5, 25.0, 1.5),
        LegMovement(380, 2.0, "bilateral"),
        LegMovement(470, 1.2, "right"),
        Twitches(132, UNIT_S - 2, 3.0),
    ]
    return synth_scene(
        UNIT_S, fps=FPS, width=WIDTH, height=HEIGHT, seed=7, items=items, name="bench_unit"
    )


def bench_unit_video(cache: Path = CACHE, restless: bool = False) -> Path:
    """The rendered 10-minute 720p night unit (rendered once, then reused)."""
    from synth import synth_render

    kind = "restless" if restless else "unit"
    path = cache / f"{kind}_{WIDTH}x{HEIGHT}_{FPS}fps_{UNIT_S}s.mp4"
    if not path.is_file():
        cache.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        print(f"rendering {path.name} (once) ...", file=sys.stderr, flush=True)
        synth_render(_unit_scene(restless), path)
        print(f"  rendered in {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)
    return path


def _keyframe_s(video: Path, at_least_s: float) -> float:
    """Time of the first keyframe at or after ``at_least_s`` (a stream copy starts there)."""
    with av.open(str(video)) as inp:
        s_in = inp.streams.video[0]
        tb = s_in.time_base
        assert tb is not None
        for pkt in inp.demux(s_in):
            if pkt.is_keyframe and pkt.pts is not None and pkt.pts * tb >= at_least_s:
                return float(pkt.pts * tb)
    raise ValueError(f"{video}: no keyframe after {at_least_s} s")


def bench_video(minutes: float, cache: Path = CACHE, restless: bool = False) -> Path:
    """A ``minutes``-long 720p night: the whole unit once (awake, settling, asleep), then its
    sleep part (from the first keyframe after :data:`SLEEP_FROM_S`) again and again,
    stream-copied with shifted timestamps (no re-encoding). A ``restless`` night repeats
    the whole restless unit instead."""
    unit = bench_unit_video(cache, restless)
    path = cache / f"{'restless' if restless else 'night'}_{minutes:g}min.mp4"
    if path.is_file():
        return path
    total_s = minutes * 60.0
    sleep_from = 0.0 if restless else _keyframe_s(unit, SLEEP_FROM_S)
    tmp = path.with_name(f".{path.name}.partial.mp4")
    with av.open(str(tmp), "w", format="mp4", options={"movflags": "+faststart"}) as out:
        offset_s = 0.0  # where the next copy's first frame goes on the night's timeline
        from_s = 0.0  # where the copy starts in the unit
        s_out = None
        while offset_s < total_s - 1e-6:
            with av.open(str(unit)) as inp:
                s_in = inp.streams.video[0]
                if s_out is None:
                    s_out = out.add_stream_from_template(s_in)
                tb = s_in.time_base
                assert tb is not None
                shift = int(round(Fraction(offset_s - from_s) / tb))
                if from_s > 0:
                    inp.seek(int(round(Fraction(from_s) / tb)), stream=s_in, backward=True)
                for pkt in inp.demux(s_in):
                    if pkt.dts is None or pkt.pts is None:
                        continue
                    if pkt.pts * tb < from_s - 1e-6:
                        continue
                    if pkt.pts * tb - from_s + offset_s >= total_s:
                        continue
                    pkt.pts += shift
                    pkt.dts += shift
                    pkt.stream = s_out
                    out.mux(pkt)
            offset_s += UNIT_S - from_s
            from_s = sleep_from
    os.replace(tmp, path)
    return path


def pose_by_state(
    t_s: Any, pose_ran: Any, periods: tuple[tuple[float, float, str], ...], unit_s: float
) -> dict[str, float]:
    """Pose calls a frame in each state of a night that repeats a unit of ``unit_s`` with
    ``periods`` (start_s, end_s, state) in it: the frames whose time within the unit lies in
    that state's periods, and the share of them where pose ran."""
    import numpy as np

    t = np.asarray(t_s, dtype=np.float64)
    ran = np.asarray(pose_ran, dtype=bool)
    at = np.mod(t, unit_s)
    out: dict[str, float] = {}
    for state in dict.fromkeys(p[2] for p in periods):
        inside = np.zeros(len(t), dtype=bool)
        for a, b, st in periods:
            if st == state:
                inside |= (at >= a) & (at < b)
        out[state] = float(ran[inside].mean()) if inside.any() else math.nan
    return out


# --- one measured step in a subprocess --------------------------------------------------------
def _measure(cmd: list[str]) -> dict[str, Any]:
    """Run ``cmd`` (this script in a step mode) through a wrapper process that waits for it
    and reports its wall time, CPU time and peak RSS (``ru_maxrss`` of it and every process
    it started: the largest one), while this process samples the summed RSS of the tree."""
    import psutil

    wrapper = [sys.executable, str(Path(__file__).resolve()), "--_wrap", "--", *cmd]
    proc = subprocess.Popen(wrapper, stdout=subprocess.PIPE, text=True)
    peak_sum = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak_sum
        root = psutil.Process(proc.pid)
        while not stop.is_set():
            try:
                procs = root.children(recursive=True)  # not the measuring wrapper
                total = 0
                for p in procs:
                    try:
                        total += p.memory_info().rss
                    except psutil.Error:
                        pass
                peak_sum = max(peak_sum, total)
            except psutil.Error:
                return
            stop.wait(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, _ = proc.communicate()
    stop.set()
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"step failed ({proc.returncode}): {' '.join(cmd)}")
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    result["peak_rss_sum_mib"] = peak_sum / 2**20
    return result


def _wrap(cmd: list[str]) -> int:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        return proc.returncode
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    step = json.loads(proc.stdout.strip().splitlines()[-1])
    step.update(
        wall_s=wall,
        cpu_s=ru.ru_utime + ru.ru_stime,
        max_rss_mib=ru.ru_maxrss / 1024,  # KiB on Linux
    )
    print(json.dumps(step))
    return 0


def _decode_step(video: Path) -> int:
    """Decode-only: every frame, FFmpeg threads, luma plane viewed in place (no conversion)."""
    import numpy as np

    n = 0
    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        for frame in container.decode(stream):
            plane = frame.planes[0]
            np.frombuffer(memoryview(plane), np.uint8)
            n += 1
    print(json.dumps({"frames": n}))
    return 0


_runs: Any = None  # in a pool worker: shared counter of pose model runs


def _count_model_runs(counter: Any) -> None:
    """Pool-worker initializer: count every MediaPipe model run (rotation retries too)."""
    global _runs
    from detector.pose import MediaPipePose

    _runs = counter
    original = MediaPipePose._detect_upright

    def counted(self: MediaPipePose, rgb: Any, rotation: int) -> Any:
        with _runs.get_lock():
            _runs.value += 1
        return original(self, rgb, rotation)

    MediaPipePose._detect_upright = counted  # type: ignore[method-assign]


def _analyze_step(
    video: Path, data: Path, workers: int, chunk_s: float, restless: bool, busy_every_s: float
) -> int:
    """Full analysis as ``legmove batch VIDEO --workers N`` does it, into a fresh store."""
    import multiprocessing as mp

    from detector.extract import ExtractOptions
    from detector.track import track_load
    from pipeline.jobs import LocalPool, batch_add, batch_run
    from pipeline.store.db import Store

    store = Store(data)
    (night_id,) = batch_add(store, [("bench", [video])])
    counter = mp.get_context("spawn").Value("q", 0)
    with LocalPool(workers, initializer=_count_model_runs, initargs=(counter,)) as pool:
        options = ExtractOptions(busy_every_s=busy_every_s)
        outcome = batch_run(store, [night_id], pool, chunk_s=chunk_s, options=options)
    if outcome[night_id] is not None:
        raise outcome[night_id]  # type: ignore[misc]
    track = track_load(store.tracks_file(night_id))
    summary = store.get_night(night_id).summary or {}
    by_state = (
        pose_by_state(track.t_s, track.pose_ran, RESTLESS_PERIODS, UNIT_S) if restless else {}
    )
    print(
        json.dumps(
            {
                "frames": track.n_frames,
                "pose_by_state": by_state,
                "pose_calls": int(track.pose_ran.sum()),
                "model_runs": int(counter.value),
                "duration_s": track.duration_s,
                "counts": summary.get("counts", {}),
                "tracks": str(store.tracks_file(night_id)),
            }
        )
    )
    return 0


def _score_step(tracks: Path, hours: float) -> int:
    """Scoring memory for a long night: the measured track tiled to ``hours`` and scored."""
    import numpy as np

    from detector.track import NightTrack, track_load
    from pipeline.scoring.night import night_score

    one = track_load(tracks)
    reps = max(1, math.ceil(hours * 3600 / one.duration_s))
    step = one.duration_s
    t = np.concatenate([one.t_s + i * step for i in range(reps)])
    tiled = NightTrack(
        t_s=t,
        keypoints_px=np.tile(one.keypoints_px, (reps, 1, 1)),
        visibility=np.tile(one.visibility, (reps, 1)),
        pose_ran=np.tile(one.pose_ran, reps),
        motion=np.tile(one.motion, (reps, 1)),
        frame_size=one.frame_size,
        segments=one.segments,
        model=one.model,
        versions=one.versions,
    )
    del one
    result = night_score(tiled)
    print(json.dumps({"frames": tiled.n_frames, "events": len(result.events)}))
    return 0


# --- the report -------------------------------------------------------------------------------
@dataclass
class Row:
    label: str
    minutes: float
    frames: int
    decode_s: list[float]
    decode_cpu_s: list[float]
    analysis_s: list[float]
    analysis_cpu_s: list[float]
    pose_calls: int
    model_runs: int
    max_rss_mib: float
    sum_rss_mib: float

    @staticmethod
    def _median(v: list[float]) -> float:
        return float(statistics.median(v))

    @property
    def ratios(self) -> list[float]:
        """Analysis / decode-only wall time of each measured pair."""
        return [a / d for a, d in zip(self.analysis_s, self.decode_s, strict=True)]

    @property
    def ratio(self) -> float:
        return self._median(self.ratios)

    @property
    def cpu_ratio(self) -> float:
        return self._median(self.analysis_cpu_s) / self._median(self.decode_cpu_s)

    @property
    def x_real_time(self) -> float:
        return self.minutes * 60 / self._median(self.analysis_s)


def _table(rows: list[Row], markdown: bool) -> str:
    head = [
        "video",
        "frames",
        "decode-only s",
        "analysis s",
        "ratio",
        "ratio range",
        "CPU s decode / analysis",
        "CPU ratio",
        "x real time",
        "pose calls/frame",
        "model runs/frame",
        "peak RSS largest process MiB",
        "peak RSS all processes MiB",
    ]
    body = [
        [
            r.label,
            str(r.frames),
            f"{r._median(r.decode_s):.1f}",
            f"{r._median(r.analysis_s):.1f}",
            f"{r.ratio:.2f}",
            f"{min(r.ratios):.2f}–{max(r.ratios):.2f} (n={len(r.ratios)})",
            f"{r._median(r.decode_cpu_s):.0f} / {r._median(r.analysis_cpu_s):.0f}",
            f"{r.cpu_ratio:.2f}",
            f"{r.x_real_time:.0f}",
            f"{r.pose_calls / r.frames:.4f}",
            f"{r.model_runs / r.frames:.4f}",
            f"{r.max_rss_mib:.0f}",
            f"{r.sum_rss_mib:.0f}",
        ]
        for r in rows
    ]
    if markdown:
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        return "\n".join(lines + ["| " + " | ".join(b) + " |" for b in body])
    widths = [max(len(h), *(len(b[i]) for b in body)) for i, h in enumerate(head)]
    fmt = "  ".join(f"{{:>{w}}}" for w in widths)
    return "\n".join([fmt.format(*head)] + [fmt.format(*b) for b in body])


def _machine() -> str:
    load = os.getloadavg()
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{platform.node()}: {os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, "
        f"PyAV {av.__version__}; load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}"
    )


def _log(msg: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} load {os.getloadavg()[0]:.1f}: {msg}", file=sys.stderr)
    sys.stderr.flush()


def _measure_length(
    me: list[str], video: Path, minutes: float, args: argparse.Namespace, keep: Path | None
) -> Row:
    decode, analysis = [], []
    for rep in range(args.repeat):
        decode.append(_measure([*me, "--_decode", str(video)]))
        _log(f"{minutes:g} min, run {rep + 1}: decode-only {decode[-1]['wall_s']:.1f} s")
        with tempfile.TemporaryDirectory(prefix="legmove-bench-") as tmp:
            step = [*me, "--_analyse", str(video), "--_data", tmp, "--workers", str(args.workers)]
            step += ["--restless"] if args.restless and args.video is None else []
            step += ["--busy-every-s", str(args.busy_every_s)]
            analysis.append(_measure([*step, "--chunk-s", str(args.chunk_s)]))
            if keep is not None:
                Path(analysis[-1]["tracks"]).replace(keep)
        a = analysis[-1]
        _log(f"{minutes:g} min, run {rep + 1}: analysis {a['wall_s']:.1f} s, {a['counts']}")
        if a.get("pose_by_state"):
            shares = ", ".join(f"{k} {v:.3f}" for k, v in a["pose_by_state"].items())
            _log(f"{minutes:g} min, run {rep + 1}: pose calls a frame by state: {shares}")
    last = analysis[-1]
    if int(decode[-1]["frames"]) != int(last["frames"]):
        _log(f"note: decode-only saw {decode[-1]['frames']} frames, the analysis {last['frames']}")
    label = f"{minutes:g} min 720p 15 fps" if args.video is None else video.name
    if args.video is None and args.restless:
        label += " restless"
    return Row(
        label=label,
        minutes=minutes,
        frames=int(last["frames"]),
        decode_s=[d["wall_s"] for d in decode],
        decode_cpu_s=[d["cpu_s"] for d in decode],
        analysis_s=[a["wall_s"] for a in analysis],
        analysis_cpu_s=[a["cpu_s"] for a in analysis],
        pose_calls=int(last["pose_calls"]),
        model_runs=int(last["model_runs"]),
        max_rss_mib=max(a["max_rss_mib"] for a in analysis),
        sum_rss_mib=max(a["peak_rss_sum_mib"] for a in analysis),
    )


def main(argv: list[str] | None = None) -> int:
    args_in = sys.argv[1:] if argv is None else argv
    if args_in[:2] == ["--_wrap", "--"]:
        return _wrap(args_in[2:])
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--minutes", type=float, nargs="+", default=[60.0], help="night lengths")
    ap.add_argument("--repeat", type=int, default=1, help="decode / analysis pairs per length")
    ap.add_argument("--workers", type=int, default=2, help="analysis processes")
    ap.add_argument("--chunk-s", type=float, default=300.0, help="seconds per chunk")
    ap.add_argument("--cache", type=Path, default=CACHE)
    ap.add_argument("--video", type=Path, help="time this video file instead of a generated night")
    ap.add_argument(
        "--restless", action="store_true", help="a restless night (half awake, wriggling)"
    )
    ap.add_argument(
        "--busy-every-s",
        type=float,
        default=0.0,
        help="pose at most this often in long leg activity (detector option; 0: off)",
    )
    ap.add_argument(
        "--render-only", action="store_true", help="render and join the nights, time nothing"
    )
    ap.add_argument(
        "--score-hours", type=float, default=10.0, help="also score the longest track tiled to this"
    )
    ap.add_argument("--markdown", action="store_true", help="print a Markdown table")
    ap.add_argument("--_decode", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--_analyse", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--_score", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--_data", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(args_in)
    if args._decode:
        return _decode_step(args._decode)
    if args._analyse:
        return _analyze_step(
            args._analyse, args._data, args.workers, args.chunk_s, args.restless, args.busy_every_s
        )
    if args._score:
        return _score_step(args._score, args.score_hours)

    me = [sys.executable, str(Path(__file__).resolve())]
    start = _machine()
    _log(start)
    if args.video is not None:
        if not args.video.is_file():
            raise SystemExit(f"{args.video}: no such video file")
        with av.open(str(args.video)) as c:
            args.minutes = [float(c.duration or 0) / av.time_base / 60.0]
        videos = {args.minutes[0]: args.video}
    else:
        videos = {m: bench_video(m, args.cache, args.restless) for m in args.minutes}
        if args.render_only:
            return 0
    longest = max(args.minutes)
    kind = "restless_" if args.restless else ""
    keep = args.cache / f"tracks_{kind}{longest:g}min.npz" if args.score_hours else None
    if keep is not None:
        keep.parent.mkdir(parents=True, exist_ok=True)
    rows = [
        _measure_length(me, videos[m], m, args, keep if m == longest else None)
        for m in args.minutes
    ]
    print(f"machine at start: {start}")
    print(f"machine at end:   {_machine()}")
    print(_table(rows, args.markdown))
    for r in rows:
        per_min = r._median(r.decode_s) / r.minutes, r._median(r.analysis_s) / r.minutes
        print(
            f"{r.minutes:g} min, extrapolated to 10 h: decode-only {per_min[0] * 10:.1f} min, "
            f"analysis {per_min[1] * 10:.1f} min"
        )
    if keep is not None:
        hours = str(args.score_hours)
        score = _measure([*me, "--_score", str(keep), "--score-hours", hours])
        print(
            f"scoring a {args.score_hours:g}-h night (the {longest:g}-min track tiled, "
            f"{score['frames']} frames) alone: {score['wall_s']:.0f} s, peak RSS "
            f"{score['max_rss_mib']:.0f} MiB"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
