"""All detection parameters in one settings object, each default with its source.

Sources
-------
[AASM]  AASM Manual for the Scoring of Sleep and Associated Events, v2.6 (2020), ch. VII.
[WASM]  Ferri R. et al., World Association of Sleep Medicine (WASM) / IRLSSG standards for
        recording and scoring leg movements in polysomnograms, Sleep Medicine 2016;26:86-95.
[Sadeh] Sadeh A. et al., Activity-based assessment of sleep-wake patterns during the first
        year of life, Infant Behav Dev 1995 / Sadeh 1994 actigraphy scoring.
[Galland] Galland B.C. et al., Algorithms for using an activity-based accelerometer for
        identification of infant sleep-wake states during nap studies, Sleep Med 2012;13:743-51
        (15-s epochs validated in infants).
[Cole]  Cole R.J. et al., Automatic sleep/wake identification from wrist activity,
        Sleep 1992;15:461-9 (weighted moving window over neighbouring epochs).
[Webster] Webster J.B. et al., An activity-based sleep monitor system for ambulatory use,
        Sleep 1982;5:389-99 (rescoring rules for short sleep bouts inside long wake).
[Tudor-Locke] Tudor-Locke C. et al., Fully automated waist-worn accelerometer algorithm for
        detecting children's sleep-period time, Appl Physiol Nutr Metab 2014;39:53-7
        (sleep onset = first of several consecutive sleep minutes).
[video] legmove's own adaptation to video (no published standard); documented in the methods text.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, fields
from typing import Any

__all__ = ["Settings", "SETTING_SOURCES"]


@dataclass(frozen=True)
class Settings:
    """Parameters of the signal stage. Times in seconds, frequencies in Hz."""

    # --- preprocessing ---------------------------------------------------------------
    analysis_rate_hz: float = 15.0  # [video] uniform grid the signal stage works on
    gap_fill_max_s: float = 0.5  # [video] keypoint gaps up to this are interpolated
    pose_interp_max_s: float = (
        1.2  # [video] keypoints interpolated over frames the gated pose step skipped
    )
    lowpass_hz: float = 5.0  # [video] zero-phase low-pass; rhythmic band tops at 4 Hz
    min_visibility: float = 0.5  # [video] keypoints below this visibility are not trusted
    # --- movement detection ----------------------------------------------------------
    onset_k: float = 6.0  # [AASM] onset 8 µV over rest ≈ several noise units; [video] × noise MAD
    offset_k: float = 4.0  # [AASM] offset 2 µV over rest; [video] × noise MAD
    min_onset_bl_s: float = 0.15  # [video] floor of the onset threshold, body lengths/s
    min_onset_motion: float = 0.004  # [video] floor of the onset threshold, motion energy
    offset_min_s: float = 0.5  # [AASM][WASM] movement ends at start of >=0.5 s below offset
    confirm_s: float = 0.5  # [video] keypoint movement must coincide with leg-region image motion
    # --- pose quality (pipeline.scoring.quality) ---------------------------------------------
    pose_quality_min: float = 0.5  # [video] legs scoring below are untrusted; 0 trusts every pose
    quality_view_min: float = 0.33  # [video] shoulder width/torso below: torso seen edge-on
    bone_short_ratio: float = 0.3  # [video] bone < this × night median, leg region still: collapsed
    bone_long_ratio: float = 2.0  # [video] bone longer than this × its night median: stretched
    joint_speed_max_bl_s: float = 6.0  # [video] faster joint = teleport (real kicks <= 4.8)
    teleport_return_s: float = 1.0  # [video] a jump back within this: the joint was off between
    agree_motion_k: float = 3.0  # [video] leg-region change above rest + k·noise = pixels changed
    agree_motion_floor: float = 0.002  # [video] ... and above this motion energy
    agree_frozen_s: float = 1.0  # [video] strong leg-region change this long, keypoints still
    trusted_min_s: float = 0.5  # [video] shorter trusted runs between untrusted ones are dropped
    held_max_s: float = 3.0  # [video] a held flexion up to this long keeps a movement going
    # (on keypoints while the leg stays displaced; on motion of a leg out of plain view, e.g.
    # under a blanket, a pause up to this long between bursts: movements._join_unseen_holds)
    held_fraction: float = 0.5  # [video] ... while the leg stays this far (of its peak) from rest
    held_motion_max_s: float = 1.0  # [video] pause between two LM-long motion bursts = a hold
    # (frame differencing cannot see a held leg; twice the 0.5-s offset period [AASM]; measured
    # pauses at the top of 1.5-2.5 s LMs scored from motion on the generated blanket, prone and
    # infrared scenes: 0.5-0.8 s); 0 turns it off
    # --- classification --------------------------------------------------------------
    lm_min_s: float = 0.5  # [AASM][WASM] shorter is a twitch
    lm_max_s: float = 10.0  # [AASM][WASM] single-leg LM upper limit
    bilateral_lm_max_s: float = 15.0  # [WASM] bilateral LM upper limit
    bilateral_gap_s: float = 0.5  # [WASM] <0.5 s between legs' movements merges them
    bilateral_max_legs: int = 4  # [WASM] at most 4 monolateral LMs in one bilateral LM
    # --- rhythmic movement -----------------------------------------------------------
    rhythm_min_cycles: float = 3.0  # [video] >=3 cycles (as rhythmic movement disorder, AASM)
    rhythm_fmin_hz: float = 0.5  # [AASM] rhythmic movement frequency 0.5-2 Hz; [video] to 4 Hz
    rhythm_fmax_hz: float = 4.0  # [video] infant kicking/cycling up to 4 Hz
    rhythm_min_periodicity: float = 0.5  # [video] autocorrelation peak needed for "clear"
    # --- PLM series ------------------------------------------------------------------
    plm_min_count: int = 4  # [AASM][WASM] >=4 consecutive LMs
    plm_min_interval_s: float = 10.0  # [WASM] onset-to-onset >=10 s
    plm_max_interval_s: float = 90.0  # [AASM][WASM] onset-to-onset <=90 s
    plm_index_abnormal_per_h: float = 5.0  # [AASM] children: PLMS index >5/h abnormal
    # --- sleep/wake ------------------------------------------------------------------
    epoch_s: float = 15.0  # [Galland] 15-s epochs validated in infants
    wake_activity_threshold: float = 0.3  # [Cole][video] smoothed active fraction above = wake
    whole_onset_k: float = 4.0  # [video] whole-frame motion above rest + k·noise counts as active
    sleep_onset_min_s: float = 120.0  # [Tudor-Locke][video] first sleep run lasting >= this
    wake_min_s: float = 60.0  # [video] an awakening is a wake bout of at least this
    isolated_sleep_max_s: float = 360.0  # [Webster] sleep bout this short inside long wake ...
    isolated_sleep_wake_s: float = 600.0  # [Webster] ... with this much wake each side is wake
    settling_window_s: float = 1800.0  # [video] 30 min before sleep onset (DESIGN.md)
    # --- artifacts -------------------------------------------------------------------
    artifact_k: float = 6.0  # [video] unexplained whole-frame motion above rest + k·noise
    artifact_min_motion: float = 0.0005  # [video] floor of that threshold, motion energy
    artifact_coupling_margin: float = 2.0  # [video] × the night's own whole/leg motion ratio
    artifact_coupling_min: float = 0.25  # [video] ... at least this (leg boxes ~1/5 of frame)
    artifact_min_s: float = 3.0  # [video] shortest caregiver / camera span (a baby's reach ~1 s)
    artifact_gap_s: float = 2.0  # [video] spans closer than this are joined
    artifact_join_s: float = 30.0  # [video] ... and up to this apart with motion all between
    artifact_pad_s: float = 1.0  # [video] also excluded before and after each span
    artifact_uniform: float = 0.5  # [video] legs move >= this share of the whole: camera moved
    artifact_torso_jump_bl: float = 0.1  # [video] torso keypoints jumping this far in 0.25 s
    artifact_light_motion: float = 0.02  # [video] one-frame whole-frame change of a light switch
    cover_window_s: float = 10.0  # [video] legs in/out of view this long each side: cover on/off
    # (a one-leg LM lasts at most 10 s [AASM]; the legs are as visible after a movement as
    # before it, so a change of visibility that outlasts the motion by this long is a cover's,
    # not a leg movement's); 0 turns the cover check off
    cover_visible_change: float = 0.8  # [video] each leg's visible share changes this much
    # (mostly visible on one side, mostly hidden on the other; both legs, same direction)
    # --- episodes --------------------------------------------------------------------
    restless_settling_min_lms: int = 10  # [video] LMs in the settling window to flag it
    awakening_lm_window_s: float = 10.0  # [video] LM starting this soon before an awakening
    rhythmic_merge_s: float = 60.0  # [video] rhythmic bouts this close form one episode
    episodes_max: int = 20  # [video] most episodes listed for review, most important first

    def __post_init__(self) -> None:
        for f in fields(self):
            v = getattr(self, f.name)
            if isinstance(v, bool) or not isinstance(v, int | float):
                raise ValueError(f"setting {f.name} must be a number, got {v!r}")
            if v < 0:
                raise ValueError(f"setting {f.name} must not be negative, got {v!r}")
        if self.offset_k > self.onset_k:
            raise ValueError("offset_k must not exceed onset_k (hysteresis)")
        if not self.rhythm_fmin_hz < self.rhythm_fmax_hz:
            raise ValueError("rhythm_fmin_hz must be below rhythm_fmax_hz")
        if not self.plm_min_interval_s < self.plm_max_interval_s:
            raise ValueError("plm_min_interval_s must be below plm_max_interval_s")
        if self.analysis_rate_hz <= 2 * self.rhythm_fmax_hz:
            raise ValueError("analysis_rate_hz must exceed twice rhythm_fmax_hz")
        if self.pose_quality_min > 1:
            raise ValueError("pose_quality_min must lie in 0..1 (0 trusts every detected pose)")
        if not (self.bone_short_ratio < 0.55 and self.bone_long_ratio > 1.5):
            raise ValueError("bone_short_ratio must be below 0.55 and bone_long_ratio above 1.5")
        if not 0 < self.quality_view_min < 0.5:
            raise ValueError("quality_view_min must lie between 0 and 0.5")
        if self.joint_speed_max_bl_s <= 0:
            raise ValueError("joint_speed_max_bl_s must be positive")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Settings:
        known = {f.name for f in fields(cls)}
        unknown = set(d) - known
        if unknown:
            raise ValueError(f"unknown settings: {', '.join(sorted(unknown))}")
        return cls(**d)

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)


def _sources() -> dict[str, str]:
    """Each setting's source comment, read from this module's text."""
    import inspect
    import re

    out: dict[str, str] = {}
    for line in inspect.getsource(Settings).splitlines():
        m = re.match(r"\s+(\w+): [\w ]+ = [^#]+#\s*(.*)$", line)
        if m:
            out[m.group(1)] = m.group(2).strip()
    return out


#: Setting name -> its source note, for methods text and reports.
SETTING_SOURCES: dict[str, str] = _sources()
