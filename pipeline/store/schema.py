"""The night store's database schema, as a list of migrations (see :mod:`pipeline.store.db`).

Version ``i`` of the schema is the first ``i`` steps of :data:`MIGRATIONS` applied in order;
the table ``schema_version`` records each step applied. Released steps are never edited:
a change to the schema is a new step appended at the end.
"""

from __future__ import annotations

__all__ = ["MIGRATIONS"]

#: Each step brings the schema from version i to i + 1; a step is a list of SQL statements
# run in one transaction. Never edit a released step: append a new one.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    # v1: nights with their sources, results, reviews and notes
    (
        """CREATE TABLE nights (
            id INTEGER PRIMARY KEY,
            label TEXT NOT NULL,
            night_date TEXT NOT NULL,
            in_bed TEXT,
            start_time TEXT,
            created TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'running', 'done', 'failed')),
            error TEXT,
            settings_json TEXT NOT NULL DEFAULT '{}',
            versions_json TEXT NOT NULL DEFAULT '{}',
            summary_json TEXT,
            tables_json TEXT,
            tracks_path TEXT,
            analysed TEXT
        )""",
        "CREATE INDEX nights_by_date ON nights (night_date, label)",
        """CREATE TABLE sources (
            night_id INTEGER NOT NULL REFERENCES nights (id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            path TEXT NOT NULL,
            size_bytes INTEGER NOT NULL,
            sha256 TEXT NOT NULL,
            start_s REAL NOT NULL,
            end_s REAL NOT NULL,
            n_frames INTEGER NOT NULL,
            PRIMARY KEY (night_id, position)
        )""",
        "CREATE INDEX sources_by_hash ON sources (sha256)",
        """CREATE TABLE movements (
            night_id INTEGER NOT NULL REFERENCES nights (id) ON DELETE CASCADE,
            idx INTEGER NOT NULL,
            start_s REAL, end_s REAL, duration_s REAL, kind TEXT, side TEXT,
            rhythmic INTEGER, pattern TEXT, frequency_hz REAL, plm_series INTEGER,
            state TEXT, source TEXT,
            extra TEXT NOT NULL DEFAULT '{}',
            PRIMARY KEY (night_id, idx)
        )""",
        """CREATE TABLE epochs (
            night_id INTEGER NOT NULL REFERENCES nights (id) ON DELETE CASCADE,
            idx INTEGER NOT NULL,
            start_s REAL, end_s REAL, activity REAL, state TEXT,
            extra TEXT NOT NULL DEFAULT '{}',
            PRIMARY KEY (night_id, idx)
        )""",
        """CREATE TABLE episodes (
            night_id INTEGER NOT NULL REFERENCES nights (id) ON DELETE CASCADE,
            idx INTEGER NOT NULL,
            key TEXT NOT NULL,
            start_s REAL, end_s REAL, kind TEXT, priority INTEGER, n_movements INTEGER,
            reason TEXT,
            extra TEXT NOT NULL DEFAULT '{}',
            PRIMARY KEY (night_id, idx)
        )""",
        """CREATE TABLE reviews (
            id INTEGER PRIMARY KEY,
            night_id INTEGER NOT NULL REFERENCES nights (id) ON DELETE CASCADE,
            episode_key TEXT NOT NULL,
            kind TEXT NOT NULL,
            start_s REAL NOT NULL,
            end_s REAL NOT NULL,
            verdict TEXT NOT NULL CHECK (verdict IN ('confirm', 'reject')),
            note TEXT NOT NULL DEFAULT '',
            created TEXT NOT NULL
        )""",
        "CREATE INDEX reviews_by_night ON reviews (night_id)",
        """CREATE TABLE notes (
            id INTEGER PRIMARY KEY,
            note_date TEXT NOT NULL,
            text TEXT NOT NULL,
            night_id INTEGER REFERENCES nights (id) ON DELETE SET NULL,
            created TEXT NOT NULL
        )""",
        "CREATE INDEX notes_by_date ON notes (note_date)",
    ),
    # v2: artifact periods of a result; resumable analysis jobs (pipeline.jobs.night_job)
    (
        """CREATE TABLE artifacts (
            night_id INTEGER NOT NULL REFERENCES nights (id) ON DELETE CASCADE,
            idx INTEGER NOT NULL,
            start_s REAL, end_s REAL, kind TEXT,
            extra TEXT NOT NULL DEFAULT '{}',
            PRIMARY KEY (night_id, idx)
        )""",
        """CREATE TABLE jobs (
            night_id INTEGER PRIMARY KEY REFERENCES nights (id) ON DELETE CASCADE,
            stage TEXT NOT NULL,
            chunk_s REAL NOT NULL,
            total_s REAL NOT NULL,
            done_s REAL NOT NULL DEFAULT 0,
            base_s REAL NOT NULL DEFAULT 0,
            chunks_total INTEGER NOT NULL,
            chunks_done INTEGER NOT NULL DEFAULT 0,
            pid INTEGER,
            started TEXT NOT NULL,
            updated TEXT NOT NULL,
            error TEXT
        )""",
        """CREATE TABLE chunks (
            night_id INTEGER NOT NULL REFERENCES nights (id) ON DELETE CASCADE,
            idx INTEGER NOT NULL,
            start_s REAL NOT NULL,
            end_s REAL,
            done INTEGER NOT NULL DEFAULT 0,
            path TEXT,
            n_frames INTEGER,
            finished TEXT,
            PRIMARY KEY (night_id, idx)
        )""",
        """CREATE TABLE chunk_log (
            id INTEGER PRIMARY KEY,
            night_id INTEGER NOT NULL REFERENCES nights (id) ON DELETE CASCADE,
            idx INTEGER NOT NULL,
            pid INTEGER NOT NULL,
            started TEXT NOT NULL,
            finished TEXT
        )""",
    ),
    # v3: a job keeps the extraction options it started with, so a resumed job uses them
    ("ALTER TABLE jobs ADD COLUMN options_json TEXT NOT NULL DEFAULT '{}'",),
    # v4: nights recorded from a camera stream (pipeline.jobs.record): the camera's address
    # without credentials, the recording's folder, its progress and how it ended
    (
        """CREATE TABLE recordings (
            night_id INTEGER PRIMARY KEY REFERENCES nights (id) ON DELETE CASCADE,
            source TEXT NOT NULL,
            folder TEXT NOT NULL,
            pid INTEGER,
            started TEXT NOT NULL,
            updated TEXT NOT NULL,
            ends TEXT,
            recorded_s REAL NOT NULL DEFAULT 0,
            gaps INTEGER NOT NULL DEFAULT 0,
            gap_s REAL NOT NULL DEFAULT 0,
            ended TEXT,
            end_reason TEXT,
            message TEXT
        )""",
    ),
    # v5: review verdicts that fit every episode kind (pipeline.store.records.VERDICTS):
    # 'ordinary' (legs moving, but ordinarily) and 'unsure' (can't tell) beside 'confirm' and
    # 'reject'; SQLite cannot change a CHECK in place, so the table is rebuilt, rows kept
    (
        """CREATE TABLE reviews_v5 (
            id INTEGER PRIMARY KEY,
            night_id INTEGER NOT NULL REFERENCES nights (id) ON DELETE CASCADE,
            episode_key TEXT NOT NULL,
            kind TEXT NOT NULL,
            start_s REAL NOT NULL,
            end_s REAL NOT NULL,
            verdict TEXT NOT NULL
                CHECK (verdict IN ('confirm', 'ordinary', 'reject', 'unsure')),
            note TEXT NOT NULL DEFAULT '',
            created TEXT NOT NULL
        )""",
        "INSERT INTO reviews_v5 SELECT id, night_id, episode_key, kind, start_s, end_s, "
        "verdict, note, created FROM reviews",
        "DROP TABLE reviews",
        "ALTER TABLE reviews_v5 RENAME TO reviews",
        "CREATE INDEX reviews_by_night ON reviews (night_id)",
    ),
    # v6: the rhythmic bouts of a result (pipeline.scoring.rhythm)
    (
        """CREATE TABLE bouts (
            night_id INTEGER NOT NULL REFERENCES nights (id) ON DELETE CASCADE,
            idx INTEGER NOT NULL,
            start_s REAL, end_s REAL, frequency_hz REAL, pattern TEXT, state TEXT,
            extra TEXT NOT NULL DEFAULT '{}',
            PRIMARY KEY (night_id, idx)
        )""",
    ),
)
