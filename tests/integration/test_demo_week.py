"""The generated demo week, made as ``legmove demo`` makes it and scored by the real signal
stage: seven nights and an "iron supplement started" note in the demo store, with the effect
the plan builds in showing in the Trends page's comparison."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli.app import app as cli
from pipeline.reports.trends import before_after, trend_table
from pipeline.store.db import DB_NAME, Store
from pipeline.store.demo import DEMO_LABEL, DEMO_NIGHTS, DEMO_NOTE
from pipeline.store.place import demo_dir

pytestmark = pytest.mark.slow


def test_legmove_demo_makes_the_week_apart_with_its_effect(tmp_path: Path) -> None:
    res = CliRunner().invoke(cli, ["demo", "--data", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert not (tmp_path / DB_NAME).exists()  # your own store is left alone
    store = Store(demo_dir(tmp_path))
    nights = store.list_nights()
    assert [n.label for n in nights] == [DEMO_LABEL] * DEMO_NIGHTS
    assert all(n.status == "done" for n in nights)
    notes = store.notes()
    assert [n.text for n in notes] == [DEMO_NOTE]
    assert notes[0].note_date == nights[3].night_date  # the fourth evening: halfway
    table = trend_table(nights)
    assert table["plms_reliable"].all()  # 2.5-3 h recordings: enough sleep for a rate
    ba = before_after(table, notes, notes[0]).set_index("measure")
    assert list(ba["nights_before"]) == [3, 3, 3] and list(ba["nights_after"]) == [4, 4, 4]
    plms = ba.loc["PLMS index (/h of sleep)"]
    # planned: 4-5 series of 6-10 LMs before, 0-1 after, in about 2-2.5 h of sleep
    assert plms["before"] > 8.0 and plms["after"] < 5.0
    settling = ba.loc["LMs while settling"]
    assert settling["before"] > 1.5 * settling["after"]  # 20-28 min of wriggling vs 10-15
    assert ba.loc["Awakenings", "before"] >= 2 and ba.loc["Awakenings", "after"] <= 1
    # run again: nothing is added twice
    again = CliRunner().invoke(cli, ["demo", "--data", str(tmp_path)])
    assert again.exit_code == 0 and "added" not in again.output
    assert len(store.list_nights()) == DEMO_NIGHTS and len(store.notes()) == 1
