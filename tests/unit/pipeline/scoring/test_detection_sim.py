"""The signal stage scored on simulated tracks with planted events (known truth)."""

import numpy as np
import pytest

from pipeline.compare import compare_events, compare_onsets
from pipeline.scoring.night import night_score
from pipeline.scoring.simulate import simulate_plan, simulate_track

SEEDS = (0, 1, 2)


def _score(fps, dropout_rate, noise_px=1.0, seeds=SEEDS):
    tp = fp = fn = 0
    tw_ok = tw_n = 0
    rhythm = []
    plm = []
    for seed in seeds:
        plan, dur = simulate_plan(seed)
        track, truth = simulate_track(
            plan, dur, fps, seed=seed, dropout_rate=dropout_rate, noise_px=noise_px
        )
        ev = night_score(track).events
        c = compare_events(truth, ev, ("lm",), tolerance_s=1.0)
        tp, fp, fn = tp + c.tp, fp + c.fp, fn + c.fn
        tw = truth[truth["kind"] == "twitch"]
        ct = compare_onsets(tw["start_s"], ev["start_s"], 0.5)
        tw_n += len(tw)
        tw_ok += sum(ev.iloc[j]["kind"] == "twitch" for _, j in ct.pairs)
        rt = truth[truth["rhythmic"]]
        cr = compare_onsets(rt["start_s"], ev["start_s"], 1.0)
        found = dict(cr.pairs)
        for i in range(len(rt)):
            j = found.get(i)
            rhythm.append(
                None
                if j is None
                else (
                    rt.iloc[i]["pattern"],
                    ev.iloc[j]["pattern"],
                    rt.iloc[i]["frequency_hz"],
                    ev.iloc[j]["frequency_hz"],
                )
            )
        plm.append((truth, ev))
    return tp, fp, fn, tw_ok / tw_n, rhythm, plm


@pytest.mark.parametrize("fps", [15, 25, 30])
def test_clean_tracks_exact(fps):
    """Sub-pixel keypoint jitter, no dropouts: every planted event found and classified."""
    tp, fp, fn, tw_share, rhythm, plm = _score(fps, dropout_rate=0.0, noise_px=0.3)
    assert (fp, fn) == (0, 0)
    assert tw_share == 1.0
    for r in rhythm:
        assert r is not None and r[0] == r[1] and abs(r[2] - r[3]) <= 0.2, r
    n_plm = [(t["plm_series"].notna().sum(), e["plm_series"].notna().sum()) for t, e in plm]
    assert all(abs(a - b) <= 1 for a, b in n_plm), n_plm


@pytest.mark.parametrize("fps", [15, 25, 30])
def test_noisy_tracks(fps):
    """1 px keypoint jitter: LM precision/recall >= 0.95, twitches >= 0.9, rhythm right."""
    tp, fp, fn, tw_share, rhythm, plm = _score(fps, dropout_rate=0.0)
    assert tp / (tp + fp) >= 0.95, f"LM precision {tp / (tp + fp):.3f}"
    assert tp / (tp + fn) >= 0.95, f"LM recall {tp / (tp + fn):.3f}"
    assert tw_share >= 0.9, f"twitches classified as twitch {tw_share:.2f}"
    for r in rhythm:
        assert r is not None, "a rhythmic bout was not found"
        true_pat, pat, true_f, f = r
        assert pat == true_pat
        assert abs(f - true_f) <= 0.2
    n_plm = [(t["plm_series"].notna().sum(), e["plm_series"].notna().sum()) for t, e in plm]
    assert all(abs(a - b) <= 1 for a, b in n_plm), n_plm


@pytest.mark.parametrize(
    "fps",
    [
        15,
        25,
        pytest.param(
            30,
            marks=pytest.mark.xfail(
                strict=True,
                reason="rhythm with 3 % keypoint dropouts at 30 fps: 12 of 18 planted bouts "
                "right (short bouts measure 0.68 periodicity against rhythm_min_periodicity "
                "0.7, four-cycle bouts about 3.1 cycles) — the rhythm issue is still open",
            ),
        ),
    ],
)
def test_noisy_tracks_with_dropouts(fps):
    tp, fp, fn, tw_share, rhythm, _ = _score(fps, dropout_rate=0.03)
    assert tp / (tp + fp) >= 0.95
    assert tp / (tp + fn) >= 0.95
    assert tw_share >= 0.85
    ok = [r for r in rhythm if r and r[0] == r[1] and abs(r[2] - r[3]) <= 0.2]
    assert len(ok) >= 0.85 * len(rhythm)


def test_still_baby_has_no_movements():
    track, _ = simulate_track([], 300.0, 15, seed=4)
    ev = night_score(track).events
    assert len(ev[ev["kind"] != "twitch"]) == 0
    assert np.isfinite(track.t_s).all()


def test_a_movement_planned_past_the_end_is_simply_not_there():
    """A plain LM planned after the simulated night's end (it once raised: its wiggle was
    only made for samples inside the night) leaves the track as with no plan at all."""
    from pipeline.scoring.simulate import Planned

    still, _ = simulate_track([], 60.0, 15, seed=4)
    late, _ = simulate_track([Planned(90.0, 2.0, "left")], 60.0, 15, seed=4)
    assert late.n_frames == still.n_frames
    np.testing.assert_array_equal(late.keypoints_px, still.keypoints_px)
