"""Scenes for the WASM scoring rules: dense periodic LMs asleep, periodic LMs awake, and
clusters of active-sleep twitches (registered in :mod:`synth.presets`).

==================  ========  ===  ===  ===========================================================
name                size      fps  min  covers
==================  ========  ===  ===  ===========================================================
plm_dense_sleep     480×360   15   8    asleep throughout, body still: 22 LMs of 2–5 s, 14–25 s
                                        apart (one PLM series, 165/h): sleep/wake must not turn
                                        dense periodic leg movements into wake
plm_awake           480×360   15   8    awake 0–240 s (arms and head moving, no random leg
                                        wiggles) with 10 LMs 22 s apart (PLMW), a long movement,
                                        then asleep with 7 LMs 30–40 s apart (PLMS)
twitch_clusters     480×360   15   7    active sleep: 19 clusters of five 0.2-s twitches 1 s apart
                                        on alternating legs, the clusters 15–30 s apart (they
                                        would be PLM series if twitches were LMs); 4 LMs between,
                                        over 90 s apart
==================  ========  ===  ===  ===========================================================

Take a seed and another frame rate as any preset: ``synth_preset("twitch_clusters", seed=2,
fps=30)``.
"""

from __future__ import annotations

from typing import Any

from synth.scene import Item, LegMovement, Period, PLMSeries, Twitch

__all__ = ["WASM_BUILDERS"]

#: onset-to-onset intervals of the dense series (s), cycled; durations of its LMs (s), cycled
_DENSE_IV = (14.0, 19.0, 25.0, 16.0, 22.0, 18.0, 15.0, 24.0, 20.0, 17.0, 23.0)
_DENSE_DUR = (2.0, 3.5, 5.0, 2.5, 4.0, 3.0, 4.5)
_DENSE_SIDE = ("left", "right", "bilateral")
#: gaps between twitch clusters (s), cycled: all inside 10-90 s onset to onset
_CLUSTER_GAP = (20.0, 15.0, 27.0, 18.0, 30.0, 22.0, 16.0, 25.0, 19.0)


def _plm_dense_sleep() -> tuple[dict[str, Any], list[Item]]:
    items: list[Item] = [Period(0, 480, "sleep")]
    t = 20.0
    for k in range(22):
        side = _DENSE_SIDE[k % 3]
        items.append(LegMovement(t, _DENSE_DUR[k % len(_DENSE_DUR)], side))
        t += _DENSE_IV[k % len(_DENSE_IV)]
    return {"duration_s": 480, "fps": 15, "width": 480, "height": 360}, items


def _plm_awake() -> tuple[dict[str, Any], list[Item]]:
    items: list[Item] = [
        # awake without random leg wiggles: arms reach and the head turns (synth.motion)
        Period(0, 240, "wake", activity=0.0),
        PLMSeries(15, 10, 22.0, (1.5, 2.5, 2.0, 3.0, 1.8) * 2, "alternate"),
        LegMovement(218, 18.0, "bilateral"),  # a long movement ends the series
        Period(240, 480, "sleep"),
        PLMSeries(270, 6, 30.0, 2.0, "bilateral"),
        LegMovement(460, 1.5, "left"),  # 40 s after the last: a 7th PLM
    ]
    return {"duration_s": 480, "fps": 15, "width": 480, "height": 360}, items


def _twitch_clusters() -> tuple[dict[str, Any], list[Item]]:
    items: list[Item] = [Period(0, 420, "sleep")]
    t, k = 12.0, 0
    lms = {
        2: (4.0, 1.5, "left"),
        7: (5.0, 2.5, "bilateral"),
        12: (6.0, 1.2, "right"),
        16: (4.5, 3.0, "left"),
    }
    while t < 400.0:
        for j in range(5):  # five 0.2-s twitches 1 s apart on alternating legs
            items.append(Twitch(t + j, ("left", "right")[(j + k) % 2], 0.2))
        if k in lms:  # an LM a few seconds after some clusters (not periodic)
            dt, dur, side = lms[k]
            items.append(LegMovement(t + 4.0 + dt, dur, side))
        t += _CLUSTER_GAP[k % len(_CLUSTER_GAP)]
        k += 1
    return {"duration_s": 420, "fps": 15, "width": 480, "height": 360}, items


WASM_BUILDERS = {
    "plm_dense_sleep": (_plm_dense_sleep, "asleep, body still, 22 LMs 14–25 s apart"),
    "plm_awake": (_plm_awake, "periodic LMs while awake (PLMW), then asleep (PLMS)"),
    "twitch_clusters": (_twitch_clusters, "active-sleep twitch clusters 15–30 s apart"),
}
