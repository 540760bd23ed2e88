"""bench.accuracy's bout matching, on hand-made tables with known answers."""

from __future__ import annotations

import pandas as pd

from bench.accuracy import bouts_compare


def _table(rows):
    return pd.DataFrame(rows, columns=["start_s", "end_s", "frequency_hz", "pattern", "side"])


def test_a_bout_is_right_with_its_pattern_side_frequency_and_edges():
    truth = _table(
        [
            (100.0, 103.2, 2.5, "kicking", "bilateral"),
            (172.0, 174.5, 4.0, "kicking", "right"),
            (205.0, 215.7, 0.7, "cycling", "bilateral"),
        ]
    )
    found = _table(
        [
            (100.1, 103.1, 2.5, "kicking", "left"),  # one leg where both kicked: wrong
            (172.1, 174.5, 4.0, "kicking", "right"),  # right
            (205.4, 215.0, 0.69, "cycling", "bilateral"),  # right
        ]
    )
    assert bouts_compare(truth, found) == (2, 3)
    # results written before bouts.csv existed: their rhythmic events' sides are single
    # movements', so pattern, frequency and edges only
    assert bouts_compare(truth, found, sides=False) == (3, 3)
    found.loc[0, "side"] = "bilateral"
    assert bouts_compare(truth, found) == (3, 3)
    found.loc[1, "end_s"] = 177.0  # an end 2.5 s late
    assert bouts_compare(truth, found) == (2, 3)
