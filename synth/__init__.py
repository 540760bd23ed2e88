"""Synthetic nursery-camera nights with a known answer (ground truth).

Build a scene, render it::

    from synth import synth_scene, synth_render, LegMovement, PLMSeries, Period

    scene = synth_scene(300, fps=15, width=480, height=360, seed=1, items=[
        Period(0, 60, "settling"), Period(60, 300, "sleep"),
        PLMSeries(80, count=5, interval_s=25.0),
    ])
    synth_render(scene, "night.mp4")   # night.mp4 + night.truth/{events,episodes,spans}.csv,
                                       # summary.json, keypoints.npz

or take a named preset: ``synth_render(synth_preset("plm_sleep"), "plm.mp4")``.
See :mod:`synth.presets` for the presets and what each covers.
"""

from synth.presets import PRESETS, synth_preset
from synth.program import Program, program_compile
from synth.render import FrameState, Look, Renderer
from synth.scene import (
    Blanket,
    CaregiverArm,
    Infrared,
    LegMovement,
    Period,
    PLMSeries,
    Reposition,
    Rhythmic,
    Scene,
    Twitch,
    Twitches,
    Wriggle,
    awakening,
    synth_scene,
)
from synth.truth import plm_series_numbers, truth_events
from synth.write import synth_render, synth_truth, truth_dir_for

__all__ = [
    "Blanket",
    "CaregiverArm",
    "FrameState",
    "Infrared",
    "LegMovement",
    "Look",
    "PLMSeries",
    "PRESETS",
    "Period",
    "Program",
    "Renderer",
    "Reposition",
    "Rhythmic",
    "Scene",
    "Twitch",
    "Twitches",
    "Wriggle",
    "awakening",
    "plm_series_numbers",
    "program_compile",
    "synth_preset",
    "synth_render",
    "synth_scene",
    "synth_truth",
    "truth_dir_for",
    "truth_events",
]
