"""The book's pages, registered once: each section of the summary (and the county overview and
the comparison page) as a `Section` read by the runner, the table of contents, the status page,
the benchmark and the tests. Section computations are pure functions from the loaded tables and
a geography to tidy frames and key figures, one module per section."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module

import pandas as pd

from lansbok.data import Dataset
from lansbok.figures import Figure, reconcile, registry
from lansbok.geography import RIKET, Geography

# Tables every page reads; a change in one re-executes every page (Riket's population is the sum
# of the counties'; municipality tables give rates per 10 000 inhabitants; the indicator
# registry gives every figure its unit and label; the text quotes the summary's published
# figures).
REFERENCE_TABLES = (
    "counties",
    "municipalities",
    "indicators",
    "published_figures",
    "population",
    "population_municipalities",
)
LEVELS = ("riket", "lan", "kommun")


@dataclass(frozen=True)
class Section:
    """A page made for each geography of its levels from the template notebooks/<name>.ipynb
    (running text, if any, in notebooks/text/<year>/<name>.yml).

    `tables` are the tables it reads besides REFERENCE_TABLES: its pages see the data through a
    view that refuses any other (`Dataset.only`), so that the cache key, which covers these
    tables, is complete by construction. A page's key covers the rows of its geography (for a
    municipality, also its county's figures and its county's rows of protected tables; see
    `lansbok.run.KeyMaker`) and, with `across_counties` (a page that ranks the counties),
    every county's figures, which is all such a page reads of the other counties."""

    name: str
    title: str  # Swedish, as the status table and the standalone pages name it
    module: str  # the module whose figures(data, geo) gives the section's key figures
    tables: tuple[str, ...]
    levels: tuple[str, ...] = ("riket", "lan")
    summary: bool = True  # a section of the summary: key figures, status table, reconciliation
    across_counties: bool = False

    def __post_init__(self):
        unknown = set(self.levels) - set(LEVELS)
        if unknown:
            raise ValueError(f"section {self.name}: unknown level {sorted(unknown)}")

    @property
    def readable(self) -> frozenset[str]:
        return frozenset({*REFERENCE_TABLES, *self.tables})

    def view(self, data: Dataset) -> Dataset:
        """The data as this section may read it."""
        return data.only(self.readable)

    def figures(self, data: Dataset, geo: Geography) -> dict[str, Figure]:
        return import_module(self.module).figures(self.view(data), geo)


# Every page, in the order a county's chapter lists them; SECTIONS: the summary's sections.
PAGES: dict[str, Section] = {}
SECTIONS: dict[str, Section] = {}


def register(section: Section) -> Section:
    """Add a page to the book: the runner, the table of contents and the status page take it
    from here."""
    PAGES[section.name] = section
    if section.summary:
        SECTIONS[section.name] = section
    return section


def unregister(name: str) -> None:
    PAGES.pop(name, None)
    SECTIONS.pop(name, None)


_RECEPTION = (
    "kommunmottagna",
    "reception",
    "kommuntal",
    "temporary_protection",
    "establishment_participants",
    "establishment_exits",
    "lanstal",
    "assignments_national",
    "asylum_seekers",
)
_MINORS = ("minors_applications", "minors_assignments", "minors_resettled")
_ALL = (*_RECEPTION, *_MINORS, "tia_grants", "s37a_grants", "so_survey")

register(Section("overview", "Översikt", "lansbok.overview", _ALL, ("lan",), False, True))
register(Section("reception", "Mottagande", "lansbok.sections.reception", _RECEPTION))
register(Section("minors", "Ensamkommande barn", "lansbok.sections.minors", _MINORS))
register(Section("tia", "TIA", "lansbok.sections.tia", ("tia_grants",)))
register(Section("s37a", "37 a §", "lansbok.sections.s37a", ("s37a_grants",)))
register(Section("so", "Samhällsorientering", "lansbok.sections.so", ("so_survey",)))
register(Section("comparisons", "Jämförelser", "lansbok.comparisons", _ALL, ("riket",), False))
# A municipality beside its county and Riket, for the sections with municipality data.
_KOMMUN = ("kommunmottagna", "reception", "kommuntal", *_MINORS[1:], "so_survey")
register(Section("kommun", "Kommunen", "lansbok.kommun", _KOMMUN, ("kommun",), False))

# Figures of the summary that no table can compute: they are stated, not counted (the reason is
# shown in the book's reconciliation).
NOT_COMPUTABLE = {
    "so_minimum_hours": "ett lagkrav (förordning 2010:1138), inte statistik",
    "so_interviewed_own_regi_municipalities": "beskriver rapportens metod (intervjuer)",
    "so_county_reports": "beskriver rapportens underlag (de 21 länens redovisningar)",
    "counties_with_established_networks": "en kvalitativ iakttagelse i länens redovisningar",
}


def key_figures(data: Dataset, geo: Geography = RIKET) -> dict[str, Figure]:
    """Every key figure of every section for one geography, keyed by indicator id."""
    figures: dict[str, Figure] = {}
    for section in SECTIONS.values():
        figures.update(section.figures(data, geo))
    return figures


def reconciliation(data: Dataset) -> tuple[dict[str, Figure], pd.DataFrame]:
    """National figures and their reconciliation with the summary's published figures, with
    the recorded explanation of each figure computed from another source than the summary's
    (data/explained_differences.csv)."""
    figures = key_figures(data, RIKET)
    explained = data.table("explained_differences")
    explained = explained[explained["year"] == data.year].set_index("indicator_id")[
        "explanation_sv"
    ]
    return figures, reconcile(figures, data.published(), registry(data), explained)
