"""An expert's scoring of a night, read from the files sleep laboratories export.

:func:`reference_read` takes

- an **EDF+ file** (``.edf``, ``.bdf``, ``.rec``): its annotations — a PSG with its scoring,
  or an annotations-only file such as a hypnogram (:mod:`pipeline.compare.edf`);
- a **CSV/TSV table** (``,``, tab or ``;``; lines before the header, as sleep software
  writes a patient block first, are skipped): an onset column (``onset``, ``start``,
  ``Start Time``, ``Time [hh:mm:ss]``, ...) in seconds, as clock times (``22:13:05``, past
  midnight counted on) or as date-times; a duration (``duration``, ``Duration[s]``) or an
  end column (``end``, ``stop``); and a label column (``trial_type``, ``label``, ``kind``,
  ``Event``, ``Description``, ``annotation``, ``type``, ...). BIDS ``events.tsv`` (``n/a``
  for a missing value; the clock time of its zero from legmove's own sidecar ``.json``) and
  legmove's ``events.csv`` are such tables. Optional columns:
  a side (``side``, ``leg``, ``location``, ``channel``), the sleep state or stage at the
  event (``state``, ``Sleep Stage``) and a PLM series number (``plm_series``);
- a **folder**: its ``events.csv`` / ``events.tsv`` / ``*_events.tsv``, with the hypnogram
  from ``spans.csv`` (a generated scene's truth: ``wake``, ``settling`` = wake, ``sleep``)
  or ``epochs.csv`` (a legmove results folder).

Labels become kinds and sides through a :class:`~pipeline.compare.labels.LabelMap`; rows
that are hypnogram stages become the :attr:`Reference.hypnogram` (consecutive stages of one
state joined; an unscored stage leaves a gap). Times stay in the reference's own frame:
:mod:`pipeline.compare.agreement` moves them onto the video's time with the offset.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.compare.edf import edf_annotations_read
from pipeline.compare.labels import LabelMap, side_of
from pipeline.errors import ReferenceFileError

__all__ = [
    "HYPNOGRAM_COLUMNS",
    "REFERENCE_COLUMNS",
    "Reference",
    "reference_hypnogram",
    "reference_read",
]

#: columns of :attr:`Reference.events` (one row per movement the expert scored)
REFERENCE_COLUMNS = ["onset_s", "duration_s", "label", "kind", "side", "plm_series", "state"]
#: columns of :attr:`Reference.hypnogram` (``state`` sleep or wake)
HYPNOGRAM_COLUMNS = ["start_s", "end_s", "state"]
EDF_SUFFIXES = (".edf", ".bdf", ".rec")
#: a stage row without a duration lasts until the next stage, the last one an AASM epoch
_STAGE_S = 30.0
_CLOCK = re.compile(r"^(\d{1,2})[:.](\d{2})(?:[:.](\d{2}(?:[.,]\d+)?))?$")


def _empty_hypnogram() -> pd.DataFrame:
    return pd.DataFrame(
        {"start_s": pd.Series(dtype=float), "end_s": pd.Series(dtype=float), "state": []},
        columns=HYPNOGRAM_COLUMNS,
    )


@dataclass(frozen=True, eq=False)
class Reference:
    """An expert's scoring: its movements (:data:`REFERENCE_COLUMNS`, by onset; ``side`` ''
    and ``state`` '' where the reference does not say, ``duration_s`` NaN where it gives no
    duration) and its hypnogram (:data:`HYPNOGRAM_COLUMNS`, may be empty), with times in
    seconds from the reference's start.

    ``start_time`` is the clock time of that start when the file says it (EDF+ header,
    date-times in a table); ``day_clock`` is True when the table gave times of day only,
    its onsets then being seconds from midnight before its first event. ``labels`` counts
    each label used with the kind it was given; ``ignored`` counts the labels not used;
    ``has_series`` says the reference numbers its PLM series (a ``plm_series`` column).
    """

    events: pd.DataFrame
    hypnogram: pd.DataFrame
    path: str
    layout: str
    start_time: dt.datetime | None = None
    day_clock: bool = False
    labels: dict[str, tuple[str, int]] = field(default_factory=dict)
    ignored: dict[str, int] = field(default_factory=dict)
    has_series: bool = False

    @property
    def has_sides(self) -> bool:
        return bool((self.events["side"] != "").any())


# --- column roles -----------------------------------------------------------------------------
_LABEL_NAMES = (
    "trialtype",
    "label",
    "kind",
    "eventtype",
    "eventname",
    "eventlabel",
    "event",
    "events",
    "description",
    "annotation",
    "annotations",
    "type",
    "name",
    "value",
)


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _roles(columns: list[str]) -> dict[str, str]:
    """Which column holds the onset, end, duration, label, side, state and PLM series."""
    roles: dict[str, str] = {}
    norm = {c: _norm(c) for c in columns}

    def first(test) -> str | None:  # type: ignore[no-untyped-def]
        return next((c for c in columns if test(norm[c])), None)

    tests = {
        "onset": lambda n: (
            n.startswith(("onset", "start", "begin"))
            or (n.startswith("time") and not n.startswith("timein"))
            or n in ("clocktime", "timeofday")
        ),
        "end": lambda n: n.startswith(("end", "stop")),
        "duration": lambda n: n.startswith(("dur", "length")),
        "side": lambda n: n in ("side", "leg", "limb", "laterality", "location", "channel"),
        "state": lambda n: n in ("state", "sleepstage", "stage", "sleepstate"),
        "plm_series": lambda n: n in ("plmseries", "series"),
    }
    for role, test in tests.items():
        col = first(test)
        if col is not None:
            roles[role] = col
    for name in _LABEL_NAMES:
        col = first(lambda n, name=name: n == name)
        if col is not None:
            roles["label"] = col
            break
    return roles


# --- time columns -----------------------------------------------------------------------------
def _blank(v: str) -> bool:
    return v.strip().lower() in ("", "n/a", "na", "nan", "-")


def _times(values: pd.Series, column: str, path: Path) -> tuple[np.ndarray, str]:
    """Seconds, and the form they were written in: 's', 'day' (times of day, as seconds from
    the first day's midnight, counted on past midnight) or 'datetime' (seconds from the
    Unix epoch, naive local time)."""
    raw = values.astype(str).str.strip()
    blank = raw.map(_blank).to_numpy()
    num = pd.to_numeric(raw.str.replace(",", ".", regex=False), errors="coerce").to_numpy()
    if np.all(np.isfinite(num) | blank):
        return np.where(blank, np.nan, num).astype(float), "s"
    out = np.full(len(raw), np.nan)
    clocks = [_CLOCK.match(v) for v in raw]
    if all(m is not None or b for m, b in zip(clocks, blank, strict=True)):
        day, last = 0.0, None
        for i, m in enumerate(clocks):
            if m is None:
                continue
            h, mi, s = int(m.group(1)), int(m.group(2)), m.group(3)
            t = h * 3600 + mi * 60 + (float(s.replace(",", ".")) if s else 0.0)
            if last is not None and t + day < last - 12 * 3600:  # past midnight
                day += 86400.0
            out[i] = t + day
            last = out[i]
        return out, "day"
    try:
        when = pd.to_datetime(raw.where(~blank), format="ISO8601")
    except (ValueError, TypeError):
        bad = next(v for v, m, b in zip(raw, clocks, blank, strict=True) if m is None and not b)
        raise ReferenceFileError(
            f"{path}: column {column!r} holds {bad!r}, which is neither seconds, a clock time "
            "(hh:mm:ss) nor a date-time — export onsets as one of these"
        ) from None
    secs = (when.dt.tz_localize(None) - pd.Timestamp(0)).dt.total_seconds()
    return secs.to_numpy(dtype=float), "datetime"


# --- reading ----------------------------------------------------------------------------------
def _table_text(path: Path, stages: bool = False) -> tuple[pd.DataFrame, dict[str, str]]:
    """The table below its header line, and the role of its columns; ``stages``: a stage
    column (``stage``, ``Sleep Stage``) may stand for the label (a hypnogram file)."""
    try:
        text = path.read_text(encoding="utf-8-sig", errors="replace")
    except OSError as exc:
        raise ReferenceFileError(f"{path}: cannot be read ({exc.strerror})") from None
    lines = text.splitlines()
    for i, line in enumerate(lines[:80]):
        sep = max(("\t", ",", ";"), key=line.count)
        if not line.count(sep):
            continue
        roles = _roles([c.strip().strip('"') for c in line.split(sep)])
        if "onset" in roles and ("label" in roles or (stages and "state" in roles)):
            df = pd.read_csv(
                io.StringIO("\n".join(lines[i:])),
                sep=sep,
                dtype=str,
                keep_default_na=False,
                skipinitialspace=True,
            )
            df.columns = [str(c).strip() for c in df.columns]
            df = df[~df.apply(lambda r: all(_blank(str(v)) for v in r), axis=1)]
            roles = _roles(list(df.columns))
            if "label" not in roles:
                roles["label"] = roles["state"]
            return df.reset_index(drop=True), roles
    raise ReferenceFileError(
        f"{path}: found no header with an onset column (onset, start, Start Time, ...) and a "
        "label column (trial_type, label, Event, Description, ...) — export the scoring with "
        "these columns, or as EDF+ annotations"
    )


def _stages(onset: np.ndarray, dur: np.ndarray, states: list[str]) -> pd.DataFrame:
    """Stage rows (state 'sleep', 'wake' or '' for unscored) as joined sleep/wake spans."""
    order = np.argsort(onset, kind="stable")
    spans: list[list] = []
    for k, i in enumerate(order):
        nxt = onset[order[k + 1]] if k + 1 < len(order) else onset[i] + _STAGE_S
        end = onset[i] + dur[i] if np.isfinite(dur[i]) else nxt
        if not states[i] or end <= onset[i]:
            continue
        if spans and spans[-1][2] == states[i] and abs(spans[-1][1] - onset[i]) < 1e-6:
            spans[-1][1] = end
        else:
            spans.append([float(onset[i]), float(end), states[i]])
    if not spans:
        return _empty_hypnogram()
    return pd.DataFrame(spans, columns=HYPNOGRAM_COLUMNS)


def _reference(
    path: Path,
    layout: str,
    onset: np.ndarray,
    dur: np.ndarray,
    labels: list[str],
    labelmap: LabelMap,
    side_col: list[str] | None = None,
    state_col: list[str] | None = None,
    series_col: list[str] | None = None,
    start_time: dt.datetime | None = None,
    day_clock: bool = False,
) -> Reference:
    pairs = [labelmap.kind_side(lb) for lb in labels]
    kinds = [k for k, _ in pairs]
    sides = [s for _, s in pairs]
    used: Counter[tuple[str, str]] = Counter()
    ignored: Counter[str] = Counter()
    rows, stage_rows = [], []
    for i, (lb, kind, side) in enumerate(zip(labels, kinds, sides, strict=True)):
        if kind == "ignore" or not np.isfinite(onset[i]):
            ignored[lb] += 1
            continue
        used[(lb, kind)] += 1
        if kind in ("sleep", "wake"):
            stage_rows.append(i)
            continue
        if not side and side_col is not None:
            side = side_of(side_col[i])
        state = ""
        if state_col is not None and state_col[i].strip():
            st = labelmap.kind_side(state_col[i])[0]
            state = st if st in ("sleep", "wake") else ""
        series = pd.to_numeric(series_col[i], errors="coerce") if series_col else np.nan
        rows.append((float(onset[i]), float(dur[i]), lb, kind, side, series, state))
    events = pd.DataFrame(rows, columns=REFERENCE_COLUMNS)
    events["plm_series"] = pd.to_numeric(events["plm_series"]).round().astype("Int64")
    events = events.sort_values("onset_s", kind="stable").reset_index(drop=True)
    if not len(events):
        found = ", ".join(f"{k!r} ({n})" for k, n in ignored.most_common(8)) or "none"
        raise ReferenceFileError(
            f"{path}: no leg movement among its {len(labels)} annotations/rows (labels not "
            f"used: {found}) — say which label is a leg movement with --map 'LABEL=lm'"
        )
    hyp = _stages(onset[stage_rows], dur[stage_rows], [str(kinds[i]) for i in stage_rows])
    return Reference(
        events=events,
        hypnogram=hyp,
        path=str(path),
        layout=layout,
        start_time=start_time,
        day_clock=day_clock,
        labels={lb: (kind, n) for (lb, kind), n in sorted(used.items())},
        ignored=dict(sorted(ignored.items())),
        has_series=series_col is not None,
    )


def _sidecar_start(path: Path) -> dt.datetime | None:
    """The clock time of time zero that legmove's events export writes into the BIDS
    sidecar (``<name>.json`` beside ``<name>.tsv``), when there is one."""
    side = path.with_suffix(".json")
    if path.suffix.lower() != ".tsv" or not side.is_file():
        return None
    try:
        zero = json.loads(side.read_text(encoding="utf-8")).get("legmove", {}).get("onset_zero")
        return dt.datetime.fromisoformat(zero) if isinstance(zero, str) else None
    except (ValueError, OSError, AttributeError):
        return None


def _read_table(path: Path, labelmap: LabelMap) -> Reference:
    df, roles = _table_text(path)
    onset, mode = _times(df[roles["onset"]], roles["onset"], path)
    dur = np.full(len(df), np.nan)
    if "duration" in roles:
        raw = df[roles["duration"]].astype(str).str.strip().str.replace(",", ".", regex=False)
        dur = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
    elif "end" in roles:
        end, end_mode = _times(df[roles["end"]], roles["end"], path)
        if end_mode == "day" and mode == "day":
            end = np.where(end < onset - 12 * 3600, end + 86400.0, end)
        dur = end - onset
    start_time = _sidecar_start(path)
    if mode == "datetime":
        first = float(np.nanmin(onset))
        start_time = dt.datetime(1970, 1, 1) + dt.timedelta(seconds=first)
        onset = onset - first
    cols = set(df.columns)
    bids = path.suffix.lower() == ".tsv" and {"onset", "duration"} <= cols
    legmove = {"start_s", "end_s", "kind"} <= cols

    def col(role: str) -> list[str] | None:
        return df[roles[role]].astype(str).tolist() if role in roles else None

    return _reference(
        path,
        "BIDS events.tsv" if bids else "legmove events table" if legmove else "table",
        onset,
        dur,
        df[roles["label"]].astype(str).str.strip().tolist(),
        labelmap,
        side_col=col("side"),
        state_col=col("state"),
        series_col=col("plm_series"),
        start_time=start_time,
        day_clock=mode == "day",
    )


def _read_edf(path: Path, labelmap: LabelMap) -> Reference:
    ann = edf_annotations_read(path)
    t = ann.table
    return _reference(
        path,
        "EDF+ annotations",
        t["onset_s"].to_numpy(dtype=float),
        t["duration_s"].to_numpy(dtype=float),
        t["label"].tolist(),
        labelmap,
        start_time=ann.start_time,
    )


def _folder_hypnogram(folder: Path) -> pd.DataFrame:
    """A generated scene's spans.csv (settling is wake) or a results folder's epochs.csv."""
    if (folder / "spans.csv").is_file():
        spans = pd.read_csv(folder / "spans.csv")
        spans = spans[spans["kind"].isin(["wake", "settling", "sleep"])]
        states = ["wake" if k == "settling" else str(k) for k in spans["kind"]]
        start = spans["start_s"].to_numpy(dtype=float)
        return _stages(start, spans["end_s"].to_numpy(dtype=float) - start, states)
    if (folder / "epochs.csv").is_file():
        ep = pd.read_csv(folder / "epochs.csv")
        states = [s if s in ("sleep", "wake") else "" for s in ep["state"].astype(str)]
        start = ep["start_s"].to_numpy(dtype=float)
        return _stages(start, ep["end_s"].to_numpy(dtype=float) - start, states)
    return _empty_hypnogram()


def reference_read(path: str | Path, labels: LabelMap | None = None) -> Reference:
    """Read an expert's scoring from ``path`` (EDF+ file, CSV/TSV table or folder; see the
    module's docstring) with ``labels`` (default :class:`LabelMap`). Raises
    :class:`~pipeline.errors.ReferenceFileError` naming the file and what to export."""
    p = Path(path)
    labelmap = labels or LabelMap()
    if p.is_dir():
        names = ["events.csv", "events.tsv", *sorted(x.name for x in p.glob("*_events.tsv"))]
        table = next((p / n for n in names if (p / n).is_file()), None)
        if table is None:
            raise ReferenceFileError(
                f"{p}: a folder without events.csv or events.tsv — give the scoring file itself"
            )
        ref = _read_table(table, labelmap)
        if ref.hypnogram.empty:
            ref = replace(ref, hypnogram=_folder_hypnogram(p))
        return ref
    if not p.is_file():
        raise ReferenceFileError(f"{p}: no such file or folder — give the expert's scoring")
    if p.suffix.lower() in EDF_SUFFIXES:
        return _read_edf(p, labelmap)
    return _read_table(p, labelmap)


def reference_hypnogram(path: str | Path, labels: LabelMap | None = None) -> pd.DataFrame:
    """Only the hypnogram of ``path`` (a separate hypnogram file, as sleep software often
    exports one beside the events)."""
    p = Path(path)
    labelmap = labels or LabelMap()
    if p.suffix.lower() in EDF_SUFFIXES:
        t = edf_annotations_read(p).table
        onset, dur, lbl = t["onset_s"].to_numpy(float), t["duration_s"].to_numpy(float), t["label"]
    else:
        df, roles = _table_text(p, stages=True)
        onset, _ = _times(df[roles["onset"]], roles["onset"], p)
        dur = np.full(len(df), np.nan)
        if "duration" in roles:
            dur = pd.to_numeric(df[roles["duration"]], errors="coerce").to_numpy(dtype=float)
        lbl = df[roles["label"]]
    states = [labelmap.kind_side(str(x))[0] for x in lbl]
    keep = [i for i, s in enumerate(states) if s in ("sleep", "wake")]
    hyp = _stages(onset[keep], dur[keep], [states[i] for i in keep])
    if hyp.empty:
        raise ReferenceFileError(f"{p}: no sleep stage found (W, N1-N3, R, Sleep stage W, ...)")
    return hyp
