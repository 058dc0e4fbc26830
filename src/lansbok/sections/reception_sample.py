"""Sample recipes of the reception section: kommuntal, reception, temporary protection and the
establishment programme (see lansbok.sample for the method). Driver code: never run in a page."""

from __future__ import annotations

import pandas as pd

from lansbok.sample import Draw, apportion

AGE_BANDS = ["0-17", "18-19", "20-65", "66+"]
# Invented: age distribution and share of women per age band, by citizenship group. Chosen so
# that the national shares meet the summary: 58 % women, over 60 % aged 20-65, just under 30 %
# children.
AGE_PROFILE = {
    "Ukraina": {"0-17": 0.30, "18-19": 0.03, "20-65": 0.61, "66+": 0.06},
    "other": {"0-17": 0.27, "18-19": 0.04, "20-65": 0.66, "66+": 0.03},
}
WOMEN_SHARE = {
    "Ukraina": {"0-17": 0.49, "18-19": 0.50, "20-65": 0.65, "66+": 0.65},
    "other": {"0-17": 0.48, "18-19": 0.45, "20-65": 0.50, "66+": 0.55},
}
# Invented: split of the non-Ukrainian newly arrived by citizenship.
OTHER_CITIZENSHIPS = {
    "Syrien": 0.20,
    "Afghanistan": 0.14,
    "Eritrea": 0.12,
    "Somalia": 0.10,
    "Irak": 0.10,
    "Iran": 0.08,
    "Turkiet": 0.06,
    "Övriga": 0.20,
}
ESTABLISHMENT_EXITS = 8400  # invented: the summary gives only shares of exits


def kommuntal(draw: Draw) -> pd.DataFrame:
    """The year's kommuntal per municipality. The national totals are statutory
    (assignments_national): the ordinary kommuntal sum to the national total as first set,
    those for people with temporary protection to what the revision added (SFS 2024:480)."""
    w = draw.weights
    initial = draw.assignments("initial")
    ordinary = draw.spread(initial, w.kommuntal_2018)
    # The summary: four municipalities had no kommuntal for folkbokförda skyddsbehövande,
    # three of them none at all (read as nested). Pick them among the smallest in 2018.
    none_ordinary = ordinary[ordinary == 0].index
    small = w.received_2018.loc[none_ordinary].sort_values(kind="stable")
    without_any = list(small.index[:3])
    with_ordinary = w.received_2018.loc[ordinary[ordinary > 0].index].sort_values(kind="stable")
    without_tp = [*without_any, with_ordinary.index[0]]
    tp_weights = (w.received_2018 + 1).astype(float)
    tp_weights.loc[without_tp] = 0.0
    tp = draw.spread(draw.assignments("revised") - initial, tp_weights)
    return pd.DataFrame(
        {
            "municipality_code": ordinary.index,
            "kommuntal_ordinary": ordinary.to_numpy(),
            "kommuntal_temporary_protection": tp.to_numpy(),
        }
    )


def reception(draw: Draw, kommuntal: pd.DataFrame) -> pd.DataFrame:
    total = draw.official["newly_arrived_received_by_municipalities"]
    ukrainian = round(total * draw.official["newly_arrived_share_ukrainian"] / 100)
    groups = {"Ukraina": ukrainian}
    others = apportion(total - ukrainian, list(OTHER_CITIZENSHIPS.values()))
    groups.update(zip(OTHER_CITIZENSHIPS, others, strict=True))
    # People with temporary protection were settled by the kommuntal for them; others
    # follow the pattern of reception in 2018.
    tp = kommuntal.set_index("municipality_code")["kommuntal_temporary_protection"]
    muni_weights = {"Ukraina": tp + 0.5, "other": draw.weights.received_2018 + 0.5}
    rows = []
    for citizenship, people in groups.items():
        profile = "Ukraina" if citizenship == "Ukraina" else "other"
        ages = apportion(people, list(AGE_PROFILE[profile].values()))
        for age_band, in_band in zip(AGE_BANDS, ages, strict=True):
            women = round(in_band * WOMEN_SHARE[profile][age_band])
            for sex, count in (("kvinna", women), ("man", in_band - women)):
                spread = draw.spread(count, muni_weights[profile])
                for code, persons in spread[spread > 0].items():
                    rows.append((code, sex, age_band, citizenship, persons))
    frame = pd.DataFrame(
        rows, columns=["municipality_code", "sex", "age_band", "citizenship", "persons"]
    )
    return frame.sort_values(["municipality_code", "sex", "age_band", "citizenship"])


def temporary_protection(draw: Draw, kommuntal: pd.DataFrame) -> pd.DataFrame:
    tp = kommuntal.set_index("municipality_code")["kommuntal_temporary_protection"]
    county_weights = draw.weights.by_county(tp + 1)
    applications = draw.official["tp_extension_applications"]
    granted_total = round(applications * draw.official["tp_extension_grant_rate"] / 100)
    per_county = draw.spread(applications, county_weights)
    rejected = pd.Series(apportion(applications - granted_total, per_county), per_county.index)
    registered = draw.spread(draw.official["tp_enrolled_valid_permit"], county_weights)
    return pd.DataFrame(
        {
            "county_code": per_county.index,
            "extension_applications": per_county.to_numpy(),
            "extensions_granted": (per_county - rejected).to_numpy(),
            "registered_december": registered.to_numpy(),
        }
    )


def participants(draw: Draw, kommuntal: pd.DataFrame) -> pd.DataFrame:
    """Participants in the establishment programme per county and sex: women follow both
    reception and the kommuntal for people with temporary protection, men reception only."""
    w = draw.weights
    tp = kommuntal.set_index("municipality_code")["kommuntal_temporary_protection"]
    all_people = w.by_county(w.received_2018)
    women_weights = all_people / all_people.sum() + w.by_county(tp) / tp.sum()
    women = draw.spread(draw.official["est_participants_women"], women_weights)
    men = draw.spread(draw.official["est_participants_men"], all_people)
    frame = pd.concat(
        [
            pd.DataFrame(
                {"county_code": women.index, "sex": "kvinna", "participants": women.to_numpy()}
            ),
            pd.DataFrame({"county_code": men.index, "sex": "man", "participants": men.to_numpy()}),
        ]
    ).sort_values(["county_code", "sex"])
    return frame.reset_index(drop=True)


def exits(draw: Draw) -> pd.DataFrame:
    """Exits from the establishment programme per county and outcome, at the summary's shares."""
    all_people = draw.weights.by_county(draw.weights.received_2018)
    work = round(ESTABLISHMENT_EXITS * draw.official["est_exit_to_work_90d_share"] / 100)
    work_or_studies = round(
        ESTABLISHMENT_EXITS * draw.official["est_exit_to_work_or_studies_share"] / 100
    )
    outcomes = {
        "arbete": work,
        "studier": work_or_studies - work,
        "ovrigt": ESTABLISHMENT_EXITS - work_or_studies,
    }
    frame = pd.concat(
        [
            pd.DataFrame(
                {"county_code": all_people.index, "outcome": outcome, "exits": spread.to_numpy()}
            )
            for outcome, count in outcomes.items()
            for spread in [draw.spread(count, all_people)]
        ]
    ).sort_values(["county_code", "outcome"])
    return frame.reset_index(drop=True)
