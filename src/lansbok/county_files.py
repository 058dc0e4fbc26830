"""A county board's own records, imported for its county: the tables no producer publishes
(TIA and 37 a § grants, the SO survey, the minors' assignments by basis, the exits from the
establishment programme), marked `lansbok:county_file` in data/datapackage.json.

`lansbok template TABLE --lan 12` writes a workbook for the county (`lansbok.workbook`);
`import_county` reads it back filled (or a CSV), replaces the county's rows of the edition's
year, and records the file for that county, which makes the county's rows official for it alone
(`Dataset.official_counties`). The sample then fills only the remainder: the other counties'
rows are drawn again by the table's recipe and rebalanced so that, with the official rows, they
still add up to the published national totals (`lansbok.sample.fill_remainder`). A file whose
rows exceed a published national total is refused; so is anything validation refuses. Nothing
is written unless the whole data package, with the import, passes `lansbok validate`.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from lansbok import sample
from lansbok.data import DataError, Problem, load
from lansbok.geography import Geography
from lansbok.importers import with_import, write_validated


def import_county(
    table: str, path: Path | str, county: Geography, data_dir: Path | str, year: int | None = None
) -> pd.DataFrame:
    """Replace the county's rows of `table` in the edition `year` (default: the latest) by the
    rows of a filled workbook or CSV, regenerate the other counties' sample rows around them and
    write the table; returns the county's rows. DataError, naming file, row and column, for a
    file with problems; nothing is written then."""
    from lansbok.workbook import read_filled

    path, data_dir = Path(path), Path(data_dir)
    dataset = load(data_dir)
    year = dataset.year if year is None else year
    if table not in dataset.county_file_tables():
        allowed = ", ".join(dataset.county_file_tables())
        raise DataError([Problem(str(path), f"{table!r} is not a county's own table ({allowed})")])
    if not county.is_county:
        raise DataError([Problem(str(path), f"{county.name} is not a county")])
    rows = read_filled(path, dataset.edition(year), table, county)
    whole = dataset.table(table)
    theirs = (whole["year"] == year) & (sample.county_codes(dataset, whole) == county.code)
    replaced = pd.concat([whole[~theirs], rows], ignore_index=True)
    descriptor = with_import(dataset.descriptor, table, path, [year], county.code)
    trial = dataset.with_table(table, replaced, descriptor)
    try:
        made = sample.generate(trial, year=year, tables=[table])[table]
    except sample.RemainderError as error:
        raise DataError([Problem(str(path), str(error))]) from None
    target = data_dir / dataset.resources[table]["path"]
    merged = sample.merged_with_file(target, made, year)
    write_validated(dataset, {table: (merged, [year])}, path, county=county.code)
    return rows
