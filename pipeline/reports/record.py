"""The one adapter from a stored night to what every export reads (:class:`NightRecord`).

The CLI's ``legmove export`` and the dashboard's Export page both call
:func:`night_records`, so the same reviewed night exports to the same files either way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd

from pipeline.reports.clock import night_clock_start
from pipeline.reports.export import REVIEW_COLUMNS, NightRecord, Note
from pipeline.store.db import Night, Store

# night_clock_start (pipeline.reports.clock) is the one place a night's clock start comes from
__all__ = ["night_clock_start", "night_notes", "night_record", "night_records"]


def night_record(store: Store, night: Night) -> NightRecord:
    """The night's :class:`NightRecord`: its result and its reviews, a review matched to a
    current episode placed at that episode's times and kind, an unmatched one (kept from an
    earlier analysis) as it was reviewed."""
    episodes = store.episodes(night.id).set_index("number")
    rows = []
    for r in store.reviews(night.id):
        at = episodes.loc[r.episode] if r.episode is not None else None
        rows.append(
            {
                "start_s": r.start_s if at is None else float(at["start_s"]),
                "end_s": r.end_s if at is None else float(at["end_s"]),
                "kind": r.kind if at is None else str(at["kind"]),
                "verdict": r.verdict,
                "note": r.note,
                "matched": not r.unmatched,
            }
        )
    reviews = pd.DataFrame(rows, columns=REVIEW_COLUMNS)
    reviews["matched"] = reviews["matched"].astype(bool)
    return NightRecord(
        night_id=night.id,
        label=night.label,
        date=night.night_date,
        result=store.result(night.id),
        reviews=reviews,
        start_time=night_clock_start(night)[0],
    )


def night_records(store: Store, nights: Sequence[Night]) -> list[NightRecord]:
    """:func:`night_record` of each night, in the order given."""
    return [night_record(store, n) for n in nights]


def night_notes(store: Store, date_from: dt.date, date_to: dt.date) -> list[Note]:
    """The notes dated ``date_from`` to ``date_to`` (both included), as the exports take them."""
    return [
        Note(n.note_date, n.text, n.night_id)
        for n in store.notes(date_from=date_from, date_to=date_to)
    ]
