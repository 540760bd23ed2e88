"""legmove's exceptions, the whole tree.

Every error legmove raises on purpose derives from :class:`LegmoveError` and says which
file (or night) is concerned, what is wrong and what to do. Each class lives in the layer
that raises it — the detector's in :mod:`detector.errors`, the pipeline's here — and this
module hands on all of them, so the CLI and the dashboard import errors from here only::

    LegmoveError
    ├── VideoError                 a video cannot be used                 (detector)
    │   ├── NotAVideoError         the file is not a video FFmpeg can read
    │   ├── NoVideoStreamError     the file has no video stream (audio only, ...)
    │   ├── SegmentOrderError      segment files of one night overlap in time
    │   └── StreamError            a camera's stream cannot be read or recorded
    ├── NoPersonError              no baby/pose was found anywhere in the night (detector)
    ├── TrackFileError             a saved tracks file is missing or damaged (detector)
    ├── TooShortError              the recording is too short to score     (pipeline.jobs)
    ├── SettingsError              a setting or settings file is refused   (pipeline.settings)
    ├── StoreError                 the night store cannot be read or written (pipeline.store)
    │   └── UnknownNightError      no night with that id is in the store
    └── ReferenceFileError         an expert's scoring cannot be read       (pipeline.compare)

Bad arguments to functions raise :class:`ValueError`.
"""

from __future__ import annotations

from detector.errors import (
    LegmoveError,
    NoPersonError,
    NotAVideoError,
    NoVideoStreamError,
    SegmentOrderError,
    StreamError,
    TrackFileError,
    VideoError,
)

__all__ = [
    "LegmoveError",
    "VideoError",
    "NotAVideoError",
    "NoVideoStreamError",
    "SegmentOrderError",
    "StreamError",
    "NoPersonError",
    "TrackFileError",
    "TooShortError",
    "SettingsError",
    "StoreError",
    "UnknownNightError",
    "ReferenceFileError",
]


class TooShortError(LegmoveError):
    """The recording is too short to score."""


class SettingsError(LegmoveError, ValueError):
    """A setting (or a settings file) is refused: which file, which setting, its value and
    the allowed range. Also a ValueError: bad values are bad arguments too."""


class StoreError(LegmoveError):
    """The night store cannot be read or written."""


class UnknownNightError(StoreError):
    """No night with the given id is in the store."""


class ReferenceFileError(LegmoveError):
    """An expert's scoring (EDF+ annotations, a CSV/TSV table) cannot be read or holds no
    usable event: which file, what is wrong, what to export instead."""
