"""The "wriggling settling" family of generated scenes: rhythmic bouts wherever they happen.

An awake baby wriggles with its whole body without a pause for five minutes
(:class:`~synth.scene.Wriggle`: both legs moving irregularly all the time, the trunk
swaying, the arms reaching), and does rhythmic bouts inside that wriggling — kicking with
both legs, with one leg, and cycling, 0.7–2.8 Hz, 8–14 s long — then settles under a
blanket with more bouts whose legs only image motion can show, then sleeps. Every bout is
in the truth's ``bouts.csv``; the wriggling with its bouts is one long movement in the
truth's events (as the analysis's movement segmentation sees it too).

=========================  ========  ===  ===  ==============================================
name                       size      fps  min  covers
=========================  ========  ===  ===  ==============================================
wriggling_settling         480×360   25   8    wake wriggling 3–307 s with five bouts inside
                                               (bilateral and one-leg kicking, cycling);
                                               settling 310–380 s under a blanket (from
                                               320 s) with two bouts; sleep 380–480 s
wriggling_settling_15fps   640×480   15   8    the same script at 15 fps, body turned -25°
wriggling_prone            480×360   25   7    face-down baby wriggling 0–300 s with four
                                               bouts (pose expected to fail: motion only),
                                               then sleep
=========================  ========  ===  ===  ==============================================

Run them with several seeds (``python -m bench.accuracy wriggling_settling --seeds 0 1 2``):
a seed changes the wriggling, the random movements, the colours and the noise.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from synth.scene import Blanket, Item, Period, Rhythmic, Twitches, Wriggle

__all__ = ["RHYTHM_BUILDERS"]


def _settling_items() -> list[Item]:
    return [
        Period(0, 310, "wake"),
        Wriggle(3, 307),
        Rhythmic(35, 1.0, 8, "kicking", "bilateral"),  # 35-43 s
        Rhythmic(90, 1.6, 16, "cycling"),  # 90-100.3 s
        Rhythmic(150, 2.2, 18, "kicking", "left"),  # 150-158.2 s
        Rhythmic(205, 0.7, 7, "cycling"),  # 205-215.7 s
        Rhythmic(260, 2.8, 40, "kicking", "bilateral"),  # 260-274.3 s
        Period(310, 380, "settling", activity=0.5),
        Blanket(320, 470),
        Rhythmic(335, 1.2, 8, "kicking", "bilateral"),  # 335-341.7 s, under the blanket
        Rhythmic(355, 0.8, 6, "cycling"),  # 355-363.1 s, under the blanket
        Period(380, 480, "sleep"),
        Twitches(382, 468, 3.0),
    ]


def _wriggling_settling() -> tuple[dict[str, Any], list[Item]]:
    return {"duration_s": 480, "fps": 25, "width": 480, "height": 360}, _settling_items()


def _wriggling_settling_15fps() -> tuple[dict[str, Any], list[Item]]:
    view = {
        "duration_s": 480,
        "fps": 15,
        "width": 640,
        "height": 480,
        "rotation_deg": -25.0,
        "size": 0.62,
        "center": (0.52, 0.48),
    }
    return view, _settling_items()


def _wriggling_prone() -> tuple[dict[str, Any], list[Item]]:
    items: list[Item] = [
        Period(0, 300, "wake"),
        Wriggle(3, 297),
        Rhythmic(35, 1.2, 10, "kicking", "bilateral"),  # 35-43.3 s
        Rhythmic(100, 1.8, 18, "cycling"),  # 100-110.3 s
        Rhythmic(170, 0.9, 8, "cycling"),  # 170-179.4 s
        Rhythmic(235, 2.4, 24, "kicking", "right"),  # 235-245 s
        Period(300, 420, "sleep"),
        Twitches(302, 418, 3.0),
    ]
    return {"duration_s": 420, "fps": 25, "width": 480, "height": 360, "prone": True}, items


#: name -> (builder, one-line description), merged into :data:`synth.presets.PRESETS`
RHYTHM_BUILDERS: dict[str, tuple[Callable[[], tuple[dict[str, Any], list[Item]]], str]] = {
    "wriggling_settling": (
        _wriggling_settling,
        "awake whole-body wriggling with rhythmic bouts inside, then bouts under a blanket",
    ),
    "wriggling_settling_15fps": (
        _wriggling_settling_15fps,
        "the wriggling-settling script at 15 fps, body turned",
    ),
    "wriggling_prone": (
        _wriggling_prone,
        "face-down baby wriggling with rhythmic bouts (motion only)",
    ),
}
