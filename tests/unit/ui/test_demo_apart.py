"""The demo nights stay apart from a child's: their own store, shown only by the sidebar's
switch, never in the child's nights, trends or exports; and the export command says where it
looked when it finds no night, creating nothing."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from typer.testing import CliRunner

from pipeline.cli.app import app as cli
from pipeline.store.db import Store
from pipeline.store.place import demo_dir
from tests.helpers.seed import seed_night

APP = str(Path(__file__).resolve().parents[3] / "dashboard.py")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder with one night of Mila and, in its demo store, two demo nights."""
    data = tmp_path_factory.mktemp("apart")
    seed_night(Store(data), seed=1, n_blocks=1, label="Mila", day=dt.date(2024, 6, 1))
    demo = Store(demo_dir(data))
    for i, day in enumerate((dt.date(2024, 4, 24), dt.date(2024, 4, 25))):
        seed_night(demo, seed=2 + i, n_blocks=1, label="Demo baby", day=day)
    demo.add_note("2024-04-25", "iron supplement started")
    return data


@pytest.fixture
def data(template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    shutil.copytree(template, folder)
    monkeypatch.setenv("LEGMOVE_DATA", str(folder))
    return folder


def _app(page: str, demo: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["page"] = page
    if demo is not None:
        at.query_params["demo"] = demo
    return at.run()


def _all_text(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [i.value for i in at.info] + [h.value for h in at.header]
    for sb in at.selectbox:
        parts += [str(o) for o in sb.options]
    for chart in at.get("plotly_chart"):
        parts.append(str(chart.proto.spec))
    return "\n".join(str(p) for p in parts)


@pytest.mark.parametrize("page", ["night", "review", "trends", "export"])
def test_your_own_nights_show_no_demo_baby(data: Path, page: str) -> None:
    at = _app(page)
    assert not at.exception, [e.value for e in at.exception]
    text = _all_text(at)
    assert "Demo baby" not in text and "iron supplement started" not in text
    assert at.toggle(key="demo").value is False  # there, and off: you have nights of your own
    if page in ("night", "export"):
        assert "Mila" in text


def test_the_switch_shows_the_demo_store_and_back(data: Path) -> None:
    at = _app("trends")
    at.toggle(key="demo").set_value(True).run()
    assert not at.exception
    text = _all_text(at)
    assert "demo nights" in "\n".join(i.value for i in at.info)
    assert "iron supplement started" in text and "Mila" not in text
    assert at.query_params["demo"] == ["1"]
    at.toggle(key="demo").set_value(False).run()
    assert "iron supplement started" not in _all_text(at)


def test_a_newcomer_without_nights_sees_the_demo(data: Path) -> None:
    (data / "legmove.db").unlink()  # no nights of their own yet
    at = _app("night")
    assert not at.exception
    assert at.toggle(key="demo").value is True
    assert at.header[-1].value.startswith("Demo baby · night of")
    assert not (data / "legmove.db").exists()  # looking at the demo made no store of yours


def test_no_demo_switch_without_demo_nights(data: Path) -> None:
    shutil.rmtree(demo_dir(data))
    at = _app("night")
    assert not at.exception
    assert not [t for t in at.toggle if t.key == "demo"]


def test_export_without_nights_says_where_it_looked_and_creates_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "nowhere"
    res = CliRunner().invoke(cli, ["export", "--data", str(folder), "--csv", str(tmp_path / "o")])
    assert res.exit_code == 2
    words = " ".join(res.output.split())
    assert f"no analysed nights in {folder}: there is no legmove database there" in words
    assert "--data DIR or $LEGMOVE_DATA" in words
    assert not folder.exists() and not (tmp_path / "o").exists()


def test_export_outside_the_nights_dates_says_what_is_there(data: Path, tmp_path: Path) -> None:
    res = CliRunner().invoke(cli, ["export", "--from", "2025-01-01", "--csv", str(tmp_path / "o")])
    assert res.exit_code == 2
    words = " ".join(res.output.split())
    assert f"in {data} (it holds 1 analysed night of Mila from 2024-06-01 to 2024-06-01)" in words
    assert "Demo baby" not in words
    assert not (tmp_path / "o").exists()
