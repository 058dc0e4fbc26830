"""Geographies: Riket (SE) and the 21 counties, resolved from a code, a name or a letter."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import pandas as pd

NATIONAL = "SE"


@dataclass(frozen=True)
class Geography:
    code: str  # "SE" or the two-digit SCB county code
    name: str  # "Riket" or "Skåne län"
    letter_code: str | None = None
    iso_3166_2: str | None = None

    @property
    def is_national(self) -> bool:
        return self.code == NATIONAL


RIKET = Geography(NATIONAL, "Riket", None, "SE")
# How a municipality that is its own region calls itself.
SELF_NAMES = {"0980": "Region Gotland"}


def single_municipality(municipalities: pd.DataFrame, geo: Geography) -> str | None:
    """The name of a county's only municipality, for a county of one (Gotland), else None."""
    own = municipalities[municipalities["county_code"] == geo.code]
    if geo.is_national or len(own) != 1:
        return None
    row = own.iloc[0]
    return SELF_NAMES.get(row["municipality_code"], row["name"])


class UnknownGeography(ValueError):
    """Raised with the list of valid counties, so a caller can show it."""


def _key(text: str) -> str:
    """Case-, accent- and suffix-insensitive key: 'Skåne', 'skane län' and 'SKÅNE LÄN' agree."""
    text = text.strip().casefold().removesuffix(" län").removesuffix("s")
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def counties(counties_table: pd.DataFrame) -> list[Geography]:
    return [
        Geography(row.county_code, row.name, row.letter_code, row.iso_3166_2)
        for row in counties_table.sort_values("county_code").itertuples()
    ]


def resolve(value: str | int, counties_table: pd.DataFrame) -> Geography:
    """Resolve "SE"/"Riket", an SCB code ("12", 12, "1"), a name ("Skåne", "Skåne län"),
    a county letter ("M") or an ISO 3166-2 code ("SE-M") to a Geography."""
    text = str(value).strip()
    if text.upper() in {NATIONAL, "RIKET", "SVERIGE"}:
        return RIKET
    for county in counties(counties_table):
        if (
            (text.isdigit() and text.zfill(2) == county.code)
            or text.upper() in {county.letter_code, county.iso_3166_2}
            or _key(text) in {_key(county.name)}
        ):
            return county
    raise UnknownGeography(f"unknown county {text!r}. Valid: {valid_choices(counties_table)}")


def valid_choices(counties_table: pd.DataFrame) -> str:
    listed = ", ".join(f"{c.code} {c.name} ({c.letter_code})" for c in counties(counties_table))
    return f"SE (Riket), {listed}"
