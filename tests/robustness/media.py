"""Helpers for the robustness suite: small damaged, odd and real-derived videos, CLI runs."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from detector.pose import FakePose, PoseResult
from detector.track import KEYPOINT_NAMES
from tests.helpers.video import frame_image  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
REAL = REPO.parent / "shared" / "data" / "real"
KICKING = REAL / "infant_supine_kicking.mp4"
#: the contract files of one analysis, plus the tracks
RESULT_FILES = ("events.csv", "episodes.csv", "epochs.csv", "summary.json", "tracks.npz")


def real_clip(dst: Path, *, start_s: float, seconds: float, movflags: str | None = None) -> Path:
    """Re-encode ``seconds`` of the real kicking-baby video from ``start_s`` (skip if absent)."""
    if not KICKING.is_file():
        pytest.skip(f"{KICKING} absent: the shared real-video data set is not beside this checkout")
    options = {"movflags": movflags} if movflags else {}
    with av.open(str(KICKING)) as src, av.open(str(dst), "w", options=options) as out:
        vin = src.streams.video[0]
        rate = Fraction(vin.average_rate or 15)
        vout = out.add_stream("libx264", rate=rate)
        vout.width, vout.height, vout.pix_fmt = vin.width, vin.height, "yuv420p"
        vout.options = {"preset": "ultrafast", "crf": "23", "g": "15", "bf": "0"}
        n = 0
        tb = vin.time_base
        assert tb is not None
        for frame in src.decode(vin):
            if frame.pts is None:
                continue
            t = float(frame.pts * tb)
            if t < start_s:
                continue
            if t >= start_s + seconds:
                break
            img = frame.to_ndarray(format="rgb24")
            new = av.VideoFrame.from_ndarray(img, format="rgb24")
            new.pts = n
            n += 1
            for packet in vout.encode(new):
                out.mux(packet)
        for packet in vout.encode():
            out.mux(packet)
    return dst


def grey_video(dst: Path, seconds: float, fps: int = 15, **kw) -> Path:
    """A small generated grey video (see conftest_video_helpers.make_video)."""
    from tests.helpers.video import make_video

    return make_video(dst, n_frames=int(round(seconds * fps)), fps=fps, **kw)


def huge_video(dst: Path, width: int = 8000, height: int = 6000) -> Path:
    """One black frame of ``width`` x ``height`` (H.264): the header says how big it is."""
    with av.open(str(dst), "w") as out:
        st = out.add_stream("libx264", rate=15)
        st.width, st.height, st.pix_fmt = width, height, "yuv420p"
        st.options = {"preset": "ultrafast"}
        frame = av.VideoFrame(width, height, "yuv420p")
        for plane in frame.planes:
            plane.update(bytes(plane.buffer_size))
        frame.pts = 0
        for packet in [*st.encode(frame), *st.encode()]:
            out.mux(packet)
    return dst


def damage_middle(src: Path, dst: Path, n_bytes: int = 300, seed: int = 0) -> Path:
    """Copy ``src`` with ``n_bytes`` in the middle of the file scrambled (corrupt frames)."""
    data = bytearray(src.read_bytes())
    rng = np.random.default_rng(seed)
    mid = len(data) // 2
    data[mid : mid + n_bytes] = rng.integers(0, 256, n_bytes, dtype=np.uint8).tobytes()
    dst.write_bytes(bytes(data))
    return dst


def fake_pose() -> FakePose:
    """A baby lying still in the middle of a 64 x 48 frame, found in every frame."""
    k = len(KEYPOINT_NAMES)
    kp = np.array(
        [[32 + (6 if "left" in n else -6), 8 + 4 * i] for i, n in enumerate(KEYPOINT_NAMES)]
    )
    res = PoseResult(kp.astype(np.float32), np.full(k, 0.9, np.float32), 0.9)
    return FakePose(lambda _rgb: res)


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (relative name -> bytes), to compare before and after."""
    if not folder.exists():
        return {}
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def earlier_result(out: Path) -> dict[str, bytes]:
    """Put recognisable files of an 'earlier analysis' into ``out``; return its snapshot."""
    out.mkdir(parents=True, exist_ok=True)
    for name in RESULT_FILES:
        (out / name).write_bytes(f"earlier result: {name}\n".encode())
    return snapshot(out)


def cli_start(args: Sequence[str | Path], *, capture: bool = True) -> subprocess.Popen:
    """Start ``python -m pipeline.cli.app ARGS`` from the repository root (text output).

    ``capture=False`` sends its output nowhere (for runs that are killed).
    """
    env = {**os.environ, "PYTHONWARNINGS": "ignore", "COLUMNS": "80"}
    out = subprocess.PIPE if capture else subprocess.DEVNULL
    return subprocess.Popen(
        [sys.executable, "-m", "pipeline.cli", *map(str, args)],
        cwd=REPO,
        stdout=out,
        stderr=out,
        text=True,
        env=env,
    )


_BATCH_RUNNER = r"""
import json, os, runpy, sys, traceback
import pipeline.cli.app  # noqa: F401  (imported once; every run below re-executes it as __main__)
jobs = json.load(sys.stdin)
results = []
for args, out_path, err_path in jobs:
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            fd_out = os.open(out_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
            fd_err = os.open(err_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
            os.dup2(fd_out, 1)
            os.dup2(fd_err, 2)
            sys.argv = ["legmove", *args]
            try:
                runpy.run_module("pipeline.cli", run_name="__main__", alter_sys=True)
                code = 0
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            except BaseException:
                traceback.print_exc()
                code = 1
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    results.append(os.waitstatus_to_exitcode(status))
json.dump(results, sys.stdout)
"""


def cli_batch(
    runs: Sequence[Sequence[str | Path]], workdir: Path, timeout_s: float = 300
) -> list[subprocess.CompletedProcess]:
    """Run ``python -m pipeline.cli.app ARGS`` for each of ``runs``, each in its own process.

    One interpreter imports legmove once, then forks a child per run that executes
    ``pipeline.cli.app`` as ``__main__`` (what ``python -m`` does) with its own stdout/stderr
    and exit code. It saves the 2-3 s of interpreter start and imports per run; a few tests
    still start ``python -m pipeline.cli.app`` afresh (:func:`cli_start`).
    """
    import json

    workdir.mkdir(parents=True, exist_ok=True)
    jobs = [
        ([str(a) for a in args], str(workdir / f"{i}.out"), str(workdir / f"{i}.err"))
        for i, args in enumerate(runs)
    ]
    env = {**os.environ, "PYTHONWARNINGS": "ignore", "COLUMNS": "80"}
    done = subprocess.run(
        [sys.executable, "-c", _BATCH_RUNNER],
        input=json.dumps(jobs),
        cwd=REPO,
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout_s,
        check=True,
    )
    codes = json.loads(done.stdout)
    return [
        subprocess.CompletedProcess(
            ["python", "-m", "pipeline.cli", *args],
            code,
            Path(out).read_text(encoding="utf-8"),
            Path(err).read_text(encoding="utf-8"),
        )
        for (args, out, err), code in zip(jobs, codes, strict=True)
    ]


__all__ = [
    "cli_batch",
    "KICKING",
    "REAL",
    "REPO",
    "RESULT_FILES",
    "cli_start",
    "damage_middle",
    "earlier_result",
    "fake_pose",
    "frame_image",
    "grey_video",
    "huge_video",
    "real_clip",
    "snapshot",
]
