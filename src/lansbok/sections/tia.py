"""TIA: tidiga insatser för asylsökande (early measures for asylum seekers), grants per project."""

from __future__ import annotations

import pandas as pd

from lansbok.data import Dataset
from lansbok.figures import combined_status, share
from lansbok.geography import Geography
from lansbok.sections.common import FigureSet, in_geography

SOURCE = "tia_grants"


def grants_by(data: Dataset, geo: Geography, by: str) -> pd.DataFrame:
    """Projects, SEK and participants by `organisation_type`, `focus` or `county_code`."""
    frame = in_geography(data, SOURCE, geo)
    out = frame.groupby(by, as_index=False).agg(
        projects=("project_id", "count"),
        grant_sek=("grant_sek", "sum"),
        participants_women=("participants_women", "sum"),
        participants_men=("participants_men", "sum"),
        status=("status", combined_status),  # official where every county in it is
    )
    out["share_of_sek"] = 100 * out["grant_sek"] / out["grant_sek"].sum()
    return out.sort_values("grant_sek", ascending=False, kind="stable")


def figures(data: Dataset, geo: Geography) -> FigureSet:
    out = FigureSet(data, geo)
    frame = in_geography(data, SOURCE, geo)
    women, men = frame["participants_women"].sum(), frame["participants_men"].sum()
    out.add("tia_projects", len(frame), SOURCE)
    out.add("tia_grants_sek", frame["grant_sek"].sum(), SOURCE)
    out.add("tia_participants", women + men, SOURCE)
    out.add("tia_participants_share_women", share(women, women + men), SOURCE)
    return out
