"""Population per county (SCB, 31 December), for counts per 10 000 inhabitants.

The shipped `population` table is empty (no public copy was at hand); a county's figures are
put per 10 000 inhabitants only once its population for the year is there (`lansbok import
befolkning`). Riket's population is the sum of the counties', known only when all 21 are.
"""

from __future__ import annotations

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


def per_inhabitants(figure: Figure, inhabitants: int | None) -> float | None:
    """A count of people per 10 000 inhabitants; None for other units or unknown population."""
    if figure.unit not in COUNTED_UNITS or not inhabitants:
        return None
    return PER * figure.value / inhabitants
