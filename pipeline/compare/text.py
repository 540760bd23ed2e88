"""The agreement in words: (measure, what was found) rows for the terminal and the PDF."""

from __future__ import annotations

from pipeline.compare.agreement import NightAgreement
from pipeline.compare.match import Comparison
from pipeline.compare.nights import NightsAgreement

__all__ = ["night_rows", "nights_rows", "prf"]


def prf(c: Comparison) -> str:
    """'P 0.92 · R 0.88 · F1 0.90 (tp 45, fp 4, fn 6)'."""
    return (
        f"P {c.precision:.2f} · R {c.recall:.2f} · F1 {c.f1:.2f} (tp {c.tp}, fp {c.fp}, fn {c.fn})"
    )


def _num(x: float | None, unit: str = "", nd: int = 1) -> str:
    return "—" if x is None else f"{x:.{nd}f}{unit}"


def night_rows(a: NightAgreement) -> list[tuple[str, str]]:
    """One night's agreement as (measure, finding) rows."""
    est = a.estimate
    est_text = (
        "no estimate (no LM onsets pair up)"
        if est.offset_s is None
        else f"estimate {est.offset_s:+.1f} s with {est.matched} LMs paired"
        + (" (ambiguous)" if est.ambiguous else "" if est.reliable else " (weak)")
    )
    rows = [
        ("reference", f"{a.reference} ({a.layout})"),
        ("offset", f"{a.offset_s:+.1f} s, {a.offset_how}; {est_text}"),
        ("LMs", f"{prf(a.lm)}, onsets within ±{a.tolerance_s:g} s"),
    ]
    if a.lm_onset_bias_s is not None:
        later = "reference later" if a.lm_onset_bias_s > 0 else "reference earlier"
        rows.append(("LM onset difference", f"median {a.lm_onset_bias_s:+.2f} s ({later})"))
    for leg, c in a.sides.items():
        rows.append((f"LMs, {leg} leg", prf(c)))
    if a.side_agreement is not None:
        rows.append(("same side", f"{a.side_agreement:.0%} of the matched LMs"))
    t = a.twitch
    if t["reference_count"]:
        rows.append(
            (
                f"twitches (< {t['shorter_than_s']:g} s)",
                f"{t['reference_count']} in the reference: {t['legmove_as_lm']} counted as LMs "
                f"({t['share_as_lm']:.0%}), {t['legmove_as_twitch']} as twitches, "
                f"{t['legmove_none']} not found",
            )
        )
    ref_n, lm_n = a.plm_counts
    rows.append(("PLMs", f"reference {ref_n}, legmove {lm_n}; {prf(a.plm)}"))
    s = a.series
    rows.append(
        (
            "PLM series",
            f"reference {s['reference']}, legmove {s['legmove']}, {s['matched']} overlapping "
            f"(reference's series: {s['reference_from']})",
        )
    )
    ri, li = a.plms_index
    diff = "" if ri is None or li is None else f", difference {li - ri:+.1f}/h"
    rows.append(
        (
            "PLMS index",
            f"reference {_num(ri, '/h')}, legmove {_num(li, '/h')}{diff} "
            f"(reference's sleep: {a.sleep_source})",
        )
    )
    for st, c in a.by_state.items():
        rows.append((f"LMs in {st}", prf(c)))
    sw = a.sleep_wake
    if sw is not None:
        kappa = "—" if sw["kappa"] is None else f"{sw['kappa']:.2f}"
        rows.append(
            (
                "sleep/wake epochs",
                f"accuracy {sw['accuracy']:.2f}, kappa {kappa} over {sw['epochs']} epochs; "
                f"sleep onset reference {_num(sw['sleep_onset_reference_s'], ' s', 0)}, "
                f"legmove {_num(sw['sleep_onset_legmove_s'], ' s', 0)}; total sleep "
                f"{_num(sw['total_sleep_reference_s'], ' s', 0)} vs "
                f"{_num(sw['total_sleep_legmove_s'], ' s', 0)}",
            )
        )
    rows += [("note", n) for n in a.notes]
    return rows


def nights_rows(agg: NightsAgreement) -> list[tuple[str, str]]:
    """The agreement over the nights as (measure, finding) rows."""
    rows = [
        ("nights", str(len(agg.nights))),
        ("LMs, all nights", prf(agg.lm)),
        ("PLMs, all nights", prf(agg.plm)),
    ]
    n = len(agg.pairs)
    rows.append(
        (
            "PLMS index ICC(A,1)",
            "needs 2 nights with a PLMS index from both"
            if agg.icc is None
            else f"{agg.icc:.2f} over {n} nights (1 = the same index every night)",
        )
    )
    ba = agg.bland_altman
    if ba is not None:
        rows.append(
            (
                "PLMS index Bland–Altman",
                f"bias {ba.bias:+.2f}/h (legmove − reference), 95 % limits of agreement "
                f"{ba.lower:+.2f} to {ba.upper:+.2f}/h",
            )
        )
    return rows
