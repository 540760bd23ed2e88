"""What a video file's name and bytes say about it: a time in its name, its hash."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from pathlib import Path

__all__ = ["file_name_time", "file_sha256"]

_HASH_CHUNK = 1 << 20
_NAME_TIME = re.compile(
    r"(?<!\d)(\d{4})-?(\d{2})-?(\d{2})[T_ -]?(\d{2})[-:_.h]?(\d{2})[-:_.m]?(\d{2})(?!\d)"
)


def file_name_time(path: Path) -> datetime | None:
    """A date and time written in the file name (``20261127_203000``, ``2026-11-27T20-30-00``)."""
    for m in _NAME_TIME.finditer(path.stem):
        try:
            y, mo, d, h, mi, sec = (int(g) for g in m.groups())
            return datetime(y, mo, d, h, mi, sec)
        except ValueError:
            continue
    return None


def file_sha256(path: Path) -> str:
    """The file's SHA-256, read in pieces (a night's files are gigabytes)."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
