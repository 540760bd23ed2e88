"""A recording shorter than night_min_s is a clip: counts, not rates."""

from __future__ import annotations

import pytest

from pipeline.scoring.night import CLIP_NOTE, is_clip, night_score
from pipeline.scoring.simulate import Planned, simulate_track
from pipeline.settings import Settings


def _plan() -> list[Planned]:
    plan = [Planned(5.0 + 15.0 * k, 1.5, "left") for k in range(5)]  # onsets 15 s apart
    plan.append(Planned(85.0, 4.0, "bilateral", "kicking", 1.5, 0.2))
    return plan


def test_a_short_recording_is_a_clip_with_counts_and_no_rates():
    track, _ = simulate_track(_plan(), 100.0, 15.0, seed=1)
    r = night_score(track)
    s = r.summary
    assert is_clip(s) and s["recording"] == "clip"
    assert (
        s["recording_note"].startswith(CLIP_NOTE) and "180 s (night_min_s)" in s["recording_note"]
    )
    # counts stay: LM onsets at 5, 20, 35, 50, 65 and the kicking bout (an LM) at 85 s are
    # all 10-90 s apart: one PLM series of 6; the bout is rhythmic
    assert s["counts"]["lm"] == 6 and s["counts"]["plm"] == 6 and s["counts"]["rhythmic"] == 1
    assert s["counts"]["plm_series"] == 1
    assert s["counts"]["rhythmic_bouts"] == len(r.bouts) == 1
    # rates and sleep do not
    assert s["plm_index_per_h"] is None and s["lm_index_per_h"] is None
    assert s["sleep_onset_s"] is None and s["total_sleep_s"] is None
    assert s["settling_window_s"] is None and s["counts"]["lm_settling_window"] == 0
    assert set(r.epochs["state"]) == {"unscored"} and set(r.events["state"]) == {"unscored"}
    kinds = set(r.episodes["kind"])
    assert kinds == {"plm_series", "rhythmic_movement"}
    assert all("in this clip" in reason for reason in r.episodes["reason"])


def test_from_night_min_s_on_it_is_a_night():
    track, _ = simulate_track(_plan(), 100.0, 15.0, seed=1)
    r = night_score(track, Settings(night_min_s=90.0))
    assert r.summary["recording"] == "night" and not is_clip(r.summary)
    assert "recording_note" not in r.summary
    assert set(r.epochs["state"]) <= {"sleep", "wake", "artifact"}
    assert is_clip({}) is False


@pytest.mark.parametrize("seconds", [5.0, 179.0])
def test_clip_limit(seconds):
    track, _ = simulate_track([], seconds, 15.0, seed=0)
    assert is_clip(night_score(track).summary)
