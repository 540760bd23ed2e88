"""What the reports say about the WASM rules is true to the code and to the sources."""

from __future__ import annotations

from pipeline.reports.indices_text import imi_table, index_caveats, plms_reference_note
from pipeline.reports.methods import methods_terms, methods_text
from pipeline.settings import SETTING_SOURCES, Settings


def _body_refs() -> tuple[str, str]:
    body, refs = methods_text({"settings": Settings().to_dict(), "versions": {}}).split(
        "\n\nReferences: "
    )
    return body, refs


def test_the_5_per_hour_line_is_a_reference_never_abnormal():
    body, refs = _body_refs()
    terms = dict(methods_terms(Settings().to_dict()))
    for text in (body, terms["PLMS index"], plms_reference_note({})):
        assert "abnormal" not in text
        assert "ICSD-3" in text and "no infant norms" in text
    assert "[ICSD-3]" in refs and "[AASM]" not in body.split("5/h is the PLMS")[1][:40]
    assert "video has not been validated" in body
    assert all("abnormal" not in src for src in SETTING_SOURCES.values())


def test_each_wasm_rule_is_stated_with_its_source():
    body, refs = _body_refs()
    # candidate LMs: chained pieces, more than 4 pieces, over 15 s, a piece over 10 s
    assert "chained pieces included" in body
    assert "of at most 4 one-leg movements none longer than 10 s" in body
    # the IMI < 10 s rule, and whether the next LM may open a series, as MATPLM does
    assert "an LM less than 10 s after the previous one ended the series and was no PLM" in body
    assert "the LM after it could open a new series [WASM; MATPLM]" in body
    assert "[MATPLM]" in refs and "[Ferri2006]" in refs and "[IRLSSG-LMGM]" in refs
    # the 10-90 s range is WASM's; AASM's is 5-90 s
    assert "10–90 s [WASM] (AASM: 5–90 s)" in body
    # series never bridge artifacts or stretches without video
    assert "no series bridges them" in body
    # breathing not assessed
    assert "Breathing was not recorded" in body
    # rhythmic movement: legmove's own rule, AASM's RMD asks >= 4 movements at 0.5-2 Hz
    assert "AASM's rhythmic movement disorder asks at least 4 movements at 0.5–2 Hz" in body
    assert "rhythmic movement disorder asks >=4" in SETTING_SOURCES["rhythm_min_cycles"]


def test_terms_and_the_settling_window():
    terms = dict(methods_terms(Settings(settling_window_s=1200.0).to_dict()))
    assert "typically" not in terms["Settling window"]
    assert terms["Settling window"].startswith("the 20 min before sleep onset")
    for t in ("PLMW index", "Periodicity index", "Short-interval LMs", "Large movement"):
        assert t in terms
    assert "breathing" in terms["Not assessed"]


def test_old_settings_files_with_the_renamed_reference_still_load():
    st = Settings.from_dict({"plm_index_abnormal_per_h": 3.0})
    assert st.plm_index_reference_per_h == 3.0


def test_caveats_and_imi_table():
    s = {
        "plm_series_in_wake": 2,
        "imi_histogram": {"edges_s": [1, 2, 10, None], "sleep": [3, 0, 4], "wake": [0, 1, 0]},
    }
    notes = index_caveats(s)
    assert notes[0].startswith("2 periodic series were scored while awake")
    assert "Breathing was not assessed" in notes[-1]
    t = imi_table(s)
    assert t["interval"].tolist() == ["1–2 s", "2–10 s", "≥10 s"]
    assert t["in sleep"].tolist() == [3, 0, 4] and t["awake"].tolist() == [0, 1, 0]
    assert index_caveats({}) == [notes[-1]]  # no series awake: only the breathing note
