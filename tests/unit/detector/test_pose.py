"""Unit tests of detector.pose that need no mediapipe: the fake estimator, the landmark
mapping, the rotation search and its coordinate back-mapping, cropping and model-file errors."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from detector import pose
from detector.pose import (
    DEFAULT_POSE_MODEL,
    MEDIAPIPE_LANDMARK_INDEX,
    MODELS_DIR,
    CropOffset,
    FakePose,
    MediaPipePose,
    PoseEstimator,
    PoseResult,
    pose_crop,
    pose_default,
    pose_model_file,
    pose_score,
    pose_uncrop,
)
from detector.track import KEYPOINT_NAMES

K = len(KEYPOINT_NAMES)
REPO = Path(__file__).resolve().parents[3]


def _result(x: float = 1.0, vis: float = 0.9) -> PoseResult:
    kp = np.full((K, 2), x, dtype=np.float32)
    v = np.full(K, vis, dtype=np.float32)
    return PoseResult(kp, v, pose_score(v))


@pytest.fixture
def fake_mediapipe_dir(tmp_path, monkeypatch):
    """A mediapipe package folder holding only the full model, as the 0.10.21 wheel does."""
    d = tmp_path / "mediapipe"
    (d / "modules" / "pose_landmark").mkdir(parents=True)
    (d / "modules" / "pose_landmark" / "pose_landmark_full.tflite").write_bytes(b"model")
    monkeypatch.setattr(pose, "_mediapipe_dir", lambda: d)
    return d


# --- PoseResult, score, mapping -------------------------------------------------------------
def test_pose_result_converts_and_validates():
    r = PoseResult(np.zeros((K, 2), dtype=np.float64), np.ones(K), 1)
    assert r.keypoints_px.dtype == np.float32 and r.visibility.dtype == np.float32
    assert isinstance(r.score, float)
    with pytest.raises(ValueError, match="keypoints_px"):
        PoseResult(np.zeros((K + 1, 2)), np.ones(K), 1.0)
    with pytest.raises(ValueError, match="visibility"):
        PoseResult(np.zeros((K, 2)), np.ones(K - 1), 1.0)
    with pytest.raises(ValueError, match="0..1"):
        PoseResult(np.zeros((K, 2)), np.full(K, 1.5), 1.0)


def test_pose_score_is_mean_visibility_of_hips_knees_ankles():
    vis = np.zeros(K)
    vis[KEYPOINT_NAMES.index("nose")] = 1.0  # not counted
    vis[KEYPOINT_NAMES.index("left_shoulder")] = 1.0  # not counted
    vis[KEYPOINT_NAMES.index("left_knee")] = 0.6
    vis[KEYPOINT_NAMES.index("right_ankle")] = 0.3
    assert pose_score(vis) == pytest.approx((0.6 + 0.3) / 6)


def test_landmark_index_covers_keypoint_names_with_mediapipe_numbers():
    assert set(MEDIAPIPE_LANDMARK_INDEX) == set(KEYPOINT_NAMES)
    assert MEDIAPIPE_LANDMARK_INDEX["nose"] == 0
    assert MEDIAPIPE_LANDMARK_INDEX["left_hip"] == 23
    assert MEDIAPIPE_LANDMARK_INDEX["right_ankle"] == 28


def test_landmarks_to_result_picks_and_scales_landmarks():
    i = np.arange(33, dtype=np.float64)
    xy_norm = np.stack([i / 40, i / 80], axis=1)
    vis = i / 40
    r = pose._landmarks_to_result(xy_norm, vis, width=200, height=100)
    for k, name in enumerate(KEYPOINT_NAMES):
        j = MEDIAPIPE_LANDMARK_INDEX[name]
        assert r.keypoints_px[k, 0] == pytest.approx(j / 40 * 200)
        assert r.keypoints_px[k, 1] == pytest.approx(j / 80 * 100)
        assert r.visibility[k] == pytest.approx(min(j / 40, 1.0))  # clipped to 0..1
    assert r.score == pytest.approx(pose_score(r.visibility))


# --- rotation geometry ----------------------------------------------------------------------
@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
def test_unrotate_points_inverts_rotate_exactly(rotation):
    h, w, col, row = 7, 11, 9, 2
    img = np.zeros((h, w, 3), dtype=np.uint8)
    img[row, col] = 255
    rot = pose._rotate(img, rotation)
    assert rot.flags.c_contiguous
    assert rot.shape[:2] == ((h, w) if rotation in (0, 180) else (w, h))
    r_row, r_col = np.argwhere(rot[:, :, 0] == 255)[0]
    centre = np.array([[r_col + 0.5, r_row + 0.5]])
    back = pose._unrotate_points(centre, rotation, width=w, height=h)
    np.testing.assert_array_equal(back, [[col + 0.5, row + 0.5]])
    corner = pose._unrotate_points(np.array([[0.0, 0.0]]), rotation, width=w, height=h)
    expected = {0: (0, 0), 90: (0, h), 180: (w, h), 270: (w, 0)}[rotation]
    np.testing.assert_array_equal(corner, [expected])


def test_rotate_is_clockwise():
    img = np.zeros((2, 3, 3), dtype=np.uint8)
    img[0, 0] = 255  # top-left goes to top-right when turned clockwise
    assert pose._rotate(img, 90)[0, -1, 0] == 255


# --- rotation search, with a fake inner detector ------------------------------------------
RED, GREEN = (255, 0, 0), (0, 255, 0)


def _marker(img: np.ndarray, colour: tuple[int, int, int]) -> np.ndarray | None:
    ys, xs = np.nonzero(np.all(img == colour, axis=2))
    return np.array([xs.mean() + 0.5, ys.mean() + 0.5]) if len(xs) else None


class UprightOnly(MediaPipePose):
    """Finds a 'baby' (red head, green feet) only when the head is straight above the feet."""

    def __init__(self, weak_at: tuple[int, ...] = (), **kw):
        super().__init__(**kw)
        self.tried: list[int] = []
        self.weak_at = weak_at

    def _detect_upright(self, rgb, rotation):
        self.tried.append(rotation)
        head, feet = _marker(rgb, RED), _marker(rgb, GREEN)
        if head is None or feet is None:
            return None
        upright = feet[1] - head[1] > abs(feet[0] - head[0])
        if not upright and rotation not in self.weak_at:
            return None
        kp = np.repeat(((head + feet) / 2)[None], K, axis=0)
        kp[KEYPOINT_NAMES.index("nose")] = head
        kp[KEYPOINT_NAMES.index("left_ankle")] = feet
        vis = np.full(K, 0.9 if upright else 0.3)
        return PoseResult(kp, vis, pose_score(vis))


def _baby(head_rc: tuple[int, int], feet_rc: tuple[int, int]) -> np.ndarray:
    img = np.zeros((30, 50, 3), dtype=np.uint8)
    img[head_rc] = RED
    img[feet_rc] = GREEN
    return img


@pytest.mark.parametrize(
    ("head_rc", "feet_rc", "rotation"),
    [
        ((2, 20), (25, 22), 0),  # head up
        ((12, 3), (14, 45), 90),  # head left: clockwise brings it to the top
        ((27, 30), (3, 28), 180),  # head down
        ((10, 47), (12, 4), 270),  # head right
    ],
)
def test_rotation_search_maps_keypoints_back_exactly(
    fake_mediapipe_dir, head_rc, feet_rc, rotation
):
    est = UprightOnly()
    res = est.estimate(_baby(head_rc, feet_rc))
    assert res is not None and est.last_rotation == rotation
    assert est.tried == [0, 90, 180, 270][: [0, 90, 180, 270].index(rotation) + 1]
    nose = res.keypoints_px[KEYPOINT_NAMES.index("nose")]
    ankle = res.keypoints_px[KEYPOINT_NAMES.index("left_ankle")]
    np.testing.assert_array_equal(nose, [head_rc[1] + 0.5, head_rc[0] + 0.5])
    np.testing.assert_array_equal(ankle, [feet_rc[1] + 0.5, feet_rc[0] + 0.5])
    # next frame: the rotation that worked is tried first, and alone
    est.tried.clear()
    assert est.estimate(_baby(head_rc, feet_rc)) is not None
    assert est.tried == [rotation]


def test_rotation_search_keeps_best_when_current_is_weak(fake_mediapipe_dir):
    est = UprightOnly(weak_at=(0,))
    res = est.estimate(_baby((12, 3), (14, 45)))  # needs 90; 0 gives a weak pose
    assert est.tried == [0, 90] and est.last_rotation == 90
    assert res is not None and res.score == pytest.approx(0.9)


def test_rotation_search_returns_weak_pose_when_nothing_better(fake_mediapipe_dir):
    est = UprightOnly(weak_at=(180,), rotations=(0, 180))
    res = est.estimate(_baby((12, 3), (14, 45)))  # lying sideways; 90/270 not allowed
    assert est.tried == [0, 180] and est.last_rotation == 180
    assert res is not None and res.score == pytest.approx(0.3)


def test_rotation_search_none_when_no_person(fake_mediapipe_dir):
    est = UprightOnly()
    assert est.estimate(np.zeros((30, 50, 3), dtype=np.uint8)) is None
    assert est.last_rotation is None and est.tried == [0, 90, 180, 270]


def test_estimate_accepts_grey_and_rejects_bad_images(fake_mediapipe_dir):
    est = UprightOnly(rotations=(0,))
    grey = np.zeros((30, 50), dtype=np.uint8)
    assert est.estimate(grey) is None  # no markers in grey: nothing found, but no error
    with pytest.raises(ValueError, match="uint8"):
        est.estimate(np.zeros((30, 50, 3), dtype=np.float32))
    with pytest.raises(ValueError, match="H, W, 3"):
        est.estimate(np.zeros((30, 50, 4), dtype=np.uint8))


# --- the solutions path, with a fake MediaPipe graph ---------------------------------------
class FakeGraph:
    """Stands in for mediapipe.solutions.pose.Pose: finds a pose only at one orientation."""

    def __init__(self, found: bool):
        self.found, self.resets, self.calls = found, 0, 0

    def process(self, rgb):
        self.calls += 1
        if not self.found:
            return SimpleNamespace(pose_landmarks=None)
        lms = [SimpleNamespace(x=i / 33, y=0.5, visibility=0.95) for i in range(33)]
        return SimpleNamespace(pose_landmarks=SimpleNamespace(landmark=lms))

    def reset(self):
        self.resets += 1

    def close(self):
        pass


def test_solution_path_tracks_and_resets_stale_graphs(fake_mediapipe_dir, monkeypatch):
    est = MediaPipePose(rotations=(0, 90))
    graphs = iter([FakeGraph(True), FakeGraph(True)])
    monkeypatch.setattr(est, "_make_solution_model", lambda: next(graphs))
    img = np.zeros((20, 40, 3), dtype=np.uint8)
    res = est.estimate(img)
    assert res is not None and est.last_rotation == 0
    # landmark 25 (left knee) at x = 25/33 of the width, y = half the height
    np.testing.assert_allclose(
        res.keypoints_px[KEYPOINT_NAMES.index("left_knee")], [25 / 33 * 40, 10]
    )
    g0 = est._models[0]
    est.estimate(img)
    assert g0.calls == 2 and g0.resets == 0  # still tracking the same person
    g0.found = False
    assert est.estimate(img) is not None and est.last_rotation == 90
    g1 = est._models[90]
    g0.found = True
    est.estimate(img)  # 90 is tried first now, and works
    assert g1.calls == 2 and g0.calls == 3
    est.reset()
    assert g1.resets == 1 and g0.resets == 0  # only the graph that followed someone


# --- model files ---------------------------------------------------------------------------
def test_full_model_is_the_wheels(fake_mediapipe_dir):
    est = MediaPipePose(model_complexity=1)
    assert est.name == "mediapipe-pose-full" and "pose_landmark_full" in est.version
    assert (
        est.landmark_file == fake_mediapipe_dir / "modules/pose_landmark/pose_landmark_full.tflite"
    )
    assert pose_model_file(1) == est.landmark_file


@pytest.mark.parametrize(("complexity", "stem"), [(0, "lite"), (2, "heavy")])
def test_lite_and_heavy_ship_in_models_and_are_checked(fake_mediapipe_dir, complexity, stem):
    # the checkout's own models/ folder: the real files, found without mediapipe's download
    est = MediaPipePose(model_complexity=complexity)
    assert est.landmark_file == MODELS_DIR / f"pose_landmark_{stem}.tflite"
    assert est.name == f"mediapipe-pose-{stem}"
    digest = hashlib.sha256(est.landmark_file.read_bytes()).hexdigest()
    assert f"sha256:{digest[:16]}" in est.version
    assert (
        (MODELS_DIR / "LICENSE-mediapipe-models.txt")
        .read_text()
        .startswith("\n                                 Apache License")
    )


def test_shipped_model_that_is_not_the_shipped_file_is_refused(
    fake_mediapipe_dir, tmp_path, monkeypatch
):
    monkeypatch.setattr(pose, "MODELS_DIR", tmp_path)
    (tmp_path / "pose_landmark_heavy.tflite").write_bytes(b"version https://git-lfs...")
    with pytest.raises(FileNotFoundError, match="SHA-256 differs"):
        MediaPipePose(model_complexity=2)


def test_absent_lite_model_is_named_with_where_it_was_looked_for(
    fake_mediapipe_dir, tmp_path, monkeypatch
):
    monkeypatch.setattr(pose, "MODELS_DIR", tmp_path / "models")
    with pytest.raises(
        FileNotFoundError, match=r"models/pose_landmark_lite\.tflite.*never downloads"
    ):
        MediaPipePose(model_complexity=0)
    # a copy the user placed in the installed package is used instead
    own = fake_mediapipe_dir / "modules" / "pose_landmark" / "pose_landmark_lite.tflite"
    own.write_bytes(b"lite")
    assert MediaPipePose(model_complexity=0).landmark_file == own


def test_model_path_errors(fake_mediapipe_dir, tmp_path):
    missing = tmp_path / "nowhere" / "pose.task"
    with pytest.raises(FileNotFoundError, match="nowhere"):
        MediaPipePose(model_path=missing)
    with pytest.raises(FileNotFoundError):
        MediaPipePose(model_path=tmp_path)  # a folder, not a file
    tflite = tmp_path / "pose_landmark_heavy.tflite"
    tflite.write_bytes(b"x")
    with pytest.raises(ValueError, match=r"\.task"):
        MediaPipePose(model_path=tflite)


def test_model_path_task_is_named_and_hashed(fake_mediapipe_dir, tmp_path):
    task = tmp_path / "my_pose.task"
    task.write_bytes(b"bundle")
    est = MediaPipePose(model_path=str(task))  # nothing is loaded before the first frame
    assert est.name == "mediapipe-pose-task-my_pose"
    assert "my_pose.task sha256:" in est.version


def test_pose_default_honours_env(fake_mediapipe_dir, tmp_path, monkeypatch):
    monkeypatch.delenv("LEGMOVE_POSE_MODEL", raising=False)
    assert pose_default().name == f"mediapipe-pose-{DEFAULT_POSE_MODEL}" == "mediapipe-pose-full"
    monkeypatch.setenv("LEGMOVE_POSE_MODEL", "heavy")
    assert pose_default().name == "mediapipe-pose-heavy"
    assert pose_default("lite").name == "mediapipe-pose-lite"  # the argument wins
    monkeypatch.setenv("LEGMOVE_POSE_MODEL", str(tmp_path / "absent.task"))
    with pytest.raises(FileNotFoundError, match="absent.task"):
        pose_default()
    with pytest.raises(ValueError, match="lite, full, heavy"):
        pose_default("medium")


@pytest.mark.parametrize(
    "kw",
    [
        {"model_complexity": 3},
        {"min_detection_confidence": 1.5},
        {"rotations": ()},
        {"rotations": (0, 45)},
        {"rotations": (90, 90)},
        {"weak_score": -0.1},
    ],
)
def test_bad_arguments(fake_mediapipe_dir, kw):
    with pytest.raises(ValueError):
        MediaPipePose(**kw)


def test_close_then_estimate_fails(fake_mediapipe_dir):
    est = UprightOnly()
    est.close()
    with pytest.raises(RuntimeError, match="close"):
        est.estimate(_baby((2, 20), (25, 22)))


# --- FakePose ------------------------------------------------------------------------------
def test_fake_pose_plays_script_then_none():
    a, b = _result(1.0), _result(2.0)
    fake = FakePose([a, None, b])
    assert isinstance(fake, PoseEstimator)
    frame = np.zeros((4, 5, 3), dtype=np.uint8)
    assert [fake.estimate(frame) for _ in range(4)] == [a, None, b, None]
    assert fake.calls == 4 and fake.frames_shape == [(4, 5, 3)] * 4
    fake.reset()
    fake.close()
    assert fake.resets == 1 and fake.closed
    with pytest.raises(RuntimeError):
        fake.estimate(frame)


def test_fake_pose_callable_sees_the_frame():
    fake = FakePose(lambda rgb: _result(float(rgb[0, 0, 0])), name="f", version="v")
    res = fake.estimate(np.full((2, 2, 3), 7, dtype=np.uint8))
    assert res is not None and res.keypoints_px[0, 0] == 7.0
    assert (fake.name, fake.version, fake.calls) == ("f", "v", 1)


# --- cropping ------------------------------------------------------------------------------
def test_pose_crop_grows_box_and_clips_to_frame():
    img = np.arange(100 * 200 * 3, dtype=np.uint32).reshape(100, 200, 3).astype(np.uint8)
    crop, off = pose_crop(img, (40, 20, 80, 60), margin=0.25)  # box 40x40, grows by 10 each side
    assert off == CropOffset(30, 10) and crop.shape == (60, 60, 3)
    np.testing.assert_array_equal(crop, img[10:70, 30:90])
    crop, off = pose_crop(img, (0, 0, 20, 100), margin=0.5)
    assert (off.x0, off.y0) == (0, 0) and crop.shape == (100, 30, 3)


def test_pose_crop_shrinks_and_uncrop_maps_back():
    img = np.zeros((100, 200, 3), dtype=np.uint8)
    crop, off = pose_crop(img, (40, 20, 160, 100), margin=0.0, max_side_px=60)  # 120x80 -> 60x40
    assert crop.shape == (40, 60, 3) and off == CropOffset(40, 20, 0.5, 0.5)
    res = pose_uncrop(_result(10.0), off)
    assert res is not None
    np.testing.assert_array_equal(res.keypoints_px, np.tile([40 + 20.0, 20 + 20.0], (K, 1)))
    assert pose_uncrop(None, off) is None


def test_pose_crop_bad_boxes():
    img = np.zeros((10, 10, 3), dtype=np.uint8)
    with pytest.raises(ValueError):
        pose_crop(img, (5, 5, 5, 8))
    with pytest.raises(ValueError):
        pose_crop(img, (20, 20, 30, 30))
    with pytest.raises(ValueError):
        pose_crop(img, (1, 1, 5, 5), margin=-1)


# --- import hygiene ------------------------------------------------------------------------
def test_import_does_not_load_mediapipe():
    code = "import sys, detector.pose; sys.exit('mediapipe' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=REPO).returncode == 0


def test_pose_crop_uneven_shrink_maps_crop_corners_to_box_corners():
    img = np.zeros((100, 200, 3), dtype=np.uint8)
    crop, off = pose_crop(img, (10, 5, 130, 86), margin=0.0, max_side_px=60)  # 120x81 box
    h, w = crop.shape[:2]
    assert w == 60
    np.testing.assert_allclose(off.to_frame(np.array([[0, 0], [w, h]])), [[10, 5], [130, 86]])


class LosingGraph(FakeGraph):
    """A graph that, as MediaPipe's, loses the person it follows on a black image."""

    def process(self, rgb):
        if not rgb.any():
            self.calls += 1
            return SimpleNamespace(pose_landmarks=None)
        return super().process(rgb)


def test_reset_makes_a_tracking_graph_lose_the_person_and_forgets_the_rotation(
    fake_mediapipe_dir, monkeypatch
):
    est = MediaPipePose(rotations=(0, 90))
    graphs = iter([LosingGraph(False), LosingGraph(True)])
    monkeypatch.setattr(est, "_make_solution_model", lambda: next(graphs))
    img = np.full((20, 40, 3), 7, dtype=np.uint8)
    assert est.estimate(img) is not None and est.last_rotation == 90  # 0 finds nobody
    g0, g90 = est._models[0], est._models[90]
    assert est._preferred == 90
    est.reset()
    # the graph that followed someone was shown one black image instead of being restarted
    # (a restart costs about 130 ms of CPU); the one that found nobody was left alone
    assert g90.calls == 2 and g90.resets == 0
    assert g0.calls == 1 and g0.resets == 0
    assert est._preferred == 0, "a fresh estimator tries rotation 0 first"
    est.estimate(img)
    assert g0.calls == 2, "rotation 0 is tried first again"
