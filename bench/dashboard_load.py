"""How long does a 10-hour night's page take to build in the dashboard? (target: < 2 s)

Simulates a 10-hour night (:mod:`pipeline.simulate`: blocks of twitches, one-leg and
bilateral LMs, rhythmic kicking and cycling, long movements and PLM series, scored by the
real :func:`pipeline.night.night_score`), saves it into a fresh store, then measures:

- ``cold``: the first run of the dashboard's night page (Streamlit AppTest, a new process
  state: store read, Plotly timeline built, page serialised) — what a parent waits for
  after opening the dashboard;
- ``warm``: a rerun (a widget touched; result and figure come from the cache);
- the parts: reading the result from the store, building the Plotly timeline, and
  serialising it to JSON (what Streamlit sends to the browser), with the JSON size.

- with chromium installed, the real thing: ``streamlit run dashboard.py`` on a free port and
  headless chromium (DevTools protocol) timed from opening the night page until the Plotly
  timeline is drawn — first view after the server started, then a reload.

    .venv/bin/python bench/dashboard_load.py [--hours 10] [--repeat 3] [--no-browser]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from detector.track import Segment  # noqa: E402
from pipeline.figures import figure_timeline_plotly  # noqa: E402
from pipeline.night import night_score  # noqa: E402
from pipeline.simulate import simulate_plan, simulate_track  # noqa: E402
from pipeline.store import Store  # noqa: E402


def simulate_night(hours: float, seed: int = 0):  # type: ignore[no-untyped-def]
    """A simulated night of about ``hours`` hours, scored: (track, result)."""
    n_blocks = 1
    while simulate_plan(seed, n_blocks=n_blocks)[1] < hours * 3600:
        n_blocks = int(n_blocks * 1.5) + 1
    plan, duration_s = simulate_plan(seed, n_blocks=n_blocks)
    plan = [p for p in plan if p.end_s < hours * 3600]
    track, _ = simulate_track(plan, hours * 3600, fps=15, seed=seed)
    return track, night_score(track)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--hours", type=float, default=10.0)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-browser", action="store_true", help="skip the chromium timing")
    args = ap.parse_args()

    t = time.perf_counter()
    track, result = simulate_night(args.hours)
    s = result.summary
    print(
        f"simulated {s['duration_s'] / 3600:.1f} h night in {time.perf_counter() - t:.1f} s: "
        f"{len(result.events)} movements, {len(result.epochs)} epochs, "
        f"{len(result.episodes)} episodes"
    )
    with tempfile.TemporaryDirectory(prefix="legmove-bench-") as tmp:
        os.environ["LEGMOVE_DATA"] = tmp
        store = Store(tmp)
        seg = Segment(
            str(Path(tmp) / "night.mp4"), 0.0, s["duration_s"], track.n_frames, 1, "0" * 64
        )
        night_id = store.add_night("Bench", "2024-05-01", [seg], in_bed="19:30")
        store.save_result(night_id, result, tracks_path=track.save(store.tracks_file(night_id)))

        from streamlit.testing.v1 import AppTest

        def page_run() -> tuple[float, float]:
            at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
            at.query_params["page"] = "night"
            t0 = time.perf_counter()
            at.run()
            first = time.perf_counter() - t0
            if at.exception:
                raise SystemExit(f"the night page failed: {at.exception[0].value}")
            t0 = time.perf_counter()
            at.run()
            return first, time.perf_counter() - t0

        import streamlit as st

        # the first page view in a fresh process also pays Plotly's one-time set-up
        first_view, _ = page_run()
        cold, warm = [], []
        for _ in range(args.repeat):
            st.cache_data.clear()
            st.cache_resource.clear()
            c, w = page_run()
            cold.append(c)
            warm.append(w)
        hours = s["duration_s"] / 3600
        print(f"night page, {hours:.1f} h night, first view after start: {first_view:.2f} s")
        print(
            f"night page, {hours:.1f} h night: cold {min(cold):.2f} s "
            f"(median {sorted(cold)[len(cold) // 2]:.2f} s), warm {min(warm):.2f} s "
            f"— target < 2 s"
        )

        read, build, ser, size = [], [], [], 0
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            res = store.result(night_id)
            t1 = time.perf_counter()
            fig = figure_timeline_plotly(res, store.get_night(night_id).start_time)
            t2 = time.perf_counter()
            text = fig.to_json(validate=False)
            t3 = time.perf_counter()
            read.append(t1 - t0)
            build.append(t2 - t1)
            ser.append(t3 - t2)
            size = len(text)
        print(
            f"parts (best of {args.repeat}): store read {min(read):.3f} s, timeline build "
            f"{min(build):.3f} s, JSON {min(ser):.3f} s ({size / 1e6:.2f} MB)"
        )
        if not args.no_browser:
            browser_timing(Path(tmp), hours)


def browser_timing(data: Path, hours: float) -> None:
    """Seconds from opening the night page in chromium until the timeline is drawn."""
    sys.path.insert(0, str(ROOT / "tests"))
    from cdp_browser import CHROMIUM, Chromium, dashboard_server

    if CHROMIUM is None:
        print("browser: chromium is not installed — skipped")
        return
    drawn = "document.querySelectorAll('.js-plotly-plot .main-svg .scatterlayer .trace').length > 5"
    with dashboard_server(data, data / "streamlit.log") as url:
        times = []
        for i in range(3):
            b = Chromium(data / f"profile{i}")
            try:
                t0 = time.perf_counter()
                b.goto(f"{url}/?page=night")
                b.wait_for(drawn, timeout_s=180)
                times.append(time.perf_counter() - t0)
            finally:
                b.close()
    print(
        f"browser, {hours:.1f} h night page until the timeline is drawn: first view after "
        f"the server started {times[0]:.2f} s, then {min(times[1:]):.2f} s (new browser each)"
    )


if __name__ == "__main__":
    main()
