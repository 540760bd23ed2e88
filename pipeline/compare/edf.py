"""EDF+ annotations, read and written with pyedflib (the EDFlib of EDFbrowser's author).

EDF+ is how polysomnograms travel between sleep laboratories: signals in data records and,
in the "EDF Annotations" signal, time-stamped annotations (onset and duration in seconds
from the file's start, a text). A sleep lab's scoring of leg movements and its hypnogram
are such annotations, in the PSG file itself or in an annotations-only file beside it.

:func:`edf_annotations_read` gives a file's annotations as a table and its start clock time;
:func:`edf_write` writes annotations (and optional low-rate signals) as EDF+C, atomically.
Onsets are kept to EDF+'s resolution of 100 µs.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.errors import ReferenceFileError

__all__ = ["ANNOTATION_COLUMNS", "EDF_UNKNOWN_START", "EdfAnnotations", "EdfSignal"]
__all__ += ["edf_annotations_read", "edf_write"]

#: columns of an annotations table
ANNOTATION_COLUMNS = ["onset_s", "duration_s", "label"]
#: the start EDF+ files carry when the recording's date and time are unknown (the EDF+
#: specification's "01.01.85"); read back as unknown
EDF_UNKNOWN_START = dt.datetime(1985, 1, 1, 0, 0, 0)


@dataclass(frozen=True, eq=False)
class EdfAnnotations:
    """A file's annotations (:data:`ANNOTATION_COLUMNS`; ``duration_s`` NaN where the file
    gives none), the clock time of its start (None when unknown) and its length in s."""

    table: pd.DataFrame
    start_time: dt.datetime | None
    duration_s: float
    signals: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False)
class EdfSignal:
    """A signal to write: ``values`` at ``fs_hz`` (whole samples per second), physical
    range ``lo``..``hi`` in ``unit``."""

    label: str
    values: np.ndarray
    fs_hz: int
    unit: str
    lo: float
    hi: float


def edf_annotations_read(path: str | Path) -> EdfAnnotations:
    """The annotations of the EDF+ (or BDF+) file ``path``. Raises
    :class:`~pipeline.errors.ReferenceFileError` when the file cannot be read as EDF."""
    import pyedflib  # loads its C library only when an EDF file is read or written

    p = Path(path)
    if not p.is_file():
        raise ReferenceFileError(f"{p}: no such file — give the path of the EDF+ file")
    try:
        reader = pyedflib.EdfReader(str(p))
    except OSError as exc:
        raise ReferenceFileError(
            f"{p}: not an EDF/EDF+ file that can be read ({exc}) — export the scoring as "
            "EDF+ or as a CSV/TSV table (onset, duration, label)"
        ) from None
    try:
        onsets, durations, texts = reader.readAnnotations()
        start = reader.getStartdatetime()
        length = float(reader.getFileDuration())
        labels = tuple(str(x) for x in reader.getSignalLabels())
    finally:
        reader.close()
    dur = np.asarray(durations, dtype=float)
    table = pd.DataFrame(
        {
            "onset_s": np.asarray(onsets, dtype=float),
            "duration_s": np.where(dur < 0, np.nan, dur),
            "label": [str(t).strip() for t in texts],
        },
        columns=ANNOTATION_COLUMNS,
    )
    when = None if start == EDF_UNKNOWN_START else start.replace(tzinfo=None)
    return EdfAnnotations(table, when, length, labels)


def edf_write(
    path: str | Path,
    annotations: pd.DataFrame,
    start_time: dt.datetime | None,
    signals: Sequence[EdfSignal] = (),
    recording: str = "",
) -> Path:
    """Write ``annotations`` (:data:`ANNOTATION_COLUMNS`; NaN duration: none) and
    ``signals`` into the EDF+C file ``path`` starting at ``start_time`` (None: unknown).
    Annotations with a negative onset cannot be stored in EDF+ and raise ValueError.
    Written to a temporary file beside ``path`` and renamed, so a reader never sees half a
    file."""
    import pyedflib

    missing = set(ANNOTATION_COLUMNS) - set(annotations.columns)
    if missing:
        raise ValueError(f"annotations lack column(s) {', '.join(sorted(missing))}")
    if len(annotations) and float(annotations["onset_s"].min()) < 0:
        raise ValueError(f"{path}: EDF+ cannot hold annotations before the file's start")
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    writer = pyedflib.EdfWriter(str(tmp), len(signals), file_type=pyedflib.FILETYPE_EDFPLUS)
    try:
        writer.setStartdatetime(start_time or EDF_UNKNOWN_START)
        writer.setEquipment("legmove")
        if recording:  # EDF header fields: ASCII, no spaces
            text = "".join(c if c.isascii() and c.isprintable() else "_" for c in recording)
            writer.setRecordingAdditional(text.replace(" ", "_")[:40])
        if signals:
            writer.setSignalHeaders(
                [
                    {
                        "label": s.label[:16],
                        "dimension": s.unit[:8],
                        "sample_frequency": int(s.fs_hz),
                        "physical_min": float(s.lo),
                        "physical_max": float(s.hi),
                        "digital_min": -32768,
                        "digital_max": 32767,
                        "transducer": "video",
                        "prefilter": "",
                    }
                    for s in signals
                ]
            )
            writer.writeSamples([np.clip(s.values, s.lo, s.hi).astype(float) for s in signals])
        for row in annotations.itertuples(index=False):
            d = float(row.duration_s)
            writer.writeAnnotation(float(row.onset_s), -1 if np.isnan(d) else d, str(row.label))
    except BaseException:
        writer.close()
        tmp.unlink(missing_ok=True)
        raise
    writer.close()
    os.replace(tmp, out)
    return out
