"""One clock for a night: where its start comes from, and episode reasons on that clock."""

from __future__ import annotations

import datetime as dt

from pipeline.reports.clock import night_clock_start, reason_clocked
from pipeline.store.records import Night, Source


def _night(
    in_bed: str | None = None, recorded: dt.datetime | None = None, path: str = "/v/night.mp4"
) -> Night:
    return Night(
        id=1,
        label="Mila",
        night_date=dt.date(2024, 5, 1),
        in_bed=in_bed,
        recorded=recorded,
        created="",
        status="done",
        error=None,
        settings={},
        versions={},
        summary=None,
        tracks_path=None,
        analysed=None,
        sources=(Source(path, 1, "0" * 64, 0.0, 600.0, 10),),
    )


def test_the_recordings_own_clock_first_when_it_fits_the_night() -> None:
    own = dt.datetime(2024, 5, 1, 19, 25, 7).astimezone()  # local time, as a camera writes it
    start, where = night_clock_start(_night("19:30", own))
    assert start == own.replace(tzinfo=None) and where == "the video's recording time"


def test_a_camera_clock_never_set_is_not_used() -> None:
    never_set = dt.datetime(1970, 1, 1, 0, 3).astimezone()
    start, where = night_clock_start(_night("19:30", never_set))
    assert start == dt.datetime(2024, 5, 1, 19, 30) and where == "the in-bed time"


def test_a_time_in_the_file_name_when_the_container_has_none() -> None:
    start, where = night_clock_start(_night("19:30", None, "/cam/2024-05-01_19-41-02.mp4"))
    assert start == dt.datetime(2024, 5, 1, 19, 41, 2)
    assert where == "the time in the video file's name"
    # a name from another day (a copy's date) does not fit the night: the in-bed time
    start, where = night_clock_start(_night("19:30", None, "/cam/20240612_080000.mp4"))
    assert where == "the in-bed time"


def test_in_bed_after_midnight_is_the_next_morning_and_else_unknown() -> None:
    start, _ = night_clock_start(_night("00:40"))
    assert start == dt.datetime(2024, 5, 2, 0, 40)
    assert night_clock_start(_night()) == (None, "")


def test_reason_times_on_the_nights_clock() -> None:
    start = dt.datetime(2024, 5, 1, 19, 30)
    text = "5 leg movements in a row (periodic series 1, from 0:01:50); woke at 1:02:03"
    assert reason_clocked(text, start) == (
        "5 leg movements in a row (periodic series 1, from 19:31:50); woke at 20:32:03"
    )
    assert reason_clocked(text, None) == text  # no clock: as the signal stage wrote it
    assert reason_clocked("0.7-1.7 Hz within 75 s", start) == "0.7-1.7 Hz within 75 s"
