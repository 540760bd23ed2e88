"""LM precision/recall inside the hard-condition spans of the generated scenes (issue 9).

Where the pose model cannot be believed — legs under a blanket, a baby lying face-down,
a body turned away from head-up, infrared noise — legmove scores the legs from leg-region
motion. This bench measures how well leg movements (LMs) are found *inside* those spans,
on the same rendered presets and the same full analysis as ``bench/accuracy.py``:

    python -m bench.pose_spans                  # render (cached), analyse, score
    python -m bench.pose_spans --rescore        # re-score the tracks saved by an earlier run
    python -m bench.pose_spans --markdown       # table for docs/BENCHMARKS.md
    python -m bench.pose_spans --seed 1 blanket prone   # other renders of some scenes

Conditions and where their spans come from (the scene's truth, never the analysis):

==========  ==================  ==========================================================
condition   scene               span
==========  ==================  ==========================================================
blanket     blanket             truth ``spans.csv`` rows of kind ``blanket`` (legs covered)
prone       prone               the whole scene (face-down throughout)
rotated     infrared_rotated    times the body is turned >= 30° from head-up: the presets
            small_baby_30fps    that turn the body (135°, 30°, and repositioned's 90° then
            repositioned        200°; the seconds of a reposition itself are left out)
infrared    infrared_rotated    truth ``spans.csv`` rows of kind ``infrared``
==========  ==================  ==========================================================

Matching: true and detected LMs of the whole scene are matched one-to-one by onset within
±1 s (``bench/accuracy.TOL_S``, closest pairs first, :func:`pipeline.compare.compare_onsets`);
then an LM counts in a span by its onset. Precision = matched detected LMs with onset in the
span / detected LMs with onset in the span; recall = matched true LMs with onset in the span /
true LMs with onset in the span. ``motion`` counts the detected LMs in the span whose
``source`` is ``motion`` (scored from leg-region motion, not keypoints). Targets (issue 9):
recall >= 0.8 and precision >= 0.9 in every condition (pooled over its scenes).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]

from bench.accuracy import TOL_S, format_table, scene_video  # noqa: E402
from pipeline.compare import compare_onsets  # noqa: E402
from pipeline.jobs.intake import TRACKS_FILE, night_analyze, night_rescore_dir  # noqa: E402
from synth import truth_dir_for  # noqa: E402

#: (condition, scene, span rule): "whole", "rotated" or a truth spans.csv kind
CONDITIONS: list[tuple[str, str, str]] = [
    ("blanket", "blanket", "blanket"),
    ("prone", "prone", "whole"),
    ("rotated", "infrared_rotated", "rotated"),
    ("rotated", "small_baby_30fps", "rotated"),
    ("rotated", "repositioned", "rotated"),
    ("infrared", "infrared_rotated", "infrared"),
]
#: a body turned at least this far from head-up counts as rotated (the smallest preset turn)
ROTATED_MIN_DEG = 30.0
TARGETS = {"recall": 0.8, "precision": 0.9}


@dataclass
class SpanScore:
    condition: str
    scene: str
    span_s: float
    n_true: int
    n_found: int
    tp_true: int  # true LMs in the span that were matched
    tp_found: int  # detected LMs in the span that were matched
    n_motion: int  # detected LMs in the span from leg-region motion

    @property
    def precision(self) -> float:
        return self.tp_found / self.n_found if self.n_found else 1.0

    @property
    def recall(self) -> float:
        return self.tp_true / self.n_true if self.n_true else 1.0

    @property
    def meets(self) -> bool:
        return self.recall >= TARGETS["recall"] and self.precision >= TARGETS["precision"]


def rotated_spans(scene: dict, duration_s: float) -> list[tuple[float, float]]:
    """Spans where the body is turned >= ROTATED_MIN_DEG from head-up, from the scene script
    (its starting angle and its repositions; the reposition itself is left out)."""
    moves = sorted(
        (it for it in scene["items"] if it["kind"] == "reposition"), key=lambda it: it["t_s"]
    )
    pieces: list[tuple[float, float, float]] = []  # (start, end, angle)
    angle, t = float(scene.get("rotation_deg", 0.0)), 0.0
    for it in moves:
        pieces.append((t, float(it["t_s"]), angle))
        t = float(it["t_s"]) + float(it["duration_s"])
        if it.get("rotation_deg") is not None:
            angle = float(it["rotation_deg"])
    pieces.append((t, duration_s, angle))
    out = []
    for a, b, ang in pieces:
        turn = abs((ang + 180.0) % 360.0 - 180.0)
        if b > a and turn >= ROTATED_MIN_DEG - 1e-9:
            out.append((a, b))
    return out


def condition_spans(truth_dir: Path, rule: str) -> list[tuple[float, float]]:
    summary = json.loads((truth_dir / "summary.json").read_text())
    duration = float(summary["duration_s"])
    if rule == "whole":
        return [(0.0, duration)]
    if rule == "rotated":
        return rotated_spans(summary["scene"], duration)
    spans = pd.read_csv(truth_dir / "spans.csv")
    spans = spans[spans["kind"] == rule]
    return [(float(a), float(b)) for a, b in zip(spans.start_s, spans.end_s, strict=True)]


def _inside(onsets: np.ndarray, spans: list[tuple[float, float]]) -> np.ndarray:
    m = np.zeros(len(onsets), dtype=bool)
    for a, b in spans:
        m |= (onsets >= a) & (onsets < b)
    return m


def score_spans(truth_dir: Path, out_dir: Path, condition: str, scene: str, rule: str) -> SpanScore:
    """Score the LMs of the analysis in ``out_dir`` inside one condition's spans."""
    spans = condition_spans(truth_dir, rule)
    truth = pd.read_csv(truth_dir / "events.csv")
    det = pd.read_csv(out_dir / "events.csv", dtype={"source": str})
    t_lm = truth[truth["kind"] == "lm"]["start_s"].to_numpy(dtype=float)
    d_lm = det[det["kind"] == "lm"]
    d_on = d_lm["start_s"].to_numpy(dtype=float)
    c = compare_onsets(t_lm, d_on, TOL_S)
    t_in, d_in = _inside(t_lm, spans), _inside(d_on, spans)
    t_hit = np.zeros(len(t_lm), dtype=bool)
    d_hit = np.zeros(len(d_on), dtype=bool)
    for i, j in c.pairs:
        t_hit[i], d_hit[j] = True, True
    motion = (d_lm["source"].to_numpy() == "motion") & d_in
    return SpanScore(
        condition=condition,
        scene=scene,
        span_s=float(sum(b - a for a, b in spans)),
        n_true=int(t_in.sum()),
        n_found=int(d_in.sum()),
        tp_true=int((t_in & t_hit).sum()),
        tp_found=int((d_in & d_hit).sum()),
        n_motion=int(motion.sum()),
    )


def pooled(scores: list[SpanScore]) -> list[SpanScore]:
    """One row per condition, counts summed over its scenes."""
    out = []
    for cond in dict.fromkeys(s.condition for s in scores):
        rows = [s for s in scores if s.condition == cond]
        out.append(
            SpanScore(
                condition=cond,
                scene="all" if len(rows) > 1 else rows[0].scene,
                span_s=sum(s.span_s for s in rows),
                n_true=sum(s.n_true for s in rows),
                n_found=sum(s.n_found for s in rows),
                tp_true=sum(s.tp_true for s in rows),
                tp_found=sum(s.tp_found for s in rows),
                n_motion=sum(s.n_motion for s in rows),
            )
        )
    return out


def table(scores: list[SpanScore], markdown: bool = False) -> str:
    head = [
        "condition",
        "scene",
        "span s",
        "true LMs",
        "found LMs",
        "LM P",
        "LM R",
        "found from motion",
        "meets (R ≥ 0.8, P ≥ 0.9)",
    ]
    rows = [
        [
            s.condition,
            s.scene,
            f"{s.span_s:.0f}",
            str(s.n_true),
            str(s.n_found),
            f"{s.precision:.2f}",
            f"{s.recall:.2f}",
            f"{s.n_motion}/{s.n_found}",
            "yes" if s.meets else "NO",
        ]
        for s in scores
    ]
    return format_table(head, rows, markdown)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("scenes", nargs="*", help="only the conditions of these scenes (default: all)")
    ap.add_argument("--cache", type=Path, default=Path("/tmp/legmove-bench/scenes"))
    ap.add_argument("--out", type=Path, default=Path("/tmp/legmove-bench/results"))
    ap.add_argument(
        "--rescore",
        action="store_true",
        help="re-score the tracks saved in --out by an earlier run (no video decoding)",
    )
    ap.add_argument("--markdown", action="store_true", help="print Markdown tables")
    ap.add_argument(
        "--seed",
        type=int,
        default=0,
        help="render the presets with this seed (another draw of wiggles, twitches, colours "
        "and noise; the scripted movements stay); cached as NAME-seedN.mp4, results in "
        "--out/NAME-seedN",
    )
    args = ap.parse_args(argv)
    known = {name for _, name, _ in CONDITIONS}
    unknown = [n for n in args.scenes if n not in known]
    if unknown:
        ap.error(f"no condition uses {', '.join(unknown)}; choose from {', '.join(sorted(known))}")
    scores = []
    done: set[str] = set()
    for condition, name, rule in CONDITIONS:
        if args.scenes and name not in args.scenes:
            continue
        video = scene_video(name, args.cache, args.seed)
        out = args.out / (name if args.seed == 0 else f"{name}-seed{args.seed}")
        if name not in done:
            t0 = time.perf_counter()
            if args.rescore:
                if not (out / TRACKS_FILE).is_file():
                    ap.error(f"{out / TRACKS_FILE} not found: run once without --rescore")
                night_rescore_dir(out)
            else:
                night_analyze([video], out)
            done.add(name)
            secs = time.perf_counter() - t0
            print(f"{name}: done in {secs:.0f} s", file=sys.stderr, flush=True)
        scores.append(score_spans(truth_dir_for(video), out, condition, name, rule))
    per_condition = pooled(scores)
    print(table(scores, args.markdown))
    print()
    print(table(per_condition, args.markdown))
    return 0 if all(s.meets for s in per_condition) else 1


if __name__ == "__main__":
    raise SystemExit(main())
