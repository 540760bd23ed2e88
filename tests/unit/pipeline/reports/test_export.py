"""CSV exports, review ordering and timeline figures, on simulated nights and hand-built ones."""

from __future__ import annotations

import datetime as dt
import math
import types

import numpy as np
import pandas as pd
import pytest

from pipeline.reports.export import (
    HOURLY_COLUMNS,
    NIGHT_COLUMNS,
    NightRecord,
    Note,
    export_csv,
    fmt_clock,
    fmt_duration,
    hourly_counts,
)
from pipeline.scoring.night import NightResult
from tests.helpers.nights import LABEL, awake_night, simulated_night


@pytest.fixture(scope="module")
def nights() -> list[NightRecord]:
    r1 = simulated_night(0, n_series=2)
    r2 = simulated_night(1, n_series=1)
    start = dt.datetime(2025, 3, 3, 19, 40, 0)
    # given out of date order: exports sort by date
    return [
        NightRecord(7, LABEL, dt.date(2025, 3, 4), r2),
        NightRecord(3, LABEL, dt.date(2025, 3, 3), r1, start_time=start),
        NightRecord(9, LABEL, dt.date(2025, 3, 5), awake_night()),
    ]


def _read(path) -> pd.DataFrame:
    return pd.read_csv(path, encoding="utf-8-sig", keep_default_na=False, na_values=[""])


def test_simulated_night_has_what_the_report_shows(nights):
    s = nights[1].result.summary
    assert s["sleep_onset_s"] is not None and s["awakenings"] >= 1
    assert s["counts"]["plms"] >= 8 and s["counts"]["lm_settling_window"] >= 10
    assert nights[2].result.summary["sleep_onset_s"] is None


def test_nights_csv_equals_summary(nights, tmp_path):
    paths = export_csv(nights, tmp_path)
    assert set(paths) == {"nights", "hourly", "movements"}
    assert paths["nights"].read_bytes().startswith(b"\xef\xbb\xbf")  # BOM: Excel shows accents
    df = _read(paths["nights"])
    assert list(df.columns) == NIGHT_COLUMNS
    assert list(df["night_id"]) == [3, 7, 9]  # date order
    assert list(df["date"]) == ["2025-03-03", "2025-03-04", "2025-03-05"]
    assert (df["label"] == LABEL).all()
    by_id = {n.night_id: n for n in nights}
    for row in df.to_dict("records"):
        n = by_id[row["night_id"]]
        s, c, ev = n.result.summary, n.result.summary["counts"], n.result.events
        assert row["lms"] == c["lm"] == (ev["kind"] == "lm").sum()
        assert row["twitches"] == c["twitch"] == (ev["kind"] == "twitch").sum()
        assert row["long_movements"] == c["long_movement"]
        assert row["rhythmic"] == c["rhythmic"] == ev["rhythmic"].sum()
        assert row["rhythmic_cycling"] == c["rhythmic_cycling"]
        assert row["rhythmic_kicking"] == c["rhythmic_kicking"]
        assert row["rhythmic_bouts"] == len(n.result.bouts)
        assert row["rhythmic_bouts_cycling"] == (n.result.bouts["pattern"] == "cycling").sum()
        # plms means in sleep; plm_total every LM in a series (asleep or awake)
        assert row["plm_total"] == c["plm"] == ev["plm_series"].notna().sum()
        in_sleep = (ev["state"] == "sleep") & ev["plm_series"].notna()
        assert row["plms"] == c["plms"] == in_sleep.sum()
        assert row["plmw"] == c["plmw"] <= row["plm_total"] - row["plms"]
        assert row["plm_series"] == c["plm_series"]
        assert row["lms_in_sleep"] == c["lm_in_sleep"]
        assert row["lms_settling_window"] == c["lm_settling_window"]
        assert row["awakenings"] == s["awakenings"]
        assert row["episodes_flagged"] == len(n.result.episodes)
        assert row["recording_h"] == round(s["duration_s"] / 3600, 2)
        assert row["total_sleep_h"] == round(s["total_sleep_s"] / 3600, 2)
        if s["sleep_onset_s"] is None:
            assert math.isnan(row["sleep_onset_s"]) and math.isnan(row["plms_index_per_h"])
            continue
        assert row["sleep_onset_s"] == pytest.approx(s["sleep_onset_s"])
        assert row["plms_index_per_h"] == pytest.approx(s["plm_index_per_h"])
        hours = s["total_sleep_s"] / 3600
        assert row["plms_index_per_h"] == pytest.approx(c["plms"] / hours, abs=0.006)
        assert row["lm_index_per_h"] == pytest.approx(c["lm_in_sleep"] / hours, abs=0.006)
        assert row["time_to_sleep_min"] == round(s["time_to_sleep_s"] / 60, 1)
    first = df.iloc[0]
    onset = dt.datetime(2025, 3, 3, 19, 40) + dt.timedelta(
        seconds=nights[1].result.summary["sleep_onset_s"]
    )
    assert first["sleep_onset_clock"] == onset.strftime("%H:%M")
    assert first["recording_start"] == "2025-03-03T19:40:00"
    assert pd.isna(df.iloc[1]["sleep_onset_clock"])  # start time unknown: no clock


def test_hourly_csv_sums_to_the_night(nights, tmp_path):
    df = _read(export_csv(nights, tmp_path)["hourly"])
    assert list(df.columns) == ["night_id", "date", "label", *HOURLY_COLUMNS]
    for n in nights:
        h = df[df["night_id"] == n.night_id]
        s, ev = n.result.summary, n.result.events
        assert len(h) == math.ceil(s["duration_s"] / 3600)
        assert list(h["hour"]) == list(range(len(h)))
        assert h["lms"].sum() == s["counts"]["lm"]
        assert h["twitches"].sum() == s["counts"]["twitch"]
        assert h["long_movements"].sum() == s["counts"]["long_movement"]
        assert h["rhythmic"].sum() == s["counts"]["rhythmic"]
        assert h["plms"].sum() == s["counts"]["plms"]
        assert h["plms"].sum() + h["plmw"].sum() == s["counts"]["plm"]
        assert h["sleep_min"].sum() == pytest.approx(s["total_sleep_s"] / 60, abs=0.2)
        # each movement in the hour its onset falls in
        for row in h.itertuples():
            inside = (ev["start_s"] >= row.start_s) & (ev["start_s"] < row.start_s + 3600)
            assert row.lms == (inside & (ev["kind"] == "lm")).sum()
    assert list(df[df["night_id"] == 3]["clock"])[:2] == ["19:40", "20:40"]
    assert df[df["night_id"] == 7]["clock"].isna().all()  # start time unknown


def test_movements_csv_lists_every_movement(nights, tmp_path):
    df = _read(export_csv(nights, tmp_path)["movements"])
    assert len(df) == sum(len(n.result.events) for n in nights)
    assert list(df.columns[:4]) == ["night_id", "date", "label", "clock"]
    for n in nights:
        mine = df[df["night_id"] == n.night_id]
        assert len(mine) == len(n.result.events)
        assert (mine["date"] == n.date.isoformat()).all()
        np.testing.assert_allclose(mine["start_s"], n.result.events["start_s"])
        assert list(mine["kind"]) == list(n.result.events["kind"])
    first = df[df["night_id"] == 3].iloc[0]
    t0 = nights[1].result.events["start_s"].iloc[0]
    when = dt.datetime(2025, 3, 3, 19, 40) + dt.timedelta(seconds=float(t0))
    assert first["clock"] == when.strftime("%H:%M:%S")
    assert df[df["night_id"] == 7]["clock"].isna().all()


def test_export_writes_atomically_and_refuses_nothing(nights, tmp_path):
    export_csv(nights, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "hourly.csv",
        "movements.csv",
        "nights.csv",
    ]
    with pytest.raises(ValueError, match="no nights"):
        export_csv([], tmp_path)


def _hand_result() -> NightResult:
    """2.5 h: awake the first 30 min, asleep to 2 h, awake, asleep the last 15 min."""
    epochs = pd.DataFrame(
        {
            "start_s": [0.0, 1800.0, 7200.0, 8100.0],
            "end_s": [1800.0, 7200.0, 8100.0, 9000.0],
            "activity": [0.5, 0.0, 0.5, 0.0],
            "state": ["wake", "sleep", "wake", "sleep"],
        }
    )
    events = pd.DataFrame(
        {
            "start_s": [100.0, 3700.0, 3800.0, 3830.0, 8999.0],
            "end_s": [102.0, 3700.3, 3802.0, 3860.0, 8999.5],
            "duration_s": [2.0, 0.3, 2.0, 30.0, 0.5],
            "kind": ["lm", "twitch", "lm", "long_movement", "lm"],
            "side": ["left", "right", "bilateral", "bilateral", "left"],
            "rhythmic": [False, False, True, False, False],
            "pattern": ["", "", "kicking", "", ""],
            "frequency_hz": [np.nan, np.nan, 1.5, np.nan, np.nan],
            "plm_series": pd.array([pd.NA, pd.NA, 1, pd.NA, pd.NA], dtype="Int64"),
            "state": ["wake", "sleep", "sleep", "sleep", "sleep"],
        }
    )
    episodes = pd.DataFrame(
        {
            "start_s": [3800.0, 3800.0],
            "end_s": [3802.0, 3802.0],
            "kind": ["plm_series", "rhythmic_movement"],
            "priority": [1, 3],
            "n_movements": [1, 1],
            "reason": ["a series", "rhythmic kicking"],
        }
    )
    summary = {
        "duration_s": 9000.0,
        "sleep_onset_s": 1800.0,
        "time_to_sleep_s": 1800.0,
        "total_sleep_s": 6300.0,
        "awakenings": 1,
        "counts": {"lm": 3, "twitch": 1, "long_movement": 1, "rhythmic": 1, "plm": 1},
        "plm_index_per_h": 0.57,
        "settings": {"settling_window_s": 1200.0},
    }
    return NightResult(events, epochs, episodes, summary)


def test_hourly_counts_known_answer():
    h = hourly_counts(_hand_result(), dt.datetime(2025, 3, 3, 19, 30))
    assert list(h["hour"]) == [0, 1, 2]
    assert list(h["clock"]) == ["19:30", "20:30", "21:30"]
    assert list(h["end_s"]) == [3600.0, 7200.0, 9000.0]  # last hour is the partial 30 min
    assert list(h["lms"]) == [1, 1, 1]
    assert list(h["twitches"]) == [0, 1, 0]
    assert list(h["long_movements"]) == [0, 1, 0]
    assert list(h["rhythmic"]) == [0, 1, 0]
    assert list(h["plms"]) == [0, 1, 0]  # the PLM at 3800 s is in sleep
    assert list(h["plmw"]) == [0, 0, 0]
    assert list(h["sleep_min"]) == [30.0, 60.0, 15.0]


def test_formatting_known_answers():
    start = dt.datetime(2025, 3, 3, 23, 50, 10)
    assert fmt_clock(600.0, start) == "00:00"
    assert fmt_clock(605.4, start, seconds=True) == "00:00:15"
    assert fmt_clock(3725.0, None) == "+1:02"
    assert fmt_clock(3725.0, None, seconds=True) == "+1:02:05"
    assert fmt_clock(None, start) == ""
    assert fmt_duration(59 * 60) == "59 min"
    assert fmt_duration(7 * 3600 + 5 * 60 + 20) == "7 h 05 min"
    assert fmt_duration(None) == ""


def test_night_record_checks_its_input():
    r = _hand_result()
    with pytest.raises(ValueError, match="date"):
        NightRecord(1, "x", "2025-03-03", r)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="verdict"):
        NightRecord(1, "x", dt.date(2025, 3, 3), r, reviews=pd.DataFrame(columns=["start_s"]))
    assert Note(dt.date(2025, 3, 3), "warm bath").night_id is None


def test_episodes_for_review_order_and_unmatched():
    from pipeline.reports.pdf import episodes_for_review

    r = _hand_result()
    eps = pd.concat(
        [
            r.episodes,
            pd.DataFrame(
                {
                    "start_s": [7150.0],
                    "end_s": [8100.0],
                    "kind": ["movement_awakening"],
                    "priority": [2],
                    "n_movements": [1],
                    "reason": ["woke"],
                }
            ),
        ],
        ignore_index=True,
    )
    r = NightResult(r.events, r.epochs, eps, r.summary)
    reviews = pd.DataFrame(
        {
            "start_s": [3800.0, 3799.0, 500.0],
            "end_s": [3802.0, 3803.0, 520.0],
            "kind": ["plm_series", "rhythmic_movement", "plm_series"],
            "verdict": ["reject", "confirm", "confirm"],
            "note": ["blanket", "", "old"],
            "matched": [True, True, False],
        }
    )
    out = episodes_for_review(NightRecord(1, LABEL, dt.date(2025, 3, 3), r, reviews))
    assert list(out["kind"]) == [
        "rhythmic_movement",  # confirmed
        "movement_awakening",  # not reviewed
        "plm_series",  # rejected
        "plm_series",  # earlier review, no current episode: kept, shown last
    ]
    assert list(out["verdict"]) == ["confirm", "", "reject", "confirm"]
    assert list(out["matched"]) == [True, True, True, False]
    assert out.iloc[2]["note"] == "blanket"


def _with_artifacts(r: NightResult) -> types.SimpleNamespace:
    arts = pd.DataFrame({"start_s": [5000.0], "end_s": [5100.0], "kind": ["caregiver"]})
    return types.SimpleNamespace(
        events=r.events, epochs=r.epochs, episodes=r.episodes, summary=r.summary, artifacts=arts
    )


def test_plotly_timeline_lanes_and_wall_clock(nights):
    from ui.plotly_figures import figure_timeline_plotly

    r = nights[1].result
    start = dt.datetime(2025, 3, 3, 19, 40)
    fig = figure_timeline_plotly(r, start)
    names = {t.name for t in fig.data}
    assert {"asleep", "awake", "leg movement (LM)", "PLM series", "flagged episode"} <= names
    assert {"LMs in the hour", "PLMs in the hour"} <= names
    lm_traces = [t for t in fig.data if t.name == "leg movement (LM)"]
    # every LM drawn once per leg it moved (bilateral on both): 3 points each (start, end, gap)
    ev = r.events[(r.events["kind"] == "lm") & ~r.events["rhythmic"].astype(bool)]
    per_leg = (ev["side"] == "bilateral").sum() * 2 + (ev["side"] != "bilateral").sum()
    assert sum(len(t.x) for t in lm_traces) == 3 * per_leg
    assert isinstance(lm_traces[0].x[0], dt.datetime)
    first_left = ev[ev["side"] != "right"]["start_s"].min()  # the left leg's trace comes first
    assert lm_traces[0].x[0] == start + dt.timedelta(seconds=float(first_left))
    bars = next(t for t in fig.data if t.name == "LMs in the hour")
    assert sum(bars.y) == r.summary["counts"]["lm"]
    # no wall clock: time since the start, h:mm on a date axis from ELAPSED_ZERO (never
    # decimal hours)
    from ui.plotly_figures import ELAPSED_ZERO

    fig2 = figure_timeline_plotly(r)
    x0 = next(t for t in fig2.data if t.name == "asleep").x[0]
    assert isinstance(x0, dt.datetime) and x0 >= ELAPSED_ZERO
    assert fig2.layout.xaxis2.tickformat == "%-H:%M"
    assert "h:mm" in fig2.layout.xaxis2.title.text
    # artifacts, when the result has them, are shaded
    fig3 = figure_timeline_plotly(_with_artifacts(r))  # type: ignore[arg-type]
    assert any(a.text == "caregiver" for a in fig3.layout.annotations)


def test_matplotlib_figures_draw(nights):
    from pipeline.reports.figures import figure_png, figure_timeline, figure_trend

    for n in nights:
        png = figure_png(figure_timeline(n.result, n.start_time), dpi=60)
        assert png.startswith(b"\x89PNG")
    png = figure_png(figure_timeline(_with_artifacts(nights[1].result)), dpi=60)  # type: ignore[arg-type]
    assert png.startswith(b"\x89PNG")
    notes = [Note(dt.date(2025, 3, 4), "iron supplement started — Zoë")]
    assert figure_png(figure_trend(nights, notes), dpi=60).startswith(b"\x89PNG")


def test_a_clip_exports_its_counts_with_no_sleep(tmp_path):
    """A 40-s clip (counts, not rates) scores no sleep: nights.csv has an empty total sleep,
    never 0 h, and its counts as scored; the export does not fail on the null."""
    from pipeline.reports.export import export_csv
    from pipeline.scoring.night import night_score
    from pipeline.scoring.simulate import Planned, simulate_track

    plan = [Planned(2.0 + 6.0 * k, 2.0, "left") for k in range(5)]
    track, _ = simulate_track(plan, 40.0, 15.0, seed=4)
    clip = night_score(track)
    assert clip.summary["recording"] == "clip" and clip.summary["total_sleep_s"] is None
    paths = export_csv([NightRecord(1, LABEL, dt.date(2024, 5, 1), clip)], tmp_path)
    row = pd.read_csv(paths["nights"]).iloc[0]
    assert math.isnan(row["total_sleep_h"])
    assert row["lms"] == clip.summary["counts"]["lm"] and row["recording_h"] == 0.01  # 40 s
