"""Nights recorded from a camera stream: the recording's row, and a night that grows by one
segment file at a time.

:class:`StoreRecordings` is a part of :class:`pipeline.store.db.Store` (which inherits it).
A recorded night is added before its first segment exists (:meth:`add_recording`, status
``pending``, no sources); :meth:`append_segment` adds each finished segment file as the
night's next source and, in the same transaction, the analysis chunk that covers it, so a
night killed at any moment is resumed (``legmove night analyze``) with a chunk for every
segment it has. The table ``recordings`` keeps the camera's address — never its
credentials — the folder of the segment files, the recording's progress and how it ended.
Whether the recorder still runs is known from its lock (:mod:`pipeline.jobs.record`).
"""

from __future__ import annotations

import contextlib
import sqlite3
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from detector.track import Segment
from pipeline.settings import Settings
from pipeline.store.records import Night, parse_clock, parse_date
from pipeline.store.tables import to_json

__all__ = ["Recording", "StoreRecordings"]

#: columns of ``recordings`` that :meth:`StoreRecordings.recording_update` may set
_UPDATABLE = frozenset(
    {"pid", "recorded_s", "gaps", "gap_s", "ends", "ended", "end_reason", "message"}
)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Recording:
    """A night's recording from a camera. ``source`` is the camera's address without
    credentials; ``ended`` is None while it runs (or when its process was killed);
    ``end_reason`` as :class:`detector.stream.StreamEnd` says (``stopped``, ``unreachable``,
    ``disk_full``) or ``failed``; ``message`` says it in words."""

    night_id: int
    source: str
    folder: Path
    pid: int | None
    started: str
    updated: str
    ends: str | None
    recorded_s: float
    gaps: int
    gap_s: float
    ended: str | None
    end_reason: str | None
    message: str | None


class StoreRecordings:
    """Recorded nights of :class:`pipeline.store.db.Store` (see the module doc)."""

    data_dir: Path

    def transaction(
        self, write: bool = True
    ) -> contextlib.AbstractContextManager[sqlite3.Connection]:  # pragma: no cover - Store's
        raise NotImplementedError

    def _night(self, con: sqlite3.Connection, night_id: int) -> Night:  # pragma: no cover
        raise NotImplementedError

    def recording_folder(self, night_id: int) -> Path:
        """Where a recorded night's segment files go: ``<data>/recordings/<night_id>``."""
        return self.data_dir / "recordings" / str(int(night_id))

    def add_recording(
        self,
        label: str,
        night_date: str | date,
        source: str,
        *,
        in_bed: str | None = None,
        settings: Settings | dict[str, Any] | None = None,
        ends: datetime | None = None,
        pid: int | None = None,
    ) -> int:
        """Add a night to be recorded from ``source`` (the address without credentials;
        ValueError if it has any); return its id. It has no video until
        :meth:`append_segment` adds the first segment."""
        label = str(label).strip()
        if not label:
            raise ValueError("label must name the child (or another label), not be empty")
        if "@" in source.split("//", 1)[-1].split("/", 1)[0]:
            raise ValueError("the camera's address is stored without user name or password")
        day = parse_date(night_date)
        bed = parse_clock(in_bed) if in_bed is not None else None
        sdict = settings.to_dict() if isinstance(settings, Settings) else dict(settings or {})
        Settings.from_dict(sdict)
        with self.transaction() as con:
            cur = con.execute(
                "INSERT INTO nights (label, night_date, in_bed, created, settings_json) "
                "VALUES (?, ?, ?, ?, ?)",
                (label, day.isoformat(), bed, _now(), to_json(sdict)),
            )
            night_id = int(cur.lastrowid or 0)
            folder = self.recording_folder(night_id)
            con.execute(
                "INSERT INTO recordings (night_id, source, folder, pid, started, updated, ends) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    night_id,
                    source,
                    str(folder.relative_to(self.data_dir)),
                    pid,
                    _now(),
                    _now(),
                    ends.isoformat() if ends is not None else None,
                ),
            )
        return night_id

    def append_segment(
        self, night_id: int, segment: Segment, *, recorded: datetime | None = None
    ) -> int:
        """Add ``segment`` (a finished segment file, placed on the night's timeline after
        the ones before it) as the night's next source, and the analysis chunk covering
        it, ``segment.start_s`` to ``segment.end_s``, in one transaction; return the chunk's
        index. ``recorded`` (the first segment's wall-clock start, timezone-aware) gives the
        night its clock times. The job's totals grow with it when a job exists."""
        with self.transaction() as con:
            self._night(con, night_id)
            n = int(
                con.execute(
                    "SELECT COUNT(*) FROM sources WHERE night_id = ?", (int(night_id),)
                ).fetchone()[0]
            )
            last = con.execute(
                "SELECT MAX(end_s) FROM sources WHERE night_id = ?", (int(night_id),)
            ).fetchone()[0]
            if last is not None and segment.start_s < float(last) - 1e-6:
                raise ValueError(
                    f"{segment.path}: starts at {segment.start_s:.3f} s, before the end of the "
                    f"night's last segment ({float(last):.3f} s)"
                )
            con.execute(
                "INSERT INTO sources VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    int(night_id),
                    n,
                    segment.path,
                    int(segment.size_bytes),
                    segment.sha256,
                    float(segment.start_s),
                    float(segment.end_s),
                    int(segment.n_frames),
                ),
            )
            if recorded is not None:
                con.execute(
                    "UPDATE nights SET start_time = COALESCE(start_time, ?) WHERE id = ?",
                    (recorded.isoformat(), int(night_id)),
                )
            idx = int(
                con.execute(
                    "SELECT COALESCE(MAX(idx) + 1, 0) FROM chunks WHERE night_id = ?",
                    (int(night_id),),
                ).fetchone()[0]
            )
            con.execute(
                "INSERT INTO chunks (night_id, idx, start_s, end_s) VALUES (?, ?, ?, ?)",
                (int(night_id), idx, float(segment.start_s), float(segment.end_s)),
            )
            con.execute(
                "UPDATE jobs SET total_s = MAX(total_s, ?), chunks_total = chunks_total + 1, "
                "updated = ? WHERE night_id = ?",
                (float(segment.end_s), _now(), int(night_id)),
            )
            con.execute(
                "UPDATE recordings SET recorded_s = recorded_s + ?, updated = ? WHERE night_id = ?",
                (float(segment.end_s - segment.start_s), _now(), int(night_id)),
            )
        return idx

    def recording_update(self, night_id: int, **fields: Any) -> None:
        """Set fields of the night's recording row (see :class:`Recording`)."""
        bad = set(fields) - _UPDATABLE
        if bad:
            raise ValueError(f"cannot set {', '.join(sorted(bad))} of a recording")
        sets = ", ".join(f"{k} = ?" for k in fields)
        with self.transaction() as con:
            con.execute(
                f"UPDATE recordings SET {sets}{', ' if sets else ''}updated = ? WHERE night_id = ?",
                (*fields.values(), _now(), int(night_id)),
            )

    def recording(self, night_id: int) -> Recording | None:
        """The night's recording, or None when the night was not recorded from a camera."""
        with self.transaction(write=False) as con:
            row = con.execute(
                "SELECT * FROM recordings WHERE night_id = ?", (int(night_id),)
            ).fetchone()
        return None if row is None else self._recording(row)

    def recordings(self) -> list[Recording]:
        """Every recording, newest first."""
        with self.transaction(write=False) as con:
            rows = con.execute("SELECT * FROM recordings ORDER BY night_id DESC").fetchall()
        return [self._recording(r) for r in rows]

    def _recording(self, row: sqlite3.Row) -> Recording:
        return Recording(
            night_id=int(row["night_id"]),
            source=str(row["source"]),
            folder=self.data_dir / str(row["folder"]),
            pid=None if row["pid"] is None else int(row["pid"]),
            started=str(row["started"]),
            updated=str(row["updated"]),
            ends=row["ends"],
            recorded_s=float(row["recorded_s"]),
            gaps=int(row["gaps"]),
            gap_s=float(row["gap_s"]),
            ended=row["ended"],
            end_reason=row["end_reason"],
            message=row["message"],
        )
