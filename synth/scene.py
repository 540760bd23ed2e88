"""Scripted synthetic nursery scenes: a duration, a frame rate, a frame size, a seed and
a list of timed items.

Items (all times in seconds from the first frame):

- periods of behaviour — :class:`Period` ``wake`` (awake wiggling: frequent random limb
  movement, whole-body bouts), ``settling`` (drowsy, occasional leg movements; scored as
  wake), ``sleep`` (breathing only). Time not covered by a period is quiet sleep. A
  ``wake`` period after sleep has begun is an awakening (:func:`awakening`).
- planted leg movements — :class:`Twitch` (0.1–0.4 s, one leg), :class:`LegMovement`
  (one leg or bilateral hip/knee flexion–extension; an LM when 0.5–10 s, or 0.5–15 s
  bilateral, a long movement when longer), :class:`Rhythmic` (kicking: in phase or one
  leg; cycling: anti-phase), :class:`PLMSeries` (n leg movements at given onset-to-onset
  intervals), :class:`Twitches` (random twitches at a rate) and :class:`Wriggle` (an
  awake baby's continuous whole-body wriggling; rhythmic bouts inside it take over the
  legs doing them).
- conditions — :class:`Blanket` over the legs, :class:`CaregiverArm` reaching in from a
  frame edge, :class:`Infrared` (greyscale night vision, noise, vignetting) and
  :class:`Reposition` (the baby is moved to a new place / angle / size).

:func:`synth_scene` builds a validated :class:`Scene`; ``synth.synth_render``
renders it to an H.264 file with its ground truth.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any, ClassVar

from synth.render import Look

__all__ = [
    "Item",
    "Period",
    "Twitch",
    "LegMovement",
    "Rhythmic",
    "PLMSeries",
    "Twitches",
    "Wriggle",
    "Blanket",
    "CaregiverArm",
    "Infrared",
    "Reposition",
    "Scene",
    "synth_scene",
    "awakening",
    "SIDES",
]

SIDES = ("left", "right", "bilateral")
_FPS = (15, 25, 30)


@dataclass(frozen=True)
class Item:
    """Base of all scene items; ``kind`` names the item in saved scene descriptions."""

    kind: ClassVar[str] = "item"

    def span(self) -> tuple[float, float]:
        """(start_s, end_s) the item occupies."""
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"kind": self.kind}
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            d[f.name] = list(v) if isinstance(v, tuple) else v
        return d


def _check_side(side: str, allowed: tuple[str, ...] = SIDES) -> None:
    if side not in allowed:
        raise ValueError(f"side must be one of {allowed}, got {side!r}")


def _check_span(start_s: float, end_s: float, what: str) -> None:
    if not (math.isfinite(start_s) and math.isfinite(end_s)) or start_s < 0 or end_s <= start_s:
        raise ValueError(f"{what}: need 0 <= start_s < end_s, got {start_s}..{end_s}")


@dataclass(frozen=True)
class Period(Item):
    """A stretch of behaviour: ``state`` is ``wake``, ``settling`` or ``sleep``.

    ``activity`` scales how often random leg movements occur in wake/settling (1 = default:
    about 10 movements a minute awake, 3 a minute settling).
    """

    kind: ClassVar[str] = "period"
    start_s: float
    end_s: float
    state: str = "sleep"
    activity: float = 1.0

    def __post_init__(self) -> None:
        _check_span(self.start_s, self.end_s, "Period")
        if self.state not in ("wake", "settling", "sleep"):
            raise ValueError(f"Period state must be wake, settling or sleep, got {self.state!r}")
        if self.activity < 0:
            raise ValueError("Period activity must not be negative")

    def span(self) -> tuple[float, float]:
        return (self.start_s, self.end_s)


def awakening(start_s: float, duration_s: float = 60.0, activity: float = 1.0) -> Period:
    """A wake bout with body movement inside sleep."""
    return Period(start_s, start_s + duration_s, "wake", activity)


@dataclass(frozen=True)
class Twitch(Item):
    """A brief, fast flick of one leg (0.1–0.4 s)."""

    kind: ClassVar[str] = "twitch"
    t_s: float
    side: str = "left"
    duration_s: float = 0.25
    amplitude: float = 1.0

    def __post_init__(self) -> None:
        _check_side(self.side, ("left", "right"))
        if not 0.05 <= self.duration_s < 0.5:
            raise ValueError(f"Twitch duration must be 0.05..0.5 s, got {self.duration_s}")

    def span(self) -> tuple[float, float]:
        return (self.t_s, self.t_s + self.duration_s)


@dataclass(frozen=True)
class LegMovement(Item):
    """A flexion–extension of one leg or both (an LM, or a long movement past 10/15 s)."""

    kind: ClassVar[str] = "leg_movement"
    t_s: float
    duration_s: float = 1.5
    side: str = "left"
    amplitude: float = 1.0

    def __post_init__(self) -> None:
        _check_side(self.side)
        if not 0.5 <= self.duration_s <= 120.0:
            raise ValueError(f"LegMovement duration must be 0.5..120 s, got {self.duration_s}")
        if not 0.3 <= self.amplitude <= 1.5:
            raise ValueError("amplitude must be 0.3..1.5")

    def span(self) -> tuple[float, float]:
        return (self.t_s, self.t_s + self.duration_s)


@dataclass(frozen=True)
class Rhythmic(Item):
    """A rhythmic bout: ``kicking`` (legs in phase, or one leg) or ``cycling`` (anti-phase).

    Each leg makes ``cycles`` full flexion–extension cycles at ``frequency_hz``. In cycling
    the right leg starts half a cycle after the left, so the bout lasts
    ``(cycles + 0.5) / frequency_hz``; kicking lasts ``cycles / frequency_hz``.
    """

    kind: ClassVar[str] = "rhythmic"
    t_s: float
    frequency_hz: float = 1.0
    cycles: int = 5
    pattern: str = "kicking"
    side: str = "bilateral"
    amplitude: float = 1.0

    def __post_init__(self) -> None:
        if self.pattern not in ("kicking", "cycling"):
            raise ValueError(f"pattern must be kicking or cycling, got {self.pattern!r}")
        _check_side(self.side)
        if self.pattern == "cycling" and self.side != "bilateral":
            raise ValueError("cycling needs both legs (side='bilateral')")
        if not 0.25 <= self.frequency_hz <= 6.0:
            raise ValueError(f"frequency_hz must be 0.25..6, got {self.frequency_hz}")
        if self.cycles < 1:
            raise ValueError("cycles must be >= 1")

    @property
    def duration_s(self) -> float:
        extra = 0.5 if self.pattern == "cycling" else 0.0
        return (self.cycles + extra) / self.frequency_hz

    def span(self) -> tuple[float, float]:
        return (self.t_s, self.t_s + self.duration_s)


@dataclass(frozen=True)
class PLMSeries(Item):
    """``count`` leg movements; onsets ``interval_s`` apart (one value or count-1 values).

    ``side`` is ``left``, ``right``, ``bilateral`` or ``alternate`` (left, right, ...).
    """

    kind: ClassVar[str] = "plm_series"
    t_s: float
    count: int = 4
    interval_s: float | tuple[float, ...] = 25.0
    duration_s: float | tuple[float, ...] = 1.5
    side: str = "alternate"
    amplitude: float = 1.0

    def __post_init__(self) -> None:
        if self.count < 1:
            raise ValueError("count must be >= 1")
        _check_side(self.side, (*SIDES, "alternate"))
        iv, du = self.intervals(), self.durations()
        if any(v <= 0 for v in iv) or any(not 0.5 <= d <= 15.0 for d in du):
            raise ValueError("intervals must be positive and durations 0.5..15 s")
        if any(i <= d for i, d in zip(iv, du, strict=False)):
            raise ValueError("each interval must exceed the movement's duration")

    def intervals(self) -> tuple[float, ...]:
        n = self.count - 1
        if isinstance(self.interval_s, tuple | list):
            if len(self.interval_s) != n:
                raise ValueError(f"interval_s needs {n} values, got {len(self.interval_s)}")
            return tuple(float(v) for v in self.interval_s)
        return (float(self.interval_s),) * n

    def durations(self) -> tuple[float, ...]:
        if isinstance(self.duration_s, tuple | list):
            if len(self.duration_s) != self.count:
                raise ValueError(f"duration_s needs {self.count} values")
            return tuple(float(v) for v in self.duration_s)
        return (float(self.duration_s),) * self.count

    def movements(self) -> list[LegMovement]:
        """The series as individual leg movements."""
        out, t = [], self.t_s
        iv = (*self.intervals(), 0.0)
        for k, d in enumerate(self.durations()):
            side = self.side if self.side != "alternate" else ("left", "right")[k % 2]
            out.append(LegMovement(t, d, side, self.amplitude))
            t += iv[k]
        return out

    def span(self) -> tuple[float, float]:
        ms = self.movements()
        return (ms[0].t_s, ms[-1].t_s + ms[-1].duration_s)


@dataclass(frozen=True)
class Twitches(Item):
    """Random twitches (either leg) at ``rate_per_min`` between ``start_s`` and ``end_s``."""

    kind: ClassVar[str] = "twitches"
    start_s: float
    end_s: float
    rate_per_min: float = 4.0

    def __post_init__(self) -> None:
        _check_span(self.start_s, self.end_s, "Twitches")
        if self.rate_per_min < 0:
            raise ValueError("rate_per_min must not be negative")

    def span(self) -> tuple[float, float]:
        return (self.start_s, self.end_s)


@dataclass(frozen=True)
class Wriggle(Item):
    """Continuous whole-body wriggling of an awake baby from ``start_s`` to ``end_s``: both
    legs move all the time, irregularly (band-limited random flexion of hip and knee,
    nothing periodic), the trunk sways and turns, and the arms reach as in any wake period.
    A :class:`Rhythmic` bout inside it takes over the legs that do it: their wriggling falls
    to ``residual`` of its size for the bout while the rest of the body keeps wriggling.
    """

    kind: ClassVar[str] = "wriggle"
    start_s: float
    end_s: float
    amplitude: float = 1.0
    residual: float = 0.25

    def __post_init__(self) -> None:
        _check_span(self.start_s, self.end_s, "Wriggle")
        if not 0.2 <= self.amplitude <= 1.5:
            raise ValueError("Wriggle amplitude must be 0.2..1.5")
        if not 0.0 <= self.residual <= 1.0:
            raise ValueError("Wriggle residual must be 0..1")

    def span(self) -> tuple[float, float]:
        return (self.start_s, self.end_s)


@dataclass(frozen=True)
class Blanket(Item):
    """A blanket over the legs; it slides on over ``move_s`` and off at the end."""

    kind: ClassVar[str] = "blanket"
    start_s: float
    end_s: float
    move_s: float = 1.5

    def __post_init__(self) -> None:
        _check_span(self.start_s, self.end_s, "Blanket")
        if not 0 < self.move_s * 2 <= self.end_s - self.start_s:
            raise ValueError("Blanket move_s must be positive and fit twice in the span")

    def span(self) -> tuple[float, float]:
        return (self.start_s, self.end_s)


@dataclass(frozen=True)
class CaregiverArm(Item):
    """A caregiver's arm reaching in from a frame edge; ``from_deg`` is the direction of the
    edge seen from the baby (0 = right, 90 = bottom, 180 = left, 270 = top)."""

    kind: ClassVar[str] = "caregiver_arm"
    start_s: float
    end_s: float
    from_deg: float = 0.0
    move_s: float = 1.2

    def __post_init__(self) -> None:
        _check_span(self.start_s, self.end_s, "CaregiverArm")
        if not 0 < self.move_s * 2 <= self.end_s - self.start_s:
            raise ValueError("CaregiverArm move_s must be positive and fit twice in the span")

    def span(self) -> tuple[float, float]:
        return (self.start_s, self.end_s)


@dataclass(frozen=True)
class Infrared(Item):
    """Infrared (greyscale night-vision) from ``start_s`` to ``end_s`` (None: to the end)."""

    kind: ClassVar[str] = "infrared"
    start_s: float
    end_s: float | None = None

    def __post_init__(self) -> None:
        if self.end_s is not None:
            _check_span(self.start_s, self.end_s, "Infrared")
        elif self.start_s < 0:
            raise ValueError("Infrared start_s must not be negative")

    def span(self) -> tuple[float, float]:
        return (self.start_s, math.inf if self.end_s is None else self.end_s)


@dataclass(frozen=True)
class Reposition(Item):
    """The baby is moved over ``duration_s`` to a new centre (fractions of the frame),
    angle (degrees) and size (body length / shorter frame side). None keeps a value."""

    kind: ClassVar[str] = "reposition"
    t_s: float
    duration_s: float = 3.0
    center: tuple[float, float] | None = None
    rotation_deg: float | None = None
    size: float | None = None

    def __post_init__(self) -> None:
        if self.duration_s <= 0:
            raise ValueError("Reposition duration must be positive")

    def span(self) -> tuple[float, float]:
        return (self.t_s, self.t_s + self.duration_s)


@dataclass(frozen=True)
class Scene:
    """A scripted scene. Build it with :func:`synth_scene` (which validates)."""

    duration_s: float
    fps: int = 15
    width: int = 480
    height: int = 360
    seed: int = 0
    items: tuple[Item, ...] = ()
    rotation_deg: float = 0.0
    size: float = 0.72  # body length as a fraction of the shorter frame side
    center: tuple[float, float] = (0.5, 0.5)  # body centre, fractions of width/height
    infrared: bool = False
    prone: bool = False
    # resting arms: "down", "out", "up" (the "W" pose: MediaPipe then often swaps left and
    # right), or "random" (down or out, from the seed)
    arms: str = "random"
    look: Look | None = None  # None: colours drawn from the seed
    name: str = ""
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def n_frames(self) -> int:
        return int(round(self.duration_s * self.fps))

    def items_of(self, cls: type[Item]) -> list[Any]:
        return [it for it in self.items if isinstance(it, cls)]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description (for summary.json)."""
        return {
            "name": self.name,
            "duration_s": self.duration_s,
            "fps": self.fps,
            "width": self.width,
            "height": self.height,
            "seed": self.seed,
            "rotation_deg": self.rotation_deg,
            "size": self.size,
            "center": list(self.center),
            "infrared": self.infrared,
            "prone": self.prone,
            "arms": self.arms,
            "look": None if self.look is None else dataclasses.asdict(self.look),
            "items": [it.to_dict() for it in self.items],
            "meta": dict(self.meta),
        }


def synth_scene(
    duration_s: float,
    fps: int = 15,
    width: int = 480,
    height: int = 360,
    seed: int = 0,
    items: list[Item] | tuple[Item, ...] = (),
    **view: Any,
) -> Scene:
    """A validated :class:`Scene`.

    ``view`` takes the remaining :class:`Scene` fields: ``rotation_deg``, ``size``,
    ``center``, ``infrared``, ``prone``, ``arms``, ``look``, ``name``, ``meta``.
    Raises ``ValueError`` on bad arguments (odd frame size, items outside the scene,
    overlapping periods, ...).
    """
    if not math.isfinite(duration_s) or duration_s <= 0:
        raise ValueError(f"duration_s must be positive, got {duration_s}")
    if fps not in _FPS and not (isinstance(fps, int) and 5 <= fps <= 60):
        raise ValueError(f"fps must be an integer 5..60 (15, 25, 30 typical), got {fps}")
    if width % 2 or height % 2 or width < 64 or height < 64:
        raise ValueError(f"width and height must be even and >= 64, got {width}x{height}")
    known = {f.name for f in dataclasses.fields(Scene)} - {
        "duration_s",
        "fps",
        "width",
        "height",
        "seed",
        "items",
    }
    unknown = set(view) - known
    if unknown:
        raise ValueError(f"unknown scene parameters: {', '.join(sorted(unknown))}")
    size = float(view.get("size", 0.72))
    if not 0.1 <= size <= 1.2:
        raise ValueError(f"size must be 0.1..1.2 (body length / shorter side), got {size}")
    items = tuple(items)
    for it in items:
        if not isinstance(it, Item):
            raise ValueError(f"not a scene item: {it!r}")
        a, b = it.span()
        if a < 0 or a >= duration_s or (math.isfinite(b) and b > duration_s + 1e-9):
            raise ValueError(f"{it.kind} at {a:.2f}..{b:.2f} s lies outside the scene")
    periods = sorted((it for it in items if isinstance(it, Period)), key=lambda p: p.start_s)
    for p, q in zip(periods, periods[1:], strict=False):
        if q.start_s < p.end_s - 1e-9:
            raise ValueError(f"periods overlap at {q.start_s:.1f} s")
    if view.get("arms", "random") not in ("random", "down", "out", "up"):
        raise ValueError(f"arms must be random, down, out or up, got {view['arms']!r}")
    if "center" in view:
        view["center"] = (float(view["center"][0]), float(view["center"][1]))
    return Scene(
        duration_s=float(duration_s),
        fps=int(fps),
        width=int(width),
        height=int(height),
        seed=int(seed),
        items=items,
        **view,
    )
