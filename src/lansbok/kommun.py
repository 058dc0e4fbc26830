"""A municipality in brief ("<kommun> <år> i korthet"): the figures of the three sections that
have municipality data (reception, minors, SO), each beside the county's and Riket's, per
10 000 inhabitants where they count people. Tables that stop at the county (temporary
protection, the establishment programme, TIA) give a municipality no figure: the page says
where they are.

The figures are the sections' own (`municipality_figures`, `municipality_comparison`); counts
of unaccompanied minors are those every page publishes (`lansbok.privacy`).
"""

from __future__ import annotations

import html
import math

import pandas as pd

from lansbok.data import Dataset
from lansbok.figures import OFFICIAL, Figure, agrees, combined_status, indicator
from lansbok.geography import Geography, single_municipality
from lansbok.population import COUNTED_UNITS, PER
from lansbok.privacy import policy
from lansbok.report import STATUS_WORDS, in_words, published_text, sv_figure, sv_number
from lansbok.sections import PAGES, minors, reception, so
from lansbok.sections.municipal import county_of

# The sections of the page, in order: name -> (module, Swedish title).
SECTIONS = {"reception": reception, "minors": minors, "so": so}  # titles: the registry's
# The rows, in order (their labels are the indicator registry's, data/indicators.csv); the
# breakdown of a count is shown as part of the row above it.
ROWS = (
    "newly_arrived_received_by_municipalities",
    "newly_arrived_share_women",
    "newly_arrived_share_age_20_65",
    "newly_arrived_share_children",
    "newly_arrived_share_ukrainian",
    "kommuntal_ordinary",
    "kommuntal_temporary_protection",
    "uam_assignments_total",
    "uam_assignments_anknytning",
    "uam_assignments_maluppfyllnad",
    "uam_resettled",
    "so_survey_response_rate",
    "so_share_munis_komvux_responsible",
    "so_participants_women",
    "so_participants_men",
)
PARTS = {"uam_assignments_anknytning", "uam_assignments_maluppfyllnad"}


def label(data: Dataset, indicator_id: str) -> str:
    """A row's label: the registry's, marked as a part of the row above where it is one."""
    text = indicator(data, indicator_id).label_sv
    return f"– varav {text[0].lower()}{text[1:]}" if indicator_id in PARTS else text


# Shares of municipalities: for one municipality a yes or a no.
MUNICIPALITY_SHARES = {"so_survey_response_rate", "so_share_munis_komvux_responsible"}
NOT_APPLICABLE = "–"  # a rate per inhabitant of a figure that is no count of people
# Who organises SO and how, as a sentence says it.
ORGANISERS = {
    "komvux": "Komvux",
    "annan kommun": "en annan kommun",
    "annan kommunal förvaltning": "en annan kommunal förvaltning",
    "upphandlad utförare": "en upphandlad utförare",
}
MODES = {"båda": "både på plats och digitalt", "digitalt": "digitalt", "på plats": "på plats"}


def figures(data: Dataset, geo: Geography) -> dict[str, Figure]:
    """The page's figures for a municipality (or the same figures for a county or Riket),
    keyed by indicator id: every section's `municipality_figures`."""
    out: dict[str, Figure] = {}
    for module in SECTIONS.values():
        out.update(module.municipality_figures(data, geo))
    return out


def comparison(data: Dataset, geo: Geography, section: str) -> pd.DataFrame:
    """A section's figures for the municipality beside its county's and Riket's."""
    return SECTIONS[section].municipality_comparison(data, geo)


def tables(data: Dataset, geo: Geography) -> dict[str, pd.DataFrame]:
    """Each section's table (`table_frame` of its comparison), by section name, in order."""
    return {section: table_frame(data, comparison(data, geo, section)) for section in SECTIONS}


def _value_text(value, unit: str, symbol: str, one_municipality: bool) -> str:
    if isinstance(value, str):  # a suppressed count: the symbol, as every page shows it
        return value
    if one_municipality:  # a share of one municipality is a yes or a no
        return "uppgift saknas" if math.isnan(value) else "ja" if value == 100 else "nej"
    return sv_figure(Figure("", value, unit, OFFICIAL, ()), words=False)


def _rate_text(rate, unit: str) -> str:
    if unit not in COUNTED_UNITS:
        return NOT_APPLICABLE
    if isinstance(rate, str):
        return rate
    return sv_number(rate, 1)  # "uppgift saknas" where the population is unknown


def table_frame(data: Dataset, frame: pd.DataFrame) -> pd.DataFrame:
    """A comparison as the page's table shows it: Swedish text in every cell, and a status."""
    symbol = policy(data).symbol
    published = {row.indicator_id: row for row in data.published().itertuples()}
    rows = []
    for row in frame.itertuples(index=False):
        cells = {"label": label(data, row.indicator_id)}
        for level in ("municipality", "county", "riket"):
            one = level == "municipality" and row.indicator_id in MUNICIPALITY_SHARES
            cells[level] = _value_text(getattr(row, level), row.unit, symbol, one)
            cells[f"{level}_rate"] = _rate_text(getattr(row, f"{level}_rate"), row.unit)
        stated = published.get(row.indicator_id)  # Riket as the summary states it, if it does
        if stated is not None and agrees(
            row.riket, stated.value, stated.kind, stated.rounding_step
        ):
            cells["riket"] = published_text(stated, row.unit, words=False)
        rows.append(cells | {"status_sv": STATUS_WORDS[row.status], "status": row.status})
    return pd.DataFrame(rows)


def columns(data: Dataset, geo: Geography, table: pd.DataFrame) -> dict[str, str]:
    """The table's columns, headed by the names of the municipality, its county and Riket; the
    status column only where the rows' statuses differ (the caption gives the status of the
    whole table). A county of one municipality is the municipality: its column would repeat
    the municipality's counts, and show those that are suppressed."""
    county = county_of(data, geo)
    shown = {
        "label": "Uppgift",
        "municipality": geo.name,
        "county": county.name,
        "riket": "Riket",
        "status_sv": "Status",
    }
    if single_municipality(data.table("municipalities"), county):
        del shown["county"]
    if table["status"].nunique() == 1:
        del shown["status_sv"]
    return shown


def per_inhabitants(table: pd.DataFrame) -> pd.DataFrame:
    """The rows that count people, as rates per 10 000 inhabitants: a second, narrower table
    (a phone shows four columns, not seven)."""
    counted = table[table["municipality_rate"] != NOT_APPLICABLE]
    rates = {f"{level}_rate": level for level in ("municipality", "county", "riket")}
    return counted.drop(columns=list(rates.values())).rename(columns=rates)


def views(data: Dataset, geo: Geography, table: pd.DataFrame, section: str) -> list:
    """(frame, columns, caption) of a section's tables: the figures, then the rates."""
    shown = [(table, columns(data, geo, table), caption(data, geo, section))]
    rates = per_inhabitants(table)
    if len(rates):
        rate_caption = f"{caption(data, geo, section)}, per {sv_number(PER)} invånare"
        shown.append((rates, columns(data, geo, rates), rate_caption))
    return shown


def caption(data: Dataset, geo: Geography, section: str) -> str:
    county = county_of(data, geo)
    if single_municipality(data.table("municipalities"), county):  # the county is the municipality
        return f"{PAGES[section].title} {data.year}: {geo.name} och riket"
    return f"{PAGES[section].title} {data.year}: {geo.name}, {county.name} och riket"


def paragraph(text: str) -> str:
    """Text as an HTML paragraph (escaped: it may hold names from the data)."""
    return f"<p>{html.escape(text)}</p>"


def intro(data: Dataset, geo: Geography) -> str:
    """The page's opening paragraph (HTML)."""
    county = county_of(data, geo)
    munis = data.table("municipalities")
    if (munis["county_code"] == county.code).sum() == 1:
        where = f"{geo.name} är den enda kommunen i {county.name}."
    else:
        where = f"{geo.name} är en kommun i {county.name}."
    return paragraph(
        f"{where} Sidan visar kommunens siffror för {data.year} om mottagande av nyanlända, "
        "ensamkommande barn och samhällsorientering, bredvid länets och rikets. Uppgifter som "
        "bara finns per län (personer med tillfälligt skydd, etableringsprogrammet och tidiga "
        "insatser för asylsökande, TIA) och verksamheten enligt 37 a § finns på sidorna för "
        f"{county.name}."
    )


def sample_notice(statuses) -> str:
    """HTML: a visible banner when anything on the page is sample data (empty otherwise)."""
    if combined_status(statuses) == OFFICIAL:
        return ""
    text = (
        "Kommunens och länets siffror på den här sidan är exempeldata: de är framtagna så att "
        "de summerar till de officiella riksuppgifterna i länsstyrelsernas sammanfattning, men "
        "fördelningen på län och kommuner är påhittad och är inte officiell statistik. Rikets "
        "siffror står som sammanfattningen anger dem; de som den inte anger är också exempeldata."
    )
    return (
        '<div class="admonition warning lansbok-sample" role="note">'
        f'<p class="admonition-title">Exempeldata</p><p>{html.escape(text)}</p></div>'
    )


def minors_note(data: Dataset) -> str:
    """HTML: why a municipality's count of unaccompanied minors may be a symbol."""
    rule = policy(data)
    return paragraph(
        f"Antal på {rule.range_text} ensamkommande barn i en kommun publiceras inte, för att "
        f"skydda enskilda barn; i stället visas tecknet ”{rule.symbol}”. Det gäller också ett "
        "antal som annars kunde räknas fram ur länets summor. Länets och rikets summor är exakta."
    )


def survey_text(data: Dataset, geo: Geography) -> str:
    """HTML: the municipality's answer to the SO survey, in a sentence or two."""
    answer = so.survey_answer(data, geo)
    year = data.year
    if answer is None:
        return paragraph(f"Enkäten om SO {year} har ingen uppgift om {geo.name}.")
    if not answer["answered"]:
        return paragraph(f"{geo.name} svarade inte på länsstyrelsernas enkät om SO {year}.")
    parts = []
    if answer["organiser"]:
        parts.append(f"anordnas av {ORGANISERS.get(answer['organiser'], answer['organiser'])}")
    given = [MODES.get(answer["mode"], answer["mode"])] if answer["mode"] else []
    if answer["languages"] is not None:
        n = answer["languages"]
        given.append(f"på {in_words(n) or sv_number(n)} språk")
    if given:
        parts.append(f"ges {' '.join(given)}")
    how = f": SO {' och '.join(parts)}" if parts else ""
    return paragraph(f"{geo.name} svarade på länsstyrelsernas enkät om SO {year}{how}.")
