"""End to end in a real browser: the dashboard served by ``streamlit run`` on a free localhost
port, with seeded nights, opened in Debian's headless chromium through Playwright.

Playwright's driver ships in its wheel and launches the system's chromium, so nothing is
downloaded at test time. Screenshots are kept in ``test-artifacts/`` (git-ignored). Skips
only when chromium is not installed.
"""

from __future__ import annotations

import datetime as dt
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pipeline.store.db import Store
from tests.helpers.browser import (
    CHROMIUM,
    browser_open,
    dashboard_server,
    page_errors,
    page_open,
    page_settled,
)
from tests.helpers.seed import seed_night

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Response

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"

pytestmark = [pytest.mark.browser, pytest.mark.slow]


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


@pytest.fixture(scope="module")
def browser(app: tuple[str, Path]) -> Iterator[Browser]:
    with browser_open() as b:
        yield b


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    with page_open(browser) as p:
        yield p


def _fetch(page: Page, url: str, headers: dict[str, str]) -> dict[str, Any]:
    """GET ``url`` from inside the page (its origin, cookies and Accept-Encoding): status, a
    few headers, body size."""
    return dict(
        page.evaluate(
            """async ([url, headers]) => {
                const r = await fetch(url, {headers, cache: 'no-store'});
                return {status: r.status, type: r.headers.get('content-type') || '',
                        encoding: r.headers.get('content-encoding'),
                        length: (await r.arrayBuffer()).byteLength};
            }""",
            [url, headers],
        )
    )


def _get(url: str, headers: dict[str, str]) -> dict[str, Any]:
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


def test_night_page_draws_the_timeline_without_errors(app: tuple[str, Path], page: Page) -> None:
    page.goto(f"{app[0]}/?page=night")
    page.wait_for_function(
        "() => document.querySelectorAll('.js-plotly-plot .main-svg .scatterlayer .trace')"
        ".length > 5",
        timeout=90_000,
    )
    page.get_by_text("Counts per hour").wait_for(timeout=30_000)
    page_settled(page)
    page.wait_for_timeout(1000)  # let Plotly finish its transitions before the picture
    page.screenshot(path=str(ARTIFACTS / "dashboard_night.png"))
    assert page.locator(".js-plotly-plot").count() == 1
    text = page.inner_text("body")
    for words in ("Sleep onset", "PLMS index", "Leg movements (LMs)", "not a diagnosis"):
        assert words in text
    assert "Traceback" not in text
    assert page_errors(page) == []


def test_review_page_plays_the_episode_and_a_skeleton_clip(
    app: tuple[str, Path], page: Page
) -> None:
    store = Store(app[1])
    night = store.list_nights()[-1]  # the page opens on the newest night
    eps = store.episodes(night.id).sort_values(["priority", "start_s"], kind="stable")
    first_start = float(eps.iloc[0]["start_s"])
    media: list[Response] = []
    page.on("response", lambda r: media.append(r) if "/media/" in r.url else None)
    page.goto(f"{app[0]}/?page=review")
    video = page.locator("video").first
    video.wait_for(timeout=90_000)
    page.get_by_role("button", name="Ordinary movement").wait_for(timeout=30_000)
    src = str(video.evaluate("v => v.currentSrc"))
    assert "/media/" in src
    # Streamlit serves the video whole (200) and by byte range (206), to the page (which
    # accepts gzip) and to a client that does not: Streamlit 1.60 with Starlette >= 1.8
    # answered every media request with HTTP 500
    for got in (_fetch(page, src, {"Range": "bytes=0-1023"}), _get(src, {"Range": "bytes=0-1023"})):
        assert got["status"] == 206, got
        assert str(got["type"]).startswith("video/") and got["length"] == 1024, got
        assert got["encoding"] in (None, "identity"), got  # media is never compressed
    for got in (_fetch(page, src, {}), _get(src, {})):
        assert got["status"] == 200 and int(got["length"]) > 1024, got
    # the browser loads the video (served by Streamlit) and starts it before the episode
    video.evaluate("v => new Promise(ok => v.readyState >= 1 ? ok() : v.onloadedmetadata = ok)")
    assert media and {r.status for r in media} <= {200, 206}, [(r.url, r.status) for r in media]
    now = float(video.evaluate("v => v.currentTime"))
    assert now == pytest.approx(max(0, int(first_start - 5)), abs=1.0)
    assert now < first_start
    # open "Clip with the tracked legs drawn" and make the clip: an H.264 file chromium plays
    page.get_by_text("Clip with the tracked legs drawn").click()
    page.get_by_role("button", name="Make the clip").click()
    clip = page.locator("video").nth(1)
    clip.wait_for(timeout=120_000)
    clip.evaluate("v => new Promise(ok => v.readyState >= 2 ? ok() : v.onloadeddata = ok)")
    info = clip.evaluate("v => ({w: v.videoWidth, h: v.videoHeight, d: v.duration, err: v.error})")
    assert info["err"] is None and info["w"] > 0 and info["h"] > 0
    assert info["d"] == pytest.approx(float(eps.iloc[0]["end_s"]) - first_start + 10, abs=1.5)
    clip.evaluate("v => { v.currentTime = 6; }")
    page.wait_for_timeout(1500)
    page.screenshot(path=str(ARTIFACTS / "dashboard_review.png"))
    assert page_errors(page) == []


def test_trends_page_marks_the_note(app: tuple[str, Path], page: Page) -> None:
    page.goto(f"{app[0]}/?page=trends")
    page.locator(".js-plotly-plot .main-svg").first.wait_for(timeout=90_000)
    page.get_by_text("warm bath before bed").first.wait_for(timeout=30_000)
    page_settled(page)
    page.wait_for_timeout(1000)
    page.screenshot(path=str(ARTIFACTS / "dashboard_trends.png"))
    assert page_errors(page) == []


def test_review_answer_is_saved_and_shown_on_its_button(app: tuple[str, Path], page: Page) -> None:
    store = Store(app[1])
    night = store.list_nights()[-1]
    eps = store.episodes(night.id).sort_values(["priority", "start_s"], kind="stable")
    first = int(eps.iloc[0]["number"])
    page.goto(f"{app[0]}/?page=review")
    ordinary = page.get_by_role("button", name="Ordinary movement")
    ordinary.wait_for(timeout=90_000)
    ordinary.click()
    page.get_by_text("You marked this: ordinary movement").wait_for(timeout=30_000)
    page_settled(page)
    # the chosen answer is the one filled button (Streamlit also keeps a hidden copy of a
    # button with a tooltip: only what is visible counts)
    from playwright.sync_api import expect

    chosen = page.locator('[data-testid="stBaseButton-primary"]:visible')
    expect(chosen).to_have_count(1, timeout=30_000)
    texts = [b.inner_text().strip() for b in chosen.all()]
    assert texts == ["✓ Ordinary movement"], texts
    assert store.episodes(night.id).set_index("number").loc[first, "verdict"] == "ordinary"
    # the primary colour is the calm blue of the theme, not Streamlit's red
    color = chosen.first.evaluate("b => getComputedStyle(b).backgroundColor")
    assert color == "rgb(31, 111, 178)", color
    page_settled(page)
    page.screenshot(path=str(ARTIFACTS / "dashboard_review_answered.png"))
    assert page_errors(page) == []


def test_a_click_on_a_flagged_episode_opens_it_in_review(app: tuple[str, Path], page: Page) -> None:
    store = Store(app[1])
    night = store.list_nights()[-1]
    eps = store.episodes(night.id).sort_values(["priority", "start_s"], kind="stable")
    # not the one the review page opens on anyway: the longest of the others, clicked in its
    # middle (away from the ends of neighbouring bars)
    others = eps.iloc[1:]
    last = others.loc[(others["end_s"] - others["start_s"]).idxmax()]
    page.goto(f"{app[0]}/?page=night")
    page.wait_for_function(
        "() => document.querySelectorAll('.js-plotly-plot .main-svg .scatterlayer .trace')"
        ".length > 5",
        timeout=90_000,
    )
    page_settled(page)
    page.locator(".js-plotly-plot").first.scroll_into_view_if_needed()
    page.wait_for_timeout(1000)
    # where the last episode's middle is drawn: its click target on the Flagged lane
    xy = page.evaluate(
        """(num) => {
          const gd = document.querySelector('.js-plotly-plot');
          const t = gd._fullData.find(d => d.name === 'click to review');
          const ks = [...t.customdata.keys()].filter(k => t.customdata[k] === num && t.y[k] === 0);
          const i = ks[Math.floor(ks.length / 2)];
          const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
          const r = gd.getBoundingClientRect();
          return {x: r.left + xa._offset + xa.d2p(t.x[i]), y: r.top + ya._offset + ya.d2p(t.y[i])};
        }""",
        int(last["number"]),
    )
    page.mouse.move(xy["x"], xy["y"])
    page.wait_for_timeout(300)
    page.mouse.click(xy["x"], xy["y"])
    page.screenshot(path=str(ARTIFACTS / "dashboard_timeline_click.png"))
    # the page changes by a rerun (the URL's query by history.replaceState, not a navigation)
    page.wait_for_function("() => location.search.includes('page=review')", timeout=60_000)
    page.locator("video").first.wait_for(timeout=60_000)
    # the clicked episode is the one shown: its times, on the night's clock (in bed 19:30)
    bed = dt.datetime.combine(night.night_date, dt.time(19, 30))
    span = " – ".join(
        (bed + dt.timedelta(seconds=float(last[k]))).strftime("%H:%M:%S")
        for k in ("start_s", "end_s")
    )
    page.get_by_text(span).wait_for(timeout=60_000)
    assert page_errors(page) == []
