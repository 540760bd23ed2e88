"""``legmove export``: analysed nights for a pediatrician, as CSV tables and/or a PDF report
(registered by :mod:`pipeline.cli.app`).

::

    legmove export [--from DATE] [--to DATE] [--label NAME] --csv DIR --pdf FILE --events DIR

It only reads: with no legmove database in the data folder it says where it looked and how to
point elsewhere, and creates nothing.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from pipeline.cli.nights import _data_option, _date, _fail, _handled, out
from pipeline.store.place import ENV_DATA

if TYPE_CHECKING:
    from pipeline.store.db import Store

__all__ = ["export"]


_POINT_ELSEWHERE = f"give the data folder the nights were added to with --data DIR or ${ENV_DATA}"


def _store_existing(data: Path | None) -> Store:
    """The store in ``data`` (default the data folder) for a command that only reads: fails,
    creating nothing, when there is no legmove database there."""
    from pipeline.store.db import DB_NAME, Store
    from pipeline.store.place import store_default_dir

    folder = Path(data).expanduser() if data is not None else store_default_dir()
    if not (folder / DB_NAME).is_file():
        _fail(
            f"no analysed nights in {folder}: there is no legmove database there ({DB_NAME}) "
            f"— {_POINT_ELSEWHERE}"
        )
    return Store(folder)


def _no_nights(store: Store, lo: date | None, hi: date | None, label: str | None) -> str:
    """Why an export found nothing: where it looked, what is there, how to look elsewhere."""
    span = f"from {lo or 'the first night'} to {hi or 'the last night'}"
    who = f" of {label}" if label else ""
    done = store.list_nights(status="done")
    if not done:
        there = "it holds no analysed night"
    else:
        children = sorted({n.label for n in done})
        there = (
            f"it holds {len(done)} analysed night{'s' if len(done) != 1 else ''} of "
            f"{', '.join(children)} from {done[0].night_date} to {done[-1].night_date}"
        )
    return (
        f"no analysed nights{who} {span} in {store.data_dir} ({there}) — choose other dates "
        f"with --from/--to, or {_POINT_ELSEWHERE}"
    )


def export(
    date_from: str | None = typer.Option(None, "--from", help="first night, YYYY-MM-DD"),
    date_to: str | None = typer.Option(None, "--to", help="last night, YYYY-MM-DD"),
    label: str | None = typer.Option(None, "--label", help="the child (needed if several)"),
    csv_dir: Path | None = typer.Option(None, "--csv", help="folder for the CSV files"),
    pdf: Path | None = typer.Option(None, "--pdf", help="PDF report file to write"),
    events_dir: Path | None = typer.Option(
        None, "--events", help="folder for each night's EDF+ and BIDS events.tsv files"
    ),
    psg_start: str | None = typer.Option(
        None, "--psg-start", help="with --events, one night: the PSG's start, YYYY-MM-DDTHH:MM:SS"
    ),
    data: Path | None = _data_option(),
) -> None:
    """Export analysed nights: CSV tables, a PDF report, events for a sleep-lab viewer."""
    from pipeline.reports.export import export_csv  # the report libraries load only here
    from pipeline.reports.pdf import report_pdf
    from pipeline.reports.record import night_notes, night_records

    lo, hi = _date(date_from, "--from"), _date(date_to, "--to")
    if csv_dir is None and pdf is None and events_dir is None:
        _fail("say what to write: --csv DIR and/or --pdf FILE (and/or --events DIR)")
    if lo is not None and hi is not None and lo > hi:
        _fail(f"--from {lo} is after --to {hi}")
    try:
        start = datetime.fromisoformat(psg_start) if psg_start is not None else None
    except ValueError:
        _fail(f"--psg-start {psg_start!r}: write the PSG's start as YYYY-MM-DDTHH:MM:SS")
    with _handled():
        store = _store_existing(data)
        nights = store.list_nights(date_from=lo, date_to=hi, label=label, status="done")
        if not nights:
            _fail(_no_nights(store, lo, hi, label))
        labels = sorted({n.label for n in nights})
        if len(labels) > 1:
            _fail(f"nights of {', '.join(labels)}: choose one child with --label")
        records = night_records(store, nights)
        first, last = nights[0].night_date, nights[-1].night_date
        if csv_dir is not None:
            for path in export_csv(records, csv_dir).values():
                out.print(f"wrote {path}")
        if pdf is not None:
            notes = night_notes(store, lo or first, hi or last)
            out.print(f"wrote {report_pdf(nights=records, notes=notes, path=pdf)}")
        if events_dir is not None:
            from pipeline.reports.events_export import export_events

            for path in export_events(records, events_dir, psg_start=start).values():
                out.print(f"wrote {path}")
