"""The published sources the scoring rules cite, by tag (``[WASM]`` in a setting's source)."""

from __future__ import annotations

__all__ = ["REFERENCES"]

#: source tag -> full reference, cited by the methods text (:mod:`pipeline.reports.methods`)
REFERENCES: dict[str, str] = {
    "ICSD-3": "American Academy of Sleep Medicine, International Classification of Sleep "
    "Disorders, 3rd ed., 2014: periodic limb movement disorder (PLMS index >5/h in children, "
    ">15/h in adults, with a clinical sleep disturbance not explained otherwise).",
    "Ferri2006": "Ferri R. et al., New approaches to the study of periodic leg movements "
    "during sleep in restless legs syndrome, Sleep 2006;29:759-69 (periodicity index, IMI "
    "distribution).",
    "Ferri2018": "Ferri R. et al., Leg movement activity during sleep in school-age children "
    "and adolescents, Sleep 2018;41(4):zsy010 (the IMI histogram of children peaks at 2-4 s).",
    "MATPLM": "MATPLM, the open-source WASM 2016 scorer of the RLS research group "
    "(github.com/rlslabgit/MATPLM, helper_functions/candidate_lms_rev1.m: an LM with an "
    "IMI < 10 s ends the series and cannot begin the next one; the LM after it can).",
    "AASM": "AASM Manual for the Scoring of Sleep and Associated Events, v2.6 (2020), ch. VII.",
    "WASM": "Ferri R. et al., World Association of Sleep Medicine (WASM) / IRLSSG standards for "
    "recording and scoring leg movements in polysomnograms, Sleep Medicine 2016;26:86-95.",
    "Sadeh": "Sadeh A. et al., Activity-based assessment of sleep-wake patterns during the "
    "first year of life, Infant Behav Dev 1995 / Sadeh 1994 actigraphy scoring.",
    "Galland": "Galland B.C. et al., Algorithms for using an activity-based accelerometer for "
    "identification of infant sleep-wake states during nap studies, Sleep Med 2012;13:743-51 "
    "(15-s epochs validated in infants).",
    "Cole": "Cole R.J. et al., Automatic sleep/wake identification from wrist activity, "
    "Sleep 1992;15:461-9 (weighted moving window over neighbouring epochs).",
    "Webster": "Webster J.B. et al., An activity-based sleep monitor system for ambulatory "
    "use, Sleep 1982;5:389-99 (rescoring rules for short sleep bouts inside long wake).",
    "Tudor-Locke": "Tudor-Locke C. et al., Fully automated waist-worn accelerometer algorithm "
    "for detecting children's sleep-period time, Appl Physiol Nutr Metab 2014;39:53-7 (sleep "
    "onset = first of several consecutive sleep minutes).",
    "IRLSSG-LMGM": "Ferri R. et al., Scoring of large muscle group movements during sleep: an "
    "International Restless Legs Syndrome Study Group position statement, Sleep "
    "2021;44(9):zsab092 (3-45 s in adults, 3-30 s in children).",
    "video": "legmove's own adaptation to video (no published standard); documented in the "
    "methods text.",
}
