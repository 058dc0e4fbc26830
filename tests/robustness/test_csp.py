"""The book under a strict Content-Security-Policy: the book the tests build once (`book_root`)
is served with the policy as an HTTP header, and Chromium reports every violation. Charts draw,
search finds pages and the comparison page's pickers redraw its chart, with no violation."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from browser import ALL_CHARTS_DRAWN

from lansbok.csp import POLICY
from lansbok.data import PROJECT_ROOT
from lansbok.sections import SECTIONS

pytestmark = [pytest.mark.book, pytest.mark.notebooks]

# Every violation the page reports.
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  const target = e.target && e.target.nodeType === 1 ? e.target : null;
  window.__violations.push({
    directive: e.violatedDirective, blocked: e.blockedURI, source: e.sourceFile,
    line: e.lineNumber, element: target ? target.nodeName : "",
  });
});
"""
# Chromium logs each violation on the console as well; the event list above has them.
CSP_CONSOLE = re.compile(r"^(Applying inline style|Refused to|Evaluating a string) ")


@dataclass
class Visit:
    errors: list[str] = field(default_factory=list)

    def violations(self, page) -> list[dict]:
        return page.evaluate("window.__violations")


def open_under_csp(browser, url: str):
    page = browser.new_page()
    visit = Visit()
    page.add_init_script(RECORD_VIOLATIONS)
    page.on(
        "console",
        lambda m: (
            visit.errors.append(m.text)
            if m.type == "error" and not CSP_CONSOLE.match(m.text)
            else None
        ),
    )
    page.on("pageerror", lambda e: visit.errors.append(str(e)))
    page.goto(url)
    return page, visit


class PolicyHandler(SimpleHTTPRequestHandler):
    """Serves the site as a web server configured as the README says: the policy as a header."""

    def end_headers(self):
        self.send_header("Content-Security-Policy", POLICY)
        super().end_headers()

    def do_GET(self):
        if self.path == "/favicon.ico":  # the browser asks; the book has none
            self.send_response(204)
            self.end_headers()
            return
        super().do_GET()

    def log_message(self, *args):
        pass


def serve(directory: Path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(PolicyHandler, directory=directory))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


@pytest.fixture(scope="module")
def book(book_root):
    """The built site."""
    return book_root / "_build" / "html"


@pytest.fixture(scope="module")
def site(book):
    server, url = serve(book)
    yield url
    server.shutdown()


PAGES = [f"generated/2024/{code}/{s}.html" for code in ("SE", "12") for s in SECTIONS]


def test_every_page_carries_the_policy_before_any_script(book):
    pages = [p for p in book.rglob("*.html") if "_static" not in p.parts]
    assert len(pages) > 15
    for path in pages:
        text = path.read_text(encoding="utf-8")
        if path.name == "index.html" and path.parent == book:
            continue  # Jupyter Book's redirect: no script, no style
        head = text.split("</head>")[0]
        meta = head.find('<meta http-equiv="Content-Security-Policy"')
        assert meta != -1, path
        assert POLICY.replace("'", "&#x27;") in head, path
        first_script = head.find("<script")
        assert first_script == -1 or meta < first_script, path
        # No inline script other than JSON data blocks, no event handler attributes.
        inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", text)
        assert all('type="application/json"' in attrs for attrs in inline), (path, inline)
        assert not re.search(r"<[a-z][^>]*\son[a-z]+=", text), path


def test_charts_draw_with_no_violation(site, browser):
    for path in [*PAGES, "generated/2024/SE/comparisons.html"]:
        page, visit = open_under_csp(browser, site + path)
        page.wait_for_function(ALL_CHARTS_DRAWN, timeout=30_000)
        assert page.locator(".lansbok-chart svg").count() >= 1, path
        page.wait_for_load_state("networkidle")
        assert visit.violations(page) == [], path
        assert visit.errors == [], (path, visit.errors)
        page.close()


@pytest.mark.parametrize("path", ["chapters/index.html", "genindex.html", "chapters/ordlista.html"])
def test_other_pages_have_no_violation(site, browser, path):
    page, visit = open_under_csp(browser, site + path)
    page.wait_for_load_state("networkidle")
    assert visit.violations(page) == [] and visit.errors == []
    # The theme's icons keep their size without Font Awesome's injected style.
    heights = page.eval_on_selector_all(
        "svg.svg-inline--fa", "icons => icons.map(i => i.getBoundingClientRect().height)"
    )
    assert heights and max(heights) < 40, heights
    page.close()


def test_search_finds_pages_with_no_violation(site, browser):
    page, visit = open_under_csp(browser, site + "search.html?q=ensamkommande")
    summary = page.wait_for_function(
        "() => document.querySelector('#search-results .search-summary')?.textContent",
        timeout=30_000,
    ).json_value()
    links = page.eval_on_selector_all("#search-results ul.search li a", "as => as.map(a => a.href)")
    assert any("generated/2024/SE/minors.html" in link for link in links), links
    # Sphinx's Swedish messages, which need translations.js to run under the policy.
    assert summary == f"Sökningen är klar. Antal sidor som matchar: {len(links)}."
    assert page.evaluate("document.activeElement.name") == "q"  # the field has the focus
    assert visit.violations(page) == [] and visit.errors == []
    page.close()


def test_comparison_pickers_redraw_the_chart(site, browser):
    page, visit = open_under_csp(browser, site + "generated/2024/SE/comparisons.html")
    page.wait_for_function(ALL_CHARTS_DRAWN, timeout=30_000)
    chart = page.locator(".lansbok-chart svg").first
    before = chart.inner_html()
    selects = page.locator(".lansbok-chart select")
    assert selects.count() == 2  # indicator and county
    indicator = selects.nth(0)
    options = indicator.locator("option").all_inner_texts()
    indicator.select_option(index=len(options) - 1)
    page.wait_for_function(
        "before => document.querySelector('.lansbok-chart svg').innerHTML !== before", arg=before
    )
    after_indicator = chart.inner_html()
    selects.nth(1).select_option(index=1)  # the first county, outlined in red
    page.wait_for_function(
        "before => document.querySelector('.lansbok-chart svg').innerHTML !== before",
        arg=after_indicator,
    )
    assert "#d62728" in chart.inner_html()
    assert visit.violations(page) == [] and visit.errors == []
    page.close()


def test_the_font_awesome_rules_match_the_theme(site, browser):
    """_static/lansbok-fontawesome.css stands in for the <style> Font Awesome would add: it must
    be what the theme's Font Awesome writes (a theme upgrade shows here)."""
    page, _visit = open_under_csp(browser, site + "chapters/index.html")
    page.wait_for_load_state("networkidle")
    css = page.evaluate("window.FontAwesome.dom.css()")
    shipped = (PROJECT_ROOT / "_static" / "lansbok-fontawesome.css").read_text(encoding="utf-8")
    assert css.strip() == shipped.split("*/\n", 1)[1].strip()
    page.close()


def test_tables_carry_no_inline_style(site, browser):
    for path in ["generated/2024/12/minors.html", "search.html?q=ensamkommande"]:
        page, visit = open_under_csp(browser, site + path)
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(1000)  # search reads its result pages after the load
        assert visit.violations(page) == [], path
        page.close()
