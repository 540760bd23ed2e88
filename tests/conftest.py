"""Fixtures shared by every test folder (test helpers live in :mod:`tests.helpers`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.real import real_video


@pytest.fixture(scope="session")
def kicking_clip() -> Path:
    """The real infant kicking on its back (47 s, 15 fps); skips when the data set is absent."""
    return real_video("infant_supine_kicking.mp4")


@pytest.fixture(scope="session")
def crib_clip() -> Path:
    """The real infant asleep in a crib (10 s, 30 fps; no leg movement); skips when absent."""
    return real_video("infant_crib_sleeping.mp4")
