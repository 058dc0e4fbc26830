"""Importers for official exports, written into the data package as tidy official tables.

`kommunmottagna`: Migrationsverket's export "Kommunmottagna enligt ersättningsförordningen",
semicolon separated, UTF-8 with BOM, a few title rows, then one row per municipality with the
county name on the first row of each county, a "Delsumma" row per county and a "Totalt" row,
and per category a column of people and a "varav ensamk barn" column. Blank cells are 0 and
thousands are separated by spaces ("1 842").

`befolkning`: a CSV of population by region and year as SCB's statistical database exports it
(table BE0101A/BefolkningNy, "Folkmängden efter region och år"): a few title rows, then a header
starting with "region"; regions written "01 Stockholms län" (county), "0114 Upplands Väsby"
(municipality) or "00 Riket"; either one column per year ("2024") or a year column and a value
column. Comma, semicolon or tab separated, UTF-8 or Windows-1252. Counties go to `population`,
municipalities to `population_municipalities`.

Both importers read the file as an export and nothing else (`read_export`): a regular file of a
sane size, text (UTF-8 with or without BOM, UTF-16, or Windows-1252 as Excel re-saves it), not a
binary file renamed .csv. They stop listing after the first hundred problems and count the rest,
run in time linear in the file's size, and write nothing unless the merged tables pass the same
validation as `lansbok validate` (`write_validated`, on a copy of the data package).
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import hashlib
import io
import json
import re
import shutil
import stat
import tempfile
import unicodedata
from collections import Counter
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from lansbok.data import (
    DESCRIPTOR,
    DataError,
    Dataset,
    Problem,
    Problems,
    atomic_write,
    load,
    validate,
)

# Category code -> how its column header starts in the export.
CATEGORIES = {
    "kvotflykting": "kvotflykting",
    "abo": "person från anläggningsboende",
    "ebo": "person från eget boende",
    "ovriga": "övriga",
    "anhoriga": "anhöriga",
}
TOTAL = "totalt"

MAX_FILE_BYTES = 50_000_000  # real exports are well under a megabyte
MAX_COUNT = 20_000_000  # more people than live in Sweden: not a count of one municipality
MAX_CELL = 1_000  # characters; a longer cell is not part of an export
FIRST_YEAR = 2000  # the first year the kommunmottagna table takes (its Table Schema's minimum)
# What a file renamed .csv most often is, by its first bytes.
SIGNATURES = {
    b"\x89PNG": "a PNG image",
    b"PK\x03\x04": "a zip archive (an .xlsx workbook is one: save it as CSV)",
    b"\xd0\xcf\x11\xe0": "an old Excel workbook (.xls: save it as CSV)",
    b"%PDF": "a PDF document",
    b"\x1f\x8b": "a gzip archive",
    b"\xff\xd8\xff": "a JPEG image",
}


def read_export(path: Path) -> str:
    """The text of an export: a regular file, not empty, not too large, not binary; decoded
    from UTF-8 (with or without BOM), UTF-16 (with BOM, or without one when its zero bytes
    show it) or Windows-1252. Raises DataError naming the file otherwise."""
    file = str(path)

    def refuse(message: str) -> DataError:
        return DataError([Problem(file, message)])

    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):  # a FIFO or device would block or never end
            raise refuse("not a regular file")
        if info.st_size > MAX_FILE_BYTES:
            raise refuse(f"{info.st_size} bytes is too large for an export")
        data = path.read_bytes()
    except OSError as exc:
        raise refuse(f"cannot be read: {exc.strerror}") from exc
    if not data.strip():
        raise refuse("the file is empty")
    for signature, kind in SIGNATURES.items():
        if data.startswith(signature):
            raise refuse(f"this is {kind}, not a CSV export")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    elif b"\x00" in data[:4096]:
        head = data[:4096]
        even, odd = head[0::2].count(0), head[1::2].count(0)
        # UTF-16 text of mostly Latin letters has a zero in every other byte.
        if odd > len(head) // 4 and even == 0:
            encoding = "utf-16-le"
        elif even > len(head) // 4 and odd == 0:
            encoding = "utf-16-be"
        else:
            raise refuse("a binary file (it holds zero bytes), not a CSV export")
    else:
        encoding = "utf-8-sig"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        if encoding != "utf-8-sig":
            raise refuse(f"not valid {encoding.upper()} text") from None
        text = data.decode("cp1252", errors="replace")  # Excel's re-save on Windows
        if "\ufffd" in text:
            raise refuse("neither UTF-8 nor Windows-1252 text") from None
    if "\x00" in text:
        raise refuse("a binary file (it holds zero bytes), not a CSV export")
    return text.removeprefix("\ufeff")


def _cells_of(reader, problem, first_row: int = 0):
    """The rows of a csv reader; a row the csv module cannot read (a field larger than its
    limit) ends the file with a problem naming the row (the reader has counted it already;
    `first_row`: the rows of the file before the reader's first), not a traceback."""
    try:
        yield from reader
    except csv.Error as exc:
        problem(f"cannot read the row as CSV: {exc}", first_row + reader.line_num)


def _title_years(rows: list[list[str]]) -> list[tuple[int, int]]:
    """(row, year) for the years in the export's title ("Kommunmottagna … 2024.")."""
    found = []
    for row, cells in rows:
        for cell in cells:
            if "kommunmottagna" in cell.casefold():
                found += [(row, int(y)) for y in re.findall(r"\b(?:19|20)\d\d\b", cell)]
    return found


def _name_key(name: str) -> str:
    text = unicodedata.normalize("NFC", name).casefold().removesuffix(" län")
    return re.sub(r"[\s\-]", "", text)


def _number(cell: str) -> int:
    """A count as the export writes it: blank is 0, thousands separated by spaces. Raises
    ValueError for anything else (a sign, a decimal, a count no municipality could have)."""
    cell = cell.replace("\u00a0", "").replace(" ", "")
    if not cell:
        return 0
    if not cell.isascii() or not cell.isdigit() or len(cell) > 9:
        raise ValueError(cell)
    number = int(cell)
    if number > MAX_COUNT:
        raise ValueError(cell)
    return number


def parse_kommunmottagna(
    path: Path, municipalities: pd.DataFrame, counties: pd.DataFrame, year: int | None = None
):
    """Parse the export into a tidy frame (municipality_code, category, received,
    received_unaccompanied). With `year`, the year in the export's title must agree. Raises
    DataError naming file, row and column of every problem (the first hundred, then a count)."""
    problems = Problems()
    file = str(path)

    def problem(message: str, row: int | None = None, column: str | None = None) -> None:
        problems.add(Problem(file, message, row, column))

    county_by_name = {_name_key(r.name): r.county_code for r in counties.itertuples()}
    muni_by_name = {
        (r.county_code, _name_key(r.name_short)): r.municipality_code
        for r in municipalities.itertuples()
    }

    reader = csv.reader(io.StringIO(read_export(path), newline=""), delimiter=";")
    columns: dict[str, tuple[int, int]] = {}
    header: list[str] = []
    title_rows: list[tuple[int, list[str]]] = []
    records, county_rows, county_code, grand_total = [], {}, None, None
    for cells in _cells_of(reader, problem):
        row = reader.line_num
        if not columns:
            columns = _header_columns(cells)
            if columns:
                header = cells
            elif len(title_rows) < 20:
                title_rows.append((row, cells))
            continue
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):  # a shifted row would be read into the wrong columns
            problem(f"the row has {len(cells)} cells, the header {len(header)}", row)
            continue
        if too_long := [i for i, c in enumerate(cells) if len(c) > MAX_CELL]:
            problem(
                f"a cell of {len(cells[too_long[0]])} characters", row, _label(header, too_long[0])
            )
            continue
        if cells[0].strip():
            county_code = county_by_name.get(_name_key(cells[0]))
            if county_code is None:
                problem(f"unknown county {cells[0]!r}", row, "län (column 1)")
                continue
        name = cells[2].strip()
        values, bad = {}, False
        for key, pair in columns.items():
            counts = []
            for index in pair:
                try:
                    counts.append(_number(cells[index]))
                except ValueError:
                    problem(
                        f"value {cells[index]!r} is not a count (a whole number from 0 to "
                        f"{MAX_COUNT})",
                        row,
                        _label(header, index),
                    )
                    bad = True
            values[key] = tuple(counts)
        if bad:
            continue
        if name == "Totalt":
            grand_total = (row, values)
        elif name == "Delsumma":
            county_rows[county_code] = (row, values)
        else:
            code = muni_by_name.get((county_code, _name_key(name)))
            if code is None:
                problem(
                    f"unknown municipality {name!r} in county {county_code}",
                    row,
                    "kommun (column 3)",
                )
                continue
            records.append((row, code, county_code, values))
    if not columns and not problems:
        raise DataError(
            [
                Problem(
                    file,
                    "no header row with the categories and 'varav ensamk barn' "
                    "(an export of Kommunmottagna, semicolon separated)",
                )
            ]
        )
    if year is not None:
        for row, said in _title_years(title_rows):
            if said != year:
                problem(f"the export's title is for {said}, but --year is {year}", row)
    if problems:  # sums over rows that could not be read would only repeat these problems
        raise problems.error()

    for row, _code, _county, values in records:
        for i, label in enumerate(("people", "unaccompanied minors")):
            parts = sum(values[c][i] for c in CATEGORIES)
            if parts != values[TOTAL][i]:
                problem(
                    f"categories add up to {parts} {label}, Totalt says {values[TOTAL][i]}", row
                )
        for key, (people, unaccompanied) in values.items():
            if unaccompanied > people:
                problem(
                    f"{unaccompanied} unaccompanied minors of {people} people",
                    row,
                    _label(header, columns[key][1]),
                )
    totals = _sum_records(r[3] for r in records)
    by_county: dict[str, list] = {}
    for record in records:
        by_county.setdefault(record[2], []).append(record[3])
    for county, (row, values) in county_rows.items():
        county_sum = _sum_records(by_county.get(county, []))
        if county_sum != values:
            problem(
                f"county subtotal {values[TOTAL]} does not equal the sum of its municipalities "
                f"{county_sum.get(TOTAL, (0, 0))} (people, unaccompanied minors)",
                row,
            )
    if grand_total is None:
        problem("no 'Totalt' row")
    elif totals != grand_total[1]:
        problem(
            f"Totalt row {grand_total[1][TOTAL]} does not equal the sum of the municipalities "
            f"{totals.get(TOTAL, (0, 0))} (people, unaccompanied minors)",
            grand_total[0],
        )
    seen = Counter(r[1] for r in records)  # linear: a count per code, not a scan per row
    first_row = {}
    for row, code, _county, _values in records:
        if seen[code] > 1 and code in first_row:
            problem(f"municipality {code} appears twice (first in row {first_row[code]})", row)
        first_row.setdefault(code, row)
    if problems:
        raise problems.error()

    tidy = [
        (code, category, *values[category])
        for _row, code, _county, values in records
        for category in CATEGORIES
    ]
    return pd.DataFrame(
        tidy, columns=["municipality_code", "category", "received", "received_unaccompanied"]
    )


def _label(header: list[str], index: int) -> str:
    """A column as the export's header names it, shortened, with its number."""
    name = header[index].strip() if index < len(header) else ""
    name = name if len(name) <= 30 else name[:29] + "…"
    return f"{name} (column {index + 1})" if name else f"column {index + 1}"


def _header_columns(cells: list[str]) -> dict[str, tuple[int, int]]:
    """Column index of (people, of which unaccompanied) per category, from the header row."""
    lowered = [c.strip().casefold() for c in cells]
    if not any(c.startswith("varav ensamk") for c in lowered):
        return {}
    found = {}
    for key, start in {**CATEGORIES, TOTAL: TOTAL}.items():
        for i, cell in enumerate(lowered[:-1]):
            if cell.startswith(start) and lowered[i + 1].startswith("varav ensamk"):
                found[key] = (i, i + 1)
    return found if len(found) == len(CATEGORIES) + 1 else {}


def _sum_records(values_list) -> dict[str, tuple[int, int]]:
    total: dict[str, tuple[int, int]] = {}
    for values in values_list:
        for key, (people, unacc) in values.items():
            a, b = total.get(key, (0, 0))
            total[key] = (a + people, b + unacc)
    return total


def import_kommunmottagna(
    path: Path | str, year: int, data_dir: Path | str, record: dict | None = None
) -> pd.DataFrame:
    """Parse the export and replace that year's rows of data/kommunmottagna.csv; record the
    file's name and checksum in the data package (or `record`, see `write_validated`). Nothing
    is written if the file has problems or if the data package would not pass validation after
    the import."""
    path, data_dir = Path(path), Path(data_dir)
    last = dt.date.today().year
    if not FIRST_YEAR <= year <= last:
        raise DataError(
            [Problem(str(path), f"--year {year} is outside {FIRST_YEAR}–{last}", column="year")]
        )
    dataset = load(data_dir)
    resource = dataset.resources["kommunmottagna"]
    tidy = parse_kommunmottagna(
        path, dataset.table("municipalities"), dataset.table("counties"), year
    )
    tidy.insert(0, "year", year)
    if (data_dir / resource["path"]).exists():
        existing = dataset.table("kommunmottagna")
        tidy = pd.concat([existing[existing["year"] != year], tidy], ignore_index=True)
    tidy = tidy.sort_values(["year", "municipality_code", "category"])
    write_validated(dataset, {"kommunmottagna": (tidy, [year])}, path, record=record)
    return tidy[tidy["year"] == year]


def write_validated(
    dataset: Dataset,
    tables: dict[str, tuple[pd.DataFrame, list[int]]],
    source: Path,
    county: str | None = None,
    record: dict | None = None,
) -> None:
    """Write imported tables (name -> (table, years it covers)) and their import records into
    a copy of the data package, validate the copy as `lansbok validate` does, and only then
    replace the files in the data directory (each atomically, the descriptor last). A refused
    import leaves data/ byte for byte as it was. `county`: the file holds that county's rows
    of those years only (a county board's own file), which become official for it alone.

    The import record names `source` with its sha256 and today's date, unless `record` gives
    them (file, sha256, imported: a snapshot's, so that importing it again changes nothing),
    with any further keys that, with the year, say which earlier record it replaces."""
    data_dir = dataset.data_dir
    texts = {
        name: table.to_csv(index=False, lineterminator="\n") for name, (table, _) in tables.items()
    }
    descriptor = dataset.descriptor
    for name, (_table, years) in tables.items():
        descriptor = with_import(descriptor, name, source, years, county, record)
    descriptor_text = json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n"
    with tempfile.TemporaryDirectory(prefix="lansbok-import-") as tmp:
        trial = Path(tmp)
        for resource in dataset.resources.values():  # paths were checked by load()
            original, copied = data_dir / resource["path"], trial / resource["path"]
            copied.parent.mkdir(parents=True, exist_ok=True)
            if original.exists():
                shutil.copyfile(original, copied)
        for name, text in texts.items():
            (trial / dataset.resources[name]["path"]).write_text(text, encoding="utf-8")
        (trial / DESCRIPTOR).write_text(descriptor_text, encoding="utf-8")
        problems = validate(trial)
        if problems:
            raise DataError(
                [
                    Problem(
                        p.file.replace(str(trial), str(data_dir), 1),
                        f"after importing {source.name}: {p.message}",
                        p.row,
                        p.column,
                    )
                    for p in problems
                ],
                problems.more,
            )
    for name, text in texts.items():
        atomic_write(data_dir / dataset.resources[name]["path"], text)
    atomic_write(data_dir / DESCRIPTOR, descriptor_text)


def with_import(
    descriptor: dict,
    name: str,
    path: Path,
    years: list[int],
    county: str | None = None,
    record: dict | None = None,
) -> dict:
    """A copy of the descriptor with the imported file's name and checksum recorded for each
    year it covers (and the county, for a county's own file). It replaces the earlier records
    of those years (of that county, for a county's file); a record of the same file is kept as
    it was, so that importing a file again changes nothing. `record` gives file, sha256 and
    date instead (a snapshot's), and any further keys that, with the year, say which earlier
    records it replaces (a Kolada key figure: `kpi`)."""
    descriptor = copy.deepcopy(descriptor)
    resource = next(r for r in descriptor["resources"] if r["name"] == name)
    if record is None:
        record = {
            "file": path.name,
            "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            "imported": dt.date.today().isoformat(),
        }
    scope = {k: v for k, v in record.items() if k not in ("file", "sha256", "imported")}

    def within(earlier: dict) -> bool:  # of the same county and scope
        return earlier.get("county_code") == county and all(
            earlier.get(k) == v for k, v in scope.items()
        )

    imports = []
    for earlier in resource.get("lansbok:imports", []):
        replaced = (
            earlier["year"] in years
            and (county is None or earlier.get("county_code") == county)
            and all(earlier.get(k) == v for k, v in scope.items())
        )
        same_file = earlier["sha256"] == record["sha256"] and within(earlier)
        if not replaced or same_file:
            imports.append(earlier)
    recorded = {r["year"] for r in imports if within(r)}
    for year in years:
        if year not in recorded:
            imports.append({"year": year, **record} | ({"county_code": county} if county else {}))
    resource["lansbok:imports"] = sorted(
        imports, key=lambda i: (i["year"], i.get("county_code", ""), *map(str, i.values()))
    )
    return descriptor


REGION = re.compile(r"^\s*(\d{2}|\d{4})\s+\S")
YEAR_IN_HEADER = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
POPULATION_FIRST_YEAR = 1968  # the population table's Table Schema minimum
# SCB's disclosure control (the Cell Key Method) from reference year 2025: every published value
# above zero, totals included, is moved by a small random whole number, so a total no longer
# equals the sum of its parts exactly. SCB does not publish the largest move; a total may differ
# from the sum of its n parts by at most NOISE_PER_VALUE * (n + 1) (for Riket and its 21
# counties 110 people; the 2025 counties sum to 10 605 535, Riket is published as 10 605 520).
NOISE_FIRST_YEAR = 2025
NOISE_PER_VALUE = 5


def noise_tolerance(year: int, parts: int) -> int:
    """How far a total of `year` may be from the sum of its `parts` published parts."""
    return NOISE_PER_VALUE * (parts + 1) if year >= NOISE_FIRST_YEAR else 0


class Population(NamedTuple):
    """SCB's population export as tidy tables: per county (county_code, year, population) and
    per municipality (municipality_code, year, population), as far as the file gives them."""

    counties: pd.DataFrame
    municipalities: pd.DataFrame


def parse_population(path: Path, municipalities: pd.DataFrame, counties: pd.DataFrame):
    """Parse an SCB export into tidy tables per county and per municipality (`Population`).
    Municipalities are summed to their counties where the file has no county row; a county row
    or a Riket row in the file must equal the sum of what it contains (from 2025 within SCB's
    noise, `noise_tolerance`). Raises DataError naming file, row and column of every problem."""
    file = str(path)
    problems = Problems()
    first, last = POPULATION_FIRST_YEAR, dt.date.today().year

    def problem(message: str, row: int | None = None, column: str | None = None) -> None:
        problems.add(Problem(file, message, row, column))

    text = read_export(path)
    lines = text.splitlines()
    header_at = next(
        (
            i
            for i, line in enumerate(lines)
            if line.strip().strip('"').casefold().startswith("region")
        ),
        None,
    )
    if header_at is None:
        raise DataError([Problem(file, "no header row starting with 'region'")])
    # The header starts with "region" and then its separator: the most frequent of the three
    # (csv.Sniffer guesses from any character, and is slow on a long line).
    counts = {d: lines[header_at].count(d) for d in ",;\t"}
    delimiter = max(counts, key=counts.get)
    if not counts[delimiter]:
        raise DataError(
            [Problem(file, "cannot tell the separator: no comma, semicolon or tab", header_at + 1)]
        )
    reader = csv.reader(lines[header_at:], delimiter=delimiter)
    header = [c.strip() for c in next(reader)]
    lowered = [c.casefold() for c in header]
    if "år" in lowered:  # long layout: region, år, value
        year_col, value_col = lowered.index("år"), len(header) - 1
        layout = None
    else:  # wide layout: one column per year
        layout = {
            i: int(m.group(1)) for i, c in enumerate(header) if (m := YEAR_IN_HEADER.search(c))
        }
        if not layout:
            raise DataError([Problem(file, "the header names no year", header_at + 1)])
        for column, year in layout.items():
            if not first <= year <= last:
                problem(f"year {year} is outside {first}–{last}", header_at + 1, header[column])

    known_counties = set(counties["county_code"])
    county_of = municipalities.set_index("municipality_code")["county_code"].to_dict()
    values: dict[tuple[str, int], tuple[int, int]] = {}  # (region code, year) -> (value, row)
    for cells in _cells_of(reader, problem, header_at):
        row = header_at + reader.line_num
        if not cells or not any(c.strip() for c in cells):
            continue
        match = REGION.match(cells[0])
        if not match:
            if len(cells) > 1:
                problem(f"region {cells[0]!r} does not start with an SCB code", row, "region")
            continue  # a footnote line
        code = match.group(1)
        if len(code) == 2 and code != "00" and code not in known_counties:
            problem(f"unknown county code {code}", row, "region")
            continue
        if len(code) == 4 and code not in county_of:
            problem(f"unknown municipality code {code}", row, "region")
            continue
        columns = [(value_col, None)] if layout is None else list(layout.items())
        for column, year in columns:
            if year is None:
                try:
                    year = int(cells[year_col])
                except (ValueError, IndexError):
                    cell = cells[year_col][:20] if year_col < len(cells) else ""
                    problem(f"year {cell!r} is not a year", row, header[year_col])
                    continue
                if not first <= year <= last:
                    problem(f"year {year} is outside {first}–{last}", row, header[year_col])
                    continue
            try:
                cell = cells[column].replace("\u00a0", "").replace(" ", "")
                if len(cell) > 9 or not cell.lstrip("-").isdigit() or not cell.isascii():
                    raise ValueError(cell)
                number = int(cell)
            except (ValueError, IndexError):
                cell = cells[column][:20] if column < len(cells) else ""
                problem(f"value {cell!r} is not a whole number", row, header[column])
                continue
            if number > MAX_COUNT:
                problem(f"population {number} is more than Sweden's", row, header[column])
            elif number <= 0:
                problem(f"population {number} is not positive", row, header[column])
            elif (code, year) in values:
                problem(f"{code} for {year} appears twice", row, "region")
            else:
                values[(code, year)] = (number, row)
    if problems:
        raise problems.error()
    return population_tables(values, municipalities, counties, file)


def population_tables(
    values: dict[tuple[str, int], tuple[int, int | None]],
    municipalities: pd.DataFrame,
    counties: pd.DataFrame,
    file: str,
) -> Population:
    """SCB's population values ((region code, year) -> (population, row of the file or None);
    "00" Riket, two digits a county, four a municipality) as tidy tables, checked as one: a
    county given and summed from its municipalities must agree, Riket must equal the sum of
    the counties (from 2025 within SCB's noise, `noise_tolerance`), and a county given by its
    municipalities alone must have all of them. Raises DataError naming `file`. Both the CSV
    export and the JSON-stat responses of `lansbok fetch scb-befolkning` go through this."""
    problems = Problems()

    def problem(message: str, row: int | None = None, column: str | None = None) -> None:
        problems.add(Problem(file, message, row, column))

    known_counties = set(counties["county_code"])
    county_of = municipalities.set_index("municipality_code")["county_code"].to_dict()
    size = municipalities["county_code"].value_counts().to_dict()
    counties_tidy, municipalities_tidy = [], []
    by_county: dict[tuple[str, int], list[int]] = {}  # (county, year) -> its municipalities
    for (code, year), (number, _row) in values.items():
        if len(code) == 4:
            municipalities_tidy.append((code, year, number))
            by_county.setdefault((county_of[code], year), []).append(number)
    for year in sorted({year for _code, year in values}):
        for county in sorted(known_counties):
            given = values.get((county, year))
            parts = by_county.get((county, year), [])
            if given and parts and abs(sum(parts) - given[0]) > noise_tolerance(year, len(parts)):
                problem(
                    f"{county} for {year} is {given[0]}, its municipalities sum to {sum(parts)}",
                    given[1],
                    str(year),
                )
            if parts and not given and len(parts) != size[county]:
                problem(f"{county} for {year}: {len(parts)} of its {size[county]} municipalities")
                continue
            if given or parts:
                counties_tidy.append((county, year, given[0] if given else sum(parts)))
        counted = [t for t in counties_tidy if t[1] == year]
        riket = values.get(("00", year))
        if riket and len(counted) == len(known_counties):
            total = sum(t[2] for t in counted)
            if abs(total - riket[0]) > noise_tolerance(year, len(counted)):
                problem(f"Riket for {year} is {riket[0]}, the counties sum to {total}", riket[1])
    if problems:
        raise problems.error()
    if not counties_tidy:
        raise DataError([Problem(file, "no county or municipality rows")])
    return Population(
        pd.DataFrame(counties_tidy, columns=["county_code", "year", "population"]),
        pd.DataFrame(municipalities_tidy, columns=["municipality_code", "year", "population"])
        .sort_values(["year", "municipality_code"])
        .reset_index(drop=True),
    )


def import_population(path: Path | str, data_dir: Path | str) -> Population:
    """Parse SCB's export and replace the years it covers in data/population.csv (counties)
    and, where the file gives municipalities, in data/population_municipalities.csv; record
    the file for each year in the data package. Nothing is written if the file has problems."""
    path, data_dir = Path(path), Path(data_dir)
    dataset = load(data_dir)
    parsed = parse_population(path, dataset.table("municipalities"), dataset.table("counties"))
    write_population(dataset, parsed, path)
    return parsed


def write_population(
    dataset: Dataset, parsed: Population, source: Path, record: dict | None = None
) -> None:
    """Replace the years `parsed` covers in population and population_municipalities, with
    their import records (see `write_validated`)."""
    tables = {}
    for name, tidy, key in (
        ("population", parsed.counties, "county_code"),
        ("population_municipalities", parsed.municipalities, "municipality_code"),
    ):
        if tidy.empty:
            continue
        existing = dataset.table(name)
        merged = pd.concat(
            [existing[~existing["year"].isin(tidy["year"])], tidy], ignore_index=True
        ).sort_values(["year", key])
        tables[name] = (merged, sorted(int(y) for y in set(tidy["year"])))
    write_validated(dataset, tables, source, record=record)
