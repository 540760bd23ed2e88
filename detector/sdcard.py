"""SD-card recordings: the clock time a file starts at, from its dated folders and name.

Cameras that record onto an SD card write folders of dates and hours with a file a minute
(``record/20261127/20/05.mp4``, ``2026112720/05M00S_1669577100.mp4``,
``Mp4Record/2026-11-27/RecM01_20261127_200500_200600_….mp4``) and often no usable creation
time in the files; :func:`path_clock_time` reads the time from the path, so
:func:`detector.video.night_plan` can place such files on the night's timeline.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

__all__ = ["path_clock_time"]

_DASHED_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")


def path_clock_time(path: str | Path) -> datetime | None:
    """The clock time a recording starts at, read from its folder and file names as
    SD-card cameras write them — the date in a folder (``20261127``, ``2026-11-27``) or the
    name, and the hour, minute (and second) after it in deeper folders or the name:
    ``record/20261127/20/05.mp4`` (20:05), ``2026112720/05M00S_1669577100.mp4`` (20:05:00),
    ``2026-11-27/RecM01_20261127_200500_200600.mp4`` (20:05:00). The deepest date of the
    last four parts of the path counts; None without a date followed by at least the hour."""
    parts = Path(path).with_suffix("").parts[-4:]
    text = _DASHED_DATE.sub(r"\1\2\3", "/".join(parts))
    runs = re.findall(r"\d+", text)
    for i in range(len(runs) - 1, -1, -1):
        run = runs[i]
        if len(run) < 8:
            continue
        try:
            day = datetime.strptime(run[:8], "%Y%m%d")
        except ValueError:
            continue
        digits = run[8:]
        for nxt in runs[i + 1 :]:
            if len(digits) >= 6 or len(nxt) > 6 or len(nxt) % 2:
                break
            digits += nxt
        digits = digits[:6]
        if len(digits) < 2 or len(digits) % 2:
            return None
        hh, mm, ss = (int(digits[k : k + 2]) if len(digits) > k else 0 for k in (0, 2, 4))
        if hh > 23 or mm > 59 or ss > 59 or day.year < 1990:
            return None
        return day.replace(hour=hh, minute=mm, second=ss)
    return None
