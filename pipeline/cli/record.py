"""``legmove record``: record tonight straight from the camera, analysed while it records.

::

    legmove record SOURCE --label NAME [--date YYYY-MM-DD] [--for 11h | --until 07:00] [--data DIR]

SOURCE is an ``rtsp://``, ``rtsps://``, ``http(s)://`` (MPEG-TS or MJPEG) address, a capture
device ``/dev/videoN``, or the name of a camera saved on the dashboard's Import page. A
password is never taken from the command line (other programs and the shell history would
see it): give it in ``$LEGMOVE_CAMERA_PASSWORD`` (user name in ``$LEGMOVE_CAMERA_USER``) or
in a file (``--credentials FILE``, ``user:password``, ``chmod 600``).
"""

from __future__ import annotations

import logging
import threading
import urllib.parse
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn

from pipeline.cli.nights import _data_option, _date, _settings_dict, _start, _summary_line
from pipeline.errors import LegmoveError

# the stream reader, the store and the jobs load inside the command, so `legmove --help`
# answers at once
if TYPE_CHECKING:
    from detector.stream import StreamSource
    from pipeline.jobs.record import RecordProgress

__all__ = ["record"]

err = Console(stderr=True, soft_wrap=True)


def _fail(message: str | Exception) -> None:
    err.print(f"[bold red]error:[/] {escape(str(message))}")
    raise typer.Exit(2)


def _hms(t_s: float) -> str:
    t = int(round(t_s))
    return f"{t // 3600}:{t % 3600 // 60:02d}:{t % 60:02d}"


def _source(text: str, credentials: Path | None, data: Path | None) -> StreamSource:
    """The stream to record: an address or device, else a saved camera; the credentials
    from ``--credentials`` or the environment win over saved ones."""
    from detector.stream import StreamSource, stream_source
    from pipeline.jobs.cameras import ENV_PASSWORD, camera_source, credentials_env, credentials_load
    from pipeline.store.db import Store

    looks_like_address = "://" in text or text.startswith("/dev/")
    if looks_like_address:
        parts = urllib.parse.urlsplit(text)
        if parts.password:
            raise ValueError(
                "the address holds a password: other programs on this computer and your shell "
                f"history can read it — give the address without it and the password in "
                f"${ENV_PASSWORD} or in a file with --credentials FILE"
            )
        src = stream_source(text)
    else:
        src = camera_source(Store(data).data_dir, text)
    user, password = credentials_env()
    if credentials is not None:
        user, password = credentials_load(credentials)
    if user or password:
        src = StreamSource(
            src.url, user or src.user, password or src.password, src.kind, src.input_format
        )
    return src


def record(
    source: str = typer.Argument(
        ...,
        help="rtsp://, rtsps:// or http(s):// address, /dev/videoN, or a saved camera's name",
    ),
    label: str = typer.Option(..., "--label", help="the child's name (or another label)"),
    night_date: str | None = typer.Option(
        None, "--date", help="the evening's date, YYYY-MM-DD (default: this evening)"
    ),
    for_: str | None = typer.Option(None, "--for", help="record this long: 11h, 90m, 1h30m"),
    until: str | None = typer.Option(None, "--until", help="record until this clock time, HH:MM"),
    in_bed: str | None = typer.Option(None, "--in-bed", help="put to bed at HH:MM"),
    credentials: Path | None = typer.Option(
        None, "--credentials", help="file with the camera's user:password (chmod 600)"
    ),
    segment_min: float = typer.Option(
        5.0, "--segment-min", min=0.05, help="minutes of video per segment file"
    ),
    give_up_min: float = typer.Option(
        10.0, "--give-up-min", min=0.01, help="end when the camera sends nothing this long"
    ),
    settings_file: Path | None = typer.Option(
        None, "--settings", help="JSON file overriding detection settings"
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="no live status line"),
    data: Path | None = _data_option(),
) -> None:
    """Record a night from a network camera (or capture device) into the store, analysing
    it while it records; Ctrl-C, SIGTERM, --for or --until end it and the night is scored.

    The stream is read on your local network; nothing leaves this computer."""
    from detector.stream import StreamOptions, stream_describe, stream_open
    from pipeline.jobs.record import record_deadline, record_night, record_signals
    from pipeline.settings import Settings
    from pipeline.store.db import Store, parse_clock

    day = _date(night_date, "--date")
    settings = Settings.from_dict(_settings_dict(settings_file))
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    try:
        bed = parse_clock(in_bed) if in_bed is not None else None
        ends = record_deadline(for_, until)
        src = _source(source, credentials, data)
        opts = StreamOptions(segment_s=segment_min * 60.0, give_up_s=give_up_min * 60.0)
        store = Store(data)
        opened = stream_open(src, opts)
    except (LegmoveError, ValueError) as exc:
        _fail(exc)
        return
    err.print(f"connected to {escape(src.url)}: {stream_describe(opened)}")
    if ends is not None:
        err.print(f"recording until {ends:%a %H:%M} (Ctrl-C ends it earlier)")
    else:
        err.print("recording until the stream ends or Ctrl-C")
    stop = threading.Event()

    def stopping() -> None:
        err.print("stopping — finishing the last segment and scoring the night …")

    with (
        Progress(
            SpinnerColumn(), TextColumn("{task.description}"), console=err, disable=quiet
        ) as bar,
        record_signals(stop, stopping),
    ):
        task = bar.add_task("connecting", total=None)

        def progress(p: RecordProgress) -> None:
            words = {"recording": "recording", "finishing": "finishing the night"}
            bar.update(
                task,
                description=f"night {p.night_id}: {words.get(p.state, p.state)} · "
                f"{_hms(p.recorded_s)} recorded · {_hms(p.analysed_s)} analysed · "
                f"{p.gaps} gap(s)",
            )

        def announce(night_id: int) -> None:
            err.print(f"night {night_id}: segment files in {store.recording_folder(night_id)}")

        try:
            outcome = record_night(
                store,
                src,
                label=label,
                night_date=day,
                in_bed=bed,
                ends=ends,
                options=opts,
                settings=settings,
                stop=stop,
                progress=progress,
                on_night=announce,
                opened=opened,
            )
        except KeyboardInterrupt:
            err.print(
                "interrupted — the finished segments are kept; `legmove night analyze N` "
                "analyses them"
            )
            raise typer.Exit(130) from None
        except (LegmoveError, ValueError) as exc:
            _fail(exc)
            return
    err.print(escape(outcome.end.message))
    if outcome.error is not None:
        err.print(f"[bold red]the night was not scored:[/] {escape(str(outcome.error))}")
        raise typer.Exit(1)
    night = store.get_night(outcome.night_id)
    typer.echo(_summary_line(night.summary or {}, _start(night)))
    typer.echo(f"see it with `legmove night show {outcome.night_id}`")
