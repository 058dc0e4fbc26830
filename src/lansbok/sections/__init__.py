"""Section computations: pure functions from the loaded tables and a geography to tidy frames
and key figures. One module per section of the summary."""

from __future__ import annotations

import pandas as pd

from lansbok.data import Dataset
from lansbok.figures import Figure, reconcile, registry
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
    "s37a": "37 a §",
    "so": "Samhällsorientering",
}

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
    for module in SECTIONS.values():
        figures.update(module.figures(data, geo))
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
