"""Trends of one child: running medians and the before/after comparison around a note, on
nights whose numbers are chosen so every answer can be worked out by hand."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from pipeline.reports.rates import TOO_LITTLE_SLEEP, plural, rate_caveat, rate_reliable
from pipeline.reports.trends import before_after, note_sides, trend_table
from pipeline.store.records import Night, Note

H = 3600.0
#: (date, PLMS index, total sleep h, LMs while settling, awakenings); 05-05 has 30 min of
#: sleep: its index (4/h) is too little sleep for a rate and is left out of every median
NIGHTS = [
    ("2024-05-01", 10.0, 7.0, 5, 3),
    ("2024-05-02", 20.0, 7.0, 7, 2),
    ("2024-05-03", 30.0, 7.0, 9, 4),
    ("2024-05-04", 2.0, 7.0, 1, 1),
    ("2024-05-05", 4.0, 0.5, 3, 0),
    ("2024-05-06", 6.0, 7.0, 2, 1),
    ("2024-05-07", 8.0, 7.0, 4, 2),
    ("2024-05-08", 1.0, 7.0, 0, 0),
]


def _night(i: int, day: str, plmi: float, sleep_h: float, settling: int, awake: int) -> Night:
    summary = {
        "plm_index_per_h": plmi,
        "total_sleep_s": sleep_h * H,
        "awakenings": awake,
        "sleep_onset_s": 600.0,
        "counts": {"lm": 10 * settling, "lm_settling_window": settling},
        "settings": {"rate_min_sleep_s": 3600.0},
    }
    return Night(
        id=i + 1,
        label="Mila",
        night_date=dt.date.fromisoformat(day),
        in_bed="19:30",
        recorded=None,
        created="",
        status="done",
        error=None,
        settings={},
        versions={},
        summary=summary,
        tracks_path=None,
        analysed="",
    )


def _note(day: str, text: str) -> Note:
    return Note(id=0, note_date=dt.date.fromisoformat(day), text=text, night_id=None, created="")


@pytest.fixture
def table():  # type: ignore[no-untyped-def]
    nights = [_night(i, *row) for i, row in enumerate(NIGHTS)]
    starts = [dt.datetime.combine(n.night_date, dt.time(19, 30)) for n in nights]
    return trend_table(nights[::-1], starts[::-1])  # given newest first: sorted by date


def test_trend_table_running_median_leaves_out_a_rate_from_too_little_sleep(table) -> None:  # type: ignore[no-untyped-def]
    assert list(table["date"].dt.day) == [1, 2, 3, 4, 5, 6, 7, 8]
    assert list(table["plms_reliable"]) == [True] * 4 + [False] + [True] * 3
    med = list(table["plms_index_median"])
    # 05-01..05-04: medians of [10], [10,20], [10,20,30], [10,20,30,2]
    assert med[:4] == [10.0, 15.0, 20.0, 15.0]
    # 05-05 (left out): still the median of [10,20,30,2]; 05-06: of [10,20,30,2,6]
    assert med[4:6] == [15.0, 10.0]
    # 05-08: the last 7 nights 05-02..05-08 are [20,30,2,-,6,8,1] -> [1,2,6,8,20,30]: (6+8)/2
    assert med[7] == 7.0
    # counts always count: awakenings of the last 7 nights [2,4,1,0,1,2,0] -> median 1
    assert table["awakenings_median"].iloc[7] == 1.0
    # sleep onset 10 min after 19:30, on the reference evening
    assert table["sleep_onset"].iloc[0] == dt.datetime(2000, 1, 1, 19, 40)


def test_before_after_a_note_stops_at_the_neighbouring_notes(table) -> None:  # type: ignore[no-untyped-def]
    notes = [_note("2024-05-04", "iron started"), _note("2024-05-06", "warm bath")]
    before, after = note_sides(table, notes, notes[0])
    assert list(before["date"].dt.day) == [1, 2, 3]  # no earlier note: from the first night
    assert list(after["date"].dt.day) == [4, 5]  # up to the evening before the next note
    ba = before_after(table, notes, notes[0]).set_index("measure")
    plms = ba.loc["PLMS index (/h of sleep)"]
    assert (plms["before"], plms["nights_before"], plms["left_out_before"]) == (20.0, 3, 0)
    assert (plms["after"], plms["nights_after"], plms["left_out_after"]) == (2.0, 1, 1)
    settling = ba.loc["LMs while settling"]
    assert (settling["before"], settling["after"]) == (7.0, 2.0)  # [5,7,9] / [1,3]
    assert (settling["nights_before"], settling["nights_after"]) == (3, 2)
    assert ba.loc["Awakenings", "after"] == 0.5  # [1, 0]
    # around the second note: before 05-04..05-05 (PLMS [2], 05-05 left out), after 05-06..08
    ba2 = before_after(table, notes, notes[1]).set_index("measure")
    assert ba2.loc["PLMS index (/h of sleep)", "before"] == 2.0
    assert ba2.loc["PLMS index (/h of sleep)", "after"] == 6.0  # [6, 8, 1]


def test_before_after_with_no_night_on_one_side_is_empty_not_zero(table) -> None:  # type: ignore[no-untyped-def]
    notes = [_note("2024-05-01", "first night"), _note("2024-05-02", "second")]
    ba = before_after(table, notes, notes[0]).set_index("measure")
    assert math.isnan(ba.loc["Awakenings", "before"])
    assert ba.loc["Awakenings", "nights_before"] == 0
    assert ba.loc["Awakenings", "after"] == 3.0  # only 05-01


def test_rate_needs_an_hour_of_sleep_by_default() -> None:
    short = {"total_sleep_s": 300.0, "settings": {}}
    assert not rate_reliable(short)
    assert rate_caveat(short) == (f"{TOO_LITTLE_SLEEP}: 5 min asleep, a rate needs at least 60 min")
    assert (
        rate_reliable({"total_sleep_s": 3600.0}) and rate_caveat({"total_sleep_s": 3600.0}) is None
    )
    # the night's own settings decide
    assert rate_reliable({"total_sleep_s": 300.0, "settings": {"rate_min_sleep_s": 240.0}})


def test_plural() -> None:
    assert [plural(n, "awakening") for n in (0, 1, 2)] == [
        "0 awakenings",
        "1 awakening",
        "2 awakenings",
    ]
    assert plural(1, "night") == "1 night"
