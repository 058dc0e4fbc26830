"""Every importer checks what validation checks: a bad, hostile or mis-encoded export is
refused with a message naming the file (and row and column where there is one), exit 1, no
traceback, and the data directory byte for byte as it was. Exports re-saved in another text
encoding are read as what they are."""

import os
import threading
from pathlib import Path

import pytest
from conftest import FIXTURES, edit_csv
from typer.testing import CliRunner

from lansbok.cli import app
from lansbok.data import DEFAULT_DATA_DIR, MAX_PROBLEMS, DataError, load
from lansbok.importers import import_kommunmottagna, parse_kommunmottagna, write_validated

runner = CliRunner()
FIXTURE = FIXTURES / "kommunmottagna_2024.csv"
TEXT = FIXTURE.read_text(encoding="utf-8-sig")
DATA = load(DEFAULT_DATA_DIR)
COUNTIES = DATA.table("counties")
NAMES = dict(zip(COUNTIES["county_code"], COUNTIES["name"], strict=True))


def snapshot(data_dir: Path) -> dict[str, bytes]:
    return {str(p.relative_to(data_dir)): p.read_bytes() for p in sorted(data_dir.rglob("*"))}


def run_import(data_dir: Path, *args: str):
    """Run an import command; assert it left data/ unchanged if it failed."""
    before = snapshot(data_dir)
    result = runner.invoke(app, ["import", *args, "--data", str(data_dir)])
    if result.exit_code != 0:
        assert snapshot(data_dir) == before, "a refused import changed the data directory"
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            result.exception
        )
        assert "Traceback" not in result.output
    return result


def refused(data_dir: Path, *args: str) -> str:
    result = run_import(data_dir, *args)
    assert result.exit_code == 1, result.output
    return result.output


def export(tmp_path: Path, text: str = TEXT, encoding: str = "utf-8-sig", name="export.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def changed(old: str, new: str, text: str = TEXT) -> str:
    assert old in text
    return text.replace(old, new, 1)


# --- encodings: an export re-saved as other text is read as what it is --------------------------


@pytest.mark.parametrize(
    "encoding", ["utf-8", "cp1252", "latin-1", "utf-16", "utf-16-le", "utf-16-be", "utf-8-sig"]
)
def test_reencoded_export_imports_the_same_table(data_copy, tmp_path, encoding):
    path = export(tmp_path, TEXT, encoding)
    result = run_import(data_copy, "kommunmottagna", str(path), "--year", "2024")
    assert result.exit_code == 0, result.output
    assert "3 municipalities, 1650 people received" in result.output


# --- files that are not a CSV export ------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b"  \r\n\r\n", "the file is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "this is a PNG image, not a CSV export"),
        (b"PK\x03\x04\x14\x00\x00\x00", "a zip archive (an .xlsx workbook is one"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Excel workbook"),
        (b"%PDF-1.7\n", "a PDF document"),
        (bytes(range(256)) * 8, "a binary file (it holds zero bytes)"),
        (b"\xff\xfe" + b"\x00\xd8", "not valid UTF-16 text"),  # a lone surrogate
        (b"caf\x81\x8d\x8f", "neither UTF-8 nor Windows-1252 text"),
    ],
)
def test_not_an_export(data_copy, tmp_path, content, message):
    path = tmp_path / "export.csv"
    path.write_bytes(content)
    output = refused(data_copy, "kommunmottagna", str(path), "--year", "2024")
    assert f"{path}: " in output and message in output


def test_a_fifo_is_refused_without_blocking(data_copy, tmp_path):
    path = tmp_path / "export.csv"
    os.mkfifo(path)
    result = []
    worker = threading.Thread(
        target=lambda: result.append(
            refused(data_copy, "kommunmottagna", str(path), "--year", "2024")
        ),
        daemon=True,
    )
    worker.start()
    worker.join(30)
    assert not worker.is_alive(), "the import blocked on a FIFO"
    assert "not a regular file" in result[0]


def test_a_field_of_megabytes(data_copy, tmp_path):
    path = export(tmp_path, changed(";;KARLSKRONA;", ";;KARLSKRONA" + "x" * 3_000_000 + ";"))
    output = refused(data_copy, "kommunmottagna", str(path), "--year", "2024")
    # The csv module's own limit, unless a library raised it: then ours.
    assert f"{path}, row 8" in output
    assert "field larger than field limit" in output or "a cell of 3000010 characters" in output


def test_a_long_cell(data_copy, tmp_path):
    path = export(tmp_path, changed(";;KARLSKRONA;", ";;KARLSKRONA" + "x" * 5000 + ";"))
    output = refused(data_copy, "kommunmottagna", str(path), "--year", "2024")
    assert "row 8, column 'column 3': a cell of 5010 characters" in output


def test_comma_separated_export(data_copy, tmp_path):
    path = export(tmp_path, TEXT.replace(";", ","))
    output = refused(data_copy, "kommunmottagna", str(path), "--year", "2024")
    assert "no header row with the categories" in output and "semicolon separated" in output


# --- values validation would refuse, caught at the row they are on ------------------------------


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("KARLSHAMN;6;", "KARLSHAMN;-6;", "value '-6' is not a count"),
        ("KARLSHAMN;6;", "KARLSHAMN;99999999999;", "value '99999999999' is not a count"),
        ("KARLSHAMN;6;", "KARLSHAMN;6,5;", "value '6,5' is not a count"),
        ("KARLSHAMN;6;", "KARLSHAMN;6;1;", "the row has 16 cells, the header 15"),
        ("KARLSHAMN;6;", "KARLSHAMN;6.5;", "value '6.5' is not a count"),
        ("KARLSHAMN;6;", "KARLSHAMN;=1+5;", "value '=1+5' is not a count"),
        ("KARLSHAMN;6;", "KARLSHAMN;\u0666;", "is not a count"),  # an Arabic-Indic six
    ],
)
def test_bad_counts_name_row_and_column(data_copy, tmp_path, old, new, message):
    path = export(tmp_path, changed(old, new))
    output = refused(data_copy, "kommunmottagna", str(path), "--year", "2024")
    assert f"{path}, row 7" in output and message in output


def test_a_count_names_its_column(tmp_path):
    path = export(tmp_path, changed("KARLSHAMN;6;", "KARLSHAMN;-6;"))
    with pytest.raises(DataError) as error:
        parse_kommunmottagna(path, DATA.table("municipalities"), COUNTIES)
    [problem] = error.value.problems
    assert (problem.row, problem.column) == (7, "Kvotflykting (Kategori 1) (column 4)")


def test_more_unaccompanied_minors_than_people(data_copy, tmp_path):
    text = changed("KARLSHAMN;6;;11;1;", "KARLSHAMN;6;;11;12;")
    text = changed("170;14", "170;25", text)
    path = export(tmp_path, text)
    output = refused(data_copy, "kommunmottagna", str(path), "--year", "2024")
    assert "row 7" in output and "12 unaccompanied minors of 11 people" in output


def test_a_municipality_twice(data_copy, tmp_path):
    row = "BLEKINGE LÄN;;KARLSHAMN;6;;11;1;28;6;13;7;112;;170;14"
    path = export(tmp_path, changed(row, row + "\r\n" + row))
    output = refused(data_copy, "kommunmottagna", str(path), "--year", "2024")
    assert "row 8: municipality 1082 appears twice (first in row 7)" in output


def test_a_hostile_name_is_quoted_inert(data_copy, tmp_path):
    path = export(tmp_path, changed("KARLSKRONA", "KARLS\u202eKRONA<script>"))
    output = refused(data_copy, "kommunmottagna", str(path), "--year", "2024")
    assert "unknown municipality 'KARLS\\u202eKRONA<script>'" in output
    assert "\u202e" not in output


# --- years ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "message"),
    [
        ("1999", "--year 1999 is outside 2000–"),
        ("2999", "--year 2999 is outside 2000–"),
        ("2023", "row 3: the export's title is for 2024, but --year is 2023"),
    ],
)
def test_year(data_copy, year, message):
    output = refused(data_copy, "kommunmottagna", str(FIXTURE), "--year", year)
    assert message in output


def test_title_year_read_from_title_only(data_copy, tmp_path):
    # "Uppdaterad 2025-02-10" is when the export was made, not what it covers.
    result = run_import(data_copy, "kommunmottagna", str(FIXTURE), "--year", "2024")
    assert result.exit_code == 0, result.output


# --- the cap, and linear time --------------------------------------------------------------------


def test_problems_are_capped_at_a_hundred(data_copy, tmp_path):
    rows = [f"BLEKINGE LÄN;;NOWHERE{i};1;;1;;1;;1;;1;;5;" for i in range(250)]
    path = export(tmp_path, changed("BLEKINGE LÄN;;KARLSHAMN", "\r\n".join(rows) + "\r\n;;X"))
    output = refused(data_copy, "kommunmottagna", str(path), "--year", "2024")
    assert output.count("unknown municipality") == MAX_PROBLEMS
    # 250 unknown names, and the first row's own name ("X") after them.
    assert "… and 151 more problems" in output and "251 problem(s) found." in output


def test_duplicates_in_a_large_export_are_found_in_linear_time(tmp_path):
    # 100 000 rows: the old check (list.count per row) took minutes; this takes seconds.
    row = "BLEKINGE LÄN;;KARLSHAMN;6;;11;1;28;6;13;7;112;;170;14"
    text = changed(row, "\r\n".join([row] * 100_000))
    path = export(tmp_path, text)
    with pytest.raises(DataError) as error:
        parse_kommunmottagna(path, DATA.table("municipalities"), COUNTIES)
    assert len(error.value.problems) == MAX_PROBLEMS and error.value.more > 0


# --- the result must pass validation -------------------------------------------------------------


def test_an_import_into_an_invalid_package_is_refused(data_copy):
    edit_csv(data_copy / "counties.csv", "Skåne län,", "Skåne län\u202e,")
    output = refused(data_copy, "kommunmottagna", str(FIXTURE), "--year", "2024")
    assert f"{data_copy / 'counties.csv'}, row 11, column 'name': after importing" in output
    assert "U+202E" in output


def test_a_merged_table_that_fails_validation_is_not_written(data_copy):
    data = load(data_copy)
    table = data.table("kommunmottagna").copy()
    table.loc[0, "received"] = -1
    before = snapshot(data_copy)
    with pytest.raises(DataError) as error:
        write_validated(data, {"kommunmottagna": (table, [2018])}, FIXTURE)
    [problem] = error.value.problems
    assert problem.file == str(data_copy / "kommunmottagna.csv")
    assert (problem.row, problem.column) == (2, "received")
    assert "after importing kommunmottagna_2024.csv" in problem.message
    assert snapshot(data_copy) == before


def test_a_failed_write_leaves_data_as_it_was(data_copy, monkeypatch):
    before = snapshot(data_copy)

    def fail(*_args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("lansbok.importers.validate", fail)
    with pytest.raises(OSError):
        import_kommunmottagna(FIXTURE, 2024, data_copy)
    assert snapshot(data_copy) == before


def test_a_write_protected_data_directory(data_copy):
    if os.geteuid() == 0:
        pytest.skip("root writes through permissions")
    data_copy.chmod(0o555)
    try:
        output = refused(data_copy, "kommunmottagna", str(FIXTURE), "--year", "2024")
    finally:
        data_copy.chmod(0o755)
    assert f"error: {data_copy}" in output and "Permission denied" in output


def test_an_unwritable_data_directory_gives_a_message(data_copy, monkeypatch):
    def fail(target, _text):
        raise PermissionError(13, "Permission denied", str(target))

    monkeypatch.setattr("lansbok.importers.atomic_write", fail)
    output = refused(data_copy, "kommunmottagna", str(FIXTURE), "--year", "2024")
    assert f"error: {data_copy / 'kommunmottagna.csv'}: Permission denied" in output


# --- befolkning ----------------------------------------------------------------------------------


def scb_export(tmp_path, header='"region","2024"', rows=None, encoding="utf-8"):
    rows = rows if rows is not None else [f'"{c} {NAMES[c]}",100000' for c in NAMES]
    path = tmp_path / "befolkning.csv"
    lines = ['"Folkmängden efter region och år"', "", header, *rows]
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def test_befolkning_in_utf16_imports(data_copy, tmp_path):
    result = run_import(data_copy, "befolkning", str(scb_export(tmp_path, encoding="utf-16")))
    assert result.exit_code == 0, result.output
    assert "imported 2024: 21 counties, 2100000 inhabitants" in result.output


@pytest.mark.parametrize(
    ("header", "rows", "message"),
    [
        ('"region"|"2024"', ['"01 Stockholms län"|5'], "row 3: cannot tell the separator"),
        (
            '"region","1900"',
            ['"01 Stockholms län",5'],
            "row 3, column '1900': year 1900 is outside",
        ),
        ('"region","år","Folkmängd"', ['"01 Stockholms län",2999,5'], "year 2999 is outside"),
        ('"region","år","Folkmängd"', ['"01 Stockholms län",x,5'], "year 'x' is not a year"),
        ('"region","2024"', ['"01 Stockholms län",999999999'], "is more than Sweden's"),
        ('"region","2024"', ['"01 Stockholms län",-5'], "population -5 is not positive"),
        ('"region","2024"', ['"01 Stockholms län",5e3'], "value '5e3' is not a whole number"),
        ('"region","2024"', ['"01 Stockholms län","' + "9" * 3_000_000 + '"'], "row 4"),
    ],
)
def test_bad_population_files(data_copy, tmp_path, header, rows, message):
    output = refused(data_copy, "befolkning", str(scb_export(tmp_path, header, rows)))
    assert "befolkning.csv" in output and message in output


def test_binary_population_file(data_copy, tmp_path):
    path = tmp_path / "befolkning.csv"
    path.write_bytes(b"PK\x03\x04" + bytes(100))
    output = refused(data_copy, "befolkning", str(path))
    assert "a zip archive" in output
