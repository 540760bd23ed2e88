"""The records the night store hands out, date parsing, and review matching.

See :mod:`pipeline.store.db`. Everything here is plain data: no database access.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from detector.track import Segment

#: what a person can say of a flagged episode: ``confirm`` it looks like what was flagged (a
#: periodic series, rhythmic movement, ...); ``ordinary`` the legs move, but as a baby
#: ordinarily does (wriggling, stretching, a kick); ``reject`` not a leg movement at all (a
#: caregiver, a blanket, the camera); ``unsure`` can't tell from the video
VERDICTS = ("confirm", "ordinary", "reject", "unsure")
#: each verdict in a report's words (and "" for an episode nobody has reviewed)
VERDICT_TEXT = {
    "confirm": "looks like it",
    "ordinary": "ordinary movement",
    "reject": "not a leg movement",
    "unsure": "can't tell",
    "": "not reviewed",
}

__all__ = [
    "VERDICTS",
    "VERDICT_TEXT",
    "Night",
    "Note",
    "Review",
    "Source",
    "parse_clock",
    "parse_date",
    "review_match",
]


def parse_date(value: str | date) -> date:
    """A night or note date from ``YYYY-MM-DD`` text (or a date); ValueError saying the format."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueError(
            f"bad date {value!r}: give it as YYYY-MM-DD, for example 2024-05-01"
        ) from None


def parse_clock(value: str | time) -> str:
    """A clock time as ``HH:MM`` from ``H:MM``/``HH:MM`` text (or a time); ValueError if bad."""
    if isinstance(value, time):
        return value.strftime("%H:%M")
    text = str(value).strip()
    try:
        hh, mm = text.split(":")
        t = time(int(hh), int(mm))
    except ValueError:
        raise ValueError(
            f"bad clock time {value!r}: give it as HH:MM (24 h), for example 19:45"
        ) from None
    return t.strftime("%H:%M")


@dataclass(frozen=True)
class Source:
    """One video file of a night, placed on the night's timeline."""

    path: str
    size_bytes: int
    sha256: str
    start_s: float
    end_s: float
    n_frames: int

    def to_segment(self) -> Segment:
        return Segment(
            path=self.path,
            start_s=self.start_s,
            end_s=self.end_s,
            n_frames=self.n_frames,
            size_bytes=self.size_bytes,
            sha256=self.sha256,
        )


@dataclass(frozen=True)
class Night:
    """One night in the store. ``summary`` is None until a result is saved.

    ``status``: ``pending`` (added, not analysed), ``running`` (an analysis started; see
    :func:`pipeline.jobs.night_job.job_status` for whether it still runs), ``done`` or ``failed``
    (``error`` says why). ``night_date`` is the date the night starts (the evening).
    """

    id: int
    label: str
    night_date: date
    in_bed: str | None
    recorded: datetime | None
    created: str
    status: str
    error: str | None
    settings: dict[str, Any]
    versions: dict[str, Any]
    summary: dict[str, Any] | None
    tracks_path: Path | None
    analysed: str | None
    sources: tuple[Source, ...] = ()

    @property
    def segments(self) -> list[Segment]:
        """The sources as :class:`detector.track.Segment` (what the detector reads)."""
        return [s.to_segment() for s in self.sources]

    @property
    def start_time(self) -> datetime | None:
        """Local clock time (naive) of the night's first frame, when the video recorded it."""
        return None if self.recorded is None else self.recorded.astimezone().replace(tzinfo=None)

    @property
    def in_bed_s(self) -> float | None:
        """When the baby was put to bed, in seconds from the night's first frame (negative if
        before the recording started); None unless both the in-bed time and the recording
        time are known. An in-bed time before noon is taken as after midnight."""
        start = self.start_time
        if self.in_bed is None or start is None:
            return None
        clock = time.fromisoformat(self.in_bed)
        day = self.night_date + timedelta(days=1 if clock.hour < 12 else 0)
        return (datetime.combine(day, clock) - start).total_seconds()

    @property
    def title(self) -> str:
        return f"night {self.id} · {self.label} · {self.night_date.isoformat()}"


@dataclass(frozen=True)
class Review:
    """A person's verdict on an episode, and the episode of the current result it matches.

    ``kind``, ``start_s``, ``end_s`` and ``episode_key`` describe the episode as it was when
    reviewed. ``episode`` is the number (1-based, as :meth:`Store.episodes` lists them) of
    the current episode it matches by time overlap, and ``episode_key_now`` that episode's
    key; both are None when no current episode matches (``unmatched``).
    """

    id: int
    night_id: int
    verdict: str
    note: str
    created: str
    kind: str
    start_s: float
    end_s: float
    episode_key: str
    episode: int | None = None
    episode_key_now: str | None = None

    @property
    def unmatched(self) -> bool:
        return self.episode is None


@dataclass(frozen=True)
class Note:
    """A dated note or intervention ("warm bath", "iron supplement started")."""

    id: int
    note_date: date
    text: str
    night_id: int | None
    created: str


def review_match(
    kind: str, start_s: float, end_s: float, episodes: pd.DataFrame
) -> tuple[int, str] | None:
    """(number, key) of the episode in ``episodes`` that a review of the episode ``kind``,
    ``start_s``..``end_s`` carries over to, or None.

    ``episodes`` has columns ``number``, ``key``, ``start_s``, ``end_s``, ``kind``. An
    episode of the same kind matches when the two overlap or touch; one of another kind
    (the rules re-labelled it) only when their overlap covers at least half of the longer
    of the two. Among matches, same kind first, then the longest overlap, then the closest
    start.
    """
    best: tuple[tuple[int, float, float], int, str] | None = None
    for row in episodes.itertuples(index=False):
        e0, e1 = float(row.start_s), float(row.end_s)
        overlap = min(end_s, e1) - max(start_s, e0)
        same = row.kind == kind
        if overlap < 0 or (not same and overlap < 0.5 * max(end_s - start_s, e1 - e0)):
            continue
        rank = (int(same), overlap, -abs(e0 - start_s))
        if best is None or rank > best[0]:
            best = (rank, int(row.number), str(row.key))
    return None if best is None else (best[1], best[2])
