"""SO: samhällsorientering (civic orientation), from the municipal survey."""

from __future__ import annotations

import pandas as pd

from lansbok.data import Dataset
from lansbok.figures import share
from lansbok.geography import Geography, single_municipality
from lansbok.sections.common import FigureSet, in_geography

SOURCE = "so_survey"


def answers_by(data: Dataset, geo: Geography, by: str) -> pd.DataFrame:
    """Answering municipalities by `organiser` or `mode`, with shares of those answering."""
    frame = in_geography(data, SOURCE, geo)
    frame = frame[frame["answered"]]
    out = frame.groupby([by, "status"], as_index=False).agg(
        municipalities=("municipality_code", "count")
    )
    out["share"] = 100 * out["municipalities"] / len(frame)
    return out.sort_values("municipalities", ascending=False, kind="stable")


def figures(data: Dataset, geo: Geography) -> FigureSet:
    out = FigureSet(data)
    frame = in_geography(data, SOURCE, geo)
    answered = frame[frame["answered"]]
    out.add("so_survey_response_rate", share(len(answered), len(frame)), SOURCE)
    out.add(
        "so_share_munis_komvux_responsible",
        share((answered["organiser"] == "komvux").sum(), len(answered)),
        SOURCE,
    )
    women, men = answered["participants_women"].sum(), answered["participants_men"].sum()
    out.add("so_participants_women", women, SOURCE)
    out.add("so_participants_men", men, SOURCE)
    return out


def one_municipality_words(data: Dataset, geo: Geography) -> dict[str, str]:
    """For a county of one municipality (Gotland) the survey's shares are a yes or a no: the
    words `so_svar` and `so_komvux` of the text say which (empty for other geographies)."""
    if not single_municipality(data.table("municipalities"), geo):
        return {}
    answered = in_geography(data, SOURCE, geo)
    answered = answered[answered["answered"]]
    if answered.empty:
        return {"so_svar": "svarade inte på", "so_komvux": "har inte uppgett om den har lagt"}
    komvux = (answered["organiser"] == "komvux").any()
    return {"so_svar": "svarade på", "so_komvux": "har lagt" if komvux else "har inte lagt"}
