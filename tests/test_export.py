"""Standalone HTML pages for one county: they open with no network and draw their charts."""

from browser import ALL_CHARTS_DRAWN, accessibility_violations, open_page
from typer.testing import CliRunner

from lansbok.cli import app

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
