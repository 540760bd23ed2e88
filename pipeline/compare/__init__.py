"""Agreement with an expert: legmove's events against a sleep laboratory's scoring.

- :mod:`~pipeline.compare.match` — one-to-one onset matching, precision/recall/F1
  (also what ``bench/accuracy.py`` scores generated scenes with);
- :mod:`~pipeline.compare.labels` — what an expert's labels mean ("LM left", "PLM", "N2");
- :mod:`~pipeline.compare.edf` — EDF+ annotations, read and written (pyedflib);
- :mod:`~pipeline.compare.reference` — reading a scoring: EDF+, CSV/TSV, BIDS events.tsv;
- :mod:`~pipeline.compare.offset` — the offset between video and PSG from the event trains;
- :mod:`~pipeline.compare.agreement` — one night's agreement (LMs per side, twitches, PLM
  series and PLMS index, sleep/wake);
- :mod:`~pipeline.compare.nights` — agreement over several nights (ICC, Bland–Altman).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipeline.lazy import lazy_names

if TYPE_CHECKING:  # the names for type checkers; at run time each loads on first use
    from pipeline.compare.agreement import NightAgreement, night_agreement
    from pipeline.compare.labels import LabelMap, LabelRule
    from pipeline.compare.match import (
        DEFAULT_TOLERANCE_S,
        Comparison,
        compare_events,
        compare_onsets,
    )
    from pipeline.compare.nights import (
        NightsAgreement,
        bland_altman,
        icc_agreement,
        nights_agreement,
    )
    from pipeline.compare.offset import OffsetEstimate, offset_estimate
    from pipeline.compare.reference import Reference, reference_hypnogram, reference_read

__all__ = [
    "Comparison",
    "DEFAULT_TOLERANCE_S",
    "LabelMap",
    "LabelRule",
    "NightAgreement",
    "NightsAgreement",
    "OffsetEstimate",
    "Reference",
    "bland_altman",
    "compare_events",
    "compare_onsets",
    "icc_agreement",
    "night_agreement",
    "nights_agreement",
    "offset_estimate",
    "reference_hypnogram",
    "reference_read",
]

#: where each name of __all__ lives: `legmove --help` and a command that needs one module do
#: not load the rest (the agreement brings in the signal stage)
_HOME = {
    "DEFAULT_TOLERANCE_S": "pipeline.compare.match",
    "Comparison": "pipeline.compare.match",
    "compare_events": "pipeline.compare.match",
    "compare_onsets": "pipeline.compare.match",
    "LabelMap": "pipeline.compare.labels",
    "LabelRule": "pipeline.compare.labels",
    "NightAgreement": "pipeline.compare.agreement",
    "night_agreement": "pipeline.compare.agreement",
    "NightsAgreement": "pipeline.compare.nights",
    "bland_altman": "pipeline.compare.nights",
    "icc_agreement": "pipeline.compare.nights",
    "nights_agreement": "pipeline.compare.nights",
    "OffsetEstimate": "pipeline.compare.offset",
    "offset_estimate": "pipeline.compare.offset",
    "Reference": "pipeline.compare.reference",
    "reference_hypnogram": "pipeline.compare.reference",
    "reference_read": "pipeline.compare.reference",
}

__getattr__ = lazy_names(__name__, _HOME, globals())
