"""Small numbers protect children: counts of unaccompanied minors per municipality between 1 and
4 are never published, whether the data is sample or official.

The rule is stated once, in the data package (`lansbok:small_counts` in datapackage.json): the
range of counts that is suppressed, the symbol shown instead, and the tables and columns it
applies to. Every page, chart, download and the data package zip take their municipality figures
of those tables from `protect`, so what one shows, none can reveal.

Suppression:
- primary: a municipality's count (per category, and its total over the categories) within the
  range is replaced by the symbol;
- secondary: the county's totals (per category and overall) stay exact and are published, so a
  suppressed cell could be recovered by subtraction from its row or its county column. Further
  cells are suppressed until no suppressed cell is determined by the published figures: a cell is
  determined when it is fixed by the linear relations (row and column sums) among the cells, or
  by those relations together with the knowledge that counts are not negative.
A county with a single municipality (Region Gotland) is the exception: its municipality's figures
are the county's, which stay exact.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from lansbok.data import Dataset

POLICY_KEY = "lansbok:small_counts"
TOTAL = "total"  # the row-total "category" of a table with categories


@dataclass(frozen=True)
class Rule:
    """Where the policy applies: one count column of one table, with the column that splits a
    municipality's count into categories (if any) and the columns that split the table into
    separate tables (`per`, e.g. year)."""

    resource: str
    count: str
    category: str | None = None
    per: tuple[str, ...] = ()


@dataclass(frozen=True)
class Policy:
    low: int  # the smallest count that is suppressed (1: zero is published)
    high: int  # the largest count that is suppressed
    symbol: str  # what is shown instead
    rules: dict[str, Rule]

    def hides(self, value: int) -> bool:
        return self.low <= value <= self.high

    @property
    def range_text(self) -> str:
        return f"{self.low}–{self.high}"


def policy(data: Dataset) -> Policy:
    spec = data.descriptor[POLICY_KEY]
    rules = {
        name: Rule(name, rule["count"], rule.get("category"), tuple(rule.get("per", ())))
        for name, rule in spec["resources"].items()
    }
    return Policy(int(spec["low"]), int(spec["high"]), spec["symbol"], rules)


@dataclass
class Protected:
    """A protected table in long form: one row per municipality, `per` group and category
    (`total` is the sum over the categories), with the count and whether it is suppressed.
    Municipalities with nothing to show (every count zero and none suppressed) are left out."""

    rule: Rule
    symbol: str
    cells: pd.DataFrame  # municipality_code, county_code, *per, category, count, suppressed

    def shown(self) -> pd.DataFrame:
        """The cells as published: the count, or the symbol where it is suppressed (as text)."""
        shown = self.cells["count"].astype("object")
        shown[self.cells["suppressed"]] = self.symbol
        return self.cells.drop(columns=["count", "suppressed"]).assign(count=shown)


def protect(data: Dataset, name: str) -> Protected:
    """The table `name` with the policy applied (see the module's description)."""
    rules = policy(data)
    rule = rules.rules[name]
    cells = _dense_cells(data, rule)
    hidden = cells["count"].map(rules.hides).to_numpy(dtype=bool, copy=True)
    for index in cells.groupby([*rule.per, "county_code"]).indices.values():
        component = cells.iloc[index]
        if component["municipality_code"].nunique() > 1:
            hidden[index] = _suppress(component, hidden[index])
    cells = cells.assign(suppressed=hidden)
    keys = ["municipality_code", *rule.per]
    listed = cells.groupby(keys)[["count", "suppressed"]].transform("any").any(axis=1)
    return Protected(rule, rules.symbol, cells[listed].reset_index(drop=True))


def _dense_cells(data: Dataset, rule: Rule) -> pd.DataFrame:
    """Every municipality, with zero where the table has no row, per category and as a total
    over the categories; sorted so that each county's cells are contiguous."""
    frame = data.table(rule.resource)
    frame = frame.assign(category=frame[rule.category] if rule.category else TOTAL)
    keys = ["municipality_code", *rule.per]
    counts = frame.groupby([*keys, "category"], as_index=False)[rule.count].sum()
    categories = [TOTAL]
    if rule.category:  # a municipality's total over the categories is published too
        categories = [*sorted(counts["category"].unique()), TOTAL]
        totals = counts.groupby(keys, as_index=False)[rule.count].sum().assign(category=TOTAL)
        counts = pd.concat([counts, totals], ignore_index=True)
    grid = data.table("municipalities")[["municipality_code", "county_code"]]
    if rule.per:
        grid = grid.merge(frame[list(rule.per)].drop_duplicates(), how="cross")
    grid = grid.merge(pd.DataFrame({"category": categories}), how="cross")
    grid = grid.merge(counts.rename(columns={rule.count: "count"}), how="left")
    grid["count"] = grid["count"].fillna(0).astype("int64")
    order = [*rule.per, "county_code", "municipality_code", "category"]
    return grid.sort_values(order).reset_index(drop=True)


def _relations(component: pd.DataFrame) -> list[tuple[np.ndarray, np.ndarray]]:
    """The published linear relations among a county's cells, as (positions, coefficients):
    each municipality's categories sum to its total, and each category (and the total) sums over
    the municipalities to the county's exact figure."""
    relations = []
    position = pd.Series(np.arange(len(component)), index=component.index)
    categories = component["category"].unique()
    if len(categories) > 1:
        for _m, rows in component.groupby("municipality_code").groups.items():
            pos = position[rows].to_numpy()
            coef = np.where(component.loc[rows, "category"].to_numpy() == TOTAL, -1.0, 1.0)
            relations.append((pos, coef))
    for _c, rows in component.groupby("category").groups.items():
        pos = position[rows].to_numpy()
        relations.append((pos, np.ones(len(pos))))
    return relations


def _suppress(component: pd.DataFrame, primary: np.ndarray) -> np.ndarray:
    """Primary suppression plus the secondary suppression one county needs."""
    values = component["count"].to_numpy()
    hidden = primary.copy()
    relations = _relations(component)
    while True:
        changed = False
        for pos, _coef in relations:  # a relation with one hidden cell gives it away
            if hidden[pos].sum() == 1:
                hidden[_complement(pos, hidden, values)] = True
                changed = True
        if changed:
            continue
        exposed = _determined(values, hidden, relations)
        if exposed is None:
            return hidden
        partners = [pos for pos, _ in relations if exposed in pos and (~hidden[pos]).any()]
        if not partners:  # every cell it relates to is hidden already: nothing more can help
            return hidden
        hidden[_complement(min(partners, key=len), hidden, values)] = True


def _complement(pos: np.ndarray, hidden: np.ndarray, values: np.ndarray) -> int:
    """The cell to hide next in a relation: the smallest positive shown count (the least
    information lost), else a shown zero."""
    shown = pos[~hidden[pos]]
    positive = shown[values[shown] > 0]
    candidates = positive if len(positive) else shown
    return int(candidates[np.argmin(values[candidates])])


def _determined(values, hidden, relations) -> int | None:
    """A hidden cell that the published figures determine, or None."""
    index = np.flatnonzero(hidden)
    if not len(index):
        return None
    column = {cell: i for i, cell in enumerate(index)}
    rows = []
    for pos, coef in relations:
        row = np.zeros(len(index))
        for p, c in zip(pos, coef, strict=True):
            if hidden[p]:
                row[column[p]] = c
        if row.any():
            rows.append(row)
    matrix = np.array(rows) if rows else np.zeros((1, len(index)))
    # Fixed by the equations: no direction in the null space moves the cell.
    _, singular, vt = np.linalg.svd(matrix)
    rank = int((singular > 1e-9).sum())
    null = vt[rank:].T
    free = np.abs(null).sum(axis=1) > 1e-9 if null.size else np.zeros(len(index), bool)
    for i, cell in enumerate(index):
        if not free[i]:
            return int(cell)
    # Fixed by non-negativity: a hidden zero can only move up, and may pin what it relates to.
    if (values[index] == 0).any():
        return _determined_by_bounds(values[index], matrix, index)
    return None


def _determined_by_bounds(current, matrix, index) -> int | None:
    from scipy.optimize import linprog

    b = matrix @ current
    for i, cell in enumerate(index):
        objective = np.zeros(len(index))
        objective[i] = 1
        low = linprog(objective, A_eq=matrix, b_eq=b, bounds=(0, None), method="highs")
        high = linprog(-objective, A_eq=matrix, b_eq=b, bounds=(0, None), method="highs")
        if low.status == 0 and high.status == 0 and -high.fun - low.fun < 0.5:
            return int(cell)
    return None
