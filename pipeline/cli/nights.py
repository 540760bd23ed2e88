"""The ``legmove`` commands that work on the night store (registered by :mod:`pipeline.cli.app`).

::

    legmove night add VIDEO... --label NAME --date YYYY-MM-DD [--in-bed HH:MM] [--no-analyze]
    legmove night list [--from DATE] [--to DATE] [--label NAME]
    legmove night show NIGHT
    legmove night analyze NIGHT [--force] [--background]
    legmove note add --date YYYY-MM-DD TEXT [--night NIGHT]
    legmove note list [--from DATE] [--to DATE]
    legmove review NIGHT EPISODE confirm|ordinary|reject|unsure [--note TEXT]
    legmove rescore NIGHT [--settings FILE] [--defaults]

(``legmove export`` is in :mod:`pipeline.cli.export`, ``legmove demo`` in :mod:`pipeline.cli.demo`.)

Every command takes ``--data DIR`` (else ``$LEGMOVE_DATA``, else the default data folder,
:func:`pipeline.store.db.store_default_dir`). Errors print one line saying what to do and
exit with code 2; a legmove error never shows a traceback.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from pipeline.cli.progress import video_progress
from pipeline.errors import (
    LegmoveError,
    NoPersonError,
    SettingsError,
    TooShortError,
    VideoError,
)
from pipeline.jobs.chunks import DEFAULT_CHUNK_S
from pipeline.settings import Settings
from pipeline.settings_file import settings_overrides
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

#: --pose-model: which landmark model finds the keypoints (detector.pose.POSE_MODELS)
POSE_MODEL_HELP = (
    "pose landmark model: lite (fastest, least accurate), full (the default) or heavy (most "
    "accurate on infants, several times slower; docs/BENCHMARKS.md); all three run offline"
)


def pose_model_option() -> Any:
    """The ``--pose-model`` option; its value goes to :func:`pose_model_use`."""
    return typer.Option(None, "--pose-model", help=POSE_MODEL_HELP, show_default=False)


def pose_model_use(name: str | None) -> None:
    """Make every pose model this command starts (here, in worker processes and in a
    background job) the landmark model ``name``: through the ``LEGMOVE_POSE_MODEL``
    environment variable the processes inherit (:func:`detector.pose.pose_default`). A
    Dask cluster's workers are started elsewhere: set it there too."""
    from detector.pose import ENV_MODEL, POSE_MODELS

    if name is None:
        return
    if name not in POSE_MODELS:
        raise typer.BadParameter(
            f"{name!r} is not a pose model; choose {', '.join(POSE_MODELS)}",
            param_hint="--pose-model",
        )
    os.environ[ENV_MODEL] = name


__all__ = [
    "night_app",
    "note_app",
    "review",
    "rescore_night",
    "pose_model_option",
    "pose_model_use",
]

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


def _at(t_s: float | None, start: Any) -> str:
    """A time of the night as every report shows it: clock time when the night's start is
    known (pipeline.reports.clock), else h:mm:ss since the recording started."""
    from pipeline.reports.export import fmt_clock

    if t_s is None or _missing(t_s):
        return "—"
    return fmt_clock(float(t_s), start, seconds=True) if start is not None else _hms(t_s)


def _summary_line(s: dict[str, Any], start: Any = None) -> str:
    from pipeline.reports.rates import plms_index_words, plural

    c = s.get("counts", {})
    if s.get("recording") == "clip":
        return (
            f"clip of {float(s.get('duration_s') or 0):.0f} s (counts, not rates) · LMs "
            f"{c.get('lm', 0)} · PLMs {c.get('plm', 0)} · rhythmic {c.get('rhythmic', 0)} · "
            f"twitches {c.get('twitch', 0)} · pose in {s.get('pose_coverage', 0):.0%} of frames"
        )
    value, meaning, look = plms_index_words(s)
    index = f"{value}/h" + (f" — {meaning}" if look == "muted" and value != "—" else "")
    return (
        f"{_minutes(s.get('duration_s'))} of video · asleep from "
        f"{_at(s.get('sleep_onset_s'), start)} · {_minutes(s.get('total_sleep_s'))} asleep · "
        f"{plural(int(s.get('awakenings', 0)), 'awakening')} · LMs {c.get('lm', 0)} · PLMs "
        f"{c.get('plm', 0)} (PLMS index {index}) · rhythmic "
        f"{c.get('rhythmic', 0)} · twitches {c.get('twitch', 0)} · pose in "
        f"{s.get('pose_coverage', 0):.0%} of frames"
    )


def _start(night: Night) -> Any:
    from pipeline.reports.clock import night_clock_start

    return night_clock_start(night)[0]


def _state(store: Store, night: Night) -> str:
    from pipeline.jobs import job_status
    from pipeline.jobs.record import record_state

    if night.status == "done":
        return "done"
    if record_state(store, night.id) == "recording":
        return "recording"
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
    pose_model: str | None = pose_model_option(),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="no progress bar"),
    data: Path | None = _data_option(),
) -> None:
    """Add a night to the store and analyse it (resumable: see `night analyze`)."""
    from pipeline.jobs.intake import night_plan_checked
    from pipeline.store.db import Store
    from pipeline.store.records import parse_clock

    pose_model_use(pose_model)
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
        try:
            _analyze(store, night_id, chunk_s, every_frame, quiet, force=False)
        except (VideoError, NoPersonError, TooShortError) as exc:  # nothing in it to score
            store.remove_night(night_id)
            _fail(f"{exc}\nnight {night_id} was not kept: nothing of it could be scored")
        done = store.get_night(night_id)
        out.print(_summary_line(done.summary or {}, _start(done)))
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
    pose_model: str | None = pose_model_option(),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="no progress bar"),
    data: Path | None = _data_option(),
) -> None:
    """Analyse a night, or resume its interrupted analysis from the finished chunks."""
    from pipeline.jobs import job_start_background
    from pipeline.store.db import Store

    pose_model_use(pose_model)
    night_id = _night_id(night)
    with _handled():
        store = Store(data)
        n = store.get_night(night_id)
        if n.status == "done" and not force:
            out.print(
                f"{escape(n.title)} is already analysed (--force analyses it again; "
                "reviews are kept)"
            )
            out.print(_summary_line(n.summary or {}, _start(n)))
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
        done = store.get_night(night_id)
        out.print(_summary_line(done.summary or {}, _start(done)))


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
        from pipeline.reports.rates import rate_reliable

        table = Table(
            caption="video and asleep in h:mm · ep. episodes · rev. reviews · (PLMS/h): too "
            "little sleep for a reliable rate"
        )
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
                "" if plm_i is None else f"{plm_i:.1f}" if rate_reliable(s) else f"({plm_i:.1f})",
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
        from pipeline.reports.clock import night_clock_start, reason_clocked

        start, where = night_clock_start(n)
        extra = []
        if n.in_bed:
            extra.append(f"in bed {n.in_bed}")
        if start is not None:
            extra.append(f"recording from {start:%H:%M}, clock times from {where}")
        else:
            extra.append("times since the recording started (its clock time is unknown)")
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
        out.print(f"analysed {n.analysed}: {_summary_line(n.summary, start)}")
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
                    _at(e.start_s, start),
                    _at(e.end_s, start),
                    str(e.kind),
                    escape(reason_clocked(str(e.reason), start)),
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
                f"{_at(r.start_s, start)}–{_at(r.end_s, start)} {r.verdict}"
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


def rescore_night(
    night: str, settings_file: Path | None, data: Path | None, *, defaults: bool = False
) -> None:
    """``legmove rescore NIGHT``: the signal stage again on the saved tracks; the settings
    file's values override the night's current settings (the defaults with ``defaults``).
    Settings are checked before anything is computed or stored."""
    from pipeline.jobs import job_rescore
    from pipeline.store.db import Store

    night_id = _night_id(night)
    changes = _settings_dict(settings_file)
    with _handled():
        store = Store(data)
        base = {} if defaults else store.get_night(night_id).settings
        origin = str(settings_file) if settings_file is not None else None
        try:
            settings = Settings.from_dict({**base, **changes}, origin=origin)
        except SettingsError as exc:  # with the night's own settings: refused, nothing changed
            back = "" if defaults else f" — `legmove rescore {night_id} --defaults` starts afresh"
            _fail(f"night {night_id}: {exc}{back}")
        result = job_rescore(store, night_id, settings)
        out.print(_summary_line(result.summary, _start(store.get_night(night_id))))
        lost = sum(r.unmatched for r in store.reviews(night_id))
        if lost:
            out.print(
                f"[yellow]{lost} review(s) match no episode now; they are kept[/] "
                f"(`legmove night show {night_id}`)"
            )
