"""Sample recipe of the TIA section: the projects granted (see lansbok.sample for the method).
Driver code: never run in a page."""

from __future__ import annotations

import numpy as np
import pandas as pd

from lansbok.sample import Draw, apportion

# Invented sample assumptions: the national TIA frame (near the real one, about 68 MSEK in the
# sample's edition) and the number of projects it funds.
TIA_FRAME_SEK = 68_000_000
TIA_PROJECTS = 260


def grants(draw: Draw) -> pd.DataFrame:
    county_weights = draw.weights.by_county(draw.weights.abo_2018)
    per_county = 3 + draw.spread(TIA_PROJECTS - 3 * len(county_weights), county_weights)
    rng = draw.rng
    n = int(per_county.sum())
    raw = rng.lognormal(mean=0.0, sigma=0.6, size=n)
    grants_ksek = 1 + apportion(TIA_FRAME_SEK // 1000 - n, raw)
    participants = np.maximum(5, rng.poisson(grants_ksek / 2.5))
    women = rng.binomial(participants, 0.56)
    organisation = rng.choice(
        ["studieförbund", "ideell förening", "trossamfund", "kommun", "region"],
        size=n,
        p=[0.45, 0.30, 0.10, 0.10, 0.05],
    )
    focus = rng.choice(
        ["språk", "samhällskunskap", "hälsa", "arbetsmarknad", "föräldraskap"],
        size=n,
        p=[0.35, 0.25, 0.15, 0.15, 0.10],
    )
    counties = np.repeat(per_county.index, per_county.to_numpy())
    numbers = pd.Series(counties).groupby(counties).cumcount() + 1
    return pd.DataFrame(
        {
            "project_id": [f"TIA-{c}-{k:03d}" for c, k in zip(counties, numbers, strict=True)],
            "county_code": counties,
            "organisation_type": organisation,
            "focus": focus,
            "grant_sek": grants_ksek * 1000,
            "participants_women": women,
            "participants_men": participants - women,
        }
    )
