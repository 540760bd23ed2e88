"""A package face that loads each of its names on first use (PEP 562).

``pipeline.jobs``, ``pipeline.store`` and ``pipeline.compare`` hand on their modules' names,
but a command that needs one module (``legmove --help``, say) must not load the signal stage
for the rest.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_names"]


def lazy_names(
    package: str, home: Mapping[str, str], names: dict[str, Any]
) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package``: the name ``n`` is imported from the module
    ``home[n]`` when first asked for and kept in ``names`` (the package's globals)."""

    def getattr_(name: str) -> Any:
        where = home.get(name)
        if where is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(where), name)
        names[name] = value
        return value

    return getattr_
