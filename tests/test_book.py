"""The book, built once from the shipped data in a temporary root (`book_root`), checked in a
real headless Chromium."""

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
from conftest import BOOK_MUNICIPALITIES, copy_book_source, edit_csv, glued_figures

from lansbok.book import BuildError, build
from lansbok.data import DEFAULT_DATA_DIR, load
from lansbok.geography import RIKET, resolve
from lansbok.sections import SECTIONS

pytestmark = [pytest.mark.book, pytest.mark.notebooks]

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
def html(book_root):
    """The built site."""
    return book_root / "_build" / "html"


@pytest.fixture(scope="session")
def site(html):
    """The built site served on localhost."""
    server = QuietServer(("127.0.0.1", 0), partial(QuietHandler, directory=html))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


def test_toc_has_every_county_and_section(book_root):
    toc = yaml.safe_load((book_root / "_toc.yml").read_text())
    files = {c["file"] for part in toc["parts"] for c in part["chapters"]}
    files |= {
        s["file"] for part in toc["parts"] for c in part["chapters"] for s in c.get("sections", [])
    }
    assert "generated/2024/SE/index" in files
    for code in ["SE", *CODES]:
        for section in SECTIONS:
            assert f"generated/2024/{code}/{section}" in files
    assert {"generated/avstamning", "generated/2024/SE/comparisons", "chapters/ordlista"} <= files
    # The counties last, each opened by its overview with its sections nested.
    assert [p["caption"] for p in toc["parts"]] == [
        "Riket 2024",
        "Jämförelser",
        "Om data och metod",
        "Länen",
    ]
    counties = toc["parts"][-1]["chapters"]
    assert [c["file"] for c in counties] == [f"generated/2024/{code}/overview" for code in CODES]
    asked = {code[:2]: code for code in BOOK_MUNICIPALITIES}  # a municipality per county
    for code, chapter in zip(CODES, counties, strict=True):
        index = [f"generated/2024/{code}/kommuner"] if code in asked else []
        assert [s["file"] for s in chapter["sections"]] == [
            *(f"generated/2024/{code}/{s}" for s in SECTIONS),
            *index,
        ]
    # The municipality pages under "Kommuner i <län>", the last entry of their county.
    skane = counties[CODES.index("12")]["sections"][-1]
    assert skane["title"] == "Kommuner i Skåne län"
    assert skane["sections"] == [{"file": "generated/2024/1280/kommun", "title": "Malmö"}]


def test_every_page_executed_cleanly(book_root):
    pages = [(code, section) for code in ["SE", *CODES] for section in SECTIONS]
    for code, section in [*pages, ("SE", "comparisons")]:
        notebook = json.loads(
            (book_root / "generated" / "2024" / code / f"{section}.ipynb").read_text()
        )
        outputs = [o for c in notebook["cells"] for o in c.get("outputs", [])]
        assert not [o for o in outputs if o["output_type"] == "error"], (code, section)
        # Nothing printed: a warning on stderr would be shown on the page.
        assert not [o for o in outputs if o["output_type"] == "stream"], (code, section)
        assert notebook["metadata"]["lansbok"]["lan"] == code


def test_riket_glue_equals_the_summary(book_root):
    figures = {}
    for section in SECTIONS:
        figures.update(glued_figures(book_root / "generated" / "2024" / "SE" / f"{section}.ipynb"))
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
    # SCB's asylum seekers are official; every other figure rests on sample breakdowns.
    assert figures["asylum_seekers_total"] == {"value": 9645, "status": "official"}
    others = [f for key, f in figures.items() if not key.startswith("asylum_seekers")]
    assert all(f["status"] == "sample" for f in others)


def section_pages():
    return [
        f"generated/2024/{code}/{s}.html" for code in ["SE", *CHECKED_COUNTIES] for s in SECTIONS
    ]


def test_every_chart_draws_with_no_error_and_no_foreign_request(site, browser):
    pages = [*section_pages(), "generated/2024/SE/comparisons.html"]
    for path in pages:
        page, visit = open_page(browser, site + path)
        page.wait_for_load_state("networkidle")
        page.wait_for_function(CHARTS_DRAWN_IF_ANY, timeout=30_000)
        # A county's section may show only small tables (one or two categories); Riket's
        # sections all have charts.
        if path.startswith("generated/2024/SE/"):
            assert page.locator(".lansbok-chart").count() >= 1, path
        assert visit.errors == [], (path, visit.errors)
        assert visit.blocked == [], (path, visit.blocked)
        page.close()


@pytest.mark.parametrize(
    "path",
    [
        "chapters/index.html",
        "generated/2024/SE/reception.html",
        "generated/2024/12/minors.html",
        "generated/2024/09/so.html",
        "generated/2024/SE/comparisons.html",
        "generated/avstamning.html",
        "chapters/data.html",
        "chapters/ordlista.html",
        "chapters/ny-argang.html",
        "generated/2024/1280/kommun.html",
        "generated/2024/12/kommuner.html",
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
        "chapters/ny-argang.html",
        "generated/avstamning.html",
        "generated/2024/1280/kommun.html",
        "search.html?q=TIA",
    ]:
        page, visit = open_page(browser, site + path)
        page.wait_for_load_state("networkidle")
        assert visit.errors == [] and visit.blocked == [], (path, visit.errors, visit.blocked)
        page.close()


PHONE = {"width": 390, "height": 844}
# Each municipality page of the book, and its county's index of municipalities.
MUNICIPALITY_PAGES = [
    *(f"generated/2024/{code}/kommun.html" for code in BOOK_MUNICIPALITIES),
    *(f"generated/2024/{code[:2]}/kommuner.html" for code in BOOK_MUNICIPALITIES),
]


@pytest.mark.parametrize(
    "path",
    [
        "index.html",
        "chapters/index.html",
        "chapters/data.html",
        "chapters/metod.html",
        "chapters/ordlista.html",
        "chapters/kor-for-ditt-lan.html",
        "chapters/ny-argang.html",
        "generated/avstamning.html",
        "generated/2024/SE/comparisons.html",
        "generated/2024/12/overview.html",
        *MUNICIPALITY_PAGES,
        *[f"generated/2024/{code}/{s}.html" for code in ["SE", "09", "12"] for s in SECTIONS],
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
    page, visit = open_page(browser, site + "generated/2024/SE/comparisons.html?lan=12")
    page.wait_for_function(ALL_CHARTS_DRAWN, timeout=30_000)
    assert page.locator("select:has(option[value='12'])").input_value() == "12"
    highlighted = page.locator(marked).evaluate_all(labels)
    assert len(highlighted) == 2, highlighted  # the county on the map and its bar
    assert all("Skåne län" in text for text in highlighted), highlighted
    assert visit.errors == []
    page.close()
    page, _visit = open_page(browser, site + "generated/2024/SE/comparisons.html")
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
        ("ensamkommande", "generated/2024/SE/minors.html"),
        ("samhällsorientering", "generated/2024/SE/so.html"),
        ("Gotland", "generated/2024/09/"),
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


def test_county_pages_name_their_county(html):
    for code in CODES:
        name = resolve(code, COUNTIES).name
        for section in SECTIONS:
            page = (html / "generated" / "2024" / code / f"{section}.html").read_text()
            title = page.split("<title>")[1].split("</title>")[0]
            assert name in title, (code, section, title)


def test_every_county_overview_shows_its_county_riket_and_a_rank(site, html, browser):
    for code in CODES:
        name = resolve(code, COUNTIES).name
        page, visit = open_page(browser, f"{site}generated/2024/{code}/overview.html")
        page.wait_for_function(ALL_CHARTS_DRAWN, timeout=30_000)
        assert page.locator("h1").first.inner_text().startswith(f"{name} 2024 i korthet")
        table = page.locator(".lansbok-table table").first
        headings = table.locator("th").all_inner_texts()
        assert headings[:3] == ["Uppgift", "Länet", "Riket"] and "Rang" in headings[5], code
        first = table.locator("tbody tr").first.locator("td").all_inner_texts()
        assert first[2] == "32\u202f866"  # Riket's received, as the summary has it
        assert re.fullmatch(r"([1-9]|1\d|2[01]) av 21", first[5]), (code, first)
        assert page.locator(".lansbok-chart").count() == 2  # the map and the länstal
        assert visit.errors == [] and visit.blocked == [], code
        page.close()
    gotland = (html / "generated/2024/09/overview.html").read_text()
    assert "Gotlands län består av en enda kommun, Region Gotland." in gotland


def test_the_overview_links_to_the_sections_and_the_comparisons(site, browser):
    page, _visit = open_page(browser, site + "generated/2024/12/overview.html")
    links = page.eval_on_selector_all("article a", "as => as.map(a => a.href)")
    for section in SECTIONS:
        assert f"{site}generated/2024/12/{section}.html" in links
    comparison = f"{site}generated/2024/SE/comparisons.html?lan=12"
    assert comparison in links
    with urlopen(comparison) as response:  # the target is in the built site
        assert response.status == 200
    page.close()


def prev_next(html, path):
    page = (html / path).read_text()
    return re.findall(r'class="(left-prev|right-next)"\s+href="([^"]+)"', page)


def test_previous_and_next_stay_within_a_county(html):
    def href(target: str | None, here: str) -> str | None:
        """The link to a page (<folder>/<name>) from a page in the folder `here`."""
        if target is None:
            return None
        folder, name = target.split("/")
        return f"{name}.html" if folder == here else f"../{folder}/{name}.html"

    asked = {code[:2]: code for code in BOOK_MUNICIPALITIES}
    for code in CODES:
        pages = [f"{code}/{name}" for name in ["overview", *SECTIONS]]
        if code in asked:  # the county's municipality index, then the municipality's page
            pages += [f"{code}/kommuner", f"{asked[code]}/kommun"]
        for number, page in enumerate(pages):
            links = dict(prev_next(html, f"generated/2024/{page}.html"))
            here = page.split("/")[0]
            before = pages[number - 1] if number else None
            after = pages[number + 1] if number + 1 < len(pages) else None
            assert links.get("left-prev") == href(before, here), (page, links)
            assert links.get("right-next") == href(after, here), (page, links)
    # Outside the counties the theme's links are kept.
    assert dict(prev_next(html, "generated/2024/SE/reception.html")).keys() == {
        "left-prev",
        "right-next",
    }


def test_status_table_links_resolve(site, browser):
    page, _visit = open_page(browser, site + "chapters/metod.html")
    links = page.eval_on_selector_all("table a", "as => as.map(a => a.href)")
    links = [link for link in links if "/generated/" in link]
    assert len(links) == 22 * len(SECTIONS)
    for link in links:
        with urlopen(link) as response:
            assert response.status == 200, link
    texts = page.eval_on_selector_all("table a", "as => as.map(a => a.textContent)")
    # Riket's totals stated in the summary are official; the rest of the shipped data is sample.
    assert set(texts) == {"exempeldata", "officiella riksuppgifter, fördelning: exempeldata"}
    page.close()


WORDS = [
    "noll",
    "ett",
    "två",
    "tre",
    "fyra",
    "fem",
    "sex",
    "sju",
    "åtta",
    "nio",
    "tio",
    "elva",
    "tolv",
]


def expected_text(row) -> str:
    """A figure of the summary as a Swedish reader expects to read it (written out here, not
    with the book's own formatter): 9 625, 58 %, över 60 %, fyra kommuner."""
    value = int(row.value) if float(row.value).is_integer() else row.value
    if row.unit == "percent":
        prefix = {"lower_bound": "över ", "upper_bound": "knappt "}.get(row.kind, "")
        return f"{prefix}{value} %"
    if row.unit == "percent change":
        return f"{abs(value)} %"
    if row.unit == "municipalities":
        return f"{WORDS[value] if value <= 12 else value} kommuner"
    if row.unit == "counties" and value == len(CODES):
        return "samtliga län"
    return f"{value:,}".replace(",", " ")


def page_text(html, path) -> str:
    """The visible text of a built page, with every kind of space made a plain space."""
    text = re.sub(r"<[^>]+>", " ", (html / path).read_text())
    return re.sub(r"[\s\u00a0\u202f]+", " ", text)


def test_each_figure_of_the_summary_is_on_its_riket_page(html):
    """On the Riket page of the section the registry puts it in, in the registry's unit."""
    data = load(DEFAULT_DATA_DIR)
    registry = data.table("indicators")[["indicator_id", "section", "unit"]]
    indicators = data.table("published_figures").merge(registry, validate="m:1")
    missing = []
    for row in indicators.itertuples():
        text = page_text(html, f"generated/2024/SE/{row.section}.html")
        if expected_text(row) not in text:
            missing.append((row.indicator_id, expected_text(row)))
    assert missing == []


def test_the_landing_page_shows_the_key_figures_linked_to_their_sections(site, html, browser):
    text = page_text(html, "chapters/index.html")  # index.html only redirects here
    for figure in [
        "32 866",
        "9 625",
        "17 505",
        "9 761",
        "25 %",
        "38 %",
        "492",
        "497",
        "över 40 %",
        "bedömer resultatet av det egna arbetet som gott",
    ]:
        assert figure in text
    for width in (1280, 390):
        page, visit = open_page(browser, site + "chapters/index.html")
        page.set_viewport_size({"width": width, "height": 900})
        cards = page.eval_on_selector_all(".lansbok-key-figure a", "as => as.map(a => a.href)")
        assert len(cards) == 9
        for link in cards:
            with urlopen(link) as response:
                assert response.status == 200, link
        assert visit.errors == [] and visit.blocked == []
        page.close()


def test_downloads(html):
    page = (html / "generated/2024/12/reception.html").read_text()
    assert ".csv" in page and "download" in page
    data_page = (html / "chapters/data.html").read_text()
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
    good = chapter.read_text()
    chapter.write_text(good + "\nSe {doc}`/finns/inte`.\n")
    with pytest.raises(BuildError, match="finns/inte"):
        build(root=tmp_path, geographies=[RIKET, gotland], progress=False)
    assert index.read_bytes() == before
    # Asked again with nothing changed, the strict build fails again: the pages the failed build
    # wrote are not taken as up to date.
    with pytest.raises(BuildError, match="finns/inte"):
        build(root=tmp_path, geographies=[RIKET, gotland], progress=False)
    assert index.read_bytes() == before


def test_sphinx_reads_in_parallel_and_only_what_changed(tmp_path, data_copy):
    """Sphinx reads the pages in parallel (the strict build fails on a serial read's warning),
    and after a change of data it reads exactly the pages executed again."""
    from lansbok.geography import resolve_municipality

    (tmp_path / "book").mkdir()
    copy_book_source(tmp_path / "book")
    gotland = resolve("09", COUNTIES)
    region = resolve_municipality("0980", load(DEFAULT_DATA_DIR).table("municipalities"))
    options = {
        "root": tmp_path / "book",
        "data_dir": data_copy,
        "geographies": [RIKET, gotland],
        "progress": False,
    }
    first = build(**options, municipalities=[region])
    assert first.sphinx_times["read_docs"] > 20  # in parallel (from 6 pages on)
    assert build(**options).sphinx_times["read_docs"] == 0  # the page stays (it is present)
    # Region Gotland's answer to the SO survey: SO given in one language more.
    row = next(r for r in (data_copy / "so_survey.csv").read_text().splitlines() if ",0980," in r)
    cells = row.split(",")
    cells[5] = str(int(cells[5]) + 1)
    edit_csv(data_copy / "so_survey.csv", row, ",".join(cells))
    again = build(**options)
    executed = {f"generated/2024/{job.geo.code}/{job.section}" for job in again.report.executed}
    assert "generated/2024/0980/kommun" in executed and len(executed) < 8, executed
    # The pages executed again, and the data chapter, whose download (the data as a zip) changed.
    assert set(again.sphinx_times["read_pages"]) == executed | {"chapters/data"}


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


def test_no_small_count_of_minors_is_published_on_the_site(html, dataset):
    """Every page, chart specification and download of the built site shows the municipality
    counts of unaccompanied minors exactly as lansbok.privacy publishes them (whose audit
    against recovery is tests/robustness/test_privacy.py): no count of 1-4 anywhere. Every
    municipality is listed; one that privacy leaves out received no child (0)."""
    from openpyxl import load_workbook

    from lansbok.privacy import protect

    shown = protect(dataset, "minors_assignments").shown()
    municipalities = dataset.table("municipalities")
    names = municipalities.set_index("municipality_code")["name_short"]
    expected = {
        (names[row.municipality_code], row.category): str(row.count) for row in shown.itertuples()
    }
    checked = 0
    for code in ["SE", *CODES]:
        page = (html / "generated" / "2024" / code / "minors.html").read_text(encoding="utf-8")
        parser = TableCells()
        parser.feed(page)
        rows = [row for row in parser.rows if len(row) in {4, 5} and row[0] != "Kommun"]
        own = municipalities if code == "SE" else municipalities.query("county_code == @code")
        assert sorted(row[0] for row in rows) == sorted(own["name_short"]), code
        for row in rows:  # Kommun, (Län on Riket's page,) the categories and the total
            cells = dict(zip(["anknytning", "maluppfyllnad", "total"], row[-3:], strict=True))
            for category, text in cells.items():
                value = text.replace("\u202f", "")
                assert value == expected.get((row[0], category), "0"), (code, row)
                checked += 1
        for record in re.findall(r'\{[^{}]*"municipality"[^{}]*\}', page):  # chart data
            for count in re.findall(r'"(?:children|anknytning|maluppfyllnad)":\s*(\d+)', record):
                assert int(count) == 0 or int(count) >= 5, (code, record)
    downloads = list((html / "_downloads").rglob("minors.csv"))
    assert len(downloads) == len(CODES) + 1
    for path in downloads:
        for row in csv.DictReader(path.open(encoding="utf-8-sig"), delimiter=";"):
            for category in ("Anknytning", "Måluppfyllnad", "Totalt"):
                assert row[category] == ".." or int(row[category]) == 0 or int(row[category]) >= 5
    workbooks = list((html / "_downloads").rglob("minors.xlsx"))
    assert len(workbooks) == len(CODES) + 1
    for path in workbooks:
        for row in load_workbook(path).active.iter_rows(min_row=2, values_only=True):
            for value in row[4:7]:  # Anknytning, Måluppfyllnad, Totalt
                assert value == ".." or value == 0 or value >= 5, (path, row)
    assert checked > 3 * 290


def test_a_long_table_sorts_and_filters_in_the_browser(site, browser):
    """Riket's 290 municipalities: a filter box narrows the table to the municipality typed,
    a heading sorts by its numbers, and all under the Content-Security-Policy (a violation is a
    console error)."""
    page, visit = open_page(browser, site + "generated/2024/SE/reception.html")
    table = page.locator("table.lansbok-sortable").first
    page.wait_for_selector(".dt-container .dt-search input")
    info = page.locator(".dt-info").first
    assert info.inner_text() == "Visar 1 till 25 av 290 rader"
    search = page.locator(".dt-container .dt-search input").first
    search.fill("Kiruna")
    page.wait_for_function(
        "() => document.querySelectorAll('table.lansbok-sortable tbody tr').length === 1"
    )
    assert table.locator("tbody tr td").first.inner_text() == "Kiruna"
    assert table.locator("tbody tr").nth(0).locator("td").nth(1).inner_text() == "Norrbottens län"
    assert "Kiruna" in table.inner_text() and "Stockholm" not in table.inner_text()
    search.fill("")
    table.locator("thead th").nth(2).click()  # Mottagna 2024, ascending
    # The count column (the third; the rate per 10 000 inhabitants follows it), once redrawn.
    column = "table.lansbok-sortable tbody tr td:nth-child(3)"
    page.wait_for_function(
        f"""() => {{
          const v = [...document.querySelectorAll('{column}')].map(c => Number(c.dataset.order));
          return v.length === 25 && v.every((x, i) => i === 0 || v[i - 1] <= x);
        }}""",
        timeout=10_000,
    )
    orders = table.locator("tbody tr td:nth-child(3)").evaluate_all(
        "cells => cells.map(c => Number(c.dataset.order))"
    )
    assert len(orders) == 25 and orders == sorted(orders)
    page.get_by_role("link", name="Nästa sida").click()
    assert info.inner_text() == "Visar 26 till 50 av 290 rader"
    assert page.get_by_role("navigation", name="Tabellens sidor").count() == 1
    assert visit.errors == [] and visit.blocked == []
    page.close()


@pytest.mark.parametrize("code", BOOK_MUNICIPALITIES)
def test_a_municipality_page_in_the_browser(site, browser, dataset, code):
    """Drawn (charts, if any), with no request off-site, no dialog and no error, at 1280 and
    390 px; its data's status shown, rates per 10 000 inhabitants beside the counts."""
    name = dataset.table("municipalities").set_index("municipality_code")["name_short"][code]
    dialogs = []
    for viewport in ({"width": 1280, "height": 900}, PHONE):
        page, visit = open_page(browser, f"{site}generated/2024/{code}/kommun.html", viewport)
        page.on("dialog", lambda d: dialogs.append(d.message) or d.dismiss())
        page.wait_for_load_state("networkidle")
        page.wait_for_function(CHARTS_DRAWN_IF_ANY, timeout=30_000)
        assert page.locator("h1").first.inner_text().startswith(f"{name} 2024 i korthet")
        # The shipped municipality data are sample data: said in a banner and in each table.
        assert page.locator(".lansbok-sample").count() == 1
        captions = page.locator("caption").all_inner_texts()
        assert any("per 10\u202f000 invånare" in c for c in captions), captions
        assert page.evaluate("() => document.documentElement.scrollWidth") <= viewport["width"]
        assert visit.errors == [] and visit.blocked == [] and dialogs == [], code
        page.close()


@pytest.mark.parametrize("code", BOOK_MUNICIPALITIES)
def test_the_county_index_links_its_municipality_pages(site, browser, code):
    county = resolve(code[:2], COUNTIES).name
    page, visit = open_page(browser, f"{site}generated/2024/{code[:2]}/kommuner.html")
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").first.inner_text().startswith(f"Kommuner i {county}")
    links = page.eval_on_selector_all("article a", "as => as.map(a => a.href)")
    assert f"{site}generated/2024/{code}/kommun.html" in links
    for link in links:
        with urlopen(link) as response:
            assert response.status == 200, link
    # The side bar holds the county's municipalities under the index's entry.
    nav = page.locator("nav.bd-links a.reference").all_inner_texts()
    assert f"Kommuner i {county}" in nav
    assert visit.errors == [] and visit.blocked == []
    page.close()


def test_search_finds_a_municipality_by_name(site, browser, html):
    index = (html / "searchindex.js").read_text(encoding="utf-8")
    for title in ("Malmö 2024 i korthet", "Kiruna 2024 i korthet", "Kommuner i Skåne län"):
        assert json.dumps(title)[1:-1] in index, title  # Sphinx writes \u escapes
    page, visit = open_page(browser, f"{site}search.html")
    page.locator("input[name='q']:visible").first.fill("Malmö")
    page.keyboard.press("Enter")
    summary = page.wait_for_function(SEARCH_DONE, timeout=30_000).json_value()
    links = page.eval_on_selector_all("#search-results ul.search li a", "as => as.map(a => a.href)")
    assert summary == f"Sökningen är klar. Antal sidor som matchar: {len(links)}."
    # Its own page among the first results (the title matches; other pages list Malmö in tables).
    pages = [link.split("?")[0].split("#")[0] for link in links]
    assert f"{site}generated/2024/1280/kommun.html" in pages[:3], pages[:5]
    assert visit.errors == [] and visit.blocked == []
    page.close()
