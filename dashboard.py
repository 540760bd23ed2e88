"""legmove dashboard: import a night, see it, review the flagged moments, follow trends, export.

Run it with ``.venv/bin/streamlit run dashboard.py`` (``make run``); it serves on 127.0.0.1
only (``.streamlit/config.toml``) and the video never leaves this computer. The data folder
is ``$LEGMOVE_DATA`` (else the store's default, :func:`pipeline.store.db.store_default_dir`),
the same as the ``legmove`` command's; the demo nights are in a store of their own, shown by
the sidebar's "Demo nights" switch (:mod:`ui.common`).

This file is the entry point: the sidebar and the page chosen there. Each page is one module
of :mod:`ui` (``page_*``); they hold no analysis logic and no SQL (see :mod:`ui`).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import streamlit as st

from pipeline.errors import LegmoveError
from pipeline.jobs.intake import native_log_quiet
from ui.common import (
    DEMO_KEY,
    DISCLAIMER,
    data_dir,
    demo_available,
    demo_shown,
    own_nights_exist,
    plain_error,
    store,
)
from ui.export_page import page_export
from ui.import_page import local_videos, page_import, safe_file_name, save_upload
from ui.night_page import page_night
from ui.review_page import page_review
from ui.trends_page import page_trends

# save_upload, safe_file_name and local_videos are used by tests/robustness as dashboard.*
__all__ = ["PAGES", "main", "local_videos", "safe_file_name", "save_upload"]

PAGES: dict[str, tuple[str, Callable[[], None]]] = {
    "night": ("A night", page_night),
    "review": ("Review", page_review),
    "trends": ("Across nights", page_trends),
    "export": ("Export", page_export),
    "import": ("Import", page_import),
}


def main() -> None:
    st.set_page_config(page_title="legmove", page_icon="🦵", layout="wide")
    keys = list(PAGES)
    _demo_switch_state()
    if "page" not in st.session_state:
        wanted = st.query_params.get("page")
        if wanted not in PAGES:
            try:
                wanted = "night" if store().list_nights() else "import"
            except LegmoveError:  # a damaged store: the night page says what is wrong
                wanted = "night"
        st.session_state["page"] = wanted
    with st.sidebar:
        st.title("legmove")
        page = st.radio("Go to", keys, format_func=lambda k: PAGES[k][0], key="page")
        if demo_available():
            st.toggle(
                "Demo nights",
                key=DEMO_KEY,
                on_change=_demo_switched,
                help="A generated baby's nights (a week with an 'iron started' note, and the "
                "demo video), kept apart from your own: never in your child's trends or "
                "exports. Nights you import are always your own.",
            )
    st.query_params["page"] = page
    if demo_shown():
        st.query_params[DEMO_KEY] = "1"
        st.info(
            "You are looking at the **demo nights** — a generated baby, kept apart from your "
            "own nights. Switch off *Demo nights* in the sidebar to see yours."
        )
    elif DEMO_KEY in st.query_params:
        del st.query_params[DEMO_KEY]
    try:
        PAGES[page][1]()  # may add the night picker to the sidebar
    except LegmoveError as exc:
        st.error(plain_error(exc))
    with st.sidebar:
        st.divider()
        st.caption(DISCLAIMER)
        st.caption(f"Data folder: `{data_dir()}`")


def _demo_switch_state() -> None:
    """The switch's first state in a session: the URL's ``?demo=``, else on when the demo
    exists and you have no nights of your own yet (a newcomer sees the pages work)."""
    if "demo_next" in st.session_state:  # the Import page switched to your own nights
        st.session_state[DEMO_KEY] = bool(st.session_state.pop("demo_next"))
    if DEMO_KEY in st.session_state:
        return
    wanted = st.query_params.get(DEMO_KEY)
    if wanted in ("0", "1"):
        st.session_state[DEMO_KEY] = wanted == "1" and demo_available()
    else:
        st.session_state[DEMO_KEY] = demo_available() and not own_nights_exist()


def _demo_switched() -> None:
    # night numbers belong to one store: the other store's night picker starts afresh
    for key in ("night_id", "night_pick"):
        st.session_state.pop(key, None)
    if "night" in st.query_params:
        del st.query_params["night"]


if __name__ == "__main__":
    if Path(sys.argv[0]).name == "streamlit":  # served by `streamlit run`, not a test's AppTest
        native_log_quiet()  # the background analyses' MediaPipe lines stay out of the terminal
    main()
