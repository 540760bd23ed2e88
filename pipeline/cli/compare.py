"""``legmove compare``: a night's result against a sleep laboratory's scoring of it.

::

    legmove compare RESULT REFERENCE [RESULT REFERENCE ...] [--offset-s S|auto]
        [--tolerance-s T] [--map PATTERN=KIND[:SIDE]] [--hypnogram FILE] [--json FILE]
        [--pdf FILE]

RESULT is a results folder of ``legmove analyze`` or a night number in the store;
REFERENCE an EDF+ file, a CSV/TSV table (BIDS events.tsv, the start/duration/label tables
sleep software exports, legmove's own events.csv) or a folder holding one
(:mod:`pipeline.compare.reference`). With several pairs the PLMS index's agreement over the
nights is added (ICC, Bland–Altman).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from pipeline.compare.match import DEFAULT_TOLERANCE_S
from pipeline.errors import LegmoveError
from pipeline.store.place import ENV_DATA

# the comparison, the store and the report libraries load inside the command, so
# `legmove --help` answers at once
if TYPE_CHECKING:
    from pipeline.compare import NightAgreement
    from pipeline.scoring.night import NightResult

__all__ = ["compare"]

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


def _fail(message: str | Exception) -> NoReturn:
    err.print(f"[bold red]error:[/] {escape(str(message))}")
    raise typer.Exit(2)


def _result(target: str, data: Path | None) -> tuple[str, NightResult, dt.datetime | None, Any]:
    """(name, result, clock time of its first frame, the stored night or None)."""
    from pipeline.reports.folder import night_read
    from pipeline.reports.record import night_clock_start
    from pipeline.store.db import Store

    p = Path(target)
    if p.is_dir():
        if not (p / "events.csv").is_file() or not (p / "summary.json").is_file():
            _fail(f"{p}: not a results folder of `legmove analyze` (no events.csv/summary.json)")
        return p.name, night_read(p), None, None
    if not target.strip().isdigit():
        _fail(f"{target}: neither a results folder nor a night number (`legmove night list`)")
    store = Store(data)
    night = store.get_night(int(target))
    if night.summary is None:
        _fail(f"night {night.id} is not analysed yet: `legmove night analyze {night.id}`")
    return night.title, store.result(night.id), night_clock_start(night)[0], (store, night)


def _offset(text: str | None) -> float | str | None:
    if text is None or text.strip().lower() == "auto":
        return None if text is None else "auto"
    try:
        return float(text)
    except ValueError:
        _fail(f"--offset-s {text!r}: give seconds (e.g. 120 or -3.5) or 'auto'")


def _print_rows(title: str, rows: list[tuple[str, str]]) -> None:
    table = Table(title=title, show_header=False, title_justify="left")
    table.add_column("measure", style="bold", no_wrap=True)
    table.add_column("agreement")
    for k, v in rows:
        table.add_row(escape(k), escape(v))
    out.print(table)


def compare(
    pairs: list[str] = typer.Argument(
        ...,
        metavar="RESULT REFERENCE [RESULT REFERENCE ...]",
        help="a results folder or night number, then the expert's scoring of that night "
        "(EDF+, CSV/TSV, BIDS events.tsv); repeat for more nights",
    ),
    offset_s: str | None = typer.Option(
        None,
        "--offset-s",
        help="the reference's time (s) of the video's first frame, or 'auto' to estimate it "
        "from the two event trains (default: from the clocks when both are known, else 0)",
    ),
    tolerance_s: float = typer.Option(
        DEFAULT_TOLERANCE_S, "--tolerance-s", min=0.05, help="onset tolerance of an LM match"
    ),
    max_offset_s: float = typer.Option(
        600.0, "--max-offset-s", min=1.0, help="how far the offset estimate searches (±s)"
    ),
    maps: list[str] = typer.Option(
        [],
        "--map",
        help="PATTERN=KIND[:SIDE]: a reference label (shell pattern, any case) and its kind "
        "(lm, plm, twitch, long_movement, sleep, wake, ignore), e.g. 'Bein*=lm:left'; "
        "tried before the defaults",
    ),
    only_map: bool = typer.Option(False, "--only-map", help="use the --map rules only"),
    hypnogram: Path | None = typer.Option(
        None, "--hypnogram", help="a separate hypnogram file (EDF+ or table; one night only)"
    ),
    video_start: str | None = typer.Option(
        None,
        "--video-start",
        help="clock time of the video's first frame, YYYY-MM-DDTHH:MM:SS (a results folder "
        "does not record it; a stored night does)",
    ),
    json_file: Path | None = typer.Option(None, "--json", help="write the numbers to FILE"),
    pdf: Path | None = typer.Option(
        None, "--pdf", help="write the report of these nights with the agreement page"
    ),
    data: Path | None = typer.Option(
        None, "--data", envvar=ENV_DATA, help="data folder of the store", show_default=False
    ),
) -> None:
    """Compare nights with a sleep laboratory's scoring: LMs, twitches, PLMs, sleep/wake."""
    from pipeline.compare import (
        LabelMap,
        night_agreement,
        nights_agreement,
        reference_hypnogram,
        reference_read,
    )
    from pipeline.compare.text import night_rows, nights_rows

    if len(pairs) % 2:
        _fail("give RESULT REFERENCE pairs: each result followed by its reference scoring")
    if hypnogram is not None and len(pairs) > 2:
        _fail("--hypnogram belongs to one night: compare one RESULT REFERENCE pair with it")
    offset = _offset(offset_s)
    start: dt.datetime | None = None
    if video_start is not None:
        try:
            start = dt.datetime.fromisoformat(video_start)
        except ValueError:
            _fail(f"--video-start {video_start!r}: write YYYY-MM-DDTHH:MM:SS")
    agreements: list[NightAgreement] = []
    loaded = []
    try:
        labels = LabelMap.parse(maps, defaults=not only_map)
        hyp = reference_hypnogram(hypnogram, labels) if hypnogram is not None else None
        for target, ref_path in zip(pairs[::2], pairs[1::2], strict=True):
            name, result, clock, stored = _result(target, data)
            ref = reference_read(ref_path, labels)
            a = night_agreement(
                result,
                ref,
                name,
                offset=offset,
                tolerance_s=tolerance_s,
                max_offset_s=max_offset_s,
                video_start=start or clock,
                hypnogram=hyp,
            )
            agreements.append(a)
            loaded.append((name, result, stored, ref, Path(target)))
    except (LegmoveError, ValueError) as exc:
        _fail(exc)
    for a in agreements:
        _print_rows(f"{a.name} against {Path(a.reference).name}", night_rows(a))
    agg = nights_agreement(agreements)
    if len(agreements) > 1:
        _print_rows("over the nights", nights_rows(agg))
    if json_file is not None:
        from detector.atomic import atomic_write

        with atomic_write(json_file, "w") as fh:
            json.dump(
                agg.to_dict() if len(agreements) > 1 else agreements[0].to_dict(), fh, indent=2
            )
            fh.write("\n")
        out.print(f"wrote {escape(str(json_file))}")
    if pdf is not None:
        _write_pdf(pdf, loaded, agg)


def _write_pdf(path: Path, loaded: list, agg: Any) -> None:
    from pipeline.reports.export import NightRecord
    from pipeline.reports.pdf import report_pdf
    from pipeline.reports.record import night_record

    records = []
    for i, (name, result, stored, ref, folder) in enumerate(loaded, start=1):
        if stored is not None:
            records.append(night_record(*stored))
            continue
        # a results folder knows no child or date: its folder name, and the reference's
        # date when it has one (else the day the folder was analysed)
        if ref.start_time is not None:
            when = ref.start_time.date()
        else:
            when = dt.date.fromtimestamp((folder / "summary.json").stat().st_mtime)
        records.append(NightRecord(night_id=i, label=name, date=when, result=result))
    try:
        written = report_pdf(nights=records, notes=[], path=path, agreement=agg)
    except (LegmoveError, ValueError, OSError) as exc:
        _fail(exc)
    out.print(f"wrote {escape(str(written))}")
