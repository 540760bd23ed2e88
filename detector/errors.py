"""The detector's exceptions: a video that cannot be used, no person, a damaged tracks file.

Every error legmove raises on purpose derives from :class:`LegmoveError` and says
which file (or night) is concerned, what is wrong and what to do. These are the ones the
detector raises; the whole tree, with the pipeline's errors, is drawn in
:mod:`pipeline.errors`::

    LegmoveError
    ├── VideoError                 a video cannot be used
    │   ├── NotAVideoError         the file is not a video FFmpeg can read
    │   ├── NoVideoStreamError     the file has no video stream (audio only, ...)
    │   ├── SegmentOrderError      segment files of one night overlap in time
    │   └── StreamError            a camera's stream cannot be read or recorded
    ├── NoPersonError              no baby/pose was found anywhere in the night
    └── TrackFileError             a saved tracks file is missing or damaged

Bad arguments to functions raise :class:`ValueError`.
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "LegmoveError",
    "VideoError",
    "NotAVideoError",
    "NoVideoStreamError",
    "SegmentOrderError",
    "StreamError",
    "NoPersonError",
    "TrackFileError",
]


class LegmoveError(Exception):
    """Base of every error legmove raises on purpose."""


class VideoError(LegmoveError):
    """A video file cannot be used. ``path`` names it."""

    def __init__(self, path: str | Path, problem: str, advice: str = "") -> None:
        self.path = Path(path)
        self.problem = problem
        self.advice = advice
        msg = f"{self.path}: {problem}"
        if advice:
            msg += f" — {advice}"
        super().__init__(msg)


class NotAVideoError(VideoError):
    """The file is empty, damaged, or not a video format FFmpeg can read."""


class NoVideoStreamError(VideoError):
    """The file opens but holds no video stream."""


class SegmentOrderError(VideoError):
    """Segment files given as one night overlap in time."""


class StreamError(VideoError):
    """A camera's stream cannot be opened or recorded. ``where`` is its address without
    credentials (or the folder a recording could not be written to)."""

    def __init__(self, where: str | Path, problem: str, advice: str = "") -> None:
        super().__init__(where, problem, advice)
        self.where = str(where)
        msg = f"{self.where}: {problem}" + (f" — {advice}" if advice else "")
        self.args = (msg,)

    def __str__(self) -> str:
        return str(self.args[0])


class NoPersonError(LegmoveError):
    """No pose was found anywhere in the recording."""


class TrackFileError(LegmoveError):
    """A saved per-frame tracks file is missing, truncated or of another format."""
