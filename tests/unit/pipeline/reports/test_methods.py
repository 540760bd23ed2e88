"""The methods paragraph is written from the settings actually used."""

from __future__ import annotations

import dataclasses
import json
import re

from pipeline.reports.folder import night_write
from pipeline.reports.methods import methods_references, methods_terms, methods_text
from pipeline.reports.pdf_content import methods_paragraph
from pipeline.scoring.night import night_score
from pipeline.scoring.simulate import Planned, simulate_track
from pipeline.settings import REFERENCES, SETTING_SOURCES, Settings, setting_range


def test_every_cited_source_has_a_reference():
    refs = methods_references()
    tags = {t for note in SETTING_SOURCES.values() for t in re.findall(r"\[([^\]]+)\]", note)}
    assert tags - {"video"} <= set(refs)
    assert "Ferri" in refs["WASM"] and "Webster" in refs["Webster"]


def test_text_follows_the_settings_used():
    st = Settings(plm_min_interval_s=12.0, epoch_s=30.0, sleep_onset_min_s=300.0)
    text = methods_text({"settings": st.to_dict(), "versions": {"legmove": "9.9"}})
    assert "12–90 s" in text
    assert "30-s epochs" in text
    assert "at least 300 s" in text
    assert "legmove 9.9" in text
    default = methods_text({"settings": Settings().to_dict(), "versions": {}})
    assert "10–90 s" in default and "15-s epochs" in default and "at least 120 s" in default


def test_rules_sources_and_disclaimer():
    text = methods_text({"settings": {}, "versions": {}})  # an old result: defaults assumed
    for phrase in (
        "PLM series",
        "PLMS index",
        "periodicity index",
        "Sleep onset",
        "awakening",
        "Sleep efficiency",
        "Artifact spans",
        "Episodes flagged",
        "not a diagnosis",
    ):
        assert phrase in text, phrase
    body, refs = text.split("\n\nReferences: ")
    for tag in ("AASM", "WASM", "Galland", "Cole", "Webster", "Tudor-Locke"):
        assert f"[{tag}" in body or f"; {tag}" in body, tag
        assert f"[{tag}]" in refs, tag
    assert "[video]" not in refs and "adapted to video" in body


def test_scoring_writes_no_prose_and_the_results_folder_carries_the_methods(tmp_path):
    track, _ = simulate_track([Planned(30.0, 2.0, "left")], 120.0, 15, seed=1)
    result = night_score(track)
    assert "methods" not in result.summary  # scoring knows no prose
    night_write(result, tmp_path)
    written = json.loads((tmp_path / "summary.json").read_text())
    assert written["methods"] == methods_text(result.summary)
    assert "pose model simulated" in written["methods"]
    assert f"numpy {written['versions']['numpy']}" in written["methods"]
    assert methods_paragraph(result.summary) == written["methods"]  # the PDF's text is the same


def test_every_setting_has_a_source_and_a_range():
    for f in dataclasses.fields(Settings):
        source = f.metadata.get("source", "")
        assert re.match(r"\[[^\]]+\]", source), f"{f.name} has no source tag: {source!r}"
        for tag in re.findall(r"\[([^\]]+)\]", source):
            assert tag in REFERENCES, f"{f.name} cites [{tag}], which REFERENCES lacks"
        lo, hi = setting_range(f.name)
        assert lo <= f.default <= hi, f.name
    assert set(SETTING_SOURCES) == {f.name for f in dataclasses.fields(Settings)}


def test_terms_follow_the_settings_used():
    terms = dict(methods_terms(Settings(lm_min_s=0.6, rhythm_min_cycles=4.0).to_dict()))
    assert terms["Twitch"].startswith("movement shorter than 0.6 s")
    assert terms["Rhythmic"].startswith("4 or more regular cycles of leg movement")
