"""legmove's exceptions.

Every error legmove raises on purpose derives from :class:`LegmoveError` and says
which file (or night) is concerned, what is wrong and what to do::

    LegmoveError
    ├── VideoError                 a video cannot be used
    │   ├── NotAVideoError         the file is not a video FFmpeg can read
    │   ├── NoVideoStreamError     the file has no video stream (audio only, ...)
    │   └── SegmentOrderError      segment files of one night overlap in time
    ├── NoPersonError              no baby/pose was found anywhere in the night
    ├── TooShortError              the recording is too short to score
    ├── TrackFileError             a saved tracks file is missing or damaged
    └── StoreError                 the night store cannot be read or written

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
    "NoPersonError",
    "TooShortError",
    "TrackFileError",
    "StoreError",
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


class NoPersonError(LegmoveError):
    """No pose was found anywhere in the recording."""


class TooShortError(LegmoveError):
    """The recording is too short to score."""


class TrackFileError(LegmoveError):
    """A saved per-frame tracks file is missing, truncated or of another format."""


class StoreError(LegmoveError):
    """The night store cannot be read or written."""
