"""Sample recipe of the SO section: the municipalities' survey answers (see lansbok.sample for
the method). Driver code: never run in a page."""

from __future__ import annotations

import numpy as np
import pandas as pd

from lansbok.sample import Draw

SO_PARTICIPANTS = {"kvinna": 8200, "man": 6100}  # invented: "fler kvinnor än män deltar"
SO_KOMVUX = 122  # invented: of 261 answering, 46.7 % of respondents, 42.1 % of all 290


def survey(draw: Draw) -> pd.DataFrame:
    rng = draw.rng
    codes = draw.weights.municipalities["municipality_code"].to_numpy()
    answering = round(len(codes) * draw.official["so_survey_response_rate"] / 100)
    answered = np.zeros(len(codes), dtype=bool)
    answered[rng.choice(len(codes), size=answering, replace=False)] = True
    organiser = np.array(
        ["komvux"] * SO_KOMVUX
        + list(
            rng.choice(
                ["annan kommunal förvaltning", "annan kommun", "upphandlad utförare"],
                size=answering - SO_KOMVUX,
                p=[0.35, 0.4, 0.25],
            )
        ),
        dtype=object,
    )
    rng.shuffle(organiser)
    weights = (draw.weights.received_2018 + 1).loc[codes[answered]]
    frame = pd.DataFrame({"municipality_code": codes, "answered": answered})
    frame["organiser"] = pd.Series(pd.NA, index=frame.index, dtype="string")
    frame.loc[answered, "organiser"] = organiser
    frame["mode"] = pd.Series(pd.NA, index=frame.index, dtype="string")
    modes = rng.choice(["båda", "på plats", "digitalt"], size=answering, p=[0.5, 0.3, 0.2])
    frame.loc[answered, "mode"] = modes
    frame["languages"] = pd.Series(pd.NA, index=frame.index, dtype="Int64")
    size = weights.to_numpy() / weights.mean()
    frame.loc[answered, "languages"] = 1 + rng.poisson(2 + 2 * np.sqrt(size))
    for sex, column in (("kvinna", "participants_women"), ("man", "participants_men")):
        frame[column] = pd.Series(pd.NA, index=frame.index, dtype="Int64")
        frame.loc[answered, column] = draw.spread(SO_PARTICIPANTS[sex], weights).to_numpy()
    return frame
