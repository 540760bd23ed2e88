"""legmove dashboard: import a night, see it, review the flagged moments, follow trends, export.

Run it with ``.venv/bin/streamlit run dashboard.py`` (``make run``); it serves on 127.0.0.1
only (``.streamlit/config.toml``) and the video never leaves this computer. The data folder
is ``$LEGMOVE_DATA`` (else the store's default, :func:`pipeline.store.db.store_default_dir`).

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
from ui.common import DISCLAIMER, data_dir, plain_error, store
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
    st.query_params["page"] = page
    try:
        PAGES[page][1]()  # may add the night picker to the sidebar
    except LegmoveError as exc:
        st.error(plain_error(exc))
    with st.sidebar:
        st.divider()
        st.caption(DISCLAIMER)
        st.caption(f"Data folder: `{data_dir()}`")


if __name__ == "__main__":
    if Path(sys.argv[0]).name == "streamlit":  # served by `streamlit run`, not a test's AppTest
        native_log_quiet()  # the background analyses' MediaPipe lines stay out of the terminal
    main()
