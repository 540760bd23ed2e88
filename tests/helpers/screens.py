"""Screenshots of each dashboard page, served from a data folder, for a person to look at.

    python -m tests.helpers.screens DATA_DIR test-artifacts/screens [--night N] [--prefix P]

serves ``dashboard.py`` on a free localhost port with ``LEGMOVE_DATA=DATA_DIR``, opens each
page of :data:`dashboard.PAGES` in headless chromium (Playwright) and saves the whole page
(taller than the window: the viewport is grown to the page's height) as ``P<page>.png``.
Prints each file and any error box shown on a page.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from tests.helpers.browser import browser_open, dashboard_server, page_errors, page_settled

if TYPE_CHECKING:
    from playwright.sync_api import Page

__all__ = ["PAGE_KEYS", "page_screenshot", "screens_take"]

#: the dashboard's pages, as ``?page=`` takes them
PAGE_KEYS = ("night", "review", "trends", "export", "import")
#: what shows that a page has drawn what it is for (besides Streamlit being idle)
_READY = {
    "night": "() => document.querySelectorAll('.js-plotly-plot .main-svg').length > 0"
    " || document.body.innerText.includes('No nights yet')",
    "trends": "() => document.querySelectorAll('.js-plotly-plot .main-svg').length > 0"
    " || document.body.innerText.includes('No analysed nights')",
}


def page_screenshot(page: Page, path: Path, width: int = 1400) -> Path:
    """The whole page: the window grown to the height of Streamlit's scrolling main area."""
    height = int(
        page.evaluate(
            "() => Math.max(...[...document.querySelectorAll("
            '\'[data-testid="stMain"], [data-testid="stAppViewContainer"], section.main\')]'
            ".map(e => e.scrollHeight), document.body.scrollHeight)"
        )
    )
    page.set_viewport_size({"width": width, "height": min(max(height + 40, 800), 6000)})
    time.sleep(1.0)  # Plotly redraws for the new size
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    return path


def screens_take(
    data_dir: Path, out_dir: Path, night: int | None = None, prefix: str = ""
) -> list[Path]:
    """Screenshot each of :data:`PAGE_KEYS`; return the files written."""
    shots = []
    with tempfile.TemporaryDirectory(prefix="legmove-screens-") as tmp:
        with dashboard_server(data_dir, Path(tmp) / "streamlit.log") as url, browser_open() as b:
            for key in PAGE_KEYS:
                context = b.new_context(viewport={"width": 1400, "height": 1000})
                page = context.new_page()
                query = f"?page={key}" + (f"&night={night}" if night is not None else "")
                page.goto(f"{url}/{query}")
                page_settled(page)
                if key in _READY:
                    page.wait_for_function(_READY[key], timeout=90_000)
                if key == "review":
                    page.wait_for_function(
                        "() => document.querySelector('video') !== null"
                        " || document.body.innerText.includes('Nothing was flagged')"
                        " || document.body.innerText.includes('No analysed nights')",
                        timeout=90_000,
                    )
                time.sleep(1.5)  # Plotly's transitions
                shot = page_screenshot(page, out_dir / f"{prefix}{key}.png")
                errors = page_errors(page)
                print(f"{shot}" + (f"  ERRORS: {errors}" if errors else ""))
                shots.append(shot)
                context.close()
    return shots


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("data", type=Path, help="the data folder to serve")
    ap.add_argument("out", type=Path, help="folder for the PNG files")
    ap.add_argument("--night", type=int, help="night number to open (default: the newest)")
    ap.add_argument("--prefix", default="", help="file name prefix")
    args = ap.parse_args()
    screens_take(args.data, args.out, args.night, args.prefix)


if __name__ == "__main__":
    main()
