"""The methods paragraph is written from the settings actually used."""

from __future__ import annotations

import re

from pipeline.reports.methods import methods_references, methods_text
from pipeline.scoring.night import night_score
from pipeline.scoring.simulate import Planned, simulate_track
from pipeline.settings import SETTING_SOURCES, Settings


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


def test_night_summary_carries_methods():
    track, _ = simulate_track([Planned(30.0, 2.0, "left")], 120.0, 15, seed=1)
    s = night_score(track).summary
    assert s["methods"] == methods_text(s)
    assert "pose model simulated" in s["methods"]
    assert f"numpy {s['versions']['numpy']}" in s["methods"]
