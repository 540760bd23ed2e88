"""Regenerate the demo night: sample_videos/demo_night.mp4 and sample_videos/demo_night.truth/.

    .venv/bin/python sample_videos/make_demo.py

The scene is the ``demo_night`` preset (synth/presets.py), seed 0: 8 minutes at
320×240, 15 fps — awake wiggling, then settling with leg movements and a cycling bout,
then sleep (from 90 s, 305 s long so the default 300-s sleep-onset rule can find it) with
a PLM series of 5 LMs about 20 s apart, isolated LMs and twitches, a 65-s awakening and a
little more sleep. The output is deterministic for a given library build (x264 and
OpenCV versions may change the bytes, never the truth).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from synth import synth_preset, synth_render, truth_dir_for  # noqa: E402

SEED = 0


def main() -> None:
    out = HERE / "demo_night.mp4"
    scene = synth_preset("demo_night", seed=SEED)
    t0 = time.perf_counter()

    def progress(done: int, total: int) -> None:
        if done % 900 == 0 or done == total:
            print(f"\r{done}/{total} frames", end="", flush=True)

    synth_render(scene, out, crf=27, progress=progress)
    size_mb = out.stat().st_size / 1e6
    print(f"\nwrote {out.name} ({size_mb:.1f} MB) in {time.perf_counter() - t0:.0f} s")
    summary = json.loads((truth_dir_for(out) / "summary.json").read_text())
    print(
        "truth:",
        json.dumps(
            {k: summary[k] for k in ("sleep_onset_s", "total_sleep_s", "awakenings", "counts")}
        ),
    )


if __name__ == "__main__":
    main()
