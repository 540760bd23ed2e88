"""The PDF report's matplotlib figures, drawn and read back: tick labels, note markers, and
text that must not sit on the legend (defects seen on a rendered report)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import matplotlib.dates as mdates
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from pipeline.reports.export import NightRecord, Note
from pipeline.reports.figures import PLM_COLOR, figure_timeline, figure_trend
from pipeline.scoring.night import NightResult
from tests.helpers.nights import awake_night, simulated_night


@pytest.fixture(scope="module")
def night() -> NightResult:
    return simulated_night(0, n_series=2)


@pytest.fixture(scope="module")
def short_night() -> NightResult:
    return awake_night()  # ten minutes


def _drawn(fig: Any) -> Any:
    FigureCanvasAgg(fig).draw()
    return fig


def _day(d: dt.date) -> float:
    return float(mdates.date2num(dt.datetime(d.year, d.month, d.day)))


def _date_labels(ax: Any) -> list[str]:
    """The tick labels shown on a date axis (inside its limits), left to right."""
    lo, hi = ax.get_xlim()
    return [
        lab.get_text()
        for x, lab in zip(ax.get_xticks(), ax.get_xticklabels(), strict=True)
        if lo <= x <= hi
    ]


def _note_lines(ax: Any) -> list[float]:
    """x of the dotted note lines on an axis."""
    return sorted(
        float(line.get_xdata()[0])
        for line in ax.get_lines()
        if line.get_linestyle() == ":" and line.get_color() == PLM_COLOR
    )


def _records(night: NightResult, days: list[dt.date]) -> list[NightRecord]:
    return [NightRecord(i + 1, "Mila", d, night) for i, d in enumerate(days)]


def test_trend_of_one_night_has_one_date_tick_and_the_note_on_that_night(night) -> None:
    day = dt.date(2024, 5, 1)
    fig = _drawn(figure_trend(_records(night, [day]), [Note(day, "iron supplement started")]))
    top, bottom = fig.axes
    assert _date_labels(bottom) == [f"{day:%a %d %b}"]  # once, not every few hours
    assert _note_lines(top) == _note_lines(bottom) == [_day(day)]
    (marker,) = [t for t in top.texts if t.get_text() == "1"]
    assert marker.xy[0] == _day(day)
    (bar,) = [p for p in top.patches]  # the night's bar is centred on its date
    assert bar.get_x() + bar.get_width() / 2 == pytest.approx(_day(day))


def test_trend_of_a_few_nights_has_one_tick_per_day(night) -> None:
    days = [dt.date(2024, 4, 30), dt.date(2024, 5, 1), dt.date(2024, 5, 3)]
    notes = [Note(dt.date(2024, 5, 2), "warm bath"), Note(dt.date(2024, 4, 30), "started")]
    fig = _drawn(figure_trend(_records(night, days), notes))
    labels = _date_labels(fig.axes[1])
    first = days[0]
    assert labels == [f"{first + dt.timedelta(days=i):%a %d %b}" for i in range(4)]
    assert _note_lines(fig.axes[0]) == [_day(dt.date(2024, 4, 30)), _day(dt.date(2024, 5, 2))]
    # notes numbered in date order
    numbers = sorted((t.xy[0], t.get_text()) for t in fig.axes[0].texts if t.get_text() in "12")
    assert numbers == [(_day(dt.date(2024, 4, 30)), "1"), (_day(dt.date(2024, 5, 2)), "2")]


def test_trend_of_many_nights_has_few_distinct_ticks(night) -> None:
    days = [dt.date(2024, 3, 1) + dt.timedelta(days=i) for i in range(0, 60, 2)]
    labels = _date_labels(_drawn(figure_trend(_records(night, days))).axes[1])
    assert 3 <= len(labels) <= 10
    assert len(set(labels)) == len(labels)


def _minutes(label: str) -> int:
    """'19:50' or '1:30' (h:min) or '2 h' as minutes."""
    if label.endswith(" h"):
        return int(label[:-2]) * 60
    h, m = label.split(":")
    return int(h) * 60 + int(m)


def test_tick_step_whole_hours_on_a_night() -> None:
    from pipeline.reports.figures import _tick_step_min

    assert [_tick_step_min(h) for h in (10.0, 12.0, 3.0, 1.5, 10 / 60)] == [60, 60, 15, 10, 1]


@pytest.mark.parametrize("start", [None, dt.datetime(2024, 5, 1, 19, 40, 30)])
def test_night_figure_time_ticks(night, short_night, start) -> None:
    """Distinct time ticks a round number of minutes apart, on the clock's whole multiples of
    that step, on a 1.5-h night and on a ten-minute recording."""
    for result in (night, short_night):
        bottom = _drawn(figure_timeline(result, start)).axes[1]
        lo, hi = bottom.get_xlim()
        labels = [
            lab.get_text()
            for x, lab in zip(bottom.get_xticks(), bottom.get_xticklabels(), strict=True)
            if lo <= x <= hi
        ]
        assert 3 <= len(labels) <= 13 and len(set(labels)) == len(labels), labels
        minutes = [_minutes(v) for v in labels]
        steps = {b - a for a, b in zip(minutes, minutes[1:], strict=False)}
        assert len(steps) == 1 and steps <= {1, 2, 5, 10, 15, 30, 60}, labels
        step = steps.pop()
        assert all(m % step == 0 for m in minutes), labels
        if start is None:
            assert labels[0] in ("0 h", "0:00")  # from the first frame


@pytest.mark.parametrize("size", [(7.4, 4.7), (7.5, 4.2), (6.0, 4.0)])
def test_night_figure_text_stays_off_the_legend(night, short_night, size) -> None:
    """Labels drawn on the night figure ('asleep', counts, ticks) never sit on its legend."""
    for result in (night, short_night):
        fig = _drawn(figure_timeline(result, None, width_in=size[0], height_in=size[1]))
        renderer = fig.canvas.get_renderer()
        legend = fig.legends[0].get_window_extent(renderer)
        texts = [t for ax in fig.axes for t in ax.texts]
        texts += [t for ax in fig.axes for t in ax.get_yticklabels() + ax.get_xticklabels()]
        on_legend = [
            t.get_text()
            for t in texts
            if t.get_text() and t.get_window_extent(renderer).overlaps(legend)
        ]
        assert on_legend == []
        fig_box = fig.bbox
        for t in texts:  # and nothing is cut off at the figure's edge
            if t.get_text():
                box = t.get_window_extent(renderer)
                assert box.x0 >= fig_box.x0 - 1 and box.x1 <= fig_box.x1 + 1, t.get_text()
