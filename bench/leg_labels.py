"""Which leg is which: the share of the pose model's poses whose legs are labelled the right
way round, against the generated scenes' true keypoints, as the model gave them and after
the signal stage relabelled them by continuity (:mod:`pipeline.scoring.identity`).

    python -m bench.leg_labels --cache /tmp/scenes --out ACC            # every scene in ACC
    python -m bench.leg_labels --cache /tmp/scenes --out ACC prone clean_day --markdown

``--out`` is a directory ``bench.accuracy`` wrote (one folder per scene with its
``tracks.npz``); ``--cache`` holds the rendered scenes' truths (``NAME.truth/keypoints.npz``).
A pose counts when the pose model ran on the frame and found all six leg points; it has its
legs the right way round when its hips, knees and ankles lie closer, summed, to the true
left and right ones than to the true right and left ones (the true keypoints of the nearest
frame). Swapped frames: frames (carried poses included) whose labels the relabelling swapped.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from detector.track import KEYPOINT_NAMES, NightTrack, track_load  # noqa: E402
from pipeline.scoring.identity import legs_by_continuity  # noqa: E402

_L = [KEYPOINT_NAMES.index(f"left_{j}") for j in ("hip", "knee", "ankle")]
_R = [KEYPOINT_NAMES.index(f"right_{j}") for j in ("hip", "knee", "ankle")]


def labels_right(track: NightTrack, truth_t: np.ndarray, truth_kp: np.ndarray) -> np.ndarray:
    """(P,) bool per pose of ``track`` (model runs with all leg points): legs the right way
    round against ``truth_kp`` (T, K, 2) in ``KEYPOINT_NAMES`` order at ``truth_t``."""
    kp = track.keypoints_px.astype(np.float64)
    poses = np.flatnonzero(track.pose_ran & np.isfinite(kp[:, _L + _R]).all(axis=(1, 2)))
    near = np.clip(np.searchsorted(truth_t, track.t_s[poses]), 1, len(truth_t) - 1)
    near -= (track.t_s[poses] - truth_t[near - 1]) < (truth_t[near] - track.t_s[poses])
    true = truth_kp[near].astype(np.float64)
    got = kp[poses]
    keep = np.linalg.norm(got[:, _L + _R] - true[:, _L + _R], axis=2).sum(axis=1)
    swap = np.linalg.norm(got[:, _L + _R] - true[:, _R + _L], axis=2).sum(axis=1)
    out: np.ndarray = keep <= swap
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("scenes", nargs="*", help="scene names (default: every one in --out)")
    ap.add_argument("--cache", type=Path, required=True, help="the rendered scenes and truths")
    ap.add_argument("--out", type=Path, required=True, help="a bench.accuracy output directory")
    ap.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = ap.parse_args(argv)
    names = args.scenes or sorted(p.parent.name for p in args.out.glob("*/tracks.npz"))
    rows = []
    for name in names:
        tracks = args.out / name / "tracks.npz"
        truth = args.cache / f"{name}.truth" / "keypoints.npz"
        if not tracks.is_file() or not truth.is_file():
            print(f"{name}: no tracks in {tracks.parent} or no truth at {truth}", file=sys.stderr)
            continue
        track = track_load(tracks)
        with np.load(truth) as z:
            order = [list(z["keypoint_names"]).index(n) for n in KEYPOINT_NAMES]
            t, kp = z["t_s"], z["keypoints_px"][:, order]
        before = labels_right(track, t, kp)
        relabelled, swapped = legs_by_continuity(track)
        after = labels_right(relabelled, t, kp)
        rows.append((name, len(before), before.mean(), after.mean(), int(swapped.sum())))
    if args.markdown:
        print("| scene | poses | legs right, model | legs right, relabelled | frames swapped |")
        print("|---|---|---|---|---|")
        for name, n, b, a, s in rows:
            print(f"| {name} | {n} | {b:.3f} | {a:.3f} | {s} |")
    else:
        for name, n, b, a, s in rows:
            print(f"{name:28s} poses {n:6d}  right {b:.3f} -> {a:.3f}  swapped frames {s}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
