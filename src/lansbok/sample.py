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

from lansbok.data import DEFAULT_DATA_DIR, Dataset, atomic_write, load

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
    data_dir: Path | str = DEFAULT_DATA_DIR, seed: int = SEED, year: int | None = None
) -> dict[str, pd.DataFrame]:
    """Build every sample table of the edition `year` (default: the latest year with published
    figures) from the official tables in data_dir (not written)."""
    data = load(data_dir)
    year = data.year if year is None else year
    weights = Weights.from_dataset(data)
    published = data.edition(year).published().set_index("indicator_id")["value"]
    official = {key: int(value) for key, value in published.items()}
    tables: dict[str, pd.DataFrame] = {}
    for name, recipe in recipes().items():
        draw = Draw(data, year, weights, official, stream(seed, name))
        tables[name] = recipe.make(draw, *(tables[n] for n in recipe.needs))
    # Each table is long by year: the year's rows first, as every edition's table is read.
    return {
        name: frame
        if "year" in frame.columns
        else frame.assign(year=year)[["year", *frame.columns]]
        for name, frame in tables.items()
    }


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
        atomic_write(target, _merged(target, _as_text(frame), year).to_csv(**CSV))
        written.append(target)
    return written


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
