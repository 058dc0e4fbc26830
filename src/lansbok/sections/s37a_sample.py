"""Sample recipe of the 37 a § section: the projects granted (see lansbok.sample for the
method). Driver code: never run in a page."""

from __future__ import annotations

import numpy as np
import pandas as pd

from lansbok.sample import Draw

S37A_PROJECTS = 420  # invented: the number of projects granted


def grants(draw: Draw) -> pd.DataFrame:
    rng = draw.rng
    per_muni = draw.spread(S37A_PROJECTS, draw.weights.received_2018 + 2)
    per_muni = per_muni[per_muni > 0]
    n = int(per_muni.sum())
    munis = np.repeat(per_muni.index, per_muni.to_numpy())
    numbers = pd.Series(munis).groupby(munis).cumcount() + 1
    amounts = np.maximum(10, np.round(rng.lognormal(np.log(80), 0.7, size=n))).astype(int)
    return pd.DataFrame(
        {
            "project_id": [f"S37A-{m}-{k:02d}" for m, k in zip(munis, numbers, strict=True)],
            "municipality_code": munis,
            "activity": rng.choice(["flyktingguide", "familjekontakt"], size=n, p=[0.6, 0.4]),
            "partner": rng.choice(
                ["ideell förening", "studieförbund", "trossamfund", "kommun"],
                size=n,
                p=[0.5, 0.25, 0.1, 0.15],
            ),
            "grant_sek": amounts * 1000,
            "participants": np.maximum(3, rng.poisson(amounts / 4)),
        }
    )
