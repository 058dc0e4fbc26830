"""Data is text, never markup: names from data files reach pages escaped. A small book is built
from data whose names carry HTML, script, MyST roles and spreadsheet formulas, and opened in
Chromium: no dialog opens, no script runs, and the names read literally."""

import csv
import io
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
from browser import open_page
from conftest import copy_book_source
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from myst_parser.config.main import MdParserConfig
from myst_parser.parsers.mdit import create_md_parser
from openpyxl import load_workbook

from lansbok.book import build, catalogue, page_status, reconciliation_page
from lansbok.data import load
from lansbok.geography import RIKET, resolve
from lansbok.safe import csv_cell, md_text, to_csv
from lansbok.toc import write_toc

pytestmark = [pytest.mark.book, pytest.mark.notebooks]

SCRIPT = "<script>window.__pwned = 1</script>"
IMAGE = '<img src=x onerror="window.__pwned = 2">'
HOSTILE = [
    SCRIPT,
    IMAGE,
    "<!--<script>",
    "</script><script>window.__pwned = 3</script>",
    "{download}`passwd </etc/passwd>`",
    "{eval-rst}`.. include:: /etc/passwd`",
    "```{raw} html",
    ":::{raw} html",
    "[klicka](javascript:window.__pwned=4)",
    "![bild](x onerror=alert(1))",
    "**fet** _kursiv_ `kod` \\",
    "| a | b |",
    "&lt;script&gt;",
    "$x$ {{ subst }} {sub-ref}`today`",
]
FORMULAS = ['=HYPERLINK("http://x","klick")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]


def myst_tokens(text: str):
    """Tokens of the book's own Markdown parser (MyST with the book's extensions)."""
    config = MdParserConfig(enable_extensions={"colon_fence", "deflist"})
    return create_md_parser(config, RendererHTML).parse(text)


def live_tokens(tokens) -> list[str]:
    """Tokens that would be more than text: HTML, roles, directives, links, images, code."""
    found = []
    for token in tokens:
        if token.type in {
            "html_inline",
            "html_block",
            "fence",
            "myst_role",
            "link_open",
            "image",
            "code_inline",
            "math_inline",
            "table_open",
        }:
            found.append(token.type)
        found += live_tokens(token.children or [])
    return found


@pytest.mark.parametrize("name", HOSTILE)
def test_a_name_is_literal_text_in_myst(name):
    tokens = myst_tokens(f"# Sida om {md_text(name)}\n\nText {md_text(name)} här.\n")
    assert live_tokens(tokens) == []
    html = MarkdownIt("commonmark", {"html": True}).render(md_text(name))
    assert "<script" not in html and "<img" not in html and "<!--" not in html


def test_a_line_break_cannot_start_a_block():
    text = md_text("Skåne\n```{raw} html\n<script>")
    assert "\n" not in text
    assert live_tokens(myst_tokens(f"# {text}\n")) == []


@pytest.mark.parametrize("value", FORMULAS)
def test_download_cells_cannot_run_as_formulas(value):
    assert csv_cell(value).startswith("'")
    import pandas as pd

    rows = list(
        csv.reader(io.StringIO(to_csv(pd.DataFrame({value: [value], "n": [-5]})), newline=""))
    )
    assert rows[0][0].startswith("'") and rows[1][0].startswith("'")
    assert rows[1][1] == "-5"  # a number stays a number


def hostile_data(data_dir):
    """Hostile names for Skåne, Uppsala and municipalities of Skåne."""
    path = data_dir / "counties.csv"
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    for row in rows:
        if row["county_code"] == "12":
            row["name"] = f"Skåne län {IMAGE}"
        if row["county_code"] == "03":
            row["name"] = "Uppsala län {download}`passwd </etc/passwd>`"
    write_rows(path, rows)
    path = data_dir / "municipalities.csv"
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    names = {"1280": f"Malmö{SCRIPT}", "1283": "<!--<script>", "1231": 'Burlöv "=1+1"'}
    for row in rows:
        if row["municipality_code"] in names:
            row["name_short"] = names[row["municipality_code"]]
    write_rows(path, rows)


def write_rows(path, rows):
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def test_generated_pages_escape_names(data_copy, tmp_path):
    hostile_data(data_copy)
    data = load(data_copy)
    out = tmp_path / "generated"
    for code in ("SE", "03", "12"):
        (out / "2024" / code).mkdir(parents=True)
        (out / "2024" / code / "reception.ipynb").write_text("{}")
    write_toc(data, out)
    for text in (
        (out / "2024" / "12" / "index.md").read_text(),
        (out / "2024" / "03" / "index.md").read_text(),
        page_status(data, out),
        catalogue(data),
        reconciliation_page(data),
    ):
        tokens = myst_tokens(text)
        kinds = set(live_tokens(tokens))
        assert kinds <= {"table_open", "myst_role", "link_open", "code_inline"}
        assert roles(tokens) <= {"doc"}  # only the links the page itself makes
        assert "Skåne län" not in text or "Skåne län \\<img" in text


def roles(tokens) -> set[str]:
    found = set()
    for token in tokens:
        if token.type == "myst_role":
            found.add(token.meta["name"])
        found |= roles(token.children or [])
    return found


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    """A book of Riket and Skåne built from the hostile data, served on localhost."""
    import shutil

    from lansbok.data import DEFAULT_DATA_DIR

    root = tmp_path_factory.mktemp("book")
    copy_book_source(root)
    shutil.copytree(DEFAULT_DATA_DIR, root / "data")
    hostile_data(root / "data")
    data = load(root / "data")
    skane = resolve("12", data.table("counties"))
    index = build(root=root, data_dir=root / "data", geographies=[RIKET, skane], progress=False)
    handler = partial(SimpleHTTPRequestHandler, directory=index.index.parent)
    handler.log_message = lambda *args: None
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


PAGES = [
    "index.html",
    "generated/2024/12/overview.html",
    "generated/2024/12/reception.html",
    "generated/2024/12/minors.html",
    "generated/2024/12/tia.html",
    "generated/2024/SE/minors.html",
    "generated/2024/SE/comparisons.html",
    "chapters/data.html",
    "chapters/metod.html",
]


@pytest.mark.parametrize("path", PAGES)
def test_hostile_names_run_no_script_in_the_book(hostile_site, browser, path):
    _root, url = hostile_site
    page, _visit = open_page(browser, url + path)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.wait_for_load_state("load")
    page.wait_for_timeout(300)
    assert page.evaluate("window.__pwned") is None
    assert dialogs == []
    text = page.inner_text("body").replace("\u201d", '"')  # the book's typographic quotes
    if path.startswith("generated/2024/12/"):
        assert f"Skåne län {IMAGE}" in text
    if path == "generated/2024/12/minors.html":
        assert "Malmö<script>" in text  # drawn by the chart as text
        assert "<!--<script>" in text  # in the table
    page.close()


@pytest.mark.parametrize("query", ["Skåne", "img", "Malmö"])
def test_search_results_show_hostile_titles_as_text(hostile_site, browser, query):
    _root, url = hostile_site
    page, _visit = open_page(browser, f"{url}search.html?q={query}")
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.wait_for_function(
        "() => document.querySelector('#search-results p.search-summary')?.textContent",
        timeout=30_000,
    )
    page.wait_for_timeout(300)
    assert page.evaluate("window.__pwned") is None and dialogs == []
    assert page.locator("#search-results img").count() == 0
    page.close()


def test_a_download_with_formulas_is_inert(dataset, tmp_path, monkeypatch):
    # Validation refuses names that start with a formula character; a download neutralises
    # them all the same (defence in depth), through the function every page calls.
    import pandas as pd

    from lansbok.report import Page

    page = Page(dataset, RIKET)
    frame = pd.DataFrame({"municipality": FORMULAS, "children": range(len(FORMULAS))})
    monkeypatch.chdir(tmp_path)
    page.download(frame, "hostile.csv", {"children": "Barn"})
    with (tmp_path / "hostile.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    assert [row["Kommun"] for row in rows] == ["'" + value for value in FORMULAS]
    assert [row["Barn"] for row in rows] == [str(i) for i in range(len(FORMULAS))]
    sheet = load_workbook(tmp_path / "hostile.xlsx").active
    cells = [(cell.value, cell.data_type) for cell in sheet["A"][1:]]
    # Text as it is, never a formula (XML reads a carriage return back as a line feed).
    assert cells == [(value.replace("\r", "\n"), "s") for value in FORMULAS]
