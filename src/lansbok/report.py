"""What a section notebook needs to show the computations: Swedish formatting, glue, notices,
tables and charts. Notebooks call these; they compute nothing themselves."""

from __future__ import annotations

import html
import math
import numbers
import string
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pandas as pd
import yaml

from lansbok import charts
from lansbok.charts import caption_status, sv_list
from lansbok.data import DEFAULT_DATA_DIR, PROJECT_ROOT, Dataset, atomic_write, load
from lansbok.figures import (
    OFFICIAL,
    SAMPLE,
    Figure,
    agrees,
    combined_status,
    indicator,
    round_half_up,
)
from lansbok.geography import (
    RIKET,
    Geography,
    is_municipality_code,
    resolve,
    resolve_municipality,
    single_municipality,
)
from lansbok.population import PER, per_inhabitants, population
from lansbok.privacy import policy
from lansbok.safe import md_text, to_excel_csv, to_xlsx
from lansbok.sections import PAGES, SECTIONS

PERCENT_UNITS = {"percent", "percent change"}
# A table longer than this gets sorting, a filter and pages in the browser; a shorter one is
# read at a glance.
PLAIN_ROWS = 25
# Swedish headings of the columns most downloads share; each table names its own.
DOWNLOAD_HEADERS = {
    "municipality_code": "Kommunkod",
    "municipality": "Kommun",
    "county_code": "Länskod",
    "county": "Län",
    "status": "Status",
}
STATUS_WORDS = {OFFICIAL: "officiell", SAMPLE: "exempeldata"}
# The running text of each section, per year: notebooks/text/<year>/<section>.yml.
TEXT_DIR = PROJECT_ROOT / "notebooks" / "text"
# Whole numbers up to twelve are written in words in running text (Swedish style).
NUMBER_WORDS = [
    "noll",
    "ett",  # the numeral; "en kommun" is written by sv_figure
    "två",
    "tre",
    "fyra",
    "fem",
    "sex",
    "sju",
    "åtta",
    "nio",
    "tio",
    "elva",
    "tolv",
]
# Units counted in whole things, whose small values are written in words.
WORD_UNITS = {"persons", "children", "municipalities", "projects", "counties", "reports"}


@cache
def texts(year: int, name: str, text_dir: Path = TEXT_DIR) -> dict:
    """The running text `name` of a year (notebooks/text/<year>/<name>.yml), read once."""
    path = Path(text_dir) / str(year) / f"{name}.yml"
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FileNotFoundError(
            f"{path}: no running text for {name} in {year}; write it after that year's summary "
            "(the chapter Ny årgång says how)"
        ) from None


def in_words(value: float) -> str | None:
    """'fyra' for 4: a whole number from 0 to 12 in words, else None ('ett' for 1, as a
    number is read: "antalet var ett")."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if float(value).is_integer() and 0 <= value <= 12:
        return NUMBER_WORDS[int(value)]
    return None


def sv_number(value: float, decimals: int = 0) -> str:
    """Swedish number format: 32 866, 57,9 (narrow no-break space between thousands), rounded
    half up as published statistics are (`figures.round_half_up`: 12,5 is printed 13)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "uppgift saknas"
    rounded = round_half_up(value, 10**-decimals)
    text = f"{rounded:,.{decimals}f}".replace(",", "\u202f").replace(".", ",")
    return text.replace("-", "−")


def sv_figure(figure: Figure, words: bool = True) -> str:
    """A figure as it is written in running text: '32 866', '58 %', 'en minskning med 19 %',
    '42,7 miljoner kronor', 'en kommun', 'ingen kommun', 'fyra' (whole counts up to twelve in
    words; `words=False` for a table, where numbers are digits)."""
    value = figure.value
    missing = value is None or math.isnan(value)
    if figure.unit == "percent change" and not missing:
        change = round_half_up(value, 1)  # rounded with its sign, by the one rule
        if change == 0:
            return "oförändrat"
        direction = "en ökning" if change > 0 else "en minskning"
        return f"{direction} med {sv_number(abs(change))}\u00a0%"
    if figure.unit in PERCENT_UNITS:
        return f"{sv_number(value)}\u00a0%"
    if figure.unit == "SEK":
        if missing or abs(value) < 1_000_000:
            return f"{sv_number(value)} kronor"
        millions = value / 1_000_000
        return f"{sv_number(millions, 0 if millions.is_integer() else 1)} miljoner kronor"
    words = in_words(value) if words and figure.unit in WORD_UNITS else None
    if figure.unit == "municipalities" and not missing:
        if value == 0:
            return "ingen kommun"
        if value == 1:
            return "en kommun"
        return f"{words or sv_number(value)} kommuner"
    return words or sv_number(value)


def published_text(published, unit: str, words: bool = True) -> str:
    """A published figure (a row of published_figures, in the registry's `unit`) as the
    summary states it: 'över 60 %', 'knappt 30 %', 'omkring 35 000', or the figure itself
    (`words=False` for a table, as `sv_figure`)."""
    figure = Figure(published.indicator_id, float(published.value), unit, OFFICIAL, ())
    text = sv_figure(figure, words)
    prefix = {"lower_bound": "över ", "upper_bound": "knappt "}.get(published.kind, "")
    if published.kind == "rounded" and published.rounding_step >= 1000:
        prefix = "omkring "
    return prefix + text


def national_text(national: Figure, stated: dict) -> str:
    """A national figure as the summary states it ('över 60 %') where the computed figure
    agrees with it, else as computed."""
    if national.indicator_id in stated:
        return published_text(stated[national.indicator_id], national.unit)
    return sv_figure(national)


class Text:
    """A glued string shown without quotes by {glue:text}."""

    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        return self.text


@dataclass
class Page:
    """One executed section page: its data and geography."""

    data: Dataset  # seen as one edition (data.year)
    geo: Geography
    section: str | None = None  # the registered page (lansbok.sections.PAGES) it shows
    text_dir: Path = TEXT_DIR  # the running texts, per year
    words: dict[str, str] = field(default_factory=dict)  # what `say` may put into the text

    @classmethod
    def open(
        cls,
        lan: str,
        data_dir: str | Path | None = None,
        year: int | None = None,
        section: str | None = None,
        text_dir: str | Path | None = None,
    ) -> Page:
        """The page `section` (a name registered in lansbok.sections.PAGES) of a geography for
        the edition of `year` (None: the latest), reading only the tables the section declares.
        DataError for a year with no published figures. `lan` is Riket, a county or, by its
        code of four digits (three, as papermill reads 0180), a municipality."""
        data = load(data_dir or DEFAULT_DATA_DIR).edition(year)
        if section is not None:
            data = PAGES[section].view(data)
        charts.enable_offline_renderer()
        if is_municipality_code(lan):
            geo = resolve_municipality(lan, data.table("municipalities"))
        else:
            geo = resolve(lan, data.table("counties"))
        return cls(data, geo, section, Path(text_dir or TEXT_DIR))

    @property
    def year(self) -> int:
        return self.data.year

    def figures(self) -> dict[str, Figure]:
        """Compute the page's section's figures and glue them for the narrative (see `glue`)."""
        section = PAGES[self.section]
        figures = section.figures(self.data, self.geo)
        national = figures if self.geo.is_national else section.figures(self.data, RIKET)
        self.glue(figures, national)
        return figures

    def glue(self, figures: dict[str, Figure], national: dict[str, Figure]) -> None:
        """Glue each figure as Swedish text under its id; figures counted only for the whole
        country are glued from Riket. `jamforelse_<id>` holds the comparison with Riket for a
        county (empty for Riket). All raw values go under 'figures' for checks."""
        from myst_nb import glue

        self.describe(figures, national)
        for key in national:
            glue(key, Text(self.words[key]), display=False)
            glue(f"jamforelse_{key}", Text(self.words[f"jamforelse_{key}"]), display=False)
        glue("geografi", Text("riket" if self.geo.is_national else self.geo.name), display=False)
        raw = {k: {"value": f.value, "status": f.status} for k, f in figures.items()}
        glue("figures", raw, display=False)

    def describe(self, figures: dict[str, Figure], national: dict[str, Figure]) -> dict:
        """The words `say` puts into the running text (see there), from the page's figures and
        Riket's; kept in `self.words`."""
        stated = self.stated_in_summary(national)
        for key, figure in national.items():
            self.words |= {
                key: self.figure_text(figures.get(key), figure, stated),
                f"jamforelse_{key}": self.comparison(figures.get(key), figure, stated),
                f"riket_{key}": national_text(figure, stated),
            }
        for row in self.data.published().itertuples():
            unit = indicator(self.data, row.indicator_id).unit
            self.words[f"summary_{row.indicator_id}"] = published_text(row, unit)
        name = "riket" if self.geo.is_national else self.geo.name
        self.words |= {"geografi": md_text(name), "ar": str(self.year)}
        if only := single_municipality(self.data.table("municipalities"), self.geo):
            self.words["kommunen"] = md_text(only)
        return self.words

    def passage(self, key: str, **extra) -> str:
        """The Markdown of a passage of the section's running text (see `say`)."""
        passage = texts(self.year, self.section, self.text_dir)[key]
        if isinstance(passage, dict):  # riket, lan, and en_kommun for a county of one (Gotland)
            one = "kommunen" in self.words and "en_kommun" in passage
            passage = passage["riket" if self.geo.is_national else "en_kommun" if one else "lan"]
        return self.fill(passage, **extra)

    def fill(self, template: str, **extra) -> str:
        """`template` with `$name` replaced by the page's words (see `say`) and `extra`."""
        values = {
            name: sv_number(value) if isinstance(value, numbers.Number) else md_text(str(value))
            for name, value in extra.items()
        }
        return string.Template(template.strip()).substitute(self.words | values)

    def say(self, key: str, **extra):
        """A passage of the section's running text (`notebooks/text/<year>/<section>.yml`,
        the `riket` or `lan` version), with `$name` replaced by the page's figures as Swedish
        text: `$<id>` (the page's own figure), `$jamforelse_<id>` (a county beside Riket),
        `$riket_<id>` (Riket's), `$summary_<id>` (as the summary prints it), `$geografi`, `$ar`,
        and `extra` (numbers formatted, text escaped). A missing name is an error."""
        from IPython.display import Markdown

        return Markdown(self.passage(key, **extra))

    def stated_in_summary(self, national: dict[str, Figure]) -> dict:
        """The summary's figures (rows of published_figures) that the national figures agree
        with, by indicator id."""
        return {
            row.indicator_id: row
            for row in self.data.published().itertuples()
            if row.indicator_id in national
            and agrees(national[row.indicator_id].value, row.value, row.kind, row.rounding_step)
        }

    def figure_text(self, figure: Figure | None, national: Figure, stated: dict) -> str:
        """A figure for the running text. A county's own figures are covered by the page's
        notice; a national figure computed from sample data is marked as such unless the
        summary states it (then it is shown as the summary states it)."""
        if figure is not None and not self.geo.is_national:
            return sv_figure(figure)
        text = national_text(national, stated)
        if national.status != OFFICIAL and national.indicator_id not in stated:
            text += " (exempeldata)"
        return text

    def comparison(self, figure: Figure | None, national: Figure, stated: dict) -> str:
        """For a county: its share of Riket's count, or Riket's value beside a percentage; counts
        of people also per 10 000 inhabitants where the population is known."""
        if figure is None:  # counted for the whole country only
            return ""
        parts = []
        whole = national_text(national, stated)
        if not self.geo.is_national:
            if figure.unit in PERCENT_UNITS:
                parts.append(f"riket: {whole}")
            else:
                part = sv_number(100 * figure.value / national.value, 1) if national.value else "–"
                noun = "beloppet" if figure.unit == "SEK" else "antalet"
                parts.append(f"{part}\u00a0% av riket, där {noun} var {whole}")
        here = per_inhabitants(figure, population(self.data, self.geo, self.year))
        if here is not None:
            rate = f"{sv_number(here, 1)} per {sv_number(PER)} invånare"
            rate_riket = per_inhabitants(national, population(self.data, RIKET, self.year))
            if not self.geo.is_national and rate_riket is not None:
                rate += f" mot {sv_number(rate_riket, 1)} i riket"
            parts.append(rate)
        return f" ({'; '.join(parts)})" if parts else ""

    def notice(self, figures: dict[str, Figure]) -> None:
        self.notice_statuses(f.status for f in figures.values())

    def notice_statuses(self, statuses) -> None:
        """A visible banner when anything on the page is sample data."""
        from IPython.display import HTML, display

        if combined_status(statuses) == OFFICIAL:
            return
        if self.geo.is_national:
            text = (
                "Diagrammen och tabellerna på den här sidan bygger på exempeldata: fördelningen "
                "på län och kommuner är påhittad, men den summerar till de officiella "
                "riksuppgifterna i länsstyrelsernas sammanfattning. Riksuppgifter i texten som "
                "sammanfattningen inte anger är också exempeldata och är märkta så."
            ) + self.official_counties_text()
        else:
            text = (
                "Siffrorna för länet och dess kommuner på den här sidan är exempeldata: de är "
                "framtagna så att de summerar till de officiella riksuppgifterna i "
                "länsstyrelsernas sammanfattning, men fördelningen är påhittad och är inte "
                "officiell statistik."
            )
        display(
            HTML(
                '<div class="admonition warning lansbok-sample" role="note">'
                f'<p class="admonition-title">Exempeldata</p><p>{text}</p></div>'
            )
        )

    def official_counties_text(self) -> str:
        """For a page over every county: which counties' data on it is official (a county's
        own file, imported) while the rest is sample, and so how much of Riket is official. A
        page over several sections names the sections."""
        tables = PAGES[self.section].tables if self.section else ()
        official = self.data.partly_official(tables)
        if not official:
            return ""
        counties = self.data.table("counties").set_index("county_code")["name"]
        names = sv_list(sorted((counties[code] for code in official), key=swedish_key))
        if self.section not in SECTIONS:  # the overview or the comparisons: say which data
            titles = [
                section.title
                for section in SECTIONS.values()
                if self.data.partly_official(set(section.tables) & set(tables))
            ]
            names += f" ({sv_list(titles)})"
        return (
            f" Undantaget är {html.escape(names)}: där är länsstyrelsens egna uppgifter inlästa "
            f"och officiella ({len(official)} av {len(counties)} län), och exempeldatan fyller "
            "bara ut resten upp till riksuppgiften."
        )

    def bar_chart_or_note(
        self, frame: pd.DataFrame, empty: str = "Det finns inga uppgifter att visa.", **chart
    ):
        """`charts.bar_chart(frame, **chart)`; the sentence `empty` (as escaped text) when the
        frame has no rows (an empty chart would have nothing to draw and no status); a small
        table when it has one or two categories, which a chart would not make clearer."""
        from IPython.display import HTML

        if frame.empty:
            return HTML(f'<p class="lansbok-note">{html.escape(empty)}</p>')
        if charts.too_few_to_chart(frame, chart["category"]):
            shown, value = charts.chart_frame(frame, chart["category"], chart["value"])
            columns = {chart["category"]: chart["category_title"], value: chart["value_title"]}
            return self.table(shown, columns, caption=chart["title"])
        return charts.bar_chart(frame, **chart)

    def suppression_note(self) -> str:
        """What the symbol of suppressed small counts means, for captions and subtitles."""
        rule = policy(self.data)
        return (
            f"{rule.symbol} = visas inte för att skydda enskilda barn: {rule.range_text} barn, "
            "eller ett värde som annars kunde räknas fram ur ett sådant."
        )

    def municipalities(self, frame: pd.DataFrame, counts: list[str]) -> pd.DataFrame:
        """A municipality table (one row per `municipality_code`) with every municipality of
        the page's geography and the county's name (`county`): a municipality the frame leaves
        out (no one received: sparse tables have no row for it) gets 0 in the `counts`
        columns, after the frame's rows, by name. Zero is published: `lansbok.privacy` hides
        only 1–4, and its suppression already takes every zero as known."""
        munis = self.data.table("municipalities")
        if not self.geo.is_national:
            munis = munis[munis["county_code"] == self.geo.code]
        missing = munis[~munis["municipality_code"].isin(frame["municipality_code"])]
        # An empty frame says nothing of its source: its zeros are not called official.
        status = combined_status(frame["status"]) if len(frame) else SAMPLE
        zeros = pd.DataFrame(
            {
                "municipality_code": missing["municipality_code"],
                "municipality": missing["name_short"],
                **{column: 0 for column in counts},
                "status": status,
            }
        ).sort_values("municipality", key=lambda names: names.map(swedish_key), kind="stable")
        frame = frame.drop(columns="county_code", errors="ignore")
        out = pd.concat([frame, zeros], ignore_index=True)
        county_of = self.data.table("municipalities").set_index("municipality_code")["county_code"]
        county_code = out["municipality_code"].map(county_of)
        counties = self.data.table("counties").set_index("county_code")["name"]
        where = out.columns.get_loc("municipality") + 1
        out.insert(where, "county_code", county_code)
        out.insert(where + 1, "county", county_code.map(counties))
        return out

    def download(self, frame: pd.DataFrame, filename: str, columns: dict[str, str]) -> None:
        """Write a table as CSV (named `filename`) and as Excel (.xlsx) beside the page (the page
        links to both): the `columns` (the table's Swedish headings), with the codes, the
        county and the status in Swedish (`DOWNLOAD_HEADERS`); other columns are left out. The
        CSV is as Swedish Excel opens it (`lansbok.safe.to_excel_csv`); whole numbers are
        written as such, other numbers to one decimal; no cell can run as a formula."""
        path = Path(filename).resolve()
        table = download_table(frame, columns)
        atomic_write(path.with_suffix(".csv"), to_excel_csv(table))
        atomic_write(path.with_suffix(".xlsx"), to_xlsx(table))

    def table(self, frame: pd.DataFrame, columns: dict[str, str], caption: str):
        """A compact table with Swedish headings, Swedish numbers (right-aligned) and a
        source/status caption, in a region that scrolls sideways on a narrow screen. A cell
        holding the symbol of a suppressed small count is explained in the caption. On Riket's
        page a municipality table shows the county ("Län") beside the municipality. A table of
        more than `PLAIN_ROWS` rows is marked for sorting, a filter and pages
        (_static/lansbok-tables.js); its number cells carry their value in `data-order`."""
        from IPython.display import HTML

        status = combined_status(frame["status"])  # every table carries its status
        if self.geo.is_national and "county" in frame and "municipality" in columns:
            names = list(columns)
            names.insert(names.index("municipality") + 1, "county")
            columns = {name: columns.get(name, "Län") for name in names}
        shown = frame[list(columns)]
        if "status" in shown:  # a row's status, where the rows' differ: in Swedish
            shown = shown.assign(status=shown["status"].map(STATUS_WORDS))
        symbol = policy(self.data).symbol
        numeric = [
            c for c in shown.columns if shown[c].map(lambda v: is_number(v) or v == symbol).all()
        ]

        def cell(column: str, value) -> str:
            if column not in numeric:  # a category as the charts write it ("Komvux", "0–17")
                return f"<td>{html.escape(str(charts.label(value)))}</td>"
            if is_number(value) and math.isnan(value):  # no value: sorts first
                text, order = sv_number(value), ""
            elif is_number(value):
                text = sv_number(value, 0 if float(value).is_integer() else 1)
                order = value
            else:  # suppressed: all sort together, below zero, in the page's order
                text, order = html.escape(str(value)), -1
            return f'<td class="lansbok-number" data-order="{order}">{text}</td>'

        full_caption = f"{caption}. {caption_status(status)}"
        if (shown == symbol).any().any():
            full_caption += " " + self.suppression_note()
        # Classes, not inline styles (the Content-Security-Policy forbids them): the rules are
        # in _static/lansbok.css.
        head = "".join(
            f'<th scope="col" class="lansbok-number">{html.escape(columns[c])}</th>'
            if c in numeric
            else f'<th scope="col">{html.escape(columns[c])}</th>'
            for c in shown.columns
        )
        body = "".join(
            "<tr>" + "".join(cell(c, v) for c, v in zip(shown.columns, row, strict=True)) + "</tr>"
            for row in shown.itertuples(index=False)
        )
        kind = "lansbok-data lansbok-sortable" if len(shown) > PLAIN_ROWS else "lansbok-data"
        return HTML(
            f'<div class="lansbok-table" role="region" tabindex="0" '
            f'aria-label="{html.escape(caption, quote=True)}">'
            f'<table class="{kind}"><caption>{html.escape(full_caption)}</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"
        )


def is_number(value) -> bool:
    return isinstance(value, numbers.Number) and not isinstance(value, bool)


def swedish_key(text: str) -> str:
    """A sort key in Swedish alphabetical order (å, ä, ö after z)."""
    return text.casefold().translate(SWEDISH_ORDER)


SWEDISH_ORDER = str.maketrans({"å": "{", "ä": "|", "ö": "}", "é": "e", "ü": "y"})


def download_table(frame: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    """A table for download: the frame's columns that have a Swedish heading (`columns`, then
    `DOWNLOAD_HEADERS`), in the frame's order with the status last, renamed; statuses in
    Swedish; whole numbers as integers, other numbers to one decimal (half up, as the pages)."""
    headers = {**DOWNLOAD_HEADERS, **columns}
    kept = [c for c in frame.columns if c in headers and c != "status"]
    kept += ["status"] if "status" in frame else []
    out = frame[kept].copy()
    if "status" in out:
        out["status"] = out["status"].map(STATUS_WORDS)
    for column in out.columns:
        values = out[column]
        if pd.api.types.is_float_dtype(values):
            whole = values.dropna().map(float.is_integer).all()
            out[column] = (
                values.astype("Int64")
                if whole
                else values.map(lambda v: v if math.isnan(v) else round_half_up(v, 0.1))
            )
    return out.rename(columns=headers)
