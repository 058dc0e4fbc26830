"""A municipality beside its county and Riket: the shared shape of the sections' figures at
municipality level (reception, minors and SO have municipality tables; the other tables stop
at the county and give a municipality no figure)."""

from __future__ import annotations

import math
from collections.abc import Callable

import pandas as pd

from lansbok.data import Dataset
from lansbok.figures import Figure, combined_status
from lansbok.geography import RIKET, Geography, parent_of
from lansbok.population import COUNTED_UNITS, municipality_population, population, rate

COLUMNS = [
    "indicator_id",
    "unit",
    "municipality",
    "county",
    "riket",
    "municipality_rate",
    "county_rate",
    "riket_rate",
    "status",
]


def county_of(data: Dataset, geo: Geography) -> Geography:
    """A municipality's county (ValueError for any other geography)."""
    if not geo.is_municipality:
        raise ValueError(f"{geo.name} is no municipality: give a municipality")
    return parent_of(geo, data.table("counties"))


def inhabitants(data: Dataset, geo: Geography) -> int | None:
    """The population of a municipality, county or Riket on 31 December of the edition's year,
    if known."""
    if geo.is_municipality:
        found = municipality_population(data, data.year).get(geo.code)
        return None if found is None else int(found)
    return population(data, geo, data.year)


def _rate(data: Dataset, figure: Figure, geo: Geography):
    """Per 10 000 inhabitants: None where it does not apply (no count of people), NaN where the
    population is unknown, and a suppressed count's symbol as it is (a rate would reveal it)."""
    if figure.unit not in COUNTED_UNITS:
        return None
    if isinstance(figure.value, str):
        return figure.value
    people = inhabitants(data, geo)
    return rate(figure.value, people) if people else math.nan


def beside(
    data: Dataset, geo: Geography, compute: Callable[[Dataset, Geography], dict[str, Figure]]
) -> pd.DataFrame:
    """A municipality's figures (`compute(data, geo)`) beside its county's and Riket's, one
    row per figure: the values, per 10 000 inhabitants where a figure counts people (its
    `unit` says; the rate is missing where it does not or the population is unknown), and the
    status of the row (its figures' and, with a rate, the populations'). A suppressed count is
    the symbol, in its rate too."""
    county = county_of(data, geo)
    geos = {"municipality": geo, "county": county, "riket": RIKET}
    computed = {level: compute(data, where) for level, where in geos.items()}
    rows = []
    for key, figure in computed["municipality"].items():
        row = {"indicator_id": key, "unit": figure.unit}
        statuses = []
        for level, where in geos.items():
            this = computed[level][key]
            row[level] = this.value
            row[f"{level}_rate"] = _rate(data, this, where)
            statuses.append(this.status)
        if row["municipality_rate"] is not None:
            statuses += [data.status("population_municipalities"), data.status("population")]
        row["status"] = combined_status(statuses)
        rows.append(row)
    return pd.DataFrame(rows, columns=COLUMNS)
