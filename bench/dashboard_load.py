"""How long does a 10-hour night's page take to build in the dashboard? (target: < 2 s)

Simulates a 10-hour night (:mod:`pipeline.scoring.simulate`: blocks of twitches, one-leg and
bilateral LMs, rhythmic kicking and cycling, long movements and PLM series, scored by the
real :func:`pipeline.scoring.night.night_score`), saves it into a fresh store, then measures:

- ``cold``: the first run of the dashboard's night page (Streamlit AppTest, a new process
  state: store read, Plotly timeline built, page serialised) — what a parent waits for
  after opening the dashboard;
- ``warm``: a rerun (a widget touched; result and figure come from the cache);
- the parts: reading the result from the store, building the Plotly timeline, and
  serialising it to JSON (what Streamlit sends to the browser), with the JSON size.

- with chromium installed, the real thing: ``streamlit run dashboard.py`` on a free port and
  headless chromium (Playwright). The page itself records (``performance.now()``,
  from the start of navigation) when the app shell, the eight summary cards and the drawn
  timeline appear, and *interactive*: the first moment after the timeline is drawn that
  the page's thread is free (``requestIdleCallback``). Runs: the first view after the
  server started, then ``--repeat`` views each in a new browser context (nothing cached: a
  first visit), then ``--repeat`` reloads in one context (scripts cached: a returning parent).
  The same runs on a *floor* page — 8 cards and a 7-line Plotly chart, no legmove code —
  say what Streamlit and Plotly cost on this machine at this load before any of our data.
  The load average is printed with every run (the machine is shared).

    .venv/bin/python -m bench.dashboard_load [--hours 10] [--repeat 3] [--no-browser]
        [--data DIR]   # keep the simulated night in DIR and reuse it next time
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

from detector.track import Segment  # noqa: E402
from pipeline.scoring.night import night_score  # noqa: E402
from pipeline.scoring.simulate import simulate_plan, simulate_track  # noqa: E402
from pipeline.store.db import Store  # noqa: E402
from ui.plotly_figures import figure_timeline_plotly  # noqa: E402


def simulate_night(hours: float, seed: int = 0):  # type: ignore[no-untyped-def]
    """A simulated night of about ``hours`` hours, scored: (track, result)."""
    n_blocks = 1
    while simulate_plan(seed, n_blocks=n_blocks)[1] < hours * 3600:
        n_blocks = int(n_blocks * 1.5) + 1
    plan, duration_s = simulate_plan(seed, n_blocks=n_blocks)
    plan = [p for p in plan if p.end_s < hours * 3600]
    track, _ = simulate_track(plan, hours * 3600, fps=15, seed=seed)
    return track, night_score(track)


def _seed(store: Store, hours: float) -> tuple[int, dict]:  # type: ignore[type-arg]
    """Simulate and score the night, save it in ``store``: (night id, summary)."""
    t = time.perf_counter()
    track, result = simulate_night(hours)
    s = result.summary
    print(
        f"simulated {s['duration_s'] / 3600:.1f} h night in {time.perf_counter() - t:.1f} s: "
        f"{len(result.events)} movements, {len(result.epochs)} epochs, "
        f"{len(result.episodes)} episodes"
    )
    seg = Segment(
        str(store.data_dir / "night.mp4"), 0.0, s["duration_s"], track.n_frames, 1, "0" * 64
    )
    night_id = store.add_night("Bench", "2024-05-01", [seg], in_bed="19:30")
    store.save_result(night_id, result, tracks_path=track.save(store.tracks_file(night_id)))
    return night_id, s


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--hours", type=float, default=10.0)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-browser", action="store_true", help="skip the chromium timing")
    ap.add_argument(
        "--data", help="keep the store in this folder and reuse its night on the next run"
    )
    args = ap.parse_args()

    print(f"load average at the start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory(prefix="legmove-bench-") as tmp:
        data = Path(args.data or tmp)
        os.environ["LEGMOVE_DATA"] = str(data)
        store = Store(data)
        done = [n for n in store.list_nights() if n.label == "Bench" and n.summary]
        if done:
            night_id = done[-1].id
            s = store.result(night_id).summary
            print(f"the {s['duration_s'] / 3600:.1f} h night saved in {data} (night {night_id})")
        else:
            night_id, s = _seed(store, args.hours)

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
            browser_timing(data, hours, args.repeat)


#: recorded in the page itself (performance.now(), ms from the start of navigation) as soon
#: as each becomes true, so waiting from Python adds nothing to the times
_MARKS_JS = """
window.__marks = {};
(() => {
  const checks = {
    shell: () => !!document.querySelector('[data-testid="stSidebar"]'),
    cards: () => document.querySelectorAll('[data-testid="stMetric"]').length >= 8,
    timeline: () =>
      document.querySelectorAll('.js-plotly-plot .main-svg .scatterlayer .trace').length > 5,
  };
  const check = () => {
    for (const [k, f] of Object.entries(checks)) {
      if (!(k in window.__marks) && f()) {
        window.__marks[k] = performance.now();
        if (k === 'timeline') {
          // interactive: the first moment after drawing that the page's thread is free
          requestIdleCallback(() => { window.__marks.idle = performance.now(); });
        }
      }
    }
  };
  new MutationObserver(check).observe(document, {childList: true, subtree: true});
})();
"""


#: the floor: a Streamlit page with what the night page shows first (8 cards) and a Plotly
#: chart of seven 2-point lines — what Streamlit and Plotly cost before any of legmove's data
_FLOOR_APP = """
import plotly.graph_objects as go
import streamlit as st

st.set_page_config(layout="wide")
st.sidebar.title("floor")
cols = st.columns(4)
for i in range(8):
    cols[i % 4].metric(f"card {i}", i)
st.plotly_chart(go.Figure([go.Scatter(x=[0, 1], y=[0, i]) for i in range(7)]))
"""


def browser_timing(data: Path, hours: float, repeat: int) -> None:
    """Seconds from opening the night page in chromium until the timeline is drawn and the
    page is idle (answers input): each run in a new browser context (nothing cached, as on a
    first visit), then reloads in one context (scripts cached, as for a parent who opened
    the dashboard before); and the same for the floor page (:data:`_FLOOR_APP`)."""
    from tests.helpers.browser import CHROMIUM, browser_open, dashboard_server

    if CHROMIUM is None:
        print("browser: chromium is not installed — skipped")
        return

    def one(page: Any, url: str) -> dict[str, float]:
        page.goto(url)
        page.wait_for_function(
            "() => window.__marks && window.__marks.idle !== undefined", timeout=180_000
        )
        marks = page.evaluate("() => window.__marks")
        return {k: float(v) / 1000 for k, v in marks.items()}

    def line(kind: str, m: dict[str, float]) -> None:
        print(
            f"  {kind}: app shell {m['shell']:.2f} s, cards {m['cards']:.2f} s, "
            f"chart drawn {m['timeline']:.2f} s, interactive {m['idle']:.2f} s "
            f"(load average {os.getloadavg()[0]:.2f})"
        )

    def runs(browser: Any, what: str, url: str) -> None:
        fresh: list[float] = []
        for i in range(repeat + 1):  # the first view after the server started, then repeat
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            try:
                context.add_init_script(_MARKS_JS)
                m = one(context.new_page(), url)
            finally:
                context.close()
            line(f"{what}, new context {i}" if i else f"{what}, first view after start", m)
            if i:
                fresh.append(m["idle"])
        reloads: list[float] = []
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        try:
            context.add_init_script(_MARKS_JS)
            page = context.new_page()
            one(page, url)  # fills the context's cache
            for i in range(repeat):
                m = one(page, url)
                line(f"{what}, reload {i + 1}", m)
                reloads.append(m["idle"])
        finally:
            context.close()
        for kind, xs in (("new context", fresh), ("reload", reloads)):
            xs = sorted(xs)
            print(
                f"browser, {what} interactive ({kind}, {len(xs)} runs): median "
                f"{xs[len(xs) // 2]:.2f} s, range {xs[0]:.2f}–{xs[-1]:.2f} s"
            )

    with tempfile.TemporaryDirectory(prefix="legmove-bench-browser-") as tmp, browser_open() as b:
        logs = Path(tmp)
        with dashboard_server(data, logs / "dashboard.log") as url:
            runs(b, f"{hours:.1f} h night page", f"{url}/?page=night")
        floor = logs / "floor_app.py"
        floor.write_text(_FLOOR_APP)
        with dashboard_server(data, logs / "floor.log", script=floor) as url:
            runs(b, "floor page (8 cards, 7-line Plotly chart)", url)
    print("target: the night page interactive in < 2 s")


if __name__ == "__main__":
    main()
