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

from pipeline.compare.agreement import DEFAULT_TOLERANCE_S, NightAgreement, night_agreement
from pipeline.compare.labels import LabelMap, LabelRule
from pipeline.compare.match import Comparison, compare_events, compare_onsets
from pipeline.compare.nights import NightsAgreement, bland_altman, icc_agreement, nights_agreement
from pipeline.compare.offset import OffsetEstimate, offset_estimate
from pipeline.compare.reference import Reference, reference_hypnogram, reference_read

__all__ = [
    "DEFAULT_TOLERANCE_S",
    "Comparison",
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
