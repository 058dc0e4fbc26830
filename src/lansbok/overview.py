"""A county in brief ("<län> <year> i korthet"), the page that opens each county's chapter: the
county's headline figures of every section beside Riket's, per 10 000 inhabitants where they
count people, and the county's rank among the 21 counties.

The figures are the sections' own (`lansbok.sections`), so the overview shows exactly what the
section pages show. A rank depends on every county's rows, so this page's cache key covers the
whole of its tables (`across_counties` in its registration, lansbok.sections).
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from urllib.parse import quote

import pandas as pd

from lansbok import charts, geography
from lansbok.data import Dataset
from lansbok.figures import OFFICIAL, Figure, combined_status, indicator
from lansbok.geography import RIKET, Geography, counties
from lansbok.population import COUNTED_UNITS, PER, per_inhabitants, population
from lansbok.report import sv_figure, sv_number
from lansbok.sections import SECTIONS, reception

# The headline figures, in the order shown. Their section, unit and label are the registry's
# (data/indicators.csv).
HEADLINES = (
    "newly_arrived_received_by_municipalities",
    "tp_enrolled_valid_permit",
    "est_participants",
    "uam_assignments_total",
    "tia_grants_sek",
    "tia_participants",
    "s37a_grants_sek",
    "so_share_munis_komvux_responsible",
    "so_participants",
)
# Headline figures that are sums of a section's figures (same unit): id -> the figures summed.
SUMS = {"so_participants": ("so_participants_women", "so_participants_men")}
# Shares of a county's municipalities: for a county of one municipality a yes or no, not ranked.
MUNICIPALITY_SHARES = {"so_share_munis_komvux_responsible"}
STATUS_SV = {OFFICIAL: "officiell", "sample": "exempeldata"}
NOT_APPLICABLE = "–"  # a rate per inhabitant of a figure that is no count of people


def figures(data: Dataset, geo: Geography) -> dict[str, Figure]:
    """The headline figures of one geography, keyed by indicator id, in the order shown."""
    computed: dict[str, Figure] = {}
    for section in dict.fromkeys(indicator(data, key).section for key in HEADLINES):
        computed.update(SECTIONS[section].figures(data, geo))
    out = {}
    for key in HEADLINES:
        if key in SUMS:
            parts = [computed[part] for part in SUMS[key]]
            sources = tuple(sorted({s for f in parts for s in f.sources}))
            value = sum(f.value for f in parts)
            status = combined_status(f.status for f in parts)
            out[key] = Figure(key, value, indicator(data, key).unit, status, sources)
        else:
            out[key] = computed[key]
    return out


def _ranked_value(figure: Figure, inhabitants: int | None) -> float:
    """The value a county is ranked by: per 10 000 inhabitants for a count of people when the
    population is known (a plain count mostly ranks the counties by size), else the value."""
    rate = per_inhabitants(figure, inhabitants)
    value = figure.value if rate is None else rate
    return math.nan if value is None else value


def ranks(data: Dataset) -> pd.DataFrame:
    """The rank of every county for every headline figure, 1 = highest value; one row per
    county (county_code), one column per indicator id. Equal values share the best rank; a
    county without a value has no rank. Counts of people are ranked per 10 000 inhabitants when
    the population of every county is known (`per_inhabitants_ranked`)."""
    year = data.year
    geos = counties(data.table("counties"))
    inhabitants = {geo.code: population(data, geo, year) for geo in geos}
    per_capita = all(inhabitants.values())
    values = pd.DataFrame(
        {
            geo.code: {
                key: _ranked_value(figure, inhabitants[geo.code] if per_capita else None)
                for key, figure in figures(data, geo).items()
            }
            for geo in geos
        }
    ).T
    for geo in geos:  # a share of one municipality is no rate to rank
        if single_municipality(data, geo):
            values.loc[geo.code, sorted(MUNICIPALITY_SHARES)] = math.nan
    return values.rank(ascending=False, method="min").astype("Int64")


def per_inhabitants_ranked(data: Dataset) -> bool:
    """Are counts of people ranked per 10 000 inhabitants (every county's population known)?"""
    year = data.year
    geos = counties(data.table("counties"))
    return all(population(data, geo, year) for geo in geos)


@dataclass(frozen=True)
class Row:
    indicator_id: str
    label: str
    section: str
    county: Figure
    riket: Figure
    county_text: str  # the county's value as the table shows it
    county_rate: float | None  # per 10 000 inhabitants; None: no count of people, or unknown
    riket_rate: float | None
    rank: int | None  # among the counties, 1 = highest
    of: int  # the number of counties ranked

    @property
    def status(self) -> str:
        return combined_status([self.county.status, self.riket.status])


def rows(data: Dataset, geo: Geography) -> list[Row]:
    """One row per headline figure for a county: the county's value and Riket's, per 10 000
    inhabitants, and the county's rank."""
    year = data.year
    if geo.is_national:
        raise ValueError("the overview compares a county with Riket: give a county")
    here, national = figures(data, geo), figures(data, RIKET)
    inhabitants, inhabitants_riket = population(data, geo, year), population(data, RIKET, year)
    table = ranks(data)
    only = single_municipality(data, geo)
    out = []
    for key in HEADLINES:
        described = indicator(data, key)
        rank = table.loc[geo.code, key]
        text = sv_figure(here[key], words=False)
        if only and key in MUNICIPALITY_SHARES and not math.isnan(here[key].value):
            text = f"{'ja' if here[key].value == 100 else 'nej'} ({only})"
        out.append(
            Row(
                key,
                described.label_sv,
                described.section,
                here[key],
                national[key],
                text,
                per_inhabitants(here[key], inhabitants),
                per_inhabitants(national[key], inhabitants_riket),
                None if pd.isna(rank) else int(rank),
                int(table[key].notna().sum()),
            )
        )
    return out


def _rate_text(figure: Figure, rate: float | None) -> str:
    if figure.unit not in COUNTED_UNITS:
        return NOT_APPLICABLE
    return "uppgift saknas" if rate is None else sv_number(rate, 1)


def table_frame(overview_rows: list[Row]) -> pd.DataFrame:
    """The rows as the page's table shows them: Swedish text in every cell, and a status."""
    return pd.DataFrame(
        [
            {
                "label": row.label,
                "county": row.county_text,
                "riket": sv_figure(row.riket, words=False),
                "county_rate": _rate_text(row.county, row.county_rate),
                "riket_rate": _rate_text(row.riket, row.riket_rate),
                "rank": NOT_APPLICABLE if row.rank is None else f"{row.rank} av {row.of}",
                "status_sv": STATUS_SV[row.status],
                "status": row.status,
            }
            for row in overview_rows
        ]
    )


COLUMNS = {
    "label": "Uppgift",
    "county": "Länet",
    "riket": "Riket",
    "county_rate": f"Länet per {sv_number(PER)} inv.",
    "riket_rate": f"Riket per {sv_number(PER)} inv.",
    "rank": "Rang (1 = högst)",
    "status_sv": "Status",
}


def columns(overview_rows: list[Row]) -> dict[str, str]:
    """The table's columns: the status column only where the rows' statuses differ (the
    caption gives the status of the whole table), so the table fits a page's column."""
    if len({row.status for row in overview_rows}) == 1:
        return {key: title for key, title in COLUMNS.items() if key != "status_sv"}
    return COLUMNS


def rank_note(data: Dataset) -> str:
    """What the rank column means, for the text under the table."""
    note = (
        "Rangen anger länets plats bland de 21 länen, där 1 är länet med det högsta värdet. "
        "Lika värden får samma plats."
    )
    if any(single_municipality(data, geo) for geo in counties(data.table("counties"))):
        note += " Ett län med en enda kommun rangordnas inte efter andelar av kommunerna."
    if per_inhabitants_ranked(data):
        return note + f" Antal personer rangordnas per {sv_number(PER)} invånare."
    return note + (
        " Folkmängden per län saknas, så antal personer rangordnas efter antalet och "
        f"anges inte per {sv_number(PER)} invånare (uppgift saknas)."
    )


def single_municipality(data: Dataset, geo: Geography) -> str | None:
    """The name of a county's only municipality, for a county of one (Gotland), else None."""
    return geography.single_municipality(data.table("municipalities"), geo)


def municipalities_text(data: Dataset, geo: Geography) -> str:
    """How many municipalities the county has; a county of one municipality says so, and its
    shares of municipalities are then a yes or no, not ranked."""
    only = single_municipality(data, geo)
    if only:
        return (
            f"{geo.name} består av en enda kommun, {only}. Andelar av länets kommuner anges "
            "därför som ja eller nej och rangordnas inte."
        )
    munis = data.table("municipalities")
    return f"{geo.name} har {sv_number((munis['county_code'] == geo.code).sum())} kommuner."


def intro(data: Dataset, geo: Geography) -> str:
    """The page's opening paragraph (HTML)."""
    return paragraph(
        f"{municipalities_text(data, geo)} Tabellen visar några av länets viktigaste siffror för "
        f"{data.year} från varje avsnitt, bredvid rikets. Avsnitten har fler siffror, diagram "
        "och tabeller."
    )


def paragraph(text: str) -> str:
    """Text as an HTML paragraph (escaped: it may hold names from the data)."""
    return f"<p>{html.escape(text)}</p>"


def comparison_link(geo: Geography) -> str:
    """HTML: a link to the comparisons page with this county picked. The page lies in
    generated/<year>/<code>/, the comparisons page in generated/<year>/SE/."""
    href = f"../{RIKET.code}/comparisons.html?lan={quote(geo.code, safe='')}"
    return (
        f'<p class="lansbok-comparison-link"><a href="{html.escape(href, quote=True)}">'
        f"Jämför {html.escape(geo.name)} med de andra länen på karta och i rangordning</a></p>"
    )


def locator_map(geo: Geography):
    """A small map of Sweden's counties with this county filled."""
    from lansbok.comparisons import county_outlines

    return charts.county_locator_map(
        county_outlines(),
        geo.code,
        title=f"{geo.name} på Sverigekartan",
        description=f"Karta över Sveriges län där {geo.name} är markerat.",
    )


def lanstal_chart(data: Dataset, geo: Geography):
    """The county's länstal over the years: the reception page's chart."""
    history = reception.lanstal_history(data, geo)
    return charts.lanstal_chart(history, geo, reception.lanstal_source(history))
