"""Standalone pages stay inert whatever names the data holds: a name is shown as itself, never
parsed as HTML, Markdown or script, and the pages work under the Content-Security-Policy.

Fast checks on the pieces (chart JSON, Markdown rendering) and one end-to-end run: Skåne's
minors page executed from data with hostile municipality and county names, exported and opened
in Chromium from file://."""

from __future__ import annotations

import html
import json
import re

import nbformat
import pytest
from browser import ALL_CHARTS_DRAWN
from conftest import edit_csv
from test_csp import open_under_csp

from lansbok.charts import html_json, offline_html
from lansbok.csp import POLICY
from lansbok.export import RECORD, notebook_html, write_site
from lansbok.geography import resolve
from lansbok.run import output_path, run

pytestmark = pytest.mark.notebooks

# Each sets window.__pwned (or opens a dialog) if it ever runs.
PAYLOADS = [
    "<!--<script>",
    "</script><script>window.__pwned=1</script>",
    '<img src=x onerror="window.__pwned=2;alert(2)">',
    '"><svg onload=window.__pwned=3>',
    "<script>window.__pwned=4</script>",
    "&lt;b&gt;ej fet&lt;/b&gt;",
    "<!--",
    "-->",
    "]]><iframe srcdoc=x>",
    "<style>body{display:none}</style>",
]
UNSAFE = re.compile(r"<!--|</script|<script(?![^>]*application/json)|<img|<svg|<iframe|<style")


@pytest.mark.parametrize("payload", [*PAYLOADS, "rad\u2028brytning\u2029slut"])
def test_chart_json_is_inert_and_exact(payload):
    spec = {"data": {"values": [{"municipality": payload}]}, "description": payload}
    markup = offline_html(spec)["text/html"]
    block = markup.split('data-chart="')[1].split(">", 1)[1].rsplit("</script>", 1)[0]
    assert not re.search(r"[<>&\u2028\u2029]", block)
    assert json.loads(block) == spec  # the browser reads back exactly the data
    assert markup.count("</script>") == 1 and "<!--" not in markup
    assert html_json(payload) == json.dumps(payload, ensure_ascii=False).translate(
        {ord(c): f"\\u{ord(c):04x}" for c in "<>&\u2028\u2029"}
    )


def notebook(markdown: str, glued: dict[str, str]):
    outputs = [
        nbformat.v4.new_output(
            "display_data",
            data={RECORD: value},
            metadata={"scrapbook": {"name": name}},
        )
        for name, value in glued.items()
    ]
    code = nbformat.v4.new_code_cell("glue()", outputs=outputs)
    code.metadata["tags"] = ["remove-input"]
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(markdown), code])


@pytest.mark.parametrize("payload", PAYLOADS)
def test_glued_values_are_text(tmp_path, payload):
    path = tmp_path / "minors.ipynb"
    source = "# Sida\n\nI {glue:text}`geografi` bor vi."
    nbformat.write(notebook(source, {"geografi": payload}), path)
    _title, page = notebook_html(path)
    body = page.split("<main>")[1]
    assert not UNSAFE.search(body), body
    # What a reader sees is the value itself.
    assert f"I {payload.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;')}" in (
        body.replace("&quot;", '"')
    )


@pytest.mark.parametrize(
    "markdown",
    [
        "<script>window.__pwned=1</script>",
        '<img src=x onerror="window.__pwned=2">',
        "<!-- gömt -->synligt",
        "[klick](javascript:window.__pwned=3)",
        '<a href="javascript:window.__pwned=4">a</a>',
        "# Rubrik <img src=x onerror=alert(1)>",
    ],
)
def test_raw_html_in_markdown_is_shown_as_text(tmp_path, markdown):
    path = tmp_path / "so.ipynb"
    nbformat.write(notebook(markdown, {}), path)
    title, page = notebook_html(path)
    body = page.split("<main>")[1]
    assert not UNSAFE.search(body)
    assert not [h for h in re.findall(r'href="([^"]*)"', body) if "javascript" in h]
    head = page.split("</head>")[0]
    assert html.escape(POLICY) in head and 'http-equiv="Content-Security-Policy"' in head
    if markdown.startswith("# "):
        assert title == "Rubrik <img src=x onerror=alert(1)>"
        assert "<title>Rubrik &lt;img src=x onerror=alert(1)&gt;</title>" in head


# Short names of municipalities of Skåne (all on the minors page's chart and table), and the
# county's name.
HOSTILE = {
    "Malmö": "<!--<script>",
    "Ystad": 'Ö<img src=x onerror="window.__pwned=1;alert(1)">',
    "Trelleborg": '"><svg onload=alert(5)>',
    "Helsingborg": "</script><script>window.__pwned=2</script>",
}
COUNTY = ("12,Skåne län,", "12,Skåne län <img src=x onerror=window.__pwned=3>,")
SHOWN = list(HOSTILE.values())


def csv_field(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


# Inert text the files may hold: chart data blocks (checked to be JSON) and the <style> block
# without markup that report.Page.table still writes (see test_csp).
JSON_BLOCK = re.compile(r'<script type="application/json"[^>]*>([^<]*)</script>')
STYLER_BLOCK = re.compile(r'<style type="text/css">[^<]*</style>')


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    import shutil

    from lansbok.data import DEFAULT_DATA_DIR, load

    root = tmp_path_factory.mktemp("hostile")
    data_dir = root / "data"
    shutil.copytree(DEFAULT_DATA_DIR, data_dir)
    for old, new in HOSTILE.items():
        edit_csv(data_dir / "municipalities.csv", f",{old},12", f",{csv_field(new)},12")
    edit_csv(data_dir / "counties.csv", *COUNTY)
    county = resolve("12", load(data_dir).table("counties"))
    out = root / "generated"
    # Skåne's minors chart has one municipality, so it is a table: the municipalities' names
    # reach a chart on the reception page.
    sections = ["minors", "reception"]
    report = run([county], sections, data_dir=data_dir, out_dir=out, progress=False)
    assert report.ok, report.failures
    target = root / "html"
    pages = [output_path(out, county, section, load(data_dir).year) for section in sections]
    write_site(pages, target)
    return target


def test_hostile_names_stay_text_in_the_files(hostile_site):
    text = (hostile_site / "minors.html").read_text(encoding="utf-8")
    body = text.split("<main>")[1]
    blocks = JSON_BLOCK.findall(body)
    assert len(blocks) == body.count('class="lansbok-chart"') >= 1
    assert all(json.loads(block) for block in blocks)
    body = STYLER_BLOCK.sub("", JSON_BLOCK.sub("", body))
    assert not UNSAFE.search(body)
    assert "window.__pwned" in body  # the names are there, as escaped text
    assert "<title>Ensamkommande barn – Skåne län &lt;img src=x onerror=window.__pwned=3&gt;" in (
        text
    )
    index = (hostile_site / "index.html").read_text(encoding="utf-8")
    assert "<img" not in index.split("<main>")[1]


def test_hostile_names_run_nothing_in_the_browser(hostile_site, browser):
    page, visit = open_under_csp(browser, (hostile_site / "minors.html").as_uri())
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.wait_for_function(ALL_CHARTS_DRAWN, timeout=30_000)
    page.wait_for_timeout(500)
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert dialogs == []
    assert page.locator("main img, main iframe, main svg[onload]").count() == 0
    assert page.locator(".lansbok-chart svg").count() >= 1
    # The names are shown as themselves: in the table and the title, and in a chart (reception).
    text = page.inner_text("main")
    for name in SHOWN:
        assert name in text, name
    assert page.title().startswith("Ensamkommande barn – Skåne län <img src=x")
    assert visit.violations(page) == [] and visit.errors == []
    page.close()
    page, visit = open_under_csp(browser, (hostile_site / "reception.html").as_uri())
    page.wait_for_function(ALL_CHARTS_DRAWN, timeout=30_000)
    assert page.evaluate("typeof window.__pwned") == "undefined"
    chart_text = page.eval_on_selector_all(
        ".lansbok-chart svg text", "ts => ts.map(t => t.textContent).join('|')"
    )
    assert "<!--<script>" in chart_text and "Ystad" not in chart_text
    assert visit.violations(page) == [] and visit.errors == []
    page.close()
