"""Small numbers protect children: no count of 1-4 unaccompanied minors per municipality is
published, and no suppressed count can be recovered from what is published."""

import io
import zipfile

import numpy as np
import pandas as pd
import pytest
from conftest import edit_csv
from scipy.optimize import linprog

from lansbok import book, privacy
from lansbok.data import load, validate
from lansbok.geography import RIKET, resolve
from lansbok.sections import minors

PROTECTED = ["minors_assignments_2024", "minors_resettled_2024", "kommunmottagna"]


def shipped_tables(data) -> dict[str, pd.DataFrame]:
    """The protected tables as the data package zip ships them."""
    archive = zipfile.ZipFile(io.BytesIO(book.data_zip(data)))
    return {
        name: pd.read_csv(
            archive.open(f"lansbok-data/{data.resources[name]['path']}"),
            dtype=str,
            keep_default_na=False,
        )
        for name in PROTECTED
    }


def recoverable(published: pd.DataFrame, rule, data, symbol: str) -> list[tuple]:
    """Suppressed cells of a published table that an attacker can pin down to one value.

    The attacker knows every published cell, the exact county totals per category and overall
    (the book publishes them), every municipality's total over the categories where it is
    published, and that counts are not negative. For each suppressed cell, the smallest and
    largest value consistent with all of that are found by linear programming (the constraint
    matrix of a table with margins is totally unimodular, so the bounds are whole numbers)."""
    county_of = data.table("municipalities").set_index("municipality_code")["county_code"]
    frame = published.assign(county=published["municipality_code"].map(county_of))
    true = data.table(rule.resource).assign(county=lambda f: f["municipality_code"].map(county_of))
    category = rule.category
    exposed = []
    for key, part in frame.groupby([*rule.per, "county"]):
        key = key if isinstance(key, tuple) else (key,)
        hidden = part[part[rule.count] == symbol]
        if hidden.empty or part["municipality_code"].nunique() == 1:
            continue
        truth = true
        for column, value in zip([*rule.per, "county"], key, strict=True):
            truth = truth[truth[column].astype(str) == str(value)]
        variables = list(hidden.index)
        rows, rhs = [], []
        groups = part.groupby(category) if category else [(None, part)]
        for value, members in groups:
            subset = truth[truth[category] == value] if category else truth
            _relation(members, float(subset[rule.count].sum()), variables, symbol, rows, rhs, rule)
        _relation(part, float(truth[rule.count].sum()), variables, symbol, rows, rhs, rule)
        for variable in variables:
            objective = np.zeros(len(variables))
            objective[variables.index(variable)] = 1
            low = linprog(objective, A_eq=np.array(rows), b_eq=rhs, bounds=(0, None))
            high = linprog(-objective, A_eq=np.array(rows), b_eq=rhs, bounds=(0, None))
            assert low.status == 0, "the published figures must be consistent"
            if high.status == 0 and -high.fun - low.fun < 0.5:
                exposed.append((*key, *part.loc[variable, ["municipality_code"]].tolist()))
    return exposed


def _relation(members, total, variables, symbol, rows, rhs, rule) -> None:
    """members' counts sum to total: one equation over the suppressed ones."""
    row = np.zeros(len(variables))
    known = 0.0
    for index, value in members[rule.count].items():
        if value == symbol:
            row[variables.index(index)] = 1
        else:
            known += float(value)
    if row.any():
        rows.append(row)
        rhs.append(total - known)


@pytest.mark.parametrize("name", PROTECTED)
def test_no_small_count_is_shipped_and_none_can_be_recovered(dataset, name):
    rule = privacy.policy(dataset).rules[name]
    published = shipped_tables(dataset)[name]
    values = published[rule.count]
    numbers = pd.to_numeric(values[values != ".."])
    assert not numbers.between(1, 4).any()
    assert (values == "..").sum() > 0
    assert recoverable(published, rule, dataset, "..") == []


def test_the_shipped_zip_is_a_valid_data_package(dataset, tmp_path):
    zipfile.ZipFile(io.BytesIO(book.data_zip(dataset))).extractall(tmp_path)
    folder = tmp_path / "lansbok-data"
    problems = [p for p in validate(folder) if "lansbok:totals" not in p.message]
    assert problems == []
    shipped = load(folder)
    assert "lansbok:suppressed" in shipped.resources["minors_resettled_2024"]
    assert ".." in shipped.resources["minors_resettled_2024"]["schema"]["missingValues"]


def test_county_and_national_totals_stay_exact(dataset):
    skane = resolve("12", dataset.table("counties"))
    raw = dataset.table("minors_assignments_2024")
    munis = dataset.table("municipalities").set_index("municipality_code")["county_code"]
    in_skane = raw[raw["municipality_code"].map(munis) == "12"]["children"].sum()
    assert minors.figures(dataset, skane)["uam_assignments_total"].value == in_skane
    assert minors.figures(dataset, RIKET)["uam_assignments_total"].value == raw["children"].sum()


def test_a_page_table_shows_the_symbol_not_the_count(dataset):
    skane = resolve("12", dataset.table("counties"))
    table = minors.assignments_by_municipality(dataset, skane)
    cells = table[["anknytning", "maluppfyllnad", "children"]].to_numpy().ravel()
    shown = [v for v in cells if not isinstance(v, str)]
    assert all(v == 0 or v >= 5 for v in shown)
    assert ".." in set(cells)
    chart = minors.assignments_for_chart(table)
    assert (chart["children"] >= 5).all()


def _one_county(data_dir, rows: str) -> None:
    """Replace the assignments table by rows in Uppsala län (eight municipalities)."""
    header = "municipality_code,basis,children\n"
    (data_dir / "minors_assignments_2024.csv").write_text(header + rows, encoding="utf-8")


def test_a_lone_small_count_gets_a_partner(data_copy):
    # One small count in a county whose total is published: alone it would be the county's
    # total minus the other municipalities, so another municipality is suppressed with it.
    _one_county(data_copy, "0305,anknytning,3\n0319,anknytning,20\n0330,anknytning,9\n")
    data = load(data_copy)
    cells = privacy.protect(data, "minors_assignments_2024").cells
    hidden = cells[cells["suppressed"] & (cells["category"] == "anknytning")]
    assert set(hidden["municipality_code"]) >= {"0305"} and len(hidden) >= 2
    published = book.published_table(data, "minors_assignments_2024")
    rule = privacy.policy(data).rules["minors_assignments_2024"]
    assert recoverable(published, rule, data, "..") == []


def test_official_data_is_protected_too(data_copy):
    # The policy follows the table, not its status: an official table is suppressed the same.
    edit_csv(data_copy / "datapackage.json", '"status": "sample"', '"status": "official"', 99)
    data = load(data_copy)
    assert data.status("minors_assignments_2024") == "official"
    cells = privacy.protect(data, "minors_assignments_2024").cells
    assert cells.loc[cells["count"].between(1, 4), "suppressed"].all()


def test_the_threshold_is_configured_in_one_place(data_copy):
    edit_csv(data_copy / "datapackage.json", '"high": 4', '"high": 9')
    data = load(data_copy)
    assert privacy.policy(data).range_text == "1–9"
    cells = privacy.protect(data, "minors_assignments_2024").cells
    assert cells.loc[cells["count"].between(1, 9), "suppressed"].all()
