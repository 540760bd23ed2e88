import numpy as np
import pandas as pd
import pytest

from pipeline.scoring.activity import LegActivity
from pipeline.scoring.movements import (
    _hysteresis,
    movements_classify,
    movements_detect,
    movements_merge,
)
from pipeline.scoring.plm import plm_series
from pipeline.settings import Settings

S = Settings()


def test_hysteresis_ends_at_half_second_below_offset():
    lvl = np.zeros(100)
    lvl[10:20] = 2.0  # above onset
    lvl[20:23] = 0.2  # 0.3 s below offset: does not end
    lvl[23:30] = 0.8  # above offset, below onset: continues
    off = np.full(100, 0.5)
    spans = _hysteresis(lvl, 1.0, off, min_below=5)
    assert spans == [(10, 30)]


def test_hysteresis_splits_on_long_pause():
    lvl = np.zeros(60)
    lvl[5:10] = 2.0
    lvl[16:20] = 2.0  # 6 samples of rest at 10 Hz = 0.6 s > 0.5 s
    assert _hysteresis(lvl, 1.0, np.full(60, 0.5), 5) == [(5, 10), (16, 20)]


def _mono(rows):
    df = pd.DataFrame(rows, columns=["start_s", "end_s", "side"])
    df["duration_s"] = df["end_s"] - df["start_s"]
    df["source"] = "pose"
    df["peak_level"] = 2.0
    df["n_legs"] = 1
    return df


def test_classify_boundaries():
    m = _mono(
        [
            (0, 0.4, "left"),  # twitch
            (10, 10.5, "left"),  # LM (0.5 s is an LM)
            (20, 30, "right"),  # LM (10 s)
            (40, 50.5, "right"),  # long one-leg
            (60, 74, "bilateral"),  # bilateral LM up to 15 s (two pieces of 8 s)
            (80, 96, "bilateral"),  # long bilateral
        ]
    )
    bil = m["side"] == "bilateral"
    m.loc[bil, "n_legs"] = 2
    m["piece_max_s"] = np.where(bil, 8.0, m["duration_s"])
    assert movements_classify(m, S)["kind"].tolist() == [
        "twitch",
        "lm",
        "lm",
        "long_movement",
        "lm",
        "long_movement",
    ]


def test_bilateral_merge_rules():
    m = _mono(
        [
            (0, 2, "left"),
            (1, 3, "right"),  # overlaps -> bilateral with the first
            (10, 12, "left"),
            (12.3, 14, "right"),  # starts 0.3 s after -> merged
            (20, 22, "left"),
            (22.7, 24, "right"),  # 0.7 s after -> separate
            (30, 30.3, "right"),  # twitch: never merged
            (30.1, 32, "left"),
        ]
    )
    out = movements_merge(m, S)
    got = [(r.start_s, r.end_s, r.side) for r in out.itertuples()]
    assert got == [
        (0, 3, "bilateral"),
        (10, 14, "bilateral"),
        (20, 22, "left"),
        (22.7, 24, "right"),
        (30, 30.3, "right"),
        (30.1, 32, "left"),
    ]


def test_merge_chains_every_piece_within_the_gap():
    # five movements alternating legs, each 0.2 s after the previous: one combination of 5
    # pieces (WASM 2016 counts them all; a 5th is not split off), so no candidate LM
    rows, t = [], 0.0
    for k in range(5):
        rows.append((t, t + 1.0, "left" if k % 2 == 0 else "right"))
        t += 1.2
    out = movements_classify(movements_merge(_mono(rows), S), S)
    assert out["n_legs"].tolist() == [5]
    assert out["kind"].tolist() == ["long_movement"]
    assert out["clm_exclusion"].tolist() == ["pieces"]


def _lms(onsets, kinds=None):
    kinds = kinds or ["lm"] * len(onsets)
    return pd.DataFrame({"start_s": onsets, "end_s": np.array(onsets) + 1.0, "kind": kinds})


def test_plm_series_hand_worked():
    # 4 LMs 20 s apart: a series; then an LM 5 s later ends it; then 3 more at 30 s: too few
    ev = _lms([0, 20, 40, 60, 65, 95, 125])
    out = plm_series(ev, S)
    assert out["plm_series"].tolist()[:4] == [1, 1, 1, 1]
    assert np.isnan(out["plm_series"].to_numpy()[4:]).all()


def test_plm_series_broken_by_long_movement_not_by_twitch():
    ev = _lms(
        [0, 15, 20, 30, 45, 60, 75, 80, 90],
        ["lm", "lm", "twitch", "lm", "lm", "lm", "long_movement", "lm", "lm"],
    )
    out = plm_series(ev, S)
    s = out["plm_series"].to_numpy()
    assert s[[0, 1, 3, 4, 5]].tolist() == [1, 1, 1, 1, 1]  # twitch at 20 ignored
    assert np.isnan(s[[2, 6, 7, 8]]).all()  # long movement ends the series


@pytest.mark.parametrize(
    "interval,expected", [(9.9, False), (10.0, True), (90.0, True), (90.5, False)]
)
def test_plm_interval_limits(interval, expected):
    ev = _lms([k * interval for k in range(4)])
    assert plm_series(ev, S)["plm_series"].notna().all() == expected


def _activity(level, extension, fs=10.0):
    from pipeline.scoring.activity import LegActivity

    m = len(level)
    lv = np.vstack([level, np.zeros(m)])
    ext = np.vstack([extension, np.full(m, 0.9)])
    return LegActivity(
        t_s=np.arange(m) / fs,
        fs_hz=fs,
        level=lv,
        offset_level=np.full((2, m), 0.5),
        from_pose=np.ones((2, m), bool),
        extension_bl=ext,
        speed_bl_s=lv,
        motion=np.where(lv >= 1.0, 0.01, 0.0),  # a moving leg changes its image region
        whole_motion=np.zeros(m),
        body_length_px=100.0,
        # offset speed 0.1 body lengths/s: a still leg travels < 0.1 x 0.5 s = 0.05 bl
        thresholds={"left_offset_bl_s": 0.1, "right_offset_bl_s": 0.1},
    )


@pytest.mark.parametrize("returns,expected", [(False, 1), (True, 2)])
def test_held_flexion_keeps_one_movement(returns, expected):
    from pipeline.scoring.movements import movements_detect

    # flex (1-2 s), hold still for 1.5 s, extend (3.5-4.5 s); rest extension 0.9 bl
    level = np.zeros(80)
    level[10:20] = 3.0
    level[35:45] = 3.0
    ext = np.full(80, 0.9)
    ext[10:20] = np.linspace(0.9, 0.6, 10)
    ext[20:35] = 0.6 if not returns else 0.9  # held flexed, or back at rest
    ext[35:45] = np.linspace(0.6, 0.9, 10)
    moves = movements_detect(_activity(level, ext), S)
    left = moves[moves["side"] == "left"]
    assert len(left) == expected


def _motion_activity(level, fs):
    """Leg activity scored from leg-region motion only (no trusted keypoints)."""
    act = _activity(level, np.full(len(level), np.nan), fs)
    from_pose = np.zeros_like(act.from_pose)
    return _replace(act, from_pose=from_pose)


def _replace(act, **changes):
    import dataclasses

    return dataclasses.replace(act, **changes)


def _bursts(fs, pieces):
    """Activity level 3 over the (start_s, end_s) pieces, rest elsewhere, 6 s long."""
    t = np.arange(int(6 * fs)) / fs
    level = np.zeros(len(t))
    for a, b in pieces:
        level[(t >= a) & (t < b)] = 3.0
    return level


@pytest.mark.parametrize("fs", [15.0, 25.0, 30.0])
@pytest.mark.parametrize(
    "pieces,expected",
    [
        # flexion, 0.7 s held out of sight, return: one LM
        ([(1.0, 1.8), (2.5, 3.3)], [(1.0, 3.3)]),
        # the same bursts 1.5 s apart: two LMs
        ([(1.0, 1.8), (3.3, 4.1)], [(1.0, 1.8), (3.3, 4.1)]),
        # two twitches 0.7 s apart stay twitches (a twitch train is not an LM)
        ([(1.0, 1.3), (2.0, 2.3)], [(1.0, 1.3), (2.0, 2.3)]),
    ],
)
def test_motion_pause_between_two_lm_bursts_is_a_hold(fs, pieces, expected):
    moves = movements_detect(_motion_activity(_bursts(fs, pieces), fs), S)
    left = moves[moves["side"] == "left"]
    got = [(r.start_s, r.end_s) for r in left.itertuples()]
    assert len(got) == len(expected)
    for (a, b), (ea, eb) in zip(got, expected, strict=True):
        assert a == pytest.approx(ea, abs=1.5 / fs) and b == pytest.approx(eb, abs=1.5 / fs)
    assert set(left["source"]) == {"motion"}


def test_pause_with_trusted_keypoints_is_left_to_the_keypoints():
    """Where the keypoints are trusted through the pause and show the leg back at rest,
    the two bursts stay two movements (the unseen-hold rule is for motion only)."""
    from pipeline.scoring.movements import movements_detect

    fs = 10.0
    level = _bursts(fs, [(1.0, 1.8), (2.5, 3.3)])
    moves = movements_detect(_activity(level, np.full(len(level), 0.9), fs), S)
    assert len(moves[moves["side"] == "left"]) == 2
    off = S.replace(held_motion_max_s=0.0)
    moves = movements_detect(_motion_activity(level, fs), off)
    assert len(moves[moves["side"] == "left"]) == 2


def _unseen_activity(level, fs, unseen=True):
    """Motion-scored activity with the leg out of the model's plain view (under a blanket)."""
    act = _motion_activity(level, fs)
    return _replace(act, unseen=np.full(act.level.shape, unseen))


@pytest.mark.parametrize("fs", [15.0, 25.0, 30.0])
@pytest.mark.parametrize(
    "pieces,unseen,expected",
    [
        # under a cover only the start (a twitch-long burst) and the end of an LM show,
        # 1.4 s apart: one LM; with the leg in plain view the same bursts stay apart
        ([(1.0, 1.3), (2.7, 3.3)], True, [(1.0, 3.3)]),
        ([(1.0, 1.3), (2.7, 3.3)], False, [(1.0, 1.3), (2.7, 3.3)]),
        # a long movement under a cover seen as bursts 2.5 s apart: one movement
        ([(0.5, 1.5), (4.0, 5.0)], True, [(0.5, 5.0)]),
        # a pause longer than held_max_s (3 s) ends it
        ([(0.5, 1.0), (4.5, 5.0)], True, [(0.5, 1.0), (4.5, 5.0)]),
        # two twitches stay twitches, covered or not
        ([(1.0, 1.3), (2.7, 3.0)], True, [(1.0, 1.3), (2.7, 3.0)]),
    ],
)
def test_unseen_leg_holds_up_to_held_max_s(fs, pieces, unseen, expected):
    moves = movements_detect(_unseen_activity(_bursts(fs, pieces), fs, unseen), S)
    left = moves[moves["side"] == "left"]
    got = [(r.start_s, r.end_s) for r in left.itertuples()]
    assert len(got) == len(expected)
    for (a, b), (ea, eb) in zip(got, expected, strict=True):
        assert a == pytest.approx(ea, abs=1.5 / fs) and b == pytest.approx(eb, abs=1.5 / fs)


def _keypoint_activity(quiet: bool | None) -> LegActivity:
    """20 s at 10 Hz of a left leg whose keypoints move 5-7 s while no pixel of its region,
    nor of the frame, changes (flat motion energy with a little noise)."""
    fs, n = 10.0, 200
    rng = np.random.default_rng(0)
    level = np.zeros((2, n))
    level[0, 50:70] = 3.0  # three times the onset threshold for 2 s
    motion = 1.0 + 0.01 * rng.standard_normal((2, n))
    return LegActivity(
        t_s=np.arange(n) / fs,
        fs_hz=fs,
        level=level,
        offset_level=np.full((2, n), 0.5),
        from_pose=np.ones((2, n), dtype=bool),
        extension_bl=np.zeros((2, n)),
        speed_bl_s=np.zeros((2, n)),
        motion=motion,
        whole_motion=motion.mean(axis=0),
        body_length_px=100.0,
        thresholds={},
        quiet_reference=None if quiet is None else np.array([quiet, quiet]),
    )


@pytest.mark.parametrize(("quiet", "kept"), [(None, False), (True, False), (False, True)])
def test_a_keypoint_movement_without_image_change_needs_a_quiet_reference_to_be_dropped(
    quiet, kept
):
    """The keypoints' movement at 5-7 s has no image change: dropped as pose jitter where
    the recording has a still moment to learn the image's rest from (or it is not known),
    kept where it has none (a clip that is all movement: the image's rest is unknown, so
    'no change above rest' says nothing)."""
    moves = movements_detect(_keypoint_activity(quiet), Settings())
    left = moves[moves["side"] == "left"] if len(moves) else moves
    assert (len(left) == 1) is kept
    if kept:
        assert left.iloc[0]["start_s"] == pytest.approx(5.0, abs=0.15)
        assert left.iloc[0]["end_s"] == pytest.approx(7.0, abs=0.15)


def _twitch_train(fs=10.0, n=60):
    """Both legs at 10 Hz: 0.2-s twitches of the left leg at 1 and 3 s and of the right
    leg at 2 and 4 s (level 3, the image of the leg's region changes), each echoed in the
    other leg's keypoints at level 0.6 (between offset 0.5 and onset 1: the echo alone
    starts nothing), and between them keypoint flicker alternating 0.6 / 0.3 every
    sample, so that no run below the offset reaches 0.5 s (5 samples) and the hysteresis
    alone keeps each leg's first twitch going to its last. Extension stays at rest (0.9)."""
    level = np.zeros((2, n))
    level[:, 8:48] = np.where(np.arange(40) % 2 == 0, 0.6, 0.3)
    for li, starts in ((0, (10, 30)), (1, (20, 40))):
        for a in starts:
            level[li, a : a + 2] = 3.0
            level[1 - li, a : a + 2] = 0.6
    act = _activity(level[0], np.full(n, 0.9), fs)
    motion = np.where((level >= 1.0).any(axis=0), 0.01, 0.0)  # the legs' boxes overlap
    return _replace(act, level=level, speed_bl_s=level, motion=np.vstack([motion, motion]))


def test_twitch_train_with_flicker_stays_twitches():
    """Without the still split the left leg is one movement 1.0-3.2 s (2.2 s: an LM) and
    the right 2.0-4.2 s, combined into one bilateral LM. Between the twitches both legs'
    regions are unchanged for 0.8 s (8 samples >= 5) and the keypoints show the leg at
    rest (no travel, no displacement), so each leg's movement ends there: four 0.2-s
    twitches, no LM."""
    mono = movements_detect(_twitch_train(), S)
    # the twitches (level 3) start where the level crosses onset 1 between 0.6 and 3:
    # (3 - 1) / (3 - 0.6) = 0.83 of a sample before 1.0 s, ... -> 0.92, 1.92, 2.92, 3.92 s;
    # the echoes that overlap a twitch of the other leg stay as 0.1-s pieces
    real = mono[mono["peak_level"] == 3.0]
    assert real["side"].tolist() == ["left", "right", "left", "right"]
    assert real["start_s"].to_numpy() == pytest.approx([0.917, 1.917, 2.917, 3.917], abs=0.01)
    assert (mono["duration_s"] < S.lm_min_s).all()
    # a twitch overlapping the other leg's echo of it is one twitch
    moves = movements_classify(movements_merge(mono, S), S)
    assert (moves["kind"] == "twitch").all() and len(moves) == 4


def test_slow_movement_through_a_still_image_is_kept_whole():
    """A left-leg movement 1-4 s whose image changes only 1.0-1.2 s and 3.8-4.0 s (frame
    differencing misses the slow middle) while the keypoints keep moving: the extension
    drifts 0.9 -> 0.5 over 1.2-3.8 s, 0.4 bl in 2.6 s, far more than a still leg's 0.05 bl
    per 0.5 s. The still run (2.6 s) is no end: one movement of 3 s (an LM)."""
    fs, n = 10.0, 60
    level = np.zeros(n)
    level[10:40] = 3.0
    ext = np.full(n, 0.9)
    ext[12:38] = np.linspace(0.9, 0.5, 26)
    ext[38:] = 0.5
    act = _activity(level, ext, fs)
    motion = np.zeros((2, n))
    motion[0, 10:12] = motion[0, 38:40] = 0.01
    mono = movements_detect(_replace(act, motion=motion), S)
    left = mono[mono["side"] == "left"]
    assert len(left) == 1
    assert left.iloc[0]["duration_s"] == pytest.approx(3.0, abs=0.15)


@pytest.mark.parametrize(
    "pause_s,held_at,expected",
    [
        (0.6, 0.78, 1),  # eased back to 40 % of the peak, paused 0.6 s: held
        (1.5, 0.78, 2),  # the same position for 1.5 s (> held_motion_max_s 1 s): an end
        (0.6, 0.93, 2),  # back within the still distance (0.03 < 0.05 bl): at rest, an end
    ],
)
def test_a_long_lm_easing_back_part_way_and_pausing(pause_s, held_at, expected):
    """Rest extension 0.9 bl. The leg flexes to 0.6 (peak 0.3 bl from rest) and eases back
    to ``held_at`` in 1-2 s, pauses (no speed, no image change), then moves on and
    returns to rest in 1 s. At 0.78 it is 0.12 bl off rest: under held_fraction
    (0.5 x 0.3 = 0.15), so only the short-pause rule can hold it — a pause of at most
    held_motion_max_s (1 s) with the leg farther off rest than the still distance
    (floor: onset floor 0.15 x offset_k 4 / onset_k 6 = 0.1 bl/s x 0.5 s = 0.05 bl)."""
    fs = 10.0
    p = int(round(pause_s * fs))
    n = 10 + 10 + p + 10 + 20
    level = np.zeros(n)
    level[10:20] = 3.0
    level[20 + p : 30 + p] = 3.0
    ext = np.full(n, 0.9)
    ext[10:15] = np.linspace(0.9, 0.6, 5)
    ext[15:20] = np.linspace(0.6, held_at, 5)
    ext[20 : 20 + p] = held_at
    ext[20 + p : 30 + p] = np.linspace(held_at, 0.9, 10)
    moves = movements_detect(_activity(level, ext, fs), S)
    assert (moves["side"] == "left").sum() == expected


def test_the_still_distance_follows_the_keypoints_jitter():
    """A still leg whose extension jitters by N(0, 0.02) bl: the robust noise of consecutive
    differences is 0.02 x sqrt(2), / sqrt(2) = 0.02, x offset_k 4 = 0.08 bl (over the
    0.05 floor); a leg without jitter keeps the floor."""
    from pipeline.scoring.movements import _still_distance

    n = 4000
    rng = np.random.default_rng(0)
    act = _activity(np.zeros(n), 0.9 + rng.normal(0.0, 0.02, n), 10.0)
    assert _still_distance(act, 0, S) == pytest.approx(0.08, rel=0.05)
    assert _still_distance(act, 1, S) == pytest.approx(0.05)


def test_an_echo_that_barely_moved_the_leg_holds_nothing():
    """The right leg's keypoints twitch twice (0.2 s at 1.0 and 1.8 s) by no more than a
    still leg strays (peak 0.04 bl < the 0.05-bl still distance) and sit 0.03 bl off rest
    in between — at least held_fraction of that tiny peak, so without the floor the pause
    is a hold and the two flicks are one 1-s movement, an LM. The left leg moves all along
    (0.8-2.2 s), so the picture never stops changing and the still split cannot end it.
    With the floor: two twitches."""
    fs, n = 10.0, 40
    level = np.zeros((2, n))
    level[0, 8:22] = 3.0
    level[1, 10:12] = level[1, 18:20] = 3.0
    ext = np.full((2, n), 0.9)
    ext[0, 8:22] = 0.6
    ext[1, 10:12] = ext[1, 18:20] = 0.86
    ext[1, 12:18] = 0.87
    act = _activity(level[0], ext[0], fs)
    motion = np.where((level >= 1.0).any(axis=0), 0.01, 0.0)
    act = _replace(act, level=level, speed_bl_s=level, extension_bl=ext)
    act = _replace(act, motion=np.vstack([motion, motion]))
    mono = movements_detect(act, S)
    right = mono[mono["side"] == "right"]
    assert len(right) == 2 and (right["duration_s"] < S.lm_min_s).all()


@pytest.mark.parametrize(
    ("camera", "changed", "expected"),
    [
        # a still camera: cut to the 0.2 s where the leg's region changed (a twitch)
        (False, (6.0, 6.2), [(6.0, 6.2)]),
        # a moving camera: the change confirms the keypoints' movement and cuts nothing
        (True, (6.0, 6.2), [(5.0, 7.0)]),
        # a moving camera and no change of the leg's region beyond the picture's: jitter
        (True, None, []),
    ],
)
def test_a_moving_cameras_image_change_confirms_and_never_cuts(camera, changed, expected):
    """The keypoint movement of 5-7 s (level 3) with the leg's region changing in the image
    (``image_changed``) only 6.0-6.2 s. Under a still camera frame differencing tells where
    the leg moved, and the movement is cut to it; under a moving camera (the whole 20 s)
    the leg's change is measured against the moving picture's, averaged over half a second,
    and shows where the leg moved only roughly: it confirms the movement or, absent,
    drops it as pose jitter, and never cuts it."""
    act = _keypoint_activity(True)
    n = len(act.t_s)
    mask = np.zeros((2, n), dtype=bool)
    if changed is not None:
        mask[0, (act.t_s >= changed[0] - 1e-9) & (act.t_s < changed[1] - 1e-9)] = True
    act = _replace(act, image_changed=mask, camera_moving=np.full(n, camera))
    moves = movements_detect(act, Settings())
    left = moves[moves["side"] == "left"]
    got = list(zip(left["start_s"], left["end_s"], strict=True))
    assert len(got) == len(expected)
    for (a, b), (ea, eb) in zip(got, expected, strict=True):
        assert a == pytest.approx(ea, abs=0.15) and b == pytest.approx(eb, abs=0.15)


@pytest.mark.parametrize(
    "unseen,expected",
    [
        ((8, 12), 1),  # unseen from 0.2 s before the onset: the rest from the 0.8 s before
        ((0, 12), 1),  # nothing seen before it: the rest the leg comes back to after
        ((0, 80), 2),  # no rest seen within 5 s either side of the movement: no hold
    ],
)
def test_a_hold_whose_rest_was_not_seen_right_before(unseen, expected):
    """``clean_day`` at 4.8 s: a flexion (1-2 s), held flexed at 0.6 bl for 0.6 s, then the
    extension (2.6-3.6 s) back to rest 0.9 bl; the keypoints around the flexion's onset
    were untrusted (extension unknown). The rest is then the leg's first trusted second after the
    extension: the hold (0.3 bl off rest, all of the peak) joins the two into one movement.
    Without any rest within ``_REST_SEARCH_S`` (5 s) after it, it stays two."""
    from pipeline.scoring.movements import movements_detect

    fs, n = 10.0, 100
    level = np.zeros(n)
    level[10:20] = 3.0
    level[26:36] = 3.0
    ext = np.full(n, 0.9)
    ext[10:20] = np.linspace(0.9, 0.6, 10)
    ext[20:26] = 0.6
    ext[26:36] = np.linspace(0.6, 0.9, 10)
    a, b = unseen
    ext[a:b] = np.nan
    if b > 36:
        ext[36:] = np.nan
        ext[:10] = np.nan
    moves = movements_detect(_activity(level, ext, fs), S)
    assert (moves["side"] == "left").sum() == expected


def test_a_rest_seen_long_before_is_not_the_rest():
    """``clean_day`` at 88 s: the leg last seen at 0.7 bl 3 s before its LM (5-6 s), then
    untrusted until the LM's keypoints, which end at a new rest of 0.46 bl; a twitch 2.4 s
    later (8.4-8.7 s). The rest around the LM is where the leg came back to, 0.46: the
    2.4 s between are no hold, and the LM and the twitch stay two movements (with the rest
    from 3 s before, 0.24 bl away, they were one 3.7-s movement)."""
    from pipeline.scoring.movements import movements_detect

    fs, n = 10.0, 120
    level = np.zeros(n)
    level[50:60] = 3.0
    level[84:87] = 3.0
    ext = np.full(n, 0.46)
    ext[:20] = 0.7
    ext[20:52] = np.nan
    ext[52:60] = np.linspace(0.56, 0.46, 8)
    ext[84:87] = 0.44
    moves = movements_detect(_activity(level, ext, fs), S)
    assert (moves["side"] == "left").sum() == 2
