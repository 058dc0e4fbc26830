"""Population per county and municipality: SCB's export imported (and shipped), and counts per
10 000 inhabitants on the pages (only where the population is known)."""

import json
from dataclasses import replace

import pytest
from typer.testing import CliRunner

from lansbok import comparisons
from lansbok.cli import app
from lansbok.data import DEFAULT_DATA_DIR, DataError, load, validate
from lansbok.geography import RIKET, resolve
from lansbok.importers import noise_tolerance, parse_population
from lansbok.population import municipality_population, population
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
    return parse_population(path, DATA.table("municipalities"), COUNTIES).counties


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
    parsed = parse_population(path, DATA.table("municipalities"), COUNTIES)
    assert parsed.counties.values.tolist() == [["09", 2024, 60000], ["14", 2024, 1000]]
    assert parsed.municipalities.values.tolist() == [["0980", 2024, 60000]]


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


def test_shipped_population_is_scbs():
    """The shipped tables are SCB's, imported with the importer (its record in the package)."""
    counties = DATA.table("population").set_index(["county_code", "year"])["population"]
    assert sorted(set(DATA.table("population")["year"])) == list(range(2017, 2026))
    assert population(DATA, RIKET, 2024) == 10_587_710  # SCB's Riket: the counties sum exactly
    assert population(DATA, RIKET, 2023) == 10_551_707
    # 2025 carries SCB's noise: the counties sum to 15 more than SCB's published Riket.
    assert population(DATA, RIKET, 2025) == 10_605_535
    assert counties[("01", 2024)] == 2_473_307
    munis = municipality_population(DATA, 2024)
    assert len(munis) == 290 and munis.sum() == 10_587_710
    assert (munis["0127"], munis["0182"]) == (95_905, 112_112)  # Botkyrka, Nacka
    by_county = munis.groupby(
        DATA.table("municipalities").set_index("municipality_code")["county_code"]
    ).sum()
    assert by_county.to_dict() == counties.xs(2024, level="year").to_dict()
    assert municipality_population(DATA, 2023).empty
    for name in ("population", "population_municipalities"):
        resource = DATA.resources[name]
        assert resource["status"] == "official" and resource["licenses"][0]["name"] == "CC0-1.0"
        assert "SCB" in resource["producer"] and "retrieved" in resource
        imported = {record["year"]: record["file"] for record in resource["lansbok:imports"]}
        assert imported[2024] == "befolkning_export_riket_lan_kommun_2024.csv"
    imported = DATA.resources["population"]["lansbok:imports"]
    assert {r["year"]: r["file"] for r in imported}[2025] == "befolkning_export_lan_2017-2025.csv"


def test_noise_from_2025_is_accepted_within_the_tolerance(tmp_path):
    """SCB's disclosure noise from 2025: a Riket a few people off the sum of the counties is
    accepted for 2025, refused for 2024 and refused for 2025 beyond the tolerance."""
    total = sum(POPULATION.values())
    path = tmp_path / "noise.csv"

    def export(year, riket):
        lines = ['"region";"år";"Folkmängd"', f'"00 Riket";"{year}";"{riket}"']
        lines += [f'"{c} {NAMES[c]}";"{year}";"{v}"' for c, v in POPULATION.items()]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path

    assert parse(export(2025, total - 15))["population"].sum() == total
    assert noise_tolerance(2025, 21) == 110 and noise_tolerance(2024, 21) == 0
    with pytest.raises(DataError, match=f"Riket for 2024 is {total - 15}"):
        parse(export(2024, total - 15))
    with pytest.raises(DataError, match=f"Riket for 2025 is {total - 111}"):
        parse(export(2025, total - 111))


def test_municipality_rates_in_the_reception_table():
    skane = resolve("12", COUNTIES)
    received = reception.received_by_municipality(DATA, skane)
    assert list(received.columns) == [
        "municipality_code",
        "municipality",
        "county_code",
        "status",
        "persons",
        "per_10000",
    ]
    inhabitants = municipality_population(DATA, 2024)
    malmo = received.set_index("municipality_code").loc["1280"]
    assert malmo["per_10000"] == pytest.approx(10_000 * malmo["persons"] / inhabitants["1280"])
    assert received["per_10000"].notna().all()
    assert set(received["status"]) == {"sample"}  # sample counts stay sample per inhabitant
    # No population for 2018 in the data: the rate is missing, the counts are still there.
    older = reception.received_by_municipality(replace(DATA, chosen_year=2018), RIKET)
    assert older["per_10000"].isna().all() and older["persons"].sum() == 44_216


def test_shipped_population_gives_rates_on_county_pages_and_comparisons():
    skane = resolve("12", COUNTIES)
    national = reception.figures(DATA, RIKET)["est_participants"]
    county = reception.figures(DATA, skane)["est_participants"]
    rate = 10_000 * county.value / 1_428_626  # Skåne's population, 31 Dec 2024 (SCB)
    rate_riket = 10_000 * national.value / 10_587_710
    assert population(DATA, skane, 2024) == 1_428_626
    text = Page(DATA, skane).comparison(county, national, {})
    sv = lambda x: f"{x:.1f}".replace(".", ",")  # noqa: E731
    assert text.endswith(f"; {sv(rate)} per 10\u202f000 invånare mot {sv(rate_riket)} i riket)")

    indicators = comparisons.county_indicators(DATA)
    rates = indicators[indicators["indicator_id"].str.endswith("_per_10000")]
    assert set(rates["indicator_id"]) == {
        "newly_arrived_received_by_municipalities_per_10000",
        "est_participants_per_10000",
        "uam_assignments_total_per_10000",
        "s37a_participants_per_10000",
    }
    assert (rates["unit"] == "per 10\u202f000 invånare").all()
    assert rates["indicator"].str.endswith(", per 10\u202f000 invånare").all()
    assert len(rates) == 4 * 21 and set(rates["status"]) == {"sample"}
    by_key = indicators.set_index(["county_code", "indicator_id"])
    assert by_key.loc[("12", "est_participants_per_10000"), "value"] == pytest.approx(rate)
    assert by_key.loc[("12", "est_participants"), "unit"] == "antal"
    assert by_key.loc[("12", "tia_grants_sek"), "unit"] == "kronor"  # money is not put per head


def test_imported_population_gives_rates_per_10000(tmp_path, data_copy):
    """An analyst's own export replaces the years it covers."""
    result = runner.invoke(
        app, ["import", "befolkning", str(scb_export(tmp_path)), "--data", str(data_copy)]
    )
    assert result.exit_code == 0, result.output
    assert "imported 2024: 21 counties" in result.output
    assert validate(data_copy) == []
    data = load(data_copy)
    files = {r["year"]: r["file"] for r in data.resources["population"]["lansbok:imports"]}
    assert (files[2023], files[2024]) == ("befolkning.csv", "befolkning.csv")
    assert files[2022] == "befolkning_export_lan_2017-2025.csv"  # other years are kept
    assert population(data, RIKET, 2022) == population(DATA, RIKET, 2022)

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
    with pytest.raises(DataError, match="no published figures for 2025"):
        Page.open("12", year=2025)
