"""A county in brief: the overview's figures, ranks and texts, the table of contents that opens
each county with it, and the runner's registration of the page."""

import csv
import json

import pytest
import yaml
from conftest import edit_csv

from lansbok import overview
from lansbok.data import DEFAULT_DATA_DIR, load
from lansbok.figures import indicator
from lansbok.geography import RIKET, resolve
from lansbok.population import PER, population
from lansbok.run import TEMPLATES_DIR, KeyMaker, RunError, plan
from lansbok.sections import PAGES, SECTIONS
from lansbok.toc import write_toc

COUNTIES = load(DEFAULT_DATA_DIR).table("counties")
SKANE, GOTLAND = resolve("12", COUNTIES), resolve("09", COUNTIES)
SCB_POPULATION = "/work/shared/data-sources/scb/folkmangd_lan_2017-2025.csv"


def expected_figure(data, geo, key):
    """A headline figure computed from its section directly."""
    computed = SECTIONS[indicator(data, key).section].figures(data, geo)
    if key in overview.SUMS:
        return sum(computed[part].value for part in overview.SUMS[key])
    return computed[key].value


def test_skane_rows_are_the_sections_figures(dataset):
    rows = overview.rows(dataset, SKANE)
    assert [row.indicator_id for row in rows] == list(overview.HEADLINES)
    for row in rows:
        assert row.county.value == expected_figure(dataset, SKANE, row.indicator_id)
        assert row.riket.value == expected_figure(dataset, RIKET, row.indicator_id)
    received = rows[0]
    assert received.label == "Nyanlända mottagna i kommunerna"
    assert received.riket.value == 32866  # the summary's figure
    table = overview.table_frame(rows)
    assert table.loc[0, "riket"] == "32\u202f866"
    assert set(table["status_sv"]) <= {"officiell", "exempeldata"}
    assert "37 a §" in " ".join(table["label"])


def test_ranks_are_among_the_21_counties_highest_first(dataset):
    ranks = overview.ranks(dataset)
    assert len(ranks) == 21
    geos = {code: resolve(code, COUNTIES) for code in COUNTIES["county_code"]}
    # Counts of people are ranked per 10 000 inhabitants (the shipped population is complete).
    values = {
        code: {
            key: PER * f.value / population(dataset, geo, 2024)
            if f.unit in {"persons", "children"}
            else f.value
            for key, f in overview.figures(dataset, geo).items()
        }
        for code, geo in geos.items()
    }
    for key in overview.HEADLINES:
        column = ranks[key].dropna()
        # Every county, but Gotland (one municipality) for shares of municipalities.
        assert len(column) == (20 if key in overview.MUNICIPALITY_SHARES else 21)
        assert column.between(1, 21).all() and column.min() == 1
        for code, rank in column.items():
            ranked = [values[other][key] for other in column.index]
            higher = sum(value > values[code][key] for value in ranked)
            assert rank == 1 + higher, (key, code)
    skane = {row.indicator_id: row for row in overview.rows(dataset, SKANE)}
    received = skane["newly_arrived_received_by_municipalities"]
    assert received.rank == ranks.loc["12", "newly_arrived_received_by_municipalities"]
    assert received.of == 21


def test_without_population_the_rates_say_so(data_copy):
    (data_copy / "population.csv").write_text("county_code,year,population\n", encoding="utf-8")
    dataset = load(data_copy, check=True)
    table = overview.table_frame(overview.rows(dataset, SKANE))
    counts = table["label"] == "Nyanlända mottagna i kommunerna"
    assert table.loc[counts, "county_rate"].item() == "uppgift saknas"
    money = table["label"] == "Beviljade TIA-medel"
    assert table.loc[money, "county_rate"].item() == "–"
    assert "Folkmängden per län saknas" in overview.rank_note(dataset)


@pytest.fixture
def with_population(data_copy):
    with open(SCB_POPULATION, encoding="utf-8") as source:
        rows = list(csv.DictReader(source))
    with (data_copy / "population.csv").open("w", encoding="utf-8", newline="") as target:
        writer = csv.writer(target, lineterminator="\n")
        writer.writerow(["county_code", "year", "population"])
        writer.writerows([r["lanskod"], r["ar"], r["folkmangd"]] for r in rows)
    return load(data_copy, check=True)


def test_with_population_counts_are_per_inhabitants_and_ranked_so(with_population):
    data = with_population
    inhabitants = data.table("population").query("year == 2024").set_index("county_code")
    rows = overview.rows(data, SKANE)
    received = rows[0]
    expected = PER * received.county.value / inhabitants.loc["12", "population"]
    assert received.county_rate == pytest.approx(expected)
    assert received.riket_rate == pytest.approx(
        PER * received.riket.value / inhabitants["population"].sum()
    )
    rates = {}
    for code in COUNTIES["county_code"]:
        figure = overview.figures(data, resolve(code, COUNTIES))[received.indicator_id]
        rates[code] = figure.value / inhabitants.loc[code, "population"]
    assert received.rank == 1 + sum(rate > rates["12"] for rate in rates.values())
    table = overview.table_frame(rows)
    assert "uppgift saknas" not in set(table["county_rate"]) | set(table["riket_rate"])
    assert "rangordnas per 10\u202f000 invånare" in overview.rank_note(data)


def test_gotland_is_one_municipality_and_not_ranked_by_municipality_shares(dataset):
    text = overview.municipalities_text(dataset, GOTLAND)
    assert text.startswith("Gotlands län består av en enda kommun, Region Gotland.")
    assert overview.municipalities_text(dataset, SKANE) == "Skåne län har 33 kommuner."
    rows = {row.indicator_id: row for row in overview.rows(dataset, GOTLAND)}
    komvux = rows["so_share_munis_komvux_responsible"]
    assert komvux.rank is None
    assert komvux.county_text in {"ja (Region Gotland)", "nej (Region Gotland)"}
    assert "%" not in komvux.county_text
    # The other counties are ranked among themselves for that share.
    skane = {row.indicator_id: row for row in overview.rows(dataset, SKANE)}
    assert skane["so_share_munis_komvux_responsible"].of == 20
    assert all(row.rank is not None for key, row in rows.items() if key != komvux.indicator_id)


def test_names_from_data_are_escaped(data_copy):
    edit_csv(data_copy / "counties.csv", "Skåne län", "Skåne <img src=x onerror=alert(1)>")
    data = load(data_copy)
    geo = resolve("12", data.table("counties"))
    link = overview.comparison_link(geo)
    assert "<img" not in link and "&lt;img src=x onerror=alert(1)&gt;" in link
    assert 'href="../SE/comparisons.html?lan=12"' in link
    intro = overview.intro(data, geo)
    assert "<img" not in intro and intro.startswith("<p>Skåne &lt;img")
    from lansbok.report import Page

    page = Page(data, geo)
    frame = overview.table_frame(overview.rows(data, geo))
    html = page.table(frame, overview.COLUMNS, caption=f"Nyckeltal 2024 för {geo.name}").data
    assert "<img" not in html and "&lt;img" in html


def fake_pages(out, codes, overview_for=(), year=2024):
    edition = out / str(year)
    for code in codes:
        (edition / code).mkdir(parents=True)
        for section in SECTIONS:
            (edition / code / f"{section}.ipynb").write_text("{}")
        if code in overview_for:
            (edition / code / "overview.ipynb").write_text("{}")
    (out / "avstamning.md").write_text("# Avstämning\n")
    (edition / "SE" / "comparisons.ipynb").write_text("{}")


def test_toc_opens_each_county_with_its_overview_and_lists_the_counties_last(dataset, tmp_path):
    out = tmp_path / "generated"
    fake_pages(out, ["SE", "01", "09", "12"], overview_for={"01", "09", "12"})
    toc = yaml.safe_load(write_toc(dataset, out).read_text())
    parts = {part["caption"]: part["chapters"] for part in toc["parts"]}
    assert list(parts) == ["Riket 2024", "Jämförelser", "Om data och metod", "Länen"]
    assert [c["file"] for c in parts["Länen"]] == [
        f"generated/2024/{code}/overview" for code in ("01", "09", "12")
    ]
    # The side bar names the county (the page's title is longer).
    assert [c["title"] for c in parts["Länen"]] == ["Stockholms län", "Gotlands län", "Skåne län"]
    for chapter in parts["Länen"]:
        folder = chapter["file"].rsplit("/", 1)[0]
        assert [s["file"] for s in chapter["sections"]] == [f"{folder}/{s}" for s in SECTIONS]
    riket = parts["Riket 2024"][0]
    assert riket["file"] == "generated/2024/SE/index"
    assert "generated/avstamning" in [s["file"] for s in riket["sections"]]
    assert "avstamning" in (out / "2024" / "SE" / "index.md").read_text()
    assert not (out / "2024" / "12" / "index.md").exists()


def test_a_county_without_its_overview_gets_a_page_of_links(dataset, tmp_path):
    out = tmp_path / "generated"
    fake_pages(out, ["SE", "12"])
    toc = yaml.safe_load(write_toc(dataset, out).read_text())
    county = toc["parts"][-1]["chapters"][0]
    assert county["file"] == "generated/2024/12/index"
    assert "{doc}`/generated/2024/12/tia`" in (out / "2024" / "12" / "index.md").read_text()


def test_a_download_left_by_a_failed_page_is_no_page(dataset, tmp_path):
    out = tmp_path / "generated"
    fake_pages(out, ["SE", "12"])
    (out / "2024" / "12" / "tia.ipynb").unlink()
    (out / "2024" / "12" / "tia.csv").write_text("a;b\n")  # the download of a failed page
    toc = yaml.safe_load(write_toc(dataset, out).read_text())
    county = toc["parts"][-1]["chapters"][0]
    assert "generated/2024/12/tia" not in [s["file"] for s in county["sections"]]


def test_the_table_of_contents_shows_one_edition(dataset, tmp_path):
    out = tmp_path / "generated"
    fake_pages(out, ["SE", "12"])
    (out / "2025" / "12").mkdir(parents=True)  # another edition's page beside it
    (out / "2025" / "12" / "tia.ipynb").write_text("{}")
    text = write_toc(dataset, out).read_text()
    assert "generated/2024/12/tia" in text and "2025" not in text
    assert json.loads((out / "edition.json").read_text()) == {"year": 2024}


def test_the_overview_is_a_county_page_keyed_on_every_county(data_copy, tmp_path):
    data = load(data_copy)
    jobs = plan([RIKET, SKANE], ["overview", "tia"], data, data_copy, tmp_path, TEMPLATES_DIR)
    assert sorted((j.geo.code, j.section) for j in jobs) == [
        ("12", "overview"),
        ("12", "tia"),
        ("SE", "tia"),
    ]
    with pytest.raises(RunError, match="made for a county"):
        plan([RIKET], ["overview"], data, data_copy, tmp_path, TEMPLATES_DIR)
    template = TEMPLATES_DIR / "overview.ipynb"
    tia_template = TEMPLATES_DIR / "tia.ipynb"
    before = KeyMaker(data, data_copy)
    keys = before.key(template, SKANE, "overview"), before.key(tia_template, SKANE, "tia")
    # Another county's rows change but none of its figures (a project's kind of organisation):
    # neither Skåne page is executed again, for the overview reads the other counties only
    # through their figures.
    path = data_copy / "tia_grants.csv"
    line = next(r for r in path.read_text().splitlines() if r.startswith("2024,TIA-01-001,"))
    other = "kommun" if ",studieförbund," in line else "studieförbund"
    edit_csv(path, line, line.replace(line.split(",")[3], other))
    after = KeyMaker(load(data_copy), data_copy)
    assert after.key(template, SKANE, "overview") == keys[0]
    assert after.key(tia_template, SKANE, "tia") == keys[1]
    # Another county's figure changes (its TIA grants): the overview, which ranks every county,
    # is executed again; Skåne's own TIA page compares with Riket, whose total changed too.
    edited = line.replace(line.split(",")[3], other)
    cells = edited.split(",")
    grant = path.read_text().splitlines()[0].split(",").index("grant_sek")
    cells[grant] = str(int(cells[grant]) + 1000)
    edit_csv(path, edited, ",".join(cells))
    changed = KeyMaker(load(data_copy), data_copy)
    assert changed.key(template, SKANE, "overview") != keys[0]


def test_every_headline_has_a_swedish_label_and_a_known_section(dataset):
    for key in overview.HEADLINES:
        section, label = indicator(dataset, key).section, indicator(dataset, key).label_sv
        assert section in SECTIONS and label[0].isupper() and "§37a" not in label, key
    assert set(PAGES["overview"].tables) >= set(PAGES["reception"].tables)
