"""A hand-placed night and an expert's scoring of it, with the agreement worked out by hand
(tests/unit/pipeline/compare/test_agreement.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.scoring.night import NightResult
from pipeline.settings import Settings

__all__ = ["hand_night", "hand_reference_csv"]

#: legmove's events: (start_s, duration_s, kind, side, plm_series)
HAND_EVENTS = [
    (100.4, 1.8, "lm", "left", 1),
    (131.5, 1.0, "lm", "right", 1),
    (159.2, 3.0, "lm", "bilateral", 1),
    (190.1, 1.5, "lm", "right", 1),
    (250.1, 0.6, "lm", "left", None),
    (260.0, 0.2, "twitch", "right", None),
    (500.0, 2.0, "lm", "left", None),
]

#: the expert's scoring: onset, duration, label; hypnogram W 0-60, N2 60-360, W 360-600
HAND_REFERENCE = """onset,duration,label
0,60,W
60,300,N2
360,240,W
100.0,2.0,LM left
130.0,1.0,LM right
160.0,3.0,LM bilateral
190.0,1.5,LM left
400.0,1.0,LM right
250.0,0.3,LM left
260.0,0.2,Twitch
"""


def hand_night(plm_index_per_h: float = 40.0) -> NightResult:
    """600 s; legmove asleep 75-360 s (19 epochs of 15 s), its PLMS index as given."""
    rows = []
    for start, dur, kind, side, series in HAND_EVENTS:
        rows.append(
            {
                "start_s": start,
                "end_s": round(start + dur, 3),
                "duration_s": dur,
                "kind": kind,
                "side": side,
                "rhythmic": False,
                "pattern": "",
                "frequency_hz": np.nan,
                "plm_series": series,
                "state": "sleep" if 75 <= start < 360 else "wake",
                "source": "pose",
            }
        )
    events = pd.DataFrame(rows)
    events["plm_series"] = events["plm_series"].astype("Int64")
    starts = np.arange(0.0, 600.0, 15.0)
    epochs = pd.DataFrame(
        {
            "start_s": starts,
            "end_s": starts + 15.0,
            "activity": np.where((starts >= 75) & (starts < 360), 0.0, 0.5),
            "state": np.where((starts >= 75) & (starts < 360), "sleep", "wake"),
        }
    )
    summary = {
        "duration_s": 600.0,
        "sleep_onset_s": 75.0,
        "total_sleep_s": 285.0,
        "plm_index_per_h": plm_index_per_h,
        "counts": {"plm": 4, "lm": 6, "twitch": 1},
        "settings": Settings().to_dict(),
    }
    return NightResult(events, epochs, pd.DataFrame(columns=["start_s", "end_s", "kind"]), summary)


def hand_reference_csv(shift_s: float = 0.0) -> str:
    """:data:`HAND_REFERENCE` with every time moved by ``shift_s`` (a PSG started earlier)."""
    lines = HAND_REFERENCE.strip().splitlines()
    out = [lines[0]]
    for line in lines[1:]:
        onset, rest = line.split(",", 1)
        out.append(f"{float(onset) + shift_s:g},{rest}")
    return "\n".join(out) + "\n"
