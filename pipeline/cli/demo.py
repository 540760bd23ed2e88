"""``legmove demo``: make the demo nights, in their own store (registered by
:mod:`pipeline.cli.app`; ``make run`` calls it).

::

    legmove demo [--video sample_videos/demo_night.mp4] [--data DIR]

The demo store is ``demo/`` inside the data folder (:func:`pipeline.store.place.demo_dir`),
never the data folder itself, so the generated baby stays out of a child's nights, trends and
exports. It holds the generated week of :mod:`pipeline.store.demo` and, with ``--video``, the
demo video analysed for real (dated the day after the week, in bed at 19:30). Run again, it
adds only what is missing (and resumes an interrupted analysis of the video).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer
from rich.markup import escape

from pipeline.cli.nights import _analyze, _data_option, _handled, err, out
from pipeline.jobs.chunks import DEFAULT_CHUNK_S
from pipeline.store.place import demo_dir

__all__ = ["demo"]


def demo(
    video: Path | None = typer.Option(
        None, "--video", help="also analyse this video as the demo's newest night"
    ),
    data: Path | None = _data_option(),
) -> None:
    """Make the demo nights (a generated week with an "iron started" note, and optionally a
    demo video) in the demo store, apart from your own nights."""
    from pipeline.jobs.intake import night_plan_checked
    from pipeline.store.db import Store
    from pipeline.store.demo import DEMO_LABEL, DEMO_NIGHTS, DEMO_WEEK_START, demo_week_add

    folder = demo_dir(data)
    with _handled():
        store = Store(folder)

        def step(done: int, total: int) -> None:
            err.print(f"demo week: night {done} of {total} ready")

        added = demo_week_add(store, progress=step)
        if added:
            out.print(f"added {len(added)} generated demo night(s) to {escape(str(folder))}")
        if video is not None:
            day = DEMO_WEEK_START + dt.timedelta(days=DEMO_NIGHTS)
            segments = night_plan_checked([video])
            hashes = sorted(s.sha256 for s in segments)
            same = [
                n
                for n in store.list_nights(label=DEMO_LABEL)
                if sorted(s.sha256 for s in n.sources) == hashes
            ]
            if same and same[0].status == "done":
                night_id = same[0].id
            else:
                if same:
                    night_id = same[0].id
                    err.print(f"resuming the analysis of the demo video (night {night_id})")
                else:
                    night_id = store.add_night(DEMO_LABEL, day, segments, in_bed="19:30")
                    err.print(f"analysing the demo video as night {night_id}")
                _analyze(store, night_id, DEFAULT_CHUNK_S, False, False, force=False)
        out.print(
            f"the demo nights are in {escape(str(folder))} (apart from your own nights in "
            f"{escape(str(folder.parent))}); see them in the dashboard, or with "
            f"`legmove night list --data {escape(str(folder))}`"
        )
