"""Unit tests of the synthetic night generator: scene → truth, renderer, H.264 writer."""

from __future__ import annotations

import json
from fractions import Fraction

import av
import numpy as np
import pandas as pd
import pytest

from detector.track import KEYPOINT_NAMES
from synth import (
    PRESETS,
    Blanket,
    CaregiverArm,
    Infrared,
    LegMovement,
    Period,
    PLMSeries,
    Program,
    Renderer,
    Rhythmic,
    Twitch,
    awakening,
    plm_series_numbers,
    synth_preset,
    synth_render,
    synth_scene,
    synth_truth,
    truth_dir_for,
    truth_events,
)
from synth.motion import Planted

CONTRACT = [
    "start_s",
    "end_s",
    "duration_s",
    "kind",
    "side",
    "rhythmic",
    "pattern",
    "frequency_hz",
    "plm_series",
    "state",
    "source",
]


def _lm(
    start: float,
    dur: float,
    legs: tuple[int, ...] = (0,),
    origin: str = "leg_movement",
    **kw: object,
) -> Planted:
    return Planted(start, start + dur, legs, origin, seed=1, **kw)  # type: ignore[arg-type]


SLEEP = [(0.0, 1000.0, "sleep")]


# --- PLM series numbering (hand-worked) ---------------------------------------------------
@pytest.mark.parametrize(
    ("starts", "kinds", "expected"),
    [
        # four LMs 20 s apart: one series
        ([0, 20, 40, 60], ["lm"] * 4, [1, 1, 1, 1]),
        # three are not enough
        ([0, 20, 40], ["lm"] * 3, [None] * 3),
        # an interval of 5 s breaks; the LM after it is no PLM, the one after that may start
        # the next run (WASM 2016 as MATPLM scores it): 45, 65, 85, 105 is a series
        ([0, 20, 25, 45, 65, 85], ["lm"] * 6, [None] * 6),
        ([0, 20, 25, 45, 65, 85, 105], ["lm"] * 7, [None, None, None, 1, 1, 1, 1]),
        # a long movement ends the run
        (
            [0, 20, 30, 40, 60, 80, 100],
            ["lm", "lm", "long_movement", "lm", "lm", "lm", "lm"],
            [None, None, None, 1, 1, 1, 1],
        ),
        # twitches are not LMs and do not break a series
        ([0, 5, 20, 40, 60], ["lm", "twitch", "lm", "lm", "lm"], [1, None, 1, 1, 1]),
        # an interval over 90 s breaks
        ([0, 20, 40, 140, 160, 180, 200], ["lm"] * 7, [None] * 3 + [1] * 4),
        # 10 s and 90 s are inside the range
        ([0, 10, 100, 110], ["lm"] * 4, [1, 1, 1, 1]),
        # two series are numbered in time order
        ([0, 20, 40, 60, 200, 220, 240, 260, 280], ["lm"] * 9, [1] * 4 + [2] * 5),
    ],
)
def test_plm_series_numbers_hand_worked(
    starts: list[float], kinds: list[str], expected: list[int | None]
) -> None:
    assert plm_series_numbers(starts, kinds) == expected


def test_plm_series_numbers_empty() -> None:
    assert plm_series_numbers([], []) == []


# --- events from planted movements ----------------------------------------------------------
def test_two_legs_within_half_a_second_are_one_bilateral_lm() -> None:
    ev = truth_events([_lm(10.0, 1.0, (0,)), _lm(11.3, 1.2, (1,))], SLEEP)
    assert len(ev) == 1
    row = ev.iloc[0]
    assert (row.start_s, row.end_s, row.duration_s) == (10.0, 12.5, 2.5)
    assert (row.kind, row.side, row.n_planted) == ("lm", "bilateral", 2)


def test_two_legs_further_apart_stay_separate() -> None:
    ev = truth_events([_lm(10.0, 1.0, (0,)), _lm(11.6, 1.2, (1,))], SLEEP)
    assert ev["side"].tolist() == ["left", "right"]
    assert ev["kind"].tolist() == ["lm", "lm"]


@pytest.mark.parametrize(
    ("dur", "legs", "kind"),
    [
        (0.3, (0,), "twitch"),
        (0.5, (1,), "lm"),
        (10.0, (0,), "lm"),
        (12.0, (0,), "long_movement"),
        (10.0, (0, 1), "lm"),
        # both legs moving 12 s: a bilateral movement holding one-leg pieces over 10 s is
        # no candidate LM (WASM 2016)
        (12.0, (0, 1), "long_movement"),
        (16.0, (0, 1), "long_movement"),
    ],
)
def test_kind_follows_duration_and_side(dur: float, legs: tuple[int, ...], kind: str) -> None:
    ev = truth_events([_lm(5.0, dur, legs)], SLEEP)
    assert ev["kind"].tolist() == [kind]
    assert ev["duration_s"].iloc[0] == pytest.approx(dur)


def test_bilateral_lm_of_pieces_up_to_15_s() -> None:
    # left 5-13 s, right 12-19 s: one bilateral movement of 14 s whose pieces last 8 and 7 s
    # (<= 10 s each): a candidate LM; stretched to 16 s (right to 21 s) it is not
    ev = truth_events([_lm(5.0, 8.0, (0,)), _lm(12.0, 7.0, (1,))], SLEEP)
    assert (ev["kind"].tolist(), ev["side"].tolist()) == (["lm"], ["bilateral"])
    ev = truth_events([_lm(5.0, 8.0, (0,)), _lm(12.0, 9.0, (1,))], SLEEP)
    assert ev["kind"].tolist() == ["long_movement"]


def test_rhythmic_bout_is_one_event() -> None:
    rh = Rhythmic(20.0, frequency_hz=2.0, cycles=8, pattern="cycling")
    assert rh.duration_s == pytest.approx(4.25)
    scene = synth_scene(60, items=[rh])
    ev = synth_truth(Program(scene))["events"]
    assert len(ev) == 1
    r = ev.iloc[0]
    assert (r.kind, r.side, bool(r.rhythmic), r.pattern) == ("lm", "bilateral", True, "cycling")
    assert r.frequency_hz == 2.0
    assert (r.start_s, r.end_s) == (20.0, 24.25)


def test_long_rhythmic_bout_is_a_long_movement() -> None:
    scene = synth_scene(60, items=[Rhythmic(10.0, 1.2, 24, "cycling")])
    ev = synth_truth(Program(scene))["events"]
    assert ev["kind"].tolist() == ["long_movement"]
    assert bool(ev["rhythmic"].iloc[0])


def test_events_table_has_the_contract_columns_and_types() -> None:
    ev = truth_events([_lm(5.0, 1.0), _lm(30.0, 0.2, (1,))], SLEEP)
    assert ev.columns[: len(CONTRACT)].tolist() == CONTRACT
    assert ev["rhythmic"].dtype == bool
    assert str(ev["plm_series"].dtype) == "Int64"
    empty = truth_events([], SLEEP)
    assert empty.empty and empty.columns[: len(CONTRACT)].tolist() == CONTRACT


# --- scenes: states, summary, validation ----------------------------------------------------
def _night() -> object:
    return synth_scene(
        400,
        seed=3,
        items=[
            Period(0, 60, "wake"),
            Period(60, 100, "settling"),
            Period(100, 250, "sleep"),
            awakening(250, 60),
            Period(310, 400, "sleep"),
            PLMSeries(120, count=5, interval_s=20.0, duration_s=1.5, side="alternate"),
            LegMovement(330, 2.0, "bilateral"),
        ],
    )


def test_summary_sleep_onset_total_sleep_and_awakenings() -> None:
    tr = synth_truth(Program(_night()))  # type: ignore[arg-type]
    s = tr["summary"]
    assert s["sleep_onset_s"] == 100.0
    assert s["first_sleep_s"] == 150.0
    assert s["total_sleep_s"] == pytest.approx(150.0 + 90.0)
    assert s["awakenings"] == 1
    assert s["counts"]["plm_series"] == 1
    assert s["counts"]["plm"] == 5
    assert s["plm_index_per_h"] == pytest.approx(5 / (240 / 3600), rel=1e-3)
    ev = tr["events"]
    series = ev[ev["plm_series"] == 1]
    assert series["side"].tolist() == ["left", "right", "left", "right", "left"]
    assert (series["state"] == "sleep").all()
    assert set(ev.loc[ev["start_s"] < 100, "state"]) <= {"wake"}


def test_scene_without_periods_is_sleep_from_the_start() -> None:
    s = synth_truth(Program(synth_scene(30, items=[LegMovement(5, 1.0)])))["summary"]
    assert s["sleep_onset_s"] == 0.0 and s["awakenings"] == 0


@pytest.mark.parametrize(
    "kwargs",
    [
        {"duration_s": 10, "width": 321},
        {"duration_s": 10, "fps": 0},
        {"duration_s": 10, "items": [LegMovement(9.5, 1.0)]},
        {"duration_s": 10, "items": [Period(0, 6, "wake"), Period(5, 10, "sleep")]},
        {"duration_s": 10, "size": 3.0},
        {"duration_s": 10, "colour": "red"},
        {"duration_s": 10, "arms": "sideways"},
    ],
)
def test_bad_scenes_raise_value_error(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        synth_scene(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "make",
    [
        lambda: Rhythmic(0, 1.0, 4, "cycling", "left"),
        lambda: Twitch(0, "left", 0.6),
        lambda: LegMovement(0, 0.3),
        lambda: PLMSeries(0, 4, 1.0, 1.5),
        lambda: PLMSeries(0, 4, (20.0, 20.0), 1.5),
        lambda: Period(5, 3, "sleep"),
        lambda: Blanket(0, 2, move_s=1.5),
    ],
)
def test_bad_items_raise_value_error(make: object) -> None:
    with pytest.raises(ValueError):
        make()  # type: ignore[operator]


# --- motion: visible, contained movements ------------------------------------------------
def _ankle_disp(prog: Program) -> np.ndarray:
    kp = prog.keypoints_bu()[:, 7:9, :2]
    return np.hypot(*(kp - kp[0]).transpose(2, 0, 1))  # (N, 2) body lengths


def test_lm_moves_the_ankle_visibly_and_only_during_the_lm() -> None:
    prog = Program(synth_scene(20, fps=25, items=[LegMovement(5.0, 2.0, "left")]))
    disp = _ankle_disp(prog)
    t = prog.t_s
    inside = (t >= 5.0) & (t <= 7.0)
    assert disp[inside, 0].max() >= 0.15
    assert np.all(disp[~inside] < 1e-9)  # still outside the planted span; right leg still
    assert np.all(disp[:, 1] < 1e-9)


def test_twitch_is_small_and_brief() -> None:
    prog = Program(synth_scene(10, fps=30, items=[Twitch(4.0, "right", 0.25)]))
    disp = _ankle_disp(prog)[:, 1]
    moving = np.flatnonzero(disp > 1e-6)
    assert (moving.max() - moving.min() + 1) / 30 <= 0.3
    assert 0.02 < disp.max() < 0.15


@pytest.mark.parametrize("dur", [0.6, 2.0, 5.0, 9.5])
def test_lm_keeps_moving_for_its_whole_span(dur: float) -> None:
    """No still stretch of >= 0.5 s inside a planted LM (a detector would split it)."""
    fps = 30
    prog = Program(synth_scene(dur + 4, fps=fps, items=[LegMovement(2.0, dur, "left")]))
    kp = prog.keypoints_bu()[:, [5, 7], :2]  # left knee and ankle
    speed = np.hypot(*np.diff(kp, axis=0).transpose(2, 0, 1)).max(axis=1) * fps  # BL/s
    t = prog.t_s[1:]
    inside = speed[(t > 2.0 + 0.1) & (t < 2.0 + dur - 0.1)]
    still = inside < 0.05
    longest = max((len(r) for r in "".join("1" if s else "0" for s in still).split("0")), default=0)
    assert longest / fps < 0.5


def test_cycling_legs_move_in_anti_phase_and_kicking_in_phase() -> None:
    def corr(pattern: str) -> float:
        prog = Program(synth_scene(12, fps=30, items=[Rhythmic(2, 1.0, 6, pattern)]))
        hip = prog.limbs.hip_flex[int(2.5 * 30) : int(7.5 * 30)]
        return float(np.corrcoef(hip[:, 0], hip[:, 1])[0, 1])

    assert corr("kicking") > 0.99
    assert corr("cycling") < -0.9


# --- determinism ------------------------------------------------------------------------
def test_same_seed_same_truth_and_frames_other_seed_differs() -> None:
    def make(seed: int) -> tuple[pd.DataFrame, np.ndarray]:
        sc = synth_scene(
            60,
            width=160,
            height=120,
            seed=seed,
            items=[Period(0, 40, "wake"), Period(40, 60, "sleep")],
        )
        prog = Program(sc)
        r = Renderer(sc.width, sc.height, prog.look, seed=seed)
        frames = np.stack([r.render(prog.state(i)) for i in (0, 100, 500)])
        return synth_truth(prog)["events"], frames

    ev1, f1 = make(7)
    ev2, f2 = make(7)
    ev3, f3 = make(8)
    pd.testing.assert_frame_equal(ev1, ev2)
    assert np.array_equal(f1, f2)
    assert not ev1.equals(ev3)
    assert not np.array_equal(f1, f3)


# --- renderer ---------------------------------------------------------------------------
def test_renderer_frames_have_the_right_size_and_type() -> None:
    sc = synth_scene(10, width=200, height=150, items=[Infrared(5.0)])
    prog = Program(sc)
    r = Renderer(sc.width, sc.height, prog.look)
    day, night = r.render(prog.state(0)), r.render(prog.state(100))
    for f in (day, night):
        assert f.shape == (150, 200, 3) and f.dtype == np.uint8
    assert np.array_equal(night[..., 0], night[..., 1])  # infrared is grey
    assert not np.array_equal(day[..., 0], day[..., 2])


def test_leg_moving_under_the_blanket_changes_pixels_over_the_legs() -> None:
    sc = synth_scene(12, width=320, height=240, items=[Blanket(0, 12), LegMovement(6, 2.0)])
    prog = Program(sc)
    r = Renderer(sc.width, sc.height, prog.look)
    rest, moved = prog.state(int(4 * 15)), prog.state(int(7 * 15))
    assert rest.blanket == 1.0 and moved.blanket == 1.0
    a = r.render(rest).astype(np.int16)
    b = r.render(moved).astype(np.int16)
    kp, vis = prog.keypoints_px()
    assert not vis[int(7 * 15), 7]  # the ankle is hidden under the blanket
    x, y = kp[int(4 * 15), 7].astype(int)
    box = (slice(max(0, y - 40), y + 40), slice(max(0, x - 40), x + 40))
    assert np.abs(a[box] - b[box]).mean() > 3.0


def test_caregiver_arm_hides_keypoints_it_covers() -> None:
    sc = synth_scene(10, width=320, height=240, items=[CaregiverArm(2, 8, from_deg=90.0)])
    _kp, vis = Program(sc).keypoints_px()
    assert vis[: 2 * 15].all()
    assert not vis[5 * 15].all()


# --- writer -----------------------------------------------------------------------------
@pytest.mark.parametrize("fps", [15, 25, 30])
def test_h264_file_has_the_right_frames_and_timestamps(tmp_path: object, fps: int) -> None:
    sc = synth_scene(
        2.0, fps=fps, width=160, height=120, seed=1, items=[LegMovement(0.5, 1.0, "bilateral")]
    )
    out = synth_render(sc, tmp_path / "clip.mp4")  # type: ignore[operator]
    with av.open(str(out)) as c:
        st = c.streams.video[0]
        assert st.codec_context.name == "h264"
        assert st.average_rate == Fraction(fps)
        frames = list(c.decode(st))
    assert len(frames) == 2 * fps
    assert frames[0].format.name == "yuv420p"
    assert (frames[0].width, frames[0].height) == (160, 120)
    times = np.array([f.time for f in frames])
    assert np.allclose(times, np.arange(2 * fps) / fps, atol=1e-3)
    tdir = truth_dir_for(out)
    assert sorted(p.name for p in tdir.iterdir()) == [
        "bouts.csv",
        "episodes.csv",
        "events.csv",
        "keypoints.npz",
        "spans.csv",
        "summary.json",
    ]
    ev = pd.read_csv(tdir / "events.csv")
    assert ev.columns[: len(CONTRACT)].tolist() == CONTRACT
    assert ev["side"].tolist() == ["bilateral"] and ev["kind"].tolist() == ["lm"]
    summary = json.loads((tdir / "summary.json").read_text())
    assert summary["seed"] == 1 and summary["n_frames"] == 2 * fps
    assert summary["counts"]["lm"] == 1
    kp = np.load(tdir / "keypoints.npz")
    assert kp["keypoints_px"].shape == (2 * fps, len(KEYPOINT_NAMES), 2)
    assert tuple(kp["keypoint_names"]) == KEYPOINT_NAMES
    assert np.allclose(kp["t_s"], times, atol=1e-3)


def test_render_rejects_other_extensions(tmp_path: object) -> None:
    with pytest.raises(ValueError):
        synth_render(synth_scene(1.0), tmp_path / "clip.avi")  # type: ignore[operator]


# --- presets ----------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(PRESETS))
def test_presets_are_valid_and_series_never_cross_states(name: str) -> None:
    for seed in (0, 1, 2):
        sc = synth_preset(name, seed=seed)
        assert sc.fps in (15, 25, 30)
        assert 320 <= sc.width <= 640 and 240 <= sc.height <= 480
        assert 120 <= sc.duration_s <= 480
        ev = synth_truth(Program(sc))["events"]
        in_series = ev.dropna(subset=["plm_series"])
        assert (in_series.groupby("plm_series")["state"].nunique() == 1).all()
        planted = ev["origin"] == "plm_series"
        assert in_series.index.isin(ev.index[planted]).sum() == planted.sum()


def test_preset_overrides_and_unknown_name() -> None:
    sc = synth_preset("clean_day", seed=4, fps=30, width=640, height=480)
    assert (sc.fps, sc.width, sc.seed, sc.name) == (30, 640, 4, "clean_day")
    with pytest.raises(ValueError):
        synth_preset("no_such_scene")
