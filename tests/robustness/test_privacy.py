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

PROTECTED = ["minors_assignments", "minors_resettled", "kommunmottagna"]
SYMBOL = ".."
# What a reader knows besides the cells, whatever the policy says: all people received are
# published beside the unaccompanied minors, and the Riket page gives the number of
# municipalities that children were assigned to.
BOUND_COLUMN = {"kommunmottagna": "received"}
RECEIVERS_PUBLISHED = {"minors_assignments"}


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


def published_cells(data, name: str) -> pd.DataFrame:
    """What a reader sees of a protected table, long: municipality_code, county, the `per`
    columns, category (TOTAL for a municipality's published total), the shown value (a number
    or the symbol), and the upper bound a published column gives (inf where none does).
    Assignments as the Riket page shows them (every municipality, with totals); the other
    tables as the data package zip ships them."""
    rule = privacy.policy(data).rules[name]
    county_of = data.table("municipalities").set_index("municipality_code")["county_code"]
    if name == "minors_assignments":
        page = minors.assignments_by_municipality(data, RIKET)
        long = page.melt(
            id_vars=["municipality_code"],
            value_vars=["anknytning", "maluppfyllnad", "children"],
            var_name="category",
            value_name="shown",
        ).replace({"category": {"children": privacy.TOTAL}})
        long["upper"], long["year"] = np.inf, data.year
    else:
        long = shipped_tables(data)[name].rename(columns={rule.count: "shown"})
        long["category"] = long[rule.category] if rule.category else privacy.TOTAL
        bound = BOUND_COLUMN.get(name)
        long["upper"] = long[bound].astype(float) if bound else np.inf
        for column in rule.per:
            long[column] = long[column].astype(int)
    long["shown"] = long["shown"].astype(str)
    return long.assign(county=long["municipality_code"].map(county_of))


def recoverable(data, name: str) -> list[tuple]:
    """Suppressed small counts (1-4) that a reader can pin down to one value from what is
    published: the shown cells, the exact county totals per category and overall, each
    municipality's total where it is shown, the bounds a published column gives, that counts
    are not negative, and, where the number of receiving municipalities is published and equals
    the number of municipalities listed, that every listed total is at least one. Each
    suppressed cell's smallest and largest possible value are found by linear programming (the
    constraint matrix of a table with margins is totally unimodular: the bounds are integers)."""
    rule = privacy.policy(data).rules[name]
    truth = privacy._dense_cells(data, rule).rename(columns={"county_code": "county"})
    keys = ["municipality_code", *rule.per, "category"]
    cells = published_cells(data, name).merge(truth[[*keys, "count"]], on=keys, how="left")
    receivers = (truth[truth["category"] == privacy.TOTAL]["count"] > 0).sum()
    listed = (cells["category"] == privacy.TOTAL).sum()
    totals_positive = name in RECEIVERS_PUBLISHED and listed == receivers
    exposed = []
    for key, part in cells.groupby([*rule.per, "county"]):
        if part["municipality_code"].nunique() == 1 or not (part["shown"] == SYMBOL).any():
            continue
        county = truth
        for column, value in zip([*rule.per, "county"], np.atleast_1d(key), strict=True):
            county = county[county[column].astype(str) == str(value)]
        hidden = list(part.index[part["shown"] == SYMBOL])
        rows, rhs = [], []
        for category, members in part.groupby("category"):
            total = float(county[county["category"] == category]["count"].sum())
            _equation(part, hidden, members.index, np.ones(len(members)), total, rows, rhs)
        if rule.category and (part["category"] == privacy.TOTAL).any():
            for _code, members in part.groupby("municipality_code"):
                signs = np.where(members["category"] == privacy.TOTAL, -1.0, 1.0)
                _equation(part, hidden, members.index, signs, 0.0, rows, rhs)
        bounds = [
            (
                1 if totals_positive and part.loc[i, "category"] == privacy.TOTAL else 0,
                None if np.isinf(part.loc[i, "upper"]) else part.loc[i, "upper"],
            )
            for i in hidden
        ]
        for i, index in enumerate(hidden):
            if not 1 <= part.loc[index, "count"] <= 4:
                continue  # a suppressed partner: its value is not a small count
            objective = np.zeros(len(hidden))
            objective[i] = 1
            low = linprog(objective, A_eq=np.array(rows), b_eq=rhs, bounds=bounds)
            high = linprog(-objective, A_eq=np.array(rows), b_eq=rhs, bounds=bounds)
            assert low.status == 0, "the published figures must be consistent"
            if high.status == 0 and -high.fun - low.fun < 0.5:
                exposed.append((key, part.loc[index, "municipality_code"]))
    return exposed


def _equation(part, hidden, members, coefficients, total, rows, rhs) -> None:
    """sum(coefficient * cell) over members equals total: one equation over the hidden cells."""
    row, known = np.zeros(len(hidden)), 0.0
    for index, c in zip(members, coefficients, strict=True):
        if index in hidden:
            row[hidden.index(index)] = c
        else:
            known += c * float(part.loc[index, "shown"])
    if row.any():
        rows.append(row)
        rhs.append(total - known)


@pytest.mark.parametrize("name", PROTECTED)
def test_no_small_count_is_shipped_and_none_can_be_recovered(dataset, name):
    rule = privacy.policy(dataset).rules[name]
    values = shipped_tables(dataset)[name][rule.count]
    assert not pd.to_numeric(values[values != SYMBOL]).between(1, 4).any()
    assert (values == SYMBOL).sum() > 0
    assert recoverable(dataset, name) == []


def test_the_shipped_zip_is_a_valid_data_package(dataset, tmp_path):
    zipfile.ZipFile(io.BytesIO(book.data_zip(dataset))).extractall(tmp_path)
    folder = tmp_path / "lansbok-data"
    assert validate(folder) == []
    shipped = load(folder)
    assert "lansbok:suppressed" in shipped.resources["minors_resettled"]
    assert shipped.table("minors_assignments")["children"].isna().sum() > 0


def test_county_and_national_totals_stay_exact(dataset):
    skane = resolve("12", dataset.table("counties"))
    raw = dataset.table("minors_assignments")
    munis = dataset.table("municipalities").set_index("municipality_code")["county_code"]
    in_skane = raw[raw["municipality_code"].map(munis) == "12"]["children"].sum()
    assert minors.figures(dataset, skane)["uam_assignments_total"].value == in_skane
    assert minors.figures(dataset, RIKET)["uam_assignments_total"].value == raw["children"].sum()


def test_a_county_page_does_not_count_its_receiving_municipalities(dataset):
    # With the county's total and its listed municipalities, that count would pin them.
    blekinge = resolve("10", dataset.table("counties"))
    assert "uam_assignment_municipalities" not in minors.figures(dataset, blekinge)
    assert minors.figures(dataset, RIKET)["uam_assignment_municipalities"].value == 183


def test_a_page_table_shows_the_symbol_not_the_count(dataset):
    skane = resolve("12", dataset.table("counties"))
    table = minors.assignments_by_municipality(dataset, skane)
    cells = table[["anknytning", "maluppfyllnad", "children"]].to_numpy().ravel()
    shown = [v for v in cells if not isinstance(v, str)]
    assert all(v == 0 or v >= 5 for v in shown)
    assert SYMBOL in set(cells)
    chart = minors.assignments_for_chart(table)
    assert (chart["children"] >= 5).all()


def _uppsala(data_dir, rows: str) -> None:
    """Replace the assignments table by rows in Uppsala län (eight municipalities)."""
    header = "year,municipality_code,basis,children\n"
    rows = "".join(f"2024,{row}\n" for row in rows.splitlines())
    (data_dir / "minors_assignments.csv").write_text(header + rows, encoding="utf-8")
    # The national total rule of the sample does not hold for this table.
    edit_csv(data_dir / "datapackage.json", '"indicator_id": "uam_assignments_total"', '"x": 1')


def test_a_lone_small_count_gets_a_partner(data_copy):
    # One small count in a county whose total is published: alone it would be the county's
    # total minus the other municipalities, so another municipality is suppressed with it.
    _uppsala(data_copy, "0305,anknytning,3\n0319,anknytning,20\n0330,anknytning,9\n")
    data = load(data_copy)
    cells = privacy.protect(data, "minors_assignments").cells
    hidden = cells[cells["suppressed"] & (cells["category"] == "anknytning")]
    assert "0305" in set(hidden["municipality_code"]) and len(hidden) >= 2
    assert recoverable(data, "minors_assignments") == []


def test_receivers_known_to_have_children_are_protected_too(data_copy):
    # Karlskrona 6, and two municipalities with 1 each: with the county's 8 and both known to
    # have at least one child, suppressing the two ones alone would pin them.
    _uppsala(data_copy, "0305,anknytning,6\n0319,anknytning,1\n0330,maluppfyllnad,1\n")
    data = load(data_copy)
    assert recoverable(data, "minors_assignments") == []
    cells = privacy.protect(data, "minors_assignments").cells
    totals = cells[cells["category"] == privacy.TOTAL].set_index("municipality_code")
    assert totals.loc["0305", "suppressed"]  # the six is suppressed with them


def test_a_bound_column_is_taken_into_account(data_copy):
    # kommunmottagna publishes all people received beside the unaccompanied minors: where
    # received is 0, a partner cannot move, so another must be found.
    data = load(data_copy)
    table = privacy.protect(data, "kommunmottagna").cells
    assert table["upper"].notna().all() and np.isfinite(table["upper"]).any()
    assert recoverable(data, "kommunmottagna") == []


def test_a_sparse_official_table_ships_no_telltale_rows(data_copy):
    # An official import lists only the municipalities the export lists; a suppressed zero added
    # to the zip must not differ from a real row (no blank columns beside it).
    path = data_copy / "kommunmottagna.csv"
    frame = pd.read_csv(path, dtype=str)
    frame = frame[frame["received"] != "0"]
    frame.to_csv(path, index=False)
    data = load(data_copy)
    shipped = book.published_table(data, "kommunmottagna")
    assert shipped.notna().all().all()
    assert recoverable(data, "kommunmottagna") == []


def test_official_data_is_protected_too(data_copy):
    # The policy follows the table, not its status: an official table is suppressed the same.
    edit_csv(data_copy / "datapackage.json", '"status": "sample"', '"status": "official"', 99)
    data = load(data_copy)
    assert data.status("minors_assignments") == "official"
    cells = privacy.protect(data, "minors_assignments").cells
    assert cells.loc[cells["count"].between(1, 4), "suppressed"].all()


def test_the_threshold_is_configured_in_one_place(data_copy):
    edit_csv(data_copy / "datapackage.json", '"high": 4', '"high": 9')
    data = load(data_copy)
    assert privacy.policy(data).range_text == "1–9"
    cells = privacy.protect(data, "minors_assignments").cells
    assert cells.loc[cells["count"].between(1, 9), "suppressed"].all()


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('"high": 4', '"high": 0', "lansbok:small_counts"),
        ('"low": 1', '"low": 0', "lansbok:small_counts"),
        ('"symbol": ".."', '"symbol": "3"', "symbol"),
        ('"count": "received_unaccompanied"', '"count": "nope"', "nope"),
        ('"bound": "received"', '"bound": "nope"', "nope"),
        ('"lansbok:small_counts"', '"lansbok:other"', "lansbok:small_counts"),
        ('"minors_resettled": {', '"minors_resettled_x": {', "minors_resettled"),
    ],
)
def test_a_broken_policy_is_a_validation_error(data_copy, old, new, message):
    edit_csv(data_copy / "datapackage.json", old, new)
    problems = validate(data_copy)
    assert any(message in str(p) for p in problems), problems
