"""Reception of newly arrived people, with temporary protection and the establishment programme."""

from __future__ import annotations

import math
import re

import pandas as pd

from lansbok.charts import sv_list
from lansbok.data import Dataset
from lansbok.figures import combined_status, share
from lansbok.geography import Geography
from lansbok.population import municipality_population, rate
from lansbok.sections import municipal
from lansbok.sections.common import FigureSet, in_geography

CHILDREN, WORKING_AGE = "0-17", "20-65"


def received_by_municipality(data: Dataset, geo: Geography) -> pd.DataFrame:
    """People received per municipality, and per 10 000 inhabitants (`per_10000`, unrounded;
    NaN where SCB's population of the municipality for the year is not in the data). An
    imported official kommunmottagna table for the year takes precedence over the sample."""
    official = in_geography(data, "kommunmottagna", geo)  # the edition's year
    if len(official):
        frame = official.rename(columns={"received": "persons"})
    else:
        frame = in_geography(data, "reception", geo)
    keys = ["municipality_code", "municipality", "county_code", "status"]
    out = (
        frame.groupby(keys, as_index=False)["persons"]
        .sum()
        .sort_values("persons", ascending=False, kind="stable")
    )
    inhabitants = (
        out["municipality_code"].map(municipality_population(data, data.year)).astype(float)
    )
    out.insert(out.columns.get_loc("persons") + 1, "per_10000", rate(out["persons"], inhabitants))
    population_status = data.status("population_municipalities")
    out["status"] = out["status"].map(lambda s: combined_status([s, population_status]))
    return out


def composition(data: Dataset, geo: Geography, by: list[str]) -> pd.DataFrame:
    """Newly arrived in the year by some of `sex`, `age_band`, `citizenship`, with shares."""
    frame = in_geography(data, "reception", geo)
    out = frame.groupby(by, as_index=False).agg(
        persons=("persons", "sum"), status=("status", combined_status)
    )
    out["share"] = 100 * out["persons"] / out["persons"].sum()
    return out.sort_values("persons", ascending=False, kind="stable")


MONTHS_SV = "januari februari mars april maj juni juli augusti september oktober november december"


def quota_revision(data: Dataset) -> dict[str, int | str]:
    """The national number of planned assignments (the sum of the länstal) for the year, as
    first set and as revised, with the date and statute of the revision: the words
    `quota_initial`, `quota_revised`, `quota_valid_from` and `quota_source` of the text."""
    rows = data.table("assignments_national")
    rows = rows[rows["year"] == data.year].set_index("version")
    if "revised" not in rows.index:  # a year whose länstal were not revised
        return {"quota_initial": int(rows.loc["initial", "national_total"])}
    revised = rows.loc["revised"]
    valid_from = pd.Timestamp(revised["valid_from"])
    statute = re.match(r"SFS \d{4}:\d+", revised["source"])
    return {
        "quota_initial": int(rows.loc["initial", "national_total"]),
        "quota_revised": int(revised["national_total"]),
        "quota_valid_from": f"{valid_from.day} {MONTHS_SV.split()[valid_from.month - 1]} "
        f"{valid_from.year}",
        "quota_source": statute.group(0) if statute else revised["source"],
    }


def kommuntal_gaps(data: Dataset, geo: Geography) -> dict[str, str]:
    """For a county, which municipalities had no kommuntal for registered protection seekers
    and which none at all: the words `utan_kommuntal_tp` and `utan_kommuntal` of the text
    (' (Kiruna)' or empty). Riket names none: its text gives the count, as the summary does."""
    if geo.is_national:
        return {"utan_kommuntal_tp": "", "utan_kommuntal": ""}
    kommuntal = in_geography(data, "kommuntal", geo)
    no_tp = kommuntal["kommuntal_temporary_protection"] == 0
    none = no_tp & (kommuntal["kommuntal_ordinary"] == 0)
    names = data.table("municipalities").set_index("municipality_code")["name_short"]

    def listed(mask) -> str:
        found = sorted(names[kommuntal.loc[mask, "municipality_code"]])
        return f" ({sv_list(found)})" if found else ""

    return {"utan_kommuntal_tp": listed(no_tp), "utan_kommuntal": listed(none)}


def lanstal_history(data: Dataset, geo: Geography) -> pd.DataFrame:
    """Länstal per year and version (initial, revised) for a county, or the national number of
    assignments for Riket, with the statute (SFS number) that set each, where known."""
    if geo.is_national:
        frame = in_geography(data, "assignments_national", geo, every_year=True).rename(
            columns={"national_total": "lanstal"}
        )
        frame["sfs"] = frame["source"].str.extract(r"(SFS \d{4}:\d+)", expand=False)
    else:
        frame = in_geography(data, "lanstal", geo, every_year=True)
    frame = frame.sort_values(["year", "version"], kind="stable")
    return frame[["year", "version", "lanstal", "sfs", "status"]].reset_index(drop=True)


def lanstal_source(history: pd.DataFrame) -> str:
    """The statute behind länstal: the annex of förordning (2016:40) as amended by the SFS
    numbers of `history`."""
    numbers = {sfs.removeprefix("SFS ") for sfs in history["sfs"].dropna()}
    numbers = sorted(numbers, key=lambda n: tuple(map(int, n.split(":"))))
    return (
        "Förordning (2016:40) om fördelning av anvisningar till kommuner, bilaga, i lydelse "
        f"enligt SFS {', '.join(numbers)}"
    )


def figures(data: Dataset, geo: Geography) -> FigureSet:
    out = FigureSet(data, geo)
    if geo.is_national:  # SCB's series is national only: a county page shows no county figure
        seekers = data.table("asylum_seekers").set_index("year")["total"]
        this_year, last_year = (
            seekers.get(data.year, math.nan),
            seekers.get(data.year - 1, math.nan),
        )
        out.add("asylum_seekers_total", this_year, "asylum_seekers")
        out.add(
            "asylum_seekers_change_vs_previous_year",
            share(this_year, last_year) - 100,
            "asylum_seekers",
        )
    received = received_by_municipality(data, geo)
    sources = tuple(
        sorted({"kommunmottagna" if s == "official" else "reception" for s in received["status"]})
    )
    total = received["persons"].sum()
    out.add("newly_arrived_received_by_municipalities", total, *sources)

    people = in_geography(data, "reception", geo)
    n = people["persons"].sum()

    def part(mask) -> float:
        return share(people.loc[mask, "persons"].sum(), n)

    out.add("newly_arrived_share_women", part(people["sex"] == "kvinna"), "reception")
    out.add(
        "newly_arrived_share_age_20_65",
        part(people["age_band"] == WORKING_AGE),
        "reception",
    )
    out.add(
        "newly_arrived_share_children",
        part(people["age_band"] == CHILDREN),
        "reception",
    )
    out.add(
        "newly_arrived_share_ukrainian",
        part(people["citizenship"] == "Ukraina"),
        "reception",
    )

    kommuntal = in_geography(data, "kommuntal", geo)
    no_tp = kommuntal["kommuntal_temporary_protection"] == 0
    out.add(
        "municipalities_without_kommuntal_registered_tp",
        no_tp.sum(),
        "kommuntal",
    )
    out.add(
        "municipalities_without_any_kommuntal",
        (no_tp & (kommuntal["kommuntal_ordinary"] == 0)).sum(),
        "kommuntal",
    )

    tp = in_geography(data, "temporary_protection", geo)
    applications = tp["extension_applications"].sum()
    out.add("tp_extension_applications", applications, "temporary_protection")
    out.add(
        "tp_extension_grant_rate",
        share(tp["extensions_granted"].sum(), applications),
        "temporary_protection",
    )
    out.add(
        "tp_enrolled_valid_permit",
        tp["registered_december"].sum(),
        "temporary_protection",
    )

    est = in_geography(data, "establishment_participants", geo)
    out.add("est_participants", est["participants"].sum(), "establishment_participants")
    for sex, suffix in (("kvinna", "women"), ("man", "men")):
        out.add(
            f"est_participants_{suffix}",
            est.loc[est["sex"] == sex, "participants"].sum(),
            "establishment_participants",
        )
    exits = in_geography(data, "establishment_exits", geo)
    by_outcome = exits.groupby("outcome")["exits"].sum()
    n_exits = by_outcome.sum()
    out.add(
        "est_exit_to_work_90d_share",
        share(by_outcome.get("arbete", 0), n_exits),
        "establishment_exits",
    )
    out.add(
        "est_exit_to_work_or_studies_share",
        share(by_outcome.get("arbete", 0) + by_outcome.get("studier", 0), n_exits),
        "establishment_exits",
    )
    return out


# A municipality page: the figures its municipality tables give (the rest stop at the county).
# The shares of the people received, by a column's value.
SHARES = {
    "newly_arrived_share_women": ("sex", "kvinna"),
    "newly_arrived_share_age_20_65": ("age_band", WORKING_AGE),
    "newly_arrived_share_children": ("age_band", CHILDREN),
    "newly_arrived_share_ukrainian": ("citizenship", "Ukraina"),
}


def municipality_figures(data: Dataset, geo: Geography) -> FigureSet:
    """The figures of the section's municipality tables, defined as in `figures` and computed
    alike for a municipality, a county or Riket: the people received (per 10 000 inhabitants
    in `municipality_comparison`), the shares of women, 20–65-year-olds, children and
    Ukrainians among them, and the kommuntal (ordinary and for people with temporary
    protection)."""
    out = FigureSet(data, geo)
    received = received_by_municipality(data, geo)
    sources = tuple(
        sorted({"kommunmottagna" if s == "official" else "reception" for s in received["status"]})
    )
    out.add(
        "newly_arrived_received_by_municipalities",
        received["persons"].sum(),
        *(sources or ("reception",)),  # no one received: the count is the sample's zero
    )
    people = in_geography(data, "reception", geo)
    n = people["persons"].sum()
    for key, (column, value) in SHARES.items():
        part = people.loc[people[column] == value, "persons"].sum()
        out.add(key, share(part, n), "reception")
    kommuntal = in_geography(data, "kommuntal", geo)
    for column in ("kommuntal_ordinary", "kommuntal_temporary_protection"):
        out.add(column, kommuntal[column].sum(), "kommuntal")
    return out


def municipality_comparison(data: Dataset, geo: Geography) -> pd.DataFrame:
    """A municipality's figures beside its county's and Riket's (`municipal.beside`)."""
    return municipal.beside(data, geo, municipality_figures)
