"""The one clock a night's times are shown on, everywhere: the dashboard, the CSVs, the PDF and
``legmove night show`` all take the start of the night's first frame from
:func:`night_clock_start` and write times with :func:`pipeline.reports.export.fmt_clock`.

Where the start comes from, first that is known and fits the night:

1. the recording's own clock — the video's container creation time (read when the night was
   added), else a date and time in the first file's name (``2024-05-01_19-30-00.mp4``);
   taken only when it falls on the night's evening or the morning after (12:00 to 12:00), as
   a camera whose clock was never set records 1970 or its factory date;
2. the in-bed time (``--in-bed``), the recording taken to start then (an in-bed time before
   noon is after midnight, as :attr:`pipeline.store.records.Night.in_bed_s` reads it);
3. nothing: times are then shown as time since the recording started, ``+h:mm:ss`` — never
   as decimal hours.

The recording's own clock comes first because it is exact for every frame; the in-bed time
says when the baby was put down, which a parent may have started recording before or after.
:func:`reason_clocked` puts the signal stage's elapsed ``h:mm:ss`` times in an episode's
reason onto the same clock, so one sentence never mixes the two.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from pipeline.reports.export import fmt_clock
from pipeline.store.records import Night

__all__ = ["night_clock_start", "reason_clocked"]

#: a date and time in a file name: 20240501_193000, 2024-05-01 19-30-00, 2024-05-01T19:30:00
_NAME_TIME = re.compile(
    r"(?<!\d)(\d{4})-?(\d{2})-?(\d{2})[T_ -]?(\d{2})[-:_.h]?(\d{2})[-:_.m]?(\d{2})(?!\d)"
)
#: an elapsed time h:mm:ss in a text (the signal stage's reasons: "from 0:01:50")
_ELAPSED = re.compile(r"(?<![\d:])(\d{1,2}):([0-5]\d):([0-5]\d)(?![\d:])")


def _name_time(path: str) -> dt.datetime | None:
    for m in _NAME_TIME.finditer(Path(path).stem):
        try:
            return dt.datetime(*(int(g) for g in m.groups()))  # type: ignore[arg-type]
        except ValueError:
            continue
    return None


def _fits(night: Night, when: dt.datetime) -> bool:
    """True when ``when`` is on the night's evening or the morning after (noon to noon)."""
    noon = dt.datetime.combine(night.night_date, dt.time(12, 0))
    return noon <= when < noon + dt.timedelta(days=1)


def night_clock_start(night: Night) -> tuple[dt.datetime | None, str]:
    """Clock time (local, naive) of the night's first frame and where it came from, in words
    ('' when unknown); the order is the module doc's."""
    own = night.start_time
    if own is not None and _fits(night, own):
        return own, "the video's recording time"
    first = min(night.sources, key=lambda s: s.start_s) if night.sources else None
    named = _name_time(first.path) if first is not None else None
    if named is not None and _fits(night, named):
        return named - dt.timedelta(seconds=first.start_s if first else 0.0), (
            "the time in the video file's name"
        )
    if night.in_bed:
        clock = dt.time.fromisoformat(night.in_bed)
        day = night.night_date + dt.timedelta(days=1 if clock.hour < 12 else 0)
        return dt.datetime.combine(day, clock), "the in-bed time"
    return None, ""


def reason_clocked(text: str, start: dt.datetime | None, first_s: float = 0.0) -> str:
    """``text`` with each elapsed ``h:mm:ss`` (seconds after the night's first frame at
    ``first_s`` on the result's time axis) written as the clock time it is; unchanged when
    the start is unknown."""
    if start is None:
        return text

    def clocked(m: re.Match[str]) -> str:
        h, mi, s = (int(g) for g in m.groups())
        return fmt_clock(first_s + 3600 * h + 60 * mi + s, start, seconds=True)

    return _ELAPSED.sub(clocked, text)
