"""Serve the dashboard and open it in Debian's chromium through Playwright.

Used by tests/integration/test_dashboard_browser.py, tests/helpers/screens.py and
bench/dashboard_load.py. Playwright's Python package (a dev extra) carries its driver in the
wheel; it drives the chromium installed by the system (``/usr/bin/chromium``), so no browser
is downloaded (never run ``playwright install``). Import as ``tests.helpers.browser``.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

__all__ = [
    "CHROMIUM",
    "ERROR_SELECTOR",
    "browser_open",
    "dashboard_server",
    "free_port",
    "page_errors",
    "page_open",
    "page_settled",
    "wait_http",
]

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
#: what an error looks like on a Streamlit page
ERROR_SELECTOR = '[data-testid="stException"], [data-testid="stAlertContentError"]'
#: chromium flags for a headless run as root in a container, with nothing phoning home
_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--mute-audio",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, timeout_s: float, proc: subprocess.Popen[bytes] | None = None) -> str:
    """The body of ``url`` once it answers (a server starting up); TimeoutError if it does
    not within ``timeout_s``, RuntimeError if ``proc`` exits first."""
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


@contextmanager
def browser_open() -> Iterator[Browser]:
    """Headless chromium (the system's) driven by Playwright; closed afterwards."""
    if CHROMIUM is None:
        raise RuntimeError("chromium is not installed (Debian: apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def page_open(browser: Browser, width: int = 1400, height: int = 1000) -> Iterator[Page]:
    """A page in a fresh browser context (no cache, no cookies: a first visit)."""
    context = browser.new_context(viewport={"width": width, "height": height})
    try:
        yield context.new_page()
    finally:
        context.close()


def page_errors(page: Page) -> list[str]:
    """The texts of the Streamlit error boxes and exceptions on the page."""
    return [e.inner_text() for e in page.locator(ERROR_SELECTOR).all()]


def page_settled(page: Page, timeout_s: float = 90.0) -> None:
    """Wait until the Streamlit script has finished its run (no "running" indicator) and the
    page's network is idle."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout_s * 1000)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " || !document.querySelector('[data-testid=\"stStatusWidget\"]').innerText"
        ".includes('Running')",
        timeout=timeout_s * 1000,
    )
    page.wait_for_load_state("networkidle", timeout=timeout_s * 1000)


@contextmanager
def dashboard_server(
    data_dir: Path, log_path: Path, script: Path | None = None, env: dict[str, str] | None = None
) -> Iterator[str]:
    """``streamlit run dashboard.py`` (or ``script``) on a free localhost port with
    ``LEGMOVE_DATA=data_dir``; yields its URL once it answers, stops it afterwards."""
    port = free_port()
    run_env = {**os.environ, "LEGMOVE_DATA": str(data_dir), "PYTHONPATH": str(ROOT)}
    run_env.update(env or {})
    cmd = [sys.executable, "-m", "streamlit", "run", str(script or "dashboard.py")]
    cmd += ["--server.port", str(port), "--server.address", "127.0.0.1"]
    cmd += ["--server.headless", "true", "--browser.gatherUsageStats", "false"]
    with log_path.open("wb") as log:
        server = subprocess.Popen(cmd, cwd=ROOT, env=run_env, stdout=log, stderr=subprocess.STDOUT)
        try:
            if wait_http(f"http://127.0.0.1:{port}/_stcore/health", 60, server) != "ok":
                raise RuntimeError("the dashboard's health check did not answer ok")
            yield f"http://127.0.0.1:{port}"
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
