"""Per-leg activity: which samples a leg is out of the pose model's plain view."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from detector.track import KEYPOINT_NAMES
from pipeline.scoring.activity import activity_compute
from pipeline.scoring.simulate import Planned, simulate_track
from pipeline.settings import Settings


@pytest.mark.parametrize("fps", [15, 25, 30])
@pytest.mark.parametrize("covered_vis", [0.2, 0.6])
def test_leg_out_of_plain_view_is_unseen(fps, covered_vis):
    """A leg whose keypoints the model reports below min_visibility + 0.2 (under a blanket:
    anywhere from well below to just above min_visibility) is unseen there, and only there."""
    track, _ = simulate_track([Planned(30.0, 2.0, "left")], 120.0, fps, seed=2)
    vis = track.visibility.copy()
    covered = (track.t_s >= 50.0) & (track.t_s < 90.0)
    cols = [KEYPOINT_NAMES.index(f"left_{j}") for j in ("hip", "knee", "ankle")]
    vis[np.ix_(covered, cols)] = covered_vis
    act = activity_compute(dataclasses.replace(track, visibility=vis), Settings())
    inside = (act.t_s >= 50.5) & (act.t_s < 89.5)
    outside = (act.t_s < 49.5) | (act.t_s >= 90.5)
    assert act.unseen is not None
    assert act.unseen[0, inside].all() and not act.unseen[0, outside].any()
    assert not act.unseen[1].any()
