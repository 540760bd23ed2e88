"""The WASM scenes (synth/presets_wasm.py) at several seeds and frame rates, scored as a sleep
clinician reads them: sleep/wake of the epochs, PLMS and PLMW index against the truth, and
twitches counted as LMs or put into a PLM series.

    python -m bench.wasm                                  # every scene, seeds 0-2, 15/25/30 fps
    python -m bench.wasm twitch_clusters --seeds 0 1 --fps 15 30
    python -m bench.wasm --rescore --markdown             # re-score the saved tracks

Each variant is rendered once into --cache (NAME-seedS-fpsF.mp4) and analysed with the real
MediaPipe model as ``legmove analyze`` does (or re-scored from its saved tracks). Columns:

- ``sleep epochs``: share of the epochs the truth has asleep that were scored sleep, and of
  those it has awake that were scored wake;
- ``PLMS true/found`` and ``PLMW true/found``: the index per hour of sleep / of wake, the
  truth's from its own states and times;
- ``twitch→LM``: share of true twitches whose onset (±0.5 s) matched a detected LM;
  ``twitch in PLM``: those matched to a movement in a PLM series.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from bench.accuracy import fmt_value, format_table, render_once
from pipeline.compare import compare_onsets
from pipeline.jobs.intake import TRACKS_FILE, night_analyze, night_rescore_dir
from synth import synth_preset, truth_dir_for
from synth.presets_wasm import WASM_BUILDERS

SEEDS = (0, 1, 2)
FPS = (15, 25, 30)


@dataclass
class WasmScore:
    variant: str
    sleep_ok: float | None  # truth-sleep epochs scored sleep
    wake_ok: float | None  # truth-wake epochs scored wake
    plms_true: float | None
    plms_found: float | None
    plmw_true: float | None
    plmw_found: float | None
    twitch_as_lm: float | None
    twitch_in_plm: int
    lm_found: int
    lm_true: int


def _video(name: str, seed: int, fps: int, cache: Path) -> Path:
    video = cache / f"{name}-seed{seed}-fps{fps}.mp4"
    return render_once(synth_preset(name, seed=seed, fps=fps), video)


def _per_hour(n: int, seconds: float) -> float | None:
    return n / (seconds / 3600.0) if seconds > 0 else None


def wasm_score(truth_dir: Path, out_dir: Path, variant: str) -> WasmScore:
    """Compare one analysed variant in ``out_dir`` with its truth in ``truth_dir``."""
    truth = pd.read_csv(truth_dir / "events.csv")
    spans = pd.read_csv(truth_dir / "spans.csv")
    t_sum = json.loads((truth_dir / "summary.json").read_text())
    det = pd.read_csv(out_dir / "events.csv")
    d_sum = json.loads((out_dir / "summary.json").read_text())
    epochs = pd.read_csv(out_dir / "epochs.csv")

    wake_spans = spans[spans["kind"].isin(["wake", "settling"])]
    mid = ((epochs["start_s"] + epochs["end_s"]) / 2).to_numpy()
    awake = np.zeros(len(mid), dtype=bool)
    for a, b in zip(wake_spans["start_s"], wake_spans["end_s"], strict=True):
        awake |= (mid >= a) & (mid < b)
    scored = epochs["state"].to_numpy()
    sleep_ok = float((scored[~awake] == "sleep").mean()) if (~awake).any() else None
    wake_ok = float((scored[awake] == "wake").mean()) if awake.any() else None

    duration = float(t_sum["duration_s"])
    sleep_s = float(t_sum["total_sleep_s"])
    plm = truth["plm_series"].notna()
    plms_true = _per_hour(int((plm & (truth["state"] == "sleep")).sum()), sleep_s)
    plmw_true = _per_hour(int((plm & (truth["state"] == "wake")).sum()), duration - sleep_s)

    tw = truth[truth["kind"] == "twitch"]
    ct = compare_onsets(tw["start_s"].to_numpy(), det["start_s"].to_numpy(), 0.5)
    tw_lm = sum(det.iloc[j]["kind"] == "lm" for _, j in ct.pairs)
    tw_plm = sum(pd.notna(det.iloc[j]["plm_series"]) for _, j in ct.pairs)
    return WasmScore(
        variant=variant,
        sleep_ok=sleep_ok,
        wake_ok=wake_ok,
        plms_true=plms_true,
        plms_found=d_sum.get("plm_index_per_h"),
        plmw_true=plmw_true,
        plmw_found=d_sum.get("plmw_index_per_h"),
        twitch_as_lm=tw_lm / len(tw) if len(tw) else None,
        twitch_in_plm=int(tw_plm),
        lm_found=int((det["kind"] == "lm").sum()),
        lm_true=int((truth["kind"] == "lm").sum()),
    )


def table(scores: list[WasmScore], markdown: bool = False) -> str:
    head = [
        "variant",
        "sleep epochs",
        "wake epochs",
        "PLMS true/found",
        "PLMW true/found",
        "twitch→LM",
        "twitch in PLM",
        "LM true/found",
    ]
    rows = [
        [
            s.variant,
            fmt_value(s.sleep_ok),
            fmt_value(s.wake_ok),
            f"{fmt_value(s.plms_true, '.1f')}/{fmt_value(s.plms_found, '.1f')}",
            f"{fmt_value(s.plmw_true, '.1f')}/{fmt_value(s.plmw_found, '.1f')}",
            fmt_value(s.twitch_as_lm),
            str(s.twitch_in_plm),
            f"{s.lm_true}/{s.lm_found}",
        ]
        for s in scores
    ]
    return format_table(head, rows, markdown)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("scenes", nargs="*", help="scene names (default: all WASM scenes)")
    ap.add_argument("--seeds", type=int, nargs="+", default=list(SEEDS))
    ap.add_argument("--fps", type=int, nargs="+", default=list(FPS))
    ap.add_argument("--cache", type=Path, default=Path("/tmp/legmove-bench/scenes"))
    ap.add_argument("--out", type=Path, default=Path("/tmp/legmove-bench/wasm"))
    ap.add_argument("--markdown", action="store_true", help="print a Markdown table")
    ap.add_argument(
        "--rescore",
        action="store_true",
        help="re-score the tracks saved in --out by an earlier run (no video decoding)",
    )
    args = ap.parse_args(argv)
    names = args.scenes or list(WASM_BUILDERS)
    unknown = [n for n in names if n not in WASM_BUILDERS]
    if unknown:
        ap.error(f"unknown scene(s): {', '.join(unknown)}; known: {', '.join(WASM_BUILDERS)}")
    scores = []
    for name in names:
        for fps in args.fps:
            for seed in args.seeds:
                variant = f"{name}-seed{seed}-fps{fps}"
                video = _video(name, seed, fps, args.cache)
                out = args.out / variant
                if args.rescore:
                    if not (out / TRACKS_FILE).is_file():
                        ap.error(f"{out / TRACKS_FILE} not found: run once without --rescore")
                    night_rescore_dir(out)
                else:
                    night_analyze([video], out)
                scores.append(wasm_score(truth_dir_for(video), out, variant))
                print(f"{variant}: done", file=sys.stderr, flush=True)
    print(table(scores, args.markdown))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
