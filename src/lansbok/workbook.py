"""County workbooks: the tables no producer publishes, which a county board keeps its own
records of (resources marked `lansbok:county_file` in the data package), as an Excel workbook
for one county to fill in (`write_template`) and read back (`read_filled`).

The workbook has a sheet "Data" with the table's columns under their Swedish headers (the
fields' `lansbok:title_sv`), the edition year and the county filled in, and the rows whose keys
are known prefilled (one per municipality, per municipality and basis, per outcome); a project
table gets empty rows. Allowed values are drop-down lists (long lists on the hidden sheet
"Listor"), counts are whole-number validations. The sheet "Förklaring" explains each column
(`lansbok:description_sv`) and how to return the file.

A filled workbook, or a CSV with the same headers or the table's own column names, is read back
as the county's rows, typed as `Dataset.table` types the table. Every problem is collected with
the file's row number (header = row 1) and the Swedish header of its column, and raised together
as one DataError. Excel's validations are only a help while typing (a pasted value passes them):
the reader checks everything again.

Project ids: a blank one is numbered by the reader in row order (TIA-12-001, S37A-1280-01, the
next number not typed elsewhere in the file); a typed one is kept, so that a project keeps its
id from one import to the next once it has one.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import re
import stat
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.writer.excel import ExcelWriter

from lansbok.data import (
    COUNTY_FILE,
    FORBIDDEN_CHARACTERS,
    MAX_TEXT,
    DataError,
    Dataset,
    Problem,
    Problems,
    atomic_write,
)
from lansbok.geography import Geography
from lansbok.importers import read_export
from lansbok.safe import FORMULA_START

TITLE_SV = "lansbok:title_sv"
DESCRIPTION_SV = "lansbok:description_sv"
DATA_SHEET, HELP_SHEET, LISTS_SHEET = "Data", "Förklaring", "Listor"

PROJECT_ROWS = 300  # empty rows of a project table; more can be added below them
# How the reader numbers a blank project id: prefix, the column whose code follows it, digits
# of the running number (the schema's pattern: TIA-\d{2}-\d{3}, S37A-\d{4}-\d{2}).
PROJECT_NUMBERING = {
    "tia_grants": ("TIA", "county_code", 3),
    "s37a_grants": ("S37A", "municipality_code", 2),
}
INLINE_LIST_LIMIT = 255  # characters of an inline list Excel accepts
MAX_XLSX_BYTES = 20_000_000  # a filled template is some ten kilobytes
MAX_UNPACKED_BYTES = 200_000_000  # a workbook is a zip archive: refuse one that unpacks huge
MAX_ROWS = 100_000  # rows read from a sheet or CSV
MAX_NUMBER = 10**15  # larger than any count or grant in kronor
YES, NO = "ja", "nej"
FIXED_TIME = dt.datetime(1980, 1, 1)  # the earliest date a zip entry can carry
BOOLEANS = {
    "ja": True,
    "nej": False,
    "sant": True,
    "falskt": False,
    "true": True,
    "false": False,
    "1": True,
    "0": False,
}
# A row whose flag is "nej" has no other values: a municipality that did not answer the
# survey (so_survey's description in the data package).
UNANSWERED = {"so_survey": "answered"}
TYPE_SV = {"integer": "heltal", "boolean": "ja/nej", "string": "text"}


class UnknownTable(ValueError):
    """A table that is not in the data package, or not one a county board fills in."""


@dataclass(frozen=True)
class Column:
    """A field of a county file table, as the workbook shows it."""

    name: str
    header: str  # Swedish
    description: str  # Swedish
    kind: str  # integer, string or boolean (the Table Schema type)
    required: bool
    enum: tuple[str, ...] = ()
    minimum: int | None = None
    pattern: str | None = None


def check_table(data: Dataset, table: str) -> dict[str, Any]:
    """The resource of a county file table; UnknownTable naming the allowed ones otherwise."""
    allowed = ", ".join(data.county_file_tables())
    if table not in data.resources:
        raise UnknownTable(f"unknown table {table!r}. Tables a county board fills in: {allowed}")
    if table not in data.county_file_tables():
        raise UnknownTable(
            f"table {table!r} is not filled in by a county board (it has no "
            f"{COUNTY_FILE}). Tables a county board fills in: {allowed}"
        )
    return data.resources[table]


def columns(data: Dataset, table: str) -> list[Column]:
    """The table's fields in schema order, with their Swedish headers and explanations."""
    out = []
    for spec in check_table(data, table)["schema"]["fields"]:
        rules = spec.get("constraints", {})
        out.append(
            Column(
                name=spec["name"],
                header=spec.get(TITLE_SV, spec["name"]),
                description=spec.get(DESCRIPTION_SV, ""),
                kind=spec.get("type", "string"),
                required=bool(rules.get("required", False)),
                enum=tuple(rules.get("enum", ())),
                minimum=rules.get("minimum"),
                pattern=rules.get("pattern"),
            )
        )
    return out


def _is_project_table(resource: dict[str, Any]) -> bool:
    return any(f["name"] == "project_id" for f in resource["schema"]["fields"])


def _fixed_columns(resource: dict[str, Any]) -> set[str]:
    """Columns the template fills in: the year, the county and, unless rows are projects, the
    key. A row with nothing in the other columns holds no record and is not read."""
    names = {f["name"] for f in resource["schema"]["fields"]}
    fixed = {"year", "county_code"} & names
    if not _is_project_table(resource):
        fixed |= set(resource["schema"].get("primaryKey", []))
    return fixed


def _municipalities(data: Dataset, county: Geography) -> pd.DataFrame:
    table = data.table("municipalities")
    return table[table["county_code"] == county.code].sort_values("municipality_code")


def _label(code: str, name: str) -> str:
    """How a code is shown in the workbook: "1280 Malmö", "12 Skåne län"."""
    return f"{code} {name}"


def _prefilled(data: Dataset, resource: dict[str, Any], county: Geography) -> list[dict]:
    """The rows of the template as codes: the known keys of each row."""
    fields = [f["name"] for f in resource["schema"]["fields"]]
    if _is_project_table(resource):
        row = {"year": data.year} | (
            {"county_code": county.code} if "county_code" in fields else {}
        )
        return [dict(row) for _ in range(PROJECT_ROWS)]
    enums = {
        f["name"]: f.get("constraints", {}).get("enum", []) for f in resource["schema"]["fields"]
    }
    choices = {
        "year": [data.year],
        "county_code": [county.code],
        "municipality_code": list(_municipalities(data, county)["municipality_code"]),
    }
    key = resource["schema"]["primaryKey"]
    values = [choices.get(name) or enums[name] for name in key]
    return [dict(zip(key, combination, strict=True)) for combination in itertools.product(*values)]


def write_template(data: Dataset, table: str, county: Geography, path: Path | str) -> Path:
    """Write the workbook for `county` to fill in `table` of the edition `data.year` (see the
    module's description). The same data gives the same bytes. Returns the path written."""
    resource = check_table(data, table)
    if not county.is_county:
        raise ValueError(f"a template is for one county, not {county.name}")
    path = Path(path)
    cols = columns(data, table)
    munis = _municipalities(data, county)
    muni_labels = {
        r.municipality_code: _label(r.municipality_code, r.name_short) for r in munis.itertuples()
    }
    county_label = _label(county.code, county.name)
    rows = _prefilled(data, resource, county)

    book = Workbook()
    sheet = book.active
    sheet.title = DATA_SHEET
    help_sheet = book.create_sheet(HELP_SHEET)
    lists = book.create_sheet(LISTS_SHEET)
    lists.sheet_state = "hidden"
    lists.protection.sheet = True  # no password: it only guards against a slip

    bold = Font(bold=True)
    last = len(rows) + 1
    for index, col in enumerate(cols, start=1):
        letter = get_column_letter(index)
        _text(sheet.cell(1, index), col.header).font = bold
        shown = _choices(col, data, county_label, muni_labels)
        for row, values in enumerate(rows, start=2):
            cell = sheet.cell(row, index)
            code = values.get(col.name)
            if col.name == "county_code" and code is not None:
                _text(cell, county_label)
            elif col.name == "municipality_code" and code is not None:
                _text(cell, muni_labels[code])
            elif code is not None and col.kind == "integer":
                cell.value = code
            elif code is not None:
                _text(cell, str(code))
            if col.kind == "integer":
                cell.number_format = "0" if col.name == "year" else "#,##0"
            else:
                cell.number_format = "@"  # typed codes stay text ("0114", not 114)
        validation = _validation(col, data.year, shown, lists)
        if validation is not None:
            validation.add(f"{letter}2:{letter}{last}")
            sheet.add_data_validation(validation)
        longest = max([len(col.header), *(len(v) for v in shown), 8])
        sheet.column_dimensions[letter].width = min(longest + 3, 50)
    sheet.freeze_panes = "A2"

    _write_help(help_sheet, data, table, resource, county, cols, path.name)
    book.properties.title = f"{resource['title']}: {county.name}"
    book.properties.subject = f"Mall att fylla i: {table}, {county.name}, {data.year}"
    book.properties.creator = "lansbok"
    book.properties.language = "sv-SE"
    # The time of writing would make each copy differ: the fixed date of the zip entries.
    book.properties.created = book.properties.modified = FIXED_TIME
    atomic_write(path, _save(book))
    return path


def _choices(
    col: Column, data: Dataset, county_label: str, muni_labels: dict[str, str]
) -> list[str]:
    """The values a column may take, as the workbook shows them (empty: any)."""
    if col.name == "county_code":
        return [county_label]
    if col.name == "municipality_code":
        return list(muni_labels.values())
    if col.name == "year":
        return [str(data.year)]
    if col.kind == "boolean":
        return [YES, NO]
    return list(col.enum)


def _validation(col: Column, year: int, shown: list[str], lists) -> DataValidation | None:
    """Excel's help while typing: a drop-down list, or a whole number from the minimum."""
    common = {"showErrorMessage": True, "allow_blank": True, "errorTitle": "Värdet godtas inte"}
    if col.name == "year":
        return DataValidation(
            type="whole",
            operator="equal",
            formula1=str(year),
            error=f"Året ska vara {year}.",
            **common,
        )
    if shown:
        inline = '"' + ",".join(shown) + '"'
        if len(inline) <= INLINE_LIST_LIMIT and not any(("," in v or '"' in v) for v in shown):
            formula = inline
        else:  # a long list: on the hidden sheet, referenced by its range
            column = len(lists.column_dimensions) + 1
            lists.column_dimensions[get_column_letter(column)].width = 30
            _text(lists.cell(1, column), col.header)
            for row, value in enumerate(shown, start=2):
                _text(lists.cell(row, column), value)
            letter = get_column_letter(column)
            formula = f"{quote_sheetname(LISTS_SHEET)}!${letter}$2:${letter}${len(shown) + 1}"
        return DataValidation(
            type="list", formula1=formula, error="Välj ett av värdena i listan.", **common
        )
    if col.kind == "integer":
        minimum = col.minimum if col.minimum is not None else 0
        return DataValidation(
            type="whole",
            operator="greaterThanOrEqual",
            formula1=str(minimum),
            error=f"Skriv ett heltal, minst {minimum}.",
            **common,
        )
    return None


def _write_help(sheet, data, table, resource, county, cols, file_name: str) -> None:
    """The sheet that explains the workbook and each of its columns."""
    numbering = PROJECT_NUMBERING.get(table)
    lines = [
        ("Län", _label(county.code, county.name)),
        ("År", str(data.year)),
        ("Tabell", table),
        (
            "Fyll i",
            "Fyll i bladet Data med länsstyrelsens egna uppgifter. Skriv in värden: en cell med "
            "en formel godtas inte. En rad utan några uppgifter läses inte in.",
        ),
        (
            "Lämna tillbaka",
            f"Läs in filen med lansbok import {table} {file_name} --lan {county.code}. Filen "
            "kan också sparas som CSV (semikolon eller komma) med samma rubriker.",
        ),
        (
            "Status",
            f"När filen läses in blir länets rader i tabellen officiella för {county.name}; "
            "övriga län är fortfarande exempeldata.",
        ),
    ]
    if numbering:
        prefix, scope, digits = numbering
        own = county.code
        if scope == "municipality_code":
            own = _municipalities(data, county)["municipality_code"].iloc[0]
        where = "länet" if scope == "county_code" else "kommunen"
        lines.append(
            (
                "Projekt-id",
                "Lämna tomt så numreras projektet efter radordningen "
                f"({_project_id(prefix, own, 1, digits)} och framåt inom {where}, utan att ta "
                "ett nummer som redan står i filen). Skriv in id:t när ett projekt redan har "
                "ett, så att det behåller det vid nästa inläsning.",
            )
        )
    _text(sheet.cell(1, 1), f"Mall: {resource['title']}").font = Font(bold=True, size=13)
    wrap = Alignment(wrap_text=True, vertical="top")
    for row, (label, text) in enumerate(lines, start=2):
        _text(sheet.cell(row, 1), label).font = Font(bold=True)
        _text(sheet.cell(row, 2), text).alignment = wrap
        sheet.merge_cells(start_row=row, start_column=2, end_row=row, end_column=6)
        # Excel does not fit the height of a merged cell to its text: about 150 characters a line.
        sheet.row_dimensions[row].height = 15 * (1 + len(text) // 150)
    top = len(lines) + 2
    headers = [
        "Rubrik",
        "Kolumn i tabellen",
        "Förklaring",
        "Typ",
        "Tillåtna värden",
        "Obligatorisk",
    ]
    for index, header in enumerate(headers, start=1):
        _text(sheet.cell(top, index), header).font = Font(bold=True)
    for row, col in enumerate(cols, start=top + 1):
        allowed = _allowed_sv(col, data.year, county, numbering)
        required = YES if col.required else NO
        if col.name == "project_id":
            required = "nej (numreras om tomt)"
        kind = "kod" if col.name in ("county_code", "municipality_code") else TYPE_SV[col.kind]
        for index, value in enumerate(
            [col.header, col.name, col.description, kind, allowed, required], start=1
        ):
            _text(sheet.cell(row, index), value).alignment = wrap
    for letter, width in zip("ABCDEF", (24, 20, 70, 10, 40, 14), strict=True):
        sheet.column_dimensions[letter].width = width


def _allowed_sv(col: Column, year: int, county: Geography, numbering) -> str:
    if col.name == "year":
        return str(year)
    if col.name == "county_code":
        return _label(county.code, county.name)
    if col.name == "municipality_code":
        return f"en kommun i {county.name}, som i listan (kod och namn)"
    if col.name == "project_id" and numbering:
        prefix, scope, digits = numbering
        scope_sv = county.code if scope == "county_code" else "kommunkoden"
        return f"{prefix}-{scope_sv}-{'N' * digits}, eller tomt"
    if col.kind == "boolean":
        return f"{YES} eller {NO}"
    if col.enum:
        return ", ".join(col.enum)
    if col.minimum is not None:
        return f"heltal, minst {col.minimum}"
    return ""


def _text(cell, value: str):
    """A text cell that is text, never a formula, whatever it starts with."""
    cell.value = value
    cell.data_type = "s"
    if value.startswith(FORMULA_START):
        cell.quotePrefix = True
    return cell


def _save(book: Workbook) -> bytes:
    """The workbook's bytes, the same for the same content: openpyxl stamps the time it saves
    into the properties and each zip entry, so the entries are written again with a fixed
    date, FIXED_TIME (the properties carry the same, see write_template)."""
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(book, archive).save()
    fixed = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(raw.getvalue())) as source,
        zipfile.ZipFile(fixed, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, source.read(info.filename))
    return fixed.getvalue()


def _project_id(prefix: str, scope: str, number: int, digits: int) -> str:
    return f"{prefix}-{scope}-{number:0{digits}d}"


# Reading a filled workbook or CSV ------------------------------------------------------------


class _Refused(Exception):
    """A cell's value is refused; the message says why, in Swedish."""


Cell = tuple[Any, bool]  # (value, is a formula)


def read_filled(path: Path | str, data: Dataset, table: str, county: Geography) -> pd.DataFrame:
    """The county's rows of `table` from a filled template (.xlsx, as written by
    `write_template`, possibly edited in Excel or LibreOffice) or a CSV with the same headers
    or the table's column names: the table's columns in schema order, typed as
    `data.table(table)`, `year` the edition year, sorted by the primary key. Blank project ids
    are numbered in row order. Raises DataError with every problem (file, row with header = 1,
    Swedish column header); reads nothing else and writes nothing."""
    path = Path(path)
    resource = check_table(data, table)
    file = str(path)
    suffix = path.suffix.casefold()
    if suffix == ".xlsx":
        rows = _xlsx_rows(path)
    elif suffix in (".csv", ".txt"):
        rows = _csv_rows(path)
    else:
        raise DataError(
            [
                Problem(
                    file,
                    f"filtypen {path.suffix or '(ingen)'} läses inte: spara filen som .xlsx "
                    "(Excel-arbetsbok) eller .csv",
                )
            ]
        )
    return _Reader(file, data, table, resource, county).read(rows)


def _refuse(file: str, message: str) -> DataError:
    return DataError([Problem(file, message)])


def _xlsx_rows(path: Path) -> list[tuple[int, list[Cell]]]:
    """The rows of the workbook's sheet "Data" (or its first sheet), numbered as in Excel."""
    file = str(path)
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise _refuse(file, "inte en vanlig fil")
        if info.st_size > MAX_XLSX_BYTES:
            raise _refuse(file, f"filen är {info.st_size} byte, för stor för en ifylld mall")
        with path.open("rb") as handle:
            head = handle.read(8)
    except OSError as exc:
        raise _refuse(file, f"filen kan inte läsas: {exc.strerror}") from exc
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise _refuse(file, "en äldre Excel-fil (.xls): spara den som .xlsx")
    if not head.startswith(b"PK\x03\x04"):
        raise _refuse(file, "filen är ingen xlsx-arbetsbok (den är inte ett zip-arkiv)")
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(entry.file_size for entry in archive.infolist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise _refuse(file, f"filen är ingen läsbar xlsx-arbetsbok: {exc}") from exc
    if unpacked > MAX_UNPACKED_BYTES:
        raise _refuse(file, f"arbetsboken packas upp till {unpacked} byte, för stor")
    rows: list[tuple[int, list[Cell]]] = []
    try:
        book = load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds on a damaged file: none may escape
        raise _refuse(file, f"filen är ingen läsbar xlsx-arbetsbok: {exc}") from exc
    try:
        sheet = book[DATA_SHEET] if DATA_SHEET in book.sheetnames else book.worksheets[0]
        sheet.reset_dimensions()  # a saved dimension may be wrong: read every row there is
        for number, cells in enumerate(sheet.iter_rows(), start=1):
            if number > MAX_ROWS:
                raise _refuse(file, f"bladet har fler än {MAX_ROWS} rader")
            rows.append((number, [(c.value, c.data_type == "f") for c in cells]))
    except DataError:
        raise
    except Exception as exc:
        raise _refuse(file, f"bladet kan inte läsas: {exc}") from exc
    finally:
        book.close()
    return rows


def _csv_rows(path: Path) -> list[tuple[int, list[Cell]]]:
    """The rows of a CSV (semicolon, comma or tab separated, as its header has most of them),
    numbered by line."""
    file = str(path)
    try:
        with path.open("rb") as handle:
            if handle.read(4) == b"PK\x03\x04":
                raise _refuse(file, "en xlsx-arbetsbok med namnet .csv: döp om den till .xlsx")
    except OSError:
        pass  # read_export says why the file cannot be read
    text = read_export(path)  # a regular text file of a sane size, decoded
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: first.count(d) for d in ";,\t"}
    delimiter = max(counts, key=counts.get)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = []
    try:
        for cells in reader:
            if len(rows) >= MAX_ROWS:
                raise _refuse(file, f"filen har fler än {MAX_ROWS} rader")
            rows.append((reader.line_num, [(c, False) for c in cells]))
    except csv.Error as exc:
        raise DataError(
            [Problem(file, f"raden kan inte läsas som CSV: {exc}", reader.line_num + 1)]
        ) from exc
    return rows


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _header_key(value: Any) -> str:
    return unicodedata.normalize("NFC", str(value)).strip().casefold()


class _Reader:
    """Reads the rows of one file for one county, collecting problems."""

    def __init__(self, file, data, table, resource, county):
        self.file, self.data, self.table, self.county = file, data, table, county
        self.resource = resource
        self.cols = columns(data, table)
        self.by_name = {c.name: c for c in self.cols}
        self.fixed = _fixed_columns(resource)
        self.problems = Problems()
        munis = data.table("municipalities")
        self.muni_county = dict(zip(munis["municipality_code"], munis["county_code"], strict=True))
        self.muni_names = {
            code: {_header_key(name), _header_key(short)}
            for code, name, short in munis[["municipality_code", "name", "name_short"]].itertuples(
                index=False
            )
        }
        self.muni_by_name = {key: code for code, keys in self.muni_names.items() for key in keys}
        counties = data.table("counties")
        self.county_names = {
            _header_key(name)
            for name in counties.loc[counties["county_code"] == county.code, ["name", "name_short"]]
            .iloc[0]
            .tolist()
        } | {_header_key(county.name)}

    def problem(self, message: str, row: int | None = None, column: str | None = None) -> None:
        self.problems.add(Problem(self.file, message, row, column))

    def read(self, rows: list[tuple[int, list[Cell]]]) -> pd.DataFrame:
        rows = iter(rows)
        for number, cells in rows:
            if any(not _blank(v) for v, _ in cells):
                places = self.header(number, cells)
                break
        else:
            raise _refuse(self.file, "filen har ingen rubrikrad (den är tom)")
        if self.problems:  # the rows cannot be read into the right columns
            raise self.problems.error()
        records: list[tuple[int, dict]] = []
        for number, cells in rows:
            record = self.row(number, cells, places)
            if record is not None:
                records.append((number, record))
        self.number_projects(records)
        self.duplicates(records)
        if self.problems:
            raise self.problems.error()
        frame = pd.DataFrame([r for _, r in records], columns=[c.name for c in self.cols])
        dtypes = self.data.table(self.table).dtypes.to_dict()
        frame = frame.astype(dtypes)
        key = self.resource["schema"].get("primaryKey", [])
        return frame.sort_values(key, kind="stable").reset_index(drop=True)

    def header(self, number: int, cells: list[Cell]) -> dict[str, int]:
        """Column name -> position, from the header row (Swedish headers or column names)."""
        names = {}
        for col in self.cols:
            names[_header_key(col.header)] = col.name
            names[_header_key(col.name)] = col.name
        places: dict[str, int] = {}
        self.unnamed: list[int] = []
        for index, (value, _formula) in enumerate(cells):
            if _blank(value):
                self.unnamed.append(index)
                continue
            name = names.get(_header_key(value))
            shown = str(value).strip()[:40]
            if name is None:
                known = ", ".join(c.header for c in self.cols)
                self.problem(f"okänd kolumn {shown!r}; kolumnerna är: {known}", number, shown)
            elif name in places:
                self.problem("kolumnen finns två gånger", number, self.by_name[name].header)
            else:
                places[name] = index
        for col in self.cols:
            # A project id left out altogether is numbered, as blank ones are.
            if col.name not in places and col.name != "project_id":
                self.problem("kolumnen saknas", number, col.header)
        return places

    def row(self, number: int, cells: list[Cell], places: dict[str, int]) -> dict | None:
        """One row's record, or None for a row with no record (its problems are collected)."""

        def cell(name: str) -> Cell:
            index = places.get(name)
            return cells[index] if index is not None and index < len(cells) else (None, False)

        own = [cell(c.name) for c in self.cols if c.name not in self.fixed]
        if all(_blank(v) and not formula for v, formula in own):
            return None
        for index in self.unnamed:
            if index < len(cells) and not _blank(cells[index][0]):
                self.problem(
                    "ett värde i en kolumn utan rubrik",
                    number,
                    f"kolumn {get_column_letter(index + 1)}",
                )
        record, ok = {}, True
        for col in self.cols:
            value, formula = cell(col.name)
            try:
                record[col.name] = self.value(col, value, formula)
            except _Refused as refused:
                self.problem(str(refused), number, col.header)
                ok = False
        if ok and "project_id" in record:
            ok = self.check_project(number, record)
        flag = UNANSWERED.get(self.table)
        if ok and flag and record[flag] is False:
            for col in self.cols:
                if col.name not in self.fixed | {flag} and record[col.name] is not None:
                    self.problem(
                        f"kommunen svarade inte på enkäten ({col.header!r} ska vara tom)",
                        number,
                        col.header,
                    )
                    ok = False
        return record if ok else None

    def value(self, col: Column, value: Any, formula: bool) -> Any:
        """A cell's value as the table holds it; _Refused saying why not."""
        if formula:
            raise _Refused("cellen innehåller en formel; skriv in värdet (formler godtas inte)")
        if isinstance(value, str):
            found = FORBIDDEN_CHARACTERS.search(value)
            if found:
                char = found.group()
                label = unicodedata.name(char, "styrtecken")
                raise _Refused(f"tecknet U+{ord(char):04X} ({label}) är inte tillåtet i text")
            if len(value) > MAX_TEXT:
                raise _Refused(f"texten har {len(value)} tecken, fler än {MAX_TEXT}")
            value = unicodedata.normalize("NFC", value).strip()
        if _blank(value):
            if col.required and col.name != "project_id":
                raise _Refused("en obligatorisk uppgift saknas")
            return None
        if col.kind == "integer":
            number = _integer(value)
            if col.name == "year" and number != self.data.year:
                raise _Refused(f"året är {number}, men mallen gäller {self.data.year}")
            if col.minimum is not None and number < col.minimum:
                hint = " (lämna raden tom om det inte finns något)" if col.minimum == 1 else ""
                raise _Refused(f"{number} är mindre än det minsta tillåtna, {col.minimum}{hint}")
            return number
        if col.kind == "boolean":
            return _boolean(value)
        if col.name == "county_code":
            return self.county_code(value)
        if col.name == "municipality_code":
            return self.municipality_code(value)
        text = _text_value(value)
        if col.enum:
            for allowed in col.enum:
                if text.casefold() == allowed.casefold():
                    return allowed
            raise _Refused(f"{text[:40]!r} är inte tillåtet; välj ett av: {', '.join(col.enum)}")
        if col.pattern and not re.fullmatch(col.pattern, text):
            raise _Refused(f"{text[:40]!r} har inte rätt form")
        return text

    def county_code(self, value: Any) -> str:
        code, name = _code_and_name(value, 2)
        if code is None:
            raise _Refused(f"{str(value)[:40]!r} är ingen länskod; skriv {self.county.code}")
        if code != self.county.code:
            raise _Refused(f"län {code} är inte {self.county.name} ({self.county.code})")
        if name and _header_key(name) not in self.county_names:
            raise _Refused(f"länskod {code} och namnet {name[:40]!r} stämmer inte överens")
        return code

    def municipality_code(self, value: Any) -> str:
        code, name = _code_and_name(value, 4)
        if code is None:  # a name alone, as it is written in the data
            code = self.muni_by_name.get(_header_key(value))
            name = None
        if code is None or code not in self.muni_county:
            raise _Refused(f"okänd kommun {str(value)[:40]!r}; skriv kod och namn som i listan")
        if name and _header_key(name) not in self.muni_names[code]:
            raise _Refused(f"kommunkod {code} och namnet {name[:40]!r} stämmer inte överens")
        if self.muni_county[code] != self.county.code:
            raise _Refused(
                f"kommun {code} ligger i län {self.muni_county[code]}, inte i {self.county.name}"
            )
        return code

    def check_project(self, number: int, record: dict) -> bool:
        """A typed project id belongs to this county (or the row's municipality)."""
        given = record["project_id"]
        numbering = PROJECT_NUMBERING.get(self.table)
        if given is None or numbering is None:
            return True
        _prefix, scope, _digits = numbering
        own = record[scope]
        if given.split("-")[1] != own:
            where = "län" if scope == "county_code" else "kommun"
            self.problem(
                f"projekt-id {given} hör till {where} {given.split('-')[1]}, inte {own}",
                number,
                self.by_name["project_id"].header,
            )
            return False
        return True

    def number_projects(self, records: list[tuple[int, dict]]) -> None:
        """Number blank project ids in row order, skipping numbers typed in the file."""
        numbering = PROJECT_NUMBERING.get(self.table)
        if numbering is None:
            return
        prefix, scope, digits = numbering
        used: dict[str, set[int]] = {}
        for _number, record in records:
            if record["project_id"] is not None:
                used.setdefault(record[scope], set()).add(int(record["project_id"].split("-")[2]))
        following: dict[str, int] = {}
        for number, record in records:
            if record["project_id"] is not None:
                continue
            taken = used.setdefault(record[scope], set())
            candidate = following.get(record[scope], 1)
            while candidate in taken:
                candidate += 1
            if candidate >= 10**digits:
                self.problem(
                    f"fler projekt än numren räcker till ({10**digits - 1}); skriv in id:n",
                    number,
                    self.by_name["project_id"].header,
                )
                continue
            taken.add(candidate)
            following[record[scope]] = candidate + 1
            record["project_id"] = _project_id(prefix, record[scope], candidate, digits)

    def duplicates(self, records: list[tuple[int, dict]]) -> None:
        key = self.resource["schema"].get("primaryKey", [])
        shown = ", ".join(self.by_name[k].header for k in key if k != "year")
        first: dict[tuple, int] = {}
        for number, record in records:
            values = tuple(record[k] for k in key)
            if values in first:
                self.problem(f"samma {shown} som rad {first[values]}", number, shown)
            else:
                first[values] = number


def _integer(value: Any) -> int:
    if isinstance(value, bool):
        raise _Refused(f"{'sant' if value else 'falskt'} är inte ett heltal")
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not value.is_integer():
            raise _Refused(f"{value:g} är inte ett heltal".replace(".", ","))
        number = int(value)
    elif isinstance(value, str):
        # Swedish thousands separators: space, no-break space, narrow no-break space.
        digits = re.sub(r"[ \u00a0\u202f]", "", value)
        if not re.fullmatch(r"-?\d{1,16}", digits):
            raise _Refused(f"{value[:40]!r} är inte ett heltal")
        number = int(digits)
    else:
        raise _Refused(f"{str(value)[:40]!r} är inte ett heltal")
    if abs(number) > MAX_NUMBER:
        raise _Refused(f"{number} är orimligt stort")
    return number


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().casefold()
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    if text in BOOLEANS:
        return BOOLEANS[text]
    raise _Refused(f"{str(value)[:40]!r} är varken {YES} eller {NO}")


def _text_value(value: Any) -> str:
    if not isinstance(value, str):
        raise _Refused(f"{str(value)[:40]!r} är inte text")
    if value.startswith(FORMULA_START):
        raise _Refused(f"texten börjar med {value[0]!r} som en formel; skriv bara värdet")
    return value


def _code_and_name(value: Any, digits: int) -> tuple[str | None, str | None]:
    """("1280", "Malmö") from "1280 Malmö", 1280 or "1280"; (None, None) if no code leads."""
    if isinstance(value, bool):
        return None, None
    if isinstance(value, int | float) and float(value).is_integer():
        return str(int(value)).zfill(digits), None
    match = re.fullmatch(rf"(\d{{1,{digits}}})(?:\s+(.+))?", str(value).strip())
    if not match:
        return None, None
    return match.group(1).zfill(digits), match.group(2)
