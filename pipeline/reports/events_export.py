"""A night's movements as files a sleep-lab viewer opens beside the polysomnogram.

For each night :func:`export_events` writes, into one folder:

- ``night-<id>_<date>_events.tsv`` — BIDS events: ``onset`` and ``duration`` in seconds,
  ``trial_type`` = ``kind/side`` plus ``/plm_series_<n>`` for a PLM (``lm/left``,
  ``lm/bilateral/plm_series_2``, ``twitch/right``, ``long_movement/bilateral``), then
  legmove's own columns (``kind``, ``side``, ``plm_series``, ``rhythmic``, ``pattern``,
  ``frequency_hz``, ``state``, ``source``; ``n/a`` where empty). Onsets are seconds from
  the video's first frame or, given ``psg_start`` (the clock time the polysomnogram
  started), from the PSG's start — the onsets BIDS expects of events beside that recording
  (negative for a movement before the PSG started);
- ``night-<id>_<date>_events.json`` — the BIDS sidecar describing those columns, with the
  clock time of the video's first frame and of time zero;
- ``night-<id>_<date>_events.edf`` — EDF+: one annotation per movement (the
  ``trial_type`` as its text, its duration) and one signal, ``legmove activity``: each
  second, the share of its 15-s scoring epoch with body movement (%). The file starts at
  the clock time of the video's first frame when it is known (else EDF+'s "unknown" date,
  1 Jan 1985), so a viewer that aligns files by their start times (EDFbrowser's "real
  time" synchronisation) lays it beside the PSG.

``legmove compare`` reads both files back (their labels map to legmove's kinds and sides),
so an exported night compared with itself agrees exactly.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from detector.atomic import atomic_write
from pipeline.compare.edf import EdfSignal, edf_write
from pipeline.reports.export import NightRecord

__all__ = ["BIDS_COLUMNS", "events_bids", "export_events"]

#: columns of the events.tsv, in order
BIDS_COLUMNS = [
    "onset",
    "duration",
    "trial_type",
    "kind",
    "side",
    "plm_series",
    "rhythmic",
    "pattern",
    "frequency_hz",
    "state",
    "source",
]

_DESCRIPTIONS: dict[str, dict[str, Any]] = {
    "onset": {"Description": "start of the movement", "Units": "s"},
    "duration": {"Description": "length of the movement", "Units": "s"},
    "trial_type": {
        "Description": "kind/side of the movement, /plm_series_N when it belongs to PLM "
        "series N (legmove's scoring of video, AASM/WASM rules adapted)"
    },
    "kind": {
        "Description": "legmove's kind",
        "Levels": {
            "twitch": "shorter than 0.5 s; normal, never counted as an LM",
            "lm": "candidate leg movement (one leg 0.5-10 s, bilateral 0.5-15 s)",
            "long_movement": "longer than an LM: gross body movement",
        },
    },
    "side": {"Description": "leg(s) moving", "Levels": {"left": "", "right": "", "bilateral": ""}},
    "plm_series": {"Description": "number of the PLM series the LM belongs to"},
    "rhythmic": {"Description": "rhythmic movement (>=3 cycles at 0.5-4 Hz)"},
    "pattern": {"Description": "cycling (legs in anti-phase) or kicking (in phase, one leg)"},
    "frequency_hz": {"Description": "frequency of a rhythmic movement", "Units": "Hz"},
    "state": {"Description": "legmove's sleep/wake at the onset (video actigraphy)"},
    "source": {"Description": "pose: from keypoints; motion: from image motion"},
}


def _trial_type(kind: str, side: str, series: Any) -> str:
    out = f"{kind}/{side}" if side else kind
    return out if pd.isna(series) else f"{out}/plm_series_{int(series)}"


def _shift_s(record: NightRecord, psg_start: dt.datetime | None) -> float:
    if psg_start is None:
        return 0.0
    if record.start_time is None:
        raise ValueError(
            f"night {record.night_id} ({record.date}): the clock time of its video's first "
            "frame is unknown, so its events cannot be aligned to the PSG's start — give the "
            "night an in-bed time (`legmove night add --in-bed`) or export without --psg-start"
        )
    return (record.start_time - psg_start).total_seconds()


def events_bids(record: NightRecord, psg_start: dt.datetime | None = None) -> pd.DataFrame:
    """The night's movements as a BIDS events table (:data:`BIDS_COLUMNS`; see the module)."""
    ev = record.result.events
    shift = _shift_s(record, psg_start)
    series = ev["plm_series"] if "plm_series" in ev else pd.Series(pd.NA, index=ev.index)
    table = pd.DataFrame(
        {
            "onset": (ev["start_s"].astype(float) + shift).round(3),
            "duration": ev["duration_s"].astype(float).round(3),
            "trial_type": [
                _trial_type(str(k), str(s), n)
                for k, s, n in zip(ev["kind"], ev["side"], series, strict=True)
            ],
            "kind": ev["kind"].astype(str),
            "side": ev["side"].astype(str),
            "plm_series": series.astype("Int64"),
            "rhythmic": ev["rhythmic"]
            .map(lambda v: str(v).lower() == "true")
            .map({True: "true", False: "false"}),
            "pattern": ev["pattern"].fillna("").astype(str),
            "frequency_hz": ev["frequency_hz"],
            "state": ev["state"].astype(str),
            "source": ev["source"].fillna("").astype(str),
        },
        columns=BIDS_COLUMNS,
    )
    return table.sort_values("onset", kind="stable").reset_index(drop=True)


def _activity(record: NightRecord) -> np.ndarray:
    """Each second's scoring-epoch activity in % (0 past the last epoch)."""
    duration = float(record.result.summary.get("duration_s", 0.0))
    n = max(1, math.ceil(duration))
    out = np.zeros(n)
    ep = record.result.epochs
    t = np.arange(n) + 0.5
    for row in ep.itertuples(index=False):
        out[(t >= row.start_s) & (t < row.end_s)] = 100.0 * float(row.activity)
    return out


def _stem(record: NightRecord) -> str:
    return f"night-{record.night_id}_{record.date.isoformat()}_events"


def export_events(
    records: Sequence[NightRecord], out_dir: str | Path, psg_start: dt.datetime | None = None
) -> dict[str, Path]:
    """Write each night's events.tsv, events.json and events.edf into ``out_dir`` (each
    atomically); ``psg_start`` (one night only) sets the events.tsv's time zero."""
    if psg_start is not None and len(records) != 1:
        raise ValueError("a PSG start time belongs to one night: export that night alone")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    for rec in records:
        stem = _stem(rec)
        table = events_bids(rec, psg_start)
        tsv = out / f"{stem}.tsv"
        with atomic_write(tsv, "w") as fh:
            table.to_csv(fh, sep="\t", index=False, na_rep="n/a", lineterminator="\n")
        zero = psg_start or rec.start_time
        sidecar = {
            **_DESCRIPTIONS,
            "legmove": {
                "night": rec.night_id,
                "label": rec.label,
                "date": rec.date.isoformat(),
                "video_start": None if rec.start_time is None else rec.start_time.isoformat(),
                "onset_zero": None if zero is None else zero.isoformat(),
                "onset_zero_is": "the PSG's start" if psg_start else "the video's first frame",
            },
        }
        js = out / f"{stem}.json"
        with atomic_write(js, "w") as fh:
            json.dump(sidecar, fh, indent=2, ensure_ascii=False)
            fh.write("\n")
        ev = rec.result.events
        ann = pd.DataFrame(
            {
                "onset_s": ev["start_s"].astype(float).to_numpy(),
                "duration_s": ev["duration_s"].astype(float).to_numpy(),
                "label": [
                    _trial_type(str(k), str(s), n)
                    for k, s, n in zip(ev["kind"], ev["side"], ev["plm_series"], strict=True)
                ],
            }
        )
        activity = EdfSignal("legmove activity", _activity(rec), 1, "%", 0.0, 100.0)
        edf = edf_write(
            out / f"{stem}.edf",
            ann,
            rec.start_time,
            [activity],
            recording=f"legmove night {rec.night_id} {rec.date.isoformat()}",
        )
        paths.update({f"{stem}.tsv": tsv, f"{stem}.json": js, f"{stem}.edf": edf})
    return paths
