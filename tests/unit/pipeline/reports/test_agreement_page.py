"""The report's agreement page: the scatter and Bland–Altman figure, and the page itself."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from pipeline.compare.agreement import night_agreement
from pipeline.compare.nights import nights_agreement
from pipeline.compare.reference import reference_read
from pipeline.reports.agreement import figure_agreement
from pipeline.reports.export import NightRecord
from pipeline.reports.pdf import report_pdf
from tests.helpers.agreement import hand_night, hand_reference_csv
from tests.helpers.nights import simulated_night

X = [2.0, 4.0, 6.0, 8.0]  # reference PLMS index; legmove's Y: bias 1, limits 1 ± 1.60
Y = [3.0, 5.0, 6.0, 10.0]


@pytest.fixture(scope="module")
def agreement(tmp_path_factory):
    p = tmp_path_factory.mktemp("ref") / "lab.csv"
    p.write_text(hand_reference_csv())
    one = night_agreement(hand_night(), reference_read(p), "hand")
    nights = [
        dataclasses.replace(one, name=f"night {i}", plms_index=(x, y))
        for i, (x, y) in enumerate(zip(X, Y, strict=True), start=1)
    ]
    return nights_agreement(nights)


def test_the_figure_draws_each_night_and_the_limits(agreement):
    fig = figure_agreement(agreement)
    FigureCanvasAgg(fig).draw()
    scatter, ba = fig.axes
    pairs = list(zip(X, Y, strict=True))
    assert scatter.collections[0].get_offsets().tolist() == [[x, y] for x, y in pairs]
    # Bland–Altman: the mean of the two indices against legmove − reference
    want = [[(x + y) / 2, y - x] for x, y in pairs]
    assert ba.collections[0].get_offsets().tolist() == want
    levels = sorted(round(line.get_ydata()[0], 3) for line in ba.get_lines())
    sd = (2 / 3) ** 0.5
    assert levels == [round(1 - 1.96 * sd, 3), 0.0, 1.0, round(1 + 1.96 * sd, 3)]
    assert "ICC(A,1) = 0.91" in scatter.get_title()  # 88/97


def test_the_report_gains_the_page(tmp_path, agreement):
    rec = NightRecord(1, "Mila", dt.date(2026, 11, 27), simulated_night(0, n_series=1))

    def pages(path):
        return len(re.findall(rb"/Type\s*/Page\b", path.read_bytes()))

    plain = report_pdf([rec], [], tmp_path / "plain.pdf")
    with_page = report_pdf([rec], [], tmp_path / "agreement.pdf", agreement=agreement)
    assert pages(with_page) == pages(plain) + 1
