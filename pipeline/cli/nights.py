"""The ``legmove`` commands that work on the night store (registered by :mod:`pipeline.cli.app`).

::

    legmove night add VIDEO... --label NAME --date YYYY-MM-DD [--in-bed HH:MM] [--no-analyze]
    legmove night list [--from DATE] [--to DATE] [--label NAME]
    legmove night show NIGHT
    legmove night analyze NIGHT [--force] [--background]
    legmove note add --date YYYY-MM-DD TEXT [--night NIGHT]
    legmove note list [--from DATE] [--to DATE]
    legmove review NIGHT EPISODE confirm|ordinary|reject|unsure [--note TEXT]
    legmove rescore NIGHT [--settings FILE]
    legmove export [--from DATE] [--to DATE] [--label NAME] --csv DIR --pdf FILE --events DIR

Every command takes ``--data DIR`` (else ``$LEGMOVE_DATA``, else the default data folder,
:func:`pipeline.store.db.store_default_dir`). Errors print one line saying what to do and
exit with code 2; a legmove error never shows a traceback.
"""

from __future__ import annotations

import contextlib
import logging
import math
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from pipeline.cli.progress import video_progress
from pipeline.errors import LegmoveError, SettingsError
from pipeline.jobs.chunks import DEFAULT_CHUNK_S
from pipeline.settings import Settings, settings_overrides
from pipeline.store.place import ENV_DATA

# the store, the jobs and the report libraries load inside the commands that use them, so
# `legmove --help` answers at once
if TYPE_CHECKING:
    from pipeline.store.db import Night, Store

#: --every-frame: a reference for checking the motion gate, not a more accurate mode (the
#: signal stage was developed on gated tracks; see docs/BENCHMARKS.md, Throughput)
EVERY_FRAME_HELP = (
    "run pose on every frame instead of where the legs move: several times slower, and not "
    "more accurate (for comparison; see docs/BENCHMARKS.md)"
)

__all__ = ["night_app", "note_app", "review", "export", "rescore_night"]

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

night_app = typer.Typer(
    no_args_is_help=True, help="Nights in the store: add and analyse, list, show."
)
note_app = typer.Typer(
    no_args_is_help=True, help="Dated notes and interventions (warm bath, iron started, ...)."
)


def _data_option() -> Any:
    return typer.Option(
        None,
        "--data",
        envvar=ENV_DATA,
        help="data folder of the store (default: $XDG_DATA_HOME/legmove or ~/.local/share/legmove)",
        show_default=False,
    )


# --- errors and parsing -----------------------------------------------------------------------
def _fail(message: str | Exception) -> NoReturn:
    err.print(f"[bold red]error:[/] {escape(str(message))}")
    raise typer.Exit(2)


@contextlib.contextmanager
def _handled() -> Iterator[None]:
    """legmove errors and bad values become one line and exit code 2, never a traceback."""
    try:
        yield
    except (LegmoveError, ValueError) as exc:
        _fail(exc)


def _date(text: str | None, option: str) -> date | None:
    from pipeline.store.records import parse_date

    if text is None:
        return None
    try:
        return parse_date(text)
    except ValueError as exc:
        _fail(f"{option}: {exc}")


def _night_id(text: str) -> int:
    if not text.strip().isdigit():
        _fail(f"NIGHT must be a night number as `legmove night list` shows it, not {text!r}")
    return int(text)


def _settings_dict(settings_file: Path | None) -> dict[str, Any]:
    if settings_file is None:
        return {}
    try:
        return settings_overrides(settings_file)
    except SettingsError as exc:
        _fail(str(exc))


def _missing(t_s: object) -> bool:
    """NaN or pandas' NA (a table cell with no value)."""
    try:
        return math.isnan(float(t_s))  # type: ignore[arg-type]
    except TypeError:  # pd.NA
        return True


def _hms(t_s: float | None) -> str:
    if t_s is None or _missing(t_s):
        return "—"
    t = int(round(float(t_s)))
    return f"{t // 3600}:{t % 3600 // 60:02d}:{t % 60:02d}"


def _minutes(t_s: float | None) -> str:
    if t_s is None or _missing(t_s):
        return "—"
    if t_s < 59.5:
        return f"{float(t_s):.0f} s"
    m = int(round(float(t_s) / 60))
    return f"{m // 60} h {m % 60:02d} min" if m >= 60 else f"{m} min"


def _hm(t_s: float | None) -> str:
    if t_s is None or _missing(t_s):
        return ""
    m = int(round(float(t_s) / 60))
    return f"{m // 60}:{m % 60:02d}"


# --- analysing with a progress bar ------------------------------------------------------------
def _analyze(
    store: Store, night_id: int, chunk_s: float, every_frame: bool, quiet: bool, force: bool
) -> None:
    from detector.extract import ExtractOptions
    from pipeline.jobs import job_run

    logging.basicConfig(level=logging.WARNING)
    try:
        with video_progress(f"analysing night {night_id}", err, quiet=quiet) as progress:
            job_run(
                store,
                night_id,
                chunk_s=chunk_s,
                options=ExtractOptions(gate=not every_frame),
                progress=progress,
                force=force,
            )
    except KeyboardInterrupt:
        err.print(
            f"interrupted — the finished part is kept; resume with `legmove night analyze "
            f"{night_id}`"
        )
        raise typer.Exit(130) from None


def _summary_line(s: dict[str, Any]) -> str:
    c = s.get("counts", {})
    plm_i = s.get("plm_index_per_h")
    return (
        f"{_minutes(s.get('duration_s'))} of video · asleep from "
        f"{_hms(s.get('sleep_onset_s'))} · {_minutes(s.get('total_sleep_s'))} asleep · "
        f"{s.get('awakenings', 0)} awakenings · LMs {c.get('lm', 0)} · PLMs {c.get('plm', 0)} "
        f"(PLMS index {'—' if plm_i is None else f'{plm_i:.1f}/h'}) · rhythmic "
        f"{c.get('rhythmic', 0)} · twitches {c.get('twitch', 0)} · pose in "
        f"{s.get('pose_coverage', 0):.0%} of frames"
    )


def _state(store: Store, night: Night) -> str:
    from pipeline.jobs import job_status

    if night.status == "done":
        return "done"
    st = job_status(store, night.id)
    if st.state == "running":
        return f"running {st.fraction:.0%}"
    if st.state == "interrupted":
        return f"stopped {st.fraction:.0%}"
    return st.state


# --- night ------------------------------------------------------------------------------------
@night_app.command("add")
def night_add(
    videos: list[Path] = typer.Argument(..., help="video file(s) of one night, in any order"),
    label: str = typer.Option(..., "--label", help="the child's name (or another label)"),
    night_date: str = typer.Option(..., "--date", help="the evening's date, YYYY-MM-DD"),
    in_bed: str | None = typer.Option(None, "--in-bed", help="put to bed at HH:MM"),
    settings_file: Path | None = typer.Option(
        None, "--settings", help="JSON file overriding detection settings"
    ),
    no_analyze: bool = typer.Option(
        False, "--no-analyze", "--no-analyse", help="only add; analyze later"
    ),
    chunk_s: float = typer.Option(
        DEFAULT_CHUNK_S, "--chunk-s", min=1.0, help="seconds of video per checkpoint"
    ),
    every_frame: bool = typer.Option(False, "--every-frame", help=EVERY_FRAME_HELP),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="no progress bar"),
    data: Path | None = _data_option(),
) -> None:
    """Add a night to the store and analyse it (resumable: see `night analyze`)."""
    from pipeline.jobs.intake import night_plan_checked
    from pipeline.store.db import Store
    from pipeline.store.records import parse_clock

    day = _date(night_date, "--date")
    settings = Settings.from_dict(_settings_dict(settings_file))
    with _handled():
        bed = parse_clock(in_bed) if in_bed is not None else None
        store = Store(data)
        night_id = store.add_night(
            label, day or date.today(), night_plan_checked(videos), in_bed=bed, settings=settings
        )
        err.print(f"added night {night_id} ({escape(store.get_night(night_id).title)})")
        if no_analyze:
            err.print(f"analyse it with `legmove night analyze {night_id}`")
            return
        _analyze(store, night_id, chunk_s, every_frame, quiet, force=False)
        out.print(_summary_line(store.get_night(night_id).summary or {}))
        out.print(f"see it with `legmove night show {night_id}`")


@night_app.command("analyze")
def night_analyze_command(
    night: str = typer.Argument(..., help="night number (see `legmove night list`)"),
    force: bool = typer.Option(False, "--force", help="analyse a done night again"),
    background: bool = typer.Option(
        False, "--background", help="run detached; follow with `legmove night show`"
    ),
    chunk_s: float = typer.Option(
        DEFAULT_CHUNK_S, "--chunk-s", min=1.0, help="seconds of video per checkpoint"
    ),
    every_frame: bool = typer.Option(False, "--every-frame", help=EVERY_FRAME_HELP),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="no progress bar"),
    data: Path | None = _data_option(),
) -> None:
    """Analyse a night, or resume its interrupted analysis from the finished chunks."""
    from pipeline.jobs import job_start_background
    from pipeline.store.db import Store

    night_id = _night_id(night)
    with _handled():
        store = Store(data)
        n = store.get_night(night_id)
        if n.status == "done" and not force:
            out.print(
                f"{escape(n.title)} is already analysed (--force analyses it again; "
                "reviews are kept)"
            )
            out.print(_summary_line(n.summary or {}))
            return
        if background:
            pid = job_start_background(
                store, night_id, chunk_s=chunk_s, force=force, every_frame=every_frame
            )
            out.print(
                f"analysing night {night_id} in the background (process {pid}); follow it "
                f"with `legmove night show {night_id}`; log: "
                f"{store.data_dir / 'logs' / f'{night_id}.log'}"
            )
            return
        _analyze(store, night_id, chunk_s, every_frame, quiet, force)
        out.print(_summary_line(store.get_night(night_id).summary or {}))


# typer has no aliases: the US spelling, as in `legmove analyze`, works too
night_app.command("analyse", hidden=True)(night_analyze_command)  # British spelling


@night_app.command("list")
def night_list(
    date_from: str | None = typer.Option(None, "--from", help="from this date, YYYY-MM-DD"),
    date_to: str | None = typer.Option(None, "--to", help="to this date, YYYY-MM-DD"),
    label: str | None = typer.Option(None, "--label", help="only this child"),
    data: Path | None = _data_option(),
) -> None:
    """List the nights in the store, oldest first."""
    from pipeline.store.db import Store

    lo, hi = _date(date_from, "--from"), _date(date_to, "--to")
    with _handled():
        store = Store(data)
        nights = store.list_nights(date_from=lo, date_to=hi, label=label)
        if not nights:
            err.print(f"no nights in {store.db_path} — add one with `legmove night add`")
            return
        table = Table(caption="video and asleep in h:mm · ep. episodes · rev. reviews")
        for name in ("#", "date", "child", "status", "video", "asleep", "LMs", "PLMS/h", "ep."):
            table.add_column(
                name, no_wrap=name != "child", min_width=8 if name == "child" else None
            )
        table.add_column("rev.")
        for n in nights:
            s = n.summary or {}
            c = s.get("counts", {})
            done = n.summary is not None
            plm_i = s.get("plm_index_per_h")
            table.add_row(
                str(n.id),
                n.night_date.isoformat(),
                escape(n.label),
                _state(store, n),
                _hm(s.get("duration_s")),
                _hm(s.get("total_sleep_s")),
                str(c.get("lm", "")),
                "" if plm_i is None else f"{plm_i:.1f}",
                str(sum(s.get("episodes", {}).values())) if done else "",
                str(len(store.reviews(n.id))),
            )
        out.print(table)


@night_app.command("show")
def night_show(
    night: str = typer.Argument(..., help="night number (see `legmove night list`)"),
    data: Path | None = _data_option(),
) -> None:
    """Show one night: its videos, analysis state, numbers, episodes and reviews."""
    from pipeline.jobs import job_status
    from pipeline.store.db import Store

    night_id = _night_id(night)
    with _handled():
        store = Store(data)
        n = store.get_night(night_id)
        extra = []
        if n.in_bed:
            extra.append(f"in bed {n.in_bed}")
        if n.start_time:
            extra.append(f"recording from {n.start_time:%H:%M}")
        out.print(f"[bold]{escape(n.title)}[/]" + (f" ({', '.join(extra)})" if extra else ""))
        for src in n.sources:
            out.print(f"  video {escape(src.path)} ({_minutes(src.end_s - src.start_s)})")
        st = job_status(store, night_id)
        if n.status != "done":
            line = f"status: {_state(store, n)}"
            if st.chunks_total:
                line += f" — {st.chunks_done}/{st.chunks_total} chunks, {_hms(st.done_s)} of "
                line += f"{_hms(st.total_s)}"
            if st.eta_s is not None:
                line += f", about {_minutes(max(60.0, st.eta_s))} left"
            out.print(line)
            if st.state in ("interrupted", "failed", "pending"):
                if n.error:
                    out.print(f"  [red]{escape(n.error)}[/]")
                out.print(f"  (re)start it with `legmove night analyze {night_id}`")
        for note in store.notes(night_id=night_id):
            out.print(f"note {note.note_date}: {escape(note.text)}")
        if n.summary is None:
            return
        out.print(f"analysed {n.analysed}: {_summary_line(n.summary)}")
        for issue in n.summary.get("issues", []):
            out.print(f"[yellow]note:[/] {escape(str(issue))}")
        eps = store.episodes(night_id)
        if eps.empty:
            out.print("no flagged episodes")
        else:
            table = Table("#", "from", "to", "kind", "reason", "review", title="flagged episodes")
            for e in eps.itertuples(index=False):
                review = "" if e.verdict is None else str(e.verdict)
                if e.note:
                    review += f": {e.note}"
                table.add_row(
                    str(e.number),
                    _hms(e.start_s),
                    _hms(e.end_s),
                    str(e.kind),
                    escape(str(e.reason)),
                    escape(review),
                )
            out.print(table)
            out.print(
                f"review one with `legmove review {night_id} EPISODE "
                "confirm|ordinary|reject|unsure`"
            )
        lost = [r for r in store.reviews(night_id) if r.unmatched]
        for r in lost:
            out.print(
                f"[yellow]review kept from an earlier analysis, no episode now:[/] {r.kind} "
                f"{_hms(r.start_s)}–{_hms(r.end_s)} {r.verdict}"
                + (f": {escape(r.note)}" if r.note else "")
            )


# --- notes, reviews ---------------------------------------------------------------------------
@note_app.command("add")
def note_add(
    text: str = typer.Argument(..., help='what happened, e.g. "warm bath before bed"'),
    note_date: str = typer.Option(..., "--date", help="YYYY-MM-DD"),
    night: str | None = typer.Option(None, "--night", help="the night it is about"),
    data: Path | None = _data_option(),
) -> None:
    """Add a dated note or intervention; reports mark it on the trend chart."""
    from pipeline.store.db import Store

    day = _date(note_date, "--date")
    night_id = _night_id(night) if night is not None else None
    with _handled():
        note_id = Store(data).add_note(day or date.today(), text, night_id=night_id)
    err.print(f"note {note_id} added")


@note_app.command("list")
def note_list(
    date_from: str | None = typer.Option(None, "--from", help="from this date, YYYY-MM-DD"),
    date_to: str | None = typer.Option(None, "--to", help="to this date, YYYY-MM-DD"),
    data: Path | None = _data_option(),
) -> None:
    """List the notes, by date."""
    from pipeline.store.db import Store

    lo, hi = _date(date_from, "--from"), _date(date_to, "--to")
    with _handled():
        for n in Store(data).notes(date_from=lo, date_to=hi):
            night = f" (night {n.night_id})" if n.night_id is not None else ""
            out.print(f"{n.note_date}{night}: {escape(n.text)}")


def review(
    night: str = typer.Argument(..., help="night number"),
    episode: str = typer.Argument(..., help="episode number, as `legmove night show` lists"),
    verdict: str = typer.Argument(
        ...,
        help="confirm (looks like what was flagged), ordinary (legs moving, but ordinary "
        "movement), reject (not a leg movement) or unsure (can't tell)",
    ),
    note: str = typer.Option("", "--note", help="what you saw"),
    data: Path | None = _data_option(),
) -> None:
    """Say what a flagged episode was; the review is kept across re-analyses."""
    from pipeline.store.db import Store
    from pipeline.store.records import VERDICT_TEXT, VERDICTS

    night_id = _night_id(night)
    if verdict not in VERDICTS:
        _fail(f"VERDICT must be one of {', '.join(VERDICTS)}, not {verdict!r}")
    with _handled():
        store = Store(data)
        store.add_review(night_id, int(episode) if episode.isdigit() else episode, verdict, note)
    err.print(f"episode {episode} of night {night_id}: {verdict} ({VERDICT_TEXT[verdict]})")


def rescore_night(night: str, settings_file: Path | None, data: Path | None) -> None:
    """``legmove rescore NIGHT``: the signal stage again on the saved tracks; the settings
    file's values override the night's current settings."""
    from pipeline.jobs import job_rescore
    from pipeline.store.db import Store

    night_id = _night_id(night)
    changes = _settings_dict(settings_file)
    with _handled():
        store = Store(data)
        try:
            settings = Settings.from_dict(
                {**store.get_night(night_id).settings, **changes}, origin=str(settings_file)
            )
        except SettingsError as exc:
            _fail(str(exc))
        result = job_rescore(store, night_id, settings)
        out.print(_summary_line(result.summary))
        lost = sum(r.unmatched for r in store.reviews(night_id))
        if lost:
            out.print(
                f"[yellow]{lost} review(s) match no episode now; they are kept[/] "
                f"(`legmove night show {night_id}`)"
            )


# --- export -----------------------------------------------------------------------------------
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
