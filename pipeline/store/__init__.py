"""The night store: one SQLite database plus per-night files in a data folder.

- :mod:`~pipeline.store.db` — :class:`Store`, the one way in (nights, results, reviews, notes);
- :mod:`~pipeline.store.records` — the records it hands out (:class:`Night`, :class:`Note`, ...);
- :mod:`~pipeline.store.reviews` — reviews and notes, and matching reviews to re-scored episodes;
- :mod:`~pipeline.store.recordings` — nights recorded from a camera, growing by segment;
- :mod:`~pipeline.store.tables` — result tables stored as JSON columns;
- :mod:`~pipeline.store.schema` — the schema and its migrations.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipeline.lazy import lazy_names

if TYPE_CHECKING:  # the names for type checkers; at run time each loads on first use
    from pipeline.store.db import (
        DB_NAME,
        ENV_DATA,
        NIGHT_STATUSES,
        VERDICTS,
        Night,
        Note,
        Review,
        Store,
        parse_clock,
        parse_date,
        store_default_dir,
    )
    from pipeline.store.recordings import Recording

__all__ = [
    "DB_NAME",
    "ENV_DATA",
    "NIGHT_STATUSES",
    "VERDICTS",
    "Night",
    "Note",
    "Recording",
    "Review",
    "Store",
    "parse_clock",
    "parse_date",
    "store_default_dir",
]

#: where each name of __all__ lives: a command that needs one module does not load the rest
_HOME = {
    "DB_NAME": "pipeline.store.db",
    "ENV_DATA": "pipeline.store.db",
    "NIGHT_STATUSES": "pipeline.store.db",
    "Night": "pipeline.store.db",
    "Note": "pipeline.store.db",
    "Recording": "pipeline.store.recordings",
    "Review": "pipeline.store.db",
    "Store": "pipeline.store.db",
    "VERDICTS": "pipeline.store.db",
    "parse_clock": "pipeline.store.db",
    "parse_date": "pipeline.store.db",
    "store_default_dir": "pipeline.store.db",
}

__getattr__ = lazy_names(__name__, _HOME, globals())
