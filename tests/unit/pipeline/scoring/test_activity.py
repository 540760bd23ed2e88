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


# --- a moving camera: a leg region's change against the moving picture's ------------------
def test_a_leg_moving_under_a_moving_camera_stands_out_of_the_pictures_change():
    """15 fps, 80 s, the camera moving 10-70 s: the whole frame changes 0.007 there (the
    shake the detector's compensation leaves), the leg region 1.3 times that with 5 % of it
    as frame-to-frame noise (the moving picture's own share: no leg moving), and 1.6 times it
    from 40 to 41.5 s (a leg movement: 0.3 of the whole frame's change more). Averaged over
    lm_min_s (0.5 s = 8 samples) the share's noise is about 0.05 / sqrt(8) = 0.018, so the
    movement stands out by about 0.3 / 0.018 = 17 noise units, far over agree_motion_k 3,
    the rest of the moving camera stays under it, and outside it nothing is judged (0)."""
    from pipeline.scoring.activity import camera_change

    fs, n = 15.0, 1200
    t = np.arange(n) / fs
    rng = np.random.default_rng(7)
    camera = (t >= 10) & (t < 70)
    whole = np.where(camera, 0.007, 1e-4)
    share = np.where(camera, 1.3 + 0.05 * rng.standard_normal(n), 1.1)
    leg = (t >= 40) & (t < 41.5)
    share[leg] += 0.3
    z = camera_change(share * whole, whole, camera, fs, Settings())
    assert (z[~camera] == 0).all()
    inner = (t >= 40.3) & (t < 41.2)  # where the 0.5-s mean lies inside the movement
    assert (z[inner] > 10).all()
    quiet = camera & ~((t >= 39.5) & (t < 42))
    assert (z[quiet] > Settings().agree_motion_k).mean() < 0.01
    # less than 5 s of moving camera: nothing is learned, nothing judged
    short = (t >= 10) & (t < 14)
    assert (camera_change(share * whole, whole, short, fs, Settings()) == 0).all()
