"""Sample recipes of the minors section: applications, assignments and resettled
unaccompanied minors (see lansbok.sample for the method). Driver code: never run in a page."""

from __future__ import annotations

import numpy as np
import pandas as pd

from lansbok.sample import Draw, apportion

# Asylum-seeking unaccompanied minors: the summary's five countries (their shares are published
# figures), then the rest, split by invented shares.
MINOR_COUNTRIES = {
    "Syrien": "uam_asylum_share_syria",
    "Afghanistan": "uam_asylum_share_afghanistan",
    "Marocko": "uam_asylum_share_morocco",
    "Somalia": "uam_asylum_share_somalia",
    "Eritrea": "uam_asylum_share_eritrea",
}
MINOR_OTHER_COUNTRIES = {"Etiopien": 0.17, "Irak": 0.15, "Algeriet": 0.12, "Övriga": 0.56}
# Invented: the previous year's asylum-seeking minors by country.
PREVIOUS_MINOR_COUNTRIES = {
    "Syrien": 0.22,
    "Afghanistan": 0.14,
    "Marocko": 0.09,
    "Somalia": 0.10,
    "Eritrea": 0.08,
    "Etiopien": 0.06,
    "Irak": 0.05,
    "Algeriet": 0.04,
    "Övriga": 0.22,
}
# Invented: unaccompanied minors of the previous year, the integers whose change to the edition
# rounds to the summary's -19 % and +45 % (278/343 - 1 = -18.95 %, 214/148 - 1 = +44.6 %).
PREVIOUS_MINORS = {"asylum": 343, "temporary_protection": 148}


def applications(draw: Draw) -> pd.DataFrame:
    """Applications by year, basis and citizenship: the edition year and the one before."""
    year, previous = draw.year, draw.year - 1
    asylum = draw.official["uam_asylum_seekers"]
    shares = [draw.official[i] / 100 for i in MINOR_COUNTRIES.values()]
    counts = apportion(asylum, [*shares, 1 - sum(shares)])
    rest = apportion(int(counts[-1]), list(MINOR_OTHER_COUNTRIES.values()))
    rows = [(year, "asylum", c, n) for c, n in zip(MINOR_COUNTRIES, counts, strict=False)]
    rows += [(year, "asylum", c, n) for c, n in zip(MINOR_OTHER_COUNTRIES, rest, strict=True)]
    rows.append((year, "temporary_protection", "Ukraina", draw.official["uam_tpd_applicants"]))
    before = apportion(PREVIOUS_MINORS["asylum"], list(PREVIOUS_MINOR_COUNTRIES.values()))
    rows += [
        (previous, "asylum", c, n) for c, n in zip(PREVIOUS_MINOR_COUNTRIES, before, strict=True)
    ]
    rows.append(
        (previous, "temporary_protection", "Ukraina", PREVIOUS_MINORS["temporary_protection"])
    )
    frame = pd.DataFrame(rows, columns=["year", "basis", "citizenship", "children"])
    return frame[frame["children"] > 0]


def assignments(draw: Draw) -> pd.DataFrame:
    total = draw.official["uam_assignments_total"]
    n_munis = draw.official["uam_assignment_municipalities"]
    anknytning = round(total * draw.official["uam_assignments_share_anknytning"] / 100)
    weights = draw.weights.unaccompanied_2018 + 1.0
    chosen = draw.rng.choice(weights.index, size=n_munis, replace=False, p=weights / weights.sum())
    chosen = weights.loc[sorted(chosen)]
    per_muni = 1 + draw.spread(total - n_munis, chosen)  # every chosen one gets a child
    basis = np.array(["anknytning"] * anknytning + ["maluppfyllnad"] * (total - anknytning))
    draw.rng.shuffle(basis)
    children = pd.DataFrame(
        {"municipality_code": np.repeat(per_muni.index, per_muni.to_numpy()), "basis": basis}
    )
    frame = children.value_counts().rename("children").reset_index()
    return frame.sort_values(["municipality_code", "basis"])


def resettled(draw: Draw) -> pd.DataFrame:
    spread = draw.spread(draw.official["uam_resettled"], draw.weights.quota_2018 + 0.1)
    spread = spread[spread > 0]
    return pd.DataFrame({"municipality_code": spread.index, "children": spread.to_numpy()})
