"""The Trends figure: the PLMS panel leaves room above its highest night, so a note's label
(drawn at the top of the panel) covers no night's point."""

from __future__ import annotations

import datetime as dt

import pytest

from pipeline.reports.trends import trend_table
from tests.unit.pipeline.reports.test_trends import NIGHTS, _night, _note
from ui.trend_figures import figure_trends


def test_the_plms_panel_has_room_above_its_highest_night() -> None:
    nights = [_night(i, *row) for i, row in enumerate(NIGHTS)]
    starts = [dt.datetime.combine(n.night_date, dt.time(19, 30)) for n in nights]
    table = trend_table(nights, starts)
    note = _note("2024-05-04", "iron supplement started")
    fig = figure_trends(table, [note], 5.0, note, None)
    # the highest PLMS index of NIGHTS is 30/h (05-03): the axis runs to 30 x 1.3 = 39
    assert list(fig.layout.yaxis.range) == pytest.approx([0.0, 39.0])
    (label,) = [a for a in fig.layout.annotations if "iron supplement" in str(a.text)]
    assert label.yref == "y domain" and label.y == pytest.approx(0.98)
