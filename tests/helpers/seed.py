"""Seed a store with simulated nights for the dashboard tests (and the dashboard bench).

A seeded night is the signal stage's real output (:func:`pipeline.scoring.night.night_score`) on a
simulated track (:mod:`pipeline.scoring.simulate`), saved through the store like an analysis would;
optionally with a real (small) video of the same length and the tracks file, so the review
page can play and render clips. Import as ``tests.helpers.seed``.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from detector.track import NightTrack, Segment
from detector.video import night_plan
from pipeline.scoring.night import NightResult, night_score
from pipeline.scoring.simulate import simulate_plan, simulate_track
from pipeline.store.db import Store

__all__ = ["simulated_night", "seed_night", "make_plain_video"]


def simulated_night(seed: int = 0, n_blocks: int = 3) -> tuple[NightTrack, NightResult]:
    plan, duration_s = simulate_plan(seed, n_blocks=n_blocks)
    track, _truth = simulate_track(plan, duration_s, fps=15, seed=seed)
    return track, night_score(track)


def make_plain_video(
    path: Path, seconds: float, fps: int = 4, size: tuple[int, int] = (160, 120)
) -> Path:
    """A small H.264 mp4 of ``seconds``: a grey picture whose brightness drifts slowly."""
    w, h = size
    n = int(seconds * fps)
    with av.open(str(path), "w") as out:
        st = out.add_stream("libx264", rate=fps)
        st.width, st.height, st.pix_fmt = w, h, "yuv420p"
        st.options = {"preset": "ultrafast", "crf": "35", "g": str(fps * 10)}
        st.codec_context.time_base = Fraction(1, fps)
        for i in range(n):
            img = np.full((h, w), 60 + (i // fps) % 40, np.uint8)
            img[h // 3 : h // 3 + 20, (i * 2) % (w - 20) : (i * 2) % (w - 20) + 20] = 200
            frame = av.VideoFrame.from_ndarray(img, format="gray")
            frame.pts = i
            for pkt in st.encode(frame):
                out.mux(pkt)
        for pkt in st.encode():
            out.mux(pkt)
    return path


def seed_night(
    store: Store,
    *,
    label: str = "Mila",
    day: dt.date = dt.date(2024, 5, 1),
    seed: int = 0,
    n_blocks: int = 3,
    with_video: bool = False,
    in_bed: str | None = "19:30",
) -> int:
    """Add one analysed simulated night to ``store``; return its id."""
    track, result = simulated_night(seed, n_blocks)
    if with_video:
        video = make_plain_video(
            store.data_dir / f"video_{seed}_{day}.mp4", result.summary["duration_s"]
        )
        segments = night_plan([video])
    else:
        segments = [
            Segment(
                path=str(store.data_dir / f"missing_{seed}_{day}.mp4"),
                start_s=0.0,
                end_s=float(result.summary["duration_s"]),
                n_frames=track.n_frames,
                size_bytes=1,
                sha256=f"{seed:02d}{day.isoformat()}".ljust(64, "0"),
            )
        ]
    night_id = store.add_night(label, day, segments, in_bed=in_bed)
    tracks = track.save(store.tracks_file(night_id))
    store.save_result(night_id, result, tracks_path=tracks)
    return night_id
