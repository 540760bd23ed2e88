"""The night store: one SQLite database plus per-night files in a data folder.

- :mod:`~pipeline.store.db` — :class:`Store`, the one way in (nights, results, reviews, notes);
- :mod:`~pipeline.store.records` — the records it hands out (:class:`Night`, :class:`Note`, ...);
- :mod:`~pipeline.store.reviews` — reviews and notes, and matching reviews to re-scored episodes;
- :mod:`~pipeline.store.tables` — result tables stored as JSON columns;
- :mod:`~pipeline.store.schema` — the schema and its migrations.
"""

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

__all__ = [
    "DB_NAME",
    "ENV_DATA",
    "NIGHT_STATUSES",
    "VERDICTS",
    "Night",
    "Note",
    "Review",
    "Store",
    "parse_clock",
    "parse_date",
    "store_default_dir",
]
