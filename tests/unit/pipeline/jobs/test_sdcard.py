"""SD-card recordings as cameras write them: dated folders of minute-long files become one
night per evening, in time order, with the gaps kept."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from detector.sdcard import path_clock_time
from detector.video import night_plan
from pipeline.jobs.batch import _evening, batch_inputs
from tests.helpers.video import make_video


@pytest.mark.parametrize(
    ("path", "when"),
    [
        ("sd/record/20261127/20/05.mp4", datetime(2026, 11, 27, 20, 5)),  # Wyze-style
        (
            "sd/MIJIA_RECORD_VIDEO/2026112720/05M30S_1669577130.mp4",
            datetime(2026, 11, 27, 20, 5, 30),
        ),
        (
            "sd/Mp4Record/2026-11-27/RecM01_20261127_200500_200600_6E0C8.mp4",
            datetime(2026, 11, 27, 20, 5),
        ),
        ("sd/ch01_20261127203000.mp4", datetime(2026, 11, 27, 20, 30)),
        ("home/backup-20240101/clips/a.mp4", None),  # a date, but no hour after it
        ("sd/20261127/1.mp4", None),
        ("videos/night_1.mp4", None),
        ("sd/20261127/25/00.mp4", None),  # no 25th hour
    ],
)
def test_clock_time_from_folder_and_file_names(path: str, when: datetime | None) -> None:
    assert path_clock_time(path) == when


def _card(root: Path, names: list[str]) -> None:
    for k, name in enumerate(names):
        f = root / name
        f.parent.mkdir(parents=True, exist_ok=True)
        make_video(f, n_frames=60, fps=1, first=60 * k)  # a minute at 1 fps, its own frames


def test_an_sd_card_is_one_night_per_evening_with_gaps_kept(tmp_path: Path) -> None:
    root = tmp_path / "record"
    # the night of 27 Nov: 23:58, 23:59, 00:00, then 00:01 missing (the camera rebooted), 00:02;
    # 28 Nov 20:00 is the next evening's night
    _card(
        root,
        ["20261127/23/58.mp4", "20261127/23/59.mp4", "20261128/00/00.mp4", "20261128/00/02.mp4"]
        + ["20261128/20/00.mp4"],
    )
    nights = batch_inputs([root])
    assert [(name, [f.relative_to(root).as_posix() for f in files]) for name, files in nights] == [
        (
            "record 2026-11-27",
            [
                "20261127/23/58.mp4",
                "20261127/23/59.mp4",
                "20261128/00/00.mp4",
                "20261128/00/02.mp4",
            ],
        ),
        ("record 2026-11-28", ["20261128/20/00.mp4"]),
    ]
    # given in another order, the files are placed by their folders' times: 0, 60, 120 s,
    # then a 60-s gap (00:01) before the last at 240 s
    files = nights[0][1]
    segments = night_plan([files[3], files[1], files[0], files[2]])
    assert [Path(s.path).name for s in segments] == ["58.mp4", "59.mp4", "00.mp4", "02.mp4"]
    assert [s.start_s for s in segments] == [0.0, 60.0, 120.0, 240.0]
    assert _evening(files) == date(2026, 11, 27)


def test_a_folder_tree_without_dates_is_one_night(tmp_path: Path) -> None:
    _card(tmp_path / "clips", ["a/one.mp4", "b/two.mp4"])
    ((name, files),) = batch_inputs([tmp_path / "clips"])
    assert name == "clips" and [f.name for f in files] == ["one.mp4", "two.mp4"]
    (tmp_path / "empty" / "sub").mkdir(parents=True)
    with pytest.raises(ValueError, match="no video files in this folder or its subfolders"):
        batch_inputs([tmp_path / "empty"])
