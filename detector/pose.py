"""Pose estimation: keypoints of the baby in one RGB frame, behind a small protocol.

- :class:`PoseEstimator` is what the rest of legmove codes against.
- :class:`MediaPipePose` runs MediaPipe Pose offline, with one of three landmark models
  (:data:`POSE_MODELS`): ``full`` is the one bundled in the mediapipe 0.10.21 wheel
  (``pose_landmark_full.tflite``); ``lite`` and ``heavy`` (``pose_landmark_lite.tflite``,
  ``pose_landmark_heavy.tflite``, Apache-2.0, from the npm package ``@mediapipe/pose``) are
  shipped in the checkout's ``models/`` folder (:func:`pose_model_file`) and run through the
  same ``mediapipe.solutions.pose`` graph with the model file's path put into it — mediapipe
  itself would try to download them. ``model_path`` (or a path in the ``LEGMOVE_POSE_MODEL``
  environment variable, read by :func:`pose_default`) may instead name a MediaPipe ``.task``
  bundle, run through ``mediapipe.tasks`` ``PoseLandmarker`` in IMAGE mode. legmove never
  downloads a model.
- An infant may lie at any angle, and MediaPipe finds people best upright, so
  :class:`MediaPipePose` retries a frame rotated by 90/180/270 degrees when the pose is missing or
  weak, keeps the best result, and maps the keypoints back to the frame it was given.
- :class:`FakePose` plays back scripted results for unit tests.

Rotations are clockwise, in degrees. With ``(x, y)`` continuous pixel coordinates of a
``W``x``H`` frame (pixel ``i`` spans ``i..i+1``), the rotated frame's ``(x', y')`` is
``(H - y, x)`` at 90, ``(W - x, H - y)`` at 180 and ``(y, W - x)`` at 270.

mediapipe is imported only when a :class:`MediaPipePose` first runs a model.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple, Protocol, runtime_checkable

import numpy as np

from detector.track import KEYPOINT_NAMES

__all__ = [
    "PoseResult",
    "PoseEstimator",
    "MediaPipePose",
    "FakePose",
    "CropOffset",
    "MEDIAPIPE_LANDMARK_INDEX",
    "pose_score",
    "pose_crop",
    "pose_uncrop",
    "pose_default",
    "pose_model_file",
    "POSE_MODELS",
    "DEFAULT_POSE_MODEL",
    "MODELS_DIR",
]

logger = logging.getLogger(__name__)

#: Index of each of :data:`KEYPOINT_NAMES` among MediaPipe Pose's 33 landmarks.
#: MediaPipe's "left" is the person's left (on the image's right when they face the camera).
MEDIAPIPE_LANDMARK_INDEX: dict[str, int] = {
    "nose": 0,
    "left_shoulder": 11,
    "right_shoulder": 12,
    "left_hip": 23,
    "right_hip": 24,
    "left_knee": 25,
    "right_knee": 26,
    "left_ankle": 27,
    "right_ankle": 28,
}
_MP_IDX = np.array([MEDIAPIPE_LANDMARK_INDEX[n] for n in KEYPOINT_NAMES], dtype=np.intp)
_LEG_IDX = np.array(
    [KEYPOINT_NAMES.index(n) for n in KEYPOINT_NAMES if n.endswith(("hip", "knee", "ankle"))]
)
_BUNDLED = {0: "pose_landmark_lite", 1: "pose_landmark_full", 2: "pose_landmark_heavy"}
_ROTATIONS = (0, 90, 180, 270)
#: shown to a tracking graph to make it lose the person it follows (see MediaPipePose.reset)
_FLUSH_IMAGE = np.zeros((32, 32, 3), np.uint8)
ENV_MODEL = "LEGMOVE_POSE_MODEL"

#: The landmark models by name, with their ``model_complexity``.
POSE_MODELS: dict[str, int] = {"lite": 0, "full": 1, "heavy": 2}
#: The model legmove uses unless told otherwise (best per cost on infants: docs/BENCHMARKS.md).
DEFAULT_POSE_MODEL = "full"
#: Where the checkout ships the landmark models the mediapipe wheel lacks.
MODELS_DIR = Path(__file__).resolve().parents[1] / "models"
#: SHA-256 of the shipped models (npm @mediapipe/pose 0.5.1675469404; its full model is
#: byte-identical to the wheel's): a truncated copy or a Git LFS pointer is refused by name.
_SHIPPED_SHA256 = {
    "pose_landmark_lite": "f17bfbecadb61c3be1baa8b8d851cc6619c870a87167b32848ad20db306b9d61",
    "pose_landmark_heavy": "59e42d71bcd44cbdbabc419f0ff76686595fd265419566bd4009ef703ea8e1fe",
}
_GRAPH = "mediapipe/modules/pose_landmark/pose_landmark_cpu.binarypb"


def pose_score(visibility: np.ndarray) -> float:
    """Overall confidence of a pose: mean visibility of the hips, knees and ankles."""
    return float(np.mean(np.asarray(visibility, dtype=np.float64)[_LEG_IDX]))


@dataclass(frozen=True, eq=False)
class PoseResult:
    """One pose: keypoints (K, 2) as x, y in pixels, visibility (K,) in 0..1, overall score."""

    keypoints_px: np.ndarray
    visibility: np.ndarray
    score: float

    def __post_init__(self) -> None:
        k = len(KEYPOINT_NAMES)
        kp = np.asarray(self.keypoints_px, dtype=np.float32)
        vis = np.asarray(self.visibility, dtype=np.float32)
        if kp.shape != (k, 2):
            raise ValueError(f"keypoints_px must have shape ({k}, 2), got {kp.shape}")
        if vis.shape != (k,):
            raise ValueError(f"visibility must have shape ({k},), got {vis.shape}")
        if not (np.all(vis >= 0) and np.all(vis <= 1)):
            raise ValueError("visibility must lie in 0..1")
        object.__setattr__(self, "keypoints_px", kp)
        object.__setattr__(self, "visibility", vis)
        object.__setattr__(self, "score", float(self.score))


@runtime_checkable
class PoseEstimator(Protocol):
    """Finds one person's keypoints in an RGB frame."""

    name: str
    version: str

    def estimate(self, rgb: np.ndarray) -> PoseResult | None:
        """Pose in ``rgb`` (uint8, H x W x 3), in its pixel coordinates; None when no person."""
        ...

    def reset(self) -> None:
        """Forget tracking state (at a segment boundary, after a seek, at a sync point): the
        next call gives what a fresh estimator would give."""
        ...

    def close(self) -> None: ...


# --- rotation geometry ----------------------------------------------------------------------
def _rotate(rgb: np.ndarray, rotation: int) -> np.ndarray:
    """``rgb`` rotated clockwise by ``rotation`` degrees (0, 90, 180 or 270), contiguous."""
    return np.ascontiguousarray(np.rot90(rgb, k=-(rotation // 90)))


def _unrotate_points(xy: np.ndarray, rotation: int, width: int, height: int) -> np.ndarray:
    """Map points (N, 2) of the frame rotated by ``rotation`` back to the ``width`` x ``height``
    frame (see the module doc for the convention)."""
    xr, yr = xy[:, 0], xy[:, 1]
    if rotation == 0:
        x, y = xr, yr
    elif rotation == 90:
        x, y = yr, height - xr
    elif rotation == 180:
        x, y = width - xr, height - yr
    elif rotation == 270:
        x, y = width - yr, xr
    else:
        raise ValueError(f"rotation must be one of {_ROTATIONS}, got {rotation}")
    return np.stack([x, y], axis=1).astype(np.float32)


def _landmarks_to_result(
    xy_norm: np.ndarray, visibility: np.ndarray, width: int, height: int
) -> PoseResult:
    """A :class:`PoseResult` from MediaPipe's 33 normalised landmarks (33, 2) and visibility."""
    kp = np.asarray(xy_norm, dtype=np.float64)[_MP_IDX] * np.array([width, height])
    vis = np.clip(np.nan_to_num(np.asarray(visibility, dtype=np.float32)[_MP_IDX]), 0.0, 1.0)
    return PoseResult(keypoints_px=kp, visibility=vis, score=pose_score(vis))


def _as_rgb(rgb: np.ndarray) -> np.ndarray:
    a = np.asarray(rgb)
    if a.dtype != np.uint8:
        raise ValueError(f"pose needs a uint8 image, got dtype {a.dtype}")
    if a.ndim == 2 or (a.ndim == 3 and a.shape[2] == 1):  # grey / infrared frame
        a = np.repeat(a.reshape(a.shape[0], a.shape[1], 1), 3, axis=2)
    if a.ndim != 3 or a.shape[2] != 3 or a.shape[0] < 1 or a.shape[1] < 1:
        raise ValueError(f"pose needs an RGB image of shape (H, W, 3), got {a.shape}")
    return a


# --- MediaPipe ------------------------------------------------------------------------------
def _mediapipe_dir() -> Path:
    spec = importlib.util.find_spec("mediapipe")  # locates the package without importing it
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("mediapipe is not installed (legmove pins mediapipe==0.10.21)")
    return Path(next(iter(spec.submodule_search_locations)))


def _sha256(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def pose_model_file(model_complexity: int) -> Path:
    """The landmark model file of ``model_complexity`` (0 lite, 1 full, 2 heavy).

    ``full`` is the wheel's own; ``lite`` and ``heavy`` are the ones shipped in
    :data:`MODELS_DIR` (checked against their SHA-256), else a copy a user put into the
    installed mediapipe package's ``modules/pose_landmark/`` folder. Raises
    ``FileNotFoundError`` naming where it looked: legmove never downloads a model.
    """
    if model_complexity not in _BUNDLED:
        raise ValueError(f"model_complexity must be 0, 1 or 2, got {model_complexity!r}")
    stem = _BUNDLED[model_complexity]
    in_wheel = _mediapipe_dir() / "modules" / "pose_landmark" / f"{stem}.tflite"
    if stem in _SHIPPED_SHA256:
        shipped = MODELS_DIR / f"{stem}.tflite"
        if shipped.is_file():
            if _sha256(shipped) != _SHIPPED_SHA256[stem]:
                raise FileNotFoundError(
                    f"{shipped} is not the shipped {stem} model (its SHA-256 differs: a "
                    "partial copy, or a Git LFS pointer?) — restore it from the legmove "
                    "checkout (models/README.md says where it came from)"
                )
            return shipped
        if in_wheel.is_file():
            return in_wheel
        raise FileNotFoundError(
            f"pose model file not found: {shipped} (nor {in_wheel}) — the {stem} model ships "
            "in legmove's models/ folder; restore it from the checkout, or choose "
            "--pose-model full (the model inside the mediapipe wheel). legmove never "
            "downloads models"
        )
    if not in_wheel.is_file():
        raise FileNotFoundError(
            f"pose model file not found: {in_wheel} — the mediapipe wheel (0.10.21) ships it; "
            "reinstall mediapipe==0.10.21. legmove never downloads models"
        )
    return in_wheel


class MediaPipePose:
    """MediaPipe Pose, offline, trying several orientations of each frame (see module doc).

    ``model_complexity`` chooses the landmark model (0 lite, 1 full, 2 heavy; see
    :func:`pose_model_file` for where each is found). ``model_path`` instead names a MediaPipe
    ``.task`` bundle (e.g. ``pose_landmarker_heavy.task``), run in IMAGE mode (no tracking).
    ``tracking`` lets MediaPipe follow the person from the previous frame instead of detecting
    anew each frame (faster, steadier; call :meth:`reset` after a seek). A result whose
    :func:`pose_score` is below ``weak_score`` makes the other rotations be tried too.
    MediaPipe's own landmark smoothing is off: the pipeline filters keypoint tracks itself.
    """

    def __init__(
        self,
        model_complexity: int = 1,
        min_detection_confidence: float = 0.5,
        rotations: Sequence[int] = _ROTATIONS,
        model_path: str | os.PathLike[str] | None = None,
        tracking: bool = True,
        *,
        weak_score: float = 0.5,
    ) -> None:
        if model_complexity not in _BUNDLED:
            raise ValueError(f"model_complexity must be 0, 1 or 2, got {model_complexity!r}")
        for arg, value in (
            ("min_detection_confidence", min_detection_confidence),
            ("weak_score", weak_score),
        ):
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{arg} must lie in 0..1, got {value}")
        rots = tuple(int(r) for r in rotations)
        if not rots or any(r not in _ROTATIONS for r in rots) or len(set(rots)) != len(rots):
            raise ValueError(
                f"rotations must be distinct values from {_ROTATIONS}, got {rotations}"
            )
        self.model_complexity = model_complexity
        self.min_detection_confidence = float(min_detection_confidence)
        self.rotations = rots
        self.tracking = bool(tracking)
        self.weak_score = float(weak_score)
        #: rotation (degrees clockwise) that gave the last returned result, None if none
        self.last_rotation: int | None = None
        self._preferred = rots[0]
        self._prev_rotation: int | None = None  # rotation that won on the previous frame
        self._models: dict[int, Any] = {}  # one MediaPipe graph per rotation, made on first use
        self._tracked: set[int] = set()  # rotations whose graph follows a person from before
        self._closed = False
        try:
            mp_version = importlib.metadata.version("mediapipe")
        except importlib.metadata.PackageNotFoundError:
            mp_version = "unknown"
        if model_path is not None and os.fspath(model_path) != "":
            path = Path(model_path).expanduser().resolve()
            if not path.is_file():
                raise FileNotFoundError(f"pose model file not found: {path}")
            if path.suffix.lower() != ".task":
                raise ValueError(
                    f"{path}: model_path must be a MediaPipe .task bundle (PoseLandmarker); "
                    "the lite and heavy landmark models (.tflite) ship in legmove's models/ "
                    "folder: choose them with model_complexity=0 or 2 (--pose-model lite "
                    "or heavy)"
                )
            self.model_path: Path | None = path
            self.name = f"mediapipe-pose-task-{path.stem}"
            with path.open("rb") as fh:
                digest = hashlib.file_digest(fh, "sha256").hexdigest()[:16]
            self.version = f"mediapipe {mp_version}, {path.name} sha256:{digest}"
            self.landmark_file: Path | None = None
        else:
            self.model_path = None
            self.landmark_file = pose_model_file(model_complexity)
            stem = _BUNDLED[model_complexity]
            self.name = f"mediapipe-pose-{stem.rsplit('_', 1)[1]}"
            self.version = f"mediapipe {mp_version}, {stem}"
            if stem in _SHIPPED_SHA256:  # the file legmove ships, not the wheel's
                self.version += f" sha256:{_SHIPPED_SHA256[stem][:16]}"

    # --- public ------------------------------------------------------------------------------
    def estimate(self, rgb: np.ndarray) -> PoseResult | None:
        if self._closed:
            raise RuntimeError(f"{self.name}: estimate() after close()")
        img = _as_rgb(rgb)
        height, width = img.shape[:2]
        order = [self._preferred] + [r for r in self.rotations if r != self._preferred]
        best: PoseResult | None = None
        best_rot: int | None = None
        for rot in order:
            res = self._detect_upright(_rotate(img, rot), rot)
            if res is None:
                continue
            if best is None or res.score > best.score:
                kp = _unrotate_points(res.keypoints_px, rot, width, height)
                best = PoseResult(keypoints_px=kp, visibility=res.visibility, score=res.score)
                best_rot = rot
            if best.score >= self.weak_score:
                break
        self._prev_rotation = best_rot
        self.last_rotation = best_rot
        if best_rot is not None and best_rot != self._preferred:
            logger.debug("%s: pose found at rotation %d now", self.name, best_rot)
            self._preferred = best_rot
        return best

    def reset(self) -> None:
        """Forget the person followed and the preferred rotation: the next call gives what a
        fresh estimator gives. A graph that follows someone is shown a black image, on which
        it loses them (as a fresh graph, it then detects anew; about 20 ms, where restarting
        the graph costs about 130 ms of CPU and 0.4 s of waiting for its threads)."""
        for rot in self._tracked:
            model = self._models[rot]
            if model.process(_FLUSH_IMAGE).pose_landmarks is not None:  # never seen so far
                model.reset()
        self._tracked.clear()
        self._preferred = self.rotations[0]
        self._prev_rotation = None
        self.last_rotation = None

    def close(self) -> None:
        for model in self._models.values():
            model.close()
        self._models.clear()
        self._tracked.clear()
        self._closed = True

    # --- the model, on one upright image ------------------------------------------------------
    def _detect_upright(self, rgb: np.ndarray, rotation: int) -> PoseResult | None:
        """Pose in ``rgb`` (already rotated by ``rotation``), in ``rgb``'s pixel coordinates.

        The hook the rotation search calls; tests override it to run without mediapipe.
        """
        if self.model_path is not None:
            import mediapipe as mp

            if 0 not in self._models:  # one stateless PoseLandmarker serves every rotation
                self._models[0] = self._make_task_model()
            image = mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb)
            found = self._models[0].detect(image).pose_landmarks
            lms = found[0] if found else None
        else:
            model = self._models.get(rotation)
            if model is None:
                model = self._models[rotation] = self._make_solution_model()
            elif rotation in self._tracked and self._prev_rotation != rotation:
                model.reset()  # it follows a person from an older frame: detect anew instead
            found = model.process(rgb).pose_landmarks
            lms = found.landmark if found is not None else None
            if lms is not None and self.tracking:
                self._tracked.add(rotation)
            else:
                self._tracked.discard(rotation)
        if lms is None:
            return None
        xy = np.array([(p.x, p.y) for p in lms], dtype=np.float64)
        vis = np.array([p.visibility for p in lms], dtype=np.float32)
        return _landmarks_to_result(xy, vis, rgb.shape[1], rgb.shape[0])

    def _make_solution_model(self) -> Any:
        import mediapipe as mp

        if self.model_complexity == 1:  # the wheel's own model: mediapipe's own entry point
            return mp.solutions.pose.Pose(
                static_image_mode=not self.tracking,
                model_complexity=1,
                smooth_landmarks=False,
                enable_segmentation=False,
                min_detection_confidence=self.min_detection_confidence,
                min_tracking_confidence=0.5,
            )
        if self.landmark_file is None:  # only a .task bundle has none, and it never gets here
            raise RuntimeError(f"{self.name}: no landmark model file")
        return _solution_with_model(
            self.landmark_file,
            self.model_complexity,
            tracking=self.tracking,
            min_detection_confidence=self.min_detection_confidence,
        )

    def _make_task_model(self) -> Any:
        from mediapipe.tasks.python import BaseOptions, vision

        options = vision.PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(self.model_path)),
            running_mode=vision.RunningMode.IMAGE,
            num_poses=1,
            min_pose_detection_confidence=self.min_detection_confidence,
        )
        return vision.PoseLandmarker.create_from_options(options)


def _solution_with_model(
    landmark_file: Path, model_complexity: int, *, tracking: bool, min_detection_confidence: float
) -> Any:
    """``mediapipe.solutions.pose.Pose`` (same graph, same options as legmove's full-model
    path) reading its landmark model from ``landmark_file``.

    mediapipe's ``Pose`` would download the lite or heavy model into its own package
    folder. Instead the pose graph is expanded (its subgraphs inlined) and the model path
    the ``model_complexity`` switch selects is replaced by the absolute path of
    ``landmark_file``; mediapipe reads an absolute resource path as it stands.
    """
    from mediapipe.calculators.core import constant_side_packet_calculator_pb2 as csp
    from mediapipe.framework import calculator_pb2
    from mediapipe.python._framework_bindings import validated_graph_config
    from mediapipe.python.solution_base import SolutionBase

    root = _mediapipe_dir().parent
    graph = validated_graph_config.ValidatedGraphConfig()
    graph.initialize(binary_graph_path=str(root / _GRAPH))
    config = calculator_pb2.CalculatorGraphConfig()
    config.ParseFromString(graph.binary_config)
    wanted = f"mediapipe/modules/pose_landmark/{_BUNDLED[model_complexity]}.tflite"
    replaced = 0
    for node in config.node:
        if node.calculator != "ConstantSidePacketCalculator":
            continue
        options = node.options.Extensions[csp.ConstantSidePacketCalculatorOptions.ext]
        for packet in options.packet:
            if packet.string_value == wanted:
                packet.string_value = str(landmark_file)
                replaced += 1
    if replaced != 1:
        raise RuntimeError(
            f"mediapipe's pose graph ({_GRAPH}) names {wanted} {replaced} times, not once: "
            "this mediapipe is not the 0.10.21 legmove pins"
        )

    class _Pose(SolutionBase):  # type: ignore[misc]
        def process(self, image: np.ndarray) -> Any:
            return super().process(input_data={"image": image})

    return _Pose(
        graph_config=config,
        side_inputs={
            "model_complexity": model_complexity,
            "smooth_landmarks": False,
            "enable_segmentation": False,
            "smooth_segmentation": False,
            "use_prev_landmarks": tracking,
        },
        calculator_params={
            "posedetectioncpu__TensorsToDetectionsCalculator.min_score_thresh": (
                min_detection_confidence
            ),
            "poselandmarkbyroicpu__tensorstoposelandmarksandsegmentation__"
            "ThresholdingCalculator.threshold": 0.5,
        },
        outputs=["pose_landmarks"],
    )


def pose_default(model: str | None = None) -> MediaPipePose:
    """The pose estimator legmove uses: :class:`MediaPipePose` with the landmark model
    ``model`` (a name of :data:`POSE_MODELS`), else the ``LEGMOVE_POSE_MODEL`` environment
    variable — a model name, or the path of a ``.task`` bundle — else
    :data:`DEFAULT_POSE_MODEL`."""
    choice = model or os.environ.get(ENV_MODEL) or DEFAULT_POSE_MODEL
    if choice in POSE_MODELS:
        return MediaPipePose(POSE_MODELS[choice])
    if model is not None:
        raise ValueError(f"pose model must be one of {', '.join(POSE_MODELS)}, got {model!r}")
    return MediaPipePose(model_path=choice)


# --- cropping -------------------------------------------------------------------------------
class CropOffset(NamedTuple):
    """Where a crop came from: crop pixel ``(x, y)`` is frame pixel
    ``(x / scale_x + x0, y / scale_y + y0)``."""

    x0: int
    y0: int
    scale_x: float = 1.0
    scale_y: float = 1.0

    def to_frame(self, xy: np.ndarray) -> np.ndarray:
        scale = np.array([self.scale_x, self.scale_y])
        return (np.asarray(xy, dtype=np.float64) / scale + (self.x0, self.y0)).astype(np.float32)


def pose_crop(
    rgb: np.ndarray,
    box_xyxy: Sequence[float],
    margin: float = 0.25,
    max_side_px: int | None = None,
) -> tuple[np.ndarray, CropOffset]:
    """Crop ``rgb`` around ``box_xyxy`` grown by ``margin`` x its size on each side (clipped to
    the frame), optionally shrunk so its longer side is at most ``max_side_px``.

    Map a pose found in the crop back with :func:`pose_uncrop`.
    """
    if margin < 0:
        raise ValueError(f"margin must be >= 0, got {margin}")
    height, width = rgb.shape[:2]
    x0, y0, x1, y1 = (float(v) for v in box_xyxy)
    if not (x1 > x0 and y1 > y0):
        raise ValueError(f"box_xyxy must have x1 > x0 and y1 > y0, got {tuple(box_xyxy)}")
    mx, my = margin * (x1 - x0), margin * (y1 - y0)
    cx0, cy0 = max(0, int(np.floor(x0 - mx))), max(0, int(np.floor(y0 - my)))
    cx1, cy1 = min(width, int(np.ceil(x1 + mx))), min(height, int(np.ceil(y1 + my)))
    if cx1 <= cx0 or cy1 <= cy0:
        raise ValueError(f"box_xyxy {tuple(box_xyxy)} lies outside the {width}x{height} frame")
    crop, (w, h) = rgb[cy0:cy1, cx0:cx1], (cx1 - cx0, cy1 - cy0)
    if max_side_px is not None and max(w, h) > max_side_px:
        import cv2

        scale = max_side_px / max(w, h)
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        crop = cv2.resize(crop, size, interpolation=cv2.INTER_AREA)
        return crop, CropOffset(cx0, cy0, size[0] / w, size[1] / h)
    return np.ascontiguousarray(crop), CropOffset(cx0, cy0)


def pose_uncrop(result: PoseResult | None, offset: CropOffset) -> PoseResult | None:
    """``result`` found in a crop made by :func:`pose_crop`, in the full frame's pixels."""
    if result is None:
        return None
    return PoseResult(offset.to_frame(result.keypoints_px), result.visibility, result.score)


# --- for tests ------------------------------------------------------------------------------
class FakePose:
    """A :class:`PoseEstimator` that plays back scripted results, for unit tests.

    ``script`` is a sequence (the i-th call returns its i-th item; None once it runs out) or a
    callable taking the frame. ``calls``, ``resets``, ``closed`` and ``frames_shape`` record use.
    """

    def __init__(
        self,
        script: Sequence[PoseResult | None] | Callable[[np.ndarray], PoseResult | None],
        name: str = "fake-pose",
        version: str = "fake 1",
    ) -> None:
        self.name = name
        self.version = version
        self._script = script
        self.calls = 0
        self.resets = 0
        self.closed = False
        self.frames_shape: list[tuple[int, ...]] = []

    def estimate(self, rgb: np.ndarray) -> PoseResult | None:
        if self.closed:
            raise RuntimeError("FakePose.estimate() after close()")
        i = self.calls
        self.calls += 1
        self.frames_shape.append(tuple(np.shape(rgb)))
        if callable(self._script):
            return self._script(rgb)
        return self._script[i] if i < len(self._script) else None

    def reset(self) -> None:
        self.resets += 1

    def close(self) -> None:
        self.closed = True
