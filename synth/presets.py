"""Named synthetic scenes covering the variations of issue 3 (used by bench/accuracy).

Every preset takes a ``seed`` (random wiggles, twitches, colours, noise) and keyword
overrides of the :class:`~synth.scene.Scene` fields (e.g. ``fps=30``,
``width=1280, height=720`` or ``duration_s`` — items beyond a shortened duration must
not exist, so shorten only presets whose items allow it). ``PRESETS`` maps each name to a
one-line description; :func:`synth_preset` builds one.

==================  ========  ===  ===  ===========================================================
name                size      fps  min  covers
==================  ========  ===  ===  ===========================================================
clean_day           480×360   25   6    colour, head up; wake wiggling → settling → sleep (300 s);
                                        one-leg and bilateral LMs, LMs < 10 s apart, a long
                                        movement, twitches; no PLM series
plm_sleep           480×360   15   6    two PLM series (6 LMs alternating legs at 19–31 s; 4
                                        bilateral LMs at 35 s) split by a long movement; an LM
                                        6 s after a series LM (not in the series)
rhythmic_settling   640×480   30   4    seven rhythmic bouts while settling: kicking (both legs,
                                        one leg) and cycling, 0.5–4 Hz, 4–24 cycles, one bout long
                                        enough to be a long movement; only 40 s of sleep. Bouts
                                        20–25 s apart may chain with settling LMs into (wake) PLM
                                        series — the truth lists them by the rule
blanket             480×360   25   6    blanket over the legs 45–250 s with a PLM series, a
                                        bilateral LM, an LM, a twitch, a rhythmic bout and a long
                                        movement under it; LMs before and after
caregiver_arm       480×360   25   5    five caregiver-arm visits from the right, top, left,
                                        bottom (over the legs) and a corner; LMs only between
infrared_rotated    640×480   15   7    colour → infrared switch at 20 s; body turned 135°,
                                        smaller; PLM series, LMs, a cycling bout, a 65-s awakening
small_baby_30fps    640×480   30   5.5  small baby (body = 0.38 of the frame height), off-centre,
                                        turned 30°; LMs, a 2.5 Hz kicking bout, many twitches
repositioned        480×360   25   4    baby moved twice (to 90°, later 200°, other sizes) in wake;
                                        LMs at each angle; arms up in the "W" pose (MediaPipe
                                        then often swaps left/right); only 120 s of first sleep
prone               480×360   25   5.5  baby face-down (legs seen from behind); PLM series, LMs
moving_camera       480×360   25   5    a handheld/moving camera (synth.camera): shake 40–110 s,
                                        a pan and back 130–175 s, a zoom in and out 185–240 s,
                                        shake while panning 250–280 s; LMs with the camera still
                                        and while it moves, camera motion with no LM as well
demo_night          320×240   15   8    the committed demo: wake → settling with LMs and a cycling
                                        bout → sleep (305 s) with a PLM series, LMs, twitches →
                                        a 65-s awakening → sleep
==================  ========  ===  ===  ===========================================================

plm_dense_sleep, plm_awake and twitch_clusters (scenes for the WASM scoring rules) are
described in :mod:`synth.presets_wasm`.

Sleep onset: the default analysis rule needs a first sleep period of >= 300 s
(``Settings.sleep_onset_min_s``). ``summary.json`` gives ``first_sleep_s``; scenes whose first
sleep stretch is shorter (rhythmic_settling, repositioned) should not be scored on sleep onset.
Awakenings are wake periods after sleep onset; all scripted ones last >= 60 s
(``Settings.wake_min_s``).

The "wriggling settling" family (rhythmic bouts inside continuous awake wriggling, under a
blanket, face-down) is in :mod:`synth.presets_rhythm` and registered here.

Scenes keep every random movement at least 1 s from any other movement, and keep random
movements out of PLM series, caregiver-arm and repositioning spans, so the truth does not
depend on borderline merges.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from synth.camera import CameraMotion
from synth.presets_rhythm import RHYTHM_BUILDERS
from synth.presets_wasm import WASM_BUILDERS
from synth.scene import (
    Blanket,
    CaregiverArm,
    Infrared,
    Item,
    LegMovement,
    Period,
    PLMSeries,
    Reposition,
    Rhythmic,
    Scene,
    Twitch,
    Twitches,
    awakening,
    synth_scene,
)

__all__ = ["PRESETS", "synth_preset", "preset_names"]


def _clean_day() -> tuple[dict[str, Any], list[Item]]:
    items: list[Item] = [
        Period(0, 30, "wake"),
        Period(30, 60, "settling"),
        Period(60, 360, "sleep"),
        LegMovement(75, 1.2, "left"),
        LegMovement(81.5, 2.5, "right"),
        LegMovement(88, 4.0, "bilateral"),
        Twitch(135, "left", 0.2),
        LegMovement(180, 7.0, "left"),
        LegMovement(189, 1.0, "right"),
        LegMovement(215, 18.0, "bilateral"),
        LegMovement(250, 0.8, "right"),
        LegMovement(300, 2.0, "bilateral"),
        LegMovement(345, 1.5, "left"),
        Twitches(62, 358, 3.0),
    ]
    return {"duration_s": 360, "fps": 25, "width": 480, "height": 360}, items


def _plm_sleep() -> tuple[dict[str, Any], list[Item]]:
    items: list[Item] = [
        Period(0, 30, "settling"),
        Period(30, 360, "sleep"),
        PLMSeries(45, 6, (22.0, 28.0, 19.0, 31.0, 25.0), (1.5, 2.0, 1.0, 3.0, 1.2, 2.5)),
        LegMovement(185, 20.0, "bilateral"),
        PLMSeries(215, 4, 35.0, 1.8, "bilateral"),
        LegMovement(326, 1.0, "left"),
        Twitches(32, 358, 4.0),
    ]
    return {"duration_s": 360, "fps": 15, "width": 480, "height": 360}, items


def _rhythmic_settling() -> tuple[dict[str, Any], list[Item]]:
    items: list[Item] = [
        Period(0, 20, "wake"),
        Period(20, 200, "settling", activity=0.5),
        Period(200, 240, "sleep"),
        Rhythmic(30, 1.0, 5, "kicking", "bilateral"),
        Rhythmic(50, 2.0, 8, "cycling"),
        Rhythmic(70, 0.7, 4, "kicking", "left"),
        Rhythmic(95, 3.0, 12, "cycling"),
        Rhythmic(115, 0.5, 6, "kicking", "bilateral"),
        Rhythmic(140, 1.2, 24, "cycling"),
        Rhythmic(172, 4.0, 10, "kicking", "right"),
        LegMovement(185, 2.0, "left"),
        Twitches(201, 239, 4.0),
    ]
    return {"duration_s": 240, "fps": 30, "width": 640, "height": 480}, items


def _blanket() -> tuple[dict[str, Any], list[Item]]:
    items: list[Item] = [
        Period(0, 30, "settling"),
        Period(30, 360, "sleep"),
        Blanket(45, 250),
        PLMSeries(60, 5, 24.0, (1.5, 2.0, 1.2, 2.5, 1.8)),
        LegMovement(163, 5.0, "bilateral"),
        LegMovement(180, 0.8, "right"),
        Twitch(190, "left", 0.3),
        Rhythmic(200, 1.0, 4, "kicking", "bilateral"),
        LegMovement(212, 14.0, "left"),
        LegMovement(262, 2.0, "right"),
        LegMovement(285, 1.0, "left"),
        LegMovement(320, 1.5, "bilateral"),
        Twitches(30, 358, 3.0),
    ]
    return {"duration_s": 360, "fps": 25, "width": 480, "height": 360}, items


def _caregiver_arm() -> tuple[dict[str, Any], list[Item]]:
    items: list[Item] = [
        Period(0, 300, "sleep"),
        LegMovement(15, 1.5, "left"),
        LegMovement(21, 2.0, "right"),
        CaregiverArm(30, 42, 0.0),
        LegMovement(60, 1.0, "bilateral"),
        LegMovement(66, 3.0, "left"),
        CaregiverArm(85, 100, 270.0),
        LegMovement(125, 1.2, "right"),
        LegMovement(131, 2.0, "left"),
        CaregiverArm(155, 166, 180.0),
        LegMovement(180, 1.0, "right"),
        LegMovement(186, 1.5, "left"),
        CaregiverArm(198, 213, 90.0),
        LegMovement(225, 2.0, "bilateral"),
        CaregiverArm(240, 252, 45.0),
        LegMovement(270, 1.0, "right"),
        Twitches(0, 300, 3.0),
    ]
    return {"duration_s": 300, "fps": 25, "width": 480, "height": 360}, items


def _infrared_rotated() -> tuple[dict[str, Any], list[Item]]:
    items: list[Item] = [
        Infrared(20.0),
        Period(0, 30, "settling"),
        Period(30, 335, "sleep"),
        awakening(335, 65),
        Period(400, 420, "sleep"),
        PLMSeries(55, 5, 26.0, 1.5),
        LegMovement(163, 3.0, "bilateral"),
        LegMovement(250, 1.5, "right"),
        Rhythmic(300, 1.5, 6, "cycling"),
        Twitches(30, 333, 4.0),
        Twitches(400, 418, 4.0),
    ]
    view = {
        "duration_s": 420,
        "fps": 15,
        "width": 640,
        "height": 480,
        "rotation_deg": 135.0,
        "size": 0.6,
    }
    return view, items


def _small_baby_30fps() -> tuple[dict[str, Any], list[Item]]:
    items: list[Item] = [
        Period(0, 30, "wake"),
        Period(30, 330, "sleep"),
        LegMovement(45, 1.0, "left"),
        LegMovement(52, 2.5, "right"),
        LegMovement(80, 6.0, "bilateral"),
        Rhythmic(100, 2.5, 8, "kicking", "bilateral"),
        LegMovement(108, 1.2, "left"),
        LegMovement(150, 0.7, "right"),
        LegMovement(200, 2.0, "left"),
        LegMovement(206, 1.0, "right"),
        LegMovement(260, 1.5, "bilateral"),
        LegMovement(300, 1.0, "left"),
        Twitches(30, 328, 5.0),
    ]
    view = {
        "duration_s": 330,
        "fps": 30,
        "width": 640,
        "height": 480,
        "rotation_deg": 30.0,
        "size": 0.38,
        "center": (0.38, 0.58),
    }
    return view, items


def _repositioned() -> tuple[dict[str, Any], list[Item]]:
    items: list[Item] = [
        Period(0, 30, "wake"),
        Reposition(5, 3.0, (0.5, 0.5), 90.0, 0.62),
        Period(30, 150, "sleep"),
        LegMovement(45, 1.5, "left"),
        LegMovement(70, 3.0, "bilateral"),
        Twitch(90, "right", 0.25),
        LegMovement(110, 1.0, "right"),
        awakening(150, 60),
        Reposition(175, 4.0, (0.45, 0.52), 200.0, 0.8),
        Period(210, 240, "sleep"),
        LegMovement(218, 2.0, "left"),
        LegMovement(230, 1.2, "bilateral"),
    ]
    view = {"duration_s": 240, "fps": 25, "width": 480, "height": 360, "arms": "up"}
    return view, items


def _prone() -> tuple[dict[str, Any], list[Item]]:
    items: list[Item] = [
        Period(0, 30, "settling"),
        Period(30, 330, "sleep"),
        PLMSeries(40, 4, 20.0, 1.5, "right"),
        LegMovement(108, 2.0, "bilateral"),
        LegMovement(140, 1.0, "left"),
        LegMovement(200, 1.5, "right"),
        LegMovement(206, 1.0, "left"),
        LegMovement(250, 1.2, "bilateral"),
        Twitches(30, 328, 3.0),
    ]
    view = {"duration_s": 330, "fps": 25, "width": 480, "height": 360, "prone": True}
    return view, items


def _moving_camera() -> tuple[dict[str, Any], list[Item]]:
    items: list[Item] = [
        Period(0, 300, "sleep"),
        LegMovement(10, 1.5, "left"),
        LegMovement(25, 2.0, "bilateral"),
        CameraMotion(40, 110, "shake", 0.02, move_s=2.0),
        LegMovement(50, 1.2, "right"),
        LegMovement(62, 2.5, "left"),
        LegMovement(75, 1.5, "bilateral"),
        LegMovement(88, 1.0, "right"),
        LegMovement(118, 1.5, "left"),
        CameraMotion(130, 175, "pan", 0.1, 30.0, move_s=2.5),
        LegMovement(150, 1.5, "left"),
        LegMovement(160, 2.0, "right"),
        LegMovement(171, 1.5, "bilateral"),  # while the picture slides back
        CameraMotion(185, 240, "zoom", 0.25, move_s=3.0),
        LegMovement(186, 1.2, "right"),  # while it zooms in
        LegMovement(200, 1.5, "left"),
        LegMovement(212, 2.0, "bilateral"),
        CameraMotion(250, 280, "shake", 0.015, move_s=1.5),
        CameraMotion(252, 278, "pan", 0.08, 200.0, move_s=4.0),
        LegMovement(262, 1.5, "right"),
        LegMovement(290, 1.2, "left"),
        Twitches(2, 298, 2.0),
    ]
    view = {"duration_s": 300, "fps": 25, "width": 480, "height": 360, "size": 0.6}
    return view, items


def _demo_night() -> tuple[dict[str, Any], list[Item]]:
    items: list[Item] = [
        Period(0, 35, "wake"),
        Period(35, 90, "settling", activity=0.8),
        LegMovement(45, 1.5, "left"),
        Rhythmic(55, 1.0, 5, "cycling"),
        LegMovement(64, 3.0, "bilateral"),
        Period(90, 395, "sleep"),
        PLMSeries(110, 5, (21.0, 19.0, 22.0, 20.0), (1.5, 2.0, 1.0, 2.5, 1.5)),
        LegMovement(198, 1.2, "right"),
        LegMovement(300, 2.0, "left"),
        Twitches(92, 393, 3.0),
        awakening(395, 65, activity=0.8),
        Period(460, 480, "sleep"),
    ]
    return {"duration_s": 480, "fps": 15, "width": 320, "height": 240}, items


_BUILDERS: dict[str, tuple[Callable[[], tuple[dict[str, Any], list[Item]]], str]] = {
    "clean_day": (_clean_day, "colour day scene: wake → settling → sleep, LMs, twitches"),
    "plm_sleep": (_plm_sleep, "sleep with two PLM series split by a long movement"),
    "rhythmic_settling": (_rhythmic_settling, "rhythmic kicking and cycling 0.5–4 Hz"),
    "blanket": (_blanket, "blanket over the legs with LMs and a PLM series under it"),
    "caregiver_arm": (_caregiver_arm, "caregiver's arm enters four times (not leg movements)"),
    "infrared_rotated": (_infrared_rotated, "infrared switch, body turned 135°, awakening"),
    "small_baby_30fps": (_small_baby_30fps, "small, off-centre, 30° baby at 30 fps"),
    "repositioned": (_repositioned, "baby moved to new angles and sizes during wake"),
    "prone": (_prone, "baby face-down; pose expected to fail, motion only"),
    "moving_camera": (_moving_camera, "handheld shake, pan and zoom, LMs while it moves"),
    "demo_night": (_demo_night, "the demo night in sample_videos/"),
    **WASM_BUILDERS,  # scenes for the WASM scoring rules (synth/presets_wasm.py)
    **RHYTHM_BUILDERS,  # the wriggling-settling scenes (synth/presets_rhythm.py)
}

#: Preset name → one-line description.
PRESETS: dict[str, str] = {k: v[1] for k, v in _BUILDERS.items()}


def preset_names() -> list[str]:
    return list(PRESETS)


def synth_preset(name: str, seed: int = 0, **overrides: Any) -> Scene:
    """The named preset scene; ``overrides`` replace scene fields (fps, width, ...)."""
    if name not in _BUILDERS:
        raise ValueError(f"unknown preset {name!r}; choose from {', '.join(PRESETS)}")
    view, items = _BUILDERS[name][0]()
    params: dict[str, Any] = {**view, "seed": seed, "name": name, **overrides}
    return synth_scene(items=items, **params)
