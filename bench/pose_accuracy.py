"""How well does the pose step find an infant's hips, knees and ankles? And how fast is it?

Runs :class:`detector.pose.MediaPipePose` on the 9 hand-labelled frames of
``real/infant_keypoints_labelled`` (labelme JSON, labels like ``Knee_L``) and prints, per
image: whether a pose was found, the rotation used, and the hip, knee and ankle errors in
torso lengths (torso = distance from the labelled shoulder midpoint to the hip midpoint).
Errors use the better of the two left/right matchings of the labels; ``mirrored`` says when
swapping the labels' left and right matched better (a labelling-convention check).

``--speed`` also times the estimator on the two real clips: whole frame vs a crop around the
pose found on the first frame, shrunk to at most 256 px, with and without tracking.

    .venv/bin/python -m bench.pose_accuracy [--data DIR] [--complexity 1] [--model X.task]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from detector.pose import MediaPipePose, PoseResult, pose_crop, pose_uncrop  # noqa: E402
from detector.track import KEYPOINT_NAMES  # noqa: E402

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
LABELLED = Path("real") / "infant_keypoints_labelled"
CLIPS = (Path("real") / "infant_supine_kicking.mp4", Path("real") / "infant_crib_sleeping.mp4")
JOINTS = ("hip", "knee", "ankle")


def load_labels(ann: Path) -> dict[str, np.ndarray]:
    """labelme points by label name, e.g. ``{"Knee_L": array([x, y])}``."""
    shapes = json.loads(ann.read_text())["shapes"]
    return {s["label"]: np.asarray(s["points"][0], dtype=np.float64) for s in shapes}


def joint_errors(res: PoseResult, lab: dict[str, np.ndarray]) -> tuple[dict[str, float], bool]:
    """Per joint, the mean left/right error in torso lengths, with the better label matching."""
    torso = np.linalg.norm(
        (lab["Shoulder_L"] + lab["Shoulder_R"]) / 2 - (lab["Hip_L"] + lab["Hip_R"]) / 2
    )

    def err(joint: str, mirror: bool) -> float:
        d = []
        for side, tag in (("left", "L"), ("right", "R")):
            if mirror:
                tag = "R" if tag == "L" else "L"
            pred = res.keypoints_px[KEYPOINT_NAMES.index(f"{side}_{joint}")]
            d.append(np.linalg.norm(pred - lab[f"{joint.capitalize()}_{tag}"]))
        return float(np.mean(d) / torso)

    as_is = {j: err(j, False) for j in JOINTS + ("shoulder",)}
    swapped = {j: err(j, True) for j in JOINTS + ("shoulder",)}
    mirrored = sum(swapped.values()) < sum(as_is.values())
    return (swapped if mirrored else as_is), mirrored


def run_accuracy(data: Path, est: MediaPipePose) -> int:
    import cv2

    root = data / LABELLED
    anns = sorted(root.glob("*/ann/*.json"))
    if not anns:
        sys.exit(f"no labelled frames under {root}")
    print(f"pose accuracy on {len(anns)} labelled frames — {est.name} ({est.version})")
    cols = "".join(f"{h:>7}" for h in ("score", "hip", "knee", "ankle"))
    print(f"{'image':<24}{'found':>6}{'rot':>5}{cols}  mirrored")
    found, errs, n_mirrored = 0, {j: [] for j in JOINTS}, 0
    for ann in anns:
        img = ann.parent.parent / "img" / f"{ann.stem}.jpg"
        bgr = cv2.imread(str(img))
        if bgr is None:
            sys.exit(f"cannot read {img}")
        est.reset()
        res = est.estimate(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
        label = f"{ann.parent.parent.name}/{ann.stem}"
        if res is None:
            print(f"{label:<24}{'no':>6}{'-':>5}{'-':>7}{'-':>7}{'-':>7}{'-':>7}  -")
            continue
        found += 1
        e, mirrored = joint_errors(res, load_labels(ann))
        n_mirrored += mirrored
        for j in JOINTS:
            errs[j].append(e[j])
        print(
            f"{label:<24}{'yes':>6}{est.last_rotation:>5}{res.score:>7.2f}"
            f"{e['hip']:>7.2f}{e['knee']:>7.2f}{e['ankle']:>7.2f}  {'yes' if mirrored else 'no'}"
        )
    if found:
        rng = "  ".join(
            f"{j} {np.median(errs[j]):.2f} ({min(errs[j]):.2f}–{max(errs[j]):.2f})" for j in JOINTS
        )
        print(f"summary: found {found}/{len(anns)}; median (range) error in torso lengths: {rng}")
        print(f"labels mirrored (L/R swapped matched better) in {n_mirrored} of {found} images")
    else:
        print(f"summary: found 0/{len(anns)}")
    return found


def run_speed(data: Path, clip: Path, complexity: int, model: str | None, n: int = 150) -> None:
    import av

    with av.open(str(data / clip)) as c:
        frames = [
            f.to_ndarray(format="rgb24") for _, f in zip(range(n), c.decode(video=0), strict=False)
        ]
    first = MediaPipePose(complexity, model_path=model, tracking=False).estimate(frames[0])
    if first is None:
        print("speed: no pose on the first frame, cannot place a crop")
        return
    kp = first.keypoints_px
    box = (*kp.min(axis=0), *kp.max(axis=0))
    h, w = frames[0].shape[:2]
    print(f"speed on {len(frames)} frames of {clip.name} ({w}x{h}), ms per frame:")
    for tracking in (True, False):
        for crop in (False, True):
            est = MediaPipePose(complexity, model_path=model, tracking=tracking)
            est.estimate(frames[0])  # build the graph outside the timing
            t0 = time.perf_counter()
            found = 0
            for f in frames:
                if crop:
                    img, off = pose_crop(f, box, margin=0.4, max_side_px=256)
                    res = pose_uncrop(est.estimate(img), off)
                else:
                    res = est.estimate(f)
                found += res is not None
            ms = (time.perf_counter() - t0) / len(frames) * 1000
            where = "256px crop " if crop else "whole frame"
            print(f"  {est.name} tracking={tracking!s:<5} {where}: {ms:6.1f} ms  (found {found})")
            est.close()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="shared data folder")
    ap.add_argument("--complexity", type=int, default=1, help="bundled model: 0, 1 or 2")
    ap.add_argument("--model", default=None, help="a MediaPipe .task bundle instead")
    ap.add_argument("--rotations", default="0,90,180,270", help="rotations to try")
    ap.add_argument("--speed", action="store_true", help="also time it on the real clip")
    args = ap.parse_args(argv)
    if not (args.data / LABELLED).is_dir():
        sys.exit(
            f"shared data not found: {args.data / LABELLED} — pass --data DIR "
            "(the folder holding real/infant_keypoints_labelled)"
        )
    rotations = tuple(int(r) for r in args.rotations.split(","))
    try:
        est = MediaPipePose(
            args.complexity, rotations=rotations, model_path=args.model, tracking=False
        )
    except (FileNotFoundError, ValueError) as exc:
        sys.exit(str(exc))
    run_accuracy(args.data, est)
    est.close()
    if args.speed:
        for complexity in sorted({0, args.complexity}):
            for clip in CLIPS:
                try:
                    run_speed(args.data, clip, complexity, args.model)
                except FileNotFoundError as exc:
                    print(f"speed, model_complexity={complexity}: skipped — {exc}")
                    break
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
