"""The dashboard's night timeline marks where a leg's pose was not trusted (scored from motion).

A simulated night is scored by the real signal stage twice: as simulated, and with each leg's
knee and ankle made near-invisible for a known stretch (the pose model unsure) — so the
summary's ``pose_untrusted_spans`` come from :mod:`pipeline.scoring.quality`, not from the test.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pytest

from detector.track import KEYPOINT_NAMES
from pipeline.reports.export import night_first_s
from pipeline.reports.figures import UNTRUSTED_LABEL, UNTRUSTED_REASONS
from pipeline.scoring.night import NightResult, night_score
from pipeline.scoring.simulate import simulate_plan, simulate_track
from ui.plotly_figures import figure_timeline_plotly

START = dt.datetime(2024, 5, 1, 19, 30)
#: (leg, from s, to s) where the leg's knee and ankle are hidden
HIDDEN = [("left", 300.0, 420.0), ("right", 900.0, 960.0)]
#: lane positions on the timeline's y axis (tick labels name them)
LANES = {"left": "Left leg", "right": "Right leg"}


@pytest.fixture(scope="module")
def nights() -> tuple[NightResult, NightResult]:
    """(the simulated night, the same night with the legs hidden for a while)."""
    plan, duration_s = simulate_plan(0, n_blocks=3)
    track, _ = simulate_track(plan, duration_s, fps=15, seed=0)
    vis = track.visibility.copy()
    for leg, a, b in HIDDEN:
        cols = [KEYPOINT_NAMES.index(f"{leg}_{j}") for j in ("knee", "ankle")]
        vis[np.ix_((track.t_s >= a) & (track.t_s < b), cols)] = 0.05
    hidden = dataclasses.replace(track, visibility=vis)
    return night_score(track), night_score(hidden)


def _untrusted(fig) -> list:  # type: ignore[no-untyped-def]
    return [t for t in fig.data if t.name == UNTRUSTED_LABEL]


def _lane_y(fig, lane: str) -> float:  # type: ignore[no-untyped-def]
    axis = fig.layout.yaxis
    return float(axis.tickvals[list(axis.ticktext).index(lane)])


def test_the_signal_stage_reports_the_hidden_stretches(nights) -> None:
    plain, hidden = nights
    assert plain.summary["pose_untrusted_spans"] == []
    spans = hidden.summary["pose_untrusted_spans"]
    got = [(s["leg"], s["start_s"], s["end_s"], s["reason"]) for s in spans]
    assert got == [
        (leg, pytest.approx(a, abs=0.2), pytest.approx(b, abs=0.2), "visibility")
        for leg, a, b in HIDDEN
    ]


def test_untrusted_spans_are_hatched_bands_on_their_leg_lane(nights) -> None:
    _, hidden = nights
    fig = figure_timeline_plotly(hidden, START)
    bands = _untrusted(fig)
    assert len(bands) == 2  # one per leg (and reason)
    assert sum(bool(t.showlegend) for t in bands) == 1  # one legend entry
    for span in hidden.summary["pose_untrusted_spans"]:
        leg = span["leg"]
        band = next(t for t in bands if t.text.startswith(f"{leg.capitalize()} leg"))
        x = [v for v in band.x if v is not None]
        y = [v for v in band.y if v is not None]
        assert min(x) == START + dt.timedelta(seconds=span["start_s"])
        assert max(x) == START + dt.timedelta(seconds=span["end_s"])
        lane = _lane_y(fig, LANES[leg])
        assert min(y) < lane < max(y) and max(y) - min(y) < 1  # on its own lane only
        assert band.fill == "toself" and band.fillpattern.shape == "/"
        assert band.hoveron == "fills"
        assert UNTRUSTED_REASONS["visibility"] in band.text  # the hover says why
        assert "scored from motion" in band.text
    # drawn under the movements: every band trace comes before the first movement trace
    names = [t.name for t in fig.data]
    first_movement = min(i for i, n in enumerate(names) if n == "leg movement (LM)")
    assert max(i for i, n in enumerate(names) if n == UNTRUSTED_LABEL) < first_movement


def test_no_band_when_the_pose_was_trusted_throughout(nights) -> None:
    plain, _ = nights
    assert _untrusted(figure_timeline_plotly(plain, START)) == []
    assert _untrusted(figure_timeline_plotly(plain)) == []


def test_band_without_a_wall_clock_is_in_time_since_the_start(nights) -> None:
    from ui.plotly_figures import ELAPSED_ZERO

    _, hidden = nights
    bands = _untrusted(figure_timeline_plotly(hidden))
    left = next(t for t in bands if t.text.startswith("Left leg"))
    x = [v for v in left.x if v is not None]
    first = night_first_s(hidden)
    # time since the first frame from ELAPSED_ZERO (drawn h:mm), never decimal hours
    since = (min(x) - ELAPSED_ZERO).total_seconds()
    assert since == pytest.approx(HIDDEN[0][1] - first, abs=0.2)
