"""The night store: one SQLite database plus per-frame track files in one data folder.

Layout of a data folder (default :func:`store_default_dir`)::

    legmove.db              nights, sources, results, reviews, notes, analysis jobs
    tracks/<night_id>.npz   per-frame tracks of each analysed night (the db points to them)
    chunks/<night_id>/      checkpoints of an analysis in progress (see pipeline.jobs.night_job)
    locks/, logs/           job locks and background-job logs (see pipeline.jobs.night_job)
    recordings/<night_id>/  segment files of a night recorded from a camera (pipeline.jobs.record)

The database runs in WAL mode with a busy timeout, so an analysis can write while the
dashboard reads and two processes can write without "database is locked" reaching the
user. Every write is one ``BEGIN IMMEDIATE`` transaction; every multi-table read is one
read transaction (a consistent snapshot). The schema carries a version (table
``schema_version``) and is brought up to date by :data:`MIGRATIONS` when a store is opened.

A result (:class:`pipeline.scoring.night.NightResult`) is saved whole, replacing the night's
previous one in one transaction, and read back as the same tables: the dashboard and the
exports read :meth:`Store.result`, never recompute. Reviews are never deleted when results
are replaced; each is matched to the current episodes by time overlap when read
(:meth:`Store.reviews`, :meth:`Store.episodes`), and a review no current episode matches is
kept and reported as unmatched.

Example::

    store = Store()                                   # default data folder
    night_id = store.add_night("Mila", "2024-05-01", night_plan(["night.mp4"]))
    job_run(store, night_id)                          # pipeline.jobs.night_job: decode, score, save
    store.result(night_id).events                     # the movement table
    store.add_review(night_id, 1, "confirm", note="clearly kicking")
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import os
import shutil
import sqlite3
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import pandas as pd

from detector.track import Segment
from pipeline.errors import StoreError, UnknownNightError
from pipeline.scoring.night import NightResult
from pipeline.settings import Settings
from pipeline.store.place import ENV_DATA, store_default_dir
from pipeline.store.recordings import StoreRecordings
from pipeline.store.records import (
    Night,
    Note,
    Review,
    Source,
    parse_clock,
    parse_date,
)
from pipeline.store.reviews import VERDICTS, StoreReviews
from pipeline.store.schema import MIGRATIONS
from pipeline.store.tables import (
    SQL_TABLES,
    episode_key,
    json_clean,
    table_columns,
    table_insert,
    table_read,
    to_json,
)

__all__ = [
    "DB_NAME",
    "ENV_DATA",
    "MIGRATIONS",
    "NIGHT_STATUSES",
    "VERDICTS",
    "episode_key",
    "Night",
    "Note",
    "Review",
    "Source",
    "Store",
    "parse_date",
    "parse_clock",
    "store_default_dir",
]

logger = logging.getLogger(__name__)

#: file name of the database inside a data folder
DB_NAME = "legmove.db"
#: how long a connection waits for another process's write to finish before failing
BUSY_TIMEOUT_S = 60.0
NIGHT_STATUSES = ("pending", "running", "done", "failed")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _creation_time(path: str) -> datetime | None:
    """The container creation time of a video file, or None (unknown, or unreadable file)."""
    from detector.video import video_probe
    from pipeline.errors import VideoError

    try:
        return video_probe(path).creation_time
    except (VideoError, OSError):
        return None


# --- the store --------------------------------------------------------------------------------
class Store(StoreReviews, StoreRecordings):
    """The night store in data folder ``data_dir`` (default :func:`store_default_dir`).

    Opening a store creates the folder and database if needed and migrates an older schema.
    Methods open a short-lived connection each, so one Store may be shared across threads
    (Streamlit) and used from several processes at once. Errors are :class:`StoreError`
    (:class:`UnknownNightError` for an unknown night id); bad arguments raise ValueError.
    Episodes, reviews and notes are in :class:`pipeline.store.reviews.StoreReviews`;
    recorded nights in :class:`pipeline.store.recordings.StoreRecordings`.
    """

    def __init__(self, data_dir: str | Path | None = None) -> None:
        self.data_dir = Path(data_dir).expanduser() if data_dir else store_default_dir()
        self.db_path = self.data_dir / DB_NAME
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(
                f"{self.data_dir}: cannot create the data folder ({exc.strerror}) — choose "
                f"another with --data or {ENV_DATA}"
            ) from exc
        #: the folder cannot be written (a read-only disk or share): its nights can be listed
        #: and shown, every change is refused with a StoreError saying so
        self.read_only = not os.access(self.data_dir, os.W_OK) or (
            self.db_path.exists() and not os.access(self.db_path, os.W_OK)
        )
        if self.read_only and not self.db_path.is_file():
            raise StoreError(
                f"{self.data_dir}: the data folder is read-only and holds no legmove database "
                f"— choose another with --data or {ENV_DATA}"
            )
        self._migrate()

    def __repr__(self) -> str:
        return f"Store({str(self.data_dir)!r})"

    # --- connections ------------------------------------------------------------------------
    def _open(self) -> sqlite3.Connection:
        if self.read_only:
            return self._open_read_only()
        con = sqlite3.connect(self.db_path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        con.row_factory = sqlite3.Row
        con.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        con.execute("PRAGMA foreign_keys = ON")
        con.execute("PRAGMA synchronous = NORMAL")
        return con

    def _open_read_only(self) -> sqlite3.Connection:
        """A read-only connection. SQLite reads a WAL database only beside its shared-memory
        file, which a read-only folder cannot hold unless a writer elsewhere made it; then
        the database is read as immutable (nobody can be writing it here)."""
        uri = self.db_path.resolve().as_uri()
        try:
            con = sqlite3.connect(f"{uri}?mode=ro", uri=True, isolation_level=None)
            con.execute("SELECT 1 FROM sqlite_master LIMIT 1")
        except sqlite3.OperationalError:
            con = sqlite3.connect(f"{uri}?mode=ro&immutable=1", uri=True, isolation_level=None)
        con.row_factory = sqlite3.Row
        return con

    @contextlib.contextmanager
    def transaction(self, write: bool = True) -> Iterator[sqlite3.Connection]:
        """A connection inside one transaction, committed on success, rolled back on error.

        ``write=True`` takes the write lock at once (``BEGIN IMMEDIATE``), waiting up to
        :data:`BUSY_TIMEOUT_S` for another writer; ``write=False`` is a read snapshot.
        Low level: for modules that own tables of this database (pipeline.jobs.night_job).
        """
        if write and self.read_only:
            raise StoreError(
                f"{self.data_dir}: the data folder is read-only — legmove can list and show its "
                "nights but not change them; make it writable, or copy it and use the copy "
                f"with --data or {ENV_DATA}"
            )
        try:
            con = self._open()
        except sqlite3.Error as exc:
            raise self._error(exc) from exc
        try:
            con.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            yield con
            con.execute("COMMIT")
        except sqlite3.Error as exc:
            if con.in_transaction:
                con.execute("ROLLBACK")
            raise self._error(exc) from exc
        except BaseException:
            if con.in_transaction:
                con.execute("ROLLBACK")
            raise
        finally:
            con.close()

    def _error(self, exc: sqlite3.Error) -> StoreError:
        text = str(exc)
        if "locked" in text or "busy" in text:
            advice = (
                f"another legmove process kept it busy for over {BUSY_TIMEOUT_S:.0f} s; "
                "try again when it has finished"
            )
        elif "disk is full" in text or "disk I/O error" in text:  # SQLITE_FULL, SQLITE_IOERR
            advice = (
                "the disk may be full: free some space on it and try again "
                "(what was saved before is kept)"
            )
        elif isinstance(exc, sqlite3.DatabaseError) and "not a database" in text:
            advice = (
                f"the file is not a legmove database; use another folder with --data or {ENV_DATA}"
            )
        else:
            advice = "check the disk and the folder's permissions"
        return StoreError(f"{self.db_path}: {text} — {advice}")

    def _migrate(self) -> None:
        try:
            con = self._open()
        except sqlite3.Error as exc:
            raise self._error(exc) from exc
        if self.read_only:
            con.close()
            self._check_read_only_schema()
            return
        try:
            mode = con.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                logger.warning("%s: WAL mode not available (journal_mode=%s)", self.db_path, mode)
            con.execute("BEGIN IMMEDIATE")
            con.execute(
                "CREATE TABLE IF NOT EXISTS schema_version ("
                "version INTEGER PRIMARY KEY, applied TEXT NOT NULL)"
            )
            have = con.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version").fetchone()
            version = int(have[0])
            if version > len(MIGRATIONS):
                raise StoreError(
                    f"{self.db_path}: made by a newer legmove (schema v{version}; this one "
                    f"knows up to v{len(MIGRATIONS)}) — update legmove to open it"
                )
            for step in range(version, len(MIGRATIONS)):
                for sql in MIGRATIONS[step]:
                    con.execute(sql)
                con.execute("INSERT INTO schema_version VALUES (?, ?)", (step + 1, _now()))
                logger.info("%s: schema migrated to v%d", self.db_path, step + 1)
            con.execute("COMMIT")
        except sqlite3.Error as exc:
            if con.in_transaction:
                con.execute("ROLLBACK")
            raise self._error(exc) from exc
        except BaseException:
            if con.in_transaction:
                con.execute("ROLLBACK")
            raise
        finally:
            con.close()

    def _check_read_only_schema(self) -> None:
        """A read-only database is read as it is: refuse one of another schema version."""
        with self.transaction(write=False) as con:
            found = con.execute("SELECT name FROM sqlite_master WHERE name = 'schema_version'")
            version = self.schema_version() if found.fetchone() else 0
        if version != len(MIGRATIONS):
            raise StoreError(
                f"{self.db_path}: schema v{version}, this legmove reads v{len(MIGRATIONS)}, and "
                "the folder is read-only — open it once with this legmove where it can be written"
            )

    def schema_version(self) -> int:
        """The schema version of the database (``len(MIGRATIONS)`` once opened)."""
        with self.transaction(write=False) as con:
            return int(con.execute("SELECT MAX(version) FROM schema_version").fetchone()[0])

    def integrity_check(self) -> str:
        """SQLite's ``PRAGMA integrity_check``: ``"ok"`` for a sound database."""
        with self.transaction(write=False) as con:
            rows = con.execute("PRAGMA integrity_check").fetchall()
        return "\n".join(str(r[0]) for r in rows)

    # --- nights -----------------------------------------------------------------------------
    def add_night(
        self,
        label: str,
        night_date: str | date,
        segments: Sequence[Segment],
        *,
        in_bed: str | time | None = None,
        settings: Settings | dict[str, Any] | None = None,
        recorded: datetime | None = None,
    ) -> int:
        """Add a night (status ``pending``) recorded in ``segments``; return its id.

        ``segments`` come from :func:`detector.video.night_plan` (paths, sizes, checksums,
        places on the timeline). ``label`` names the child; ``night_date`` is the evening's
        date; ``in_bed`` is the clock time the baby was put to bed (``HH:MM``);
        ``settings`` are the signal-stage settings the analysis will use (defaults when
        None); ``recorded`` is when the first frame was recorded (timezone-aware; when None,
        the first file's container creation time, if it has one). Raises StoreError when
        the same video files already make up another night.
        """
        label = str(label).strip()
        if not label:
            raise ValueError("label must name the child (or another label), not be empty")
        day = parse_date(night_date)
        bed = parse_clock(in_bed) if in_bed is not None else None
        if not segments:
            raise ValueError("a night needs at least one video file (segment)")
        sdict = settings.to_dict() if isinstance(settings, Settings) else dict(settings or {})
        Settings.from_dict(sdict)  # validate now, not when the job runs
        hashes = sorted(s.sha256 for s in segments)
        if recorded is None:
            recorded = _creation_time(min(segments, key=lambda s: s.start_s).path)
        elif recorded.tzinfo is None:
            recorded = recorded.astimezone()  # a naive time is local time
        with self.transaction() as con:
            if all(hashes):
                same = self._night_with_sources(con, hashes)
                if same is not None:
                    raise StoreError(
                        f"these video files are already night {same} — analyse it with "
                        f"`legmove night analyze {same}`, or show it with `legmove night show "
                        f"{same}`"
                    )
            cur = con.execute(
                "INSERT INTO nights (label, night_date, in_bed, start_time, created, "
                "settings_json) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    label,
                    day.isoformat(),
                    bed,
                    recorded.isoformat() if recorded is not None else None,
                    _now(),
                    to_json(sdict),
                ),
            )
            night_id = int(cur.lastrowid or 0)
            con.executemany(
                "INSERT INTO sources VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        night_id,
                        i,
                        s.path,
                        int(s.size_bytes),
                        s.sha256,
                        float(s.start_s),
                        float(s.end_s),
                        int(s.n_frames),
                    )
                    for i, s in enumerate(segments)
                ],
            )
        return night_id

    @staticmethod
    def _night_with_sources(con: sqlite3.Connection, hashes: list[str]) -> int | None:
        rows = con.execute(
            "SELECT night_id, sha256 FROM sources WHERE night_id IN "
            f"(SELECT night_id FROM sources WHERE sha256 IN ({','.join('?' * len(hashes))}))",
            hashes,
        ).fetchall()
        by_night: dict[int, list[str]] = {}
        for r in rows:
            by_night.setdefault(int(r["night_id"]), []).append(str(r["sha256"]))
        for night_id, hs in sorted(by_night.items()):
            if sorted(hs) == hashes:
                return night_id
        return None

    def _night(self, con: sqlite3.Connection, night_id: int) -> Night:
        row = con.execute("SELECT * FROM nights WHERE id = ?", (int(night_id),)).fetchone()
        if row is None:
            raise UnknownNightError(
                f"no night {night_id} in {self.db_path} — `legmove night list` shows the "
                "nights there"
            )
        sources = con.execute(
            "SELECT * FROM sources WHERE night_id = ? ORDER BY position", (int(night_id),)
        ).fetchall()
        return self._night_from_row(row, sources)

    def _night_from_row(self, row: sqlite3.Row, sources: list[sqlite3.Row]) -> Night:
        tracks = row["tracks_path"]
        return Night(
            id=int(row["id"]),
            label=str(row["label"]),
            night_date=date.fromisoformat(row["night_date"]),
            in_bed=row["in_bed"],
            recorded=datetime.fromisoformat(row["start_time"]) if row["start_time"] else None,
            created=str(row["created"]),
            status=str(row["status"]),
            error=row["error"],
            settings=json.loads(row["settings_json"] or "{}"),
            versions=json.loads(row["versions_json"] or "{}"),
            summary=json.loads(row["summary_json"]) if row["summary_json"] else None,
            tracks_path=(self.data_dir / tracks) if tracks else None,
            analysed=row["analysed"],
            sources=tuple(
                Source(
                    path=str(s["path"]),
                    size_bytes=int(s["size_bytes"]),
                    sha256=str(s["sha256"]),
                    start_s=float(s["start_s"]),
                    end_s=float(s["end_s"]),
                    n_frames=int(s["n_frames"]),
                )
                for s in sources
            ),
        )

    def get_night(self, night_id: int) -> Night:
        """The night ``night_id``; raise :class:`UnknownNightError` if there is none."""
        with self.transaction(write=False) as con:
            return self._night(con, night_id)

    def list_nights(
        self,
        *,
        date_from: str | date | None = None,
        date_to: str | date | None = None,
        label: str | None = None,
        status: str | None = None,
    ) -> list[Night]:
        """Nights ordered by date then id, optionally from/to a date (inclusive), of one
        ``label`` and/or one ``status``."""
        where: list[str] = []
        args: list[Any] = []
        if date_from is not None:
            where.append("night_date >= ?")
            args.append(parse_date(date_from).isoformat())
        if date_to is not None:
            where.append("night_date <= ?")
            args.append(parse_date(date_to).isoformat())
        if label is not None:
            where.append("label = ?")
            args.append(label)
        if status is not None:
            if status not in NIGHT_STATUSES:
                raise ValueError(f"status must be one of {NIGHT_STATUSES}, got {status!r}")
            where.append("status = ?")
            args.append(status)
        sql = "SELECT * FROM nights"
        if where:
            sql += " WHERE " + " AND ".join(where)
        with self.transaction(write=False) as con:
            rows = con.execute(sql + " ORDER BY night_date, id", args).fetchall()
            sources = con.execute("SELECT * FROM sources ORDER BY night_id, position").fetchall()
        by_night: dict[int, list[sqlite3.Row]] = {}
        for s in sources:
            by_night.setdefault(int(s["night_id"]), []).append(s)
        return [self._night_from_row(r, by_night.get(int(r["id"]), [])) for r in rows]

    def remove_night(self, night_id: int) -> None:
        """Remove a night and all of it (results, reviews, job, tracks and checkpoint files;
        its notes stay, no longer tied to it)."""
        with self.transaction() as con:
            self._night(con, night_id)
            con.execute("DELETE FROM nights WHERE id = ?", (int(night_id),))
        self.tracks_file(night_id).unlink(missing_ok=True)
        shutil.rmtree(self.data_dir / "chunks" / str(int(night_id)), ignore_errors=True)

    def set_status(self, night_id: int, status: str, error: str | None = None) -> None:
        """Set a night's status (one of :data:`NIGHT_STATUSES`) and error message."""
        if status not in NIGHT_STATUSES:
            raise ValueError(f"status must be one of {NIGHT_STATUSES}, got {status!r}")
        with self.transaction() as con:
            self._night(con, night_id)
            con.execute(
                "UPDATE nights SET status = ?, error = ? WHERE id = ?",
                (status, error, int(night_id)),
            )

    def set_settings(self, night_id: int, settings: Settings | dict[str, Any]) -> None:
        """Set the settings the night's next analysis or re-score uses."""
        sdict = settings.to_dict() if isinstance(settings, Settings) else dict(settings)
        Settings.from_dict(sdict)
        with self.transaction() as con:
            self._night(con, night_id)
            con.execute(
                "UPDATE nights SET settings_json = ? WHERE id = ?", (to_json(sdict), int(night_id))
            )

    def settings(self, night_id: int) -> Settings:
        """The settings of the night (those of its last result, or those set to use)."""
        return Settings.from_dict(self.get_night(night_id).settings)

    def tracks_file(self, night_id: int) -> Path:
        """Where the per-frame tracks of ``night_id`` belong: ``<data>/tracks/<id>.npz``."""
        return self.data_dir / "tracks" / f"{int(night_id)}.npz"

    # --- results ----------------------------------------------------------------------------
    def save_result(
        self, night_id: int, result: NightResult, *, tracks_path: str | Path | None = None
    ) -> None:
        """Save ``result`` as the night's result, replacing the previous one, in one
        transaction; mark the night ``done`` and record its settings, versions and summary.

        ``tracks_path`` is the tracks file the result was scored from (kept as the night's
        tracks; a path inside the data folder is stored relative to it). Reviews are kept.
        """
        summary = json_clean(result.summary)
        tables: dict[str, pd.DataFrame] = {
            "events": result.events,
            "epochs": result.epochs,
            "episodes": result.episodes,
        }
        for name in ("artifacts", "bouts"):  # tables results did not always have
            table = getattr(result, name, None)
            if isinstance(table, pd.DataFrame):
                tables[name] = table
        meta = {name: table_columns(df) for name, df in tables.items()}
        rel: str | None = None
        if tracks_path is not None:
            p = Path(tracks_path).resolve()
            try:
                rel = str(p.relative_to(self.data_dir.resolve()))
            except ValueError:
                rel = str(p)
        with self.transaction() as con:
            self._night(con, night_id)
            for table in SQL_TABLES.values():
                con.execute(f"DELETE FROM {table} WHERE night_id = ?", (int(night_id),))
            for name, df in tables.items():
                table_insert(con, int(night_id), name, df)
            con.execute(
                "UPDATE nights SET status = 'done', error = NULL, summary_json = ?, "
                "settings_json = ?, versions_json = ?, tables_json = ?, analysed = ?, "
                "tracks_path = COALESCE(?, tracks_path) WHERE id = ?",
                (
                    to_json(summary),
                    to_json(summary.get("settings", {})),
                    to_json(summary.get("versions", {})),
                    to_json(meta),
                    _now(),
                    rel,
                    int(night_id),
                ),
            )

    def result(self, night_id: int) -> NightResult:
        """The night's saved result, as :func:`pipeline.scoring.night.night_score` returned it.

        Raises StoreError when the night has no result yet.
        """
        with self.transaction(write=False) as con:
            night = self._night(con, night_id)
            row = con.execute(
                "SELECT tables_json FROM nights WHERE id = ?", (int(night_id),)
            ).fetchone()
            if night.summary is None or not row["tables_json"]:
                raise StoreError(
                    f"{night.title} has no result yet (status {night.status}) — analyse it "
                    f"with `legmove night analyze {night.id}`"
                )
            meta = json.loads(row["tables_json"])
            tables = {
                name: table_read(con, int(night_id), name, cols) for name, cols in meta.items()
            }
        kwargs: dict[str, Any] = {
            "events": tables["events"],
            "epochs": tables["epochs"],
            "episodes": tables["episodes"],
            "summary": night.summary,
        }
        fields = {f.name: f for f in dataclasses.fields(NightResult)}
        for name in ("artifacts", "bouts"):  # a night saved before one existed lacks it
            if name not in fields:
                continue
            if name in tables:
                kwargs[name] = tables[name]
            elif (
                fields[name].default is dataclasses.MISSING
                and fields[name].default_factory is dataclasses.MISSING
            ):
                kwargs[name] = pd.DataFrame()
        return NightResult(**kwargs)
