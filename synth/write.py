"""Render a scene to an H.264 mp4 (streamed frame by frame) and write its ground truth.

``synth_render(scene, "night.mp4")`` writes ``night.mp4`` and beside it ``night.truth/``:

- ``events.csv``   true movements, columns as the analysis ``events.csv`` plus ``origin``
                   (what was planted) and ``n_planted``;
- ``episodes.csv`` rhythmic movements and PLM series (as the analysis ``episodes.csv``);
- ``bouts.csv``    the rhythmic bouts, wherever they lie (as the analysis ``bouts.csv``);
- ``spans.csv``    behaviour periods (wake/settling/sleep) and conditions: blanket,
                   caregiver arm, infrared, repositioning; ``artifact`` marks spans with image
                   motion that is not a leg movement;
- ``summary.json`` duration, sleep onset, total sleep, awakenings, counts, indices, the
                   scene description with its seed, and the truth rules used;
- ``keypoints.npz`` per-frame true keypoints in pixels (``KEYPOINT_NAMES`` order) with
                   visibility, times, body length in pixels, blanket/caregiver/infrared flags.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
import pandas as pd

from detector.atomic import atomic_write
from detector.track import KEYPOINT_NAMES
from pipeline.settings import Settings
from synth.program import Program
from synth.render import Renderer
from synth.scene import Scene
from synth.truth import truth_bouts, truth_episodes, truth_events, truth_spans, truth_summary

__all__ = ["synth_render", "truth_dir_for", "synth_truth", "GENERATOR"]

log = logging.getLogger(__name__)

#: to be raised whenever the same scene script draws a different picture: the accuracy
#: bench then draws its cached scenes again
GENERATOR = "legmove.synth/1"


def truth_dir_for(path_mp4: str | Path) -> Path:
    """The truth folder that belongs to a rendered video: ``<stem>.truth`` beside it."""
    p = Path(path_mp4)
    return p.with_name(p.stem + ".truth")


def synth_truth(program: Program, settings: Settings | None = None) -> dict[str, Any]:
    """All truth tables of a compiled scene: events, episodes, bouts, spans (DataFrames),
    summary."""
    sc = program.scene
    events = truth_events(program.planted, program.timeline, settings)
    summary = truth_summary(events, program.timeline, sc.n_frames / sc.fps, settings)
    summary.update(
        {
            "generator": GENERATOR,
            "seed": sc.seed,
            "scene": sc.to_dict(),
            "look": program.look.__dict__,
            "fps": sc.fps,
            "n_frames": sc.n_frames,
            "frame_size": [sc.width, sc.height],
            "body_length_px": round(float(np.median(program.body_len_px)), 2),
            "body_length": "crown to heel with the legs extended, in pixels",
            "keypoint_names": list(KEYPOINT_NAMES),
        }
    )
    return {
        "events": events,
        "episodes": truth_episodes(events),
        "bouts": truth_bouts(program.planted, program.timeline),
        "spans": truth_spans(program.spans()),
        "summary": summary,
    }


def _csv(df: pd.DataFrame, path: Path) -> None:
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == bool:
            out[col] = out[col].map({True: "true", False: "false"})
    with atomic_write(path, "w") as fh:
        out.to_csv(fh, index=False, na_rep="", lineterminator="\n")
    _readable(path)


def _readable(path: Path) -> None:
    """atomic_write creates files only the owner may read; truth files are for everyone."""
    os.chmod(path, 0o644)


def _write_truth(program: Program, folder: Path, settings: Settings | None) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    truth = synth_truth(program, settings)
    _csv(truth["events"], folder / "events.csv")
    _csv(truth["episodes"], folder / "episodes.csv")
    _csv(truth["bouts"], folder / "bouts.csv")
    _csv(truth["spans"], folder / "spans.csv")
    with atomic_write(folder / "summary.json", "w") as fh:
        json.dump(truth["summary"], fh, indent=2, default=_json_default)
        fh.write("\n")
    _readable(folder / "summary.json")
    kp, vis = program.keypoints_px()
    with atomic_write(folder / "keypoints.npz", "wb") as fh:
        np.savez_compressed(
            fh,
            t_s=program.t_s,
            keypoints_px=kp,
            visible=vis,
            keypoint_names=np.array(KEYPOINT_NAMES),
            body_len_px=program.body_len_px.astype(np.float32),
            blanket=program.blanket.astype(np.float32),
            caregiver=(program.carer_reach > 0),
            infrared=program.infrared,
        )
    _readable(folder / "keypoints.npz")


def _json_default(o: object) -> Any:
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def synth_render(
    scene: Scene,
    path_mp4: str | Path,
    *,
    crf: int = 26,
    preset: str = "veryfast",
    truth: bool = True,
    settings: Settings | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Path:
    """Render ``scene`` to ``path_mp4`` (H.264, yuv420p, constant frame rate) and its truth.

    Frames are drawn and encoded one at a time; the file appears under its final name only
    when complete. Key frames every 2 s. ``progress(done, total)`` is called every frame.
    Returns the path of the video.
    """
    path = Path(path_mp4)
    if path.suffix.lower() != ".mp4":
        raise ValueError(f"output must be an .mp4 file, got {path.name}")
    path.parent.mkdir(parents=True, exist_ok=True)
    program = Program(scene)
    renderer = Renderer(scene.width, scene.height, program.look, seed=scene.seed)
    n, fps = program.n_frames, scene.fps
    tmp = path.with_name(f".{path.stem}.partial.mp4")
    log.info(
        "rendering %s: %d frames %dx%d at %d fps", path.name, n, scene.width, scene.height, fps
    )
    try:
        with av.open(str(tmp), "w", format="mp4", options={"movflags": "+faststart"}) as out:
            out.metadata["comment"] = (
                f"{GENERATOR} synthetic scene {scene.name!r} seed {scene.seed}"
            )
            stream = out.add_stream("libx264", rate=Fraction(fps))
            stream.width, stream.height = scene.width, scene.height
            stream.pix_fmt = "yuv420p"
            stream.codec_context.time_base = Fraction(1, fps)
            stream.options = {
                "crf": str(crf),
                "preset": preset,
                "g": str(2 * fps),
                "keyint_min": str(fps),
            }
            for i in range(n):
                frame = av.VideoFrame.from_ndarray(
                    renderer.render(program.state(i)), format="rgb24"
                )
                frame.pts = i
                frame.time_base = Fraction(1, fps)
                out.mux(stream.encode(frame))
                if progress is not None:
                    progress(i + 1, n)
            out.mux(stream.encode(None))
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if truth:
        _write_truth(program, truth_dir_for(path), settings)
    return path
