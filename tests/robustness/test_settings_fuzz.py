"""Settings that cannot wipe a night: hostile settings files against every setting, through
the real ``legmove rescore``.

Before, ``{"onset_k": NaN}`` was accepted: LMs dropped to 0, every episode went, the good
result was overwritten and NaN was stored as null, after which the night could not be
re-scored or analysed again. ``Infinity`` gave an error naming neither file nor setting, a
300-digit integer an OverflowError traceback, a deeply nested array a RecursionError
traceback. Now every value is checked against its setting's range before anything is
computed or stored: a refusal names the file, the setting, the value and the allowed range,
and leaves the night exactly as it was; an accepted value gives a valid result.

The hypothesis tests are derandomized (the same examples on every run).
"""

from __future__ import annotations

import json
import math
from dataclasses import fields
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from pipeline.cli.app import app
from pipeline.errors import SettingsError
from pipeline.scoring.simulate import simulate_track
from pipeline.settings import Settings, setting_range
from pipeline.settings_file import SETTINGS_FILE_MAX_BYTES
from pipeline.store.db import Store
from tests.helpers.nights import simulated_plan
from tests.helpers.video import make_video  # noqa: E402

FIELDS = [f for f in fields(Settings)]
#: values no setting can take, as JSON text (nesting deep enough to exhaust the parser)
HOSTILE = [
    "NaN",
    "Infinity",
    "-Infinity",
    "1e400",
    "-1e400",
    "1e308",
    "-1e308",
    "0",
    "-1",
    "-0.5",
    "9" * 300,
    "-" + "9" * 5000,
    "1e-320",
    "2.5",
    '"6"',
    "null",
    "true",
    "[1]",
    '{"value": 1}',
    "[" * 5000 + "]" * 5000,
    '{"a": ' * 3000 + "1" + "}" * 3000,
]


def _strict(text: str) -> object:
    """JSON as the standard has it: NaN and Infinity are not JSON."""

    def refuse(name: str) -> object:
        raise ValueError(f"{name} in JSON output")

    return json.loads(text, parse_constant=refuse)


def _rescore(data: Path, *args: str | Path) -> tuple[int, str]:
    res = CliRunner().invoke(app, ["rescore", "1", "--data", str(data), *map(str, args)])
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
    assert "Traceback" not in res.output
    return res.exit_code, " ".join(res.output.split())  # rich wraps long lines


def _state(store: Store) -> tuple:
    """Everything a re-score could change about night 1."""
    night, result = store.get_night(1), store.result(1)
    return (
        night.settings,
        night.analysed,
        night.status,
        json.dumps(result.summary, sort_keys=True, default=str),
        result.events.to_csv(),
        result.episodes.to_csv(),
        [(r.kind, r.start_s, r.verdict, r.unmatched) for r in store.reviews(1)],
    )


@pytest.fixture(scope="module")
def night(tmp_path_factory) -> Store:
    """A scored night in a store: simulated tracks with PLM series, a review on an episode."""
    tmp = tmp_path_factory.mktemp("settings")
    video = make_video(tmp / "v.mp4", n_frames=90)
    store = Store(tmp / "data")
    res = CliRunner().invoke(
        app,
        ["night", "add", str(video), "--label", "Mila", "--date", "2024-05-01", "--no-analyze"]
        + ["--data", str(store.data_dir)],
    )
    assert res.exit_code == 0, res.output
    plan = simulated_plan(3, duration_s=900.0, settle_s=200.0, n_series=1)
    track, _ = simulate_track([p for p in plan if p.start_s + p.duration_s < 890], 900.0, 10.0)
    track.save(store.tracks_file(1))
    assert _rescore(store.data_dir)[0] == 0
    store.add_review(1, 1, "confirm", note="kicks")
    return store


@st.composite
def _file_value(draw: st.DrawFn) -> tuple[str, str]:
    """(setting, JSON text of its value): hostile, or a valid number inside its range."""
    f = draw(st.sampled_from(FIELDS))
    lo, hi = setting_range(f.name)
    if draw(st.booleans()):
        return f.name, draw(st.sampled_from(HOSTILE))
    if f.metadata["integer"]:
        return f.name, str(draw(st.integers(int(math.ceil(lo)), int(hi))))
    x = draw(st.one_of(st.just(lo), st.just(hi), st.floats(lo, hi, allow_nan=False)))
    return f.name, repr(float(x))


@settings(
    max_examples=80,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=_file_value(), defaults=st.booleans())
def test_a_settings_file_is_refused_with_file_and_setting_or_scores_validly(
    night, tmp_path, case, defaults
):
    name, value = case
    path = tmp_path / f"{name}.json"
    path.write_text(f'{{"{name}": {value}}}')
    before = _state(night)
    code, out = _rescore(night.data_dir, "--settings", path, *(["--defaults"] if defaults else []))
    if code != 0:
        assert code == 2, out
        assert str(path) in out, f"the refusal names the file: {out}"
        assert name in out, f"and the setting: {out}"
        assert _state(night) == before, "a refused re-score leaves the night as it was"
        return
    # accepted: a number in the setting's range, stored as given, and a valid result
    lo, hi = setting_range(name)
    x = float(value)
    assert math.isfinite(x) and lo <= x <= hi
    stored = night.settings(1)
    assert getattr(stored, name) == x
    if defaults:
        assert stored == Settings().replace(**{name: getattr(stored, name)})
    result = night.result(1)
    _strict(json.dumps(result.summary, default=str))  # no NaN or Infinity anywhere
    assert all(isinstance(v, int) and v >= 0 for v in result.summary["counts"].values())
    assert night.integrity_check() == "ok"


@pytest.mark.parametrize(
    "text, says",
    [
        ("x" * (SETTINGS_FILE_MAX_BYTES + 1), "too large for a settings file"),
        ('{"onset_k": 8.0', "not valid JSON"),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ('{"no_such_setting": 1}', "unknown settings: no_such_setting"),
        ("[6.0]", "must be a JSON object"),
        ("", "not valid JSON"),
    ],
)
def test_a_broken_settings_file_is_refused_naming_the_file(night, tmp_path, text, says):
    path = tmp_path / "settings.json"
    path.write_text(text)
    before = _state(night)
    code, out = _rescore(night.data_dir, "--settings", path)
    assert code == 2 and str(path) in out and says in out, out
    assert _state(night) == before


def test_not_a_text_file_and_no_such_file_are_refused(night, tmp_path):
    binary = tmp_path / "settings.bin"
    binary.write_bytes(bytes(range(256)))
    for path, says in ((binary, "not a text file"), (tmp_path / "none.json", "cannot read")):
        code, out = _rescore(night.data_dir, "--settings", path)
        assert code == 2 and str(path) in out and says in out, out


def test_defaults_is_the_way_back_and_an_empty_file_keeps_the_overrides(night, tmp_path):
    changed = tmp_path / "changed.json"
    changed.write_text('{"onset_k": 8.0, "episodes_max": 5}')
    assert _rescore(night.data_dir, "--settings", changed)[0] == 0
    empty = tmp_path / "empty.json"
    empty.write_text("{}")
    assert _rescore(night.data_dir, "--settings", empty)[0] == 0
    assert night.settings(1).onset_k == 8.0, "{} changes nothing: the overrides stay"
    assert _rescore(night.data_dir, "--defaults")[0] == 0
    assert night.settings(1) == Settings()
    assert night.result(1).summary["settings"] == Settings().to_dict()
    (review,) = night.reviews(1)
    assert review.note == "kicks", "reviews survive every re-score"


def test_nan_cannot_be_stored_at_all(night):
    with pytest.raises(SettingsError, match="onset_k"):
        night.set_settings(1, {"onset_k": float("nan")})
    with pytest.raises(SettingsError, match="epoch_s"):
        night.set_settings(1, Settings().to_dict() | {"epoch_s": float("inf")})
    assert "NaN" not in json.dumps(night.get_night(1).settings)


def test_a_night_whose_stored_settings_are_refused_can_go_back_to_the_defaults(night):
    # a database written before the settings were checked: NaN was stored as null
    with night.transaction() as con:
        con.execute("UPDATE nights SET settings_json = ? WHERE id = 1", ('{"onset_k": null}',))
    before = _state(night)
    code, out = _rescore(night.data_dir)
    assert code == 2 and "setting onset_k" in out and "--defaults" in out, out
    assert _state(night) == before
    # analysing it again is refused the same way, before any decoding, and not marked failed
    res = CliRunner().invoke(
        app, ["night", "analyze", "1", "--force", "-q", "--data", str(night.data_dir)]
    )
    assert res.exit_code == 2 and "onset_k" in res.output, res.output
    assert night.get_night(1).status == "done"
    assert _rescore(night.data_dir, "--defaults")[0] == 0
    assert night.settings(1) == Settings()


def test_analyze_refuses_bad_settings_before_decoding_and_writes_strict_json(tmp_path):
    video = make_video(tmp_path / "v.mp4", n_frames=90)
    out = tmp_path / "out"
    bad = tmp_path / "nan.json"
    bad.write_text('{"onset_k": NaN}')
    res = CliRunner().invoke(
        app, ["analyze", str(video), "--out", str(out), "--settings", str(bad)]
    )
    text = " ".join(res.output.split())
    assert res.exit_code == 2 and str(bad) in text and "setting onset_k" in text, res.output
    assert not out.exists(), "nothing decoded, nothing written"
    # a results folder re-scored with an accepted file: summary.json is strict JSON
    plan = simulated_plan(4, duration_s=600.0, settle_s=120.0, n_series=1)
    track, _ = simulate_track([p for p in plan if p.start_s + p.duration_s < 590], 600.0, 10.0)
    out.mkdir()
    track.save(out / "tracks.npz")
    good = tmp_path / "good.json"
    good.write_text('{"onset_k": 100, "min_onset_motion": 1.0}')  # the largest allowed
    res = CliRunner().invoke(app, ["rescore", str(out), "--settings", str(good)])
    assert res.exit_code == 0, res.output
    summary = _strict((out / "summary.json").read_text())
    assert isinstance(summary, dict) and summary["settings"]["onset_k"] == 100
    for name in ("events", "episodes", "epochs"):
        pd.read_csv(out / f"{name}.csv")
