"""The real infant clips in ``../shared/data/real`` beside the checkout (read-only)."""

from __future__ import annotations

from pathlib import Path

import pytest

__all__ = ["REAL", "real_video"]

#: the shared real-video folder (CI has it beside the checkout too)
REAL = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "real"


def real_video(name: str) -> Path:
    """The real clip ``name``; skips the test with a clear message when the folder is absent."""
    path = REAL / name
    if not path.is_file():
        pytest.skip(f"{path} absent: the shared real-video data set is not beside this checkout")
    return path
