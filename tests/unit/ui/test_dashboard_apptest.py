"""The dashboard's pages, run headless with Streamlit's AppTest against a real store."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from pipeline.store.db import Store
from tests.helpers.seed import make_plain_video, seed_night  # noqa: E402

APP = str(Path(__file__).resolve().parents[3] / "dashboard.py")
PAGES = ["night", "review", "trends", "export", "import"]


@pytest.fixture(scope="module")
def seeded_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder with two analysed nights of one child (the later one with video)."""
    data = tmp_path_factory.mktemp("seeded")
    store = Store(data)
    seed_night(store, seed=1, n_blocks=2, label="Mila", day=dt.date(2024, 5, 1))
    seed_night(store, seed=0, with_video=True, label="Mila", day=dt.date(2024, 5, 2))
    return data


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Background jobs the UI starts, recorded instead of run (no detached analysis in tests)."""
    import ui.import_page

    calls: list[int] = []
    monkeypatch.setattr(
        ui.import_page,
        "job_start_background",
        lambda store, night_id, **kw: calls.append(night_id),
    )
    return calls


@pytest.fixture
def empty_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, started: list[int]) -> Path:
    data = tmp_path / "data"
    monkeypatch.setenv("LEGMOVE_DATA", str(data))
    return data


@pytest.fixture
def seeded_data(
    seeded_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, started: list[int]
) -> Path:
    data = tmp_path / "data"
    shutil.copytree(seeded_template, data)
    monkeypatch.setenv("LEGMOVE_DATA", str(data))
    return data


def _app(page: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    if page is not None:
        at.query_params["page"] = page
    return at.run()


def _ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [i.value for i in at.info] + [s.value for s in at.success]
    parts += [w.value for w in at.warning] + [e.value for e in at.error]
    return "\n".join(str(p) for p in parts)


@pytest.mark.parametrize("page", PAGES)
def test_page_renders_on_an_empty_store(empty_data: Path, page: str) -> None:
    at = _app(page)
    _ok(at)
    assert at.sidebar.radio[0].value == page
    assert at.header[0].value


def test_empty_store_opens_on_import(empty_data: Path) -> None:
    at = _app()
    _ok(at)
    assert at.sidebar.radio[0].value == "import"
    assert at.header[0].value == "Import a night"


@pytest.mark.parametrize("page", PAGES)
def test_page_renders_on_a_seeded_store(seeded_data: Path, page: str) -> None:
    at = _app(page)
    _ok(at)
    assert "not a diagnosis" in _texts(at) or page == "import"


def test_night_page_shows_cards_timeline_and_hourly_counts(seeded_data: Path) -> None:
    store = Store(seeded_data)
    night = store.list_nights()[-1]
    s = night.summary
    assert s is not None
    at = _app()
    _ok(at)
    assert at.sidebar.radio[0].value == "night"  # a store with nights opens on the last one
    metrics = {m.label: m.value for m in at.metric}
    assert set(metrics) >= {
        "Sleep onset",
        "Time to fall asleep",
        "Total sleep",
        "Awakenings",
        "Leg movements (LMs)",
        "Rhythmic bouts",
        "Twitches",
        "PLMW index",
        "Periodicity index (sleep)",
    }
    assert metrics["Leg movements (LMs)"] == str(s["counts"]["lm"])
    assert metrics["Twitches"] == str(s["counts"]["twitch"])
    assert metrics["Awakenings"] == str(s["awakenings"])
    # the bouts the timeline's lane and the PDF's bout page list, not the movements in them
    assert metrics["Rhythmic bouts"] == str(len(store.result(night.id).bouts))
    from pipeline.reports.rates import TOO_LITTLE_SLEEP, rate_reliable

    short = s["short_imi_index_per_h"]
    if rate_reliable(s):
        assert metrics["PLMS index"] == f"{s['plm_index_per_h']:.1f} /h"
        assert metrics["Short-interval LMs"] == ("—" if short is None else f"{short:.1f} /h")
    else:  # the seeded night is short (under an hour asleep): the rates greyed, not metrics
        assert "PLMS index" not in metrics and "Short-interval LMs" not in metrics
        assert f"{s['plm_index_per_h']:.1f} /h</div>" in _texts(at)
        if short is not None:  # the short-interval LMs are per hour of sleep too
            assert f"{short:.1f} /h</div>" in _texts(at)
        assert TOO_LITTLE_SLEEP in _texts(at)
    plmw = s["plmw_index_per_h"]
    assert metrics["PLMW index"] == ("—" if plmw is None else f"{plmw:.1f} /h")
    # in bed 19:30 and onset known: the clock time of onset
    assert metrics["Sleep onset"].count(":") == 1
    assert len(at.get("plotly_chart")) == 1
    assert len(at.dataframe) == 1
    hourly = at.dataframe[0].value
    assert int(hourly["LMs"].sum()) == s["counts"]["lm"]


def test_choosing_another_night(seeded_data: Path) -> None:
    store = Store(seeded_data)
    first = store.list_nights()[0]
    at = _app("night")
    at.selectbox(key="night_pick").set_value(first.id).run()
    _ok(at)
    assert at.header[0].value.endswith(f"(#{first.id})")
    assert at.query_params["night"] == [str(first.id)] or at.query_params["night"] == str(first.id)


def test_review_in_the_ui_is_in_the_database(seeded_data: Path) -> None:
    store = Store(seeded_data)
    night = store.list_nights()[-1]
    eps = store.episodes(night.id)
    assert len(eps) >= 2
    at = _app("review")
    _ok(at)
    # the first (most important) episode is shown; confirm it with a note
    first = int(eps.sort_values(["priority", "start_s"], kind="stable").iloc[0]["number"])
    at.text_area(key=f"note_{night.id}_{first}").input("clearly kicking, both legs")
    at.button(key="rv_confirm").click().run()
    _ok(at)
    now = store.episodes(night.id).set_index("number")
    assert now.loc[first, "verdict"] == "confirm"
    assert now.loc[first, "note"] == "clearly kicking, both legs"
    # next, then reject the second one
    at.button(key="ep_next").click().run()
    _ok(at)
    second = int(eps.sort_values(["priority", "start_s"], kind="stable").iloc[1]["number"])
    at.button(key="rv_reject").click().run()
    _ok(at)
    now = store.episodes(night.id).set_index("number")
    assert now.loc[second, "verdict"] == "reject"
    assert [r.verdict for r in store.reviews(night.id)] == ["confirm", "reject"]
    # previous goes back, and the page shows the saved verdict, on its button too
    at.button(key="ep_prev").click().run()
    assert "You marked this: **looks like it**" in _texts(at)
    chosen = [
        b for b in at.button if b.key and b.key.startswith("rv_") and b.proto.type == "primary"
    ]
    assert [b.key for b in chosen] == ["rv_confirm"] and chosen[0].label.startswith("✓ ")
    # the other answers: ordinary movement, can't tell; the latest one is shown
    for key, verdict, words in (
        ("rv_ordinary", "ordinary", "ordinary movement"),
        ("rv_unsure", "unsure", "can't tell"),
    ):
        at.button(key=key).click().run()
        _ok(at)
        assert store.episodes(night.id).set_index("number").loc[first, "verdict"] == verdict
        assert f"You marked this: **{words}**" in _texts(at)
        primary = [
            b.key
            for b in at.button
            if b.key and b.key.startswith("rv_") and b.proto.type == "primary"
        ]
        assert primary == [key]


def test_review_clip_is_rendered_on_request(seeded_data: Path) -> None:
    at = _app("review")
    _ok(at)
    assert len(at.get("video")) == 1  # the source is a small mp4: played directly
    at.button(key="make_clip_skel").click().run()
    _ok(at)
    assert len(at.get("video")) == 2
    clips = list((seeded_data / "cache" / "clips").rglob("*.mp4"))
    assert len(clips) == 1 and clips[0].stat().st_size > 0


@pytest.mark.parametrize(
    "name,content",
    [
        ("bedtime notes.txt", b"not a video at all\n" * 50),  # FFmpeg reads text as "video"
        ("photo.mp4", b"\x00\x01garbage" * 200),
        ("empty.mp4", b""),
    ],
)
def test_non_video_upload_is_refused_and_adds_nothing(
    empty_data: Path, started: list[int], name: str, content: bytes
) -> None:
    at = _app("import")
    at.text_input(key="imp_label").input("Mila")
    at.file_uploader[0].set_value((name, content, "application/octet-stream"))
    at.run()
    at.button(key="imp_upload_go").click().run()
    assert not at.exception
    errors = "\n".join(e.value for e in at.error)
    assert "Nothing was added" in errors
    assert name in errors and ("not a video" in errors or "empty" in errors), errors
    assert Store(empty_data).list_nights() == []
    assert started == []
    videos = empty_data / "videos"
    assert not videos.exists() or not any(videos.rglob("*"))


def test_video_upload_adds_the_night_and_starts_its_job(
    empty_data: Path, tmp_path: Path, started: list[int]
) -> None:
    video = make_plain_video(tmp_path / "v.mp4", 6.0)
    at = _app("import")
    at.text_input(key="imp_label").input("Mila")
    at.file_uploader[0].set_value(("../../etc/evil name?.mp4", video.read_bytes(), "video/mp4"))
    at.run()
    at.button(key="imp_upload_go").click().run()
    assert not at.exception
    nights = Store(empty_data).list_nights()
    assert len(nights) == 1 and nights[0].label == "Mila"
    saved = Path(nights[0].sources[0].path)
    assert saved.is_file() and (empty_data / "videos") in saved.parents
    assert saved.name == "evil name_.mp4"  # no path traversal, plain characters
    assert started == [nights[0].id]
    assert "it is being analysed in the background" in _texts(at)
    # just started: "starting", not "waiting to start" with a Start button to click again
    assert "starting — loading the pose model" in _texts(at)
    assert not [b for b in at.button if b.label == "Start"]


def test_local_import_names_the_missing_path(empty_data: Path, tmp_path: Path) -> None:
    at = _app("import")
    at.text_input(key="imp_label").input("Mila")
    at.text_area(key="imp_paths").input(str(tmp_path / "nowhere"))
    at.button(key="imp_local_go").click().run()
    assert not at.exception
    assert "nowhere: no such file or folder" in "\n".join(e.value for e in at.error)
    assert Store(empty_data).list_nights() == []


def test_note_added_on_trends_page(seeded_data: Path) -> None:
    at = _app("trends")
    at.date_input(key="note_date").set_value(dt.date(2024, 5, 2))
    at.text_input(key="note_text").input("iron supplement started")
    at.button[0].click().run()
    _ok(at)
    notes = Store(seeded_data).notes()
    assert [(n.note_date.isoformat(), n.text) for n in notes] == [
        ("2024-05-02", "iron supplement started")
    ]
    assert len(at.get("plotly_chart")) == 1


def test_export_makes_the_csv_files_and_the_pdf_report(seeded_data: Path) -> None:
    at = _app("export")
    _ok(at)
    at.button(key="exp_go").click().run()
    _ok(at)
    labels = [b.label for b in at.get("download_button")]
    for name in ("nights.csv", "hourly.csv", "movements.csv", ".pdf"):
        assert any(name in lb for lb in labels), (name, labels)
    out = next((seeded_data / "exports").iterdir())
    assert (out / "nights.csv").read_text(encoding="utf-8-sig").count("\n") == 3  # header + 2
    pdf = next(out.glob("*.pdf"))
    assert pdf.read_bytes()[:5] == b"%PDF-"


def test_review_says_when_the_video_file_is_gone(seeded_data: Path) -> None:
    store = Store(seeded_data)
    first = store.list_nights()[0]  # seeded without its video file
    at = _app("review")
    at.selectbox(key="night_pick").set_value(first.id).run()
    _ok(at)
    warning = "\n".join(w.value for w in at.warning)
    assert "not where it was" in warning and first.sources[0].path in warning


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) absent")
def test_cli_and_dashboard_export_the_same_reviewed_night_alike(
    seeded_data: Path, tmp_path: Path
) -> None:
    """Both exports go through pipeline.reports.record: same CSV bytes, same PDF text — also
    for a review a re-score carried over to an episode of another kind, and for a night with
    an in-bed time but no recording time (the two adapters before took the clock start from
    different places: the CSVs' clock columns differed)."""
    import sqlite3
    import subprocess

    from typer.testing import CliRunner

    from pipeline.cli.app import app
    from pipeline.jobs import job_rescore
    from pipeline.settings import Settings

    store = Store(seeded_data)
    first, second = store.episodes(2).iloc[0], store.episodes(2).iloc[1]
    store.add_review(2, int(first["number"]), "confirm", "both legs")
    store.add_review(2, int(second["number"]), "reject", "")
    # as if the first review was given on an earlier analysis that called the same stretch
    # a rhythmic movement: the store carries it over to the PLM series now found there (the
    # spans coincide), so the exports must report it on that series — an adapter keeping the
    # stored kind would list it as a review of an episode that no longer exists
    with sqlite3.connect(seeded_data / "legmove.db") as db:
        db.execute("UPDATE reviews SET kind = 'rhythmic_movement' WHERE note = 'both legs'")
    job_rescore(store, 2, Settings(onset_k=7.0))  # episodes re-found; reviews matched by time
    moved = next(r for r in store.reviews(2) if r.note == "both legs")
    assert not moved.unmatched and moved.episode == int(first["number"])

    at = _app("export")
    at.button(key="exp_go").click().run()
    _ok(at)
    ui_dir = next((seeded_data / "exports").iterdir())

    cli_dir = tmp_path / "cli"
    pdf = cli_dir / "report.pdf"
    done = CliRunner().invoke(
        app, ["export", "--csv", str(cli_dir), "--pdf", str(pdf), "--data", str(seeded_data)]
    )
    assert done.exit_code == 0, done.output
    for name in ("nights.csv", "hourly.csv", "movements.csv"):
        assert (cli_dir / name).read_bytes() == (ui_dir / name).read_bytes(), name

    def text(p: Path) -> str:
        out = subprocess.run(["pdftotext", "-layout", str(p), "-"], capture_output=True, text=True)
        return out.stdout

    ui_text, cli_text = text(next(ui_dir.glob("*.pdf"))), text(pdf)
    assert "both legs" in cli_text  # the review is in the report
    assert ui_text == cli_text


def _seed_clip(store: Store, day: dt.date) -> int:
    """A 40-s phone clip of kicking (5 LMs and a 1.5-Hz kicking bout), analysed, with video."""
    from detector.video import night_plan
    from pipeline.scoring.night import night_score
    from pipeline.scoring.simulate import Planned, simulate_track

    plan = [Planned(2.0 + 6.0 * k, 2.0, "left") for k in range(5)]
    plan.append(Planned(32.0, 4.0, "bilateral", "kicking", 1.5, 0.2))
    track, _ = simulate_track(plan, 40.0, 15.0, seed=4)
    result = night_score(track)
    video = make_plain_video(store.data_dir / f"clip_{day}.mp4", 40.0)
    night_id = store.add_night("Mila", day, night_plan([video]), in_bed=None)
    store.save_result(night_id, result, tracks_path=track.save(store.tracks_file(night_id)))
    return night_id


def test_a_clip_shows_as_a_clip_and_not_in_the_trends(seeded_data: Path) -> None:
    store = Store(seeded_data)
    clip = _seed_clip(store, dt.date(2024, 5, 3))
    at = _app("night")
    at.selectbox(key="night_pick").set_value(clip).run()
    _ok(at)
    text = _texts(at)
    assert "A clip of 40 s — clip: counts, not rates" in text
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Recording"] == "clip, 40 s" and "Sleep onset" not in metrics
    assert "PLMS index" not in metrics
    assert at.subheader[0].value == "The clip" and "Counts per hour" not in [
        s.value for s in at.subheader
    ]
    moves = at.dataframe[0].value
    # 5 planted LMs and the kicking bout (an LM itself: 4 s), which is rhythmic
    assert int((moves["kind"] == "lm").sum()) == int(metrics["Leg movements (LMs)"]) == 6
    assert metrics["Rhythmic bouts"] == "1" and "kicking at 1.5 Hz" in text
    assert len(at.get("video")) == 1
    trends = _app("trends")
    _ok(trends)
    assert "1 clip —" in _texts(trends)
    from pipeline.reports.trends import trend_table

    assert clip not in set(trend_table(store.list_nights())["night_id"])


def test_time_left_comes_from_the_pace_watched_not_from_the_start() -> None:
    from ui.import_page import time_left_s

    # 480 s of video; the page watches from t=0 (5 s done after the model loaded)
    samples, eta = time_left_s([], 5.0, 480.0, now=0.0)
    assert eta is None  # one sample: no pace yet
    samples, eta = time_left_s(samples, 30.0, 480.0, now=10.0)
    assert eta is None  # watched for 10 s < 15 s
    samples, eta = time_left_s(samples, 55.0, 480.0, now=20.0)
    assert eta == pytest.approx((480 - 55) / ((55 - 5) / 20))  # 2.5 video s a second: 170 s
    # a minute later the first sample has left the 60-s window: pace (180-30)/(70-10) = 2.5
    samples, eta = time_left_s(samples, 180.0, 480.0, now=70.0)
    assert [t for t, _ in samples] == [10.0, 20.0, 70.0]
    assert eta == pytest.approx(300 / 2.5)
