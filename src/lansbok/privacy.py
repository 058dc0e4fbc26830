"""Small numbers protect children: counts of unaccompanied minors per municipality between 1 and
4 are never published, whether the data is sample or official.

The rule is stated once, in the data package (`lansbok:small_counts` in datapackage.json): the
range of counts that is suppressed, the symbol shown instead, and the tables and columns it
applies to. Every page, chart, download and the data package zip take their municipality counts
of those tables from `protect`, so what one shows, none can reveal.

Suppression:
- primary: a municipality's count (per category, and its total over the categories) within the
  range is replaced by the symbol;
- secondary: the county's totals (per category and overall) stay exact and are published, so a
  suppressed cell could be recovered by subtraction from its row or its county column. Further
  cells are suppressed until no suppressed cell is determined by what is published: the linear
  relations among the cells (row and column sums), and the bounds a reader knows. Counts are not
  negative; a rule's `bound` column (published beside the count: all people received, of whom
  some were unaccompanied minors) is an upper bound; and where the number of municipalities that
  received children is published (`receivers_published`), a suppressed positive total is known
  to be at least one.
A county with a single municipality (Gotlands län) is the exception: its municipality's figures
are the county's, which stay exact.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from lansbok.data import Dataset

POLICY_KEY = "lansbok:small_counts"
TOTAL = "total"  # the row-total "category" of a table with categories
# The tables with counts of unaccompanied minors per municipality: the policy must cover them.
PROTECTED_RESOURCES = ("minors_assignments", "minors_resettled", "kommunmottagna")


class ProtectionError(ValueError):
    """The published county totals leave a suppressed count recoverable whatever else is
    suppressed: nothing may be published from that table."""


@dataclass(frozen=True)
class Rule:
    """Where the policy applies: one count column of one table, with the column that splits a
    municipality's count into categories (if any), the columns that split the table into
    separate tables (`per`, e.g. year), a published column bounding the count from above (if
    any), and whether the number of municipalities with a non-zero total is published."""

    resource: str
    count: str
    category: str | None = None
    per: tuple[str, ...] = ()
    bound: str | None = None
    receivers_published: bool = False


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
        name: Rule(
            name,
            rule["count"],
            rule.get("category"),
            tuple(rule.get("per", ())),
            rule.get("bound"),
            bool(rule.get("receivers_published", False)),
        )
        for name, rule in spec["resources"].items()
    }
    return Policy(int(spec["low"]), int(spec["high"]), spec["symbol"], rules)


def policy_problems(descriptor: dict, resources: dict[str, dict]) -> list[str]:
    """What is wrong with the descriptor's policy (for validation): every protected table
    covered, a sensible range and symbol, and columns its tables have."""
    spec = descriptor.get(POLICY_KEY)
    if not isinstance(spec, dict):
        return [f"no {POLICY_KEY!r} object: small counts of children would be published"]
    problems = []
    low, high = spec.get("low"), spec.get("high")
    if not (isinstance(low, int) and isinstance(high, int) and 1 <= low <= high):
        problems.append(f"{POLICY_KEY}: 'low' and 'high' must be whole numbers, 1 <= low <= high")
    symbol = spec.get("symbol")
    if not isinstance(symbol, str) or not symbol.strip() or _is_number(symbol):
        problems.append(f"{POLICY_KEY}: 'symbol' must be a text that is not a number")
    rules = spec.get("resources")
    rules = rules if isinstance(rules, dict) else {}
    for name in PROTECTED_RESOURCES:
        if name not in rules:
            problems.append(f"{POLICY_KEY}: {name!r} is not covered")
    for name, rule in rules.items():
        fields = {
            f.get("name")
            for f in resources.get(name, {}).get("schema", {}).get("fields", [])
            if isinstance(f, dict)
        }
        if name in PROTECTED_RESOURCES and name not in resources:
            continue  # a required resource: its absence is reported as such
        if name not in resources or not isinstance(rule, dict):
            problems.append(f"{POLICY_KEY}: {name!r} is not a resource with a rule")
            continue
        named = [rule.get("count"), rule.get("category"), rule.get("bound"), *rule.get("per", [])]
        for column in [c for c in named if c is not None]:
            if column not in fields:
                problems.append(f"{POLICY_KEY}: {name!r} has no column {column!r}")
        if "municipality_code" not in fields:
            problems.append(f"{POLICY_KEY}: {name!r} has no column 'municipality_code'")
    return problems


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


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
        return self.cells.drop(columns=["count", "upper", "suppressed"]).assign(count=shown)


def protect(data: Dataset, name: str) -> Protected:
    """The table `name` with the policy applied (see the module's description), computed once
    per Dataset. Raises ProtectionError when no suppression can protect a count."""
    key = (POLICY_KEY, name)
    if key not in data.derived:
        data.derived[key] = _protect(data, name)
    return data.derived[key]


def _protect(data: Dataset, name: str) -> Protected:
    rules = policy(data)
    rule = rules.rules[name]
    cells = _dense_cells(data, rule)
    primary = cells["count"].map(rules.hides).to_numpy(dtype=bool, copy=True)
    components = [
        index
        for index in cells.groupby([*rule.per, "county_code"]).indices.values()
        if cells["municipality_code"].iloc[index].nunique() > 1
    ]
    try:  # no suppressed zero totals, so that a published count of receivers reveals nothing
        hidden = _suppress_all(cells, components, primary, rule.receivers_published)
    except ProtectionError:  # suppressed zero totals: a reader can no longer tell who received
        hidden = _suppress_all(cells, components, primary, False)
    cells = cells.assign(suppressed=hidden)
    keys = ["municipality_code", *rule.per]
    listed = cells.groupby(keys)[["count", "suppressed"]].transform("any").any(axis=1)
    return Protected(rule, rules.symbol, cells[listed].reset_index(drop=True))


def _suppress_all(cells, components, primary, positive_totals_known: bool) -> np.ndarray:
    hidden = primary.copy()
    for index in components:
        component = cells.iloc[index]
        lower = np.zeros(len(component))
        if positive_totals_known:
            lower[(component["category"] == TOTAL).to_numpy() & (component["count"] > 0)] = 1
        hidden[index] = _suppress(component, hidden[index], lower, positive_totals_known)
    return hidden


def _dense_cells(data: Dataset, rule: Rule) -> pd.DataFrame:
    """Every municipality, with zero where the table has no row, per category and as a total
    over the categories, with the upper bound a reader knows (`upper`, infinite without a
    bound column); sorted so that each county's cells are contiguous."""
    frame = data.table(rule.resource)
    frame = frame.assign(
        category=frame[rule.category] if rule.category else TOTAL,
        upper=frame[rule.bound] if rule.bound else np.inf,
    )
    keys = ["municipality_code", *rule.per]
    counts = frame.groupby([*keys, "category"], as_index=False)[[rule.count, "upper"]].sum()
    categories = [TOTAL]
    if rule.category:  # a municipality's total over the categories is published too
        categories = [*sorted(counts["category"].unique()), TOTAL]
        totals = counts.groupby(keys, as_index=False)[[rule.count, "upper"]].sum()
        counts = pd.concat([counts, totals.assign(category=TOTAL)], ignore_index=True)
    grid = data.table("municipalities")[["municipality_code", "county_code"]]
    if rule.per:
        grid = grid.merge(frame[list(rule.per)].drop_duplicates(), how="cross")
    grid = grid.merge(pd.DataFrame({"category": categories}), how="cross")
    grid = grid.merge(counts.rename(columns={rule.count: "count"}), how="left")
    grid["count"] = grid["count"].fillna(0).astype("int64")
    # A municipality missing from a table with a bound column received no one at all.
    grid["upper"] = grid["upper"].fillna(0.0 if rule.bound else np.inf).astype("float64")
    order = [*rule.per, "county_code", "municipality_code", "category"]
    return grid.sort_values(order).reset_index(drop=True)


def _relations(component: pd.DataFrame) -> list[tuple[np.ndarray, np.ndarray]]:
    """The published linear relations among a county's cells, as (positions, coefficients):
    each municipality's categories sum to its total, and each category (and the total) sums over
    the municipalities to the county's exact figure."""
    relations = []
    position = pd.Series(np.arange(len(component)), index=component.index)
    if component["category"].nunique() > 1:
        for rows in component.groupby("municipality_code").groups.values():
            pos = position[rows].to_numpy()
            coef = np.where(component.loc[rows, "category"].to_numpy() == TOTAL, -1.0, 1.0)
            relations.append((pos, coef))
    for rows in component.groupby("category").groups.values():
        pos = position[rows].to_numpy()
        relations.append((pos, np.ones(len(pos))))
    return relations


def _suppress(component, primary, lower, positive_only: bool) -> np.ndarray:
    """Primary suppression plus the secondary suppression one county needs."""
    values = component["count"].to_numpy()
    upper = component["upper"].to_numpy()
    is_total = (component["category"] == TOTAL).to_numpy()
    # Cells that can move both ways for a reader (not at a bound) protect best; a zero total
    # cannot be suppressed where the receivers are counted.
    slack = (values > lower) & (values < upper)
    allowed = ~(positive_only & is_total & (values == 0))
    hidden = primary.copy()
    relations = _relations(component)
    while True:
        changed = False
        for pos, _coef in relations:  # a relation with one hidden cell gives it away
            if hidden[pos].sum() == 1:
                hidden[_partner(pos, hidden, values, slack, allowed, component)] = True
                changed = True
        if changed:
            continue
        exposed = _determined(values, lower, upper, hidden, primary, relations)
        if exposed is None:
            return hidden
        partners = [pos for pos, _ in relations if exposed in pos]
        candidates = [pos for pos in partners if (~hidden[pos] & allowed[pos]).any()]
        if not candidates:
            raise ProtectionError(
                f"municipality {component['municipality_code'].iloc[exposed]} in county "
                f"{component['county_code'].iloc[exposed]}: its suppressed count can be "
                "recovered from the published totals whatever else is suppressed"
            )
        # Prefer a relation with a cell that can move both ways (one that adds protection).
        candidates.sort(
            key=lambda pos: (not (~hidden[pos] & allowed[pos] & slack[pos]).any(), len(pos))
        )
        hidden[_partner(candidates[0], hidden, values, slack, allowed, component)] = True


def _partner(pos, hidden, values, slack, allowed, component) -> int:
    """The cell to suppress next in a relation: the smallest shown count that can move both
    ways (the least information lost), else the smallest shown count allowed."""
    shown = pos[~hidden[pos] & allowed[pos]]
    if not len(shown):
        raise ProtectionError(
            f"county {component['county_code'].iloc[pos[0]]}: a suppressed count can be "
            "recovered from the published totals whatever else is suppressed"
        )
    best = shown[slack[shown]]
    candidates = best if len(best) else shown
    return int(candidates[np.argmin(values[candidates])])


def _determined(values, lower, upper, hidden, sensitive, relations) -> int | None:
    """A sensitive hidden cell (a suppressed small count) that what is published determines, or
    None. Other hidden cells may be determined: their values are not small counts."""
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
    # Fixed by the equations: no direction in their null space moves the cell.
    _, singular, vt = np.linalg.svd(matrix)
    rank = int((singular > 1e-9).sum())
    null = vt[rank:].T
    free = np.abs(null).sum(axis=1) > 1e-9 if null.size else np.zeros(len(index), bool)
    pinned = ~free & sensitive[index]
    if pinned.any():
        return int(index[np.argmax(pinned)])
    # Fixed by the bounds: only a cell at a bound can be pinned by them (from a point strictly
    # inside the bounds, every direction of the null space moves both ways).
    at_bound = (values[index] <= lower[index]) | (values[index] >= upper[index])
    if at_bound.any():
        return _determined_by_bounds(
            values[index], lower[index], upper[index], matrix, index, sensitive[index]
        )
    return None


def _determined_by_bounds(current, lower, upper, matrix, index, sensitive) -> int | None:
    """A sensitive cell whose range, given the equations and the bounds, is one value. Cells
    that move to reach the optimum of a few seeded random objectives are not pinned; only the
    rest need their own minimum and maximum (linear programs; the constraint matrix of a table
    with margins is totally unimodular, so the bounds are whole numbers)."""
    from scipy.optimize import linprog

    b = matrix @ current
    bounds = list(zip(lower, [None if np.isinf(u) else u for u in upper], strict=True))
    moved = ~sensitive
    for objective in np.random.default_rng(0).normal(size=(4, len(index))):
        if moved.all():
            return None
        result = linprog(objective, A_eq=matrix, b_eq=b, bounds=bounds, method="highs")
        if result.status == 0:
            moved |= np.abs(result.x - current) > 0.5
    for i in np.flatnonzero(~moved):
        objective = np.zeros(len(index))
        objective[i] = 1
        low = linprog(objective, A_eq=matrix, b_eq=b, bounds=bounds, method="highs")
        high = linprog(-objective, A_eq=matrix, b_eq=b, bounds=bounds, method="highs")
        if low.status == 0 and high.status == 0 and -high.fun - low.fun < 0.5:
            return int(index[i])
    return None
