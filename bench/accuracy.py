"""Accuracy of the whole pipeline (video → detector → signal stage) on generated scenes.

Renders each synthetic preset scene once (cached in --cache), analyses the video with
the real MediaPipe model exactly as ``legmove analyze`` does, compares the result with the
scene's truth and prints one table:

    python -m bench.accuracy                       # all presets
    python -m bench.accuracy clean_day blanket     # some
    python -m bench.accuracy --markdown            # table for docs/BENCHMARKS.md
    python -m bench.accuracy --every-frame --out D # pose on every frame (no motion gating)
    python -m bench.accuracy --rescore             # re-score the tracks saved in --out by an
                                                   # earlier run (signal stage only, no video)
    python -m bench.accuracy wriggling_settling --seeds 0 1 2   # other seeds of a scene

Columns: LM precision/recall/F1 (onset within ±1 s), share of true twitches counted as
LMs, PLM count error, sleep-onset error (s), rhythmic bouts right (each true bout matched
to a reported bout, one to one, with the right pattern and side (kicking with one leg or
both), frequency within 0.3 Hz, start and end within 2 s: from bouts.csv, or from the
rhythmic events of results and truths written before bouts existed) and bouts reported
that match none, caregiver or camera spans reported where the scene has no caregiver,
camera move or repositioning, raw pose coverage, LM recall inside blanket spans, and
whether the scene meets every target (F1 ≥ 0.9, twitches as LMs ≤ 20 %, PLMs ±1, onset
within 90 s, every rhythmic bout right, no false bout, no false caregiver span). The nine
presets run by default; the wriggling-settling family (:mod:`synth.presets_rhythm`) when
named.
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

from detector.extract import ExtractOptions  # noqa: E402
from pipeline.compare import compare_events, compare_onsets  # noqa: E402
from pipeline.jobs.intake import TRACKS_FILE, night_analyze, night_rescore_dir  # noqa: E402
from synth import PRESETS, Scene, synth_preset, synth_render, truth_dir_for  # noqa: E402
from synth.presets_rhythm import RHYTHM_BUILDERS  # noqa: E402
from synth.write import GENERATOR  # noqa: E402

TOL_S = 1.0
TARGETS = {
    "f1": 0.9,
    "twitch_as_lm": 0.2,
    "plm_err": 1,
    "onset_err_s": 90.0,
    "rhythm_freq_hz": 0.3,
    "rhythm_edge_s": 2.0,
}
#: the nine presets run by default
DEFAULT_SCENES = [n for n in PRESETS if n != "demo_night" and n not in RHYTHM_BUILDERS]


@dataclass
class SceneScore:
    scene: str
    lm_precision: float
    lm_recall: float
    lm_f1: float
    twitch_as_lm: float | None
    plm_true: int
    plm_found: int
    onset_err_s: float | None
    rhythmic_ok: int
    rhythmic_n: int
    pose_coverage: float
    blanket_recall: float | None
    seconds: float
    bouts_false: int = 0
    caregiver_false: int = 0

    @property
    def meets(self) -> bool:
        ok = self.lm_f1 >= TARGETS["f1"]
        ok &= self.twitch_as_lm is None or self.twitch_as_lm <= TARGETS["twitch_as_lm"]
        ok &= abs(self.plm_found - self.plm_true) <= TARGETS["plm_err"]
        ok &= self.onset_err_s is None or abs(self.onset_err_s) <= TARGETS["onset_err_s"]
        ok &= self.rhythmic_ok == self.rhythmic_n
        ok &= self.bouts_false == 0 and self.caregiver_false == 0
        return bool(ok)


def scene_video(name: str, cache: Path, seed: int = 0) -> Path:
    """The rendered preset (rendered once, then reused while the preset's script is unchanged);
    another ``seed`` (random wiggles, twitches, colours, noise) is cached as NAME-seedN.mp4."""
    video = cache / (f"{name}.mp4" if seed == 0 else f"{name}-seed{seed}.mp4")
    return render_once(synth_preset(name, seed=seed), video)


def render_once(scene: Scene, video: Path) -> Path:
    """``scene`` rendered to ``video`` unless that file is already this scene's rendering
    (a cache rendered from an older version of the scene's script, or by an older renderer,
    is rendered again)."""
    summary = truth_dir_for(video) / "summary.json"
    fresh = video.is_file() and summary.is_file()
    if fresh:
        cached = json.loads(summary.read_text())
        fresh = cached.get("generator") == GENERATOR and cached.get("scene") == json.loads(
            json.dumps(scene.to_dict())
        )
    if not fresh:
        video.parent.mkdir(parents=True, exist_ok=True)
        synth_render(scene, video)
    return video


def score_scene(truth_dir: Path, out_dir: Path, name: str, seconds: float = 0.0) -> SceneScore:
    """Compare the analysis in ``out_dir`` with the truth in ``truth_dir``."""
    truth = pd.read_csv(truth_dir / "events.csv")
    t_sum = json.loads((truth_dir / "summary.json").read_text())
    det = pd.read_csv(out_dir / "events.csv")
    d_sum = json.loads((out_dir / "summary.json").read_text())
    c = compare_events(truth, det, ("lm",), TOL_S)

    tw = truth[truth["kind"] == "twitch"]
    ct = compare_onsets(tw["start_s"].to_numpy(), det["start_s"].to_numpy(), 0.5)
    tw_lm = sum(det.iloc[j]["kind"] == "lm" for _, j in ct.pairs)
    twitch_as_lm = tw_lm / len(tw) if len(tw) else None

    true_bouts, found_bouts = _bouts(truth_dir, truth), _bouts(out_dir, det)
    # a bout's side only where both are bout tables: a rhythmic event's side is one movement's
    tables = (truth_dir / "bouts.csv").is_file() and (out_dir / "bouts.csv").is_file()
    rh_ok, pairs = bouts_compare(true_bouts, found_bouts, sides=tables)

    onset_t, onset_d = t_sum.get("sleep_onset_s"), d_sum.get("sleep_onset_s")
    onset_err = None
    # a scene whose first sleep is shorter than the onset rule has no onset to find
    rule_s = float(d_sum.get("settings", {}).get("sleep_onset_min_s", 0.0))
    if t_sum.get("first_sleep_s") is not None and t_sum["first_sleep_s"] < rule_s:
        onset_t = None
    if onset_t is not None:
        onset_err = (onset_d - onset_t) if onset_d is not None else float("inf")

    blanket_recall = None
    spans = pd.read_csv(truth_dir / "spans.csv")
    blankets = spans[spans["kind"] == "blanket"]
    if len(blankets):
        lm = truth[truth["kind"] == "lm"]
        inside = lm[
            [
                any(a <= s < b for a, b in zip(blankets.start_s, blankets.end_s, strict=True))
                for s in lm["start_s"]
            ]
        ]
        cb = compare_onsets(
            inside["start_s"].to_numpy(), det[det["kind"] == "lm"]["start_s"].to_numpy(), TOL_S
        )
        blanket_recall = cb.recall if len(inside) else None

    plm_true = int(t_sum["counts"]["plm"])
    return SceneScore(
        scene=name,
        lm_precision=c.precision,
        lm_recall=c.recall,
        lm_f1=c.f1,
        twitch_as_lm=twitch_as_lm,
        plm_true=plm_true,
        plm_found=int(d_sum["counts"]["plm"]),
        onset_err_s=onset_err,
        rhythmic_ok=rh_ok,
        rhythmic_n=len(true_bouts),
        pose_coverage=float(d_sum.get("pose_coverage", float("nan"))),
        blanket_recall=blanket_recall,
        seconds=seconds,
        bouts_false=len(found_bouts) - pairs,
        caregiver_false=_false_caregiver(out_dir, spans),
    )


def _bouts(folder: Path, events: pd.DataFrame) -> pd.DataFrame:
    """The bout table of a results or truth folder: bouts.csv, or the rhythmic events of
    one written before bouts existed."""
    if (folder / "bouts.csv").is_file():
        return pd.read_csv(folder / "bouts.csv", dtype={"pattern": str})
    return events[events["rhythmic"].astype(str).str.lower() == "true"].reset_index(drop=True)


def bouts_compare(
    truth: pd.DataFrame, found: pd.DataFrame, *, sides: bool = True
) -> tuple[int, int]:
    """(true bouts found right, pairs): each true bout is paired, one to one and in order of
    start, with the reported bout it overlaps most; a pair is right with the same pattern
    and side (one leg or both; when ``sides``), frequency within
    ``rhythm_freq_hz`` and start and end within ``rhythm_edge_s``."""
    used: set[int] = set()
    ok = 0
    fs, fe = found["start_s"].to_numpy(float), found["end_s"].to_numpy(float)
    for tb in truth.itertuples(index=False):
        ov = np.minimum(fe, tb.end_s) - np.maximum(fs, tb.start_s)
        ov[list(used)] = -np.inf
        if not len(ov) or ov.max() <= 0:
            continue
        j = int(np.argmax(ov))
        used.add(j)
        fb = found.iloc[j]
        right = str(fb["pattern"]) == str(tb.pattern)
        if sides:  # kicking: with one leg or both
            right &= str(fb["side"]) == str(tb.side)
        right &= (
            abs(float(fb["frequency_hz"]) - float(tb.frequency_hz)) <= TARGETS["rhythm_freq_hz"]
        )
        right &= abs(float(fb["start_s"]) - float(tb.start_s)) <= TARGETS["rhythm_edge_s"]
        right &= abs(float(fb["end_s"]) - float(tb.end_s)) <= TARGETS["rhythm_edge_s"]
        ok += int(right)
    return ok, len(used)


def _false_caregiver(out_dir: Path, spans: pd.DataFrame) -> int:
    """Caregiver and camera spans reported that overlap no caregiver, repositioning or
    camera span of the scene."""
    path = out_dir / "artifacts.csv"
    if not path.is_file():
        return 0
    arts = pd.read_csv(path)
    arts = arts[arts["kind"].isin(["caregiver", "camera_move"])]
    real = spans[spans["kind"].isin(["caregiver_arm", "reposition", "camera_move"])]
    n = 0
    for a in arts.itertuples(index=False):
        hit = ((real["start_s"] < a.end_s) & (real["end_s"] > a.start_s)).any()
        n += int(not hit)
    return n


def fmt_value(v: float | None, spec: str = ".2f") -> str:
    """A number for a table, "–" when there is none."""
    return "–" if v is None else format(v, spec)


def table(scores: list[SceneScore], markdown: bool = False) -> str:
    head = [
        "scene",
        "LM P",
        "LM R",
        "LM F1",
        "twitch→LM",
        "PLM true/found",
        "onset err s",
        "rhythmic ok",
        "false bouts",
        "false caregiver",
        "pose cov",
        "blanket R",
        "meets targets",
        "analysis s",
    ]
    rows = [
        [
            s.scene,
            fmt_value(s.lm_precision),
            fmt_value(s.lm_recall),
            fmt_value(s.lm_f1),
            fmt_value(s.twitch_as_lm),
            f"{s.plm_true}/{s.plm_found}",
            fmt_value(s.onset_err_s, ".0f"),
            f"{s.rhythmic_ok}/{s.rhythmic_n}",
            str(s.bouts_false),
            str(s.caregiver_false),
            fmt_value(s.pose_coverage),
            fmt_value(s.blanket_recall),
            "yes" if s.meets else "NO",
            f"{s.seconds:.0f}",
        ]
        for s in scores
    ]
    return format_table(head, rows, markdown)


def format_table(head: list[str], rows: list[list[str]], markdown: bool) -> str:
    """``rows`` under ``head`` as a Markdown table, or as aligned plain-text columns."""
    if markdown:
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += ["| " + " | ".join(r) + " |" for r in rows]
        return "\n".join(lines)
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(head)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return "\n".join([fmt.format(*head)] + [fmt.format(*r) for r in rows])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("scenes", nargs="*", help="preset names (default: all but demo_night)")
    ap.add_argument("--cache", type=Path, default=Path("/tmp/legmove-bench/scenes"))
    ap.add_argument("--out", type=Path, default=Path("/tmp/legmove-bench/results"))
    ap.add_argument("--markdown", action="store_true", help="print a Markdown table")
    ap.add_argument(
        "--every-frame",
        action="store_true",
        help="pose on every frame (no motion gating): the reference the gate is held to",
    )
    ap.add_argument(
        "--rescore",
        action="store_true",
        help="re-score the tracks saved in --out by an earlier run (no video decoding)",
    )
    ap.add_argument("--seeds", type=int, nargs="+", default=[0], help="scene seeds (default: 0)")
    args = ap.parse_args(argv)
    names = args.scenes or DEFAULT_SCENES
    unknown = [n for n in names if n not in PRESETS]
    if unknown:
        ap.error(f"unknown scene(s): {', '.join(unknown)}; known: {', '.join(PRESETS)}")
    scores = []
    runs = [(name, seed) for name in names for seed in args.seeds]
    for name, seed in runs:
        video = scene_video(name, args.cache, seed)
        label = name if seed == 0 else f"{name}-seed{seed}"
        out = args.out / label
        t0 = time.perf_counter()
        if args.rescore:
            if not (out / TRACKS_FILE).is_file():
                ap.error(f"{out / TRACKS_FILE} not found: run once without --rescore")
            night_rescore_dir(out)
        else:
            night_analyze([video], out, options=ExtractOptions(gate=not args.every_frame))
        secs = time.perf_counter() - t0
        scores.append(score_scene(truth_dir_for(video), out, label, secs))
        print(f"{label}: done in {secs:.0f} s", file=sys.stderr, flush=True)
    print(table(scores, args.markdown))
    return 0 if all(s.meets for s in scores) else 1


if __name__ == "__main__":
    raise SystemExit(main())
