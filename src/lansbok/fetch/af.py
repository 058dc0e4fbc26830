"""Arbetsförmedlingen's open monthly file of job seekers: participants in the establishment
programme per county and sex in December.

The file's columns: MANAD, LANSKOD, KOMMUNKOD, KOEN, UNG_VUXEN, TILLHOR_ETABLERING,
FODELSELANDSGRUPP, AFKOD, ANTAL. What is assumed of it, and checked (a file that breaks an
assumption is refused with its file, row and column, never read in another sense):

- separated by semicolons, commas or tabs (the header tells which); text as `read_export` takes it;
- MANAD is a month written 2024-12, 202412, 2024M12 or 2024-12-01; only December is read, and
  each December the file has is a year imported;
- one row per municipality and group: KOMMUNKOD is the municipality's four-digit SCB code and
  LANSKOD its county (two digits; the county of the municipality must agree), no total rows;
- KOEN is kvinna/kvinnor/K or man/män/M (any case); a number is refused, since whether 1 is
  a man (as SCB codes it) or a woman cannot be told from the file;
- AFKOD 104 is the establishment programme and 105 its mapping phase ("kartläggning"): both
  count as participants; other codes are other programmes and are left out;
- ANTAL is a whole number of people, at least 0 (a masked small count, "..", is refused: the
  sum would not be the number of participants);
- UNG_VUXEN, TILLHOR_ETABLERING and FODELSELANDSGRUPP are groups that are summed over; a value
  such as "Totalt" there would count people twice and is refused.

A county with no row in a December is refused, not read as nought.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pandas as pd

from lansbok.data import DataError, Problem, Problems, load
from lansbok.fetch.snapshots import Snapshot
from lansbok.importers import MAX_COUNT, read_export, write_validated

SOURCE = "af-etablering"
PRODUCER = "Arbetsförmedlingen"
LICENCE = "Arbetsförmedlingens öppna data (villkor enligt Arbetsförmedlingen)"
TABLE = "establishment_participants"
COLUMNS = (
    "MANAD",
    "LANSKOD",
    "KOMMUNKOD",
    "KOEN",
    "UNG_VUXEN",
    "TILLHOR_ETABLERING",
    "FODELSELANDSGRUPP",
    "AFKOD",
    "ANTAL",
)
GROUPS = ("UNG_VUXEN", "TILLHOR_ETABLERING", "FODELSELANDSGRUPP")
ESTABLISHMENT = {"104", "105"}
MONTH = re.compile(r"^(\d{4})(?:-|M)?(\d{2})(?:-\d{2})?$")
SEX = {
    "kvinna": "kvinna",
    "kvinnor": "kvinna",
    "k": "kvinna",
    "man": "man",
    "män": "man",
    "m": "man",
}
TOTALS = {"totalt", "total", "samtliga", "alla"}


def parse(path: Path, municipalities: pd.DataFrame, counties: pd.DataFrame) -> pd.DataFrame:
    """December's participants (year, county_code, sex, participants) of every year the file
    covers. DataError naming file, row and column of every problem."""
    file = str(path)
    problems = Problems()

    def problem(message: str, row: int | None = None, column: str | None = None) -> None:
        problems.add(Problem(file, message, row, column))

    lines = read_export(path).splitlines()
    counts = {d: lines[0].count(d) for d in ";,\t"}
    delimiter = max(counts, key=counts.get)
    reader = csv.reader(lines, delimiter=delimiter)
    header = [c.strip().strip('"').upper() for c in next(reader)]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise DataError([Problem(file, f"no column {', '.join(missing)} in the header", 1)])
    at = {name: header.index(name) for name in COLUMNS}
    county_of = municipalities.set_index("municipality_code")["county_code"].to_dict()
    sums: dict[tuple[int, str, str], int] = {}
    try:
        for cells in reader:
            row = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            if len(cells) != len(header):
                problem(f"the row has {len(cells)} cells, the header {len(header)}", row)
                continue
            cell = {name: cells[i].strip() for name, i in at.items()}
            month = MONTH.match(cell["MANAD"])
            if not month or not 1 <= int(month.group(2)) <= 12:
                problem(f"{cell['MANAD'][:20]!r} is not a month (2024-12)", row, "MANAD")
                continue
            if int(month.group(2)) != 12 or cell["AFKOD"] not in ESTABLISHMENT:
                continue
            for name in GROUPS:
                if cell[name].casefold() in TOTALS:
                    problem(f"{cell[name]!r} is a total: rows would count twice", row, name)
            sex = SEX.get(cell["KOEN"].casefold())
            if sex is None:
                problem(f"{cell['KOEN'][:20]!r} is not kvinna or man", row, "KOEN")
            municipality = cell["KOMMUNKOD"]
            county = county_of.get(municipality)
            if county is None:
                problem(f"unknown municipality code {municipality[:20]!r}", row, "KOMMUNKOD")
            elif cell["LANSKOD"].zfill(2) != county:
                message = f"{municipality} lies in county {county}, not {cell['LANSKOD'][:20]!r}"
                problem(message, row, "LANSKOD")
            number = cell["ANTAL"].replace(" ", "").replace("\u00a0", "")
            if not number.isascii() or not number.isdigit() or int(number) > MAX_COUNT:
                problem(f"{cell['ANTAL'][:20]!r} is not a number of people", row, "ANTAL")
                continue
            if sex and county and len(problems) == 0:
                group = (int(month.group(1)), county, sex)
                sums[group] = sums.get(group, 0) + int(number)
    except csv.Error as exc:
        problem(f"cannot read the row as CSV: {exc}", reader.line_num + 1)
    if problems:
        raise problems.error()
    if not sums:
        raise DataError([Problem(file, "no December rows with AFKOD 104 or 105")])
    years = sorted({year for year, _, _ in sums})
    for year in years:
        for county in sorted(set(counties["county_code"]) - {c for y, c, _ in sums if y == year}):
            problem(f"county {county} has no rows for December {year}", column="LANSKOD")
    if problems:
        raise problems.error()
    tidy = [
        (year, county, sex, sums.get((year, county, sex), 0))
        for year in years
        for county in sorted(counties["county_code"])
        for sex in ("kvinna", "man")
    ]
    return pd.DataFrame(tidy, columns=["year", "county_code", "sex", "participants"])


def import_snapshot(snapshot: Snapshot, data_dir) -> list[str]:
    """Replace the establishment programme's participants of the years the file covers."""
    dataset = load(data_dir)
    [path] = snapshot.files
    tidy = parse(path, dataset.table("municipalities"), dataset.table("counties"))
    years = sorted(int(y) for y in tidy["year"].unique())
    existing = dataset.table(TABLE)
    table = pd.concat([existing[~existing["year"].isin(years)], tidy], ignore_index=True)
    table = table.sort_values(["year", "county_code", "sex"])
    write_validated(dataset, {TABLE: (table, years)}, snapshot.folder, record=snapshot.record())
    totals = tidy.groupby("year")["participants"].sum()
    return [f"imported December {y}: {n} participants" for y, n in totals.items()]
