"""A results folder, the output contract of ``legmove analyze``: written and read back.

events.csv, episodes.csv, epochs.csv, artifacts.csv, bouts.csv and summary.json (see the README's
"What the outputs mean"); the per-frame tracks beside them are written by the job.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from detector.atomic import atomic_write
from pipeline.reports.events import events_presented, times_rounded
from pipeline.reports.methods import methods_text
from pipeline.reports.rates import rate_caveat, rate_reliable
from pipeline.scoring.artifacts import ARTIFACT_COLUMNS
from pipeline.scoring.episodes import EPISODE_COLUMNS
from pipeline.scoring.night import NightResult, is_clip
from pipeline.scoring.rhythm import BOUT_COLUMNS

__all__ = ["night_read", "night_write"]


def night_write(result: NightResult, out_dir: str | Path) -> dict[str, Path]:
    """Write events.csv, episodes.csv, epochs.csv, artifacts.csv, bouts.csv and summary.json into
    ``out_dir`` (each atomically); summary.json also carries the methods text of
    :func:`pipeline.reports.methods.methods_text`, and ``rates_reliable`` with
    ``rate_caveat`` (:mod:`pipeline.reports.rates`: false, and why, when the night had too
    little sleep for its per-hour rates to be read as rates)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, df in (
        ("events", events_presented(result.events)),  # times to the ms, n_legs <= 2, part_of_s
        ("episodes", times_rounded(result.episodes)),
        ("epochs", times_rounded(result.epochs)),
        ("artifacts", times_rounded(result.artifacts)),
        ("bouts", times_rounded(result.bouts)),
    ):
        p = out / f"{name}.csv"
        with atomic_write(p, "w") as fh:
            df.to_csv(fh, index=False, lineterminator="\n")
        paths[name] = p
    p = out / "summary.json"
    clip = is_clip(result.summary)
    summary = _finite(
        {
            **result.summary,
            # whether the night's per-hour rates can be read as rates (pipeline.reports.rates);
            # a clip has none (null: its recording_note says so)
            "rates_reliable": None if clip else rate_reliable(result.summary),
            "rate_caveat": None if clip else rate_caveat(result.summary),
            "methods": methods_text(result.summary),
        }
    )
    with atomic_write(p, "w") as fh:  # valid JSON always: a value not finite is written null
        json.dump(summary, fh, indent=2, default=_json_default, allow_nan=False)
        fh.write("\n")
    paths["summary"] = p
    return paths


def _finite(o: Any) -> Any:
    """``o`` (nested dicts and lists) with NaN and infinite numbers replaced by None."""
    if isinstance(o, dict):
        return {k: _finite(v) for k, v in o.items()}
    if isinstance(o, list | tuple):
        return [_finite(v) for v in o]
    if isinstance(o, float | np.floating) and not math.isfinite(o):
        return None
    return o


def _json_default(o: Any) -> Any:
    if isinstance(o, np.integer):
        return int(o)
    if isinstance(o, np.floating):
        return float(o)
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def night_read(out_dir: str | Path) -> NightResult:
    """Read a result written by :func:`night_write`."""
    out = Path(out_dir)
    events = pd.read_csv(out / "events.csv", dtype={"pattern": str, "source": str})
    if "n_pieces" in events:  # the signal stage's n_legs counts the pieces (events.py)
        events["n_legs"] = events.pop("n_pieces")
    events = events.drop(columns=["part_of_s"], errors="ignore")
    events["pattern"] = events["pattern"].fillna("")
    events["plm_series"] = events["plm_series"].astype("Int64")
    if "bout" in events:  # results written before bouts existed lack it
        events["bout"] = events["bout"].astype("Int64")
    episodes = pd.read_csv(out / "episodes.csv")
    if len(episodes) == 0:
        episodes = pd.DataFrame(columns=EPISODE_COLUMNS)
    epochs = pd.read_csv(out / "epochs.csv")
    summary = json.loads((out / "summary.json").read_text())
    for key in ("methods", "rates_reliable", "rate_caveat"):  # the folder's words, not the result
        summary.pop(key, None)
    artifacts = pd.DataFrame(columns=ARTIFACT_COLUMNS)
    if (out / "artifacts.csv").is_file():  # results written before artifacts existed lack it
        artifacts = pd.read_csv(out / "artifacts.csv")
        if len(artifacts) == 0:
            artifacts = pd.DataFrame(columns=ARTIFACT_COLUMNS)
    bouts = pd.DataFrame(columns=BOUT_COLUMNS)
    if (out / "bouts.csv").is_file():  # results written before bouts existed lack it
        bouts = pd.read_csv(out / "bouts.csv", dtype={"pattern": str, "side": str})
        if len(bouts) == 0:
            bouts = pd.DataFrame(columns=BOUT_COLUMNS)
    return NightResult(events, epochs, episodes, summary, artifacts, bouts)
