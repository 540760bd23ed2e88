"""The movement table as the CSVs show it: times to the millisecond in every CSV, n_legs the
legs that moved (at most 2) with the combined pieces counted apart, and a twitch inside a
bilateral movement naming it."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from pipeline.reports.events import events_presented, movements_part_of, times_rounded
from pipeline.reports.export import NightRecord, export_csv
from pipeline.reports.folder import night_read, night_write
from pipeline.scoring.night import NightResult
from tests.helpers.nights import simulated_night


def _events() -> pd.DataFrame:
    # a bilateral LM 10.0-14.0 s of 3 pieces (left, right, left), a left twitch at 11.2-11.4 s
    # inside it, a right twitch at 20 s outside anything, a right one-leg LM 30-32 s holding a
    # twitch of the left leg (not bilateral: that twitch is not part of it)
    return pd.DataFrame(
        {
            "start_s": [10.0, 11.2, 20.0, 30.0, 30.5],
            "end_s": [14.0, 11.4, 20.3, 32.0, 30.7],
            "duration_s": [4.0, 0.2, 0.3, 2.0, 0.2],
            "kind": ["lm", "twitch", "twitch", "lm", "twitch"],
            "side": ["bilateral", "left", "right", "right", "left"],
            "n_legs": [3, 1, 1, 1, 1],
        }
    )


def test_twitch_inside_a_bilateral_movement_names_it() -> None:
    part = movements_part_of(_events())
    assert part.isna().tolist() == [True, False, True, True, True]
    assert part.iloc[1] == 10.0


def test_n_legs_is_the_legs_and_the_pieces_are_counted_apart() -> None:
    out = events_presented(_events())
    assert out["n_legs"].tolist() == [2, 1, 1, 1, 1]
    assert out["n_pieces"].tolist() == [3, 1, 1, 1, 1]
    cols = list(out.columns)
    assert cols.index("n_pieces") == cols.index("n_legs") + 1 and cols[-1] == "part_of_s"


def test_times_to_the_millisecond() -> None:
    df = pd.DataFrame({"start_s": [3.3070457004561673], "activity": [0.123456], "n": [1]})
    out = times_rounded(df)
    assert out["start_s"].iloc[0] == 3.307  # a time: to the ms
    assert out["activity"].iloc[0] == 0.123456  # not a time: as it was


def _shifted(r: NightResult, by: float) -> NightResult:
    """The night with its first frame at ``by`` s (a recording whose first frame is late)."""
    ev = r.events.copy()
    for c in ("start_s", "end_s"):
        ev[c] = ev[c] + by
    ep = r.epochs.copy()
    ep[["start_s", "end_s"]] = ep[["start_s", "end_s"]] + by
    eps = r.episodes.copy()
    eps[["start_s", "end_s"]] = eps[["start_s", "end_s"]] + by
    return NightResult(ev, ep, eps, r.summary, r.artifacts)


def _decimals(path) -> int:  # type: ignore[no-untyped-def]
    text = path.read_text(encoding="utf-8-sig")
    numbers = [w for line in text.splitlines()[1:] for w in line.split(",") if "." in w]
    return max(len(w.split(".")[1]) for w in numbers if w.replace(".", "", 1).isdigit())


def test_every_csv_has_times_to_the_millisecond(tmp_path) -> None:  # type: ignore[no-untyped-def]
    r = _shifted(simulated_night(seed=2), 3.3070457004561673)
    night = NightRecord(1, "Mila", dt.date(2024, 5, 1), r)
    paths = export_csv([night], tmp_path / "export")
    for name in ("hourly", "movements"):
        assert _decimals(paths[name]) <= 4, name  # times 3; activity-like columns 4 at most
    hourly = pd.read_csv(paths["hourly"])
    assert hourly["start_s"].iloc[0] == 3.307 and hourly["start_s"].iloc[1] == 3603.307
    folder = night_write(r, tmp_path / "folder")
    for name in ("events", "epochs", "episodes"):
        df = pd.read_csv(folder[name])
        for col in (c for c in df.columns if c.endswith("_s")):
            values = df[col].dropna().astype(float)
            assert (values.round(3) == values).all(), (name, col)
    ev = pd.read_csv(folder["events"])
    assert (ev["n_legs"] <= 2).all() and {"n_pieces", "part_of_s"} <= set(ev.columns)
    back = night_read(tmp_path / "folder")  # read back: the table as scored (rounded)
    assert list(back.events.columns) == list(r.events.columns)
    assert back.events["n_legs"].tolist() == r.events["n_legs"].tolist()
