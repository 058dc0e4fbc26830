"""SO: samhällsorientering (civic orientation), from the municipal survey."""

from __future__ import annotations

import math
from dataclasses import replace

import pandas as pd

from lansbok.data import Dataset
from lansbok.figures import combined_status, share
from lansbok.geography import Geography, single_municipality
from lansbok.sections import municipal
from lansbok.sections.common import FigureSet, in_geography

SOURCE = "so_survey"


def answers_by(data: Dataset, geo: Geography, by: str) -> pd.DataFrame:
    """Answering municipalities by `organiser` or `mode`, with shares of those answering."""
    frame = in_geography(data, SOURCE, geo)
    frame = frame[frame["answered"]]
    out = frame.groupby(by, as_index=False).agg(
        municipalities=("municipality_code", "count"),
        status=("status", combined_status),  # official where every county in it is
    )
    out["share"] = 100 * out["municipalities"] / len(frame)
    return out.sort_values("municipalities", ascending=False, kind="stable")


def figures(data: Dataset, geo: Geography) -> FigureSet:
    out = FigureSet(data, geo)
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


# A municipality page: the municipality's answer to the survey.
PARTICIPANTS = ("so_participants_women", "so_participants_men")


def municipality_figures(data: Dataset, geo: Geography) -> FigureSet:
    """The survey's figures (as `figures`) for a municipality, a county or Riket. For one
    municipality the shares are 100 or 0 (it answered or not, it has put SO at Komvux or
    not); a municipality that did not answer has no count of participants (missing, not 0)."""
    out = figures(data, geo)
    if geo.is_municipality and not in_geography(data, SOURCE, geo)["answered"].any():
        for key in PARTICIPANTS:
            out[key] = replace(out[key], value=math.nan)
    return out


def municipality_comparison(data: Dataset, geo: Geography) -> pd.DataFrame:
    """A municipality's figures beside its county's and Riket's (`municipal.beside`)."""
    return municipal.beside(data, geo, municipality_figures)


def survey_answer(data: Dataset, geo: Geography) -> dict | None:
    """A municipality's answer to the survey: whether it answered and, if so, who organises
    SO (`organiser`), how (`mode`) and in how many languages, with the status; None when the
    survey has no row for it."""
    rows = in_geography(data, SOURCE, geo)
    if rows.empty:
        return None
    row = rows.iloc[0]
    answered = bool(row["answered"])
    known = {
        key: (row[key] if answered and not pd.isna(row[key]) else None)
        for key in ("organiser", "mode", "languages")
    }
    if known["languages"] is not None:
        known["languages"] = int(known["languages"])
    return {"answered": answered, **known, "status": row["status"]}
