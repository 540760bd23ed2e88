"""How well does each pose model find an infant's hips, knees and ankles — and how fast?

Two tables, for the lite, full and heavy landmark models (``detector.pose.POSE_MODELS``):

1. **Hand-labelled frames** (``real/infant_keypoints_labelled``: 9 frames of 3 infants on
   their backs, labelme JSON with labels like ``Knee_L``), each frame detected anew (no
   tracking), every rotation tried: frames found n/N; per joint the median error in torso
   lengths (torso = labelled shoulder midpoint to labelled hip midpoint; left and right
   both counted); PCK@0.2 and PCK@0.5 (share of the detected hips, knees and ankles within
   0.2 / 0.5 torso lengths of their label); left/right swaps (frames whose labels fit
   better mirrored); the predicted leg-to-torso ratio (thigh + shin over torso, each from
   the model's own points) over the labelled one; the median error of the image-plane knee
   angle; CPU ms per frame. A row ``+ body model`` puts the hips where
   :func:`pipeline.scoring.kinematics.hips_corrected` does, fitted per infant from that
   infant's own detected frames (a "night" of three frames), and measures again.
2. **Real clips** (``real/infant_supine_kicking.mp4``, ``real/infant_crib_sleeping.mp4``),
   every frame, with tracking as legmove runs it: frames with a pose n/N, mean knee/ankle
   visibility, frames whose legs are crossed over (the quality check's left/right factor
   below 0.5), the median leg-to-torso ratio without and with the body model, the
   keypoint noise on the kicking clip's two still spells (28-31 s, 36-39 s: median knee/
   ankle speed in body lengths/s, as the signal stage measures it), CPU and wall ms per
   frame.

The sample is small — 6 frames of 2 infants found, 2 clips — so read differences of a few
hundredths of a torso length as noise. ::

    .venv/bin/python -m bench.pose_accuracy [--data DIR] [--models lite,full,heavy]
        [--markdown] [--no-clips]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench.accuracy import format_table
from detector.pose import POSE_MODELS, MediaPipePose, PoseResult
from detector.track import KEYPOINT_NAMES, NightTrack

__all__ = ["frame_score", "load_labels", "main", "run_clips", "run_labelled"]

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
LABELLED = Path("real") / "infant_keypoints_labelled"
KICKING = Path("real") / "infant_supine_kicking.mp4"
CRIB = Path("real") / "infant_crib_sleeping.mp4"
STILL_SPELLS_S = ((28.0, 31.0), (36.0, 39.0))  # the kicking clip's still spells
JOINTS = ("hip", "knee", "ankle")
IDX = {n: i for i, n in enumerate(KEYPOINT_NAMES)}


def load_labels(ann: Path) -> dict[str, np.ndarray]:
    """labelme points by label name, e.g. ``{"Knee_L": array([x, y])}``."""
    shapes = json.loads(ann.read_text())["shapes"]
    return {s["label"]: np.asarray(s["points"][0], dtype=np.float64) for s in shapes}


def _angle(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> float:
    """The angle at ``b`` (degrees) between ``a`` and ``c``."""
    u, v = a - b, c - b
    cos = float(u @ v / (np.linalg.norm(u) * np.linalg.norm(v)))
    return float(np.degrees(np.arccos(np.clip(cos, -1.0, 1.0))))


@dataclass
class FrameScore:
    """One labelled frame against one model's pose (errors in labelled torso lengths)."""

    errors: dict[str, list[float]]  # joint -> [left, right]
    mirrored: bool  # the labels' left and right fit better swapped
    leg_ratio: float  # predicted leg/torso over labelled leg/torso (mean of both legs)
    knee_angle_err: list[float]  # degrees, left and right


def frame_score(kp: np.ndarray, lab: dict[str, np.ndarray]) -> FrameScore:
    """Score keypoints ``kp`` (K, 2) against the labels of one frame (better L/R matching)."""
    sh_l = (lab["Shoulder_L"] + lab["Shoulder_R"]) / 2
    hip_l = (lab["Hip_L"] + lab["Hip_R"]) / 2
    torso = float(np.linalg.norm(sh_l - hip_l))

    def errs(mirror: bool) -> dict[str, list[float]]:
        out: dict[str, list[float]] = {}
        for joint in (*JOINTS, "shoulder"):
            d = []
            for side, tag in (("left", "L"), ("right", "R")):
                if mirror:
                    tag = "R" if tag == "L" else "L"
                pred = kp[IDX[f"{side}_{joint}"]]
                d.append(float(np.linalg.norm(pred - lab[f"{joint.capitalize()}_{tag}"]) / torso))
            out[joint] = d
        return out

    as_is, swapped = errs(False), errs(True)
    mirrored = sum(map(sum, swapped.values())) < sum(map(sum, as_is.values()))
    sh_p = (kp[IDX["left_shoulder"]] + kp[IDX["right_shoulder"]]) / 2
    hip_p = (kp[IDX["left_hip"]] + kp[IDX["right_hip"]]) / 2
    torso_p = float(np.linalg.norm(sh_p - hip_p))
    ratios, knee_err = [], []
    for side, tag in (("left", "L"), ("right", "R")):
        if mirrored:
            tag = "R" if tag == "L" else "L"
        h, k, a = (kp[IDX[f"{side}_{j}"]] for j in JOINTS)
        hl, kl, al = (lab[f"{j.capitalize()}_{tag}"] for j in JOINTS)
        pred = (np.linalg.norm(h - k) + np.linalg.norm(k - a)) / torso_p
        true = (np.linalg.norm(hl - kl) + np.linalg.norm(kl - al)) / torso
        ratios.append(float(pred / true))
        knee_err.append(abs(_angle(h, k, a) - _angle(hl, kl, al)))
    return FrameScore(swapped if mirrored else as_is, mirrored, float(np.mean(ratios)), knee_err)


@contextmanager
def _timed(acc: list[float]) -> Iterator[None]:
    c0, w0 = time.process_time(), time.perf_counter()
    yield
    acc[0] += time.process_time() - c0
    acc[1] += time.perf_counter() - w0


def _labelled_frames(data: Path) -> list[tuple[str, np.ndarray, dict[str, np.ndarray]]]:
    import cv2

    root = data / LABELLED
    anns = sorted(root.glob("*/ann/*.json"))
    if not anns:
        sys.exit(f"no labelled frames under {root}")
    out = []
    for ann in anns:
        img = ann.parent.parent / "img" / f"{ann.stem}.jpg"
        bgr = cv2.imread(str(img))
        if bgr is None:
            sys.exit(f"cannot read {img}")
        out.append((ann.stem, cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), load_labels(ann)))
    return out


def _as_track(poses: list[PoseResult], size: tuple[int, int]) -> NightTrack:
    """The poses of one infant's frames as a track (1 s apart), for the body model."""
    n = len(poses)
    return NightTrack(
        t_s=np.arange(n, dtype=np.float64),
        keypoints_px=np.stack([p.keypoints_px for p in poses]),
        visibility=np.stack([p.visibility for p in poses]),
        pose_ran=np.ones(n, dtype=bool),
        motion=np.zeros((n, 3), dtype=np.float32),
        frame_size=size,
    )


def _body_model(
    poses: list[PoseResult], size: tuple[int, int], hip_offset_t: float
) -> list[np.ndarray]:
    """Each pose's keypoints with the hips where the infant's body model puts them."""
    from pipeline.scoring.kinematics import hips_corrected
    from pipeline.settings import Settings

    hips = hips_corrected(_as_track(poses, size), Settings(hip_offset_t=hip_offset_t))
    out = []
    for p, h in zip(poses, hips, strict=True):
        kp = p.keypoints_px.astype(np.float64).copy()
        kp[IDX["left_hip"]], kp[IDX["right_hip"]] = h[0], h[1]
        out.append(kp)
    return out


def _row(name: str, n: int, scores: list[FrameScore]) -> list[str]:
    if not scores:
        return [name, f"0/{n}"] + ["–"] * 9
    joint = {j: [e for s in scores for e in s.errors[j]] for j in (*JOINTS, "shoulder")}
    legs = [e for j in JOINTS for e in joint[j]]
    return [
        name,
        f"{len(scores)}/{n}",
        *(f"{np.median(joint[j]):.2f}" for j in (*JOINTS, "shoulder")),
        f"{np.mean(np.array(legs) <= 0.2):.2f}",
        f"{np.mean(np.array(legs) <= 0.5):.2f}",
        f"{sum(s.mirrored for s in scores)}",
        f"{np.median([s.leg_ratio for s in scores]):.2f}",
        f"{np.median([e for s in scores for e in s.knee_angle_err]):.0f}",
    ]


LABELLED_HEAD = [
    "model",
    "found",
    "hip",
    "knee",
    "ankle",
    "shoulder",
    "PCK@0.2",
    "PCK@0.5",
    "L/R swaps",
    "leg/torso pred÷true",
    "knee angle err °",
]


def run_labelled(data: Path, models: list[str], offsets: tuple[float, ...] = ()) -> list[list[str]]:
    """One row per model, one per model with the body model (``hip_offset_t`` at its default
    and at each of ``offsets``, to show how much the result leans on that value)."""
    from pipeline.settings import Settings

    frames = _labelled_frames(data)
    rows = []
    default = Settings().hip_offset_t
    for name in models:
        est = MediaPipePose(POSE_MODELS[name], tracking=False)
        found: dict[str, list[tuple[PoseResult, dict[str, np.ndarray], tuple[int, int]]]] = {}
        for stem, rgb, lab in frames:
            est.reset()
            res = est.estimate(rgb)
            if res is not None:
                infant = stem.split("_")[0]
                found.setdefault(infant, []).append((res, lab, (rgb.shape[1], rgb.shape[0])))
        est.close()
        plain = [frame_score(r.keypoints_px, lab) for fs in found.values() for r, lab, _ in fs]
        rows.append(_row(name, len(frames), plain))
        for offset in (default, *offsets):
            corrected = []
            for fs in found.values():
                kps = _body_model([r for r, _, _ in fs], fs[0][2], offset)
                corrected += [frame_score(kp, lab) for kp, (_, lab, _) in zip(kps, fs, strict=True)]
            tag = "" if offset == default else f" (hip_offset_t {offset:g})"
            rows.append(_row(f"{name} + body model{tag}", len(frames), corrected))
    return rows


CLIP_HEAD = [
    "model",
    "clip",
    "pose in",
    "knee/ankle vis",
    "legs crossed",
    "leg/torso",
    "+ body model",
    "still noise bl/s",
    "CPU ms/frame",
    "wall ms/frame",
]


def _clip_track(path: Path, model: str) -> tuple[NightTrack, float, float]:
    from detector.extract import ExtractOptions, track_extract
    from detector.video import night_plan

    est = MediaPipePose(POSE_MODELS[model])
    acc = [0.0, 0.0]
    inner = est.estimate

    def estimate(rgb: np.ndarray) -> PoseResult | None:
        with _timed(acc):
            return inner(rgb)

    est.estimate = estimate  # type: ignore[method-assign]
    track = track_extract(night_plan([path]), est, options=ExtractOptions(gate=False))
    est.close()
    return track, 1000 * acc[0] / track.n_frames, 1000 * acc[1] / track.n_frames


def _leg_torso(track: NightTrack, hips: np.ndarray | None) -> float:
    kp = track.keypoints_px.astype(np.float64)
    if hips is not None:
        kp = kp.copy()
        kp[:, IDX["left_hip"]], kp[:, IDX["right_hip"]] = hips[:, 0], hips[:, 1]
    sh = (kp[:, IDX["left_shoulder"]] + kp[:, IDX["right_shoulder"]]) / 2
    torso = np.linalg.norm(sh - (kp[:, IDX["left_hip"]] + kp[:, IDX["right_hip"]]) / 2, axis=1)
    legs = []
    for side in ("left", "right"):
        h, k, a = (kp[:, IDX[f"{side}_{j}"]] for j in JOINTS)
        legs.append((np.linalg.norm(h - k, axis=1) + np.linalg.norm(k - a, axis=1)) / torso)
    return float(np.nanmedian(np.mean(legs, axis=0)))


def _still_noise(track: NightTrack) -> float:
    """Median knee/ankle speed (body lengths/s) on the kicking clip's still spells, both legs,
    as :func:`pipeline.scoring.activity.activity_compute` measures it."""
    from pipeline.scoring.activity import activity_compute
    from pipeline.settings import Settings

    act = activity_compute(track, Settings(), trusted=np.ones((track.n_frames, 2), dtype=bool))
    still = np.zeros(len(act.t_s), dtype=bool)
    for a, b in STILL_SPELLS_S:
        still |= (act.t_s >= a) & (act.t_s < b)
    return float(np.nanmedian(act.speed_bl_s[:, still]))


def run_clips(data: Path, models: list[str]) -> list[list[str]]:
    from pipeline.scoring.kinematics import hips_corrected
    from pipeline.scoring.quality import quality_score
    from pipeline.settings import Settings

    rows = []
    for name in models:
        for clip in (KICKING, CRIB):
            path = data / clip
            if not path.is_file():
                print(f"skipped {path}: not found", file=sys.stderr)
                continue
            track, cpu_ms, wall_ms = _clip_track(path, name)
            found = track.pose_detected
            legs = [IDX[f"{s}_{j}"] for s in ("left", "right") for j in ("knee", "ankle")]
            vis = float(track.visibility[found][:, legs].mean()) if found.any() else 0.0
            lr = quality_score(track, Settings()).factors["left_right"]
            crossed = float(np.mean(lr[found].min(axis=1) < 0.5)) if found.any() else 0.0
            hips = hips_corrected(track, Settings())
            rows.append(
                [
                    name,
                    clip.stem,
                    f"{int(found.sum())}/{track.n_frames}",
                    f"{vis:.2f}",
                    f"{crossed:.0%}",
                    f"{_leg_torso(track, None):.2f}",
                    f"{_leg_torso(track, hips):.2f}",
                    f"{_still_noise(track):.3f}" if clip == KICKING else "–",
                    f"{cpu_ms:.0f}",
                    f"{wall_ms:.0f}",
                ]
            )
            print(f"{name} {clip.name}: done", file=sys.stderr, flush=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="shared data folder")
    ap.add_argument("--models", default="lite,full,heavy", help="comma-separated model names")
    ap.add_argument("--markdown", action="store_true", help="print Markdown tables")
    ap.add_argument("--no-clips", action="store_true", help="only the labelled frames")
    ap.add_argument(
        "--offsets",
        default="0.1,0.2",
        help="other hip_offset_t values to show the body model with (comma-separated)",
    )
    args = ap.parse_args(argv)
    models = [m.strip() for m in args.models.split(",") if m.strip()]
    unknown = [m for m in models if m not in POSE_MODELS]
    if unknown:
        ap.error(f"unknown model(s) {', '.join(unknown)}; choose from {', '.join(POSE_MODELS)}")
    if not (args.data / LABELLED).is_dir():
        sys.exit(
            f"shared data not found: {args.data / LABELLED} — pass --data DIR "
            "(the folder holding real/infant_keypoints_labelled)"
        )
    try:
        offsets = tuple(float(v) for v in args.offsets.split(",") if v.strip())
        labelled = run_labelled(args.data, models, offsets)
    except (FileNotFoundError, ValueError) as exc:
        sys.exit(str(exc))
    print("Hand-labelled frames (errors in torso lengths, medians over both sides)")
    print(format_table(LABELLED_HEAD, labelled, args.markdown))
    if not args.no_clips:
        print("\nReal clips, every frame, with tracking")
        print(format_table(CLIP_HEAD, run_clips(args.data, models), args.markdown))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
