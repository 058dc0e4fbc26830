"""Population per county: SCB's export imported, and counts per 10 000 inhabitants on the pages
(only where the population is known)."""

import json

import pytest
from typer.testing import CliRunner

from lansbok import comparisons
from lansbok.cli import app
from lansbok.data import DEFAULT_DATA_DIR, DataError, load, validate
from lansbok.geography import RIKET, resolve
from lansbok.importers import parse_population
from lansbok.report import Page
from lansbok.sections import reception

runner = CliRunner()
DATA = load(DEFAULT_DATA_DIR)
COUNTIES = DATA.table("counties")
# Made-up populations for the tests (not SCB's figures): county 01 has 100 000, 03 has 103 000 …
POPULATION = {code: 100_000 + 1_000 * int(code) for code in COUNTIES["county_code"]}
NAMES = dict(zip(COUNTIES["county_code"], COUNTIES["name"], strict=True))


def scb_export(tmp_path, rows=None, riket=None, encoding="utf-8"):
    """A file laid out as SCB's statistical database exports it: title rows, a 'region'
    header, one column per year, regions written '01 Stockholms län'."""
    rows = rows if rows is not None else [(f"{c} {NAMES[c]}", v, v) for c, v in POPULATION.items()]
    total = sum(POPULATION.values())
    riket = riket if riket is not None else (total, total)
    lines = ['"Folkmängden efter region och år"', "", '"region","2023","2024"']
    lines.append(f'"00 Riket",{riket[0]},{riket[1]}')
    lines += [f'"{region}",{a},{b}' for region, a, b in rows]
    lines += ["", '"Källa: SCB (exempel för test)"']
    path = tmp_path / "befolkning.csv"
    path.write_text("\n".join(lines) + "\n", encoding=encoding)
    return path


def parse(path):
    return parse_population(path, DATA.table("municipalities"), COUNTIES)


def test_parses_wide_export_with_riket_row(tmp_path):
    tidy = parse(scb_export(tmp_path))
    assert sorted(tidy["year"].unique()) == [2023, 2024]
    in_2024 = tidy[tidy["year"] == 2024].set_index("county_code")["population"]
    assert in_2024.to_dict() == POPULATION


def test_parses_long_export_semicolons_windows_1252_and_municipalities(tmp_path):
    path = tmp_path / "long.csv"
    lines = [
        '"Folkmängden"',
        '"region";"år";"Folkmängd"',
        '"14 Västra Götalands län";"2024";"1 000"',
    ]
    lines.append('"0980 Gotland";"2024";"60 000"')  # Gotland's only municipality: county 09
    path.write_text("\n".join(lines) + "\n", encoding="cp1252")
    tidy = parse(path)
    assert tidy.values.tolist() == [["09", 2024, 60000], ["14", 2024, 1000]]


@pytest.mark.parametrize(
    ("rows", "riket", "row", "column", "message"),
    [
        ([("02 Inget län", 5, 5)], (5, 5), 5, "region", "unknown county code 02"),
        ([("01 Stockholms län", 5, "..")], (5, 5), 5, "2024", "'..' is not a whole number"),
        ([("Stockholms län", 5, 5)], (5, 5), 5, "region", "does not start with an SCB code"),
        ([("01 Stockholms län", 5, 0)], (5, 5), 5, "2024", "is not positive"),
    ],
)
def test_bad_rows_name_row_and_column(tmp_path, rows, riket, row, column, message):
    with pytest.raises(DataError) as error:
        parse(scb_export(tmp_path, rows, riket))
    [problem] = error.value.problems
    assert (problem.row, problem.column) == (row, column)
    assert message in problem.message


def test_riket_must_equal_the_sum_of_the_counties(tmp_path):
    total = sum(POPULATION.values())
    with pytest.raises(DataError, match=f"Riket for 2024 is {total + 1}, the counties sum"):
        parse(scb_export(tmp_path, riket=(total, total + 1)))


def test_some_municipalities_of_a_county_are_not_its_population(tmp_path):
    rows = [("0114 Upplands Väsby", 5, 5)]
    with pytest.raises(DataError, match="01 for 2024: 1 of its 26 municipalities"):
        parse(scb_export(tmp_path, rows))


def test_not_an_export(tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(DataError, match="no header row starting with 'region'"):
        parse(path)


def test_shipped_book_has_no_population_and_no_rates():
    assert DATA.table("population").empty
    page = Page(DATA, resolve("12", COUNTIES))
    national = reception.figures(DATA, RIKET)
    text = page.comparison(
        reception.figures(DATA, page.geo)["est_participants"], national["est_participants"], {}
    )
    assert "invånare" not in text and "% av riket" in text
    assert not comparisons.county_indicators(DATA)["indicator_id"].str.endswith("_per_10000").any()


def test_imported_population_gives_rates_per_10000(tmp_path, data_copy):
    result = runner.invoke(
        app, ["import", "befolkning", str(scb_export(tmp_path)), "--data", str(data_copy)]
    )
    assert result.exit_code == 0, result.output
    assert "imported 2024: 21 counties" in result.output
    assert validate(data_copy) == []
    data = load(data_copy)
    [record_2023, record_2024] = data.resources["population"]["lansbok:imports"]
    assert (record_2023["year"], record_2024["file"]) == (2023, "befolkning.csv")

    skane, national = resolve("12", COUNTIES), reception.figures(data, RIKET)
    county = reception.figures(data, skane)["est_participants"]
    rate = 10_000 * county.value / POPULATION["12"]
    rate_riket = 10_000 * national["est_participants"].value / sum(POPULATION.values())
    text = Page(data, skane).comparison(county, national["est_participants"], {})
    sv = lambda x: f"{x:.1f}".replace(".", ",")  # noqa: E731
    assert text.endswith(f"; {sv(rate)} per 10\u202f000 invånare mot {sv(rate_riket)} i riket)")
    riket_text = Page(data, RIKET).comparison(
        national["est_participants"], national["est_participants"], {}
    )
    assert riket_text == f" ({sv(rate_riket)} per 10\u202f000 invånare)"
    share = national["est_exit_to_work_90d_share"]  # a percentage is not put per inhabitant
    assert "invånare" not in Page(data, skane).comparison(share, share, {})

    indicators = comparisons.county_indicators(data).set_index(["county_code", "indicator_id"])
    assert indicators.loc[("12", "est_participants_per_10000"), "value"] == pytest.approx(rate)


def test_a_bad_export_writes_nothing(tmp_path, data_copy):
    before = (
        (data_copy / "population.csv").read_bytes(),
        json.loads((data_copy / "datapackage.json").read_text()),
    )
    path = scb_export(tmp_path, [("02 Inget län", 5, 5)], (5, 5))
    result = runner.invoke(app, ["import", "befolkning", str(path), "--data", str(data_copy)])
    assert result.exit_code == 1
    assert "befolkning.csv, row 5, column 'region': unknown county code 02" in result.output
    after = (
        (data_copy / "population.csv").read_bytes(),
        json.loads((data_copy / "datapackage.json").read_text()),
    )
    assert after == before


def test_only_the_year_with_data():
    with pytest.raises(ValueError, match="cover 2024 only, not 2025"):
        Page.open("12", year=2025)
