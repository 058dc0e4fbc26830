"""Geographies at three levels: Riket (SE), the 21 counties (län) and the 290 municipalities
(kommuner), resolved from a code, a name or (for a county) a letter."""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

import pandas as pd

NATIONAL = "SE"
# The levels, coarsest first. SCB's codes nest: a municipality's code begins with its county's.
RIKET_LEVEL, COUNTY_LEVEL, MUNICIPALITY_LEVEL = "riket", "lan", "kommun"
LEVELS = (RIKET_LEVEL, COUNTY_LEVEL, MUNICIPALITY_LEVEL)


def _level_of(code: str) -> str:
    if code == NATIONAL:
        return RIKET_LEVEL
    if len(code) == 2:
        return COUNTY_LEVEL
    if len(code) == 4:
        return MUNICIPALITY_LEVEL
    raise ValueError(f"{code!r} is neither 'SE', a county code nor a municipality code")


@dataclass(frozen=True)
class Geography:
    code: str  # "SE", the two-digit SCB county code or the four-digit municipality code
    name: str  # "Riket", "Skåne län" or "Malmö"
    letter_code: str | None = None
    iso_3166_2: str | None = None
    level: str | None = None  # riket, lan or kommun; None: read from the code
    parent: str | None = None  # the county's code for a municipality, "SE" for a county

    def __post_init__(self):
        if self.level is None:  # frozen: set once, from the code's form
            object.__setattr__(self, "level", _level_of(self.code))
        if self.parent is None and self.level != RIKET_LEVEL:
            parent = NATIONAL if self.level == COUNTY_LEVEL else self.code[:2]
            object.__setattr__(self, "parent", parent)

    @property
    def is_national(self) -> bool:
        return self.level == RIKET_LEVEL

    @property
    def is_county(self) -> bool:
        return self.level == COUNTY_LEVEL

    @property
    def is_municipality(self) -> bool:
        return self.level == MUNICIPALITY_LEVEL


RIKET = Geography(NATIONAL, "Riket", None, "SE")
# How a municipality that is its own region calls itself.
SELF_NAMES = {"0980": "Region Gotland"}


def single_municipality(municipalities: pd.DataFrame, geo: Geography) -> str | None:
    """The name of a county's only municipality, for a county of one (Gotland), else None."""
    if not geo.is_county:
        return None
    own = municipalities[municipalities["county_code"] == geo.code]
    if len(own) != 1:
        return None
    row = own.iloc[0]
    return SELF_NAMES.get(row["municipality_code"], row["name"])


class UnknownGeography(ValueError):
    """Raised with the valid choices (or the closest names), so a caller can show them."""


class NotAtLevel(ValueError):
    """A table has no rows at a geography's level (a county table asked for a municipality)."""


def finest_level(resource: dict[str, Any]) -> str:
    """The finest level a table (a data package resource) has rows for, from its schema:
    kommun with a municipality_code, lan with a county_code, else riket."""
    fields = {f.get("name") for f in resource.get("schema", {}).get("fields", [])}
    if "municipality_code" in fields:
        return MUNICIPALITY_LEVEL
    if "county_code" in fields:
        return COUNTY_LEVEL
    return RIKET_LEVEL


def _key(text: str) -> str:
    """Case-, accent- and suffix-insensitive key: 'Skåne', 'skane län' and 'SKÅNE LÄN' agree."""
    text = text.strip().casefold().removesuffix(" län").removesuffix("s")
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def counties(counties_table: pd.DataFrame) -> list[Geography]:
    return [
        Geography(row.county_code, row.name, row.letter_code, row.iso_3166_2, COUNTY_LEVEL)
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


def parent_of(geo: Geography, counties_table: pd.DataFrame) -> Geography | None:
    """The geography one level up: a municipality's county, a county's Riket (None for Riket)."""
    if geo.parent is None:
        return None
    return resolve(geo.parent, counties_table)


def municipalities(municipalities_table: pd.DataFrame) -> list[Geography]:
    """The municipalities in code order, named as the data names them for short ("Malmö")."""
    return [
        Geography(
            row.municipality_code, row.name_short, level=MUNICIPALITY_LEVEL, parent=row.county_code
        )
        for row in municipalities_table.sort_values("municipality_code").itertuples()
    ]


def is_municipality_code(value: str | int) -> bool:
    """A three- or four-digit number is a municipality code ("1280", 180 for "0180"); a county
    code has at most two digits."""
    text = str(value).strip()
    return text.isdigit() and len(text) in (3, 4)


def _municipality_key(text: str, accents: bool = False) -> str:
    """Case- and form-insensitive key of a municipality's name, accent-insensitive unless
    `accents`: 'Malmö', 'malmo', 'Malmö kommun', 'Malmö stad' and 'MALMÖ' agree; so do
    'Malung-Sälen' and 'malung salen'."""
    text = unicodedata.normalize("NFKD", text.casefold())
    if not accents:
        text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"[\s\-–]+", " ", unicodedata.normalize("NFC", text)).strip()
    for suffix in (" kommun", " stad"):
        text = text.removesuffix(suffix)
    return text


def resolve_municipality(value: str | int, municipalities_table: pd.DataFrame) -> Geography:
    """Resolve a municipality code ("1280", "0180", 180) or name ("Malmö", "malmo", "Malmö
    kommun", "Malmö stad", "Göteborgs kommun", "Region Gotland") to a Geography. A name is
    matched with its accents first, so that "Habo" and "Håbo" stay two municipalities."""
    text = str(value).strip()
    found = municipalities(municipalities_table)
    if text.isdigit():
        for muni in found:
            if text.zfill(4) == muni.code:
                return muni
        raise UnknownGeography(
            f"unknown municipality code {text!r}: none of the {len(found)} municipalities has "
            "it. A municipality code has four digits, for example 1280 (Malmö)."
        )
    long_names = municipalities_table.set_index("municipality_code")["name"]
    exact: dict[str, Geography] = {}
    loose: dict[str, list[Geography]] = {}
    for muni in found:
        # The short name ("Göteborg"), the full one ("Göteborgs kommun": "göteborgs" once
        # " kommun" is dropped) and a region's own name ("Region Gotland").
        for name in filter(None, (muni.name, long_names[muni.code], SELF_NAMES.get(muni.code))):
            exact.setdefault(_municipality_key(name, accents=True), muni)
            same = loose.setdefault(_municipality_key(name), [])
            if muni not in same:
                same.append(muni)
    if (key := _municipality_key(text, accents=True)) in exact:
        return exact[key]
    key = _municipality_key(text)
    if len(loose.get(key, [])) == 1:
        return loose[key][0]
    close = loose.get(key) or [
        muni for k in difflib.get_close_matches(key, loose, n=3, cutoff=0.6) for muni in loose[k]
    ]
    suggested = list(dict.fromkeys(f"{muni.name} ({muni.code})" for muni in close))
    hint = f" Closest: {', '.join(suggested)}." if suggested else ""
    raise UnknownGeography(
        f"unknown municipality {text!r}: it is not the code or name of any of the "
        f"{len(found)} municipalities.{hint}"
    )
