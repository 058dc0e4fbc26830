"""Key figures and their reconciliation with the published summary."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from decimal import ROUND_FLOOR, Decimal

import pandas as pd

from lansbok.data import OFFICIAL, SAMPLE

REGISTRY = "indicators"  # the data package resource that describes every indicator


@dataclass(frozen=True)
class Indicator:
    """What an indicator is, whatever the year: a row of the indicator registry."""

    indicator_id: str
    section: str  # the book's section that computes or states it
    unit: str
    label_sv: str  # short, without year or unit: pages add those
    description_sv: str
    producer: str  # who produces the underlying statistic


class UnknownIndicator(LookupError):
    """An indicator id that the registry does not describe."""


def registry(data) -> dict[str, Indicator]:
    """The indicator registry (data/indicators.csv) by indicator id, read once per dataset."""
    key = ("registry",)
    if key not in data.derived:
        names = [f.name for f in fields(Indicator)]
        data.derived[key] = {
            row["indicator_id"]: Indicator(**row)
            for row in data.table(REGISTRY)[names].to_dict("records")
        }
    return data.derived[key]


def indicator(data, indicator_id: str) -> Indicator:
    """An indicator of the registry; UnknownIndicator naming the id and the file if missing."""
    try:
        return registry(data)[indicator_id]
    except KeyError:
        where = data.data_dir / data.resources[REGISTRY]["path"]
        raise UnknownIndicator(
            f"indicator {indicator_id!r} is not in {where}: add a row with its section, unit, "
            "label and producer"
        ) from None


@dataclass(frozen=True)
class Figure:
    """A computed figure with the status of the data it was computed from."""

    indicator_id: str
    value: float
    unit: str
    status: str  # official if every table behind it is official, else sample
    sources: tuple[str, ...]  # the data package resources it was computed from

    def as_dict(self) -> dict:
        return asdict(self) | {"sources": list(self.sources)}


def combined_status(statuses) -> str:
    """Official if every status is; ValueError for none at all (nothing to vouch for: an empty
    table is not official statistics)."""
    statuses = list(statuses)
    if not statuses:
        raise ValueError("no status to combine: an empty table or figure has no status")
    return OFFICIAL if all(s == OFFICIAL for s in statuses) else SAMPLE


def share(part: float, whole: float) -> float:
    """Percentage; NaN when there is nothing to share."""
    return 100 * part / whole if whole else math.nan


def round_half_up(value: float, step: float) -> float:
    """Round as a printed report does: 28.5 % is printed 29 %, 12.25 to one decimal 12.3, and
    -18.5 % is printed -18 % (half-way values go up). The one rounding rule of the book's text,
    tables and charts. Computed in decimal on the value as written, so that a binary fraction
    just below a half-way point (12.25 is 12.2499999... in binary) still rounds up."""
    exact = Decimal(str(value)) / Decimal(str(step))
    return float((exact + Decimal("0.5")).to_integral_value(ROUND_FLOOR) * Decimal(str(step)))


def agrees(computed: float, published: float, kind: str, step: float | None = None) -> bool:
    """Does a computed value agree with a published one printed as `kind`?"""
    if computed is None or math.isnan(computed):
        return False
    if kind == "exact":
        return computed == published
    if kind == "rounded":
        return round_half_up(computed, step or 1) == published
    if kind == "lower_bound":  # "över 60 %"
        return computed > published
    if kind == "upper_bound":  # "knappt 30 %"
        return computed < published
    raise ValueError(f"unknown kind of figure: {kind}")


def reconcile(
    figures: dict[str, Figure],
    published: pd.DataFrame,
    indicators: dict[str, Indicator],
    explained: pd.Series | None = None,
) -> pd.DataFrame:
    """One row per figure of the summary (`published`, rows of published_figures): computed,
    published, and whether they match, with the indicator's section and unit from the registry
    (`indicators`). A figure the data cannot compute has computed NaN and match None.
    `explained` (indicator id -> reason) records figures computed from another official source
    than the summary's: such a row keeps match False and carries the reason in `difference`; a
    reason recorded for a figure that agrees is stale and raises ValueError."""
    explained = explained if explained is not None else pd.Series(dtype="string")
    rows = []
    for ind in published.itertuples():
        described = indicators[ind.indicator_id]
        figure = figures.get(ind.indicator_id)
        step = None if pd.isna(ind.rounding_step) else ind.rounding_step
        computed = figure.value if figure else math.nan
        match = agrees(computed, ind.value, ind.kind, step) if figure else None
        difference = explained.get(ind.indicator_id)
        if difference is not None and match is not False:
            verdict = "agrees with the summary" if match else "is not computed"
            raise ValueError(f"{ind.indicator_id}: a difference is explained, but it {verdict}")
        rows.append(
            {
                "indicator_id": ind.indicator_id,
                "section": described.section,
                "unit": described.unit,
                "computed": computed,
                "published": ind.value,
                "kind": ind.kind,
                "match": match,
                "difference": difference,
                "status": figure.status if figure else None,
                "statement_sv": ind.statement_sv,
            }
        )
    return pd.DataFrame(rows)
