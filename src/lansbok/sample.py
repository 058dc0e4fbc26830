"""Deterministic sample tables for the 2024 breakdowns that no public file gives.

Method (also stated in data/datapackage.json under each sample resource's `method`):

1. National totals are the official figures of the 2024 summary (data/published_figures.csv).
   Where the summary gives a share (58 % women, 83 % Ukrainian, 72 % anknytning, a country's
   share of the asylum-seeking minors, ...), the total is split exactly by the largest-remainder
   method, so that every additive sample value sums to the official total and the shares computed
   back from it round to the printed figure.
2. Totals are spread over counties and municipalities by multinomial draws from a generator with
   a fixed seed (SEED), weighted by real structure: Migrationsverket's municipal reception 2018 by
   category (all people, unaccompanied minors, quota refugees, people from accommodation centres)
   and kommuntal 2018. Multinomial draws keep the sum exact.
3. What the summary does not give (the number of exits from the establishment programme, the
   number and size of TIA and 37 a § projects, participants in SO) is chosen as a plausible
   constant below; those values are invented, and the book says so.

The result is sample data: its county and municipality values are not official and are always
labelled `sample`. The function `generate` writes the same bytes on every run.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from lansbok.data import DEFAULT_DATA_DIR, Dataset, atomic_write, load

SEED = 2024
SAMPLE_YEAR = 2024  # the edition whose published figures the sample adds up to

AGE_BANDS = ["0-17", "18-19", "20-65", "66+"]
# Age distribution and share of women per age band, by citizenship group. Chosen so that the
# national shares meet the summary: 58 % women, over 60 % aged 20-65, just under 30 % children.
AGE_PROFILE = {
    "Ukraina": {"0-17": 0.30, "18-19": 0.03, "20-65": 0.61, "66+": 0.06},
    "other": {"0-17": 0.27, "18-19": 0.04, "20-65": 0.66, "66+": 0.03},
}
WOMEN_SHARE = {
    "Ukraina": {"0-17": 0.49, "18-19": 0.50, "20-65": 0.65, "66+": 0.65},
    "other": {"0-17": 0.48, "18-19": 0.45, "20-65": 0.50, "66+": 0.55},
}
# Split of the non-Ukrainian newly arrived by citizenship (invented).
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
# Asylum-seeking unaccompanied minors: the summary's five countries, then the rest (invented).
MINOR_COUNTRIES_2024 = {
    "Syrien": "uam_asylum_share_syria",
    "Afghanistan": "uam_asylum_share_afghanistan",
    "Marocko": "uam_asylum_share_morocco",
    "Somalia": "uam_asylum_share_somalia",
    "Eritrea": "uam_asylum_share_eritrea",
}
MINOR_OTHER_COUNTRIES = {"Etiopien": 0.17, "Irak": 0.15, "Algeriet": 0.12, "Övriga": 0.56}
MINOR_COUNTRIES_2023 = {
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
# Unaccompanied minors 2023: the integers whose change to 2024 rounds to the summary's
# -19 % and +45 % (278/343 - 1 = -18.95 %, 214/148 - 1 = +44.6 %).
MINORS_2023 = {"asylum": 343, "temporary_protection": 148}

ORDINARY_KOMMUNTAL_2024 = 2800  # SFS 2023:572
TEMPORARY_PROTECTION_KOMMUNTAL_2024 = 18800 - 2800  # raised to 18 800 by SFS 2024:480
EXTENSION_REJECTED_SHARE = 0.02
ESTABLISHMENT_EXITS = 8400  # invented: the summary gives only shares of exits
TIA_FRAME_SEK = 68_000_000  # the national TIA frame for 2024 was about 68 MSEK
TIA_PROJECTS = 260
S37A_PROJECTS = 420
SO_PARTICIPANTS = {"kvinna": 8200, "man": 6100}  # invented: "fler kvinnor än män deltar"
SO_KOMVUX = 122  # of 261 answering: 46.7 % of respondents, 42.1 % of all 290


def apportion(total: int, weights) -> np.ndarray:
    """Split an integer total in proportion to weights, exactly (largest remainder)."""
    weights = np.asarray(weights, dtype=float)
    quotas = total * weights / weights.sum()
    counts = np.floor(quotas).astype(int)
    remainder = total - counts.sum()
    order = np.argsort(-(quotas - counts), kind="stable")
    counts[order[:remainder]] += 1
    return counts


@dataclass
class Weights:
    """Real structure that the sample is spread by, per municipality (indexed by code)."""

    municipalities: pd.DataFrame  # municipality_code, county_code
    received_2018: pd.Series  # all people received 2018
    unaccompanied_2018: pd.Series
    quota_2018: pd.Series
    abo_2018: pd.Series  # people from accommodation centres, a proxy for asylum seekers
    kommuntal_2018: pd.Series

    @classmethod
    def from_dataset(cls, data: Dataset) -> Weights:
        munis = data.table("municipalities")[["municipality_code", "county_code"]]
        codes = munis["municipality_code"]
        reception = data.table("kommunmottagna")
        reception = reception[reception["year"] == 2018]
        by_category = reception.pivot_table(
            index="municipality_code", columns="category", values="received", aggfunc="sum"
        ).reindex(codes, fill_value=0)
        unaccompanied = reception.groupby("municipality_code")["received_unaccompanied"].sum()
        kommuntal = data.table("kommuntal_received").set_index("municipality_code")["kommuntal"]
        return cls(
            municipalities=munis,
            received_2018=by_category.sum(axis=1),
            unaccompanied_2018=unaccompanied.reindex(codes, fill_value=0),
            quota_2018=by_category["kvotflykting"],
            abo_2018=by_category["abo"],
            kommuntal_2018=kommuntal.reindex(codes, fill_value=0),
        )

    def by_county(self, series: pd.Series) -> pd.Series:
        county = self.municipalities.set_index("municipality_code")["county_code"]
        return series.groupby(county).sum()


class Generator:
    def __init__(self, data: Dataset, year: int, seed: int = SEED):
        self.data, self.year = data, year
        self.rng = np.random.default_rng(seed)
        self.weights = Weights.from_dataset(data)
        indicators = data.edition(year).published().set_index("indicator_id")["value"]
        self.official = {key: int(value) for key, value in indicators.items()}

    def spread(self, total: int, weights: pd.Series) -> pd.Series:
        """Multinomial draw of `total` over the index of `weights`; sums exactly to total."""
        p = weights.to_numpy(dtype=float)
        return pd.Series(self.rng.multinomial(total, p / p.sum()), index=weights.index)

    def kommuntal_2024(self) -> pd.DataFrame:
        w = self.weights
        ordinary = self.spread(ORDINARY_KOMMUNTAL_2024, w.kommuntal_2018)
        # The summary: four municipalities had no kommuntal for folkbokförda skyddsbehövande,
        # three of them none at all (read as nested). Pick them among the smallest in 2018.
        none_ordinary = ordinary[ordinary == 0].index
        small = w.received_2018.loc[none_ordinary].sort_values(kind="stable")
        without_any = list(small.index[:3])
        with_ordinary = w.received_2018.loc[ordinary[ordinary > 0].index].sort_values(kind="stable")
        without_tp = [*without_any, with_ordinary.index[0]]
        tp_weights = (w.received_2018 + 1).astype(float)
        tp_weights.loc[without_tp] = 0.0
        tp = self.spread(TEMPORARY_PROTECTION_KOMMUNTAL_2024, tp_weights)
        return pd.DataFrame(
            {
                "municipality_code": ordinary.index,
                "kommuntal_ordinary": ordinary.to_numpy(),
                "kommuntal_temporary_protection": tp.to_numpy(),
            }
        )

    def reception(self, kommuntal: pd.DataFrame) -> pd.DataFrame:
        total = self.official["newly_arrived_received_by_municipalities"]
        ukrainian = round(total * self.official["newly_arrived_share_ukrainian"] / 100)
        groups = {"Ukraina": ukrainian}
        others = apportion(total - ukrainian, list(OTHER_CITIZENSHIPS.values()))
        groups.update(zip(OTHER_CITIZENSHIPS, others, strict=True))
        # People with temporary protection were settled by the kommuntal for them; others
        # follow the pattern of reception in 2018.
        tp = kommuntal.set_index("municipality_code")["kommuntal_temporary_protection"]
        muni_weights = {"Ukraina": tp + 0.5, "other": self.weights.received_2018 + 0.5}
        rows = []
        for citizenship, people in groups.items():
            profile = "Ukraina" if citizenship == "Ukraina" else "other"
            ages = apportion(people, list(AGE_PROFILE[profile].values()))
            for age_band, in_band in zip(AGE_BANDS, ages, strict=True):
                women = round(in_band * WOMEN_SHARE[profile][age_band])
                for sex, count in (("kvinna", women), ("man", in_band - women)):
                    spread = self.spread(count, muni_weights[profile])
                    for code, persons in spread[spread > 0].items():
                        rows.append((code, sex, age_band, citizenship, persons))
        frame = pd.DataFrame(
            rows, columns=["municipality_code", "sex", "age_band", "citizenship", "persons"]
        )
        return frame.sort_values(["municipality_code", "sex", "age_band", "citizenship"])

    def minors_applications(self) -> pd.DataFrame:
        asylum = self.official["uam_asylum_seekers"]
        shares = [self.official[i] / 100 for i in MINOR_COUNTRIES_2024.values()]
        counts = apportion(asylum, [*shares, 1 - sum(shares)])
        rest = apportion(int(counts[-1]), list(MINOR_OTHER_COUNTRIES.values()))
        rows = [(2024, "asylum", c, n) for c, n in zip(MINOR_COUNTRIES_2024, counts, strict=False)]
        rows += [(2024, "asylum", c, n) for c, n in zip(MINOR_OTHER_COUNTRIES, rest, strict=True)]
        rows.append((2024, "temporary_protection", "Ukraina", self.official["uam_tpd_applicants"]))
        counts_2023 = apportion(MINORS_2023["asylum"], list(MINOR_COUNTRIES_2023.values()))
        rows += [
            (2023, "asylum", c, n) for c, n in zip(MINOR_COUNTRIES_2023, counts_2023, strict=True)
        ]
        rows.append((2023, "temporary_protection", "Ukraina", MINORS_2023["temporary_protection"]))
        frame = pd.DataFrame(rows, columns=["year", "basis", "citizenship", "children"])
        return frame[frame["children"] > 0]

    def minors_assignments(self) -> pd.DataFrame:
        total = self.official["uam_assignments_total"]
        n_munis = self.official["uam_assignment_municipalities"]
        anknytning = round(total * self.official["uam_assignments_share_anknytning"] / 100)
        weights = self.weights.unaccompanied_2018 + 1.0
        chosen = self.rng.choice(
            weights.index, size=n_munis, replace=False, p=weights / weights.sum()
        )
        chosen = weights.loc[sorted(chosen)]
        per_muni = 1 + self.spread(total - n_munis, chosen)  # every chosen one gets a child
        basis = np.array(["anknytning"] * anknytning + ["maluppfyllnad"] * (total - anknytning))
        self.rng.shuffle(basis)
        children = pd.DataFrame(
            {"municipality_code": np.repeat(per_muni.index, per_muni.to_numpy()), "basis": basis}
        )
        frame = children.value_counts().rename("children").reset_index()
        return frame.sort_values(["municipality_code", "basis"])

    def minors_resettled(self) -> pd.DataFrame:
        spread = self.spread(self.official["uam_resettled"], self.weights.quota_2018 + 0.1)
        spread = spread[spread > 0]
        return pd.DataFrame({"municipality_code": spread.index, "children": spread.to_numpy()})

    def temporary_protection(self, kommuntal: pd.DataFrame) -> pd.DataFrame:
        tp = kommuntal.set_index("municipality_code")["kommuntal_temporary_protection"]
        county_weights = self.weights.by_county(tp + 1)
        applications = self.official["tp_extension_applications"]
        granted_total = round(applications * self.official["tp_extension_grant_rate"] / 100)
        per_county = self.spread(applications, county_weights)
        rejected = pd.Series(apportion(applications - granted_total, per_county), per_county.index)
        registered = self.spread(self.official["tp_enrolled_valid_permit"], county_weights)
        return pd.DataFrame(
            {
                "county_code": per_county.index,
                "extension_applications": per_county.to_numpy(),
                "extensions_granted": (per_county - rejected).to_numpy(),
                "registered_december": registered.to_numpy(),
            }
        )

    def establishment(self, kommuntal: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
        w = self.weights
        tp = kommuntal.set_index("municipality_code")["kommuntal_temporary_protection"]
        all_people = w.by_county(w.received_2018)
        women_weights = all_people / all_people.sum() + w.by_county(tp) / tp.sum()
        women = self.spread(self.official["est_participants_women"], women_weights)
        men = self.spread(self.official["est_participants_men"], all_people)
        participants = pd.concat(
            [
                pd.DataFrame(
                    {"county_code": women.index, "sex": "kvinna", "participants": women.to_numpy()}
                ),
                pd.DataFrame(
                    {"county_code": men.index, "sex": "man", "participants": men.to_numpy()}
                ),
            ]
        ).sort_values(["county_code", "sex"])
        work = round(ESTABLISHMENT_EXITS * self.official["est_exit_to_work_90d_share"] / 100)
        work_or_studies = round(
            ESTABLISHMENT_EXITS * self.official["est_exit_to_work_or_studies_share"] / 100
        )
        outcomes = {
            "arbete": work,
            "studier": work_or_studies - work,
            "ovrigt": ESTABLISHMENT_EXITS - work_or_studies,
        }
        exits = pd.concat(
            [
                pd.DataFrame(
                    {
                        "county_code": all_people.index,
                        "outcome": outcome,
                        "exits": spread.to_numpy(),
                    }
                )
                for outcome, count in outcomes.items()
                for spread in [self.spread(count, all_people)]
            ]
        ).sort_values(["county_code", "outcome"])
        return participants.reset_index(drop=True), exits.reset_index(drop=True)

    def tia_grants(self) -> pd.DataFrame:
        county_weights = self.weights.by_county(self.weights.abo_2018)
        per_county = 3 + self.spread(TIA_PROJECTS - 3 * len(county_weights), county_weights)
        rng = self.rng
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

    def s37a_grants(self) -> pd.DataFrame:
        rng = self.rng
        per_muni = self.spread(S37A_PROJECTS, self.weights.received_2018 + 2)
        per_muni = per_muni[per_muni > 0]
        n = int(per_muni.sum())
        munis = np.repeat(per_muni.index, per_muni.to_numpy())
        numbers = pd.Series(munis).groupby(munis).cumcount() + 1
        grants = np.maximum(10, np.round(rng.lognormal(np.log(80), 0.7, size=n))).astype(int)
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
                "grant_sek": grants * 1000,
                "participants": np.maximum(3, rng.poisson(grants / 4)),
            }
        )

    def so_survey(self) -> pd.DataFrame:
        rng = self.rng
        codes = self.weights.municipalities["municipality_code"].to_numpy()
        answering = round(len(codes) * self.official["so_survey_response_rate"] / 100)
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
        weights = (self.weights.received_2018 + 1).loc[codes[answered]]
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
            frame.loc[answered, column] = self.spread(SO_PARTICIPANTS[sex], weights).to_numpy()
        return frame


def generate(data_dir: Path | str = DEFAULT_DATA_DIR, seed: int = SEED) -> dict[str, pd.DataFrame]:
    """Build every sample table from the official tables in data_dir (not written)."""
    data = load(data_dir)
    year = SAMPLE_YEAR
    gen = Generator(data, year, seed)
    kommuntal = gen.kommuntal_2024()
    participants, exits = gen.establishment(kommuntal)
    tables = {
        "kommuntal": kommuntal,
        "reception": gen.reception(kommuntal),
        "minors_applications": gen.minors_applications(),
        "minors_assignments": gen.minors_assignments(),
        "minors_resettled": gen.minors_resettled(),
        "temporary_protection": gen.temporary_protection(kommuntal),
        "establishment_participants": participants,
        "establishment_exits": exits,
        "tia_grants": gen.tia_grants(),
        "s37a_grants": gen.s37a_grants(),
        "so_survey": gen.so_survey(),
    }
    # Each table is long by year: the year's rows first, as every edition's table is read.
    return {
        name: frame
        if "year" in frame.columns
        else frame.assign(year=year)[["year", *frame.columns]]
        for name, frame in tables.items()
    }


def write(data_dir: Path | str = DEFAULT_DATA_DIR, seed: int = SEED) -> list[Path]:
    """Regenerate the sample tables and write them to their resources' paths."""
    data_dir = Path(data_dir)
    resources = load(data_dir).resources
    written = []
    for name, frame in generate(data_dir, seed).items():
        resource = resources[name]
        assert resource["status"] == "sample", f"{name} is not a sample resource"
        target = data_dir / resource["path"]
        atomic_write(target, frame.to_csv(index=False, lineterminator="\n"))
        written.append(target)
    return written
