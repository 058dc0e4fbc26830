"""The kommunmottagna importer, on a small export written in Migrationsverket's format."""

from pathlib import Path

import pytest
from conftest import FIXTURES
from typer.testing import CliRunner

from lansbok.cli import app
from lansbok.data import DEFAULT_DATA_DIR, DataError, load, read_descriptor, validate
from lansbok.geography import RIKET
from lansbok.importers import import_kommunmottagna, parse_kommunmottagna
from lansbok.sections import reception

FIXTURE = FIXTURES / "kommunmottagna_2024.csv"
SHARED_2018 = (
    DEFAULT_DATA_DIR.parent.parent
    / "shared/data-sources/infovislabb/Kommunmottagna_enligt_ersattningsforordningen_2018.csv"
)
runner = CliRunner()


def parse(path: Path):
    data = load(DEFAULT_DATA_DIR)
    return parse_kommunmottagna(path, data.table("municipalities"), data.table("counties"))


def broken_fixture(tmp_path, old: str, new: str) -> Path:
    text = FIXTURE.read_text(encoding="utf-8-sig")
    assert old in text
    path = tmp_path / "export.csv"
    path.write_text(text.replace(old, new, 1), encoding="utf-8-sig")
    return path


def test_parses_the_fixture_into_a_tidy_table():
    tidy = parse(FIXTURE)
    assert sorted(tidy["municipality_code"].unique()) == ["0980", "1080", "1082"]
    assert len(tidy) == 3 * 5
    karlskrona = tidy[tidy["municipality_code"] == "1080"].set_index("category")
    assert karlskrona.loc["anhoriga", "received"] == 1069  # "1 069" with a thousands space
    assert karlskrona.loc["abo", "received_unaccompanied"] == 16
    assert karlskrona.loc["kvotflykting", "received_unaccompanied"] == 0  # blank cell
    assert tidy["received"].sum() == 1650 and tidy["received_unaccompanied"].sum() == 121


def test_unknown_municipality_names_row_and_column(tmp_path):
    path = broken_fixture(tmp_path, "KARLSKRONA", "KARLSKRUNA")
    with pytest.raises(DataError) as error:
        parse(path)
    [problem] = error.value.problems
    # Line 8: the title cell spans two lines of the file.
    assert (problem.row, problem.column) == (8, "kommun (column 3)")
    assert "KARLSKRUNA" in problem.message


def test_categories_that_do_not_add_up(tmp_path):
    path = broken_fixture(tmp_path, "KARLSHAMN;6;", "KARLSHAMN;7;")
    with pytest.raises(DataError) as error:
        parse(path)
    messages = [str(p) for p in error.value.problems]
    assert any("row 7" in m and "Totalt says 170" in m for m in messages)
    assert any("county subtotal" in m for m in messages)
    assert any("Totalt row" in m for m in messages)


def test_not_an_export(tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("a;b;c\n1;2;3\n", encoding="utf-8")
    with pytest.raises(DataError, match="no header row"):
        parse(path)


def test_import_takes_precedence_over_sample_for_its_year(data_copy):
    before = reception.figures(load(data_copy), RIKET)["newly_arrived_received_by_municipalities"]
    assert (before.value, before.status) == (32866, "sample")
    result = runner.invoke(
        app, ["import", "kommunmottagna", str(FIXTURE), "--year", "2024", "--data", str(data_copy)]
    )
    assert result.exit_code == 0, result.output
    assert "3 municipalities, 1650 people received" in result.output
    data = load(data_copy)
    after = reception.figures(data, RIKET)["newly_arrived_received_by_municipalities"]
    assert (after.value, after.status) == (1650, "official")
    kommunmottagna = data.table("kommunmottagna")
    assert sorted(kommunmottagna["year"].unique()) == [2018, 2024]  # 2018 kept
    imports = read_descriptor(data_copy)["resources"]
    recorded = next(r for r in imports if r["name"] == "kommunmottagna")["lansbok:imports"]
    assert [i["year"] for i in recorded] == [2018, 2024]
    assert validate(data_copy) == []


def test_a_failed_import_writes_nothing(data_copy, tmp_path):
    before = (data_copy / "kommunmottagna.csv").read_bytes()
    path = broken_fixture(tmp_path, "GOTLAND;", "GOTTLAND;")
    result = runner.invoke(
        app, ["import", "kommunmottagna", str(path), "--year", "2024", "--data", str(data_copy)]
    )
    assert result.exit_code == 1
    assert "GOTTLAND" in result.output and "row 11" in result.output
    assert (data_copy / "kommunmottagna.csv").read_bytes() == before


@pytest.mark.skipif(
    not SHARED_2018.exists(), reason="the shared 2018 export is not beside the project"
)
def test_shipped_2018_table_is_the_import_of_the_official_export(data_copy):
    (data_copy / "kommunmottagna.csv").unlink()
    import_kommunmottagna(SHARED_2018, 2018, data_copy)
    shipped = (DEFAULT_DATA_DIR / "kommunmottagna.csv").read_bytes()
    assert (data_copy / "kommunmottagna.csv").read_bytes() == shipped
    table = load(data_copy).table("kommunmottagna")
    assert table["received"].sum() == 44216 and table["received_unaccompanied"].sum() == 6635
    assert table["municipality_code"].nunique() == 290
