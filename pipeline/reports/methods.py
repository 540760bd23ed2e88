"""The one methods text of legmove's reports, written from the settings actually used.

:func:`methods_text` reads ``summary['settings']`` (the values the night was scored
with), cites each rule's source from the settings' field metadata
(:data:`pipeline.settings.SETTING_SOURCES`), names the software and pose-model versions from
``summary['versions']`` and ends with the references it cited
(:data:`pipeline.settings.REFERENCES`). :func:`methods_terms` explains the report's terms
with the same values. Scoring writes no prose: every text here is made when a report is.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pipeline.settings import REFERENCES, SETTING_SOURCES, Settings

__all__ = ["methods_references", "methods_terms", "methods_text", "scored_settings"]


def scored_settings(summary: Mapping[str, Any]) -> dict[str, Any]:
    """The settings a night was scored with (``summary['settings']``; defaults for what an
    older result lacks): what every text about the night quotes, never a literal."""
    return {**Settings().to_dict(), **(summary.get("settings") or {})}


def methods_references() -> dict[str, str]:
    """Source tag (e.g. ``AASM``) -> full reference."""
    return dict(REFERENCES)


def methods_terms(settings: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(term, meaning) of the words a report uses, with the values of ``settings``."""
    st = scored_settings({"settings": settings})
    ref = st.get("plm_index_reference_per_h", st.get("plm_index_abnormal_per_h", 5.0))
    return [
        (
            "LM",
            f"candidate leg movement (WASM 2016): one leg {st['lm_min_s']:g}–{st['lm_max_s']:g} "
            f"s, or both legs together up to {st['bilateral_lm_max_s']:g} s in at most "
            f"{st['bilateral_max_legs']:g} one-leg movements, none over {st['lm_max_s']:g} s.",
        ),
        (
            "Twitch",
            f"movement shorter than {st['lm_min_s']:g} s; normal in infant active sleep, "
            "not an LM.",
        ),
        (
            "Long movement",
            "a leg movement that is no candidate LM (too long, or too many pieces); it ends a "
            "PLM series.",
        ),
        (
            "Large movement",
            f"the body moving with the legs for {st['large_min_s']:g}–{st['large_max_s']:g} s "
            "(a roll-over; large-muscle-group movement, IRLSSG 2021): not a leg movement.",
        ),
        (
            "PLM",
            f"an LM in a series of at least {st['plm_min_count']:g} LMs "
            f"{st['plm_min_interval_s']:g}–{st['plm_max_interval_s']:g} s apart (onset to onset).",
        ),
        (
            "PLMS index",
            f"PLMs during sleep per hour of sleep. {_num(float(ref))}/h is the reference used "
            "for children from about 5 years (ICSD-3); no infant norms exist, and video has not "
            "been validated for it.",
        ),
        ("PLMW index", "PLMs while awake per hour awake in bed."),
        (
            "Periodicity index",
            f"share of the intervals between LMs that are {st['plm_min_interval_s']:g}–"
            f"{st['plm_max_interval_s']:g} s and lie in a run of at least "
            f"{st['plm_min_count'] - 1:g} such intervals (Ferri 2006): 0 none, 1 all periodic; "
            "given for sleep and wake.",
        ),
        (
            "Short-interval LMs",
            f"LMs less than {st['plm_min_interval_s']:g} s after the previous one (onset to "
            "onset); in children the intervals between LMs peak at 2–4 s.",
        ),
        (
            "Settling window",
            f"the {st['settling_window_s'] / 60:g} min before sleep onset, where difficulty "
            "settling with leg movements would show.",
        ),
        (
            "Rhythmic",
            f"{st['rhythm_min_cycles']:g} or more regular cycles of leg movement at "
            f"{st['rhythm_fmin_hz']:g}–{st['rhythm_fmax_hz']:g} Hz, found wherever they happen "
            "(a bout): kicking (legs in phase, or one leg), or cycling (alternating).",
        ),
        ("Awakening", f"a wake period of at least {st['wake_min_s']:g} s after sleep onset."),
        (
            "Not assessed",
            "breathing: leg movements tied to breathing events cannot be told apart or left "
            "out, as polysomnography would.",
        ),
        (
            "Clip",
            f"a recording shorter than {st['night_min_s']:g} s: its movements are counted, "
            "but sleep is not scored and no index per hour is given (counts, not rates); it "
            "is not counted as a night.",
        ),
    ]


def _tags(names: tuple[str, ...]) -> list[str]:
    tags: list[str] = []
    for n in names:
        for t in re.findall(r"\[([^\]]+)\]", SETTING_SOURCES.get(n, "")):
            if t not in tags:
                tags.append(t)
    return tags


def _num(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return f"{v:g}" if isinstance(v, float) else str(v)


def methods_text(summary: Mapping[str, Any]) -> str:
    """A methods paragraph for ``summary`` (a night's summary.json), then its references."""
    st = scored_settings(summary)
    v: Mapping[str, Any] = summary.get("versions") or {}
    cited: list[str] = []

    def g(name: str) -> str:
        return _num(st[name])

    def cite_refs(*tags: str) -> str:
        for t in tags:
            if t not in cited:
                cited.append(t)
        shown = [t for t in tags if t != "video"]
        if "video" in tags:
            shown.append("adapted to video")
        return f" [{'; '.join(shown)}]" if shown else ""

    def cite(*names: str) -> str:
        return cite_refs(*_tags(names))

    window_min = _num(float(st["settling_window_s"]) / 60)
    model = v.get("pose_model") or "no pose model"
    mp = v.get("mediapipe", "")
    fps = summary.get("fps")
    parts = [
        f"Leg movements were scored from video by legmove {v.get('legmove', '?')}"
        + (f" at {_num(float(fps))} frames/s" if fps else "")
        + f", with the pose model {model}"
        + (f" (MediaPipe {mp})" if mp and mp != "not installed" else "")
        + ". Keypoints below visibility "
        + g("min_visibility")
        + " were not trusted; there, leg-region image motion (frame differencing) was used"
        + cite("min_visibility")
        + ".",
        "The pose model's left/right swaps were undone by continuity, its hips placed by a "
        "body model of the night: the long end of "
        "its torso lengths over a few minutes, lengthened by "
        f"{g('hip_offset_t')} torso lengths, along its own torso axis (MediaPipe puts an "
        "infant's hips on the belly)"
        + cite("hip_offset_t")
        + "; the knee and ankle were measured relative to the body — in the pelvis frame "
        "where the body moved in the picture as a whole faster than "
        f"{g('moving_picture_bl_s')} body lengths/s or its background faster than "
        f"{g('min_onset_bl_s')} (a moving camera: learned apart, no wake "
        "read)" + cite("moving_picture_bl_s") + ".",
        "A movement started when a leg's activity (knee/ankle speed in body lengths/s, or "
        "leg-region motion energy) rose above a noise-adaptive onset threshold (resting "
        f"level + {g('onset_k')} × noise, at least {g('min_onset_bl_s')} body lengths/s; "
        "when even the quietest stretches were not still — median speed "
        f"above {g('still_max_bl_s')} — rest {g('still_base_bl_s')} and noise "
        f"{g('still_noise_bl_s')} body lengths/s measured on still infants) "
        f"and ended at the start of at least {g('offset_min_s')} s below the offset "
        f"threshold (rest + {g('offset_k')} × noise)"
        + cite("onset_k", "offset_k", "offset_min_s")
        + f". A leg held off rest ({g('held_fraction')} of its peak for up to "
        f"{g('held_max_s')} s, or past still keypoints' jitter for up to "
        f"{g('held_motion_max_s')} s) kept its movement going, and a keypoint movement "
        f"also ended at {g('offset_min_s')} s of still pictures with the leg at rest"
        + cite_refs("video")
        + "; on leg-region motion, "
        f"two LM-long bursts of one leg less than "
        f"{g('held_motion_max_s')} s apart (up to {g('held_max_s')} s when the leg was out "
        "of the pose model's plain view, as under a blanket) were one movement.",
        f"Movements shorter than {g('lm_min_s')} s were twitches and were never combined "
        "with another movement"
        + cite("lm_min_s")
        + "; a twitch seen on both legs at once was counted once"
        + cite_refs("video")
        + f". Movements of the two legs overlapping or less than {g('bilateral_gap_s')} s apart "
        "were combined, however many pieces (chained pieces included). Candidate leg "
        f"movements (LMs) lasted {g('lm_min_s')}–{g('lm_max_s')} s on one leg, or up to "
        f"{g('bilateral_lm_max_s')} s combined, of at most {g('bilateral_max_legs')} one-leg "
        f"movements none longer than {g('lm_max_s')} s; any other movement was no candidate "
        "LM (a long movement) and ended a series"
        + cite("lm_max_s", "bilateral_lm_max_s", "bilateral_gap_s", "bilateral_max_legs")
        + f". A movement of {g('large_min_s')}–{g('large_max_s')} s during which the body "
        "moved with the legs (whole-frame motion the leg regions do not explain, for at least "
        f"{_num(100 * float(st['large_body_share']))}% of it) was a large-muscle-group "
        "movement — a roll-over, not a leg movement — and ended a series too"
        + cite("large_min_s", "large_body_share")
        + ". On keypoints a movement was cut to the frames where its leg region changed in "
        "the image and dropped when it never did (pose jitter); across frames the gated pose "
        "step skipped, a change of the keypoints was placed where the leg region changed"
        + cite("confirm_s")
        + ".",
        f"A PLM series was at least {g('plm_min_count')} consecutive LMs with onset-to-onset "
        f"intervals (IMIs) of {g('plm_min_interval_s')}–{g('plm_max_interval_s')} s"
        + cite_refs("WASM")
        + " (AASM: 5–90 s); twitches were skipped. A longer interval ended a series, and the "
        "LM after it could open the next; "
        f"an LM less than {g('plm_min_interval_s')} s after the previous one ended the "
        "series and was no PLM, and the LM after it could open a new series"
        + cite_refs("WASM", "MATPLM")
        + ". A long or large movement, an artifact span and a stretch without usable video "
        "(no trusted pose and no frames) between two LMs ended a series: no series bridges "
        "them. The PLMS index is PLMs during sleep per hour of sleep and the PLMW index PLMs "
        "while awake per hour awake in bed; the LM index likewise in sleep and in wake. "
        f"{g('plm_index_reference_per_h')}/h is the PLMS-index reference used for children "
        "from about 5 years, with a clinical sleep complaint"
        + cite("plm_index_reference_per_h")
        + "; there are no infant norms and video has not been validated for it. The "
        "periodicity index is the share of IMIs of "
        f"{g('plm_min_interval_s')}–{g('plm_max_interval_s')} s lying in runs of at least "
        f"{_num(float(st['plm_min_count']) - 1)} such IMIs, over all IMIs, separately for "
        "sleep and wake"
        + cite_refs("Ferri2006")
        + " (an IMI counts in the state of the LM that ends it); the IMI "
        "distribution is given in log-spaced bins with the rate of short-interval LMs (IMI "
        f"under {g('plm_min_interval_s')} s), whose peak in children lies at 2–4 s"
        + cite_refs("Ferri2018")
        + ". Breathing was not recorded: LMs associated with breathing events, which "
        "polysomnography leaves out of the PLM count, cannot be told apart here. From less "
        f"than {_num(st['rate_min_sleep_s'] / 60)} min of sleep no rate is reliable (one "
        "shortest PLM series alone would make the index above 4/h): such a night's rates per "
        "hour of sleep (the PLMS index, the short-interval LMs) are shown greyed as too "
        "little sleep, never compared with the reference, and its PLMS index is left out of "
        "medians across nights" + cite("rate_min_sleep_s") + ".",
        "Rhythm was sought in each leg's movement relative to the body (keypoints, else "
        "optical flow): "
        f"{g('rhythm_window_s')}-s windows and half that, every {g('rhythm_step_s')} s, were "
        f"rhythmic with {g('rhythm_min_periodicity')} of a leg's power at one frequency in "
        f"{g('rhythm_fmin_hz')}–{g('rhythm_fmax_hz')} Hz, forming a bout of at least "
        f"{g('rhythm_min_cycles')} cycles ({g('rhythm_embedded_min_s')} s inside ongoing "
        f"movement; F-test against the minute around it, p ≤ {g('rhythm_max_chance')}), "
        "cycling when the legs moved beyond 90° from in phase, else kicking "
        "(legmove's own rule; the AASM's rhythmic movement disorder asks at least 4 "
        "movements at 0.5–2 Hz)"
        + cite("rhythm_min_cycles", "rhythm_fmin_hz", "rhythm_fmax_hz", "rhythm_window_s")
        + ".",
        f"Sleep and wake were scored actigraphy-style in {g('epoch_s')}-s epochs"
        + cite("epoch_s")
        + ": a sample was active when the body moved in a way the legs do not explain "
        "(whole-frame motion beyond the night's own whole-to-leg-region motion ratio, the "
        f"{g('sleep_leg_ratio_quantile')} quantile, times the leg regions' motion, above rest "
        f"+ {g('whole_onset_k')} × noise), when leg movements starting less than "
        f"{g('sleep_leg_chain_s')} s apart went on for at least {g('sleep_leg_bout_s')} s, or "
        "during rhythmic kicking or cycling: a leg movement with the rest of the body still — "
        "an LM, a PLM series however dense, a twitch cluster — did not make the baby awake"
        + cite_refs("video")
        + ". An epoch's activity was its active fraction, smoothed over the epoch and two "
        "neighbours each side with weights 0.1, 0.2, 0.4, 0.2, 0.1, and an epoch was wake "
        f"above {g('wake_activity_threshold')}"
        + cite("wake_activity_threshold")
        + f". A sleep bout of at most {g('isolated_sleep_max_s')} s with at least "
        f"{g('isolated_sleep_wake_s')} s of wake on each side was rescored wake"
        + cite("isolated_sleep_max_s", "isolated_sleep_wake_s")
        + f". Sleep onset was the start of the first sleep bout lasting at least "
        f"{g('sleep_onset_min_s')} s"
        + cite("sleep_onset_min_s")
        + "; after it, a wake bout followed by sleep was an awakening when its epochs "
        f"active on their own (before smoothing) added up to at least {g('wake_min_s')} s, "
        "else it was rescored sleep (a brief stir); wake running to the end of the "
        "recording is the final waking, not an awakening"
        + cite("wake_min_s")
        + ". Sleep efficiency is total sleep over the time from the in-bed time (or the "
        "start of the recording) to its end, without artifact time; time to fall asleep "
        "is from that in-bed time to sleep onset.",
        "Artifact spans were excluded from scoring (movements and bouts cut at them and "
        f"kept outside them as one, parts under {g('lm_min_s')} s dropped, a cut LM no "
        "candidate LM; epochs overlapping them not scored, and counted as "
        "sleep only between sleep epochs, no PLM series across them): whole-frame motion "
        "not explained by the leg "
        f"regions' motion (beyond {g('artifact_coupling_margin')} × the night's own "
        f"whole-to-leg motion ratio, itself at least {g('artifact_coupling_min')}, by more "
        f"than {g('artifact_k')} × noise, at least "
        f"{g('artifact_min_motion')}) for at least {g('artifact_min_s')} s, or torso "
        f"keypoints jumping more than {g('artifact_torso_jump_bl')} body lengths in 0.25 s, "
        "with motion also rising outside the baby's body region, "
        "was a caregiver in view (or a camera move when the whole picture moved evenly and "
        "the baby sat elsewhere afterwards); a one-frame whole-frame change of at least "
        f"{g('artifact_light_motion')} was a lighting change; motion in both leg regions "
        "across which both legs went out of (or came into) the pose model's plain view, "
        f"for at least {g('cover_window_s')} s on each side, was a cover put on or taken "
        "off; each span was widened by "
        f"{g('artifact_pad_s')} s"
        + cite("artifact_k", "artifact_min_s", "artifact_light_motion")
        + ".",
        f"Episodes flagged for review: each PLM series; an awakening beginning with an LM "
        f"(within {g('awakening_lm_window_s')} s before it); at least "
        f"{g('restless_settling_min_lms')} LMs in the {window_min} min settling window "
        f"before sleep onset (the last {window_min} min of the recording when no sleep "
        "was found); rhythmic movement while settling or "
        f"asleep (bouts less than {g('rhythmic_merge_s')} s apart joined); at most "
        f"{g('episodes_max')} listed, most important first"
        + cite("restless_settling_min_lms", "settling_window_s", "episodes_max")
        + ".",
    ]
    soft = ", ".join(
        f"{k} {val}"
        for k, val in v.items()
        if k not in ("pose_model", "legmove") and val and val != "not installed"
    )
    if soft:
        parts.append(f"Software: {soft}.")
    if summary.get("recording") == "clip":
        parts.append(
            f"This recording is a clip (shorter than {g('night_min_s')} s): sleep was not "
            "scored and no index per hour is given — counts, not rates" + cite("night_min_s") + "."
        )
    parts.append(
        "This is a screening and documentation aid, not a diagnosis; video-based rules are "
        "adaptations of polysomnography and actigraphy standards and have not been "
        "clinically validated."
    )
    refs = methods_references()
    lines = [f"[{t}] {refs[t]}" for t in cited if t in refs and t != "video"]
    text = " ".join(parts)
    if lines:
        text += "\n\nReferences: " + " ".join(lines)
    return text
