"""Bad input through the API and the real CLI: a specific message, exit code 2, nothing lost.

Every case names the file, says what is wrong and what to do (the ``problem — advice``
form of :class:`detector.errors.VideoError`), exits with code 2 without a traceback, and
leaves the output folder exactly as it was: an earlier result there is kept whole and no
partial contract file appears. Inputs that are damaged but still usable (cut mid-stream,
corrupt frames in the middle, segment files given out of order, odd file names) are
analysed, and the damage is reported.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import pytest

from detector.video import MAX_FRAME_PIXELS, video_probe
from pipeline.errors import (
    LegmoveError,
    NotAVideoError,
    NoVideoStreamError,
    SegmentOrderError,
    StoreError,
    TooShortError,
)
from pipeline.jobs.intake import night_analyze
from pipeline.scoring.night import MIN_DURATION_S
from tests.helpers.video import cut, make_audio, make_video  # noqa: E402

from .media import (
    RESULT_FILES,
    cli_batch,
    cli_start,
    damage_middle,
    earlier_result,
    fake_pose,
    grey_video,
    huge_video,
    real_clip,
    snapshot,
)

ODD_NAME = "nacht [bed] Léa 夜 #1.mp4"  # spaces, rich-markup brackets, non-ASCII


# --- the cases ----------------------------------------------------------------------------
@dataclass
class Bad:
    """An input legmove must refuse: which error, the file it names, words of the problem."""

    inputs: list[Path]
    error: type[LegmoveError]
    names: Path  # the file the message must name
    says: list[str] = field(default_factory=list)
    out_is_file: bool = False


def _file(path: Path, content: bytes | str | None = b"") -> Path:
    """Make ``path``: a file with ``content``, or a folder when ``content`` is None."""
    if content is None:
        path.mkdir()
    elif isinstance(content, str):
        path.write_text(content)
    else:
        path.write_bytes(content)
    return path


def _png_named_mp4(d: Path) -> Path:
    ok, png = cv2.imencode(".png", np.zeros((48, 64, 3), np.uint8))
    assert ok
    (d / "photo.mp4").write_bytes(png.tobytes())
    return d / "photo.mp4"


def _unknown_codec(d: Path) -> Path:
    # the sample entry's codec tag (avc1) overwritten: a stream FFmpeg has no decoder for
    data = make_video(d / "codec_src.mp4", n_frames=10).read_bytes()
    (d / "strange_codec.mp4").write_bytes(data.replace(b"avc1", b"zzzz"))
    return d / "strange_codec.mp4"


def _overlapping(d: Path) -> list[Path]:
    a = grey_video(d / "first.mp4", 6, creation_time="2026-11-27T20:30:00Z")
    b = grey_video(d / "second.mp4", 6, creation_time="2026-11-27T20:30:03Z", first=90)
    return [b, a]


def _duplicate(d: Path) -> list[Path]:
    a = grey_video(d / "cam_a.mp4", 6)
    (d / "cam_a copy.mp4").write_bytes(a.read_bytes())
    return [a, d / "cam_a copy.mp4"]


MAKERS: dict[str, Callable[[Path], Bad]] = {
    "zero_bytes": lambda d: Bad(
        [_file(d / "empty.mp4")],
        NotAVideoError,
        d / "empty.mp4",
        ["empty (0 bytes)"],
    ),
    "text_as_mp4": lambda d: Bad(
        [_file(d / "notes.mp4", "milk\nnappies\n")],
        NotAVideoError,
        d / "notes.mp4",
        ["not a video file"],
    ),
    "png_as_mp4": lambda d: Bad(
        [_png_named_mp4(d)], NotAVideoError, d / "photo.mp4", ["still image (png)"]
    ),
    "mp4_without_moov": lambda d: Bad(
        [cut(make_video(d / "full.mp4", n_frames=150), d / "no_index.mp4", 0.5)],
        NotAVideoError,
        d / "no_index.mp4",
        ["without its index (moov atom)", "untrunc"],
    ),
    "audio_only": lambda d: Bad(
        [make_audio(d / "sound.mp4")], NoVideoStreamError, d / "sound.mp4", ["only sound"]
    ),
    "unknown_codec": lambda d: Bad(
        [_unknown_codec(d)], NotAVideoError, d / "strange_codec.mp4", ["cannot decode"]
    ),
    "two_seconds": lambda d: Bad(
        [grey_video(d / "short.mp4", 2)], TooShortError, d / "short.mp4", ["too short", "2.0 s"]
    ),
    "enormous_frames": lambda d: Bad(
        [huge_video(d / "huge.mp4")], NotAVideoError, d / "huge.mp4", ["8000x6000", "smaller"]
    ),
    "folder": lambda d: Bad(
        [_file(d / "a folder", None)],
        NotAVideoError,
        d / "a folder",
        ["is a folder"],
    ),
    "missing": lambda d: Bad(
        [d / "not there.mp4"], NotAVideoError, d / "not there.mp4", ["no such file"]
    ),
    "odd_name_not_video": lambda d: Bad(
        [_file(d / ODD_NAME, "x")],
        NotAVideoError,
        d / ODD_NAME,
        ["not a video file"],
    ),
    "overlapping_segments": lambda d: Bad(
        _overlapping(d), SegmentOrderError, d / "second.mp4", ["overlap", "first.mp4"]
    ),
    "same_segment_twice": lambda d: Bad(
        _duplicate(d), SegmentOrderError, d / "cam_a copy.mp4", ["same recording as cam_a.mp4"]
    ),
    "out_is_a_file": lambda d: Bad(
        [grey_video(d / "fine.mp4", 6)], StoreError, d / "out", ["is a file"], out_is_file=True
    ),
}


@pytest.fixture(scope="module")
def bad_cases(tmp_path_factory) -> dict[str, Bad]:
    cases = {}
    for name, make in MAKERS.items():
        d = tmp_path_factory.mktemp(name)
        cases[name] = make(d)
    return cases


def _out_for(case: Bad, base: Path) -> tuple[Path, dict[str, bytes]]:
    """An output folder holding an earlier result (or a plain file where --out must fail)."""
    if case.out_is_file:
        out = case.names
        out.write_text("a file where the results folder should be\n")
        return out, {"": out.read_bytes()}
    out = base / "results"
    return out, earlier_result(out)


def _unchanged(out: Path, before: dict[str, bytes]) -> bool:
    if out.is_file():
        return {"": out.read_bytes()} == before
    return snapshot(out) == before


def _check_message(text: str, case: Bad) -> None:
    flat = " ".join(text.split())  # a terminal may wrap; the words must all be there
    assert str(case.names) in text, f"the message must name {case.names}: {text}"
    for words in case.says:
        assert words in flat, f"{words!r} missing from: {text}"
    assert " — " in flat, f"no advice (what to do) in: {text}"


# --- API ----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(MAKERS))
def test_api_refuses_with_a_specific_error(bad_cases, tmp_path, name):
    case = bad_cases[name]
    out, before = _out_for(case, tmp_path)
    pose = fake_pose()
    with pytest.raises(case.error) as exc:
        night_analyze(case.inputs, out, estimator=pose)
    _check_message(str(exc.value), case)
    assert _unchanged(out, before), "the earlier result must be kept whole"
    if name in ("two_seconds", "out_is_a_file", "enormous_frames"):
        assert pose.calls == 0, "refused before the slow decode and pose steps"


def test_frame_size_limit_is_stated():
    assert MAX_FRAME_PIXELS >= 3840 * 2160  # 4K monitors are analysed
    assert 8000 * 6000 > MAX_FRAME_PIXELS


def test_4k_frames_are_accepted(tmp_path):
    info = video_probe(huge_video(tmp_path / "uhd.mp4", 3840, 2160))
    assert (info.width, info.height) == (3840, 2160)


def test_min_duration_is_five_seconds():
    assert MIN_DURATION_S == 5.0


# --- the real CLI, all cases at once ------------------------------------------------------
STORE_CASES = [n for n in MAKERS if n not in ("out_is_a_file", "two_seconds")]


def _store_state(data: Path) -> tuple[list, str, list[str]]:
    from pipeline.store.db import Store

    store = Store(data)
    nights = [(n.id, n.status, n.title) for n in store.list_nights()]
    extra = sorted(p.name for p in data.iterdir() if not p.name.startswith("legmove.db"))
    return nights, store.integrity_check(), extra


@pytest.fixture(scope="module")
def cli_runs(bad_cases, tmp_path_factory) -> dict[tuple[str, str], tuple]:
    """Every bad case through ``legmove analyze`` (output folder holding an earlier result)
    and ``legmove night add`` (store holding an earlier night), in one batch (media.cli_batch).
    Maps (command, case) to (completed process, output/store unchanged)."""
    from detector.video import night_plan
    from pipeline.store.db import Store

    base = tmp_path_factory.mktemp("cli")
    earlier = grey_video(base / "earlier.mp4", 6)
    keys, args, checks = [], [], []
    for name, case in bad_cases.items():
        out, before = _out_for(case, base / "analyze" / name)
        keys.append(("analyze", name))
        args.append(["analyze", *case.inputs, "--out", out, "-q"])
        checks.append(lambda out=out, before=before: _unchanged(out, before))
    for name in STORE_CASES:
        data = base / "store" / name
        Store(data).add_night("Mila", "2024-04-30", night_plan([earlier]))
        state = _store_state(data)
        keys.append(("night add", name))
        args.append(
            ["night", "add", *bad_cases[name].inputs, "--label", "Mila", "--date", "2024-05-01"]
            + ["--data", data, "-q"]
        )
        checks.append(lambda data=data, state=state: _store_state(data) == state)
    runs = cli_batch(args, base / "std")
    return {k: (proc, check()) for k, proc, check in zip(keys, runs, checks, strict=True)}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(MAKERS))
def test_cli_exits_2_with_the_message(bad_cases, cli_runs, name):
    proc, unchanged = cli_runs[("analyze", name)]
    case = bad_cases[name]
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("error: "), proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, "one line: a path is not wrapped"
    _check_message(proc.stderr, case)
    assert unchanged, "the earlier result must be kept whole"


# --- the store path: `legmove night add` ----------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("name", STORE_CASES)
def test_cli_night_add_refuses_and_leaves_the_store_untouched(bad_cases, cli_runs, name):
    proc, untouched = cli_runs[("night add", name)]
    case = bad_cases[name]
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    _check_message(proc.stderr, case)
    assert untouched, "the store changed"


def test_night_add_of_a_two_second_video_leaves_the_store_untouched(
    bad_cases, tmp_path, monkeypatch
):
    from typer.testing import CliRunner

    import pipeline.jobs.chunks
    from pipeline.cli.app import app

    monkeypatch.setattr(pipeline.jobs.chunks, "pose_default", fake_pose, raising=False)
    case = bad_cases["two_seconds"]
    data = tmp_path / "data"
    res = CliRunner().invoke(
        app,
        ["night", "add", *map(str, case.inputs), "--label", "Mila", "--date", "2024-05-01"]
        + ["--data", str(data), "-q"],
    )
    assert res.exit_code == 2, res.output
    assert "too short" in res.output
    assert _store_state(data)[0] == [], "a too-short recording was added as a night"


# --- damaged but usable input: analysed, damage reported ----------------------------------
def _summary(out: Path) -> dict:
    return json.loads((out / "summary.json").read_text())


def test_api_cut_mid_stream_is_analyzed_up_to_the_cut(tmp_path):
    full = grey_video(tmp_path / "full.mp4", 10, movflags="faststart", gop=15)
    broken = cut(full, tmp_path / "cut night.mp4", 0.7)
    night_analyze([broken], tmp_path / "out", estimator=fake_pose())
    s = _summary(tmp_path / "out")
    assert 5.0 <= s["duration_s"] < 10.0
    assert any(i.startswith("cut night.mp4: truncated at") for i in s["issues"]), s["issues"]


def test_api_corrupt_frames_in_the_middle_are_skipped_and_reported(tmp_path):
    clean = grey_video(tmp_path / "clean.mp4", 8, movflags="faststart", gop=15)
    broken = damage_middle(clean, tmp_path / "damaged.mp4")
    night_analyze([broken], tmp_path / "out", estimator=fake_pose())
    s = _summary(tmp_path / "out")
    assert s["duration_s"] == pytest.approx(8.0, abs=0.2), "analysis went on past the damage"
    notes = [i for i in s["issues"] if "damaged frame(s) skipped" in i]
    assert len(notes) == 1 and notes[0].startswith("damaged.mp4: ")
    assert s["frames"] < 120


def test_api_segments_out_of_order_with_odd_names(tmp_path):
    early = grey_video(tmp_path / "nuit de Léa 2026-11-27 20.30.00 [cam].mp4", 6)
    late = grey_video(tmp_path / "nuit de Léa 2026-11-27 20.30.10 [cam].mp4", 6, first=90)
    night_analyze([late, early], tmp_path / "résultats nuit", estimator=fake_pose())
    s = _summary(tmp_path / "résultats nuit")
    assert [Path(p).name for p in s["sources"]] == [early.name, late.name]
    assert s["duration_s"] == pytest.approx(16.0, abs=0.1)  # the 4 s gap is kept
    for name in RESULT_FILES:
        assert (tmp_path / "résultats nuit" / name).is_file()


@pytest.fixture(scope="module")
def damaged_real(tmp_path_factory) -> tuple[subprocess.CompletedProcess, Path, list[str]]:
    """The real CLI (real pose model) on a damaged night of a real baby: two segment files
    with odd names, given out of order; the first has corrupt bytes in the middle, the
    second was cut mid-stream (faststart: its index survives)."""
    d = tmp_path_factory.mktemp("damaged_real")
    names = ["Léa 夜 2026-11-27 20.30.00 [cam].mp4", "Léa 夜 2026-11-27 20.30.06 [cam].mp4"]
    first = real_clip(d / "a.mp4", start_s=0, seconds=6, movflags="faststart")
    second = real_clip(d / "b.mp4", start_s=6, seconds=4, movflags="faststart")
    damage_middle(first, d / names[0], seed=1)
    cut(second, d / names[1], 0.75)
    out = d / "résultats de la nuit"
    proc = cli_start(["analyze", d / names[1], d / names[0], "--out", out])
    stdout, stderr = proc.communicate(timeout=600)
    return subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr), out, names


@pytest.mark.slow
@pytest.mark.real
def test_cli_damaged_real_night_is_analyzed_and_the_damage_noted(damaged_real):
    proc, out, names = damaged_real
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    s = _summary(out)
    assert [Path(p).name for p in s["sources"]] == names, "joined in time order"
    # the corrupt frames are skipped and named; the cut file is analysed up to its cut
    assert f"note: {names[0]}: 1 damaged frame(s) skipped" in proc.stderr
    assert f"note: {names[1]}: truncated at" in proc.stderr
    assert len(s["issues"]) == 2
    assert 8.0 < s["duration_s"] < 10.0
    assert s["pose_coverage"] > 0.9
