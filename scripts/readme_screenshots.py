"""The README's screenshots, taken from the built book (_build/html) in Debian's Chromium: the
landing page and a county overview at 1280 px, and the landing page at 390 px (a phone).

    .venv/bin/python scripts/readme_screenshots.py    # after `make book`
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "_build" / "html"
SHOTS = {  # file in docs/ -> (page, width, height)
    "screenshot-landing.png": ("chapters/index.html", 1280, 1100),
    "screenshot-overview.png": ("generated/2024/12/overview.html", 1280, 1100),
    "screenshot-landing-phone.png": ("chapters/index.html", 390, 844),
}


def main() -> int:
    if not (SITE / "index.html").exists():
        print("No built book: run `make book` first.", file=sys.stderr)
        return 1
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--headless", "--no-sandbox"]
        )
        for name, (page_path, width, height) in SHOTS.items():
            page = browser.new_page(viewport={"width": width, "height": height})
            page.goto((SITE / page_path).as_uri())
            page.wait_for_load_state("networkidle")
            page.wait_for_timeout(500)  # charts draw after the page has loaded
            page.screenshot(path=str(ROOT / "docs" / name))
            page.close()
            print(f"docs/{name}")
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
