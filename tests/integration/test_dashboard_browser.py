"""End to end in a real browser: the dashboard served by ``streamlit run`` on a free localhost
port, with a seeded night, opened in Debian's headless chromium.

Chromium is driven over the DevTools protocol (a websocket, with tornado's client that
Streamlit already brings), so nothing is downloaded at test time. Screenshots are kept in
``test-artifacts/`` (git-ignored). Skips only when chromium is not installed.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pipeline.store import Store

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
sys.path.insert(0, str(ROOT / "tests"))
from dashboard_seed import seed_night  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
#: what an error looks like on a Streamlit page
ERROR_SELECTOR = '[data-testid="stException"], [data-testid="stAlertContentError"]'


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_http(url: str, timeout_s: float, proc: subprocess.Popen[bytes] | None = None) -> str:
    deadline = time.monotonic() + timeout_s
    last: Exception | None = None
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before {url} answered")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                return r.read().decode()
        except OSError as exc:
            last = exc
            time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout_s:.0f} s ({last})")


class Chromium:
    """Headless chromium with one page, driven over the DevTools protocol."""

    def __init__(self, profile: Path, width: int = 1400, height: int = 1000) -> None:
        assert CHROMIUM is not None
        self.proc = subprocess.Popen(
            [
                CHROMIUM,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--mute-audio",
                f"--user-data-dir={profile}",
                "--remote-debugging-port=0",
                f"--window-size={width},{height}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not port_file.exists() or not port_file.read_text().strip():
            if time.monotonic() > deadline or self.proc.poll() is not None:
                self.close()
                raise RuntimeError("chromium did not start its DevTools endpoint")
            time.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        targets = json.loads(_wait_http(f"http://127.0.0.1:{port}/json/list", 10))
        page = next(t for t in targets if t["type"] == "page")
        self.loop = asyncio.new_event_loop()
        self.ws = self.loop.run_until_complete(self._connect(page["webSocketDebuggerUrl"]))
        self.next_id = 0
        self.call("Page.enable")
        self.call("Runtime.enable")
        self.call(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )

    @staticmethod
    async def _connect(url: str) -> Any:
        from tornado.websocket import websocket_connect

        return await websocket_connect(url, max_message_size=256 * 1024 * 1024)

    async def _call(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        self.next_id += 1
        my_id = self.next_id
        await self.ws.write_message(json.dumps({"id": my_id, "method": method, "params": params}))
        while True:
            raw = await asyncio.wait_for(self.ws.read_message(), timeout=60)
            if raw is None:
                raise RuntimeError("chromium closed the DevTools connection")
            msg = json.loads(raw)
            if msg.get("id") == my_id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return dict(msg.get("result", {}))

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        return self.loop.run_until_complete(self._call(method, params))

    def js(self, expression: str) -> Any:
        res = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in res:
            raise RuntimeError(f"{expression}: {res['exceptionDetails']}")
        return res["result"].get("value")

    def goto(self, url: str) -> None:
        self.call("Page.navigate", url=url)

    def wait_for(self, expression: str, timeout_s: float = 60.0) -> float:
        """Wait until ``expression`` is truthy in the page; return the seconds waited."""
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout_s:
            try:
                if self.js(expression):
                    return time.monotonic() - t0
            except RuntimeError:  # the page is still loading (no body yet, ...)
                pass
            time.sleep(0.1)
        raise TimeoutError(f"not true within {timeout_s:.0f} s: {expression}")

    def screenshot(self, path: Path) -> Path:
        data = self.call("Page.captureScreenshot", format="png", captureBeyondViewport=False)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data["data"]))
        return path

    def close(self) -> None:
        ws = getattr(self, "ws", None)
        if ws is not None:
            ws.close()
        loop = getattr(self, "loop", None)
        if loop is not None:
            loop.close()
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The dashboard served on a free localhost port: (url, data folder)."""
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (Debian: apt-get install chromium)")
    data = tmp_path_factory.mktemp("browser-data")
    store = Store(data)
    seed_night(store, seed=1, n_blocks=2, day=__import__("datetime").date(2024, 5, 1))
    seed_night(store, seed=0, with_video=True, day=__import__("datetime").date(2024, 5, 2))
    store.add_note("2024-05-02", "warm bath before bed")
    port = _free_port()
    env = {**os.environ, "LEGMOVE_DATA": str(data)}
    log = (tmp_path_factory.mktemp("browser-log") / "streamlit.log").open("wb")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "dashboard.py",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        assert _wait_http(f"http://127.0.0.1:{port}/_stcore/health", 60, server) == "ok"
        yield f"http://127.0.0.1:{port}", data
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


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
    assert "/media/" in browser.js("document.querySelector('video').currentSrc")
    # the browser loads the video (served by Streamlit) and starts it before the episode
    browser.wait_for("document.querySelector('video').readyState >= 1", timeout_s=30)
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
