"""The Export page: the CSV files and the PDF report of a chosen range of nights."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from detector.errors import LegmoveError
from pipeline.export import REVIEW_COLUMNS, NightRecord
from pipeline.export import Note as ExportNote
from pipeline.store import Night
from ui.common import (
    data_dir,
    nights_done,
    optional_module,
    plain_error,
    result_of,
    store,
    wall_clock_start,
)

__all__ = ["night_record", "page_export"]


def night_record(night: Night) -> NightRecord:
    reviews = store().reviews(night.id)
    table = pd.DataFrame(
        [
            {
                "start_s": r.start_s,
                "end_s": r.end_s,
                "kind": r.kind,
                "verdict": r.verdict,
                "note": r.note,
                "matched": not r.unmatched,
            }
            for r in reviews
        ],
        columns=REVIEW_COLUMNS,
    )
    return NightRecord(
        night_id=night.id,
        label=night.label,
        date=night.night_date,
        result=result_of(night),
        reviews=table,
        start_time=wall_clock_start(night)[0],
    )


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
    from pipeline.export import export_csv

    made: dict[str, Any] = {"dir": str(out), "files": {}, "errors": []}
    try:
        records = [night_record(n) for n in nights]
    except (LegmoveError, ValueError) as exc:
        made["errors"].append(f"Could not read the nights: {plain_error(exc)}")
        return made
    try:
        for name, path in export_csv(records, out).items():
            made["files"][name] = str(path)
    except (LegmoveError, ValueError, OSError) as exc:
        made["errors"].append(f"CSV not made: {plain_error(exc)}")
    notes = [
        ExportNote(n.note_date, n.text, n.night_id) for n in store().notes(date_from=lo, date_to=hi)
    ]
    report = optional_module("pipeline.report")
    if report is None or not hasattr(report, "report_pdf"):
        made["errors"].append("PDF report not available in this version (pipeline.report missing).")
        return made
    pdf = out / f"legmove-report_{lo}_{hi}.pdf"
    try:
        with st.spinner("Writing the PDF report…"):
            report.report_pdf(records, notes, pdf)
        made["files"]["report"] = str(pdf)
    except (LegmoveError, ValueError, OSError) as exc:
        made["errors"].append(f"PDF report not made: {plain_error(exc)}")
    return made
