"""Derive the official reference and history tables in data/ from the gathered public sources.

Run once when a source changes: python scripts/derive_official_data.py [SOURCES_DIR]
SOURCES_DIR defaults to ../shared/data-sources beside the project. The municipal reception
table (kommunmottagna) and SCB's population are not derived here: they go through `lansbok
import kommunmottagna` and `lansbok import befolkning`, the importers an analyst uses for a newer
year. The indicator registry (data/indicators.csv: unit, label, section and producer of each
indicator) is maintained by hand: it is read here to check the summary's figures against it,
never written.

Every output is checked against the totals printed in its source before it is written.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"


def read(path: Path, **kwargs) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig", **kwargs)


def write(frame: pd.DataFrame, name: str) -> None:
    frame.to_csv(DATA / name, index=False, lineterminator="\n")
    print(f"wrote data/{name}: {len(frame)} rows")


def counties(src: Path) -> None:
    seed = read(src / "seed-catalogue" / "counties.csv")
    geo = read(src / "swedish-geodata" / "counties.csv")
    frame = seed.merge(geo, left_on="lan_kod", right_on="county_code", validate="1:1")
    out = pd.DataFrame(
        {
            "county_code": frame["lan_kod"],
            "name": frame["lan_namn"],
            "name_short": frame["county_name_short"],
            "letter_code": frame["lansbokstav"],
            "iso_3166_2": frame["iso_3166_2"],
            "seat": frame["residensstad"],
            "municipalities": frame["n_kommuner"].astype(int),
        }
    )
    assert len(out) == 21 and out["municipalities"].sum() == 290
    write(out, "counties.csv")


def municipalities(src: Path) -> None:
    geo = read(src / "swedish-geodata" / "municipalities.csv")
    scb = read(src / "scb-kommunlankod" / "kommunlankod_2025.csv", sep=";", skiprows=7, header=None)
    scb_codes = set(scb[0][scb[0].str.len() == 4])
    assert set(geo["municipality_code"]) == scb_codes, "geodata and SCB 2025 code lists differ"
    out = geo.rename(columns={"municipality_name": "name", "municipality_name_short": "name_short"})
    out = out[["municipality_code", "name", "name_short", "county_code"]]
    out = out.sort_values("municipality_code")
    assert len(out) == 290
    write(out, "municipalities.csv")


def lanstal(src: Path) -> None:
    frame = read(src / "lanstal" / "lanstal_by_county_year.csv")
    frame["version"] = frame["version"].where(frame["year"] != "2018", "initial")
    frame["sfs"] = frame["sfs"].where(frame["year"] != "2018", "SFS 2017:913")
    out = frame[["year", "version", "sfs", "county_code", "lanstal"]].copy()
    totals = frame.assign(lanstal=frame["lanstal"].astype(int)).groupby(["year", "version"])
    for (year, version), group in totals:
        assert group["lanstal"].sum() == int(group["national_total"].iloc[0]), (year, version)
    write(out.sort_values(["year", "version", "county_code"]), "lanstal.csv")


def assignments_national(src: Path) -> None:
    frame = read(src / "lanstal" / "anvisningar_national_total_by_year.csv")
    version = frame["version"].str.extract(r"^(initial|revised)")[0]
    valid_from = frame["version"].str.extract(r"(\d{4}-\d{2}-\d{2})")[0].fillna("")
    out = pd.DataFrame(
        {
            "year": frame["year"],
            "version": version,
            "valid_from": valid_from,
            "national_total": frame["national_total_anvisningar"],
            "source": frame["source"],
        }
    )
    write(out, "assignments_national.csv")


def kommuntal_received(src: Path) -> None:
    frame = read(src / "infovislabb" / "Anvisningar_enligt_kommuntalen_2018.csv")
    rows = frame[frame["Kommunkod"] != ""]
    out = pd.DataFrame(
        {
            "year": "2018",
            "municipality_code": rows["Kommunkod"].str.zfill(4),
            "kommuntal": rows["Tal"].astype(int),
            "received": rows["Mottagna"].astype(int),
        }
    ).sort_values("municipality_code")
    county_rows = frame[frame["Kommunkod"] == ""]
    assert out["kommuntal"].sum() == county_rows["Tal"].astype(int).sum() == 15200
    assert out["received"].sum() == county_rows["Mottagna"].astype(int).sum()
    write(out, "kommuntal_received.csv")


def asylum_applications(src: Path) -> None:
    frame = read(src / "se-immigration-data" / "applications.csv")
    out = pd.DataFrame(
        {
            "month": frame["year_month"],
            "applications": frame["total"],
            "women": frame["female"],
            "men": frame["male"],
            "minors": frame["minors"],
            "unaccompanied_minors": frame["unacc_minors"],
        }
    )
    year_2015 = out[out["month"].str.startswith("2015")]
    assert year_2015["applications"].astype(int).sum() == 162877
    assert year_2015["unaccompanied_minors"].astype(int).sum() == 35369
    write(out, "asylum_applications_monthly.csv")


def asylum_seekers(src: Path) -> None:
    """SCB's annual series "Asylsökande i Sverige"; unaccompanied minors only to 2022."""
    frame = read(src / "scb" / "asylsokande_2002-2024.csv")
    out = pd.DataFrame(
        {
            "year": frame["ar"],
            "total": frame["asylsokande_totalt"],
            "women": frame["kvinnor"],
            "men": frame["man"],
            "unaccompanied_minors": frame["ensamkommande_barn"],
            "unaccompanied_girls": frame["ensamkommande_flickor"],
            "unaccompanied_boys": frame["ensamkommande_pojkar"],
        }
    )
    counts = out.drop(columns="year").replace("", None).astype("Int64")
    assert (counts["women"] + counts["men"] == counts["total"]).all()
    by_sex = counts["unaccompanied_girls"] + counts["unaccompanied_boys"]
    given = by_sex.notna()
    assert (by_sex[given] == counts.loc[given, "unaccompanied_minors"]).all()
    assert out["year"].tolist() == [str(y) for y in range(2002, 2025)]
    # The same 2015 totals as Migrationsverket's monthly files (asylum_applications_monthly).
    assert counts.loc[out["year"] == "2015", ["total", "unaccompanied_minors"]].values.tolist() == [
        [162877, 35369]
    ]
    write(out, "asylum_seekers.csv")


# The summary's grouping of its figures -> the book's section that shows them (the rest agree).
SUMMARY_SECTIONS = {
    "temporary_protection": "reception",
    "establishment_programme": "reception",
    "regional_cooperation": "tia",
}
# The catalogue's units as the indicator registry names them.
CATALOGUE_UNITS = {"hours per participant": "hours"}


def indicators(src: Path) -> None:
    """The summary's figures: reported rows of the catalogue, with the kind of each figure.
    What does not change from year to year (unit, label, section, producer) is in the indicator
    registry data/indicators.csv, maintained by hand (it also holds the figures the book computes
    that the summary does not state): it is read here, never written, and every figure of the
    summary must be in it with the catalogue's unit and section."""
    frame = read(src / "seed-catalogue" / "indicators-2024.csv")
    frame = frame[frame["kind"] == "reported"].copy()
    kind = pd.Series("exact", index=frame.index)
    kind[frame["value_low"] != ""] = "lower_bound"
    kind[frame["value_high"] != ""] = "upper_bound"
    # Percentages, percent changes and the round 35 000 are printed rounded.
    is_percent = frame["unit"].str.startswith("percent") & (kind == "exact")
    kind[is_percent] = "rounded"
    step = pd.Series("", index=frame.index)
    step[is_percent] = "1"
    round_thousand = frame["unit"].str.contains("probably rounded")
    kind[round_thousand] = "rounded"
    step[round_thousand] = "1000"
    value = frame["value"].where(kind.isin(["exact", "rounded"]), "")
    value = value.mask(kind == "lower_bound", frame["value_low"])
    value = value.mask(kind == "upper_bound", frame["value_high"])
    indicator_id = frame["indicator_id"].str.replace("_vs_2023", "_vs_previous_year")
    # "percent of 32 866" -> "percent"; the base of a share is the computation's business.
    unit = frame["unit"].str.replace(r" of .*| \(.*\)", "", regex=True).replace(CATALOGUE_UNITS)
    section = frame["section"].replace(SUMMARY_SECTIONS)
    registry = read(DATA / "indicators.csv").set_index("indicator_id")
    unknown = sorted(set(indicator_id) - set(registry.index))
    assert not unknown, f"figures of the summary missing from data/indicators.csv: {unknown}"
    for key, name in ((unit, "unit"), (section, "section")):
        stated = pd.Series(key.to_numpy(), index=indicator_id.to_numpy())
        differ = stated[stated != registry.loc[stated.index, name]]
        assert differ.empty, f"data/indicators.csv has another {name} than the catalogue: {differ}"
    out = pd.DataFrame(
        {
            "year": "2024",  # the edition: the summary of 2024
            "indicator_id": indicator_id,
            "statement_sv": frame["swedish_wording"],
            "value": value,
            "kind": kind,
            "rounding_step": step,
            "period": frame["reference_period"],
        }
    )
    write(out, "published_figures.csv")


def main(argv: list[str]) -> None:
    src = Path(argv[1]) if len(argv) > 1 else ROOT.parent / "shared" / "data-sources"
    for derive in (
        counties,
        municipalities,
        lanstal,
        assignments_national,
        kommuntal_received,
        asylum_applications,
        asylum_seekers,
        indicators,
    ):
        derive(src)


if __name__ == "__main__":
    main(sys.argv)
