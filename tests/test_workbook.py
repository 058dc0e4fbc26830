"""County workbooks: the template a county board fills in, and reading a filled one back."""

import re
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from openpyxl.utils.cell import range_boundaries
from typer.testing import CliRunner

from lansbok import workbook
from lansbok.cli import app
from lansbok.data import DEFAULT_DATA_DIR, DataError, load
from lansbok.geography import resolve

TABLES = ["tia_grants", "s37a_grants", "so_survey", "minors_assignments", "establishment_exits"]
runner = CliRunner()


@pytest.fixture(scope="module")
def data():
    return load(DEFAULT_DATA_DIR).edition()


@pytest.fixture(scope="module")
def skane(data):
    return resolve("12", data.table("counties"))


def headers(data, table):
    fields = data.resources[table]["schema"]["fields"]
    return {f["name"]: f["lansbok:title_sv"] for f in fields}


def county_rows(data, table, code="12"):
    """The shipped (sample) rows of a county in the edition: what a filled template holds."""
    frame = data.table(table)
    frame = frame[frame["year"] == data.year]
    if "county_code" in frame.columns:
        frame = frame[frame["county_code"] == code]
    else:
        munis = data.table("municipalities")
        own = munis.loc[munis["county_code"] == code, "municipality_code"]
        frame = frame[frame["municipality_code"].isin(own)]
    key = data.resources[table]["schema"]["primaryKey"]
    return frame.sort_values(key).reset_index(drop=True)


def labels(data):
    munis = data.table("municipalities")
    counties = data.table("counties")
    out = {
        f"m{r.municipality_code}": f"{r.municipality_code} {r.name_short}"
        for r in munis.itertuples()
    }
    out |= {f"c{r.county_code}": f"{r.county_code} {r.name}" for r in counties.itertuples()}
    return out


def shown(data, column, value):
    """A value as the analyst types it into the workbook."""
    if pd.isna(value):
        return None
    if column == "municipality_code":
        return labels(data)[f"m{value}"]
    if column == "county_code":
        return labels(data)[f"c{value}"]
    if isinstance(value, bool) or str(type(value)).endswith("bool_'>"):
        return "ja" if value else "nej"
    if hasattr(value, "item"):
        return value.item()
    return value


def fill(path: Path, data, table, frame: pd.DataFrame, blank_ids=False) -> None:
    """Type the frame's rows into a template: into the row with the same key where the template
    has prefilled keys, else into the next empty rows."""
    book = load_workbook(path)
    sheet = book["Data"]
    header = [c.value for c in sheet[1]]
    names = {v: k for k, v in headers(data, table).items()}
    places = {names[h]: i + 1 for i, h in enumerate(header)}
    fixed = workbook._fixed_columns(data.resources[table])
    rows = {}
    for row in range(2, sheet.max_row + 1):
        key = tuple(sheet.cell(row, places[c]).value for c in sorted(fixed))
        rows.setdefault(key, row)
    following = 2
    for record in frame.to_dict("records"):
        key = tuple(shown(data, c, record[c]) for c in sorted(fixed))
        if workbook._is_project_table(data.resources[table]):
            row, following = following, following + 1
        else:
            row = rows[key]
        for column, value in record.items():
            if column == "project_id" and blank_ids:
                continue
            sheet.cell(row, places[column]).value = shown(data, column, value)
    book.save(path)


def problems_of(excinfo):
    return [(p.row, p.column, p.message) for p in excinfo.value.problems]


@pytest.mark.parametrize("table", TABLES)
def test_template_has_headers_rows_lists_and_explanations(data, skane, table, tmp_path):
    path = workbook.write_template(data, table, skane, tmp_path / f"{table}.xlsx")
    book = load_workbook(path)
    assert book.sheetnames == ["Data", "Förklaring", "Listor"]
    assert book["Listor"].sheet_state == "hidden"
    sheet = book["Data"]
    swedish = headers(data, table)
    assert [c.value for c in sheet[1]] == list(swedish.values())
    assert all(c.font.b for c in sheet[1]) and sheet.freeze_panes == "A2"
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert {r[0] for r in rows} == {data.year}  # the year column, filled in
    names = list(swedish)
    skane_munis = data.table("municipalities").query("county_code == '12'")
    assert len(skane_munis) == 33
    muni_labels = [f"{r.municipality_code} {r.name_short}" for r in skane_munis.itertuples()]
    validations = {
        range_boundaries(str(dv.sqref))[0]: dv for dv in sheet.data_validations.dataValidation
    }

    def listed(column):
        formula = validations[names.index(column) + 1].formula1
        if formula.startswith('"'):
            return formula.strip('"').split(",")
        ref = re.fullmatch(r"'Listor'!\$([A-Z])\$2:\$\1\$(\d+)", formula)
        assert ref, formula
        return [c.value for c in book["Listor"][ref.group(1)][1 : int(ref.group(2))]]

    for field in data.resources[table]["schema"]["fields"]:
        if field["name"] == "project_id":  # any text; the reader checks its form
            assert names.index("project_id") + 1 not in validations
            continue
        dv = validations[names.index(field["name"]) + 1]
        rules = field.get("constraints", {})
        if field["name"] == "year":
            assert (dv.type, dv.operator, dv.formula1) == ("whole", "equal", str(data.year))
        elif "enum" in rules:
            assert dv.type == "list" and listed(field["name"]) == rules["enum"]
        elif field["type"] == "boolean":
            assert listed(field["name"]) == ["ja", "nej"]
        elif field["type"] == "integer":
            assert (dv.type, dv.operator) == ("whole", "greaterThanOrEqual")
            assert dv.formula1 == str(rules["minimum"])
        assert dv.showErrorMessage and range_boundaries(str(dv.sqref))[1::2] == (2, len(rows) + 1)
    if "municipality_code" in names:
        assert listed("municipality_code") == muni_labels  # 33 names: on the hidden sheet
    if "county_code" in names:
        assert listed("county_code") == ["12 Skåne län"]

    column = {name: [r[i] for r in rows] for i, name in enumerate(names)}
    if table == "so_survey":
        assert column["municipality_code"] == muni_labels
    elif table == "minors_assignments":
        assert len(rows) == 66
        assert list(zip(column["municipality_code"], column["basis"], strict=True))[:2] == [
            ("1214 Svalöv", "anknytning"),
            ("1214 Svalöv", "maluppfyllnad"),
        ]
    elif table == "establishment_exits":
        assert column["outcome"] == ["arbete", "studier", "ovrigt"]
        assert column["county_code"] == ["12 Skåne län"] * 3
    else:
        assert len(rows) == workbook.PROJECT_ROWS
        assert all(v is None for v in column["project_id"])

    explained = list(book["Förklaring"].iter_rows(values_only=True))
    by_name = {r[1]: r for r in explained if r[1] in swedish}
    for field in data.resources[table]["schema"]["fields"]:
        assert by_name[field["name"]][0] == field["lansbok:title_sv"]
        assert by_name[field["name"]][2] == field["lansbok:description_sv"]
    text = " ".join(str(v) for r in explained for v in r if v)
    assert f"lansbok import {table} {table}.xlsx --lan 12" in text
    assert "officiella för Skåne län" in text and "12 Skåne län" in text
    assert ("numreras" in text) == (table in workbook.PROJECT_NUMBERING)
    assert book.properties.creator == "lansbok" and "Skåne län" in book.properties.title


def test_template_bytes_are_the_same_each_time(data, skane, tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    one = workbook.write_template(data, "so_survey", skane, tmp_path / "a" / "t.xlsx")
    two = workbook.write_template(data, "so_survey", skane, tmp_path / "b" / "t.xlsx")
    assert one.read_bytes() == two.read_bytes()


def test_project_numbering_matches_the_schema(data):
    for table, (prefix, scope, digits) in workbook.PROJECT_NUMBERING.items():
        fields = {f["name"]: f for f in data.resources[table]["schema"]["fields"]}
        code = "12" if scope == "county_code" else "1280"
        example = workbook._project_id(prefix, code, 7, digits)
        assert re.fullmatch(fields["project_id"]["constraints"]["pattern"], example)


@pytest.mark.parametrize("table", TABLES)
def test_filled_template_reads_back_the_rows_typed_as_the_table(data, skane, table, tmp_path):
    expected = county_rows(data, table)
    assert len(expected) > 0
    path = workbook.write_template(data, table, skane, tmp_path / "filled.xlsx")
    # 37 a § ids left blank: numbered in row order they are the sample's own ids again.
    fill(path, data, table, expected, blank_ids=table == "s37a_grants")
    read = workbook.read_filled(path, data, table, skane)
    pd.testing.assert_frame_equal(read, expected)
    assert (read.dtypes == data.table(table).dtypes).all()


def csv_text(data, table, frame, swedish=True, sep=";"):
    columns = headers(data, table)
    out = frame.copy()
    for column in out.columns:
        values = [
            shown(data, column, v) if column != "municipality_code" else v for v in out[column]
        ]
        out[column] = pd.Series(values, index=out.index, dtype=object)
    if swedish:
        out = out.rename(columns=columns)
    return out.to_csv(index=False, sep=sep, lineterminator="\r\n")


@pytest.mark.parametrize(
    ("swedish", "sep", "encoding"),
    [(True, ";", "utf-8-sig"), (True, ";", "cp1252"), (False, ",", "utf-8")],
)
def test_csv_reads_the_same(data, skane, tmp_path, swedish, sep, encoding):
    expected = county_rows(data, "so_survey")
    path = tmp_path / "so.csv"
    path.write_bytes(csv_text(data, "so_survey", expected, swedish, sep).encode(encoding))
    read = workbook.read_filled(path, data, "so_survey", skane)
    pd.testing.assert_frame_equal(read, expected)


def test_numbering_keeps_typed_ids_and_skips_their_numbers(data, skane, tmp_path):
    path = workbook.write_template(data, "tia_grants", skane, tmp_path / "tia.xlsx")
    book = load_workbook(path)
    sheet = book["Data"]
    for row, project in ((2, None), (3, "TIA-12-001"), (4, None), (6, None)):  # row 5 empty
        sheet.cell(row, 2).value = project
        for column, value in zip(range(4, 9), ("kommun", "hälsa", 50000, 3, 2), strict=True):
            sheet.cell(row, column).value = value
    book.save(path)
    read = workbook.read_filled(path, data, "tia_grants", skane)
    assert list(read["project_id"]) == ["TIA-12-001", "TIA-12-002", "TIA-12-003", "TIA-12-004"]
    assert list(read["grant_sek"]) == [50000] * 4 and set(read["county_code"]) == {"12"}


def test_every_problem_is_named_by_row_and_column(data, skane, tmp_path):
    path = workbook.write_template(data, "tia_grants", skane, tmp_path / "tia.xlsx")
    book = load_workbook(path)
    sheet = book["Data"]
    good = ["TIA-12-010", "12 Skåne län", "kommun", "hälsa", 50000, 3, 2]
    bad = {
        3: (2, "TIA-01-001"),  # another county's project
        4: (4, "simning"),  # not allowed
        5: (6, "tre"),  # not a whole number
        6: (7, -1),  # below the minimum
        7: (5, None),  # required, empty
        8: (3, "01 Stockholms län"),  # another county
        9: (1, 2023),  # another year
        10: (2, "TIA-12-010"),  # the same project as row 2
        11: (6, "=1000*50"),  # a formula
        12: (4, "kommun\u202e"),  # a bidirectional override
        13: (5, "@hälsa"),  # text that starts as a formula, typed as text
        14: (2, "TIA-12-1"),  # not of the id's form
    }
    for row in range(2, 15):
        for column, value in enumerate(good, start=2):
            sheet.cell(row, column).value = value
        sheet.cell(row, 2).value = None
    sheet.cell(2, 2).value = "TIA-12-010"
    for row, (column, value) in bad.items():
        cell = sheet.cell(row, column)
        cell.value = value
        if isinstance(value, str) and value.startswith("@"):
            cell.data_type, cell.quotePrefix = "s", True
    book.save(path)
    with pytest.raises(DataError) as excinfo:
        workbook.read_filled(path, data, "tia_grants", skane)
    found = {(row, column): message for row, column, message in problems_of(excinfo)}
    assert all(p.file == str(path) for p in excinfo.value.problems)
    expected = {
        (3, "Projekt-id"): "hör till län 01",
        (4, "Organisationstyp"): "är inte tillåtet",
        (5, "Beviljat belopp (kr)"): "inte ett heltal",
        (6, "Deltagare, kvinnor"): "mindre än det minsta tillåtna, 0",
        (7, "Huvudsaklig inriktning"): "obligatorisk uppgift saknas",
        (8, "Län"): "inte Skåne län",
        (9, "År"): "året är 2023, men mallen gäller 2024",
        (10, "Projekt-id"): "samma Projekt-id som rad 2",
        (11, "Beviljat belopp (kr)"): "formel",
        (12, "Organisationstyp"): "U+202E",
        (13, "Huvudsaklig inriktning"): "som en formel",
        (14, "Projekt-id"): "inte rätt form",
    }
    for place, words in expected.items():
        assert words in found.get(place, ""), (place, found.get(place))
    assert len(found) == len(expected)


def test_other_county_municipality_and_header_problems(data, skane, tmp_path):
    path = tmp_path / "s37a.csv"
    path.write_text(
        "År;Kommun;Verksamhet;Samarbetspartner;Beviljat belopp (kr);Deltagare\n"
        "2024;1280 Malmö;flyktingguide;kommun;10 000;4\n"
        "2024;0114 Upplands Väsby;flyktingguide;kommun;10000;4\n"
        "2024;1280 Lund;flyktingguide;kommun;10000;4\n"
        ";;;;;\n"
        "2024;Lund;familjekontakt;kommun;5000;0\n",
        encoding="utf-8",
    )
    with pytest.raises(DataError) as excinfo:
        workbook.read_filled(path, data, "s37a_grants", skane)
    assert problems_of(excinfo) == [
        (3, "Kommun", "kommun 0114 ligger i län 01, inte i Skåne län"),
        (4, "Kommun", "kommunkod 1280 och namnet 'Lund' stämmer inte överens"),
    ]
    # Without the bad rows it reads, the ids left out numbered per municipality.
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([lines[0], lines[1], lines[5]]), encoding="utf-8")
    read = workbook.read_filled(path, data, "s37a_grants", skane)
    assert list(read["project_id"]) == ["S37A-1280-01", "S37A-1281-01"]
    assert list(read["grant_sek"]) == [10000, 5000]

    path.write_text("År;Kommun;Verksamhet;Partner?;Beviljat belopp (kr)\n2024;1280;x;y;1\n")
    with pytest.raises(DataError) as excinfo:
        workbook.read_filled(path, data, "s37a_grants", skane)
    assert [(r, c) for r, c, _ in problems_of(excinfo)] == [
        (1, "Partner?"),
        (1, "Samarbetspartner"),
        (1, "Deltagare"),
    ]
    assert "okänd kolumn" in problems_of(excinfo)[0][2]
    assert problems_of(excinfo)[1][2] == "kolumnen saknas"


def test_a_municipality_that_did_not_answer_has_no_other_values(data, skane, tmp_path):
    path = tmp_path / "so.csv"
    path.write_text(
        "År;Kommun;Svarade på enkäten;Anordnare av SO;Form;Antal språk;Deltagare, kvinnor;"
        "Deltagare, män\n"
        "2024;1280 Malmö;nej;;;;;\n"
        "2024;1281 Lund;nej;komvux;;;;\n"
        "2024;1282 Landskrona;;komvux;;;;\n",
        encoding="cp1252",
    )
    with pytest.raises(DataError) as excinfo:
        workbook.read_filled(path, data, "so_survey", skane)
    assert [(r, c) for r, c, _ in problems_of(excinfo)] == [
        (3, "Anordnare av SO"),
        (4, "Svarade på enkäten"),
    ]
    assert "svarade inte" in problems_of(excinfo)[0][2]
    assert "obligatorisk" in problems_of(excinfo)[1][2]


def test_minors_zero_and_duplicates(data, skane, tmp_path):
    path = tmp_path / "minors.csv"
    path.write_text(
        "year,municipality_code,basis,children\n"
        "2024,1280,anknytning,0\n"
        "2024,1280,maluppfyllnad,2\n"
        "2024,1280,Maluppfyllnad,3\n",
        encoding="utf-8",
    )
    with pytest.raises(DataError) as excinfo:
        workbook.read_filled(path, data, "minors_assignments", skane)
    assert [(r, c) for r, c, _ in problems_of(excinfo)] == [
        (2, "Antal barn"),
        (4, "Kommun, Grund för anvisning"),
    ]
    assert "lämna raden tom" in problems_of(excinfo)[0][2]


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("filled.ods", b"PK\x03\x04", "filtypen .ods"),
        ("filled.xlsx", b"year;x\n", "ingen xlsx-arbetsbok"),
        ("filled.xlsx", b"\xd0\xcf\x11\xe0rest", ".xls"),
        ("filled.xlsx", b"PK\x03\x04broken", "ingen läsbar xlsx-arbetsbok"),
        ("filled.csv", b"PK\x03\x04", "döp om den till .xlsx"),
        ("filled.csv", b"", "empty"),
    ],
)
def test_files_that_are_not_a_workbook_or_csv_are_refused(
    data, skane, tmp_path, name, content, words
):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DataError) as excinfo:
        workbook.read_filled(path, data, "so_survey", skane)
    assert words in str(excinfo.value)


def test_huge_files_are_refused(data, skane, tmp_path, monkeypatch):
    path = workbook.write_template(data, "so_survey", skane, tmp_path / "so.xlsx")
    monkeypatch.setattr(workbook, "MAX_XLSX_BYTES", 1000)
    with pytest.raises(DataError, match="för stor"):
        workbook.read_filled(path, data, "so_survey", skane)
    monkeypatch.setattr(workbook, "MAX_XLSX_BYTES", 10**8)
    monkeypatch.setattr(workbook, "MAX_UNPACKED_BYTES", 10_000)
    with pytest.raises(DataError, match="packas upp"):
        workbook.read_filled(path, data, "so_survey", skane)
    monkeypatch.setattr(workbook, "MAX_ROWS", 10)
    many = tmp_path / "many.csv"
    many.write_text("year,municipality_code\n" + "2024,1280\n" * 20)
    with pytest.raises(DataError, match="fler än 10 rader"):
        workbook.read_filled(many, data, "so_survey", skane)


def test_reading_writes_nothing(data, skane, tmp_path):
    path = workbook.write_template(data, "so_survey", skane, tmp_path / "so.xlsx")
    fill(path, data, "so_survey", county_rows(data, "so_survey"))

    def state(folder):
        return {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in folder.rglob("*") if p.is_file()}

    before, data_before = state(tmp_path), state(DEFAULT_DATA_DIR)
    workbook.read_filled(path, data, "so_survey", skane)
    assert state(tmp_path) == before and state(DEFAULT_DATA_DIR) == data_before


def test_only_county_file_tables(data, skane, tmp_path):
    assert data.county_file_tables() == sorted(TABLES, key=list(data.resources).index)
    with pytest.raises(workbook.UnknownTable, match="not filled in by a county board"):
        workbook.write_template(data, "reception", skane, tmp_path / "r.xlsx")
    with pytest.raises(workbook.UnknownTable, match="tia_grants"):
        workbook.read_filled(tmp_path / "r.csv", data, "nope", skane)


def test_cli_template(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["template", "minors_assignments", "--lan", "Skåne"])
    assert result.exit_code == 0, result.output
    assert "wrote minors_assignments_12_2024.xlsx" in result.output
    assert load_workbook(tmp_path / "minors_assignments_12_2024.xlsx")["Data"].max_row == 67
    again = runner.invoke(app, ["template", "minors_assignments", "--lan", "M"])
    assert again.exit_code == 1 and "--force" in again.output
    forced = runner.invoke(app, ["template", "minors_assignments", "--lan", "M", "--force"])
    assert forced.exit_code == 0, forced.output
    out = tmp_path / "x" / "so.xlsx"
    (tmp_path / "x").mkdir()
    result = runner.invoke(app, ["template", "so_survey", "--lan", "12", "--out", str(out)])
    assert result.exit_code == 0 and out.exists()
    for args, words in (
        (["reception", "--lan", "12"], "not filled in by a county board"),
        (["nope", "--lan", "12"], "tia_grants, s37a_grants, so_survey"),
        (["so_survey", "--lan", "SE"], "one county"),
        (["so_survey", "--lan", "99"], "unknown county"),
    ):
        result = runner.invoke(app, ["template", *args])
        assert result.exit_code == 2 and words in result.output, result.output
