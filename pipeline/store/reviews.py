"""The reviews and notes of a store: episodes with their verdicts, reviews, dated notes.

:class:`StoreReviews` is a part of :class:`pipeline.store.db.Store` (which inherits it); it
uses the store's :meth:`~pipeline.store.db.Store.transaction` and night lookup. Reviews are
kept by time and kind, not by row, so they survive re-scoring: each is matched again to the
current episode it overlaps (:func:`pipeline.store.records.review_match`).
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
import pandas as pd

from pipeline.errors import StoreError
from pipeline.store.records import VERDICTS, Night, Note, Review, parse_date, review_match
from pipeline.store.tables import CORE_COLUMNS, table_read

__all__ = ["VERDICTS", "StoreReviews"]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class StoreReviews:
    """Episodes, reviews and notes of :class:`pipeline.store.db.Store` (see the module doc)."""

    def transaction(
        self, write: bool = True
    ) -> contextlib.AbstractContextManager[sqlite3.Connection]:  # pragma: no cover - Store's
        raise NotImplementedError

    def _night(self, con: sqlite3.Connection, night_id: int) -> Night:  # pragma: no cover
        raise NotImplementedError

    # --- episodes and reviews ---------------------------------------------------------------
    def _episodes(self, con: sqlite3.Connection, night_id: int) -> pd.DataFrame:
        rows = con.execute(
            "SELECT idx, key, start_s, end_s, kind FROM episodes WHERE night_id = ? ORDER BY idx",
            (int(night_id),),
        ).fetchall()
        return pd.DataFrame(
            {
                "number": [int(r["idx"]) + 1 for r in rows],
                "key": [str(r["key"]) for r in rows],
                "start_s": [float(r["start_s"]) for r in rows],
                "end_s": [float(r["end_s"]) for r in rows],
                "kind": [str(r["kind"]) for r in rows],
            }
        )

    def episodes(self, night_id: int) -> pd.DataFrame:
        """The current episodes with their reviews: the result's episode columns plus
        ``number`` (1-based, what the CLI and :meth:`add_review` take), ``key`` (stable
        across re-scores that find the same episode), and from the latest review matching
        each episode ``verdict`` (one of :data:`VERDICTS`, or None), ``note``, ``reviewed`` (time).
        Empty (with those columns) when the night has no result or no episodes.
        """
        with self.transaction(write=False) as con:
            self._night(con, night_id)
            row = con.execute(
                "SELECT tables_json FROM nights WHERE id = ?", (int(night_id),)
            ).fetchone()
            meta = json.loads(row["tables_json"]) if row["tables_json"] else {}
            cols = meta.get("episodes", [[c, "object"] for c in CORE_COLUMNS["episodes"]])
            eps = table_read(con, int(night_id), "episodes", cols)
            keys = self._episodes(con, night_id)
            reviews = self._reviews(con, night_id, keys)
        eps.insert(0, "number", keys["number"].to_numpy()[: len(eps)])
        eps.insert(1, "key", keys["key"].to_numpy()[: len(eps)])
        verdict: list[str | None] = [None] * len(eps)
        note: list[str | None] = [None] * len(eps)
        when: list[str | None] = [None] * len(eps)
        for rv in reviews:  # oldest first: the latest review of an episode wins
            if rv.episode is not None and rv.episode <= len(eps):
                i = rv.episode - 1
                verdict[i], note[i], when[i] = rv.verdict, rv.note, rv.created
        eps["verdict"] = pd.Series(verdict, dtype=object)
        eps["note"] = pd.Series(note, dtype=object)
        eps["reviewed"] = pd.Series(when, dtype=object)
        return eps

    def add_review(self, night_id: int, episode: int | str, verdict: str, note: str = "") -> int:
        """Record a verdict (one of :data:`VERDICTS`: ``confirm`` looks like what was
        flagged, ``ordinary`` ordinary movement, ``reject`` not a leg movement, ``unsure``
        can't tell) on episode ``episode`` of the current result — its number (1-based) or
        its key — with an optional note; return the review id. Raise StoreError if no such
        episode.
        """
        if verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}, got {verdict!r}")
        with self.transaction() as con:
            night = self._night(con, night_id)
            eps = self._episodes(con, night_id)
            if isinstance(episode, int | np.integer) or str(episode).isdigit():
                hit = eps[eps["number"] == int(episode)]
            else:
                hit = eps[eps["key"] == str(episode)]
            if hit.empty:
                have = f"1..{len(eps)}" if len(eps) else "none"
                raise StoreError(
                    f"{night.title} has no episode {episode} (episodes: {have}) — "
                    f"`legmove night show {night.id}` lists them"
                )
            ep = hit.iloc[0]
            cur = con.execute(
                "INSERT INTO reviews (night_id, episode_key, kind, start_s, end_s, verdict, "
                "note, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    int(night_id),
                    str(ep["key"]),
                    str(ep["kind"]),
                    float(ep["start_s"]),
                    float(ep["end_s"]),
                    verdict,
                    str(note or ""),
                    _now(),
                ),
            )
            return int(cur.lastrowid or 0)

    def reviews(self, night_id: int) -> list[Review]:
        """Every review of the night, oldest first, each matched to the current episode it
        overlaps in time (same kind preferred); ``Review.unmatched`` when none does."""
        with self.transaction(write=False) as con:
            self._night(con, night_id)
            return self._reviews(con, night_id, self._episodes(con, night_id))

    @staticmethod
    def _reviews(con: sqlite3.Connection, night_id: int, eps: pd.DataFrame) -> list[Review]:
        rows = con.execute(
            "SELECT * FROM reviews WHERE night_id = ? ORDER BY id", (int(night_id),)
        ).fetchall()
        out = []
        for r in rows:
            hit = review_match(str(r["kind"]), float(r["start_s"]), float(r["end_s"]), eps)
            out.append(
                Review(
                    id=int(r["id"]),
                    night_id=int(r["night_id"]),
                    verdict=str(r["verdict"]),
                    note=str(r["note"]),
                    created=str(r["created"]),
                    kind=str(r["kind"]),
                    start_s=float(r["start_s"]),
                    end_s=float(r["end_s"]),
                    episode_key=str(r["episode_key"]),
                    episode=hit[0] if hit else None,
                    episode_key_now=hit[1] if hit else None,
                )
            )
        return out

    # --- notes ------------------------------------------------------------------------------
    def add_note(self, note_date: str | date, text: str, night_id: int | None = None) -> int:
        """Add a dated note or intervention, optionally about one night; return its id."""
        day = parse_date(note_date)
        text = str(text).strip()
        if not text:
            raise ValueError("a note needs some text")
        with self.transaction() as con:
            if night_id is not None:
                self._night(con, night_id)
            cur = con.execute(
                "INSERT INTO notes (note_date, text, night_id, created) VALUES (?, ?, ?, ?)",
                (day.isoformat(), text, None if night_id is None else int(night_id), _now()),
            )
            return int(cur.lastrowid or 0)

    def notes(
        self,
        *,
        date_from: str | date | None = None,
        date_to: str | date | None = None,
        night_id: int | None = None,
    ) -> list[Note]:
        """Notes ordered by date, optionally from/to a date (inclusive) or of one night."""
        where: list[str] = []
        args: list[Any] = []
        if date_from is not None:
            where.append("note_date >= ?")
            args.append(parse_date(date_from).isoformat())
        if date_to is not None:
            where.append("note_date <= ?")
            args.append(parse_date(date_to).isoformat())
        if night_id is not None:
            where.append("night_id = ?")
            args.append(int(night_id))
        sql = "SELECT * FROM notes" + (" WHERE " + " AND ".join(where) if where else "")
        with self.transaction(write=False) as con:
            rows = con.execute(sql + " ORDER BY note_date, id", args).fetchall()
        return [
            Note(
                id=int(r["id"]),
                note_date=date.fromisoformat(r["note_date"]),
                text=str(r["text"]),
                night_id=None if r["night_id"] is None else int(r["night_id"]),
                created=str(r["created"]),
            )
            for r in rows
        ]
