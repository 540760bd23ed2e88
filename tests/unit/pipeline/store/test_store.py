"""The night store: schema and migrations, results read back exactly, reviews kept across
re-scores, notes, errors, and concurrent access from several processes."""

from __future__ import annotations

import dataclasses
import multiprocessing
import sqlite3
import sys
from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any

import pandas as pd
import pytest

from detector.track import Segment
from pipeline.errors import StoreError
from pipeline.scoring.night import NightResult, night_score
from pipeline.scoring.simulate import simulate_plan, simulate_track
from pipeline.settings import Settings
from pipeline.store.db import (
    DB_NAME,
    MIGRATIONS,
    Store,
    UnknownNightError,
    parse_clock,
    parse_date,
    store_default_dir,
)


@pytest.fixture(scope="module")
def scored() -> tuple[NightResult, NightResult]:
    """One simulated night scored with default settings and with stricter PLM settings."""
    plan, dur = simulate_plan(0)
    track, _ = simulate_track(plan, dur, 15, seed=0)
    return night_score(track), night_score(track, Settings(plm_min_count=6))


def _segments(tag: str = "a", n: int = 1) -> list[Segment]:
    return [
        Segment(f"/videos/{tag}{i}.mp4", 600.0 * i, 600.0 * (i + 1), 9000, 1000 + i, f"{tag}{i}")
        for i in range(n)
    ]


def _night(store: Store, tag: str = "a", day: str = "2024-05-01") -> int:
    return store.add_night("Mila", day, _segments(tag), in_bed="19:30")


def _assert_same(a: NightResult, b: NightResult) -> None:
    for name in ("events", "epochs", "episodes"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))
    assert b.summary["counts"] == a.summary["counts"]
    assert b.summary["settings"] == a.summary["settings"]


# --- where the data lives -----------------------------------------------------------------------
def test_default_dir_respects_env_and_xdg(monkeypatch, tmp_path):
    monkeypatch.delenv("LEGMOVE_DATA", raising=False)
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert store_default_dir() == tmp_path / "home" / ".local" / "share" / "legmove"
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert store_default_dir() == tmp_path / "xdg" / "legmove"
    monkeypatch.setenv("LEGMOVE_DATA", str(tmp_path / "mine"))
    assert store_default_dir() == tmp_path / "mine"
    store = Store()
    assert store.db_path == tmp_path / "mine" / DB_NAME and store.db_path.is_file()


def test_new_store_is_wal_at_latest_schema(tmp_path):
    store = Store(tmp_path / "data")
    assert store.schema_version() == len(MIGRATIONS)
    with sqlite3.connect(store.db_path) as con:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.integrity_check() == "ok"
    assert Store(tmp_path / "data").schema_version() == len(MIGRATIONS)  # reopening: no-op


def test_v1_database_migrates_and_keeps_its_data(tmp_path):
    db = tmp_path / DB_NAME
    with sqlite3.connect(db) as con:  # a database as the first release wrote it
        con.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied TEXT)")
        for sql in MIGRATIONS[0]:
            con.execute(sql)
        con.execute("INSERT INTO schema_version VALUES (1, '2024-01-01T00:00:00+00:00')")
        con.execute(
            "INSERT INTO nights (label, night_date, created) VALUES ('Mila', '2024-01-02', 'x')"
        )
        con.execute(
            "INSERT INTO notes (note_date, text, created) VALUES ('2024-01-02', 'bath', 'x')"
        )
    store = Store(tmp_path)
    assert store.schema_version() == len(MIGRATIONS) >= 2
    night = store.get_night(1)
    assert (night.label, night.night_date, night.status) == ("Mila", date(2024, 1, 2), "pending")
    assert [n.text for n in store.notes()] == ["bath"]
    with store.transaction(write=False) as con:  # v2's tables exist
        assert con.execute("SELECT COUNT(*) FROM jobs").fetchone()[0] == 0
        assert con.execute("SELECT COUNT(*) FROM artifacts").fetchone()[0] == 0
    assert store.integrity_check() == "ok"


def test_newer_or_foreign_database_is_refused_clearly(tmp_path):
    Store(tmp_path / "new")
    with sqlite3.connect(tmp_path / "new" / DB_NAME) as con:
        con.execute("INSERT INTO schema_version VALUES (?, 'x')", (len(MIGRATIONS) + 1,))
    with pytest.raises(StoreError, match="newer legmove"):
        Store(tmp_path / "new")
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / DB_NAME).write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(StoreError, match="not a legmove database"):
        Store(tmp_path / "junk")


# --- nights -------------------------------------------------------------------------------------
def test_add_get_and_list_nights(tmp_path):
    store = Store(tmp_path)
    when = datetime(2024, 5, 1, 19, 2, tzinfo=UTC)
    a = store.add_night("Mila", "2024-05-02", _segments("a", 2), in_bed="7:45", recorded=when)
    b = store.add_night("Mila", date(2024, 5, 1), _segments("b"), settings={"onset_k": 7.0})
    c = store.add_night("Noah", "2024-05-03", _segments("c"))
    night = store.get_night(a)
    assert night.in_bed == "07:45" and night.status == "pending" and night.summary is None
    assert night.recorded == when and night.start_time == when.astimezone().replace(tzinfo=None)
    assert [s.path for s in night.sources] == ["/videos/a0.mp4", "/videos/a1.mp4"]
    assert night.segments[1] == Segment("/videos/a1.mp4", 600.0, 1200.0, 9000, 1001, "a1")
    assert store.settings(b).onset_k == 7.0 and store.settings(a) == Settings()
    assert [n.id for n in store.list_nights()] == [b, a, c]  # by date
    assert [n.id for n in store.list_nights(date_from="2024-05-02")] == [a, c]
    assert [n.id for n in store.list_nights(date_to="2024-05-02", label="Mila")] == [b, a]
    assert [n.id for n in store.list_nights(status="pending")] == [b, a, c]


def test_in_bed_time_in_seconds_from_the_first_frame(tmp_path):
    store = Store(tmp_path)
    start = datetime(2024, 5, 1, 19, 2).astimezone()  # a local clock time
    a = store.add_night("A", "2024-05-01", _segments("a"), in_bed="19:30", recorded=start)
    b = store.add_night("A", "2024-05-01", _segments("b"), in_bed="00:30", recorded=start)
    c = store.add_night("A", "2024-05-01", _segments("c"), in_bed="19:30")  # no recording time
    assert store.get_night(a).in_bed_s == 28 * 60
    assert store.get_night(b).in_bed_s == (5 * 60 + 28) * 60  # after midnight
    assert store.get_night(c).in_bed_s is None


def test_the_same_videos_cannot_be_added_twice(tmp_path):
    store = Store(tmp_path)
    first = _night(store, "a")
    with pytest.raises(StoreError, match=f"already night {first}.*night analyze {first}"):
        store.add_night("Mila", "2024-05-09", _segments("a"))


def test_unknown_nights_and_bad_values_say_what_to_do(tmp_path):
    store = Store(tmp_path)
    with pytest.raises(UnknownNightError, match="no night 42 .*legmove night list"):
        store.get_night(42)
    with pytest.raises(UnknownNightError):
        store.add_note("2024-05-01", "bath", night_id=42)
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        store.add_night("Mila", "1/5/2024", _segments())
    with pytest.raises(ValueError, match="HH:MM"):
        store.add_night("Mila", "2024-05-01", _segments(), in_bed="25:00")
    with pytest.raises(ValueError, match="label"):
        store.add_night("  ", "2024-05-01", _segments())
    with pytest.raises(ValueError, match="unknown settings"):
        store.add_night("Mila", "2024-05-01", _segments(), settings={"no_such": 1})
    assert parse_date("2024-02-29") == date(2024, 2, 29)
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        parse_date("2023-02-29")
    assert parse_clock("7:05") == "07:05"
    nid = _night(store)
    with pytest.raises(StoreError, match=f"no result yet.*night analyze {nid}"):
        store.result(nid)


# --- results ------------------------------------------------------------------------------------
def test_result_reads_back_exactly_and_replaces(tmp_path, scored):
    default, strict = scored
    assert len(default.episodes) > len(strict.episodes)  # the fixture differs as intended
    store = Store(tmp_path)
    nid = _night(store)
    store.save_result(nid, default, tracks_path=store.tracks_file(nid))
    _assert_same(default, store.result(nid))
    night = store.get_night(nid)
    assert night.status == "done" and night.summary is not None
    assert night.tracks_path == store.tracks_file(nid)
    assert night.settings == Settings().to_dict() and "numpy" in night.versions
    store.save_result(nid, strict)  # replaces every table; tracks path kept
    _assert_same(strict, store.result(nid))
    assert store.get_night(nid).tracks_path == store.tracks_file(nid)
    with store.transaction(write=False) as con:
        n = con.execute("SELECT COUNT(*) FROM movements WHERE night_id = ?", (nid,)).fetchone()[0]
    assert n == len(strict.events)
    assert store.integrity_check() == "ok"


def test_empty_tables_and_artifacts(tmp_path, scored):
    default, _ = scored
    store = Store(tmp_path)
    nid = _night(store)
    empty = dataclasses.replace(
        default, events=default.events.iloc[:0], episodes=default.episodes.iloc[:0]
    )
    store.save_result(nid, empty)
    back = store.result(nid)
    assert back.events.empty and list(back.events.columns) == list(default.events.columns)
    assert back.episodes.empty and store.episodes(nid).empty
    # a result with an artifacts table (a later NightResult) keeps it, extra columns too
    artifacts = pd.DataFrame(
        {"start_s": [10.0], "end_s": [25.5], "kind": ["occlusion"], "fraction": [0.8]}
    )
    with_art = SimpleNamespace(**{**default.__dict__, "artifacts": artifacts})
    store.save_result(nid, with_art)  # type: ignore[arg-type]
    with store.transaction(write=False) as con:
        row = con.execute("SELECT start_s, end_s, kind, extra FROM artifacts").fetchone()
    assert tuple(row) == (10.0, 25.5, "occlusion", '{"fraction": 0.8}')
    if "artifacts" in {f.name for f in dataclasses.fields(NightResult)}:
        pd.testing.assert_frame_equal(store.result(nid).artifacts, artifacts)  # type: ignore[attr-defined]


# --- reviews ------------------------------------------------------------------------------------
def test_reviews_survive_rescoring_and_unmatched_ones_are_kept(tmp_path, scored):
    default, strict = scored
    store = Store(tmp_path)
    nid = _night(store)
    store.save_result(nid, default)
    eps = store.episodes(nid)
    assert list(eps["number"]) == list(range(1, len(eps) + 1))
    plm = eps[eps["kind"] == "plm_series"].iloc[0]
    other = eps[eps["kind"] != "plm_series"].iloc[0]
    store.add_review(nid, int(plm["number"]), "confirm", note="kicks every 20 s")
    store.add_review(nid, str(other["key"]), "reject")
    with pytest.raises(StoreError, match="no episode 99"):
        store.add_review(nid, 99, "confirm")
    with pytest.raises(ValueError, match="verdict"):
        store.add_review(nid, 1, "maybe")

    reviewed = store.episodes(nid).set_index("key")
    assert reviewed.loc[plm["key"], "verdict"] == "confirm"
    assert reviewed.loc[plm["key"], "note"] == "kicks every 20 s"
    assert reviewed.loc[other["key"], "verdict"] == "reject"

    store.save_result(nid, strict)  # plm_min_count=6: the 5-LM series are gone
    assert "plm_series" not in set(strict.episodes["kind"])
    rv = {r.kind: r for r in store.reviews(nid)}
    assert rv["plm_series"].unmatched and rv["plm_series"].note == "kicks every 20 s"
    assert rv["plm_series"].start_s == plm["start_s"]  # as reviewed, kept
    assert not rv[other["kind"]].unmatched

    store.save_result(nid, default)  # back: the review finds its episode again
    rv = {r.kind: r for r in store.reviews(nid)}
    assert rv["plm_series"].episode == plm["number"]
    assert rv["plm_series"].episode_key_now == plm["key"]


def test_review_matching_prefers_same_kind_then_overlap(tmp_path, scored):
    default, _ = scored
    store = Store(tmp_path)
    nid = _night(store)
    base = default.episodes.iloc[:0]
    rows = [
        (100.0, 130.0, "plm_series"),
        (100.0, 102.0, "rhythmic_movement"),
        (300.0, 360.0, "restless_settling"),
    ]

    def episodes(rs: list[tuple[float, float, str]]) -> pd.DataFrame:
        df = pd.DataFrame(
            {
                "start_s": [r[0] for r in rs],
                "end_s": [r[1] for r in rs],
                "kind": [r[2] for r in rs],
                "priority": [1] * len(rs),
                "n_movements": [4] * len(rs),
                "reason": ["x"] * len(rs),
            }
        )
        return pd.concat([base, df], ignore_index=True).astype(base.dtypes.to_dict())

    store.save_result(nid, dataclasses.replace(default, episodes=episodes(rows)))
    store.add_review(nid, 2, "confirm")  # the rhythmic one inside the series
    store.add_review(nid, 3, "reject")
    # re-scored: the rhythmic episode moved a little, a longer series overlaps it more
    store.save_result(
        nid,
        dataclasses.replace(
            default,
            episodes=episodes([(90.0, 140.0, "plm_series"), (101.0, 103.5, "rhythmic_movement")]),
        ),
    )
    r1, r2 = store.reviews(nid)
    assert (r1.episode, r1.kind) == (2, "rhythmic_movement")
    assert r2.unmatched
    eps = store.episodes(nid)
    assert list(eps["verdict"]) == [None, "confirm"]


# --- notes --------------------------------------------------------------------------------------
def test_notes(tmp_path):
    store = Store(tmp_path)
    nid = _night(store)
    store.add_note("2024-05-03", "iron supplement started")
    store.add_note(date(2024, 5, 1), "warm bath", night_id=nid)
    with pytest.raises(ValueError, match="text"):
        store.add_note("2024-05-01", "  ")
    assert [n.text for n in store.notes()] == ["warm bath", "iron supplement started"]
    assert [n.text for n in store.notes(date_from="2024-05-02")] == ["iron supplement started"]
    assert [n.text for n in store.notes(night_id=nid)] == ["warm bath"]
    assert store.notes(date_to="2024-04-30") == []


# --- several processes at once ------------------------------------------------------------------
def _writer(data_dir: str, tag: str, n: int) -> None:
    store = Store(data_dir)
    nid = store.add_night(tag, "2024-05-01", _segments(tag))
    for i in range(n):
        store.add_note("2024-05-01", f"{tag} {i}", night_id=nid)
        store.set_status(nid, "running" if i % 2 else "pending")


def test_processes_write_and_read_at_once_without_lock_errors(tmp_path, scored):
    default, strict = scored
    store = Store(tmp_path)
    nid = _night(store, "main")
    store.save_result(nid, default)
    # fork: the children start at once (the Store holds no connection open to inherit)
    ctx: Any = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
    procs = [ctx.Process(target=_writer, args=(str(tmp_path), t, 40)) for t in ("p", "q")]
    for p in procs:
        p.start()
    sizes = {len(default.events), len(strict.events)}
    for i in range(30):  # meanwhile: replace the result and read it back, whole each time
        store.save_result(nid, strict if i % 2 else default)
        assert len(store.result(nid).events) in sizes
    for p in procs:
        p.join(timeout=120)
        assert p.exitcode == 0
    assert len(store.notes()) == 80
    assert store.integrity_check() == "ok"


def test_store_error_names_the_database(tmp_path):
    (tmp_path / DB_NAME).mkdir()  # something in the way of the database file
    with pytest.raises(StoreError, match=str(tmp_path / DB_NAME)):
        Store(tmp_path)
