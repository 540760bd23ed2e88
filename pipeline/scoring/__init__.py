"""The signal stage: per-frame tracks in, a scored night out (pure functions, seconds and Hz).

Flow (:func:`pipeline.scoring.night.night_score`): :mod:`signal` helpers →
:mod:`quality` (is each leg's pose trustworthy) → :mod:`activity` (each leg's activity
above its noise) → :mod:`artifacts` (spans excluded: caregiver, camera, light, cover) →
:mod:`movements` (segmented, merged, classified by the WASM rules) → :mod:`rhythm` →
:mod:`plm` (periodic series) → :mod:`sleep` (sleep/wake epochs) → :mod:`episodes` (what to
review). :mod:`simulate` plants known movements in a synthetic track for tests.
Scoring knows no prose: methods texts are written by :mod:`pipeline.reports`.
"""
