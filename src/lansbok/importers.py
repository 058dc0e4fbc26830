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
column. Comma, semicolon or tab separated, UTF-8 or Windows-1252.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import re
import unicodedata
from pathlib import Path

import pandas as pd

from lansbok.data import DESCRIPTOR, DataError, Problem, atomic_write, load

# Category code -> how its column header starts in the export.
CATEGORIES = {
    "kvotflykting": "kvotflykting",
    "abo": "person från anläggningsboende",
    "ebo": "person från eget boende",
    "ovriga": "övriga",
    "anhoriga": "anhöriga",
}
TOTAL = "totalt"


def _name_key(name: str) -> str:
    text = unicodedata.normalize("NFC", name).casefold().removesuffix(" län")
    return re.sub(r"[\s\-]", "", text)


def _number(cell: str) -> int:
    cell = cell.replace("\u00a0", "").replace(" ", "")
    return int(cell) if cell else 0


def parse_kommunmottagna(path: Path, municipalities: pd.DataFrame, counties: pd.DataFrame):
    """Parse the export into a tidy frame (municipality_code, category, received,
    received_unaccompanied). Raises DataError naming file, row and column of every problem."""
    problems: list[Problem] = []
    file = str(path)

    def problem(message: str, row: int | None = None, column: str | None = None) -> None:
        problems.append(Problem(file, message, row, column))

    county_by_name = {_name_key(r.name): r.county_code for r in counties.itertuples()}
    muni_by_name = {
        (r.county_code, _name_key(r.name_short)): r.municipality_code
        for r in municipalities.itertuples()
    }

    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle, delimiter=";")
        columns: dict[str, tuple[int, int]] = {}
        records, county_rows, county_code, grand_total = [], {}, None, None
        for cells in reader:
            row = reader.line_num
            if not columns:
                columns = _header_columns(cells)
                continue
            if len(cells) < 3 or not any(c.strip() for c in cells):
                continue
            if cells[0].strip():
                county_code = county_by_name.get(_name_key(cells[0]))
                if county_code is None:
                    problem(f"unknown county {cells[0]!r}", row, "län (column 1)")
                    continue
            name = cells[2].strip()
            try:
                values = {
                    key: (_number(cells[people]), _number(cells[unacc]))
                    for key, (people, unacc) in columns.items()
                }
            except (ValueError, IndexError):
                problem("a count is not a whole number (or the row is short)", row)
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
    if not columns:
        raise DataError(
            [Problem(file, "no header row with the categories and 'varav ensamk barn'")]
        )
    if problems:  # sums over rows that could not be read would only repeat these problems
        raise DataError(problems)

    for row, _code, _county, values in records:
        for i, label in enumerate(("people", "unaccompanied minors")):
            parts = sum(values[c][i] for c in CATEGORIES)
            if parts != values[TOTAL][i]:
                problem(
                    f"categories add up to {parts} {label}, Totalt says {values[TOTAL][i]}", row
                )
    totals = _sum_records(r[3] for r in records)
    for county, (row, values) in county_rows.items():
        county_sum = _sum_records(r[3] for r in records if r[2] == county)
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
    seen = [r[1] for r in records]
    for code in {c for c in seen if seen.count(c) > 1}:
        problem(f"municipality {code} appears twice")
    if problems:
        raise DataError(problems)

    tidy = [
        (code, category, *values[category])
        for _row, code, _county, values in records
        for category in CATEGORIES
    ]
    return pd.DataFrame(
        tidy, columns=["municipality_code", "category", "received", "received_unaccompanied"]
    )


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


def import_kommunmottagna(path: Path | str, year: int, data_dir: Path | str) -> pd.DataFrame:
    """Parse the export and replace that year's rows of data/kommunmottagna.csv; record the
    file's name and checksum in the data package. Nothing is written if the file has problems."""
    path, data_dir = Path(path), Path(data_dir)
    dataset = load(data_dir)
    resource = dataset.resources["kommunmottagna"]
    tidy = parse_kommunmottagna(path, dataset.table("municipalities"), dataset.table("counties"))
    tidy.insert(0, "year", year)
    target = data_dir / resource["path"]
    if target.exists():
        existing = dataset.table("kommunmottagna")
        tidy = pd.concat([existing[existing["year"] != year], tidy], ignore_index=True)
    tidy = tidy.sort_values(["year", "municipality_code", "category"])
    atomic_write(target, tidy.to_csv(index=False, lineterminator="\n"))

    _record_import(dataset, "kommunmottagna", path, [year])
    return tidy[tidy["year"] == year]


def _record_import(dataset, name: str, path: Path, years: list[int]) -> None:
    """Record the imported file's name and checksum for each year it covers in the data
    package, replacing earlier imports of those years."""
    resource = dataset.resources[name]
    imports = [i for i in resource.get("lansbok:imports", []) if i["year"] not in years]
    sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
    imported = dt.date.today().isoformat()
    for year in years:
        imports.append({"year": year, "file": path.name, "sha256": sha256, "imported": imported})
    resource["lansbok:imports"] = sorted(imports, key=lambda i: i["year"])
    text = json.dumps(dataset.descriptor, ensure_ascii=False, indent=2) + "\n"
    atomic_write(dataset.data_dir / DESCRIPTOR, text)


REGION = re.compile(r"^\s*(\d{2}|\d{4})\s+\S")
YEAR_IN_HEADER = re.compile(r"\b(1[89]\d\d|20\d\d)\b")


def _read_text(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252")


def parse_population(path: Path, municipalities: pd.DataFrame, counties: pd.DataFrame):
    """Parse an SCB export into a tidy frame (county_code, year, population). Municipalities
    are summed to their counties; a county row or a Riket row in the file must equal the sum of
    what it contains. Raises DataError naming file, row and column of every problem."""
    file = str(path)
    problems: list[Problem] = []

    def problem(message: str, row: int | None = None, column: str | None = None) -> None:
        problems.append(Problem(file, message, row, column))

    text = _read_text(path)
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
    dialect = csv.Sniffer().sniff(lines[header_at], delimiters=",;\t")
    reader = csv.reader(lines[header_at:], dialect)
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

    known_counties = set(counties["county_code"])
    county_of = municipalities.set_index("municipality_code")["county_code"].to_dict()
    size = municipalities["county_code"].value_counts().to_dict()
    values: dict[tuple[str, int], tuple[int, int]] = {}  # (region code, year) -> (value, row)
    for cells in reader:
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
            try:
                year = year if year is not None else int(cells[year_col])
                cell = cells[column].replace("\u00a0", "").replace(" ", "")
                number = int(cell)
            except (ValueError, IndexError):
                cell = cells[column] if column < len(cells) else ""
                problem(f"value {cell!r} is not a whole number", row, header[column])
                continue
            if number <= 0:
                problem(f"population {number} is not positive", row, header[column])
            elif (code, year) in values:
                problem(f"{code} for {year} appears twice", row, "region")
            else:
                values[(code, year)] = (number, row)
    if problems:
        raise DataError(problems)

    years = sorted({year for _code, year in values})
    tidy = []
    for year in years:
        munis = {c: v for (c, y), v in values.items() if y == year and len(c) == 4}
        for county in sorted(known_counties):
            given = values.get((county, year))
            parts = [v for c, (v, _row) in munis.items() if county_of[c] == county]
            if given and parts and sum(parts) != given[0]:
                problem(
                    f"{county} for {year} is {given[0]}, its municipalities sum to {sum(parts)}",
                    given[1],
                    str(year),
                )
            if parts and not given and len(parts) != size[county]:
                problem(f"{county} for {year}: {len(parts)} of its {size[county]} municipalities")
                continue
            if given or parts:
                tidy.append((county, year, given[0] if given else sum(parts)))
        counted = [t for t in tidy if t[1] == year]
        riket = values.get(("00", year))
        if riket and len(counted) == len(known_counties):
            total = sum(t[2] for t in counted)
            if total != riket[0]:
                problem(f"Riket for {year} is {riket[0]}, the counties sum to {total}", riket[1])
    if problems:
        raise DataError(problems)
    if not tidy:
        raise DataError([Problem(file, "no county or municipality rows")])
    return pd.DataFrame(tidy, columns=["county_code", "year", "population"])


def import_population(path: Path | str, data_dir: Path | str) -> pd.DataFrame:
    """Parse SCB's export and replace the years it covers in data/population.csv; record the
    file in the data package. Nothing is written if the file has problems."""
    path, data_dir = Path(path), Path(data_dir)
    dataset = load(data_dir)
    tidy = parse_population(path, dataset.table("municipalities"), dataset.table("counties"))
    existing = dataset.table("population")
    merged = pd.concat([existing[~existing["year"].isin(tidy["year"])], tidy], ignore_index=True)
    merged = merged.sort_values(["year", "county_code"])
    target = data_dir / dataset.resources["population"]["path"]
    atomic_write(target, merged.to_csv(index=False, lineterminator="\n"))
    _record_import(dataset, "population", path, sorted(int(y) for y in set(tidy["year"])))
    return tidy
