"""The pediatrician's PDF report, rendered to images with poppler (pdftoppm) and read back
as text (pdftotext): page count, and each night's key numbers on the pages they belong to."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from pipeline.reports.export import NightRecord, Note
from pipeline.reports.pdf import report_pdf
from tests.helpers.nights import LABEL, awake_night, simulated_night

pytestmark = pytest.mark.skipif(
    shutil.which("pdftoppm") is None or shutil.which("pdftotext") is None,
    reason="poppler-utils (pdftoppm, pdftotext) not installed: apt-get install poppler-utils",
)

START = dt.datetime(2025, 3, 3, 19, 40, 0)


@pytest.fixture(scope="module")
def nights() -> list[NightRecord]:
    r1 = simulated_night(0, n_series=3)
    r2 = simulated_night(1, n_series=1)
    eps = r1.episodes
    assert len(eps) >= 3
    reviews = pd.DataFrame(
        {
            "start_s": [eps["start_s"].iloc[1], eps["start_s"].iloc[2], 10.0],
            "end_s": [eps["end_s"].iloc[1], eps["end_s"].iloc[2], 20.0],
            "kind": [eps["kind"].iloc[1], eps["kind"].iloc[2], "rhythmic_movement"],
            "verdict": ["reject", "confirm", "confirm"],
            "note": ["blanket tucked", "kicking hard — Zoë's sister saw it", "old one"],
            "matched": [True, True, False],
        }
    )
    return [
        NightRecord(11, LABEL, dt.date(2025, 3, 3), r1, reviews, start_time=START),
        NightRecord(12, LABEL, dt.date(2025, 3, 4), r2),  # start time unknown
        NightRecord(13, LABEL, dt.date(2025, 3, 5), awake_night()),  # no sleep scored
    ]


NOTES = [
    Note(dt.date(2025, 3, 4), "iron supplement started (ferrous sulfate 3 mg/kg)"),
    Note(dt.date(2025, 3, 3), "warm bath before bed", night_id=11),
]


def _text(pdf: Path, page: int) -> str:
    out = subprocess.run(
        ["pdftotext", "-layout", "-f", str(page), "-l", str(page), str(pdf), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return " ".join(out.split())  # one line, single spaces


@pytest.fixture(scope="module")
def report(nights, tmp_path_factory) -> tuple[Path, list[Path]]:
    out = tmp_path_factory.mktemp("report")
    pdf = report_pdf(nights, NOTES, out / "report.pdf")
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(pdf), str(out / "page")], check=True)
    return pdf, sorted(out.glob("page-*.png"))


def test_pdf_is_written_atomically(report):
    pdf, _ = report
    assert pdf.read_bytes().startswith(b"%PDF-")
    assert [p.name for p in pdf.parent.iterdir() if p.suffix == ".tmp"] == []


def _sections(texts: list[str], n_nights: int) -> tuple[int, int]:
    """Check the page order and return (episode pages, methods pages)."""
    assert "Report for the pediatrician" in texts[0]
    for i in range(n_nights):
        assert texts[1 + i].startswith("Night of "), (i, texts[1 + i][:80])
    # the episodes the night pages had no room for (none: no such section)
    has_episodes = texts[1 + n_nights].startswith("Flagged episodes to watch")
    methods = [i for i, t in enumerate(texts) if t.startswith("Methods")]
    assert len(methods) == 1 and methods[0] >= 1 + n_nights + int(has_episodes)
    rest = texts[1 + n_nights + int(has_episodes) :]
    assert not any(t.startswith(("Night of", "Flagged episodes", "Leg movements")) for t in rest)
    return methods[0] - 1 - n_nights, len(texts) - methods[0]


def test_page_count_and_sections(report, nights):
    pdf, pngs = report
    n = len(nights)
    texts = [_text(pdf, i + 1) for i in range(len(pngs))]
    episode_pages, methods_pages = _sections(texts, n)
    # 1 summary page, 1 page per night, the episodes section, the methods section
    assert episode_pages >= 1 and methods_pages >= 1
    assert len(pngs) == 1 + n + episode_pages + methods_pages
    for i, night in enumerate(nights):
        assert f"Night of {night.date:%a} {night.date.day} {night.date:%b %Y}" in texts[1 + i]
    for t in texts:  # the screening statement on every page
        assert "screening aid, not a diagnosis" in t.lower()
        assert f"of {len(pngs)}" in t  # page i of N
    import matplotlib.image as mpimg

    for png in pngs:  # every page really renders, and is not blank
        img = mpimg.imread(png)
        assert img.shape[0] > img.shape[1] > 300  # A4 portrait at 50 dpi
        assert (img[..., :3] < 0.9).any(axis=-1).mean() > 0.002  # a short last page has ~0.8 % ink


def _expected(night: NightRecord) -> dict[str, str]:
    s = night.result.summary
    onset = s["sleep_onset_s"]
    if onset is None:
        clock = "no sleep"
    elif night.start_time is not None:
        clock = (night.start_time + dt.timedelta(seconds=onset)).strftime("%H:%M")
    else:
        minutes = int(round(onset)) // 60
        clock = f"+{minutes // 60}:{minutes % 60:02d}"
    idx = s["plm_index_per_h"]
    return {
        "plms_index": "—" if idx is None else f"{idx:.1f}",
        "lms_asleep": str(s["counts"]["lm_in_sleep"]),
        "lms_settling": str(s["counts"]["lm_settling_window"]),
        "onset": clock,
    }


def test_key_numbers_on_summary_and_night_pages(report, nights):
    pdf, _ = report
    page1 = _text(pdf, 1)
    assert LABEL in page1  # Unicode name survives (DejaVu font)
    assert "3 Mar 2025 – 5 Mar 2025" in page1
    # the 5/h line is a reference from about 5 years (ICSD-3), never "abnormal"
    assert "5/h" in page1 and "ICSD-3" in page1 and "not a diagnosis" in page1
    assert "abnormal" not in page1
    assert "iron supplement started" in page1 and "warm bath" in page1
    for i, night in enumerate(nights):
        e = _expected(night)
        # the summary table's row of this night: date, onset ... PLMS index
        row = f"{night.date:%a} {night.date.day} {night.date:%b %Y} {e['onset']}"
        assert row in page1, (row, page1)
        assert e["plms_index"] in page1
        page = _text(pdf, 2 + i)
        for key, value in e.items():
            assert value in page, (night.night_id, key, value, page)
        assert f"night {night.night_id}" in page
    # a night with sleep: the PLMS index is in the first key box, with its reference
    page2 = _text(pdf, 2)
    assert f"{_expected(nights[0])['plms_index']} /h sleep" in page2
    assert "warm bath before bed" in page2  # the note of that night


def test_episodes_listed_confirmed_first_and_earlier_reviews_kept(report, nights):
    pdf, pngs = report
    n = len(nights)
    methods = next(p for p in range(1, len(pngs) + 1) if _text(pdf, p).startswith("Methods"))
    pages = [_text(pdf, p) for p in range(2, methods)]  # the night pages and the episodes
    assert pages[n].startswith("Flagged episodes to watch")  # rejected and earlier ones
    # the first night: its own page lists what may be what was flagged, the rest follows
    first_night = pages[0] + " " + pages[n].split("Night of Tue 4 Mar 2025")[0]
    words = ("looks like it", "not reviewed", "not a leg movement", "earlier")
    pos = [first_night.find(w) for w in words]
    assert -1 not in pos and pos == sorted(pos), pos
    assert "not a leg movement" not in pages[0].split("Why it was flagged")[-1]
    text = " ".join(pages)
    # (a note wrapped over lines in its table cell comes out in pieces)
    assert "kicking hard — Zoë's" in first_night and "sister saw it" in first_night
    assert "blanket tucked" in first_night
    assert "old one" in first_night  # the unmatched review is shown, not dropped
    # every episode of every night is listed once, with its reason (two nights' reasons may
    # begin alike: count each beginning as often as the nights have it), on the night's clock
    from collections import Counter

    from pipeline.reports.clock import reason_clocked

    want = Counter(
        reason_clocked(r, night.start_time)[:25]
        for night in nights
        for r in night.result.episodes["reason"]
    )
    for start, times in want.items():
        assert text.count(start) == times, start
    if len(nights[2].result.episodes) == 0:
        assert "Nothing flagged for review this night." in pages[2]
        assert "Night of Wed 5 Mar 2025" not in pages[n]


def test_methods_page_uses_the_summary_methods(report, nights):
    pdf, pngs = report
    texts = [_text(pdf, p + 1) for p in range(len(pngs))]
    start = next(i for i, t in enumerate(texts) if t.startswith("Methods"))
    methods = " ".join(texts[start:])
    expected = nights[0].result.summary.get("methods")
    if expected:
        assert " ".join(expected.split())[:60] in methods
    else:
        assert "10–90 s" in methods
    assert "PLMS index PLMs during sleep per hour of sleep. 5/h is the reference used" in methods
    assert "PLMW index" in methods and "abnormal" not in methods


def test_one_night_report(tmp_path, nights):
    pdf = report_pdf(nights[1:2], [], tmp_path / "one.pdf")
    text = _text(pdf, 1)
    assert "1 night," in text and "4 Mar 2025" in text
    subprocess.run(["pdftoppm", "-r", "20", "-png", str(pdf), str(tmp_path / "p")], check=True)
    n_pages = len(list(tmp_path.glob("p-*.png")))
    texts = [_text(pdf, p + 1) for p in range(n_pages)]
    episode_pages, methods_pages = _sections(texts, 1)
    # the night page (three rows of indices, the timeline, the IMI histogram) lists its most
    # important episode; the episodes section only the others: no episode is listed twice
    night_page = texts[1]
    assert "Why it was flagged" in night_page and "The 1 most important below" in night_page
    assert episode_pages <= 1 and n_pages == 1 + 1 + episode_pages + methods_pages
    whole = " ".join(texts)
    for reason in nights[1].result.episodes["reason"]:
        assert whole.count(reason[:25]) == 1, reason
    # the methods' last page is not a few lines of references left over: it carries the
    # methods text itself, the references after it
    last = texts[-1].split("legmove — a screening aid")[0]
    assert methods_pages <= 2 and len(last) > 2000
    assert last.find("[ICSD-3] American Academy") > last.find("The PLMS index is PLMs") >= 0
    with pytest.raises(ValueError, match="no nights"):
        report_pdf([], [], tmp_path / "none.pdf")
    assert not (tmp_path / "none.pdf").exists()


def test_rendered_page_one_for_a_look(report):
    """Keep page 1 at a readable resolution beside the PDF (for a person to look at)."""
    pdf, _ = report
    subprocess.run(
        ["pdftoppm", "-r", "90", "-png", "-f", "1", "-l", "2", str(pdf), str(pdf.parent / "look")],
        check=True,
    )
    assert len(list(pdf.parent.glob("look-*.png"))) == 2


def test_a_clip_is_shown_as_a_clip_and_left_out_of_the_medians(nights, tmp_path):
    """Two nights and a 40-s clip: the summary's medians are the two nights' (a clip is not a
    night), the table lists the clip as a clip, and the clip has a page of its own with its
    movements and no sleep or rates."""
    from pipeline.scoring.night import night_score
    from pipeline.scoring.simulate import Planned, simulate_track

    plan = [Planned(2.0 + 6.0 * k, 2.0, "left") for k in range(5)]
    plan.append(Planned(32.0, 4.0, "bilateral", "kicking", 1.5, 0.2))
    track, _ = simulate_track(plan, 40.0, 15.0, seed=4)
    clip = NightRecord(14, LABEL, dt.date(2025, 3, 6), night_score(track))
    two = nights[:2]
    pdf = report_pdf([*two, clip], NOTES, tmp_path / "with_clip.pdf")
    page1 = _text(pdf, 1)
    assert "2 nights and 1 clip" in page1
    assert "clip" in page1 and "40 s video" in page1 and "not counted in the medians" in page1
    idx = [n.result.summary["plm_index_per_h"] for n in two]
    median = sorted(idx)[0] + (sorted(idx)[1] - sorted(idx)[0]) / 2  # the median of two
    assert f"{median:.1f} /h sleep" in page1 and "2 of 2" in page1  # the clip is not a night
    texts = [_text(pdf, p) for p in range(2, 5)]
    clip_page = next(t for t in texts if t.startswith("Clip of "))
    assert "clip: counts, not rates" in clip_page and "Movements in the clip" in clip_page
    assert "rhythmic kicking 1.5 Hz" in clip_page
    assert "Asleep at" not in clip_page and "PLMS index" not in clip_page
    alone = _text(report_pdf([clip], [], tmp_path / "clip_only.pdf"), 1)
    assert "0 nights and 1 clip" in alone
