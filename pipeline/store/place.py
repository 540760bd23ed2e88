"""Where the data folder is: ``$LEGMOVE_DATA``, else the user's data folder, and where the demo
nights are kept apart from it (light to import: the CLI reads it to build its options).

The CLI and the dashboard both default to :func:`store_default_dir`. The demo nights
(``legmove demo``, ``make run``) live in a store of their own, :func:`demo_dir`, so a
generated baby never shows in a child's nights, trends or exports."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["DEMO_FOLDER", "ENV_DATA", "demo_dir", "store_default_dir"]

#: environment variable naming the data folder
ENV_DATA = "LEGMOVE_DATA"
#: the demo store's folder inside a data folder
DEMO_FOLDER = "demo"


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


def demo_dir(data_dir: str | Path | None = None) -> Path:
    """The demo store's folder: ``demo/`` in ``data_dir`` (default :func:`store_default_dir`)."""
    base = Path(data_dir).expanduser() if data_dir else store_default_dir()
    return base / DEMO_FOLDER
