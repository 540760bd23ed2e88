"""The ``legmove`` command line."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from detector.errors import LegmoveError
from pipeline.analyze import night_analyze, night_rescore_dir
from pipeline.cli_nights import export, night_app, note_app, rescore_night, review
from pipeline.settings import Settings

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
        return Settings.from_dict(json.loads(settings_file.read_text()))
    except (OSError, json.JSONDecodeError, TypeError, ValueError) as exc:
        raise typer.BadParameter(f"{settings_file}: {exc}") from exc


def _fail(exc: Exception) -> None:
    # escape: a file name such as "night [1].mp4" is text, not rich markup; soft_wrap keeps a
    # path on one line so it can be copied
    err.print(f"[bold red]error:[/] {escape(str(exc))}", soft_wrap=True)
    raise typer.Exit(2)


def _print_summary(summary: dict, out: Path) -> None:
    c = summary["counts"]
    onset = summary["sleep_onset_s"]
    err.print(
        f"[bold]{summary['duration_s'] / 60:.1f} min[/] analysed · sleep onset "
        f"{'none' if onset is None else f'{onset / 60:.1f} min'} · "
        f"LMs {c['lm']} · PLMs {c['plm']} · rhythmic {c['rhythmic']} · twitches {c['twitch']} · "
        f"pose found in {summary['pose_coverage']:.0%} of frames, "
        f"trusted {summary.get('trusted_pose_coverage', summary['pose_coverage']):.0%} of the time"
    )
    for issue in summary.get("issues", []):
        err.print(f"[yellow]note:[/] {escape(str(issue))}", soft_wrap=True)
    err.print(f"results in {escape(str(out))}", soft_wrap=True)


@app.command()
def analyze(
    videos: list[Path] = typer.Argument(..., help="video file(s) of one night, in any order"),
    out: Path = typer.Option(..., "--out", "-o", help="folder for the results"),
    settings_file: Path | None = typer.Option(
        None, "--settings", help="JSON file overriding detection settings"
    ),
    every_frame: bool = typer.Option(
        False, "--every-frame", help="run pose on every frame (slower; no motion gating)"
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="no progress bar"),
) -> None:
    """Analyse one night: write events.csv, episodes.csv, epochs.csv, summary.json, tracks.npz."""
    from detector.extract import ExtractOptions

    settings = _settings(settings_file)
    logging.basicConfig(level=logging.WARNING)
    try:
        with Progress(
            TextColumn("analysing"),
            BarColumn(),
            TextColumn("{task.completed:.0f}/{task.total:.0f} s of video"),
            TimeRemainingColumn(),
            console=err,
            disable=quiet,
        ) as bar:
            task = bar.add_task("analyse", total=1.0)

            def progress(done_s: float, total_s: float) -> None:
                bar.update(task, completed=done_s, total=total_s)

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
    data: Path | None = typer.Option(
        None, "--data", envvar="LEGMOVE_DATA", help="data folder of the store", show_default=False
    ),
) -> None:
    """Re-run the signal stage on saved tracks with new settings (no video decoding).

    For a night in the store the file's settings override the night's, the new result
    replaces the old, and every review is kept (matched to the new episodes by time)."""
    out = Path(target)
    if not out.is_dir():
        if not target.strip().isdigit():
            _fail(
                ValueError(
                    f"{target}: neither a results folder nor a night number "
                    "(`legmove night list` shows the nights)"
                )
            )
        rescore_night(target, settings_file, data)
        return
    try:
        result = night_rescore_dir(out, _settings(settings_file))
    except LegmoveError as exc:
        _fail(exc)
        return
    _print_summary(result.summary, out)


app.add_typer(night_app, name="night")
app.add_typer(note_app, name="note")
app.command()(review)
app.command()(export)


if __name__ == "__main__":  # pragma: no cover
    app()
