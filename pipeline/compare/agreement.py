"""One night's agreement: legmove's result against an expert's scoring of the same night.

:func:`night_agreement` puts the reference on the video's time (``video = reference −
offset``; :mod:`pipeline.compare.offset`), keeps the reference events whose onset falls
inside the video, and measures, each with the one-to-one onset matching of
:func:`~pipeline.compare.match.compare_onsets`:

- **LMs**: the reference's LMs (labels mapped to ``lm`` or ``plm``, at least the result's
  ``lm_min_s`` long) against legmove's LMs, onsets within ``tolerance_s``; per leg where the
  reference names sides (a leg's events: that side's and the bilateral ones), and how often
  a matched pair names the same side;
- **twitches**: reference movements shorter than ``lm_min_s`` (normal in infant sleep, never
  an LM), matched within ``lm_min_s`` to any legmove movement — how many legmove counted as
  LMs (the ``twitch→LM`` share of ``bench/accuracy.py``);
- **PLMs**: the reference's PLM LMs against legmove's, its PLM series against legmove's
  (a pair overlaps in time), and the PLMS index (PLMs in sleep per hour of sleep) of each.
  The reference's series are its ``plm_series`` column, else runs of consecutive
  PLM-labelled LMs, else legmove's PLM rule (with the result's settings) applied to the
  reference's LMs — the output says which;
- **by sleep/wake** (when the reference has a hypnogram): the LM agreement inside the
  reference's sleep and inside its wake, and epoch by epoch legmove's sleep/wake against
  the hypnogram's (accuracy, Cohen's kappa), sleep onset and total sleep.

Nothing here re-scores the night: legmove's numbers are the result's own.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields, replace
from typing import Any

import numpy as np
import pandas as pd

from pipeline.compare.match import DEFAULT_TOLERANCE_S, Comparison, compare_onsets
from pipeline.compare.offset import OffsetEstimate, offset_estimate
from pipeline.compare.reference import HYPNOGRAM_COLUMNS, Reference
from pipeline.scoring.night import NightResult
from pipeline.scoring.plm import plm_series
from pipeline.scoring.sleep import sleep_state_at
from pipeline.settings import Settings

__all__ = ["DEFAULT_TOLERANCE_S", "NightAgreement", "night_agreement", "state_at"]


@dataclass(frozen=True, eq=False)
class NightAgreement:
    """The numbers of one night's comparison (:meth:`to_dict` for a JSON file)."""

    name: str
    reference: str
    layout: str
    offset_s: float
    offset_how: str
    estimate: OffsetEstimate
    tolerance_s: float
    lm: Comparison
    lm_onset_bias_s: float | None
    n_outside: int
    sides: dict[str, Comparison]
    side_agreement: float | None
    twitch: dict[str, Any]
    plm: Comparison
    plm_counts: tuple[int, int]
    series: dict[str, Any]
    plms_index: tuple[float | None, float | None]
    sleep_source: str
    by_state: dict[str, Comparison]
    sleep_wake: dict[str, Any] | None
    labels: dict[str, tuple[str, int]]
    ignored: dict[str, int]
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        ref_i, lm_i = self.plms_index
        return {
            "night": self.name,
            "reference": {"path": self.reference, "layout": self.layout},
            "offset": {
                "used_s": round(self.offset_s, 3),
                "how": self.offset_how,
                "estimate": self.estimate.to_dict(),
            },
            "tolerance_s": self.tolerance_s,
            "reference_events_outside_video": self.n_outside,
            "lm": {
                **self.lm.to_dict(),
                "onset_bias_s": _r(self.lm_onset_bias_s, 3),
                "sides": {k: c.to_dict() for k, c in self.sides.items()} or None,
                "side_agreement": _r(self.side_agreement, 4),
            },
            "twitch": self.twitch,
            "plm": {
                **self.plm.to_dict(),
                "reference_count": self.plm_counts[0],
                "legmove_count": self.plm_counts[1],
                "series": self.series,
            },
            "plms_index_per_h": {
                "reference": ref_i,
                "legmove": lm_i,
                "difference": None if ref_i is None or lm_i is None else round(lm_i - ref_i, 2),
                "sleep_from": self.sleep_source,
            },
            "by_state": {k: c.to_dict() for k, c in self.by_state.items()} or None,
            "sleep_wake": self.sleep_wake,
            "labels": {k: {"kind": kind, "n": n} for k, (kind, n) in self.labels.items()},
            "labels_not_used": self.ignored,
            "notes": self.notes,
        }


def _r(x: float | None, nd: int) -> float | None:
    return None if x is None else round(float(x), nd)


def _settings(summary: dict[str, Any]) -> Settings:
    known = {f.name for f in fields(Settings)}
    return Settings.from_dict({k: v for k, v in summary.get("settings", {}).items() if k in known})


def state_at(hypnogram: pd.DataFrame, t_s: np.ndarray) -> np.ndarray:
    """The hypnogram's state ('sleep', 'wake', '' where it has none) at each time."""
    t = np.asarray(t_s, dtype=float)
    out = np.full(len(t), "", dtype=object)
    for row in hypnogram.itertuples(index=False):
        out[(t >= row.start_s) & (t < row.end_s)] = row.state
    return out


def _offset(
    ref: Reference,
    det_lm_s: np.ndarray,
    duration_s: float,
    offset: float | str | None,
    video_start: dt.datetime | None,
    tolerance_s: float,
    max_offset_s: float,
) -> tuple[float, str, OffsetEstimate]:
    ref_lm = ref.events.loc[ref.events["kind"].isin(["lm", "plm"]), "onset_s"].to_numpy()
    clock: float | None = None
    if ref.start_time is not None and video_start is not None:
        clock = (video_start - ref.start_time).total_seconds()
    elif ref.day_clock and video_start is not None:
        t = video_start
        clock = t.hour * 3600 + t.minute * 60 + t.second + t.microsecond / 1e6
        if len(ref_lm) and clock < float(ref_lm.min()) - 12 * 3600:
            clock += 86400.0
    center, half = 0.0, max_offset_s
    if clock is not None:
        center = clock
    elif ref.day_clock and len(ref_lm):  # times of day, video clock unknown: search it all
        center = (float(ref_lm.min()) + float(ref_lm.max()) - duration_s) / 2
        half = (float(ref_lm.max()) - float(ref_lm.min()) + duration_s) / 2 + max_offset_s
    est = offset_estimate(ref_lm - center, det_lm_s, half, tolerance_s)
    if est.offset_s is not None:
        est = replace(est, offset_s=center + est.offset_s)
    if isinstance(offset, str):
        if offset != "auto":
            raise ValueError(f"offset must be a number of seconds or 'auto', not {offset!r}")
        if est.offset_s is None:
            raise ValueError(
                f"{ref.path}: no LM onsets of the reference and of legmove pair up within "
                f"±{half:.0f} s, so no offset can be estimated — give --offset-s"
            )
        return est.offset_s, "estimated from the event trains", est
    if offset is not None:
        return float(offset), "given", est
    if clock is not None:
        return clock, "from the clocks of the video and the reference", est
    if ref.day_clock:
        if est.offset_s is None:
            raise ValueError(
                f"{ref.path}: its onsets are times of day and the video's start time is "
                "unknown: give --offset-s (the reference's time of the video's first frame)"
            )
        return est.offset_s, "estimated from the event trains (no video clock)", est
    return 0.0, "none (both taken to start together)", est


def _series_runs(
    events: pd.DataFrame, settings: Settings, has_series: bool
) -> tuple[pd.Series, str]:
    """Series number of each reference movement (NA: not a PLM) and where it came from."""
    if has_series:
        return events["plm_series"], "the reference's plm_series column"
    short = events["duration_s"] < settings.lm_min_s
    lms = events["kind"].isin(["lm", "plm"]) & ~short
    if (events["kind"] == "plm").any():
        out = pd.Series(pd.NA, index=events.index, dtype="Int64")
        number, last = 0, None
        for idx in events.index[lms]:
            is_plm = events.at[idx, "kind"] == "plm"
            t = float(events.at[idx, "onset_s"])
            if not is_plm:
                last = None
                continue
            if last is None or t - last > settings.plm_max_interval_s:
                number += 1
            out.at[idx] = number
            last = t
        return out, "the reference's PLM labels (runs of consecutive PLMs)"
    moves = pd.DataFrame(
        {
            "start_s": events["onset_s"],
            "kind": np.where(lms, "lm", np.where(short, "twitch", events["kind"])),
        }
    )
    series = plm_series(moves, settings)["plm_series"]
    return series.round().astype("Int64"), "legmove's PLM rule applied to the reference's LMs"


def _series_spans(onset: np.ndarray, end: np.ndarray, series: np.ndarray) -> list[tuple]:
    spans = []
    for s in sorted({int(x) for x in series if not pd.isna(x)}):
        m = np.asarray([not pd.isna(x) and int(x) == s for x in series])
        spans.append((float(onset[m].min()), float(np.nanmax(end[m]))))
    return spans


def _series_matched(a: list[tuple], b: list[tuple]) -> int:
    """One-to-one pairs of overlapping spans, largest overlap first."""
    cand = sorted(
        (
            (min(x[1], y[1]) - max(x[0], y[0]), i, j)
            for i, x in enumerate(a)
            for j, y in enumerate(b)
        ),
        reverse=True,
    )
    used_a: set[int] = set()
    used_b: set[int] = set()
    for ov, i, j in cand:
        if ov > 0 and i not in used_a and j not in used_b:
            used_a.add(i)
            used_b.add(j)
    return len(used_a)


def _sleep_wake(
    result: NightResult, hyp: pd.DataFrame, settings: Settings
) -> dict[str, Any] | None:
    ep = result.epochs
    if hyp.empty or ep.empty:
        return None
    mid = ((ep["start_s"] + ep["end_s"]) / 2).to_numpy(dtype=float)
    ref = state_at(hyp, mid)
    mine = ep["state"].astype(str).to_numpy()
    both = (ref != "") & np.isin(mine, ["sleep", "wake"])
    r, m = ref[both] == "sleep", mine[both] == "sleep"
    n = int(both.sum())
    if n == 0:
        return None
    po = float(np.mean(r == m))
    pe = float(r.mean() * m.mean() + (1 - r.mean()) * (1 - m.mean()))
    onset = next(
        (
            float(row.start_s)
            for row in hyp.itertuples(index=False)
            if row.state == "sleep" and row.end_s - row.start_s >= settings.sleep_onset_min_s
        ),
        None,
    )
    asleep = hyp[hyp["state"] == "sleep"]
    return {
        "epochs": n,
        "accuracy": round(po, 4),
        "kappa": None if pe >= 1 else round((po - pe) / (1 - pe), 4),
        "sleep_sensitivity": None if not r.any() else round(float(m[r].mean()), 4),
        "wake_specificity": None if r.all() else round(float((~m[~r]).mean()), 4),
        "sleep_onset_reference_s": onset,
        "sleep_onset_legmove_s": result.summary.get("sleep_onset_s"),
        "total_sleep_reference_s": round(float((asleep["end_s"] - asleep["start_s"]).sum()), 1),
        "total_sleep_legmove_s": result.summary.get("total_sleep_s"),
    }


def night_agreement(
    result: NightResult,
    ref: Reference,
    name: str = "night",
    *,
    offset: float | str | None = None,
    tolerance_s: float = DEFAULT_TOLERANCE_S,
    max_offset_s: float = 600.0,
    video_start: dt.datetime | None = None,
    hypnogram: pd.DataFrame | None = None,
) -> NightAgreement:
    """Compare ``result`` with ``ref``. ``offset``: the reference's time of the video's first
    frame in s, ``'auto'`` (estimated), or None — from the clocks when the result's
    ``video_start`` and the reference's start are both known, else 0. ``hypnogram``
    (reference time) replaces the reference's own."""
    if tolerance_s <= 0:
        raise ValueError("tolerance_s must be positive")
    settings = _settings(result.summary)
    ev = result.events
    duration = float(result.summary.get("duration_s", ev["end_s"].max() if len(ev) else 0.0))
    det_lm = ev[ev["kind"] == "lm"]
    used, how, est = _offset(
        ref,
        det_lm["start_s"].to_numpy(float),
        duration,
        offset,
        video_start,
        tolerance_s,
        max_offset_s,
    )
    notes: list[str] = []
    r = ref.events.copy()
    r["series"], series_from = _series_runs(r, settings, ref.has_series)
    r["onset_s"] = r["onset_s"] - used
    inside = (r["onset_s"] >= 0) & (r["onset_s"] <= duration)
    n_outside = int((~inside).sum())
    r = r[inside].reset_index(drop=True)
    if n_outside:
        notes.append(f"{n_outside} reference event(s) outside the video's time were left out")
    hyp = ref.hypnogram if hypnogram is None else hypnogram
    hyp = hyp.assign(start_s=hyp["start_s"] - used, end_s=hyp["end_s"] - used)
    hyp = hyp.assign(start_s=hyp["start_s"].clip(0, duration), end_s=hyp["end_s"].clip(0, duration))
    hyp = hyp[hyp["end_s"] > hyp["start_s"]].reset_index(drop=True)[HYPNOGRAM_COLUMNS]

    short = r["duration_s"] < settings.lm_min_s  # NaN (no duration): not short
    is_lm = r["kind"].isin(["lm", "plm"]) & ~short
    is_twitch = (r["kind"] == "twitch") | (r["kind"].isin(["lm", "plm", "long_movement"]) & short)
    ref_lm = r[is_lm]
    lm = compare_onsets(ref_lm["onset_s"].to_numpy(), det_lm["start_s"].to_numpy(), tolerance_s)
    diffs = [ref_lm["onset_s"].iloc[i] - det_lm["start_s"].iloc[j] for i, j in lm.pairs]
    bias = float(np.median(diffs)) if diffs else None
    if r["duration_s"].isna().any():
        notes.append(
            f"{int(r['duration_s'].isna().sum())} reference event(s) have no duration: "
            "taken as LMs, not twitches, by their label"
        )

    sides: dict[str, Comparison] = {}
    side_agreement = None
    if ref.has_sides:
        for leg in ("left", "right"):
            a = ref_lm[ref_lm["side"].isin([leg, "bilateral"])]["onset_s"].to_numpy()
            b = det_lm[det_lm["side"].isin([leg, "bilateral"])]["start_s"].to_numpy()
            sides[leg] = compare_onsets(a, b, tolerance_s)
        same = [
            ref_lm["side"].iloc[i] == det_lm["side"].iloc[j]
            for i, j in lm.pairs
            if ref_lm["side"].iloc[i]
        ]
        side_agreement = float(np.mean(same)) if same else None

    tw = r[is_twitch]
    ct = compare_onsets(tw["onset_s"].to_numpy(), ev["start_s"].to_numpy(), settings.lm_min_s)
    kinds = [str(ev["kind"].iloc[j]) for _, j in ct.pairs]
    twitch = {
        "reference_count": len(tw),
        "legmove_as_lm": kinds.count("lm"),
        "legmove_as_twitch": kinds.count("twitch"),
        "legmove_none": len(tw) - len(kinds),
        "share_as_lm": round(kinds.count("lm") / len(tw), 4) if len(tw) else None,
        "shorter_than_s": settings.lm_min_s,
    }

    ref_plm = ref_lm[ref_lm["series"].notna()]
    det_plm = det_lm[det_lm["plm_series"].notna()]
    plm = compare_onsets(ref_plm["onset_s"].to_numpy(), det_plm["start_s"].to_numpy(), tolerance_s)
    a_spans = _series_spans(
        ref_plm["onset_s"].to_numpy(float),
        (ref_plm["onset_s"] + ref_plm["duration_s"].fillna(0)).to_numpy(float),
        ref_plm["series"].to_numpy(),
    )
    b_spans = _series_spans(
        det_plm["start_s"].to_numpy(float),
        det_plm["end_s"].to_numpy(float),
        det_plm["plm_series"].to_numpy(),
    )
    series = {
        "reference": len(a_spans),
        "legmove": len(b_spans),
        "matched": _series_matched(a_spans, b_spans),
        "reference_from": series_from,
    }

    if not hyp.empty:
        ref_state = state_at(hyp, ref_plm["onset_s"].to_numpy(float))
        sleep_h = float((hyp["end_s"] - hyp["start_s"])[hyp["state"] == "sleep"].sum()) / 3600
        sleep_source = "the reference's hypnogram"
    else:
        total = result.summary.get("total_sleep_s") or 0.0
        sleep_h = float(total) / 3600
        if (ref_plm["state"] != "").any():
            ref_state = ref_plm["state"].to_numpy()
            sleep_source = "the reference's event states; hours of sleep: legmove's"
        else:
            ref_state = sleep_state_at(result.epochs, ref_plm["onset_s"].to_numpy(float))
            sleep_source = "legmove's sleep/wake (the reference has no hypnogram)"
    ref_plms = int(np.sum(ref_state == "sleep"))
    ref_index = round(ref_plms / sleep_h, 2) if sleep_h > 0 else None

    by_state: dict[str, Comparison] = {}
    if not hyp.empty:
        det_state = state_at(hyp, det_lm["start_s"].to_numpy(float))
        lm_state = state_at(hyp, ref_lm["onset_s"].to_numpy(float))
        for st in ("sleep", "wake"):
            by_state[st] = compare_onsets(
                ref_lm["onset_s"].to_numpy()[lm_state == st],
                det_lm["start_s"].to_numpy()[det_state == st],
                tolerance_s,
            )
    if est.reliable and abs(est.offset_s - used) > tolerance_s:  # type: ignore[operator]
        notes.append(
            f"the two event trains agree best at an offset of {est.offset_s:.1f} s ({est.matched}"
            f" LMs paired, {lm.tp} at the {used:.1f} s used): check the alignment, or use "
            "--offset-s auto"
        )
    if ref.ignored:
        notes.append(
            "labels not used: "
            + ", ".join(f"{k!r} ({n})" for k, n in list(ref.ignored.items())[:10])
            + (" …" if len(ref.ignored) > 10 else "")
            + " — map one with --map 'LABEL=KIND'"
        )
    return NightAgreement(
        name=name,
        reference=ref.path,
        layout=ref.layout,
        offset_s=used,
        offset_how=how,
        estimate=est,
        tolerance_s=tolerance_s,
        lm=lm,
        lm_onset_bias_s=bias,
        n_outside=n_outside,
        sides=sides,
        side_agreement=side_agreement,
        twitch=twitch,
        plm=plm,
        plm_counts=(len(ref_plm), int(ev["plm_series"].notna().sum())),
        series=series,
        plms_index=(ref_index, result.summary.get("plm_index_per_h")),
        sleep_source=sleep_source,
        by_state=by_state,
        sleep_wake=_sleep_wake(result, hyp, settings),
        labels=ref.labels,
        ignored=ref.ignored,
        notes=notes,
    )
