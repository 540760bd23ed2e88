"""What a person reads: the night record, CSV/JSON exports, figures, the PDF, review clips.

- :mod:`~pipeline.reports.export` — the night record (a stored night with its reviews) and CSVs;
- :mod:`~pipeline.reports.methods` — the one methods text, built from a result's settings;
- :mod:`~pipeline.reports.figures` — the timeline model and its matplotlib figures;
- :mod:`~pipeline.reports.pdf` (with ``pdf_content``, ``pdf_layout``) — the pediatrician's PDF;
- :mod:`~pipeline.reports.clips` — short review clips of flagged episodes.
"""
