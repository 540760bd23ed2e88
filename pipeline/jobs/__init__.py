"""Jobs: a night from video files to a stored result, resumable, on one or many processes.

- :mod:`~pipeline.jobs.intake` — the files of one night checked and planned; a night analyzed
  straight into a results folder (``legmove analyze``);
- :mod:`~pipeline.jobs.chunks` — one time chunk of a night decoded into per-frame tracks;
- :mod:`~pipeline.jobs.night_job` — a stored night's job: plan, lock, checkpoints, scoring;
- :mod:`~pipeline.jobs.status` — the job's lock and persisted progress;
- :mod:`~pipeline.jobs.runners` — where chunk tasks run (local processes, Dask);
- :mod:`~pipeline.jobs.batch` — many nights' chunks kept flowing through one runner;
- :mod:`~pipeline.jobs.run` — run a night's job here or detached in the background.
"""

from pipeline.jobs.batch import batch_add, batch_inputs, batch_run
from pipeline.jobs.chunks import DEFAULT_CHUNK_S
from pipeline.jobs.intake import TRACKS_FILE, night_analyze, night_plan_checked, night_rescore_dir
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
