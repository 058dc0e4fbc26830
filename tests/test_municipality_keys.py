"""The cache keys of municipality pages (no kernel runs): a change of one municipality's data
executes its own page, and its county's other municipality pages only when what they show
changes (the county's figures, or which of their counts are suppressed)."""

import pytest
from conftest import edit_csv

from lansbok.data import load
from lansbok.geography import municipalities
from lansbok.run import TEMPLATES_DIR, plan


def keys(data_dir, tmp_path) -> dict[str, str]:
    data = load(data_dir).edition(2024)
    every = municipalities(data.table("municipalities"))
    jobs = plan(every, ["kommun"], data, data_dir, tmp_path, TEMPLATES_DIR)
    return {job.geo.code: job.key for job in jobs}


def changed(before: dict, after: dict) -> set[str]:
    return {code for code in before if before[code] != after[code]}


def so_row(data_dir, code: str) -> str:
    path = data_dir / "so_survey.csv"
    return next(line for line in path.read_text().splitlines() if line.startswith(f"2024,{code},"))


def test_a_municipalitys_own_answer_executes_its_page_only(data_copy, tmp_path):
    before = keys(data_copy, tmp_path)
    assert len(before) == 290
    row = so_row(data_copy, "1280")  # Malmö gives SO in one language more
    cells = row.split(",")
    cells[5] = str(int(cells[5]) + 1)
    edit_csv(data_copy / "so_survey.csv", row, ",".join(cells))
    assert changed(before, keys(data_copy, tmp_path)) == {"1280"}


def test_a_change_of_the_countys_figures_executes_every_page_of_the_county(data_copy, tmp_path):
    before = keys(data_copy, tmp_path)
    # Seven women in SO moved from Lund to Upplands Väsby: Riket's figures stay, two counties'
    # change.
    for code, more in (("1281", -7), ("0114", 7)):
        row = so_row(data_copy, code)
        cells = row.split(",")
        cells[6] = str(int(cells[6]) + more)
        edit_csv(data_copy / "so_survey.csv", row, ",".join(cells))
    two_counties = {code for code in before if code[:2] in {"12", "01"}}
    assert len(two_counties) == 33 + 26
    assert changed(before, keys(data_copy, tmp_path)) == two_counties


@pytest.mark.parametrize("table", ["minors_assignments", "kommunmottagna"])
def test_a_protected_table_executes_every_page_of_the_county(data_copy, tmp_path, table):
    """Which counts of a municipality are suppressed depends on its county's rows: one moved
    from another municipality of Skåne to Malmö (the county's and Riket's figures stay)."""
    before = keys(data_copy, tmp_path)
    path = data_copy / f"{table}.csv"
    lines = [line.split(",") for line in path.read_text().splitlines()]
    year = max(c[0] for c in lines if c[1] == "1280")  # kommunmottagna ends in 2018
    malmo = next(c for c in lines if c[:2] == [year, "1280"])
    other = next(
        c
        for c in lines
        if c[0] == year and c[1][:2] == "12" and c[1] != "1280" and c[2] == malmo[2]
        if int(c[3]) >= 2
    )
    for cells, more in ((malmo, 1), (other, -1)):
        edit_csv(
            path, ",".join(cells), ",".join([*cells[:3], str(int(cells[3]) + more), *cells[4:]])
        )
    assert changed(before, keys(data_copy, tmp_path)) == {c for c in before if c[:2] == "12"}
