"""Deterministic sample tables for the breakdowns of an edition that no public file gives.

Method (also stated in data/datapackage.json under each sample resource's `method`):

1. National totals are the official figures of the edition's summary (data/published_figures.csv)
   and, for the kommuntal, the national totals set by statute (data/assignments_national.csv).
   Where the summary gives a share (58 % women, 83 % Ukrainian, 72 % anknytning, a country's
   share of the asylum-seeking minors, ...), the total is split exactly by the largest-remainder
   method, so that every additive sample value sums to the official total and the shares computed
   back from it round to the printed figure.
2. Totals are spread over counties and municipalities by multinomial draws, weighted by real
   structure: Migrationsverket's municipal reception 2018 by category (all people, unaccompanied
   minors, quota refugees, people from accommodation centres) and kommuntal 2018. Multinomial
   draws keep the sum exact.
3. What the summary does not give (the number of exits from the establishment programme, the
   number and size of TIA and 37 a § projects, participants in SO) is a plausible constant in the
   table's recipe; those values are invented, and the book says so.

Each table has its own random stream, derived from the seed and the table's name alone, and its
recipe lives beside its section (`lansbok.sections.<section>_sample`): changing one recipe leaves
every other table byte-identical. A table may read another sample table (the kommuntal feed
reception, temporary protection and the establishment programme), never its draws.

The result is sample data: its county and municipality values are not official and are always
labelled `sample`. The function `generate` returns the same frames on every run.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from lansbok.data import DEFAULT_DATA_DIR, OFFICIAL, Dataset, atomic_write, load

SEED = 2024  # the seed of every stream: a number, not the edition


def apportion(total: int, weights) -> np.ndarray:
    """Split an integer total in proportion to weights, exactly (largest remainder)."""
    weights = np.asarray(weights, dtype=float)
    quotas = total * weights / weights.sum()
    counts = np.floor(quotas).astype(int)
    remainder = total - counts.sum()
    order = np.argsort(-(quotas - counts), kind="stable")
    counts[order[:remainder]] += 1
    return counts


def stream(seed: int, table: str) -> np.random.Generator:
    """The random stream of one table: a function of the seed and the table's name only, so it
    does not depend on which other tables exist or in what order they are drawn (crc32, unlike
    hash(), is the same in every process)."""
    key = zlib.crc32(table.encode("utf-8"))
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(key,)))


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


@dataclass
class Draw:
    """What a recipe makes its table from: the edition's official figures, the real weights and
    the table's own random stream (`rng`)."""

    data: Dataset
    year: int
    weights: Weights
    official: dict[str, int]
    rng: np.random.Generator

    def spread(self, total: int, weights: pd.Series) -> pd.Series:
        """Multinomial draw of `total` over the index of `weights`; sums exactly to total."""
        p = weights.to_numpy(dtype=float)
        return pd.Series(self.rng.multinomial(total, p / p.sum()), index=weights.index)

    def assignments(self, version: str) -> int:
        """The national number of planned assignments of the year (assignments_national), as
        first set (`initial`) or as revised (`revised`; the initial figure if never revised)."""
        rows = self.data.table("assignments_national")
        rows = rows[rows["year"] == self.year].set_index("version")["national_total"]
        return int(rows.get(version, rows["initial"]))


@dataclass(frozen=True)
class Recipe:
    """How one sample table is made: `make(draw, *tables it needs)`."""

    make: Callable[..., pd.DataFrame]
    needs: tuple[str, ...] = ()


def recipes() -> dict[str, Recipe]:
    """Every sample table and its recipe, the tables a recipe needs before it. The recipes live
    beside their sections and are read at call time, so a changed recipe is seen at once."""
    from lansbok.sections import minors_sample, reception_sample, s37a_sample, so_sample, tia_sample

    return {
        "kommuntal": Recipe(reception_sample.kommuntal),
        "reception": Recipe(reception_sample.reception, needs=("kommuntal",)),
        "temporary_protection": Recipe(reception_sample.temporary_protection, ("kommuntal",)),
        "establishment_participants": Recipe(reception_sample.participants, ("kommuntal",)),
        "establishment_exits": Recipe(reception_sample.exits),
        "minors_applications": Recipe(minors_sample.applications),
        "minors_assignments": Recipe(minors_sample.assignments),
        "minors_resettled": Recipe(minors_sample.resettled),
        "tia_grants": Recipe(tia_sample.grants),
        "s37a_grants": Recipe(s37a_sample.grants),
        "so_survey": Recipe(so_sample.survey),
    }


def generate(
    data_dir: Path | str | Dataset = DEFAULT_DATA_DIR,
    seed: int = SEED,
    year: int | None = None,
    tables: list[str] | None = None,
) -> dict[str, pd.DataFrame]:
    """Build the sample tables of the edition `year` (default: the latest year with published
    figures) from the official tables in data_dir, or of a Dataset (not written): every one,
    or `tables` and the tables their recipes need. Where a county's own rows have been imported
    (`lansbok:imports`), that county's rows are those and the sample fills the remainder
    (`fill_remainder`); a year imported whole is the imported rows."""
    data = data_dir if isinstance(data_dir, Dataset) else load(data_dir)
    year = data.year if year is None else year
    weights = Weights.from_dataset(data)
    published = data.edition(year).published().set_index("indicator_id")["value"]
    official = {key: int(value) for key, value in published.items()}
    every = recipes()
    wanted = list(every) if tables is None else _with_needs(every, tables)
    made: dict[str, pd.DataFrame] = {}
    for name in wanted:
        recipe = every[name]
        draw = Draw(data, year, weights, official, stream(seed, name))
        made[name] = recipe.make(draw, *(made[n] for n in recipe.needs))
    # Each table is long by year: the year's rows first, as every edition's table is read.
    made = {
        name: frame
        if "year" in frame.columns
        else frame.assign(year=year)[["year", *frame.columns]]
        for name, frame in made.items()
    }
    return {
        name: fill_remainder(data, name, frame, year)
        for name, frame in made.items()
        if tables is None or name in tables
    }


def _with_needs(every: dict[str, Recipe], tables: list[str]) -> list[str]:
    """`tables` and, before them, the tables their recipes need, in the recipes' order."""
    wanted = set()
    todo = list(tables)
    while todo:
        name = todo.pop()
        if name not in every:
            raise KeyError(f"{name!r} is not a sample table ({', '.join(every)})")
        if name not in wanted:
            wanted.add(name)
            todo.extend(every[name].needs)
    return [name for name in every if name in wanted]


class RemainderError(ValueError):
    """Official rows that exceed a published national total: no sample can fill the rest."""


# Columns that place a row (where and when), not what it counts: the sample is rebalanced
# within each combination of the other key columns (a basis, an outcome).
PLACE_COLUMNS = {"year", "county_code", "municipality_code", "project_id"}


def fill_remainder(data: Dataset, name: str, made: pd.DataFrame, year: int) -> pd.DataFrame:
    """The table of `year` as the data package holds it: `made` (the recipe's rows) where every
    county is sample; the imported rows where the year was imported whole; else the official
    counties' imported rows, and the recipe's rows of the other counties rebalanced so that,
    with the official rows, each `lansbok:totals` rule still holds. RemainderError when the
    official rows exceed a published total."""
    official = data.official_counties(name, year)
    if not official or data.resources[name]["status"] == OFFICIAL:
        return made
    other_years, made = made[made["year"] != year], made[made["year"] == year]
    rows = data.whole().table(name)
    rows = rows[rows["year"] == year].astype(made.dtypes.to_dict())
    if official != frozenset(data.whole().table("counties")["county_code"]):
        rows = rows[county_codes(data, rows).isin(official)]
        sample_rows = made[~county_codes(data, made).isin(official)]
        for rule in data.resources[name].get("lansbok:totals", []):
            sample_rows = _rebalanced(data, name, rule, made, sample_rows, rows, year)
        rows = pd.concat([rows, sample_rows])
        key = data.resources[name]["schema"].get("primaryKey", [])
        rows = rows.sort_values(key, kind="stable") if key else rows
    return pd.concat([rows, other_years], ignore_index=True)


def county_codes(data: Dataset, frame: pd.DataFrame) -> pd.Series:
    """Each row's county: its county_code, or its municipality's."""
    if "county_code" in frame.columns:
        return frame["county_code"]
    county = data.whole().table("municipalities").set_index("municipality_code")["county_code"]
    return frame["municipality_code"].map(county)


# Key columns that place a row (where and when) rather than say what it counts: the sample is
# rebalanced within each combination of the others (a basis, an outcome).
PLACE_COLUMNS = {"year", "county_code", "municipality_code", "project_id"}


def _rebalanced(data, name, rule, made, sample_rows, official, year) -> pd.DataFrame:
    """The sample rows with `rule`'s field rebalanced: the published total less the official
    rows is split over the categories as the recipe drew them nationally less what the official
    rows hold (so published shares stay as near as whole numbers allow), and within a category
    in proportion to the drawn values (a zero stays zero)."""
    if rule.get("where") or rule.get("by", []) != ["year"]:
        raise ValueError(
            f"{name}: the sample can fill the remainder of one total a year, not of a rule "
            "by category"
        )
    target = rule["equals"]
    expected = data.whole().table(target["resource"])
    for column, value in target.get("where", {}).items():
        expected = expected[expected[column] == value]
    expected = expected.loc[expected["year"] == year, target["field"]]
    if expected.empty:  # a year with no published total: nothing to hold
        return sample_rows
    field = rule["field"]
    total, imported = int(expected.iloc[0]), int(official[field].sum())
    if imported > total:
        label = target.get("where", {}).get("indicator_id", target["resource"])
        raise RemainderError(
            f"the county's rows sum to {imported} ({field}), more than the published national "
            f"total {label} of {year} ({total})"
        )
    key = data.resources[name]["schema"].get("primaryKey", [])
    strata = [c for c in key if c not in PLACE_COLUMNS]

    def stratum(frame: pd.DataFrame) -> pd.Series:
        if not strata:
            return pd.Series("", index=frame.index)
        return frame[strata].astype(str).agg(" / ".join, axis=1)

    of_row = stratum(sample_rows)
    present = pd.Index(of_row.unique())
    if present.empty:
        raise RemainderError(f"no sample rows are left to fill the remainder of {field}")
    drawn = made[field].groupby(stratum(made)).sum().reindex(present, fill_value=0)
    taken = official[field].groupby(stratum(official)).sum().reindex(present, fill_value=0)
    weights = (drawn - taken).clip(lower=0)
    if weights.sum() == 0:
        weights = pd.Series(1, index=present)
    out = sample_rows.copy()
    for name_of, stratum_total in zip(present, apportion(total - imported, weights), strict=True):
        rows = of_row == name_of
        values = out.loc[rows, field].to_numpy()
        out.loc[rows, field] = apportion(
            int(stratum_total), values if values.sum() else values * 0 + 1
        )
    # A table that lists only what happened (no row for zero) drops the rows rebalanced to 0.
    spec = next(f for f in data.resources[name]["schema"]["fields"] if f["name"] == field)
    minimum = spec.get("constraints", {}).get("minimum", 0)
    return out[out[field] >= minimum]


def write(
    data_dir: Path | str = DEFAULT_DATA_DIR, seed: int = SEED, year: int | None = None
) -> list[Path]:
    """Regenerate the sample tables of the edition `year` (default: the latest) and write them
    to their resources' paths. The year's rows are replaced and every other year's rows kept,
    so that a new edition's sample leaves the earlier ones as they were; a recipe's rows of
    another year (the year before, for a change) only fill a year the table does not have."""
    data_dir = Path(data_dir)
    data = load(data_dir)
    year = data.year if year is None else year
    written = []
    for name, frame in generate(data_dir, seed, year).items():
        resource = data.resources[name]
        assert resource["status"] == "sample", f"{name} is not a sample resource"
        target = data_dir / resource["path"]
        atomic_write(target, merged_with_file(target, frame, year).to_csv(**CSV))
        written.append(target)
    return written


def merged_with_file(target: Path, frame: pd.DataFrame, year: int) -> pd.DataFrame:
    """The table file's rows (as text) with the year's rows replaced by `frame`'s, in the order
    the sample writes them: what `write` and a county's import both write."""
    return _merged(target, _as_text(frame), year)


CSV = {"index": False, "lineterminator": "\n"}


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """A frame's cells as the CSV writes them, so that rows read back from a file and rows just
    made are written alike."""
    return pd.read_csv(io.StringIO(frame.to_csv(**CSV)), dtype=str, keep_default_na=False)


def _merged(target: Path, made: pd.DataFrame, year: int) -> pd.DataFrame:
    if not target.exists():
        return made
    existing = pd.read_csv(target, dtype=str, keep_default_na=False)
    kept = existing[existing["year"] != str(year)]
    this_year = made[made["year"] == str(year)]
    filling = made[(made["year"] != str(year)) & ~made["year"].isin(kept["year"])]
    return pd.concat([this_year, kept, filling], ignore_index=True)
