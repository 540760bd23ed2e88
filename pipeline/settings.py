"""All detection parameters in one settings object, each default with its source and range.

Every field is made by :func:`_setting`: its default, its source note as field metadata
(``metadata["source"]``: the tags of :data:`REFERENCES` in brackets, then what the source
says or how legmove adapted it — ``[video]`` marks legmove's own adaptation to video, with no
published standard behind it) and the range of values that make sense
(``metadata["range"]``). :class:`Settings` refuses any value outside its range, not finite,
or of the wrong type, before anything is computed or stored;
:func:`pipeline.settings_file.settings_load` reads a settings file and names the file in
every refusal.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from pipeline.errors import SettingsError
from pipeline.references import REFERENCES

__all__ = [
    "REFERENCES",
    "SETTING_SOURCES",
    "Settings",
    "setting_range",
]


#: settings renamed since earlier releases: old name -> new name (files with the old one load)
_RENAMED: dict[str, str] = {"plm_index_abnormal_per_h": "plm_index_reference_per_h"}


def _setting(default: float, source: str, *, lo: float, hi: float) -> Any:
    """A settings field: ``default``, its ``source`` note and its allowed range ``lo``-``hi``
    (both included; an ``int`` default makes the field take whole numbers only)."""
    meta = {"source": source, "range": (lo, hi), "integer": isinstance(default, int)}
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class Settings:
    """Parameters of the signal stage. Times in seconds, frequencies in Hz."""

    # --- preprocessing ---------------------------------------------------------------
    analysis_rate_hz: float = _setting(
        15.0, "[video] uniform grid the signal stage works on", lo=5.0, hi=120.0
    )
    gap_fill_max_s: float = _setting(
        0.5, "[video] keypoint gaps up to this are interpolated", lo=0.0, hi=5.0
    )
    pose_interp_max_s: float = _setting(
        1.2,
        "[video] keypoints interpolated over frames the gated pose step skipped",
        lo=0.0,
        hi=10.0,
    )
    lowpass_hz: float = _setting(
        5.0, "[video] zero-phase low-pass; rhythmic band tops at 4 Hz", lo=0.5, hi=30.0
    )
    min_visibility: float = _setting(
        0.5, "[video] keypoints below this visibility are not trusted", lo=0.0, hi=1.0
    )
    hip_offset_t: float = _setting(
        0.15,
        "[video] body model: MediaPipe puts an infant's hips this many torso lengths "
        "towards the shoulders with the legs extended (hand-labelled supine infants: "
        "0.08-0.22, median 0.15; more as the legs flex); the hips are placed that much "
        "further down (pipeline.scoring.kinematics); 0 keeps the model's hips",
        lo=0.0,
        hi=0.5,
    )
    # --- movement detection ----------------------------------------------------------
    onset_k: float = _setting(
        6.0,
        "[AASM] onset 8 µV over rest ≈ several noise units; [video] × noise MAD",
        lo=0.5,
        hi=100.0,
    )
    offset_k: float = _setting(
        4.0, "[AASM] offset 2 µV over rest; [video] × noise MAD", lo=0.1, hi=100.0
    )
    min_onset_bl_s: float = _setting(
        0.15, "[video] floor of the onset threshold, body lengths/s", lo=0.0, hi=10.0
    )
    still_base_bl_s: float = _setting(
        0.1,
        "[video] prior rest level of the keypoint speed, body lengths/s, for a recording "
        "with no quiet stretch of its own (a clip that is all movement): the quiet "
        "reference legmove finds on a real supine infant's still spells, the noisier leg "
        "(real/infant_supine_kicking.mp4, full model: rest 0.096, noise 0.099; the other "
        "leg 0.061, 0.068; generated still scenes 0.004-0.024)",
        lo=0.0,
        hi=10.0,
    )
    still_noise_bl_s: float = _setting(
        0.1,
        "[video] prior noise (1.4826 x MAD) of the keypoint speed with still_base_bl_s, "
        "measured the same way (onset 0.1 + 6 x 0.1 = 0.7 body lengths/s)",
        lo=0.0,
        hi=10.0,
    )
    still_max_bl_s: float = _setting(
        0.2,
        "[video] a recording whose quietest stretches move faster than this (median "
        "keypoint speed; twice still_base_bl_s; a 20-s clip of kicking: 0.35-0.39) has no "
        "quiet reference: the prior is used",
        lo=0.0,
        hi=10.0,
    )
    moving_picture_bl_s: float = _setting(
        0.3,
        "[video] the body moving in the picture as a whole faster than this (2-s median "
        "image speed of the pelvis; a real infant kicking on its back: at most 0.27, a "
        "handheld phone's shake: 0.29-0.48): rest and noise are learned apart there",
        lo=0.0,
        hi=100.0,
    )
    min_onset_motion: float = _setting(
        0.004, "[video] floor of the onset threshold, motion energy", lo=0.0, hi=1.0
    )
    offset_min_s: float = _setting(
        0.5, "[AASM][WASM] movement ends at start of >=0.5 s below offset", lo=0.05, hi=5.0
    )
    confirm_s: float = _setting(
        0.5, "[video] keypoint movement must coincide with leg-region image motion", lo=0.0, hi=5.0
    )
    # --- pose quality (pipeline.scoring.quality) ---------------------------------------------
    pose_quality_min: float = _setting(
        0.5, "[video] legs scoring below are untrusted; 0 trusts every pose", lo=0.0, hi=1.0
    )
    quality_view_min: float = _setting(
        0.33, "[video] shoulder width/torso below: torso seen edge-on", lo=0.01, hi=0.49
    )
    bone_short_ratio: float = _setting(
        0.3, "[video] bone < this × night median, leg region still: collapsed", lo=0.0, hi=0.54
    )
    bone_long_ratio: float = _setting(
        2.0, "[video] bone longer than this × its night median: stretched", lo=1.51, hi=10.0
    )
    joint_speed_max_bl_s: float = _setting(
        6.0, "[video] faster joint = teleport (real kicks <= 4.8)", lo=0.5, hi=100.0
    )
    teleport_return_s: float = _setting(
        1.0, "[video] a jump back within this: the joint was off between", lo=0.0, hi=10.0
    )
    agree_motion_k: float = _setting(
        3.0, "[video] leg-region change above rest + k·noise = pixels changed", lo=0.0, hi=100.0
    )
    agree_motion_floor: float = _setting(
        0.002, "[video] ... and above this motion energy", lo=0.0, hi=1.0
    )
    agree_frozen_s: float = _setting(
        1.0, "[video] strong leg-region change this long, keypoints still", lo=0.0, hi=30.0
    )
    trusted_min_s: float = _setting(
        0.5, "[video] shorter trusted runs between untrusted ones are dropped", lo=0.0, hi=30.0
    )
    held_max_s: float = _setting(
        3.0,
        "[video] a held flexion up to this long keeps a movement going (on keypoints "
        "while the leg stays displaced; on motion of a leg out of plain view, e.g. "
        "under a blanket, a pause up to this long between bursts: "
        "movements._join_unseen_holds)",
        lo=0.0,
        hi=10.0,
    )
    held_fraction: float = _setting(
        0.5, "[video] ... while the leg stays this far (of its peak) from rest", lo=0.0, hi=1.0
    )
    held_motion_max_s: float = _setting(
        1.0,
        "[video] pause between two LM-long motion bursts = a hold (frame differencing "
        "cannot see a held leg; twice the 0.5-s offset period [AASM]; measured pauses "
        "at the top of 1.5-2.5 s LMs scored from motion on the generated blanket, prone "
        "and infrared scenes: 0.5-0.8 s); on keypoints, a pause this short with the "
        "leg anywhere off rest is a hold too; 0 turns it off",
        lo=0.0,
        hi=10.0,
    )
    # --- classification --------------------------------------------------------------
    lm_min_s: float = _setting(0.5, "[AASM][WASM] shorter is a twitch", lo=0.1, hi=5.0)
    lm_max_s: float = _setting(10.0, "[AASM][WASM] single-leg LM upper limit", lo=1.0, hi=60.0)
    bilateral_lm_max_s: float = _setting(15.0, "[WASM] bilateral LM upper limit", lo=1.0, hi=60.0)
    bilateral_gap_s: float = _setting(
        0.5, "[WASM] <0.5 s between legs' movements merges them", lo=0.0, hi=5.0
    )
    bilateral_max_legs: int = _setting(
        4,
        "[WASM] a combination of more than 4 one-leg movements is no candidate LM",
        lo=1,
        hi=20,
    )
    large_min_s: float = _setting(
        3.0,
        "[IRLSSG-LMGM] large-muscle-group movement 3-30 s in children; [video] a movement this "
        "long or longer during which the body moves with the legs",
        lo=0.5,
        hi=60.0,
    )
    large_max_s: float = _setting(
        30.0, "[IRLSSG-LMGM] ... at most this long (children)", lo=1.0, hi=600.0
    )
    large_body_share: float = _setting(
        0.8,
        "[video] share of a movement's samples with body motion the legs do not explain "
        "(pipeline.scoring.body) that makes it a large-muscle-group movement (generated "
        "scenes: roll-overs and whole-body stretches 1.0, LMs that an arm movement happened "
        "to overlap awake up to 0.62, 3-Hz cycling 0.64)",
        lo=0.0,
        hi=1.0,
    )
    # --- rhythmic movement -----------------------------------------------------------
    rhythm_min_cycles: float = _setting(
        3.0,
        "[video] legmove's own rule: >=3 cycles (AASM's rhythmic movement disorder asks >=4 "
        "movements at 0.5-2 Hz)",
        lo=1.0,
        hi=50.0,
    )
    rhythm_fmin_hz: float = _setting(
        0.5, "[AASM] rhythmic movement frequency 0.5-2 Hz; [video] to 4 Hz", lo=0.1, hi=10.0
    )
    rhythm_fmax_hz: float = _setting(
        4.0, "[video] infant kicking/cycling up to 4 Hz", lo=0.2, hi=20.0
    )
    rhythm_min_periodicity: float = _setting(
        0.7, "[video] clear: share of a leg's power in the main lobe of its peak", lo=0.0, hi=1.0
    )
    rhythm_window_s: float = _setting(
        6.0, "[video] time-frequency window (3 cycles at 0.5 Hz)", lo=2.0, hi=30.0
    )
    rhythm_step_s: float = _setting(0.25, "[video] the window moves on this often", lo=0.02, hi=5.0)
    rhythm_freq_tolerance: float = _setting(
        0.2, "[video] a bout's windows stay within this share of its frequency", lo=0.01, hi=1.0
    )
    rhythm_embedded_min_s: float = _setting(
        4.0, "[video] inside movement at least this (chance rhythm: 2-4 s)", lo=0.0, hi=60.0
    )
    rhythm_max_chance: float = _setting(
        0.05,
        "[video] a bout is kept when the legs' own movement in the minute before and after "
        "it makes as strong a rhythm at its frequency with at most this chance (F-test)",
        lo=0.0,
        hi=1.0,
    )
    rhythm_edge_fraction: float = _setting(
        0.7, "[video] a bout lasts while its rhythm matches its first/last cycles", lo=0.05, hi=1.0
    )
    # --- PLM series ------------------------------------------------------------------
    plm_min_count: int = _setting(
        4,
        "[AASM][WASM] >=4 consecutive LMs; [Ferri2006] periodicity index: IMIs of 10-90 s in "
        "runs of >=3 (this minus one)",
        lo=2,
        hi=50,
    )
    plm_min_interval_s: float = _setting(
        10.0,
        "[WASM] onset-to-onset >=10 s (AASM uses 5 s); [MATPLM] an LM closer than this ends "
        "the series and is no PLM, the next LM may open one",
        lo=0.0,
        hi=300.0,
    )
    plm_max_interval_s: float = _setting(
        90.0, "[AASM][WASM] onset-to-onset <=90 s", lo=1.0, hi=600.0
    )
    plm_index_reference_per_h: float = _setting(
        5.0,
        "[ICSD-3] PLMS index >5/h: the reference for periodic limb movement disorder in "
        "children (with a clinical sleep complaint), supported from about 5 years; no infant "
        "norms exist and video has not been validated for it",
        lo=0.0,
        hi=1000.0,
    )
    rate_min_sleep_s: float = _setting(
        3600.0,
        "[video] a per-hour rate needs this much sleep: with less, one shortest PLM series "
        "(plm_min_count LMs) alone makes an index above 4/h, near the 5/h reference",
        lo=0.0,
        hi=86400.0,
    )
    # --- sleep/wake ------------------------------------------------------------------
    epoch_s: float = _setting(15.0, "[Galland] 15-s epochs validated in infants", lo=5.0, hi=120.0)
    wake_activity_threshold: float = _setting(
        0.3, "[Cole][video] smoothed active fraction above = wake", lo=0.0, hi=1.0
    )
    whole_onset_k: float = _setting(
        4.0, "[video] whole-frame motion above rest + k·noise counts as active", lo=0.0, hi=100.0
    )
    sleep_body_smooth_s: float = _setting(
        1.0,
        "[video] whole-frame and leg-region motion averaged over this before the legs' share "
        "is taken out (sleep/wake from the trunk, arms and head)",
        lo=0.0,
        hi=10.0,
    )
    sleep_leg_ratio_quantile: float = _setting(
        0.25,
        "[video] whole-frame change per unit of leg-region change while a leg moves: this "
        "quantile of the night's own ratios (leg movements with the body still)",
        lo=0.0,
        hi=1.0,
    )
    sleep_body_rel: float = _setting(
        0.5,
        "[video] body motion counts while the legs move when at least this times the change "
        "they explain (one night's ratio leaves vigorous kicking a remainder of ~0.25)",
        lo=0.0,
        hi=100.0,
    )
    sleep_body_floor: float = _setting(
        2e-5,
        "[video] floor of the body motion's noise unit (measured 1.8-3.3e-5 on generated "
        "nights once key frames are removed)",
        lo=0.0,
        hi=1.0,
    )
    sleep_leg_bout_s: float = _setting(
        20.0,
        "[video] leg activity counts for sleep/wake only in bouts at least this long, longer "
        "than any candidate LM (15 s bilateral [WASM]): an LM, a PLM series or a cluster of "
        "twitches with the body still cannot make wake",
        lo=0.0,
        hi=600.0,
    )
    sleep_leg_chain_s: float = _setting(
        10.0,
        "[video] leg movements starting less than this apart (onset to onset) are one bout: "
        "closer than the shortest PLM interval (10 s [WASM]), so periodic LMs never chain",
        lo=0.0,
        hi=60.0,
    )
    sleep_onset_min_s: float = _setting(
        120.0, "[Tudor-Locke][video] first sleep run lasting >= this", lo=0.0, hi=7200.0
    )
    wake_min_s: float = _setting(
        60.0, "[video] an awakening is a wake bout of at least this", lo=0.0, hi=7200.0
    )
    isolated_sleep_max_s: float = _setting(
        360.0, "[Webster] sleep bout this short inside long wake ...", lo=0.0, hi=7200.0
    )
    isolated_sleep_wake_s: float = _setting(
        600.0, "[Webster] ... with this much wake each side is wake", lo=0.0, hi=14400.0
    )
    night_min_s: float = _setting(
        180.0,
        "[Tudor-Locke][Cole][video] shortest recording scored as a night (sleep/wake, "
        "rates per hour): sleep onset needs a first sleep bout of sleep_onset_min_s "
        "(120 s) and each epoch's score two 15-s epochs either side (60 s), so no sleep "
        "can be found in less; a shorter recording is a clip: counts, not rates",
        lo=0.0,
        hi=86400.0,
    )
    settling_window_s: float = _setting(
        1800.0, "[video] 30 min before sleep onset (DESIGN.md)", lo=0.0, hi=14400.0
    )
    # --- artifacts -------------------------------------------------------------------
    artifact_k: float = _setting(
        6.0, "[video] unexplained whole-frame motion above rest + k·noise", lo=0.0, hi=100.0
    )
    artifact_min_motion: float = _setting(
        0.0005, "[video] floor of that threshold, motion energy", lo=0.0, hi=1.0
    )
    artifact_coupling_margin: float = _setting(
        2.0, "[video] × the night's own whole/leg motion ratio", lo=0.0, hi=100.0
    )
    artifact_coupling_min: float = _setting(
        0.25, "[video] ... at least this (leg boxes ~1/5 of frame)", lo=0.0, hi=10.0
    )
    artifact_min_s: float = _setting(
        3.0, "[video] shortest caregiver / camera span (a baby's reach ~1 s)", lo=0.0, hi=600.0
    )
    artifact_gap_s: float = _setting(
        2.0, "[video] spans closer than this are joined", lo=0.0, hi=600.0
    )
    artifact_join_s: float = _setting(
        30.0, "[video] ... and up to this apart with motion all between", lo=0.0, hi=3600.0
    )
    artifact_pad_s: float = _setting(
        1.0, "[video] also excluded before and after each span", lo=0.0, hi=60.0
    )
    artifact_uniform: float = _setting(
        0.5, "[video] legs move >= this share of the whole: camera moved", lo=0.0, hi=1.0
    )
    artifact_torso_jump_bl: float = _setting(
        0.1, "[video] torso keypoints jumping this far in 0.25 s", lo=0.0, hi=10.0
    )
    artifact_light_motion: float = _setting(
        0.02, "[video] one-frame whole-frame change of a light switch", lo=0.0, hi=1.0
    )
    cover_window_s: float = _setting(
        10.0,
        "[video] legs in/out of view this long each side: cover on/off (a one-leg LM "
        "lasts at most 10 s [AASM]; the legs are as visible after a movement as before "
        "it, so a change of visibility that outlasts the motion by this long is a "
        "cover's, not a leg movement's); 0 turns the cover check off",
        lo=0.0,
        hi=600.0,
    )
    cover_visible_change: float = _setting(
        0.8,
        "[video] each leg's visible share changes this much (mostly visible on one "
        "side, mostly hidden on the other; both legs, same direction)",
        lo=0.0,
        hi=1.0,
    )
    # --- episodes --------------------------------------------------------------------
    restless_settling_min_lms: int = _setting(
        10, "[video] LMs in the settling window to flag it", lo=1, hi=10000
    )
    awakening_lm_window_s: float = _setting(
        10.0, "[video] LM starting this soon before an awakening", lo=0.0, hi=600.0
    )
    rhythmic_merge_s: float = _setting(
        60.0, "[video] rhythmic bouts this close form one episode", lo=0.0, hi=3600.0
    )
    episodes_max: int = _setting(
        20, "[video] most episodes listed for review, most important first", lo=1, hi=1000
    )

    def __post_init__(self) -> None:
        for f in fields(self):
            object.__setattr__(self, f.name, _checked(f, getattr(self, f.name)))
        v, rate = self, self.analysis_rate_hz
        below = (("rhythm_fmin_hz", "rhythm_fmax_hz"), ("plm_min_interval_s", "plm_max_interval_s"))
        pairs = [(getattr(v, a) < getattr(v, b), f"{a} must be below {b}") for a, b in below]
        pairs += [  # what must hold, and the refusal's words
            (v.offset_k <= v.onset_k, "offset_k must not exceed onset_k (hysteresis)"),
            (rate > 2 * v.rhythm_fmax_hz, "analysis_rate_hz must exceed twice rhythm_fmax_hz"),
            (v.lowpass_hz < rate / 2, "lowpass_hz must be below half analysis_rate_hz"),
            (v.lm_min_s < v.lm_max_s, "lm_min_s must be below lm_max_s"),
            (v.lm_max_s <= v.bilateral_lm_max_s, "lm_max_s must not exceed bilateral_lm_max_s"),
        ]
        for ok, message in pairs:
            if not ok:
                raise SettingsError(f"{message} (got {_pair_values(self, message)})")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], *, origin: str | None = None) -> Settings:
        """Settings with the fields in ``d`` changed from the defaults. Raises
        :class:`~pipeline.errors.SettingsError` (a ValueError) naming ``origin`` (the file
        the values came from), the setting, its value and the allowed range."""
        where = f"{origin}: " if origin else ""
        if not isinstance(d, Mapping):
            raise SettingsError(
                f"{where}settings must be a JSON object of setting names and numbers, "
                f'e.g. {{"onset_k": 8.0}}, not {type(d).__name__}'
            )
        d = {_RENAMED.get(str(k), k): v for k, v in d.items()}
        known = {f.name for f in fields(cls)}
        unknown = sorted(str(k) for k in d if k not in known)
        if unknown:
            raise SettingsError(
                f"{where}unknown settings: {', '.join(unknown)} — the settings and their "
                "defaults are listed in pipeline/settings.py"
            )
        try:
            return cls(**d)
        except SettingsError as exc:
            raise SettingsError(f"{where}{exc}") from None

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)


def setting_range(name: str) -> tuple[float, float]:
    """The allowed range (both ends included) of the setting ``name``."""
    lo, hi = _FIELDS[name].metadata["range"]
    return lo, hi


def _checked(f: dataclasses.Field[Any], v: Any) -> Any:
    lo, hi = f.metadata["range"]
    integer = f.metadata["integer"]
    what = "a whole number" if integer else "a number"
    allowed = f"{what} from {_num(lo)} to {_num(hi)}"
    if isinstance(v, bool) or not isinstance(v, int | float):
        shown = repr(v) if len(repr(v)) <= 40 else repr(v)[:37] + "..."
        raise SettingsError(f"setting {f.name} must be {allowed}, got {shown}")
    try:
        x = float(v)
    except OverflowError:
        raise SettingsError(
            f"setting {f.name} must be {allowed}, got a {len(str(v))}-digit number"
        ) from None
    if not math.isfinite(x):
        raise SettingsError(f"setting {f.name} must be {allowed}, got {v!r}")
    if integer and not x.is_integer():
        raise SettingsError(f"setting {f.name} must be {allowed}, got {v!r}")
    if not lo <= x <= hi:
        raise SettingsError(f"setting {f.name} must be {allowed}, got {_num(x)}")
    return int(x) if integer else x if isinstance(v, float) else v


def _num(x: float) -> str:
    return f"{x:g}"


def _pair_values(s: Settings, message: str) -> str:
    names = [w for w in message.replace(",", " ").split() if w in _FIELDS]
    return ", ".join(f"{n} {_num(getattr(s, n))}" for n in dict.fromkeys(names))


_FIELDS: dict[str, dataclasses.Field[Any]] = {f.name: f for f in fields(Settings)}

#: setting name -> its source note (the tags of :data:`REFERENCES` in brackets, then words)
SETTING_SOURCES: dict[str, str] = {n: f.metadata["source"] for n, f in _FIELDS.items()}
