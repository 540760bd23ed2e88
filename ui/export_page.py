"""The Export page: the CSV files and the PDF report of a chosen range of nights."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import streamlit as st

from pipeline.errors import LegmoveError
from pipeline.reports.export import export_csv
from pipeline.reports.pdf import report_pdf
from pipeline.reports.record import night_notes, night_records
from pipeline.store.db import Night
from ui.common import (
    data_dir,
    nights_done,
    plain_error,
    store,
)

__all__ = ["page_export"]


def page_export() -> None:
    st.header("Export for the pediatrician")
    nights = nights_done()
    if not nights:
        st.info("No analysed nights to export yet.")
        return
    labels = sorted({n.label for n in nights})
    label = st.selectbox("Child", labels, key="exp_label") if len(labels) > 1 else labels[0]
    mine = [n for n in nights if n.label == label]
    first, last = mine[0].night_date, mine[-1].night_date
    picked = st.date_input(
        "Nights from – to",
        value=(first, last),
        min_value=first,
        max_value=last,
        key="exp_range",
        format="YYYY-MM-DD",
    )
    lo, hi = picked if isinstance(picked, tuple | list) and len(picked) == 2 else (first, last)
    chosen = [n for n in mine if lo <= n.night_date <= hi]
    st.write(f"{len(chosen)} night(s) of {label}, {lo:%d %b %Y} – {hi:%d %b %Y}.")
    if not chosen:
        return
    out = Path(data_dir()) / "exports" / f"{_slug(label)}_{lo}_{hi}"
    if st.button("Make the CSV files and the PDF report", key="exp_go", type="primary"):
        st.session_state["export"] = _make_exports(chosen, out, lo, hi)
    made = st.session_state.get("export")
    if not made or made.get("dir") != str(out):
        return
    for problem in made.get("errors", []):
        st.error(problem)
    files: dict[str, str] = made.get("files", {})
    cols = st.columns(max(1, len(files)))
    mimes = {".csv": "text/csv", ".pdf": "application/pdf"}
    for col, (name, path) in zip(cols, files.items(), strict=False):
        p = Path(path)
        col.download_button(
            f"⬇ {p.name}",
            data=p.read_bytes(),
            file_name=p.name,
            mime=mimes.get(p.suffix, "application/octet-stream"),
            key=f"dl_{name}",
            on_click="ignore",
        )


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower() or "child"


def _make_exports(nights: Sequence[Night], out: Path, lo: dt.date, hi: dt.date) -> dict[str, Any]:
    made: dict[str, Any] = {"dir": str(out), "files": {}, "errors": []}
    try:
        records = night_records(store(), nights)
    except (LegmoveError, ValueError) as exc:
        made["errors"].append(f"Could not read the nights: {plain_error(exc)}")
        return made
    try:
        for name, path in export_csv(records, out).items():
            made["files"][name] = str(path)
    except (LegmoveError, ValueError, OSError) as exc:
        made["errors"].append(f"CSV not made: {plain_error(exc)}")
    notes = night_notes(store(), lo, hi)
    pdf = out / f"legmove-report_{lo}_{hi}.pdf"
    try:
        with st.spinner("Writing the PDF report…"):
            report_pdf(records, notes, pdf)
        made["files"]["report"] = str(pdf)
    except (LegmoveError, ValueError, OSError) as exc:
        made["errors"].append(f"PDF report not made: {plain_error(exc)}")
    return made
