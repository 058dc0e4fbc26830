"""Section computations: pure functions from the loaded tables and a geography to tidy frames
and key figures. One module per section of the summary."""

from __future__ import annotations

import pandas as pd

from lansbok.data import Dataset
from lansbok.figures import Figure, reconcile
from lansbok.geography import RIKET, Geography
from lansbok.sections import minors, reception, s37a, so, tia

SECTIONS = {
    "reception": reception,
    "minors": minors,
    "tia": tia,
    "s37a": s37a,
    "so": so,
}

TITLES = {
    "reception": "Mottagande",
    "minors": "Ensamkommande barn",
    "tia": "TIA",
    "s37a": "§37a",
    "so": "Samhällsorientering",
}

# Figures of the summary that no table can compute: they are stated, not counted.
NOT_COMPUTABLE = {
    "asylum_seekers_total": "no table of 2024 asylum applications (the series ends 2017-05)",
    "so_minimum_hours": "a legal minimum (förordning 2010:1138), not a statistic",
    "so_interviewed_own_regi_municipalities": "describes the report's method (interviews)",
    "so_county_reports": "describes the report's sources (the 21 county reports)",
    "counties_with_established_networks": "a qualitative finding of the county reports",
}


def key_figures(data: Dataset, geo: Geography = RIKET) -> dict[str, Figure]:
    """Every key figure of every section for one geography, keyed by indicator id."""
    figures: dict[str, Figure] = {}
    for module in SECTIONS.values():
        figures.update(module.figures(data, geo))
    return figures


def reconciliation(data: Dataset) -> tuple[dict[str, Figure], pd.DataFrame]:
    """National figures and their reconciliation with the summary's published figures."""
    figures = key_figures(data, RIKET)
    return figures, reconcile(figures, data.table("indicators_2024"))
