"""What every section needs: a table cut to a geography, and figures that carry their status."""

from __future__ import annotations

import pandas as pd

from lansbok.data import Dataset
from lansbok.figures import Figure, combined_status, indicator
from lansbok.geography import MUNICIPALITY_LEVEL, Geography, NotAtLevel, finest_level


def in_geography(
    data: Dataset, name: str, geo: Geography, every_year: bool = False
) -> pd.DataFrame:
    """Rows of a table that belong to the geography and, for a table with a year column, to
        the edition's year (`every_year` keeps a series whole), with county_code and municipality
        names joined for municipality tables. Adds each row's `status` (a table may be official for
    some counties, from their own files, and sample for the rest). For a
        municipality, its rows of a municipality table; a coarser table raises NotAtLevel."""
    key = ("in_geography", name)
    frame = data.table(name)  # refuses a table the page does not declare
    if key not in data.derived:  # the join is the costly part: once per table
        if "municipality_code" in frame.columns and "county_code" not in frame.columns:
            munis = data.table("municipalities")[["municipality_code", "name_short", "county_code"]]
            frame = frame.merge(munis.rename(columns={"name_short": "municipality"}), how="left")
        data.derived[key] = frame.assign(status=data.row_statuses(name, frame))
    frame = data.derived[key]
    if "year" in frame.columns and not every_year:
        frame = frame[frame["year"] == data.year]
    if geo.is_municipality:  # a county's figure is no municipality's: refuse, do not pretend
        level = finest_level(data.resources[name])
        if level != MUNICIPALITY_LEVEL:
            raise NotAtLevel(f"{name} has no municipality breakdown (its finest level: {level})")
        frame = frame[frame["municipality_code"] == geo.code]
    elif not geo.is_national:
        if "county_code" not in frame.columns:
            raise ValueError(f"{name} has no county breakdown")
        frame = frame[frame["county_code"] == geo.code]
    return frame.copy()


def county_code_of(geo: Geography) -> str | None:
    """The county whose data a geography's figures are (None: the whole country)."""
    if geo.is_national:
        return None
    return geo.code if geo.is_county else geo.parent


class FigureSet(dict):
    """Figures of one section for one geography, each stamped with its tables' status there
    and with its unit from the indicator registry (data/indicators.csv)."""

    def __init__(self, data: Dataset, geo: Geography):
        super().__init__()
        self.data = data
        self.county = county_code_of(geo)

    def add(self, indicator_id: str, value: float, *sources: str) -> None:
        """A figure computed from the tables `sources`; UnknownIndicator for an id the
        registry does not describe."""
        unit = indicator(self.data, indicator_id).unit
        status = combined_status(self.data.status(s, self.county) for s in sources)
        value = value.item() if hasattr(value, "item") else value
        self[indicator_id] = Figure(indicator_id, value, unit, status, tuple(sources))
