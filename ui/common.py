"""What every page of the dashboard shares: the store and cached results, the night picker,
wall-clock times, errors in plain words, and which nights are shown — your own or the demo's.

The dashboard opens the same data folder as the ``legmove`` command
(:func:`pipeline.store.place.store_default_dir`). The demo nights live in a store of their own
(:func:`pipeline.store.place.demo_dir`); the sidebar's "Demo nights" switch shows them instead
of your own, so the demo never mixes with a child's nights, trends or exports. A night
imported is always one of your own (:func:`own_store`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import streamlit as st

from pipeline.errors import LegmoveError
from pipeline.reports.record import night_clock_start
from pipeline.scoring.night import NightResult
from pipeline.store.db import DB_NAME, Night, Store
from pipeline.store.place import demo_dir, store_default_dir

__all__ = [
    "DEMO_KEY",
    "DISCLAIMER",
    "cached_result",
    "choose_night",
    "data_dir",
    "demo_available",
    "demo_shown",
    "own_dir",
    "own_nights_exist",
    "own_store",
    "night_label",
    "nights_done",
    "plain_error",
    "result_of",
    "result_version",
    "store",
    "wall_clock_start",
]


DISCLAIMER = "legmove is a screening and documentation aid, not a diagnosis."
#: session key (and ``?demo=1`` in the URL) of the "Demo nights" switch
DEMO_KEY = "demo"


def own_dir() -> str:
    """Your own data folder (the same as the ``legmove`` command's default)."""
    return str(store_default_dir())


def demo_available() -> bool:
    """True when the demo nights have been made (``legmove demo``, ``make run``)."""
    return (demo_dir() / DB_NAME).is_file()


def demo_shown() -> bool:
    """True while the sidebar's switch shows the demo nights instead of your own."""
    return bool(st.session_state.get(DEMO_KEY)) and demo_available()


def own_nights_exist() -> bool:
    """True when your own store holds a night (looked up without creating the store)."""
    if not (Path(own_dir()) / DB_NAME).is_file():
        return False
    return bool(own_store().list_nights())


def data_dir() -> str:
    """The data folder of the nights shown: the demo's while the switch is on, else yours."""
    return str(demo_dir()) if demo_shown() else own_dir()


@st.cache_resource(show_spinner=False)
def _store(folder: str) -> Store:
    return Store(folder)


def store() -> Store:
    """The store of the nights shown (see :func:`data_dir`)."""
    return _store(data_dir())


def own_store() -> Store:
    """Your own store, whatever is shown: where an imported night goes."""
    return _store(own_dir())


def result_version(night: Night) -> str:
    return f"{night.analysed}|{night.status}"


@st.cache_data(max_entries=16, show_spinner=False)
def cached_result(folder: str, night_id: int, version: str) -> NightResult:
    return _store(folder).result(night_id)


def result_of(night: Night) -> NightResult:
    """The night's saved result, cached per night id and result version."""
    return cached_result(data_dir(), night.id, result_version(night))


def wall_clock_start(night: Night) -> tuple[dt.datetime | None, str]:
    """Clock time of the night's first frame and where it came from ('' when unknown)."""
    return night_clock_start(night)


def nights_done() -> list[Night]:
    return [n for n in store().list_nights() if n.summary is not None]


def night_label(n: Night) -> str:
    return f"{n.label} · night of {n.night_date:%a %d %b %Y} (#{n.id})"


def choose_night(nights: Sequence[Night]) -> Night | None:
    """The night picker in the sidebar, shared by the pages that show one night; the choice
    is kept in the URL (survives a reload). The newest night is chosen at first."""
    if not nights:
        return None
    ids = [n.id for n in nights]
    wanted = st.session_state.get("night_id") or _int(st.query_params.get("night"))
    index = ids.index(wanted) if wanted in ids else len(ids) - 1
    chosen = st.sidebar.selectbox(
        "Night",
        ids,
        index=index,
        format_func=lambda i: night_label(nights[ids.index(i)]),
        key="night_pick",
    )
    st.session_state["night_id"] = chosen
    st.query_params["night"] = str(chosen)
    return nights[ids.index(chosen)]


def _int(v: Any) -> int | None:
    try:
        return int(v)
    except (TypeError, ValueError):
        return None


def plain_error(exc: BaseException) -> str:
    """An error in plain words: legmove's own errors already say which file and what to do."""
    if isinstance(exc, LegmoveError | ValueError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"
