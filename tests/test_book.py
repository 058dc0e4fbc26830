"""The book, built once from the shipped data, checked in a real headless Chromium."""

import ast
import csv
import json
import re
import threading
from functools import partial
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from urllib.request import urlopen

import pytest
import yaml
from browser import ALL_CHARTS_DRAWN, accessibility_violations, open_page
from conftest import copy_book_source

from lansbok.book import BuildError, build
from lansbok.data import DEFAULT_DATA_DIR, PROJECT_ROOT, load
from lansbok.geography import RIKET, resolve
from lansbok.sections import SECTIONS

COUNTIES = load(DEFAULT_DATA_DIR).table("counties")
CODES = list(COUNTIES["county_code"])
CHECKED_COUNTIES = ["01", "09", "12", "14", "23", "25"]  # in the browser, every section page
CHARTS_DRAWN_IF_ANY = """() => [...document.querySelectorAll('.lansbok-chart')]
  .every(c => c.querySelector('svg, canvas'))"""


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # a browser that closes a connection early is not a test failure


@pytest.fixture(scope="session")
def site():
    """Build the book (cached notebooks are reused) and serve _build/html on localhost."""
    index = build(progress=False).index
    server = QuietServer(("127.0.0.1", 0), partial(QuietHandler, directory=index.parent))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


def test_toc_has_every_county_and_section(site):
    toc = yaml.safe_load((PROJECT_ROOT / "_toc.yml").read_text())
    files = {c["file"] for part in toc["parts"] for c in part["chapters"]}
    files |= {
        s["file"] for part in toc["parts"] for c in part["chapters"] for s in c.get("sections", [])
    }
    for code in ["SE", *CODES]:
        assert f"generated/{code}/index" in files
        for section in SECTIONS:
            assert f"generated/{code}/{section}" in files
    assert {"generated/SE/avstamning", "generated/SE/comparisons", "chapters/ordlista"} <= files
    assert [p["caption"] for p in toc["parts"]] == [
        "Riket 2024",
        "Länen",
        "Jämförelser",
        "Om data och metod",
    ]


def glued(path):
    notebook = json.loads(path.read_text())
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            if output.get("metadata", {}).get("scrapbook", {}).get("name") == "figures":
                return ast.literal_eval(output["data"]["application/papermill.record/text/plain"])
    raise AssertionError(f"no glued figures in {path}")


def test_every_page_executed_cleanly(site):
    pages = [(code, section) for code in ["SE", *CODES] for section in SECTIONS]
    for code, section in [*pages, ("SE", "comparisons")]:
        notebook = json.loads((PROJECT_ROOT / "generated" / code / f"{section}.ipynb").read_text())
        outputs = [o for c in notebook["cells"] for o in c.get("outputs", [])]
        assert not [o for o in outputs if o["output_type"] == "error"], (code, section)
        # Nothing printed: a warning on stderr would be shown on the page.
        assert not [o for o in outputs if o["output_type"] == "stream"], (code, section)
        assert notebook["metadata"]["lansbok"]["lan"] == code


def test_riket_glue_equals_the_summary(site):
    figures = {}
    for section in SECTIONS:
        figures.update(glued(PROJECT_ROOT / "generated" / "SE" / f"{section}.ipynb"))
    assert figures["newly_arrived_received_by_municipalities"]["value"] == 32866
    assert round(figures["newly_arrived_share_women"]["value"]) == 58
    assert round(figures["newly_arrived_share_ukrainian"]["value"]) == 83
    assert figures["newly_arrived_share_children"]["value"] < 30
    assert figures["uam_assignments_total"]["value"] == 497
    assert figures["uam_assignment_municipalities"]["value"] == 183
    assert round(figures["uam_assignments_share_anknytning"]["value"]) == 72
    assert figures["est_participants_women"]["value"] == 6731
    assert figures["tp_enrolled_valid_permit"]["value"] == 17505
    assert round(figures["so_survey_response_rate"]["value"]) == 90
    assert all(f["status"] == "sample" for f in figures.values())


def section_pages():
    return [f"generated/{code}/{s}.html" for code in ["SE", *CHECKED_COUNTIES] for s in SECTIONS]


def test_every_chart_draws_with_no_error_and_no_foreign_request(site, browser):
    pages = [*section_pages(), "generated/SE/comparisons.html"]
    for path in pages:
        page, visit = open_page(browser, site + path)
        page.wait_for_load_state("networkidle")
        page.wait_for_function(CHARTS_DRAWN_IF_ANY, timeout=30_000)
        # A county's section may show only small tables (one or two categories); Riket's
        # sections all have charts.
        if path.startswith("generated/SE/"):
            assert page.locator(".lansbok-chart").count() >= 1, path
        assert visit.errors == [], (path, visit.errors)
        assert visit.blocked == [], (path, visit.blocked)
        page.close()


@pytest.mark.parametrize(
    "path",
    [
        "chapters/index.html",
        "generated/SE/reception.html",
        "generated/12/minors.html",
        "generated/09/so.html",
        "generated/SE/comparisons.html",
        "generated/SE/avstamning.html",
        "chapters/data.html",
        "chapters/ordlista.html",
    ],
)
def test_pages_meet_wcag_21_aa_by_axe(site, browser, path):
    page, _visit = open_page(browser, site + path)
    page.wait_for_load_state("networkidle")
    page.wait_for_function(CHARTS_DRAWN_IF_ANY, timeout=30_000)
    assert accessibility_violations(page) == []
    page.close()


def test_other_pages_make_no_foreign_request(site, browser):
    for path in [
        "index.html",
        "chapters/index.html",
        "chapters/data.html",
        "chapters/metod.html",
        "chapters/kor-for-ditt-lan.html",
        "chapters/ordlista.html",
        "generated/SE/avstamning.html",
        "search.html?q=TIA",
    ]:
        page, visit = open_page(browser, site + path)
        page.wait_for_load_state("networkidle")
        assert visit.errors == [] and visit.blocked == [], (path, visit.errors, visit.blocked)
        page.close()


PHONE = {"width": 390, "height": 844}


@pytest.mark.parametrize(
    "path",
    [
        "index.html",
        "chapters/index.html",
        "chapters/data.html",
        "chapters/metod.html",
        "chapters/ordlista.html",
        "chapters/kor-for-ditt-lan.html",
        "generated/SE/avstamning.html",
        "generated/SE/comparisons.html",
        "generated/12/index.html",
        *[f"generated/{code}/{s}.html" for code in ["SE", "09", "12"] for s in SECTIONS],
    ],
)
def test_no_page_is_wider_than_a_phone(site, browser, path):
    page, visit = open_page(browser, site + path, viewport=PHONE)
    page.wait_for_load_state("networkidle")
    page.wait_for_function(CHARTS_DRAWN_IF_ANY, timeout=30_000)
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], (path, width)
    assert visit.errors == [], (path, visit.errors)
    page.close()


def test_comparisons_mark_the_county_named_in_the_address(site, browser):
    highlight = "#d62728"
    marked = f'.lansbok-chart path[fill="{highlight}"], .lansbok-chart path[stroke="{highlight}"]'
    labels = "els => els.map(e => e.getAttribute('aria-label') || '')"
    page, visit = open_page(browser, site + "generated/SE/comparisons.html?lan=12")
    page.wait_for_function(ALL_CHARTS_DRAWN, timeout=30_000)
    assert page.locator("select:has(option[value='12'])").input_value() == "12"
    highlighted = page.locator(marked).evaluate_all(labels)
    assert len(highlighted) == 2, highlighted  # the county on the map and its bar
    assert all("Skåne län" in text for text in highlighted), highlighted
    assert visit.errors == []
    page.close()
    page, _visit = open_page(browser, site + "generated/SE/comparisons.html")
    page.wait_for_function(ALL_CHARTS_DRAWN, timeout=30_000)
    assert page.locator(marked).count() == 0
    page.close()


SEARCH_DONE = "() => document.querySelector('#search-results .search-summary')?.textContent"


def search(browser, site, query):
    """The search page for query once Sphinx has finished: (summary text, result links, visit)."""
    page, visit = open_page(browser, f"{site}search.html?q={query}")
    # Sphinx writes the summary when every result is shown (its progress pulse never stops).
    summary = page.wait_for_function(SEARCH_DONE, timeout=30_000).json_value()
    links = page.eval_on_selector_all("#search-results ul.search li a", "as => as.map(a => a.href)")
    page.close()
    return summary, links, visit


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("ensamkommande", "generated/SE/minors.html"),
        ("samhällsorientering", "generated/SE/so.html"),
        ("Gotland", "generated/09/"),
    ],
)
def test_search(site, browser, query, expected):
    summary, links, visit = search(browser, site, query)
    assert summary == f"Sökningen är klar. Antal sidor som matchar: {len(links)}."
    assert any(expected in link for link in links), links
    assert visit.errors == [] and visit.blocked == []


def test_search_without_hits_says_so(site, browser):
    summary, links, visit = search(browser, site, "zzzyxq")
    assert links == []
    assert summary.startswith("Ingen sida matchar sökningen.")
    assert visit.errors == [] and visit.blocked == []


def test_county_pages_name_their_county(site, browser):
    for code in CODES:
        name = resolve(code, COUNTIES).name
        for section in SECTIONS:
            html = (PROJECT_ROOT / "_build/html/generated" / code / f"{section}.html").read_text()
            title = html.split("<title>")[1].split("</title>")[0]
            assert name in title, (code, section, title)


def test_status_table_links_resolve(site, browser):
    page, _visit = open_page(browser, site + "chapters/index.html")
    links = page.eval_on_selector_all("table a", "as => as.map(a => a.href)")
    assert len(links) == 22 * len(SECTIONS)
    for link in links:
        with urlopen(link) as response:
            assert response.status == 200, link
    texts = page.eval_on_selector_all("table a", "as => as.map(a => a.textContent)")
    assert set(texts) == {"exempeldata"}
    page.close()


def test_downloads(site):
    html = (PROJECT_ROOT / "_build/html/generated/12/reception.html").read_text()
    assert ".csv" in html and "download" in html
    data_page = (PROJECT_ROOT / "_build/html/chapters/data.html").read_text()
    assert "lansbok-data.zip" in data_page


def test_the_build_fails_when_a_notebook_raises(tmp_path):
    copy_book_source(tmp_path)
    template = tmp_path / "notebooks" / "so.ipynb"
    notebook = json.loads(template.read_text())
    notebook["cells"].append(
        {
            "cell_type": "code",
            "metadata": {},
            "execution_count": None,
            "outputs": [],
            "source": 'if lan == "09":\n    raise RuntimeError("trasig")',
        }
    )
    template.write_text(json.dumps(notebook))
    gotland = resolve("09", COUNTIES)
    with pytest.raises(BuildError, match=r"Gotlands län \(09\) / so"):
        build(root=tmp_path, geographies=[RIKET, gotland], progress=False)
    assert not (tmp_path / "_build" / "html").exists()


def test_a_failed_sphinx_build_keeps_the_previous_site(tmp_path):
    copy_book_source(tmp_path)
    gotland = resolve("09", COUNTIES)
    index = build(root=tmp_path, geographies=[RIKET, gotland], progress=False).index
    before = index.read_bytes()
    chapter = tmp_path / "chapters" / "metod.md"
    chapter.write_text(chapter.read_text() + "\nSe {doc}`/finns/inte`.\n")
    with pytest.raises(BuildError, match="finns/inte"):
        build(root=tmp_path, geographies=[RIKET, gotland], progress=False)
    assert index.read_bytes() == before


class TableCells(HTMLParser):
    """The text of every cell of every table in a page, row by row."""

    def __init__(self):
        super().__init__()
        self.rows, self._cell = [], None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        elif tag in {"td", "th"}:
            self._cell = ""

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data

    def handle_endtag(self, tag):
        if tag in {"td", "th"} and self._cell is not None:
            self.rows[-1].append(self._cell.strip())
            self._cell = None


def test_no_small_count_of_minors_is_published_on_the_site(site, dataset):
    """Every page, chart specification and download of the built site shows the municipality
    counts of unaccompanied minors exactly as lansbok.privacy publishes them (whose audit
    against recovery is tests/robustness/test_privacy.py): no count of 1-4 anywhere."""
    from lansbok.privacy import protect

    shown = protect(dataset, "minors_assignments_2024").shown()
    names = dataset.table("municipalities").set_index("municipality_code")["name_short"]
    expected = {
        (names[row.municipality_code], row.category): str(row.count) for row in shown.itertuples()
    }
    html_root = PROJECT_ROOT / "_build" / "html"
    checked = 0
    for code in ["SE", *CODES]:
        page = (html_root / "generated" / code / "minors.html").read_text(encoding="utf-8")
        parser = TableCells()
        parser.feed(page)
        for row in parser.rows:
            if len(row) == 4 and row[0] != "Kommun":
                cells = dict(zip(["anknytning", "maluppfyllnad", "total"], row[1:], strict=True))
                for category, text in cells.items():
                    value = text.replace("\u202f", "")
                    assert value == expected[(row[0], category)], (code, row)
                    checked += 1
        for record in re.findall(r'\{[^{}]*"municipality"[^{}]*\}', page):  # chart data
            for count in re.findall(r'"(?:children|anknytning|maluppfyllnad)":\s*(\d+)', record):
                assert int(count) == 0 or int(count) >= 5, (code, record)
    downloads = list((html_root / "_downloads").rglob("minors.csv"))
    assert len(downloads) == len(CODES) + 1
    for path in downloads:
        for row in csv.DictReader(path.open(encoding="utf-8")):
            for category in ("anknytning", "maluppfyllnad", "children"):
                assert row[category] == ".." or int(row[category]) == 0 or int(row[category]) >= 5
    assert checked > 3 * 150
