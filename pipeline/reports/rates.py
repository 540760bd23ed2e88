"""Whether a night's per-hour rates can be read as rates, and the words that say so.

A PLMS index is PLMs per hour of sleep. From a few minutes of sleep it is a count blown up:
5 PLMs in 5 minutes of sleep make "57/h", which says nothing about an hour, let alone a night.
Below ``rate_min_sleep_s`` of sleep (a setting: 60 min by default, legmove's own rule — with
less, one shortest PLM series of ``plm_min_count`` LMs alone makes an index above 4/h, near the
5/h reference used from about 5 years) every report shows the rate greyed with
:data:`TOO_LITTLE_SLEEP` and never compares it with the reference; counts stay counts,
labelled as counts.

:func:`rate_reliable` and :func:`rate_caveat` read only the night's summary (its total sleep
and the settings it was scored with), so the dashboard, the CSV and JSON exports and the PDF
say the same thing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pipeline.reports.methods import scored_settings

__all__ = [
    "TOO_LITTLE_SLEEP",
    "plms_index_words",
    "plural",
    "rate_caveat",
    "rate_min_sleep_s",
    "rate_reliable",
]

#: what a report says beside a rate from too little sleep
TOO_LITTLE_SLEEP = "too little sleep for a reliable rate"


def plural(n: int | float, one: str, many: str | None = None) -> str:
    """``1 awakening``, ``2 awakenings``, ``0 awakenings`` (``many`` when not ``one + 's'``)."""
    word = one if n == 1 else (many or f"{one}s")
    return f"{n:g} {word}" if isinstance(n, float) else f"{n} {word}"


def rate_min_sleep_s(summary: Mapping[str, Any]) -> float:
    """The least sleep (s) a per-hour rate needs, from the settings the night was scored with."""
    return float(scored_settings(summary)["rate_min_sleep_s"])


def rate_reliable(summary: Mapping[str, Any]) -> bool:
    """True when the night has at least :func:`rate_min_sleep_s` of sleep."""
    return float(summary.get("total_sleep_s") or 0.0) >= rate_min_sleep_s(summary)


def rate_caveat(summary: Mapping[str, Any]) -> str | None:
    """None for a night with enough sleep; else the caveat in words, e.g. "too little sleep
    for a reliable rate: 5 min asleep, a rate needs at least 60 min"."""
    if rate_reliable(summary):
        return None
    slept = float(summary.get("total_sleep_s") or 0.0)
    need = rate_min_sleep_s(summary)
    return (
        f"{TOO_LITTLE_SLEEP}: {round(slept / 60)} min asleep, a rate needs at least "
        f"{need / 60:g} min"
    )


def _reference_per_h(summary: Mapping[str, Any]) -> float:
    st = scored_settings(summary)
    return float(st.get("plm_index_reference_per_h", st.get("plm_index_abnormal_per_h", 5.0)))


def plms_index_words(summary: Mapping[str, Any]) -> tuple[str, str, str]:
    """(value, what it means, how to show it) of a night's PLMS index: ``("57.1", "too little
    sleep for a reliable rate: 5 min asleep, ...", "muted")``, ``("12.0", "above the 5/h
    reference used from about 5 years (no infant norms)", "alert")``, ``("2.0", "within the
    5/h reference used from about 5 years (no infant norms)", "plain")`` or ``("—", "no sleep
    scored", "muted")``. The reference is the one for children from about 5 years (ICSD-3,
    :func:`pipeline.reports.indices_text.plms_reference_note`): never "abnormal" for an infant."""
    plmi = summary.get("plm_index_per_h")
    if plmi is None:
        return "—", "no sleep scored", "muted"
    value = f"{float(plmi):.1f}"
    caveat = rate_caveat(summary)
    if caveat is not None:
        return value, caveat, "muted"
    ref = _reference_per_h(summary)
    side, look = ("above", "alert") if float(plmi) > ref else ("within", "plain")
    return value, f"{side} the {ref:g}/h reference used from about 5 years (no infant norms)", look
