"""The demo nights: a generated week of one baby, kept in a store of its own.

A newcomer should see every page work before importing a night of their own, and a generated
baby must never mix with their child. So the demo lives in :func:`pipeline.store.place.demo_dir`
(``demo/`` inside the data folder), a store that the CLI and the dashboard open only when asked
(``legmove --data …/demo``, the dashboard's "demo nights" switch).

:func:`demo_week_add` adds :data:`DEMO_NIGHTS` nights of :data:`DEMO_LABEL`, each a simulated
keypoint track (:func:`pipeline.scoring.simulate.simulate_track`) scored by the real signal
stage (:func:`pipeline.scoring.night.night_score`), and a note "iron supplement started" on the
evening of the fourth night. The plan behind each night (:func:`demo_plan`) has an effect of
that note built in, so the Trends page's before/after comparison shows something:

==========================  ======================  ======================
per night                   before (nights 1-3)     from the note (4-7)
==========================  ======================  ======================
settling (wriggling)        20-28 min               10-15 min
periodic series in sleep    4-5 of 6-10 LMs         0-1
awakenings (2-3 min bouts)  2-3                     0-1
==========================  ======================  ======================

The tracks are 10 frames a second and 2.5-3 h long (the first hours of a night, where the
settling and the first sleep cycles are), so the week is made in about a minute.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import numpy as np

from detector.track import Segment
from pipeline.scoring.night import night_score
from pipeline.scoring.simulate import Planned, simulate_track
from pipeline.store.db import Store

__all__ = [
    "DEMO_LABEL",
    "DEMO_NIGHTS",
    "DEMO_NOTE",
    "DEMO_WEEK_START",
    "demo_plan",
    "demo_week_add",
]

#: the demo baby's name (the demo store holds no one else)
DEMO_LABEL = "Demo baby"
#: nights in the generated week, and the first night's date
DEMO_NIGHTS = 7
DEMO_WEEK_START = dt.date(2024, 4, 24)
#: the note added on the evening of night :data:`DEMO_NOTE_NIGHT` (1-based)
DEMO_NOTE = "iron supplement started"
DEMO_NOTE_NIGHT = 4
_FPS = 10.0


def demo_plan(rng: np.random.Generator, treated: bool, duration_s: float) -> list[Planned]:
    """The planted movements of one demo night of ``duration_s``: wriggling while settling
    (with some rhythmic kicking and cycling), then sleep with twitches, periodic series of
    LMs 18-35 s apart and bouts of movement that wake the baby — fewer of both once
    ``treated`` (see the module's table)."""
    plan: list[Planned] = []
    settle_s = rng.uniform(600, 900) if treated else rng.uniform(1200, 1700)
    t = 5.0
    while t < settle_s:
        if rng.random() < 0.12:
            cycles, f = int(rng.integers(4, 7)), float(rng.uniform(1.0, 2.0))
            side = str(rng.choice(["bilateral", "left"]))
            pattern = str(rng.choice(["kicking", "cycling"]))
            plan.append(Planned(t, cycles / f, side, pattern, f, 0.2))
        else:
            side = str(rng.choice(["left", "right", "bilateral"]))
            plan.append(Planned(t, float(rng.uniform(0.8, 5.0)), side))
        t = plan[-1].end_s + float(rng.uniform(1.0, 3.0))
    t += 240.0
    n_series = int(rng.integers(0, 2)) if treated else int(rng.integers(4, 6))
    n_wake = int(rng.integers(0, 2)) if treated else int(rng.integers(2, 4))
    kinds = ["plm"] * n_series + ["wake"] * n_wake
    rng.shuffle(kinds)
    slots = np.sort(rng.uniform(t, duration_s - 900, len(kinds)))
    last = t
    for slot, kind in zip(slots, kinds, strict=True):
        u = max(float(slot), last + 240.0)
        if kind == "plm":
            for _ in range(int(rng.integers(6, 11))):
                side = str(rng.choice(["left", "right", "bilateral"]))
                plan.append(Planned(u, float(rng.uniform(0.8, 3.0)), side))
                u += float(rng.uniform(18.0, 35.0))
        else:
            end = u + float(rng.uniform(120.0, 200.0))
            while u < end:
                plan.append(Planned(u, float(rng.uniform(1.0, 6.0)), "bilateral"))
                u = plan[-1].end_s + float(rng.uniform(0.5, 1.5))
        last = u
    for tt in rng.uniform(settle_s + 240.0, duration_s - 60.0, int(duration_s / 300)):
        if not any(p.start_s - 2 < tt < p.end_s + 2 for p in plan):
            side = str(rng.choice(["left", "right"]))
            plan.append(Planned(float(tt), 0.2, side, amplitude_bl=0.12))
    return sorted(plan, key=lambda p: p.start_s)


def demo_week_add(
    store: Store,
    *,
    start: dt.date = DEMO_WEEK_START,
    seed: int = 100,
    progress: Callable[[int, int], None] | None = None,
) -> list[int]:
    """Add the generated demo week to ``store`` (a demo store: see the module doc) and the
    note on night :data:`DEMO_NOTE_NIGHT`; nights already there (same label and date) are
    left as they are. Returns the ids of the nights added; ``progress(done, total)`` is
    called after each night."""
    have = {n.night_date for n in store.list_nights(label=DEMO_LABEL) if n.summary is not None}
    added: list[int] = []
    for i in range(DEMO_NIGHTS):
        day = start + dt.timedelta(days=i)
        if day not in have:
            rng = np.random.default_rng(seed + i)
            duration_s = float(rng.uniform(2.5, 3.0)) * 3600
            plan = demo_plan(rng, i + 1 >= DEMO_NOTE_NIGHT, duration_s)
            track, _truth = simulate_track(plan, duration_s, fps=_FPS, seed=seed + i)
            result = night_score(track)
            segment = Segment(
                path=f"demo night {day.isoformat()} (simulated: no video)",
                start_s=0.0,
                end_s=duration_s,
                n_frames=track.n_frames,
                size_bytes=1,
                sha256=f"demo{day.isoformat()}".ljust(64, "0"),
            )
            night_id = store.add_night(DEMO_LABEL, day, [segment], in_bed="19:30")
            store.save_result(night_id, result, tracks_path=track.save(store.tracks_file(night_id)))
            added.append(night_id)
        if progress is not None:
            progress(i + 1, DEMO_NIGHTS)
    note_day = start + dt.timedelta(days=DEMO_NOTE_NIGHT - 1)
    if not any(n.text == DEMO_NOTE for n in store.notes(date_from=note_day, date_to=note_day)):
        store.add_note(note_day, DEMO_NOTE)
    return added
