"""Population (SCB, 31 December), for counts per 10 000 inhabitants.

Per county in `population` (2017–2025), per municipality in `population_municipalities` (2024),
both imported from SCB's exports with `lansbok import befolkning`. Riket's population is the sum
of the counties', known only when all 21 are: for 2017–2024 it equals SCB's national total; from
2025 SCB's disclosure noise makes it differ from the published Riket by a few people.
"""

from __future__ import annotations

import pandas as pd

from lansbok.data import Dataset
from lansbok.figures import Figure
from lansbok.geography import Geography

PER = 10_000
COUNTED_UNITS = {"persons", "children"}  # counts of people, which make sense per inhabitant


def population(data: Dataset, geo: Geography, year: int) -> int | None:
    """The population of a county (or of Riket) on 31 December of the year, if known."""
    table = data.table("population")
    rows = table[table["year"] == year]
    if geo.is_national:
        complete = set(rows["county_code"]) == set(data.table("counties")["county_code"])
        return int(rows["population"].sum()) if complete else None
    match = rows.loc[rows["county_code"] == geo.code, "population"]
    return int(match.iloc[0]) if len(match) else None


def municipality_population(data: Dataset, year: int) -> pd.Series:
    """Population per municipality on 31 December of the year, indexed by municipality_code
    (empty when the year is not there)."""
    table = data.table("population_municipalities")
    rows = table[table["year"] == year]
    return rows.set_index("municipality_code")["population"].rename("population")


def rate(count: pd.Series | float, inhabitants: pd.Series | float) -> pd.Series | float:
    """A count per 10 000 inhabitants (unrounded; NaN where the population is unknown)."""
    return PER * count / inhabitants


def per_inhabitants(figure: Figure, inhabitants: int | None) -> float | None:
    """A count of people per 10 000 inhabitants; None for other units or unknown population."""
    if figure.unit not in COUNTED_UNITS or not inhabitants:
        return None
    return rate(figure.value, inhabitants)
