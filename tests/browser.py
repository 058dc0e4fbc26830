"""Headless Chromium (Debian's, driven by Playwright) for the page tests: every request to
another origin is blocked and recorded, and every JavaScript error is kept."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ALL_CHARTS_DRAWN = """() => {
  const charts = [...document.querySelectorAll('.lansbok-chart')];
  return charts.length > 0 && charts.every(c => c.querySelector('svg, canvas'));
}"""


@dataclass
class Visit:
    errors: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)


@contextmanager
def chromium():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            yield browser
        finally:
            browser.close()


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc


def open_page(browser, url: str, viewport: dict | None = None):
    """A new page at url (in a window of `viewport`, if given), with a Visit recording errors
    and blocked foreign requests."""
    page = browser.new_page(viewport=viewport) if viewport else browser.new_page()
    visit = Visit()
    home = _origin(url)
    page.on("console", lambda m: visit.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: visit.errors.append(str(e)))

    def guard(route):
        if _origin(route.request.url) == home or route.request.url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            visit.blocked.append(route.request.url)
            route.abort()

    page.route("**/*", guard)
    page.goto(url)
    return page, visit


WCAG_21_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


def accessibility_violations(page) -> list[tuple[str, str, int]]:
    """axe-core's WCAG 2.1 A and AA violations on the page: (rule, impact, nodes)."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options=WCAG_21_AA)
    return [(v["id"], v["impact"], len(v["nodes"])) for v in results.response["violations"]]
