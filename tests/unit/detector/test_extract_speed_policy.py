"""The pose gating policy of detector.extract: where pose runs, and how often, with a fake
estimator. Counts and times are worked out from the rules, never timed."""

from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from detector import extract
from detector.extract import ExtractOptions, PosePolicy, track_extract
from detector.gate import RestSeconds
from detector.pose import FakePose, PoseResult
from detector.track import KEYPOINT_NAMES
from detector.video import night_plan
from tests.helpers.video import make_video  # noqa: E402

FPS = 15


def _calls(
    opts: ExtractOptions,
    motion: np.ndarray,
    found: bool | np.ndarray = True,
) -> np.ndarray:
    """Times at which the policy runs pose, frame by frame at 15 fps."""
    policy = PosePolicy(opts)
    found_at = np.broadcast_to(np.asarray(found, dtype=bool), motion.shape)
    out = []
    for i, m in enumerate(motion):
        t = i / FPS
        if policy.decide(t, float(m)):
            policy.ran(t, bool(found_at[i]))
            out.append(t)
    return np.round(np.asarray(out), 6)


def _frames(t_s: float) -> float:
    """``t_s`` rounded up to the next frame time (the policy acts on frames)."""
    return float(np.round(np.ceil(np.round(t_s * FPS, 3)) / FPS, 6))


def _after(start_s: float, gaps: list[float]) -> list[float]:
    """Frame times reached from ``start_s`` by waiting ``gaps`` one after another."""
    out = [start_s]
    for gap in gaps:
        out.append(_frames(out[-1] + gap))
    return out[1:]


def test_still_refresh_after_refresh_s_then_at_the_maximum_interval():
    opts = ExtractOptions(refresh_s=0.5, refresh_max_s=4.0)
    t = _calls(opts, np.zeros(40 * FPS))
    # found at once (a search on the first frame), then still: 0.5 s later, then every 4 s
    expected = [0.0, _frames(0.5)]
    while _frames(expected[-1] + 4.0) < 40:
        expected.append(_frames(expected[-1] + 4.0))
    np.testing.assert_allclose(t, expected)
    assert len(t) == 2 + 9  # 0, 0.53, then 4.53, 8.53, ..., 36.53


def test_full_rate_while_moving_then_refresh_restarts_short():
    opts = ExtractOptions(refresh_s=0.5, refresh_max_s=4.0)
    motion = np.full(30 * FPS, 0.0005)  # quiet rest level, below the absolute floor
    moving = slice(20 * FPS, 22 * FPS)  # 2 s of movement near the legs
    motion[moving] = 0.05
    t = _calls(opts, motion)
    during = t[(t >= 20) & (t < 22)]
    assert len(during) == 2 * FPS, "every frame of a movement gets a pose"
    after = t[t >= 22]
    last = 22 - 1 / FPS
    np.testing.assert_allclose(after[:2], [_frames(last + 0.5), _frames(last + 4.5)])
    before = t[(t > 8) & (t < 20)]
    assert np.all(np.diff(before) == pytest.approx(4.0, abs=1e-6)), "still: every 4 s"


def _schedule(opts: ExtractOptions, motion: np.ndarray) -> set[int]:
    """Frames given a pose, as track_extract does it (a pose is always found), look back
    included: the policy alone, no video."""
    policy, posed, kept = PosePolicy(opts), set(), None
    for i, m in enumerate(motion):
        t = i / FPS
        run = policy.decide(t, float(m))
        if policy.look_back and kept is not None:
            policy.ran(kept / FPS, True)
            posed.add(kept)
            kept = None
        if policy.grid_point:
            kept = i
        elif run:
            kept = None
        if run:
            policy.ran(t, True)
            posed.add(i)
    return posed


def test_before_a_movement_the_poses_are_those_of_a_refresh_every_second():
    motion = np.zeros(60 * FPS)
    onsets = [10 * FPS + 7, 30 * FPS, 47 * FPS + 11]
    for start in onsets:
        motion[start : start + 20] = 0.05
    every_second = _schedule(ExtractOptions(refresh_s=1.0, refresh_max_s=1.0), motion)
    sparse = _schedule(ExtractOptions(refresh_s=1.0, refresh_max_s=4.0), motion)
    assert sparse <= every_second, "no pose a refresh every second would not have"
    assert len(sparse) < len(every_second) - 15, "but far fewer of them while still"
    for start in onsets:
        last = max(i for i in every_second if i < start)
        assert last in sparse, f"the last pose before the movement at {start / FPS:.2f} s"
    no_look = _schedule(ExtractOptions(refresh_max_s=4.0, look_back=False), motion)
    assert len(no_look) == len(sparse) - 3, "one more pose per movement"


def test_motion_the_gate_has_adapted_to_keeps_the_refresh_short():
    opts = ExtractOptions(refresh_s=1.0, refresh_max_s=4.0)
    motion = np.full(40 * FPS, 0.01)  # a long movement: well above gate_floor throughout
    policy, t = PosePolicy(opts), []
    closed_at = None
    for i, m in enumerate(motion):
        ts = i / FPS
        if policy.decide(ts, float(m)):
            policy.ran(ts, True)
            t.append(ts)
        if closed_at is None and i > 0 and not policy.moving:
            closed_at = ts
    assert closed_at is not None and closed_at < 10, "the gate's rest level adapts to it"
    later = np.asarray([x for x in t if x > closed_at + 1])
    assert len(later) >= 25 and np.allclose(np.diff(later), 1.0, atol=0.07), "every 1 s"


def test_search_backs_off_while_nobody_is_found_and_motion_restarts_it():
    opts = ExtractOptions(search_every_s=0.5, search_max_s=8.0)
    motion = np.zeros(60 * FPS)
    t = _calls(opts, motion, found=False)
    np.testing.assert_allclose(t[:7], [0.0, *_after(0.0, [0.5, 1, 2, 4, 8, 8])])
    assert np.allclose(np.diff(t[5:]), 8.0), "the interval stops doubling at search_max_s"
    motion[40 * FPS] = 0.05  # something moves (a baby put into the cot)
    t2 = _calls(opts, motion, found=False)
    last = t2[t2 < 40].max()
    np.testing.assert_allclose(t2[t2 >= 40][:3], _after(last, [0.5, 1, 2]))


def test_flickering_motion_cannot_keep_the_search_at_its_fastest():
    opts = ExtractOptions(search_every_s=0.5, search_max_s=8.0)
    motion = np.tile([0.0, 0.05], 30 * FPS // 2)  # moves on every other frame for 30 s
    t = _calls(opts, motion, found=False)
    # one shortening per 8 s: at most 4 quick searches (0.5, 1, 2, 4 s apart) per 8 s
    assert len(t) <= 4 * (30 // 8 + 1)


def test_a_lost_pose_is_searched_for_from_the_shortest_interval():
    opts = ExtractOptions(refresh_s=0.5, refresh_max_s=4.0, search_every_s=0.5)
    n = 20 * FPS
    found = np.ones(n, dtype=bool)
    found[7 * FPS :] = False  # from 7 s on nobody is found: the refresh at 7.5 s fails
    t = _calls(opts, np.zeros(n), found)
    refreshes = _after(0.0, [0.5, 4, 4])  # the last one, at 8.5 s, finds nobody
    np.testing.assert_allclose(t[:4], [0.0, *refreshes])
    np.testing.assert_allclose(t[4:7], _after(refreshes[-1], [0.5, 1, 2]))


def test_gate_off_runs_pose_on_every_frame():
    t = _calls(ExtractOptions(gate=False), np.zeros(5 * FPS))
    assert len(t) == 5 * FPS


@pytest.mark.parametrize(
    "kwargs",
    [
        {"refresh_s": 0},
        {"refresh_s": 2.0, "refresh_max_s": 1.0},
        {"search_every_s": float("nan")},
        {"search_every_s": 4.0, "search_max_s": 1.0},
        {"retry_every_s": -1},
        {"motion_row_step": 0},
    ],
)
def test_bad_options_are_refused(kwargs):
    with pytest.raises(ValueError):
        ExtractOptions(**kwargs)


# --- rotation retries ------------------------------------------------------------------------
def _result(score: float) -> PoseResult:
    k = len(KEYPOINT_NAMES)
    kp = np.array([[20.0 + 3 * i, 30.0 + 2 * i] for i in range(k)], np.float32)
    return PoseResult(kp, np.full(k, score, np.float32), score)


class _WeakPose(FakePose):
    """A fake with MediaPipePose's ``weak_score`` knob: records it at every call."""

    def __init__(self, score: float) -> None:
        super().__init__(lambda _rgb: _result(score))
        self.weak_score = 0.5
        self.seen: list[float] = []

    def estimate(self, rgb):
        self.seen.append(self.weak_score)
        return super().estimate(rgb)


def test_a_pose_that_stays_weak_retries_rotations_once_per_interval():
    fake = _WeakPose(score=0.2)  # legs under a blanket: weak at every call
    limit = extract._RetryLimit(fake, every_s=10.0)
    times = np.arange(0.0, 25.0, 0.5)
    for t in times:
        limit.estimate(np.zeros((8, 8, 3), np.uint8), float(t))
    allowed = times[np.asarray(fake.seen) == 0.5]
    np.testing.assert_allclose(allowed, [0.0, 10.0, 20.0])
    assert set(fake.seen) == {0.5, 0.0} and fake.weak_score == 0.5, "knob restored"


def test_a_strong_pose_never_limits_retries():
    fake = _WeakPose(score=0.9)
    limit = extract._RetryLimit(fake, every_s=10.0)
    for t in np.arange(0.0, 5.0, 0.5):
        limit.estimate(np.zeros((8, 8, 3), np.uint8), float(t))
    assert fake.seen == [0.5] * 10


def test_an_estimator_without_the_knob_is_called_as_is():
    fake = FakePose(lambda _rgb: _result(0.1))
    limit = extract._RetryLimit(fake, every_s=10.0)
    for t in range(3):
        assert limit.estimate(np.zeros((8, 8, 3), np.uint8), float(t)) is not None
    assert fake.calls == 3


# --- the whole loop on video -----------------------------------------------------------------
def _square_video(path: Path, size: tuple[int, int], seconds: float, move: tuple[float, float]):
    """Grey frames; a bright square moves (lower-left quarter) only between ``move`` times."""
    w, h = size
    n = int(FPS * seconds)
    with av.open(str(path), "w") as out:
        st = out.add_stream("libx264", rate=FPS)
        st.width, st.height, st.pix_fmt = w, h, "yuv420p"
        st.options = {"crf": "10", "g": "15"}
        for i in range(n):
            img = np.full((h, w, 3), 90, np.uint8)
            t = i / FPS
            x = w // 10 + (int(w / 5 * (t - move[0])) if move[0] <= t < move[1] else 0)
            y = int(h * 0.65)
            img[y : y + h // 6, x : x + w // 8] = 230
            for pkt in st.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                out.mux(pkt)
        for pkt in st.encode():
            out.mux(pkt)
    return path


def _legs_pose(w: int, h: int):
    """Left leg over the lower-left quarter (where the square moves), right leg far right."""
    k = len(KEYPOINT_NAMES)
    kp = np.zeros((k, 2), np.float32)
    joints = {"hip": (0.1, 0.62), "knee": (0.2, 0.7), "ankle": (0.3, 0.78)}
    for i, name in enumerate(KEYPOINT_NAMES):
        side, _, joint = name.partition("_")
        x, y = joints.get(joint, (0.2, 0.3))
        kp[i] = ((x if side == "left" else 1.0 - x) * w, y * h)
    return lambda _rgb: PoseResult(kp, np.full(k, 0.9, np.float32), 0.9)


def test_large_frames_measure_motion_on_every_fourth_row_with_boxes_in_place(tmp_path):
    w, h = 1280, 720  # shrunk 8x to 160 px: motion reads every 4th row
    video = _square_video(tmp_path / "v.mp4", (w, h), 12.0, (3.0, 4.0))
    fake = FakePose(_legs_pose(w, h))
    track = track_extract(night_plan([video]), fake)
    t, ran = track.t_s, track.pose_ran
    moving = (t >= 3.1) & (t < 3.95)
    assert ran[moving].all(), "pose on every frame while the left leg region moves"
    left, right = track.motion_of("left_leg"), track.motion_of("right_leg")
    assert left[moving].mean() > 5 * right[moving].mean()
    still = t >= 4.5  # nothing moves: one refresh 1 s after the movement, the next 30 s later
    assert ran[still].sum() == 1
    assert fake.calls == ran.sum()
    # every frame measured; pose carried forward between runs
    assert track.n_frames == 12 * FPS and np.isfinite(track.keypoints_px).all()


def _block_mean(gray: np.ndarray, out_w: int, out_h: int) -> np.ndarray:
    """The exact mean of each block of ``gray`` (its size a multiple of the output's)."""
    h, w = gray.shape
    blocks = gray.reshape(out_h, h // out_h, out_w, w // out_w).astype(np.float64)
    return blocks.mean(axis=(1, 3))


def test_motion_of_a_large_frame_matches_the_full_area_downscale():
    rng = np.random.default_rng(3)
    base = rng.integers(60, 200, size=(90, 80)).astype(np.uint8)
    gray = np.kron(base, np.ones((8, 16), np.uint8))  # 720 x 1280, smooth blocks
    full = cv2.resize(gray, (160, 90), interpolation=cv2.INTER_AREA)
    for step in (2, ExtractOptions().motion_row_step):
        small, scale = extract._motion_input(gray, 160, step)
        assert small.shape == (90, 160) and scale == pytest.approx(0.125)
        assert np.abs(small.astype(int) - full.astype(int)).max() <= 1
    # at the default step a 720p frame is averaged over every row (fewer rows let keyframe
    # noise through the gate), a 1440p one over every 4th: 64 pixels a motion pixel either
    # way. Averaged in halvings, each motion pixel is the block's mean rounded three times:
    # within 1.5 grey levels of it (0.5 a rounding), where a mean of every 4th row only
    # (16 of the 64 pixels of uniform noise) is off by 9 grey levels on average
    noisy = rng.integers(0, 256, size=(720, 1280)).astype(np.uint8)
    small, _ = extract._motion_input(noisy, 160, ExtractOptions().motion_row_step)
    exact = _block_mean(noisy, 160, 90)
    assert small.shape == (90, 160)
    assert np.abs(small - exact).max() <= 1.5
    assert np.abs(_block_mean(noisy[::4], 160, 90) - exact).mean() > 5
    big = rng.integers(0, 256, size=(1440, 2560)).astype(np.uint8)
    small, _ = extract._motion_input(big, 160, 4)
    every_4th = _block_mean(big[::4], 160, 90)
    assert np.abs(small - every_4th).max() <= 1.5
    assert np.abs(_block_mean(big, 160, 90) - every_4th).mean() > 2
    # a frame shrunk less than 8x is averaged over every row, as before
    mid = rng.integers(0, 256, size=(480, 640)).astype(np.uint8)
    small, _ = extract._motion_input(mid, 160, 2)
    assert np.abs(small - _block_mean(mid, 160, 120)).max() <= 1.0  # rounded twice


def test_motion_downscale_of_any_size_is_the_area_average():
    """Sizes that do not halve evenly (an odd side, 544 rows shrunk 5.98x) still give the
    area average, within the roundings' 2 grey levels on a smooth picture."""
    rng = np.random.default_rng(5)
    for w, h in ((960, 544), (1920, 1080), (1281, 721), (320, 240)):
        noise = rng.integers(0, 256, size=(h, w)).astype(np.uint8)
        gray = cv2.GaussianBlur(noise, (0, 0), 6)
        small, scale = extract._motion_input(gray, 160, ExtractOptions().motion_row_step)
        out_h = round(h * 160 / w)
        one_step = cv2.resize(gray, (160, out_h), interpolation=cv2.INTER_AREA)
        assert small.shape == (out_h, 160) and scale == pytest.approx(160 / w)
        assert np.abs(small.astype(int) - one_step.astype(int)).max() <= 2, (w, h)


def test_tracks_longer_than_one_buffer_block_are_whole(tmp_path, monkeypatch):
    monkeypatch.setattr(extract._Columns, "_BLOCK", 16)  # 50 frames: four blocks
    video = make_video(tmp_path / "v.mp4", n_frames=50)
    fake = FakePose(_legs_pose(64, 48))
    track = track_extract(night_plan([video]), fake, options=ExtractOptions(gate=False))
    assert track.n_frames == 50 and track.pose_ran.all()
    assert np.all(np.diff(track.t_s) > 0)
    assert track.motion.shape == (50, 3) and np.isfinite(track.keypoints_px).all()


def test_the_frame_kept_back_gets_its_pose_in_the_track(tmp_path, monkeypatch):
    monkeypatch.setattr(extract._Columns, "_BLOCK", 16)  # the kept frame in an older block
    video = _square_video(tmp_path / "v.mp4", (128, 96), 10.0, (6.5, 7.5))
    k = len(KEYPOINT_NAMES)
    legs = _legs_pose(128, 96)(None)

    def numbered(_rgb):  # the n-th call's pose is shifted by n pixels: calls can be told apart
        numbered.n += 1
        return PoseResult(legs.keypoints_px + numbered.n, np.full(k, 0.9, np.float32), 0.9)

    numbered.n = 0
    track = track_extract(night_plan([video]), FakePose(numbered))
    t, ran = track.t_s, track.pose_ran
    onset = int(np.flatnonzero(track.motion_of("left_leg") > 0.01)[0])
    # a refresh every second from the first frame would have posed at 6.0 s; the sparse
    # schedule (0, 1, 3 s, then 7 s) had not, so 6.0 s is posed at the onset, in hindsight
    back = int(np.flatnonzero(np.isclose(t, 6.0))[0])
    assert ran[back] and not ran[back + 1 : onset].any()
    shift = track.keypoints_px[back:onset, 0, 0] - legs.keypoints_px[0, 0]
    assert np.all(shift == shift[0]), "the frames after it carry its pose"
    assert track.keypoints_px[onset, 0, 0] - legs.keypoints_px[0, 0] == shift[0] + 1
    assert not ran[(t > 3.01) & (t < 5.99)].any(), "nothing posed between 3 s and 6 s"


def test_a_long_kicking_bout_is_posed_at_full_rate_throughout():
    # 60 s of kicking at 1 Hz: motion high for 0.6 s, low (but above the floor) in between.
    # A quiet minute before sets the rest level; the bout must not teach the gate its level.
    # (Pose at full rate however long the legs stay active: busy_every_s=0, the default.)
    t = np.arange(120 * FPS) / FPS
    motion = np.full(t.shape, 0.0003)
    kicking = t >= 60
    motion[kicking] = np.where((t[kicking] % 1.0) < 0.6, 0.03, 0.004)
    opts = ExtractOptions()
    assert opts.busy_every_s == 0.0
    calls = _calls(opts, motion)
    last_30 = calls[calls >= 90]
    kicks = np.sum((t >= 90) & ((t % 1.0) < 0.6))
    assert len(last_30) >= kicks, "every kicking frame of the bout's last 30 s gets a pose"
    # with busy_every_s=1, the same bout: every frame for its first busy_after_s (20 s:
    # 60-80 s, 300 frames, the gate's level 0.002 < 0.004 between kicks), then one a second
    default = _calls(ExtractOptions(busy_every_s=1.0), motion)
    first = default[(default >= 60) & (default < 80)]
    assert len(first) == 20 * FPS
    later = default[default >= 80]
    # the last full-rate pose at 79.933 s, then 80.933, 81.933, ..., 119.933 s: 40 poses
    np.testing.assert_allclose(later, [round(80 + 14 / FPS + k, 6) for k in range(40)])


def _poses_in(calls: np.ndarray, a: float, b: float) -> int:
    return int(((calls >= a - 1e-9) & (calls < b - 1e-9)).sum())


def test_after_busy_after_s_of_activity_pose_runs_once_per_busy_every_s():
    # quiet 10 s, then 60 s of steady movement near the legs (every frame moves)
    motion = np.full(80 * FPS, 0.0005)
    motion[10 * FPS : 70 * FPS] = 0.05
    opts = ExtractOptions(busy_after_s=20.0, busy_every_s=1.0)
    calls = _calls(opts, motion)
    # full rate from the onset at 10 s until the activity is 20 s old (30 s): 300 frames
    assert _poses_in(calls, 10.0, 30.0) == 20 * FPS
    # then the last full-rate pose (29.933 s) + 1 s, + 2 s, ... up to 69.933 s: 40 poses
    busy = calls[(calls >= 30.0) & (calls < 70.0)]
    np.testing.assert_allclose(busy, [round(30 + 14 / FPS + k, 6) for k in range(40)])
    # at half a second: the first frame at least 0.5 s on is 8 frames (0.533 s) later:
    # 30.467, 31.0, ..., 69.933 s: 40 s / 0.533 s = 75 poses
    half = _calls(ExtractOptions(busy_after_s=20.0, busy_every_s=0.5), motion)
    assert _poses_in(half, 30.0, 70.0) == 75


def test_a_pause_longer_than_busy_pause_s_starts_the_activity_anew():
    opts = ExtractOptions(busy_after_s=20.0, busy_every_s=1.0, busy_pause_s=1.0)
    # 15 s of movement, a pause, 15 s more: with a 1.5-s pause neither run reaches 20 s,
    # and every moving frame is posed (450 of them)
    motion = np.full(60 * FPS, 0.0005)
    motion[150:375] = 0.05  # 10.0-25.0 s
    motion[397:622] = 0.05  # 26.467-41.467 s, after a pause of 22 frames (1.47 s)
    calls = _calls(opts, motion)
    assert _poses_in(calls, 150 / FPS, 375 / FPS) == 225
    assert _poses_in(calls, 397 / FPS, 622 / FPS) == 225
    # with a 0.5-s pause, one activity from 10 s: busy from 30 s, at 29.933 + 1, + 2, ...
    motion = np.full(60 * FPS, 0.0005)
    motion[150:375] = 0.05  # 10.0-25.0 s
    motion[382:607] = 0.05  # 25.467-40.467 s, after a pause of 7 frames (0.47 s)
    calls = _calls(opts, motion)
    assert _poses_in(calls, 382 / FPS, 30.0) == 450 - 382, "full rate up to 30 s"
    # 29.933 + 1 ... + 10 = 39.933 s: ten poses in 30-40.467 s
    assert _poses_in(calls, 30.0, 607 / FPS) == 10


def test_a_sync_carries_the_activity_of_the_seconds_before_it():
    # a policy restarted at a sync at 40 s that was told of 25 s of activity before it is
    # busy from its first moving frame; told of 5 s, it poses every frame until the
    # activity is 20 s old (from 35 s: until 55 s)
    opts = ExtractOptions(busy_after_s=20.0, busy_every_s=1.0)
    for carried, full_until in ((25.0, 40.0), (5.0, 55.0)):
        policy = PosePolicy(opts)
        policy.restart([0.0005] * 60)
        policy.carry_activity(40.0, carried)
        policy.synced(40.0, 0.05, True, first=False)
        runs = []
        for i in range(1, 30 * FPS):
            t = 40.0 + i / FPS
            if policy.decide(t, 0.05):
                policy.ran(t, True)
                runs.append(t)
        got = np.asarray(runs)
        n_full = round((full_until - 40.0) * FPS) - 1  # every frame after the sync frame
        assert _poses_in(got, 40.0, full_until) == max(n_full, 0) or carried > 20
        if carried > 20:  # busy at once: 41.0, 42.0, ... (one a second from the sync)
            np.testing.assert_allclose(got[:3], [41.0, 42.0, 43.0])


def test_rest_seconds_count_the_active_seconds_before_a_sync():
    rest = RestSeconds(8.0)
    # seconds 0-9: motion 0.001, except in 4-9 where 12 of each second's 15 frames have 0.05
    # and in 2 where a single frame has (a spike: the second's median stays 0.001)
    for second in range(10):
        for k in range(FPS):
            high = (second >= 4 and k >= 3) or (second == 2 and k == 7)
            rest.add(second + k / FPS, 0.05 if high else 0.001)
    # before 10 s: the medians of seconds 9, 8, 7, 6, 5, 4 are 0.05: six seconds
    assert rest.active_before(10.0, 0.01) == 6.0
    # no median is above 0.1; every one is above 0.0005, but only 8 s (the window) count
    assert rest.active_before(10.0, 0.1) == 0.0
    assert rest.active_before(10.0, 0.0005) == 8.0
    # before 4 s: seconds 3, 2, 1, 0 all have median 0.001 (the spike in 2 does not count)
    assert rest.active_before(4.0, 0.01) == 0.0


def test_noise_spikes_make_no_activity():
    # quiet legs with a spike on one frame in every 5 (a keyframe's noise, 0.05): each
    # second's median stays 0.0005, so 60 s of it never make the legs busy
    motion = np.full(70 * FPS, 0.0005)
    motion[::5] = 0.05
    policy = PosePolicy(ExtractOptions(busy_every_s=1.0))
    for i, m in enumerate(motion):
        policy.decide(i / FPS, float(m))
        assert not policy.busy
