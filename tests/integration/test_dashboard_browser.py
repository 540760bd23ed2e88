"""End to end in a real browser: the dashboard served by ``streamlit run`` on a free localhost
port, with a seeded night, opened in Debian's headless chromium.

Chromium is driven over the DevTools protocol (a websocket, with tornado's client that
Streamlit already brings), so nothing is downloaded at test time. Screenshots are kept in
``test-artifacts/`` (git-ignored). Skips only when chromium is not installed.
"""

from __future__ import annotations

import datetime as dt
import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.store.db import Store

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
from tests.helpers.browser import CHROMIUM, Chromium, dashboard_server  # noqa: E402
from tests.helpers.seed import seed_night  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.slow]

#: what an error looks like on a Streamlit page
ERROR_SELECTOR = '[data-testid="stException"], [data-testid="stAlertContentError"]'


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The dashboard served on a free localhost port: (url, data folder)."""
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (Debian: apt-get install chromium)")
    data = tmp_path_factory.mktemp("browser-data")
    store = Store(data)
    seed_night(store, seed=1, n_blocks=2, day=dt.date(2024, 5, 1))
    seed_night(store, seed=0, with_video=True, day=dt.date(2024, 5, 2))
    store.add_note("2024-05-02", "warm bath before bed")
    log = tmp_path_factory.mktemp("browser-log") / "streamlit.log"
    with dashboard_server(data, log) as url:
        yield url, data


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Chromium]:
    b = Chromium(tmp_path / "profile")
    try:
        yield b
    finally:
        b.close()


def _page_errors(b: Chromium) -> list[str]:
    return list(
        b.js(f"[...document.querySelectorAll('{ERROR_SELECTOR}')].map(e => e.innerText)") or []
    )


def _fetch(b: Chromium, url: str, headers: dict[str, str]) -> dict[str, object]:
    """GET ``url`` from the page (its origin and cookies); status, a few headers, body size."""
    script = (
        f"fetch({json.dumps(url)}, {{headers: {json.dumps(headers)}, cache: 'no-store'}})"
        ".then(async r => ({status: r.status, type: r.headers.get('content-type') || '',"
        " encoding: r.headers.get('content-encoding'),"
        " length: (await r.arrayBuffer()).byteLength}))"
    )
    res = b.call("Runtime.evaluate", expression=script, awaitPromise=True, returnByValue=True)
    if "exceptionDetails" in res:
        raise RuntimeError(f"fetch {url}: {res['exceptionDetails']}")
    return dict(res["result"]["value"])


def _get(url: str, headers: dict[str, str]) -> dict[str, object]:
    """The same from Python (no Accept-Encoding: Starlette's identity responder)."""
    req = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            status, body, h = r.status, r.read(), r.headers
    except urllib.error.HTTPError as exc:
        status, body, h = exc.code, exc.read(), exc.headers
    return {
        "status": status,
        "type": h.get("content-type", ""),
        "encoding": h.get("content-encoding"),
        "length": len(body),
    }


def test_night_page_draws_the_timeline_without_errors(
    app: tuple[str, Path], browser: Chromium
) -> None:
    browser.goto(f"{app[0]}/?page=night")
    waited = browser.wait_for(
        "document.querySelectorAll('.js-plotly-plot .main-svg .scatterlayer .trace').length > 5",
        timeout_s=90,
    )
    browser.wait_for("document.body.innerText.includes('Counts per hour')", timeout_s=30)
    time.sleep(1.0)  # let Plotly finish its transitions before the picture
    shot = browser.screenshot(ARTIFACTS / "dashboard_night.png")
    print(f"timeline drawn {waited:.1f} s after opening the page; screenshot {shot}")
    assert browser.js("document.querySelectorAll('.js-plotly-plot').length") == 1
    text = browser.js("document.body.innerText")
    for words in ("Sleep onset", "PLMS index", "Leg movements (LMs)", "not a diagnosis"):
        assert words in text
    assert "Traceback" not in text
    assert _page_errors(browser) == []


def test_review_page_plays_the_episode_and_a_skeleton_clip(
    app: tuple[str, Path], browser: Chromium
) -> None:
    store = Store(app[1])
    night = store.list_nights()[-1]  # the page opens on the newest night
    eps = store.episodes(night.id).sort_values(["priority", "start_s"], kind="stable")
    first_start = float(eps.iloc[0]["start_s"])
    browser.goto(f"{app[0]}/?page=review")
    browser.wait_for("document.querySelector('video') !== null", timeout_s=90)
    browser.wait_for("document.body.innerText.includes('Looks right')", timeout_s=30)
    src = browser.js("document.querySelector('video').currentSrc")
    assert "/media/" in src
    # Streamlit serves the video whole (200) and by byte range (206), to the page (which
    # accepts gzip) and to a client that does not: Streamlit 1.60 with Starlette >= 1.8
    # answered every media request with HTTP 500
    for got in (
        _fetch(browser, src, {"Range": "bytes=0-1023"}),
        _get(src, {"Range": "bytes=0-1023"}),
    ):
        assert got["status"] == 206, got
        assert str(got["type"]).startswith("video/") and got["length"] == 1024, got
        assert got["encoding"] in (None, "identity"), got  # media is never compressed
    for got in (_fetch(browser, src, {}), _get(src, {})):
        assert got["status"] == 200 and int(str(got["length"])) > 1024, got
    # the browser loads the video (served by Streamlit) and starts it before the episode
    browser.wait_for("document.querySelector('video').readyState >= 1", timeout_s=30)
    statuses = browser.js(
        "performance.getEntriesByType('resource').filter(e => e.name.includes('/media/'))"
        ".map(e => e.responseStatus)"
    )
    assert statuses and set(statuses) <= {200, 206}, statuses
    now = float(browser.js("document.querySelector('video').currentTime"))
    assert now == pytest.approx(max(0, int(first_start - 5)), abs=1.0)
    assert now < first_start
    # open "Clip with the tracked legs drawn" and make the clip: an H.264 file chromium plays
    browser.js("document.querySelector('[data-testid=\"stExpander\"] summary').click()")
    browser.wait_for(
        "[...document.querySelectorAll('button')].some(b => b.innerText.includes('Make the clip'))",
        timeout_s=30,
    )
    browser.js(
        "[...document.querySelectorAll('button')]"
        ".find(b => b.innerText.includes('Make the clip')).click()"
    )
    browser.wait_for("document.querySelectorAll('video').length === 2", timeout_s=120)
    browser.wait_for("document.querySelectorAll('video')[1].readyState >= 2", timeout_s=30)
    clip = browser.js(
        "(() => { const v = document.querySelectorAll('video')[1];"
        " return {w: v.videoWidth, h: v.videoHeight, d: v.duration, err: v.error}; })()"
    )
    assert clip["err"] is None and clip["w"] > 0 and clip["h"] > 0
    assert clip["d"] == pytest.approx(float(eps.iloc[0]["end_s"]) - first_start + 10, abs=1.5)
    browser.js("document.querySelectorAll('video')[1].currentTime = 6")
    time.sleep(1.5)
    browser.screenshot(ARTIFACTS / "dashboard_review.png")
    assert _page_errors(browser) == []


def test_trends_page_marks_the_note(app: tuple[str, Path], browser: Chromium) -> None:
    browser.goto(f"{app[0]}/?page=trends")
    browser.wait_for("document.querySelectorAll('.js-plotly-plot .main-svg').length > 0", 90)
    browser.wait_for("document.body.innerText.includes('warm bath before bed')", 30)
    time.sleep(1.0)
    browser.screenshot(ARTIFACTS / "dashboard_trends.png")
    assert _page_errors(browser) == []
