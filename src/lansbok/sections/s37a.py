"""37 a §: grants for refugee guides (flyktingguider) and family contacts (familjekontakter)."""

from __future__ import annotations

import pandas as pd

from lansbok.data import Dataset
from lansbok.figures import combined_status
from lansbok.geography import Geography
from lansbok.sections.common import FigureSet, in_geography

SOURCE = "s37a_grants"


def grants_by(data: Dataset, geo: Geography, by: str) -> pd.DataFrame:
    """Projects, SEK and participants by `activity`, `partner` or `municipality`."""
    frame = in_geography(data, SOURCE, geo)
    out = frame.groupby(by, as_index=False).agg(
        projects=("project_id", "count"),
        grant_sek=("grant_sek", "sum"),
        participants=("participants", "sum"),
        status=("status", combined_status),  # official where every county in it is
    )
    return out.sort_values("grant_sek", ascending=False, kind="stable")


def figures(data: Dataset, geo: Geography) -> FigureSet:
    out = FigureSet(data, geo)
    frame = in_geography(data, SOURCE, geo)
    out.add("s37a_projects", len(frame), SOURCE)
    out.add("s37a_grants_sek", frame["grant_sek"].sum(), SOURCE)
    out.add("s37a_participants", frame["participants"].sum(), SOURCE)
    out.add("s37a_municipalities", frame["municipality_code"].nunique(), SOURCE)
    return out
