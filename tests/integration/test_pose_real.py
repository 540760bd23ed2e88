"""MediaPipePose on real infant video and hand-labelled frames from ../shared/data.

Thresholds are what was measured on this project's machine (mediapipe 0.10.21, full model),
less a margin: every 3rd frame of the supine-kicking clip had a pose (235/235), mean knee/ankle
visibility 0.974, ankles below hips and the person's left on the image's right in every frame;
frames turned by 90/180/270 gave leg keypoints within a median 0.07-0.08 torso lengths of the
upright frame's (max 0.23); the 6 Train/Valid labelled frames were all found, each knee within
0.18 and each ankle within 0.16 torso lengths of its label (the 3 Test frames, a wrapped
newborn, were not found in any rotation). A .task bundle rebuilt offline from the wheel's
own models runs through the PoseLandmarker path.
"""

from __future__ import annotations

import gc
import json
import warnings
from pathlib import Path

import numpy as np
import pytest

from detector.pose import MediaPipePose, PoseEstimator, _rotate, _unrotate_points
from detector.track import KEYPOINT_NAMES

pytestmark = pytest.mark.real

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
CLIP = DATA / "real" / "infant_supine_kicking.mp4"
LABELLED = DATA / "real" / "infant_keypoints_labelled"
IDX = {n: i for i, n in enumerate(KEYPOINT_NAMES)}
LEGS = [IDX[n] for n in ("left_knee", "right_knee", "left_ankle", "right_ankle")]


def _need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"real test data not found: {path} (shared/data beside the checkout)")
    return path


@pytest.fixture(autouse=True)
def _mediapipe_warnings():
    # protobuf 4 warns about deprecated calls mediapipe makes; not ours to fix
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning, module="google.protobuf")
        warnings.filterwarnings("ignore", message=".*SymbolDatabase.GetPrototype.*")
        yield


@pytest.fixture(scope="module")
def clip_frames() -> list[np.ndarray]:
    import av

    with av.open(str(_need(CLIP))) as container:
        return [
            f.to_ndarray(format="rgb24")
            for i, f in enumerate(container.decode(video=0))
            if i % 3 == 0
        ]


def _torso(kp: np.ndarray) -> float:
    shoulders = kp[[IDX["left_shoulder"], IDX["right_shoulder"]]].mean(axis=0)
    hips = kp[[IDX["left_hip"], IDX["right_hip"]]].mean(axis=0)
    return float(np.linalg.norm(shoulders - hips))


def test_pose_found_in_real_kicking_clip(clip_frames):
    est = MediaPipePose()
    assert isinstance(est, PoseEstimator)
    results = [est.estimate(f) for f in clip_frames]
    est.close()
    found = [r for r in results if r is not None]
    assert len(found) >= 0.95 * len(clip_frames), f"pose in {len(found)}/{len(clip_frames)}"
    kp = np.array([r.keypoints_px for r in found])
    vis = np.array([r.visibility for r in found])
    assert vis[:, LEGS].mean() > 0.9
    assert np.mean(vis[:, LEGS].mean(axis=1) > 0.8) > 0.9
    # camera above, head at the top of the frame: a sane skeleton, the person's left on the right
    hip_y = kp[:, [IDX["left_hip"], IDX["right_hip"]], 1].mean(axis=1)
    ankle_y = kp[:, [IDX["left_ankle"], IDX["right_ankle"]], 1].mean(axis=1)
    assert np.mean(ankle_y > hip_y) > 0.95
    assert np.mean(kp[:, IDX["left_hip"], 0] > kp[:, IDX["right_hip"], 0]) > 0.95
    h, w = clip_frames[0].shape[:2]
    assert np.all((kp[:, LEGS, 0] > -0.1 * w) & (kp[:, LEGS, 0] < 1.1 * w))


@pytest.mark.parametrize("rotation", [90, 180, 270])
def test_turned_frames_map_back_onto_upright_keypoints(clip_frames, rotation):
    upright = MediaPipePose(tracking=False, rotations=(0,))
    turned = MediaPipePose(tracking=False)
    errors = []
    for frame in clip_frames[::10]:
        ref = upright.estimate(frame)
        res = turned.estimate(_rotate(frame, rotation))
        assert ref is not None and res is not None
        h, w = frame.shape[:2]
        back = _unrotate_points(res.keypoints_px, rotation, w, h)
        legs = slice(IDX["left_hip"], None)
        dist = np.linalg.norm(back[legs] - ref.keypoints_px[legs], axis=1)
        errors.append(dist.max() / _torso(ref.keypoints_px))
    assert np.median(errors) < 0.15, errors
    assert np.max(errors) < 0.4, errors


def _labels(ann: Path) -> dict[str, np.ndarray]:
    return {s["label"]: np.array(s["points"][0]) for s in json.loads(ann.read_text())["shapes"]}


def test_labelled_frames_found_with_small_leg_errors():
    import cv2

    anns = sorted(_need(LABELLED).glob("*/ann/*.json"))
    train_valid = [a for a in anns if a.parent.parent.name in ("Train", "Valid")]
    assert len(train_valid) == 6
    est = MediaPipePose(tracking=False)
    found = 0
    for ann in train_valid:
        bgr = cv2.imread(str(ann.parent.parent / "img" / f"{ann.stem}.jpg"))
        res = est.estimate(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
        if res is None:
            continue
        found += 1
        lab = _labels(ann)
        torso = np.linalg.norm(
            (lab["Shoulder_L"] + lab["Shoulder_R"]) / 2 - (lab["Hip_L"] + lab["Hip_R"]) / 2
        )
        for joint, limit in (("knee", 0.3), ("ankle", 0.2)):
            for side in ("left", "right"):
                pred = res.keypoints_px[IDX[f"{side}_{joint}"]]
                true = lab[f"{joint.capitalize()}_{side[0].upper()}"]  # labels: person's side
                err = np.linalg.norm(pred - true) / torso
                assert err < limit, f"{ann.stem} {side} {joint}: {err:.2f} torso lengths"
    est.close()
    assert found >= 6


def _bundle_from_bundled_models(path: Path) -> Path:
    """A PoseLandmarker .task built offline from the models inside the mediapipe wheel."""
    import mediapipe
    from mediapipe.tasks.python.metadata.metadata_writers import metadata_writer as mw
    from mediapipe.tasks.python.metadata.metadata_writers import model_asset_bundle_utils as mab

    modules = Path(mediapipe.__file__).parent / "modules"

    def with_input_metadata(tflite: Path, mean: float, std: float) -> bytes:
        writer = mw.MetadataWriter.create(bytearray(tflite.read_bytes()))
        model, _ = writer.add_general_info(tflite.stem).add_image_input([mean], [std]).populate()
        return bytes(model)

    with warnings.catch_warnings():
        # mediapipe's metadata writer leaves a temporary file open: ResourceWarning, not ours
        warnings.simplefilter("ignore", ResourceWarning)
        models = {
            # the pose detector takes pixels in -1..1, the landmark model in 0..1
            "pose_detector.tflite": with_input_metadata(
                modules / "pose_detection" / "pose_detection.tflite", 127.5, 127.5
            ),
            "pose_landmarks_detector.tflite": with_input_metadata(
                modules / "pose_landmark" / "pose_landmark_full.tflite", 0.0, 255.0
            ),
        }
        gc.collect()
    mab.create_model_asset_bundle(models, str(path))
    return path


def test_task_bundle_as_model_path(clip_frames, tmp_path, monkeypatch):
    from detector.pose import pose_default

    task = _bundle_from_bundled_models(tmp_path / "pose_full_rebuilt.task")
    monkeypatch.setenv("LEGMOVE_POSE_MODEL", str(task))
    est = pose_default()
    assert est.name == "mediapipe-pose-task-pose_full_rebuilt"
    ref = MediaPipePose(tracking=False)
    for frame in clip_frames[::40]:
        res, want = est.estimate(frame), ref.estimate(frame)
        assert res is not None and want is not None
        assert res.visibility[LEGS].mean() > 0.8
        dist = np.linalg.norm(res.keypoints_px - want.keypoints_px, axis=1)
        assert np.median(dist) / _torso(want.keypoints_px) < 0.1
    est.close()


def test_full_model_through_the_edited_graph_equals_mediapipes_own(clip_frames):
    """The lite/heavy path (mediapipe's pose graph with the model file's path put into it),
    run on the wheel's full model, gives exactly what mediapipe.solutions.pose gives."""
    import mediapipe as mp

    from detector.pose import _solution_with_model, pose_model_file

    ours = _solution_with_model(pose_model_file(1), 1, tracking=True, min_detection_confidence=0.5)
    theirs = mp.solutions.pose.Pose(model_complexity=1, smooth_landmarks=False)
    for frame in clip_frames[:15]:
        a, b = ours.process(frame).pose_landmarks, theirs.process(frame).pose_landmarks
        assert a is not None and b is not None
        xy_a = np.array([(p.x, p.y) for p in a.landmark])
        xy_b = np.array([(p.x, p.y) for p in b.landmark])
        np.testing.assert_array_equal(xy_a, xy_b)
    ours.close()
    theirs.close()


@pytest.mark.parametrize("model", ["lite", "heavy"])
def test_lite_and_heavy_run_offline_on_the_real_infant(clip_frames, model, monkeypatch):
    """The shipped models load without the network (a connection attempt fails the test) and
    find the kicking infant, with the legs below the hips, close to the full model's."""
    import socket

    from detector.pose import pose_default

    def refuse(*args, **kwargs):
        raise AssertionError(f"the {model} model tried to use the network")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    est, full = pose_default(model), pose_default("full")
    assert est.name == f"mediapipe-pose-{model}"
    frames = clip_frames[::12]
    dists = []
    for frame in frames:
        res, ref = est.estimate(frame), full.estimate(frame)
        assert res is not None and ref is not None
        assert res.visibility[LEGS].mean() > 0.8
        hip_y = res.keypoints_px[[IDX["left_hip"], IDX["right_hip"]], 1].mean()
        assert res.keypoints_px[[IDX["left_ankle"], IDX["right_ankle"]], 1].mean() > hip_y
        dists.append(np.linalg.norm(res.keypoints_px[LEGS] - ref.keypoints_px[LEGS], axis=1))
        dists[-1] /= _torso(ref.keypoints_px)
    # measured: median 0.063 (lite) and 0.061 (heavy) torso lengths from full on these frames
    assert np.median(dists) < 0.15
    est.close()
    full.close()
