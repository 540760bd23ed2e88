"""What an expert's labels mean to legmove: "LM", "PLM", "Limb Movement (Left)", "N2", ...

A sleep laboratory's scoring names its events in its own words. :class:`LabelMap` turns
each label into a *kind* and, for movements, a *side*:

=================  ===========================================================================
kind               meaning
=================  ===========================================================================
``lm``             a candidate leg movement (AASM/WASM LM)
``plm``            an LM the expert scored as part of a PLM series
``twitch``         a brief movement (also any movement the reference times shorter than
                   the result's ``lm_min_s``, whatever its label)
``long_movement``  a movement longer than an LM (gross body movement, large muscle group)
``sleep``          a hypnogram stage asleep (N1-N4, R, quiet/active sleep, ...)
``wake``           the hypnogram stage wake
``ignore``         not used (arousals, respiratory events, "movement time", unscored)
=================  ===========================================================================

The default rules (:data:`DEFAULT_RULES`, tried in order, the first that matches wins) know
legmove's own kinds, the AASM words, the NSRR/EDF+ conventions ("Limb movement - left",
"Sleep stage W") and the tibialis channel names (LAT/RAT). Rules given by the user
(``legmove compare --map PATTERN=KIND[:SIDE]``, a case-insensitive shell pattern over the
whole label) are tried first. A movement's side is taken from the words of its label
("left", "L", "LAT", ...), from the reference's side column, or is unknown ("").
A label no rule knows is ``ignore`` and listed in the comparison's output, so a missed
mapping shows.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "DEFAULT_RULES",
    "KINDS",
    "MOVEMENT_KINDS",
    "SIDES",
    "LabelMap",
    "LabelRule",
    "label_rule_parse",
    "side_of",
]

KINDS = ("lm", "plm", "twitch", "long_movement", "sleep", "wake", "ignore")
MOVEMENT_KINDS = ("lm", "plm", "twitch", "long_movement")
SIDES = ("left", "right", "bilateral")

_LEFT = {"left", "l", "lt", "lat", "links", "lleg", "ltib"}
_RIGHT = {"right", "r", "rt", "rat", "rechts", "rleg", "rtib"}
_BOTH = {"bilateral", "bilat", "both", "bil", "beidseits"}


@dataclass(frozen=True)
class LabelRule:
    """``pattern`` → ``kind`` (one of :data:`KINDS`), with a fixed ``side`` or None (from
    the label's words). ``regex``: ``pattern`` is a regular expression searched in the
    label's words (lower case, separated by single spaces); else a shell pattern
    (``*``, ``?``) matched case-insensitively against the whole label."""

    pattern: str
    kind: str
    side: str | None = None
    regex: bool = False

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"label kind {self.kind!r} is not one of {', '.join(KINDS)}")
        if self.side is not None and self.side not in SIDES:
            raise ValueError(f"label side {self.side!r} is not one of {', '.join(SIDES)}")

    def matches(self, label: str) -> bool:
        if self.regex:
            return re.search(self.pattern, _words(label)) is not None
        return fnmatch.fnmatchcase(label.strip().lower(), self.pattern.strip().lower())


def _words(label: str) -> str:
    """'Limb Movement (Left)' -> 'limb movement left'; 'PLM_R' -> 'plm r'."""
    return " ".join(re.sub(r"[^a-z0-9?]+", " ", label.lower()).split())


_STAGE = r"^(sleep stage |stage |sleep )?"
#: the rules used when no user rule matches, first match wins
DEFAULT_RULES: tuple[LabelRule, ...] = (
    LabelRule(_STAGE + r"(w|wk|wake|awake|wach|0)$", "wake", regex=True),
    LabelRule(
        _STAGE + r"(n|n?[1-5]|s[1-4]|nrem ?[1-4]?|r|rem|t|transitional|quiet|active"
        r"|qs|as|quiet sleep|active sleep|sleep)$",
        "sleep",
        regex=True,
    ),
    LabelRule(r"^(sleep stage )?(\?|unscored|movement time|mt|unknown)$", "ignore", regex=True),
    LabelRule(r"\b(artifact|artefact|arousal|apnea|apnoea|hypopnea|desat)", "ignore", regex=True),
    LabelRule(r"\bplms?\b|\bplm[lr]\b|periodic (leg|limb) movement", "plm", regex=True),
    LabelRule(r"\btwitch", "twitch", regex=True),
    LabelRule(
        r"\blong movement\b|\bgross (body )?movement|\bbody movement|\blarge muscle|\blmm\b",
        "long_movement",
        regex=True,
    ),
    LabelRule(
        r"\b(lms?|lm[lr]|legmov\w*|limbmov\w*|leg|legs|limb|limbs|lat|rat|tib\w*)\b"
        r"|\b(leg|limb) mov",
        "lm",
        regex=True,
    ),
)


def side_of(text: str) -> str:
    """The side a label or a side column names: 'left', 'right', 'bilateral' or ''."""
    words = set(_words(text).split())
    for w in list(words):  # 'plml' / 'lmr': the side glued to the name
        if re.fullmatch(r"p?lm[lr]", w):
            words.add(w[-1])
    left, right, both = bool(words & _LEFT), bool(words & _RIGHT), bool(words & _BOTH)
    if both or (left and right):
        return "bilateral"
    return "left" if left else "right" if right else ""


def label_rule_parse(text: str) -> LabelRule:
    """``PATTERN=KIND`` or ``PATTERN=KIND:SIDE`` (the ``--map`` option) as a rule."""
    pattern, eq, target = text.rpartition("=")
    if not eq or not pattern.strip():
        raise ValueError(
            f"--map {text!r}: write PATTERN=KIND or PATTERN=KIND:SIDE, e.g. 'Bein*=lm' or "
            f"'TibL=lm:left' (KIND one of {', '.join(KINDS)})"
        )
    kind, _, side = target.strip().lower().partition(":")
    try:
        return LabelRule(pattern.strip(), kind.strip(), side.strip() or None)
    except ValueError as exc:
        raise ValueError(f"--map {text!r}: {exc}") from None


@dataclass(frozen=True)
class LabelMap:
    """User ``rules`` first, then (unless ``defaults`` is False) :data:`DEFAULT_RULES`."""

    rules: tuple[LabelRule, ...] = ()
    defaults: bool = True

    @classmethod
    def parse(cls, texts: Iterable[str], defaults: bool = True) -> LabelMap:
        return cls(tuple(label_rule_parse(t) for t in texts), defaults)

    def kind_side(self, label: str) -> tuple[str, str]:
        """(kind, side) of ``label``; side is '' for stages, ignored labels and movements
        whose label names no side."""
        for rule in (*self.rules, *(DEFAULT_RULES if self.defaults else ())):
            if rule.matches(label):
                if rule.kind not in MOVEMENT_KINDS:
                    return rule.kind, ""
                return rule.kind, rule.side if rule.side is not None else side_of(label)
        return "ignore", ""
