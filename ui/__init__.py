"""The dashboard's pages (``dashboard.py`` at the top level is the entry point).

One module per page — :mod:`ui.import_page`, :mod:`ui.night_page`, :mod:`ui.review_page`,
:mod:`ui.trends_page`, :mod:`ui.export_page` — and :mod:`ui.common` for what they share.
No analysis logic and no SQL here: the pages read and write through
:class:`pipeline.store.db.Store`, start analyses with :mod:`pipeline.jobs.night_job`, draw with
:mod:`ui.plotly_figures`, render review clips with :mod:`pipeline.reports.clips` and export
with :mod:`pipeline.reports.export` / :mod:`pipeline.reports.pdf`.
"""
