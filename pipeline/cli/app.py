"""The ``legmove`` command line."""

from __future__ import annotations

import logging
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape

from pipeline.cli.compare import compare
from pipeline.cli.demo import demo
from pipeline.cli.export import export
from pipeline.cli.nights import (
    EVERY_FRAME_HELP,
    night_app,
    note_app,
    pose_model_option,
    pose_model_use,
    rescore_night,
    review,
)
from pipeline.cli.progress import video_progress
from pipeline.cli.record import record
from pipeline.errors import LegmoveError, SettingsError
from pipeline.settings import Settings
from pipeline.settings_file import settings_load

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="legmove: document a baby's leg movements at night from monitor video. "
    "A screening and documentation aid, not a diagnosis.",
)
err = Console(stderr=True)


def _settings(settings_file: Path | None) -> Settings:
    if settings_file is None:
        return Settings()
    try:
        return settings_load(settings_file)
    except SettingsError as exc:
        raise typer.BadParameter(str(exc)) from exc


def _fail(exc: Exception) -> None:
    # escape: a file name such as "night [1].mp4" is text, not rich markup; soft_wrap keeps a
    # path on one line so it can be copied
    err.print(f"[bold red]error:[/] {escape(str(exc))}", soft_wrap=True)
    raise typer.Exit(2)


def _since_start(t_s: float) -> str:
    """Time since the recording started as h:mm:ss (a results folder knows no clock time)."""
    t = int(round(float(t_s)))
    return f"{t // 3600}:{t % 3600 // 60:02d}:{t % 60:02d} after the start"


def _print_summary(summary: dict, out: Path) -> None:
    c = summary["counts"]
    onset = summary["sleep_onset_s"]
    if summary.get("recording") == "clip":
        what = f"[bold]{summary['duration_s']:.0f} s clip[/] analysed (counts, not rates) · "
    else:
        what = (
            f"[bold]{summary['duration_s'] / 60:.1f} min[/] analysed · sleep onset "
            f"{'none' if onset is None else _since_start(onset)} · "
        )
    err.print(
        f"{what}"
        f"LMs {c['lm']} · PLMs {c['plm']} · rhythmic {c['rhythmic']} · twitches {c['twitch']} · "
        f"pose found in {summary['pose_coverage']:.0%} of frames, "
        f"trusted {summary.get('trusted_pose_coverage', summary['pose_coverage']):.0%} of the time"
    )
    for issue in [*summary.get("issues", []), *summary.get("notes", [])]:
        err.print(f"[yellow]note:[/] {escape(str(issue))}", soft_wrap=True)
    err.print(f"results in {escape(str(out))}", soft_wrap=True)


@app.command()
def analyze(
    videos: list[Path] = typer.Argument(..., help="video file(s) of one night, in any order"),
    out: Path = typer.Option(..., "--out", "-o", help="folder for the results"),
    settings_file: Path | None = typer.Option(
        None, "--settings", help="JSON file overriding detection settings"
    ),
    every_frame: bool = typer.Option(False, "--every-frame", help=EVERY_FRAME_HELP),
    pose_model: str | None = pose_model_option(),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="no progress bar"),
) -> None:
    """Analyse one night (or a clip): write events.csv, episodes.csv, epochs.csv, summary.json,
    tracks.npz."""
    from detector.extract import ExtractOptions
    from pipeline.jobs.intake import night_analyze

    pose_model_use(pose_model)
    settings = _settings(settings_file)
    logging.basicConfig(level=logging.WARNING)
    try:
        with video_progress("analysing", err, quiet=quiet) as progress:
            result = night_analyze(
                videos,
                out,
                settings=settings,
                options=ExtractOptions(gate=not every_frame),
                progress=progress,
            )
    except LegmoveError as exc:
        _fail(exc)
        return
    _print_summary(result.summary, out)


@app.command()
def rescore(
    target: str = typer.Argument(
        ..., help="a night number in the store, or a results folder of `legmove analyze`"
    ),
    settings_file: Path | None = typer.Option(None, "--settings", help="JSON settings file"),
    defaults: bool = typer.Option(
        False,
        "--defaults",
        help="back to the default settings (a night's own changes are dropped); with "
        "--settings, the file's values on top of the defaults",
    ),
    data: Path | None = typer.Option(
        None, "--data", envvar="LEGMOVE_DATA", help="data folder of the store", show_default=False
    ),
) -> None:
    """Re-run the signal stage on saved tracks with new settings (no video decoding).

    For a night in the store the file's settings override the night's (or, with --defaults,
    the defaults), the new result replaces the old, and every review is kept (matched to the
    new episodes by time); settings that are refused leave the night as it was. A results
    folder is re-scored with the defaults and the file's values."""
    from pipeline.jobs.intake import night_rescore_dir

    out = Path(target)
    if not out.is_dir():
        if not target.strip().isdigit():
            _fail(
                ValueError(
                    f"{target}: neither a results folder nor a night number "
                    "(`legmove night list` shows the nights)"
                )
            )
        rescore_night(target, settings_file, data, defaults=defaults)
        return
    try:
        result = night_rescore_dir(out, _settings(settings_file))
    except LegmoveError as exc:
        _fail(exc)
        return
    _print_summary(result.summary, out)


@app.command()
def batch(
    inputs: list[Path] = typer.Argument(
        ...,
        help="nights: a video file is one night, a folder is one night of the video files in it",
    ),
    scheduler: str | None = typer.Option(
        None,
        "--scheduler",
        help="Dask scheduler address (tcp://host:8786); default: processes on this machine",
    ),
    workers: int = typer.Option(
        0, "--workers", min=0, help="local processes (0: one per core, at most 4)"
    ),
    label: str | None = typer.Option(
        None, "--label", help="child's name (default: folder or file name)"
    ),
    night_date: str | None = typer.Option(
        None, "--date", help="evening's date YYYY-MM-DD (default: from the recording)"
    ),
    settings_file: Path | None = typer.Option(
        None, "--settings", help="JSON file overriding detection settings"
    ),
    chunk_s: float = typer.Option(300.0, "--chunk-s", min=1.0, help="seconds per chunk task"),
    every_frame: bool = typer.Option(False, "--every-frame", help=EVERY_FRAME_HELP),
    pose_model: str | None = pose_model_option(),
    force: bool = typer.Option(False, "--force", help="analyse nights already done again"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="no progress bar"),
    data: Path | None = typer.Option(
        None, "--data", envvar="LEGMOVE_DATA", help="data folder of the store", show_default=False
    ),
) -> None:
    """Analyse many nights into the store, on this machine's cores or on a Dask cluster.

    Nights already in the store (the same files) are resumed or, when done, skipped.
    Cluster workers need the same legmove install and the videos at the same paths."""
    from detector.extract import ExtractOptions
    from pipeline.jobs import batch_add, batch_inputs, batch_run, batch_runner
    from pipeline.store.db import Store, parse_date

    pose_model_use(pose_model)
    settings = _settings(settings_file) if settings_file is not None else None
    logging.basicConfig(level=logging.WARNING)
    try:
        store = Store(data)
        day = parse_date(night_date) if night_date else None
        nights = batch_inputs(inputs)
    except (LegmoveError, ValueError) as exc:
        _fail(exc)
        return
    ids: list[int] = []
    failed = 0
    for night in nights:
        try:
            ids += batch_add(store, [night], label=label, night_date=day, settings=settings)
        except (LegmoveError, ValueError) as exc:
            err.print(f"[bold red]skipped:[/] {escape(str(exc))}", soft_wrap=True)
            failed += 1
    if not ids:
        raise typer.Exit(2)
    totals = {n: max(s.end_s for s in store.get_night(n).segments) for n in ids}
    done: dict[int, float] = {}

    def on_night(night_id: int, error: Exception | None) -> None:
        title = escape(store.get_night(night_id).title)
        if error is None:
            line = _night_line(store.get_night(night_id).summary or {})
            err.print(f"night {night_id} ({title}): {line}", soft_wrap=True)
        else:
            err.print(f"[bold red]night {night_id} ({title}) failed:[/] {escape(str(error))}")

    try:
        with (
            batch_runner(scheduler, workers or None) as runner,
            video_progress(f"{len(ids)} night(s)", err, quiet=quiet) as shown,
        ):

            def progress(night_id: int, done_s: float, _total_s: float) -> None:
                done[night_id] = done_s
                shown(sum(done.values()), sum(totals.values()))

            outcome = batch_run(
                store,
                ids,
                runner,
                chunk_s=chunk_s,
                settings=settings,
                options=ExtractOptions(gate=not every_frame),
                force=force,
                progress=progress,
                on_night=on_night,
            )
    except (LegmoveError, OSError) as exc:
        _fail(exc)
        return
    failed += sum(e is not None for e in outcome.values())
    err.print(f"{sum(e is None for e in outcome.values())} night(s) done, {failed} failed")
    if failed:
        raise typer.Exit(1)


def _night_line(summary: dict) -> str:
    c = summary.get("counts", {})
    return (
        f"{summary.get('duration_s', 0) / 60:.1f} min · LMs {c.get('lm', 0)} · "
        f"PLMs {c.get('plm', 0)} · rhythmic {c.get('rhythmic', 0)}"
    )


app.add_typer(night_app, name="night")
app.add_typer(note_app, name="note")
app.command()(review)
app.command()(export)
app.command()(compare)
app.command()(record)
app.command()(demo)


def main() -> None:
    """The ``legmove`` command: the CLI with MediaPipe's native log lines kept out of its
    output (:func:`detector.native_log.native_log_quiet`)."""
    from detector.native_log import native_log_quiet

    native_log_quiet()
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
