"""Fuzzing: random and mutated bytes into the video-opening path, random tracks into the
signal stage. Only legmove's own errors (or ValueError for bad arguments) may come out:
never another exception, a crash or a hang. Inputs that once failed are kept in
``regressions/`` and replayed here.

The in-process hypothesis tests are derandomized (the same examples on every run, so CI
is stable) and time-box each example; the batch test runs more mutations in a child
process, where a crash or a hang in FFmpeg's C code cannot take pytest down with it.
``LEGMOVE_FUZZ_SEED`` and ``LEGMOVE_FUZZ_N`` choose another or a longer batch locally.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import detector.errors as errors
from detector.track import KEYPOINT_NAMES, MOTION_REGIONS, NightTrack
from detector.video import night_frames, night_plan, video_probe
from pipeline.errors import LegmoveError, TooShortError
from pipeline.reports.folder import night_read, night_write
from pipeline.scoring.night import NightResult, night_score
from tests.helpers.video import make_video  # noqa: E402

from .media import REPO

REGRESSIONS = Path(__file__).resolve().parent / "regressions"
MANIFEST = json.loads((REGRESSIONS / "manifest.json").read_text())
EXAMPLE_TIMEOUT_S = 20.0


class _Hang(BaseException):
    """Raised by the per-example alarm; a BaseException so no ``except Exception`` eats it."""


@contextlib.contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    def on_alarm(signum, frame):
        raise _Hang(f"no answer within {seconds} s")

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


# --- the videos that are mutated ------------------------------------------------------------
@pytest.fixture(scope="module")
def bases(tmp_path_factory) -> list[Path]:
    """Small valid videos in the containers and layouts monitors and phones write."""
    d = tmp_path_factory.mktemp("bases")
    return [
        make_video(d / "plain.mp4", n_frames=20, gop=5),
        make_video(d / "faststart.mp4", n_frames=20, gop=5, movflags="faststart"),
        make_video(d / "frag.mp4", n_frames=20, gop=5, movflags="frag_keyframe+empty_moov"),
        make_video(d / "bframes.mkv", n_frames=20, gop=5, bframes=2),
        make_video(d / "rot.mp4", n_frames=10, rotation=90, creation_time="2026-11-27T20:30:00Z"),
        make_video(d / "grey.mov", n_frames=5, codec="png", pix_fmt="gray"),
        make_video(d / "mpeg4.avi", n_frames=10, codec="mpeg4"),
    ]


def _open_all(path: Path, start_s: float) -> str:
    """Probe, plan and decode ``path`` (whole, then from ``start_s``); return the outcome."""
    try:
        video_probe(path)
        plan = night_plan([path])
        n = len(list(night_frames(plan, on_issue=lambda _m: None)))
        list(night_frames(plan, start_s=start_s, on_issue=lambda _m: None))
        return f"ok {n}"
    except LegmoveError as exc:
        assert str(exc).startswith(str(path)), "the error names the file"
        return type(exc).__name__


edits = st.lists(
    st.tuples(
        st.sampled_from(["flip", "truncate", "insert", "zero", "duplicate"]),
        st.one_of(st.floats(0, 1), st.integers(0, 400)),  # a fraction, or a header offset
        st.binary(min_size=1, max_size=48),
    ),
    min_size=1,
    max_size=4,
)


def _apply(data: bytes, ops) -> bytes:
    b = bytearray(data)
    for op, where, junk in ops:
        if not b:
            break
        i = min(len(b) - 1, int(where * len(b)) if isinstance(where, float) else where)
        if op == "flip":
            for k, x in enumerate(junk):
                b[min(len(b) - 1, i + k)] ^= x
        elif op == "truncate":
            del b[i:]
        elif op == "insert":
            b[i:i] = junk
        elif op == "zero":
            b[i : i + len(junk) * 4] = bytes(len(b[i : i + len(junk) * 4]))
        else:
            b[i:i] = b[len(junk) : len(junk) + 64]
    return bytes(b)


@settings(
    max_examples=120,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(k=st.integers(0, 6), ops=edits, start_s=st.floats(0, 2))
def test_mutated_videos_give_only_legmove_errors(bases, tmp_path, k, ops, start_s):
    base = bases[k]
    path = tmp_path / f"mutated{base.suffix}"
    path.write_bytes(_apply(base.read_bytes(), ops))
    with _time_limit(EXAMPLE_TIMEOUT_S):
        _open_all(path, start_s)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(data=st.binary(max_size=4096), ext=st.sampled_from([".mp4", ".mkv", ".avi", ".mov", ""]))
def test_random_bytes_are_not_a_video(tmp_path_factory, data, ext):
    path = tmp_path_factory.mktemp("random") / f"random{ext}"
    path.write_bytes(data)
    with _time_limit(EXAMPLE_TIMEOUT_S):
        outcome = _open_all(path, 0.0)
    assert not outcome.startswith("ok") or len(data) > 32, outcome


def test_bad_arguments_are_value_errors(bases):
    plan = night_plan([bases[0]])
    for start_s, end_s in ((-1.0, None), (math.nan, None), (2.0, 1.0)):
        with pytest.raises(ValueError):
            list(night_frames(plan, start_s=start_s, end_s=end_s))
    with pytest.raises(ValueError):
        night_plan([])
    with pytest.raises(ValueError):
        list(night_frames([]))


# --- a longer batch in a child process: crashes and hangs are caught -------------------------
def _batch(bases: list[Path], work: Path, seed: int, n: int, case_timeout_s: float) -> list[str]:
    """Run fuzz_worker; return the problems (BAD outcomes, a crash, a hang), each with input."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.robustness.fuzz_worker", str(seed), str(n), str(work)]
        + [str(b) for b in bases],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    assert proc.stdout is not None
    problems: list[str] = []
    case = ""
    last = time.monotonic()
    while True:
        ready, _, _ = select.select([proc.stdout], [], [], 1.0)
        if ready:
            line = proc.stdout.readline()
            if not line:
                break
            last = time.monotonic()
            if line.startswith("CASE "):
                case = line.strip()
            elif line.startswith("DONE ") and " BAD " in line:
                problems.append(f"{case} -> {line.strip()}")
        elif time.monotonic() - last > case_timeout_s:
            proc.kill()
            proc.communicate()
            problems.append(f"hang: no answer within {case_timeout_s} s on {case}")
            return problems
    _, stderr = proc.communicate()
    if proc.returncode != 0:
        problems.append(f"crash (exit {proc.returncode}) on {case}: {stderr[-2000:]}")
    return problems


@pytest.mark.slow
def test_fuzz_batch_in_a_child_process(bases, tmp_path):
    seed = int(os.environ.get("LEGMOVE_FUZZ_SEED", "2026"))
    n = int(os.environ.get("LEGMOVE_FUZZ_N", "300"))
    problems = _batch(bases, tmp_path / "work", seed, n, case_timeout_s=60.0)
    assert not problems, (
        f"seed {seed}: the inputs are kept in {tmp_path / 'work'} — copy each to "
        f"tests/robustness/regressions/ (see its README):\n" + "\n".join(problems)
    )


# --- regressions found by fuzzing -----------------------------------------------------------
VIDEO_REGRESSIONS = sorted(MANIFEST)


def test_every_regression_file_is_listed():
    files = {p.name for p in REGRESSIONS.iterdir() if p.name not in ("README.md", "manifest.json")}
    assert files == set(MANIFEST)


@pytest.mark.parametrize("name", VIDEO_REGRESSIONS)
def test_video_regression(name, tmp_path):
    entry = MANIFEST[name]
    path = tmp_path / name  # a copy: the message names the file given
    path.write_bytes((REGRESSIONS / name).read_bytes())
    with _time_limit(EXAMPLE_TIMEOUT_S):
        with pytest.raises(getattr(errors, entry["error"])) as exc:
            list(night_frames(night_plan([path])))
    assert entry["says"] in str(exc.value) and str(path) in str(exc.value)


def _nan_keypoints_seen_as_visible() -> NightTrack:
    """Found by test_random_tracks...: NaN keypoints at visibility 1 (the constructor
    allowed it) made the signal stage take medians of all-NaN arrays (RuntimeWarning)."""
    n = 3
    return NightTrack(
        np.array([2.0, 4.0, 6.0]),
        np.full((n, K, 2), np.nan),
        np.ones((n, K)),
        np.zeros(n, bool),
        np.zeros((n, R)),
        (64, 48),
    )


def test_track_regression_nan_keypoints_at_full_visibility():
    track = _nan_keypoints_seen_as_visible()
    assert (track.visibility == 0).all(), "no visibility where no keypoint is known"
    _valid(night_score(track), track)


def test_track_regression_pose_never_ran_and_night_starts_off_the_ms_grid():
    """Found by the strict fuzz: pose_ran all False made signal_resample reshape zero
    samples (ValueError), and a movement at 0.509 s — its start rounded to ms, before the
    first epoch at 0.5094573 s — made np.bincount fail on epoch index -1."""
    t = np.array([0.5094573, 1.36982826, 1.58515595, 2.4440755, 2.79354067])
    t = np.concatenate([t, [3.23220183, 3.9943639, 4.42172321, 4.96139816, 5.08344545]])
    n = len(t)
    track = NightTrack(
        t,
        np.full((n, K, 2), np.nan),
        np.zeros((n, K)),
        np.zeros(n, bool),
        np.full((n, R), 0.1),
        (64, 48),
    )
    result = night_score(track)
    _valid(result, track)
    assert result.epochs[[c for c in result.epochs if c.startswith("n_")]].to_numpy().sum() >= len(
        result.events
    ) - result.summary["counts"].get("dropped_in_artifacts", 0)


# --- random tracks into the signal stage ----------------------------------------------------
K, R = len(KEYPOINT_NAMES), len(MOTION_REGIONS)


@st.composite
def tracks(draw) -> NightTrack:
    """Tracks the constructor accepts: any length, frame rate, gaps, NaN keypoints, random
    or constant visibility and motion, still or wandering or jumping keypoints."""
    n = draw(st.integers(0, 900))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    fps = draw(st.sampled_from([0.5, 2.0, 10.0, 15.0, 25.0, 30.0, 60.0]))
    timing = draw(st.sampled_from(["regular", "jitter", "gaps", "dense"]))
    dt = {
        "regular": np.full(n, 1 / fps),
        "jitter": rng.uniform(0.2, 1.8, n) / fps,
        "gaps": np.where(rng.random(n) < 0.02, rng.uniform(1, 600, n), 1 / fps),
        "dense": np.full(n, 1e-4),
    }[timing]
    t = np.cumsum(dt) + draw(st.sampled_from([0.0, 0.001, 7200.0]))
    w, h = draw(st.sampled_from([(64, 48), (320, 240), (1920, 1080), (1, 1)]))
    pose = draw(st.sampled_from(["none", "still", "random", "walk", "partial", "far"]))
    if pose == "none":
        kp = np.full((n, K, 2), np.nan)
    elif pose == "still":
        kp = np.broadcast_to(rng.uniform(0, w, (1, K, 2)), (n, K, 2)).copy()
    elif pose == "random":
        kp = rng.uniform(-w, 2 * w, (n, K, 2))
    elif pose == "walk":
        kp = rng.uniform(0, w, (1, K, 2)) + np.cumsum(rng.normal(0, 2, (n, K, 2)), axis=0)
    elif pose == "far":  # outside the frame, as far as a pose model's landmarks can be
        kp = rng.uniform(-2 * max(w, h), 3 * max(w, h), (n, K, 2))
    else:
        kp = rng.uniform(0, w, (n, K, 2))
        kp[rng.random((n, K)) < 0.5] = np.nan
    vis = {
        "zero": np.zeros((n, K)),
        "one": np.ones((n, K)),
        "random": rng.random((n, K)),
        "binary": (rng.random((n, K)) < 0.5).astype(float),
    }[draw(st.sampled_from(["zero", "one", "random", "binary"]))]
    if draw(st.booleans()):  # as the detector writes them: no visibility where no keypoint
        vis = np.where(np.isnan(kp).any(axis=2), 0.0, vis)
    motion = {
        "zero": np.zeros((n, R)),
        "constant": np.full((n, R), 0.1),
        "random": rng.random((n, R)),
        "spiky": (rng.random((n, R)) < 0.05) * rng.random((n, R)),
    }[draw(st.sampled_from(["zero", "constant", "random", "spiky"]))]
    ran = rng.random(n) < draw(st.sampled_from([0.0, 0.1, 1.0]))
    return NightTrack(t, kp, vis, ran, motion, (w, h))


EVENT_KINDS = {"twitch", "lm", "long_movement"}


def _valid(result: NightResult, track: NightTrack) -> None:
    """What every consumer of a NightResult relies on."""
    ev = result.events
    assert {"start_s", "end_s", "duration_s", "kind", "side", "state", "source"} <= set(ev)
    assert ev["start_s"].is_monotonic_increasing
    assert (ev["end_s"] >= ev["start_s"]).all()
    assert set(ev["kind"]) <= EVENT_KINDS
    assert set(ev["side"]) <= {"left", "right", "bilateral"}
    lo, hi = float(track.t_s[0]), float(track.t_s[-1]) + 1.0
    ms = 1e-3  # event times are rounded to ms
    assert ((ev["start_s"] >= lo - ms) & (ev["end_s"] <= hi + ms)).all()
    s = result.summary
    json.dumps(s, allow_nan=False, default=float)  # strict JSON: no NaN or inf in the summary
    assert all(isinstance(v, int) and v >= 0 for v in s["counts"].values())
    for key in ("plm_index_per_h", "lm_index_per_h"):
        assert s[key] is None or (math.isfinite(s[key]) and s[key] >= 0)
    assert 0.0 <= s["pose_coverage"] <= 1.0
    assert isinstance(result.epochs, pd.DataFrame) and isinstance(result.episodes, pd.DataFrame)


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(track=tracks())
def test_random_tracks_give_a_result_or_a_legmove_error(track):
    """Stricter than "TooShortError or ValueError": the track passed its checked
    constructor and the settings are the defaults, so no argument is bad — a ValueError
    here is an internal error (two were found this way, see the regressions above)."""
    with _time_limit(EXAMPLE_TIMEOUT_S):
        try:
            result = night_score(track)
        except TooShortError:
            return
    _valid(result, track)


def test_result_survives_write_and_read(tmp_path):
    rng = np.random.default_rng(1)
    n = 15 * 60
    kp = np.broadcast_to(rng.uniform(20, 40, (1, K, 2)), (n, K, 2)).copy()
    kp[300:330, KEYPOINT_NAMES.index("left_ankle")] += np.linspace(0, 15, 30)[:, None]
    track = NightTrack(
        np.arange(n) / 15, kp, np.full((n, K), 0.9), np.ones(n, bool), np.zeros((n, R)), (64, 48)
    )
    result = night_score(track)
    night_write(result, tmp_path)
    back = night_read(tmp_path)
    assert back.summary == json.loads(json.dumps(result.summary, default=float))
    pd.testing.assert_frame_equal(
        back.events[["start_s", "end_s", "kind", "side"]],
        result.events[["start_s", "end_s", "kind", "side"]],
        check_dtype=False,
    )
