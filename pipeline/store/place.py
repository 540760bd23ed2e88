"""Where the data folder is: ``$LEGMOVE_DATA``, else the user's data folder (light to import:
the CLI reads it to build its options)."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["ENV_DATA", "store_default_dir"]

#: environment variable naming the data folder
ENV_DATA = "LEGMOVE_DATA"


def store_default_dir() -> Path:
    """The data folder used when none is given.

    ``$LEGMOVE_DATA`` if set, else ``$XDG_DATA_HOME/legmove``, else ``~/.local/share/legmove``.
    """
    env = os.environ.get(ENV_DATA)
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".local" / "share"
    return base / "legmove"
