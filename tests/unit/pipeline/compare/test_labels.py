import pytest

from pipeline.compare.labels import LabelMap, label_rule_parse, side_of


@pytest.mark.parametrize(
    ("label", "kind", "side"),
    [
        ("LM", "lm", ""),
        ("LM left", "lm", "left"),
        ("Limb Movement (Left)", "lm", "left"),
        ("Limb movement - right", "lm", "right"),
        ("Leg Movement", "lm", ""),
        ("LM (LAT)", "lm", "left"),  # left anterior tibialis
        ("RAT", "lm", "right"),
        ("LM bilateral", "lm", "bilateral"),
        ("PLM", "plm", ""),
        ("PLM R", "plm", "right"),
        ("Periodic leg movement - left", "plm", "left"),
        ("lm/bilateral/plm_series_2", "plm", "bilateral"),  # legmove's own export
        ("lm/left", "lm", "left"),
        ("twitch/right", "twitch", "right"),
        ("long_movement/bilateral", "long_movement", "bilateral"),
        ("twitch", "twitch", ""),
        ("Sleep stage W", "wake", ""),
        ("W", "wake", ""),
        ("Sleep stage N2", "sleep", ""),
        ("N3", "sleep", ""),
        ("Sleep stage R", "sleep", ""),  # R is REM here, never the right leg
        ("REM", "sleep", ""),
        ("sleep", "sleep", ""),
        ("wake", "wake", ""),
        ("Sleep stage ?", "ignore", ""),
        ("Movement time", "ignore", ""),
        ("Arousal", "ignore", ""),
        ("Obstructive Apnea", "ignore", ""),
        ("Desaturation", "ignore", ""),
        ("Lights off", "ignore", ""),  # known to no rule
    ],
)
def test_default_map(label, kind, side):
    assert LabelMap().kind_side(label) == (kind, side)


def test_sides_from_words():
    assert side_of("EMG-LAT") == "left"
    assert side_of("left and right") == "bilateral"
    assert side_of("PLML") == "left" and side_of("LMR") == "right"
    assert side_of("Leg EMG") == ""


def test_user_rules_come_first_and_fix_a_side():
    m = LabelMap.parse(["Bein*=lm:left", "LM=ignore"])
    assert m.kind_side("Beinbewegung") == ("lm", "left")
    assert m.kind_side("beinbewegung rechts") == ("lm", "left")  # the rule's side wins
    assert m.kind_side("LM") == ("ignore", "")  # overrides the default
    assert m.kind_side("PLM") == ("plm", "")  # defaults still apply
    only = LabelMap.parse(["Bein*=lm"], defaults=False)
    assert only.kind_side("LM") == ("ignore", "") and only.kind_side("Bein R") == ("lm", "right")


@pytest.mark.parametrize("text", ["LM", "=lm", "LM=jump", "LM=lm:middle"])
def test_bad_map_rules_say_how_to_write_them(text):
    with pytest.raises(ValueError, match="--map"):
        label_rule_parse(text)
