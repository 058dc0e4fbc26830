"""Standalone HTML pages for one county: they open with no network and draw their charts."""

import pytest
from browser import ALL_CHARTS_DRAWN, accessibility_violations, open_page
from typer.testing import CliRunner

from lansbok.cli import app
from lansbok.sections import SECTIONS

pytestmark = pytest.mark.notebooks

runner = CliRunner()


def test_html_pages_for_a_county_draw_offline(tmp_path, browser):
    target = tmp_path / "skane"
    args = [
        "run",
        "--lan",
        "M",
        "--section",
        "reception",
        "--section",
        "tia",
        "--out",
        str(tmp_path / "generated"),
        "--html",
        str(target),
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in target.iterdir()) == [
        "datatables.min.css",
        "datatables.min.js",
        "index.html",
        "lansbok-tables.js",
        "lansbok-vega.js",
        "lansbok.css",
        "reception.csv",
        "reception.html",
        "reception.xlsx",
        "tia.csv",
        "tia.html",
        "tia.xlsx",
    ]
    text = (target / "reception.html").read_text()
    assert "<title>Mottagande av nyanlända – Skåne län</title>" in text
    assert "{glue:text}" not in text and "{term}" not in text and "Exempeldata" in text
    assert '<a href="reception.csv">' in text and '<a href="reception.xlsx">' in text
    # Under the book's Content-Security-Policy: no inline script or style of its own.
    assert '<meta http-equiv="Content-Security-Policy"' in text
    assert "<script>" not in text and '<link rel="stylesheet" href="lansbok.css">' in text
    for name in ("reception.html", "tia.html"):
        page, visit = open_page(browser, (target / name).as_uri())
        page.wait_for_function(ALL_CHARTS_DRAWN, timeout=20_000)
        assert page.locator(".lansbok-chart").count() >= 2
        assert visit.errors == [] and visit.blocked == []
        assert accessibility_violations(page) == []
        page.close()


def test_the_pack_of_a_county_opens_with_its_overview(tmp_path):
    """Every page made for a county by default (no Riket-only page asked for, so no error),
    and the pack's index is the county's overview, linking to the section pages."""
    target = tmp_path / "gotland"
    args = ["run", "--lan", "09", "--out", str(tmp_path / "generated"), "--html", str(target)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    index = (target / "index.html").read_text()
    assert "<title>Gotlands län 2024 i korthet</title>" in index
    assert "<h1>Gotlands län 2024 i korthet</h1>" in index
    assert "Gotlands län består av en enda kommun, Region Gotland." in index
    for section in SECTIONS:
        assert f'href="{section}.html"' in index
        assert (target / f"{section}.html").exists()
    # The book's comparisons page is not in the pack: no link to it.
    assert "comparisons" not in index and "{doc}" not in index
    assert not (target / "overview.html").exists()
    assert '<a href="index.html">Översikt</a>' in (target / "tia.html").read_text()


def test_a_pack_without_the_overview_names_its_county(tmp_path):
    target = tmp_path / "skane"
    out = str(tmp_path / "generated")
    result = runner.invoke(
        app, ["run", "--lan", "M", "--section", "s37a", "--out", out, "--html", str(target)]
    )
    assert result.exit_code == 0, result.output
    index = (target / "index.html").read_text()
    assert "<title>Skåne län 2024</title>" in index and "<h1>Skåne län 2024</h1>" in index
    assert 'href="s37a.html"' in index
