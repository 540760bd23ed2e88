"""Jobs: a night from video files to a stored result, resumable, on one or many processes.

- :mod:`~pipeline.jobs.intake` — the files of one night checked and planned; a night analyzed
  straight into a results folder (``legmove analyze``);
- :mod:`~pipeline.jobs.chunks` — one time chunk of a night decoded into per-frame tracks;
- :mod:`~pipeline.jobs.night_job` — a stored night's job: plan, lock, checkpoints, scoring;
- :mod:`~pipeline.jobs.status` — the job's lock and persisted progress;
- :mod:`~pipeline.jobs.runners` — where chunk tasks run (local processes, Dask);
- :mod:`~pipeline.jobs.batch` — many nights' chunks kept flowing through one runner;
- :mod:`~pipeline.jobs.run` — run a night's job here or detached in the background;
- :mod:`~pipeline.jobs.record` — a night recorded from a camera, analysed while it records;
- :mod:`~pipeline.jobs.cameras` — saved cameras and camera credentials (never in the database).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipeline.lazy import lazy_names

if TYPE_CHECKING:  # the names for type checkers; at run time each loads on first use
    from pipeline.jobs.batch import batch_add, batch_inputs, batch_run
    from pipeline.jobs.chunks import DEFAULT_CHUNK_S
    from pipeline.jobs.intake import (
        TRACKS_FILE,
        night_analyze,
        night_plan_checked,
        night_rescore_dir,
    )
    from pipeline.jobs.night_job import NightJob, job_rescore
    from pipeline.jobs.run import job_run, job_start_background
    from pipeline.jobs.runners import DaskRunner, LocalPool, batch_runner, default_workers
    from pipeline.jobs.status import JobStatus, job_decode_log, job_status

__all__ = [
    "DEFAULT_CHUNK_S",
    "TRACKS_FILE",
    "DaskRunner",
    "JobStatus",
    "LocalPool",
    "NightJob",
    "batch_add",
    "batch_inputs",
    "batch_run",
    "batch_runner",
    "default_workers",
    "job_decode_log",
    "job_rescore",
    "job_run",
    "job_start_background",
    "job_status",
    "night_analyze",
    "night_plan_checked",
    "night_rescore_dir",
]

#: where each name of __all__ lives: a command that needs one module does not load the rest
_HOME = {
    "DEFAULT_CHUNK_S": "pipeline.jobs.chunks",
    "DaskRunner": "pipeline.jobs.runners",
    "JobStatus": "pipeline.jobs.status",
    "LocalPool": "pipeline.jobs.runners",
    "NightJob": "pipeline.jobs.night_job",
    "TRACKS_FILE": "pipeline.jobs.intake",
    "batch_add": "pipeline.jobs.batch",
    "batch_inputs": "pipeline.jobs.batch",
    "batch_run": "pipeline.jobs.batch",
    "batch_runner": "pipeline.jobs.runners",
    "default_workers": "pipeline.jobs.runners",
    "job_decode_log": "pipeline.jobs.status",
    "job_rescore": "pipeline.jobs.night_job",
    "job_run": "pipeline.jobs.run",
    "job_start_background": "pipeline.jobs.run",
    "job_status": "pipeline.jobs.status",
    "night_analyze": "pipeline.jobs.intake",
    "night_plan_checked": "pipeline.jobs.intake",
    "night_rescore_dir": "pipeline.jobs.intake",
}

__getattr__ = lazy_names(__name__, _HOME, globals())
