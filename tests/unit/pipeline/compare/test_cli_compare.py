"""`legmove compare` from the command line, on hand-placed nights (tests/helpers/agreement)."""

import json

import pytest
from typer.testing import CliRunner

from pipeline.cli.app import app
from pipeline.reports.folder import night_write
from tests.helpers.agreement import hand_night, hand_reference_csv

runner = CliRunner()


def _night(tmp_path, name, plm_index=40.0, shift_s=0.0):
    folder = tmp_path / name
    night_write(hand_night(plm_index), folder)
    ref = tmp_path / f"{name}-lab.csv"
    ref.write_text(hand_reference_csv(shift_s))
    return str(folder), str(ref)


def test_one_night_with_an_estimated_offset(tmp_path):
    folder, ref = _night(tmp_path, "n1", shift_s=120.0)
    out = tmp_path / "agreement.json"
    res = runner.invoke(app, ["compare", folder, ref, "--offset-s", "auto", "--json", str(out)])
    assert res.exit_code == 0, res.output
    assert "PLMS index" in res.output and "estimated from the event trains" in res.output
    d = json.loads(out.read_text())
    # the hand counts of test_agreement.py, after the offset of 119.9 s was found
    assert d["offset"]["used_s"] == 119.9
    assert (d["lm"]["tp"], d["lm"]["fp"], d["lm"]["fn"]) == (3, 3, 2)
    assert d["plms_index_per_h"] == {
        "reference": 48.0,
        "legmove": 40.0,
        "difference": -8.0,
        "sleep_from": "the reference's hypnogram",
    }


def test_several_nights_give_the_agreement_over_them(tmp_path):
    # two nights whose legmove PLMS index is 40 and 50 against the reference's 48 both times:
    # differences -8 and +2 -> bias -3
    a = _night(tmp_path, "n1", plm_index=40.0)
    b = _night(tmp_path, "n2", plm_index=50.0)
    out = tmp_path / "agreement.json"
    res = runner.invoke(app, ["compare", *a, *b, "--json", str(out)])
    assert res.exit_code == 0, res.output
    assert "over the nights" in res.output and "Bland–Altman" in res.output
    over = json.loads(out.read_text())["over_nights"]
    assert over["n_nights"] == 2 and over["lm_pooled"]["tp"] == 6
    assert over["plms_index"]["bland_altman"]["bias"] == -3.0


def test_label_maps_and_errors(tmp_path):
    folder, _ = _night(tmp_path, "n1")
    ref = tmp_path / "german.csv"
    ref.write_text("onset,duration,label\n100.0,2.0,Beinbewegung\n190.0,1.5,Beinbewegung\n")
    res = runner.invoke(app, ["compare", folder, str(ref)])
    assert res.exit_code == 2 and "--map" in res.output  # no LM among the labels
    res = runner.invoke(app, ["compare", folder, str(ref), "--map", "Bein*=lm"])
    assert res.exit_code == 0 and "tp 2, fp 4, fn 0" in res.output
    assert runner.invoke(app, ["compare", folder]).exit_code == 2  # no reference
    res = runner.invoke(app, ["compare", str(tmp_path), str(ref)])
    assert res.exit_code == 2 and "not a results folder" in res.output
    res = runner.invoke(app, ["compare", folder, str(ref), "--offset-s", "soon"])
    assert res.exit_code == 2 and "'auto'" in res.output


def test_a_stored_night_exported_for_a_viewer_and_compared_with_it(tmp_path):
    from pipeline.store.db import Store
    from tests.helpers.seed import seed_night

    data = tmp_path / "data"
    night_id = seed_night(Store(data), in_bed="19:30")  # the clock: 1 May 2024 19:30
    events = tmp_path / "events"
    res = runner.invoke(app, ["export", "--events", str(events), "--data", str(data)])
    assert res.exit_code == 0, res.output
    stem = f"night-{night_id}_2024-05-01_events"
    assert {p.name for p in events.iterdir()} == {f"{stem}.{s}" for s in ("tsv", "json", "edf")}
    # the EDF+ starts at the night's clock time, so the comparison aligns by the clocks
    out = tmp_path / "a.json"
    pdf = tmp_path / "a.pdf"
    res = runner.invoke(
        app,
        [
            "compare",
            str(night_id),
            str(events / f"{stem}.edf"),
            "--data",
            str(data),
            "--json",
            str(out),
            "--pdf",
            str(pdf),
        ],
    )
    assert res.exit_code == 0, res.output
    d = json.loads(out.read_text())
    assert d["offset"]["how"] == "from the clocks of the video and the reference"
    assert d["offset"]["used_s"] == 0.0 and d["lm"]["f1"] == 1.0 and d["lm"]["tp"] > 10
    assert d["plm"]["reference_count"] == d["plm"]["legmove_count"]
    assert pdf.read_bytes().startswith(b"%PDF")
    # aligned to a PSG that started at 19:28: the events.tsv's onsets are 120 s later
    res = runner.invoke(
        app,
        [
            "export",
            "--events",
            str(tmp_path / "psg"),
            "--psg-start",
            "2024-05-01T19:28:00",
            "--data",
            str(data),
        ],
    )
    assert res.exit_code == 0, res.output
    a = (events / f"{stem}.tsv").read_text().splitlines()[1].split("\t")
    b = (tmp_path / "psg" / f"{stem}.tsv").read_text().splitlines()[1].split("\t")
    assert float(b[0]) - float(a[0]) == pytest.approx(120.0)
    res = runner.invoke(app, ["export", "--events", "x", "--psg-start", "7pm", "--data", str(data)])
    assert res.exit_code == 2 and "--psg-start" in res.output
