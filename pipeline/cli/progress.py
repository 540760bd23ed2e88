"""Progress over seconds of video, for every long command of the CLI.

On a terminal a live bar with the time left; written to a file or a pipe (a log) one plain
line per tenth of the work, so the log stays readable.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

__all__ = ["video_progress"]

#: progress(done_s, total_s): seconds of video processed of all
VideoProgress = Callable[[float, float], None]


@contextlib.contextmanager
def video_progress(label: str, console: Console, *, quiet: bool = False) -> Iterator[VideoProgress]:
    """A ``progress(done_s, total_s)`` callback shown as ``label`` on ``console``; nothing
    at all with ``quiet``."""
    if quiet:
        yield lambda _done_s, _total_s: None
        return
    if not console.is_terminal:
        shown = [-1]

        def plain(done_s: float, total_s: float) -> None:
            tenth = int(10 * done_s / total_s) if total_s > 0 else 0
            if tenth > shown[0]:
                shown[0] = tenth
                console.print(
                    f"{label}: {done_s:.0f}/{total_s:.0f} s of video ({10 * tenth} %)",
                    soft_wrap=True,
                )

        yield plain
        return
    with Progress(
        TextColumn(label),
        BarColumn(),
        TextColumn("{task.completed:.0f}/{task.total:.0f} s of video"),
        TimeRemainingColumn(),
        console=console,
    ) as bar:
        task = bar.add_task(label, total=1.0)

        def live(done_s: float, total_s: float) -> None:
            bar.update(task, completed=done_s, total=total_s)

        yield live
