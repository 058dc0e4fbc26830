"""What a section notebook needs to show the computations: Swedish formatting, glue, notices,
tables and charts. Notebooks call these; they compute nothing themselves."""

from __future__ import annotations

import html
import math
import numbers
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from lansbok import charts
from lansbok.charts import caption_status
from lansbok.data import DEFAULT_DATA_DIR, YEAR, Dataset, atomic_write, load
from lansbok.figures import OFFICIAL, Figure, agrees, combined_status, round_half_up
from lansbok.geography import RIKET, Geography, resolve
from lansbok.population import PER, per_inhabitants, population
from lansbok.privacy import policy
from lansbok.safe import to_csv

PERCENT_UNITS = {"percent", "percent change"}


def sv_number(value: float, decimals: int = 0) -> str:
    """Swedish number format: 32 866, 57,9 (narrow no-break space between thousands), rounded
    half up as published statistics are (`figures.round_half_up`: 12,5 is printed 13)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "uppgift saknas"
    rounded = round_half_up(value, 10**-decimals)
    text = f"{rounded:,.{decimals}f}".replace(",", "\u202f").replace(".", ",")
    return text.replace("-", "−")


def sv_figure(figure: Figure) -> str:
    """A figure as it is written in running text: '32 866', '58 %', 'en minskning med 19 %',
    '42,7 miljoner kronor', '1 kommun', 'ingen kommun'."""
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
    if figure.unit == "municipalities" and not missing:
        return "ingen kommun" if value == 0 else f"{sv_number(value)} kommun{'er' * (value != 1)}"
    return sv_number(value)


def published_text(published, unit: str) -> str:
    """A published figure (a row of indicators_2024) as the summary states it: 'över 60 %',
    'knappt 30 %', 'omkring 35 000', or the figure itself."""
    text = sv_figure(Figure(published.indicator_id, float(published.value), unit, OFFICIAL, ()))
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

    data: Dataset
    geo: Geography
    year: int = YEAR

    @classmethod
    def open(cls, lan: str, data_dir: str | Path | None = None, year: int = YEAR) -> Page:
        if year != YEAR:
            raise ValueError(f"the book's tables cover {YEAR} only, not {year}")
        data = load(data_dir or DEFAULT_DATA_DIR)
        charts.enable_offline_renderer()
        return cls(data, resolve(lan, data.table("counties")), year)

    def figures(self, section) -> dict[str, Figure]:
        """Compute a section's figures and glue them for the narrative (see `glue`)."""
        figures = section.figures(self.data, self.geo)
        national = figures if self.geo.is_national else section.figures(self.data, RIKET)
        self.glue(figures, national)
        return figures

    def glue(self, figures: dict[str, Figure], national: dict[str, Figure]) -> None:
        """Glue each figure as Swedish text under its id; figures counted only for the whole
        country are glued from Riket. `jamforelse_<id>` holds the comparison with Riket for a
        county (empty for Riket). All raw values go under 'figures' for checks."""
        from myst_nb import glue

        stated = self.stated_in_summary(national)
        for key, figure in national.items():
            glue(key, Text(self.figure_text(figures.get(key), figure, stated)), display=False)
            comparison = self.comparison(figures.get(key), figure, stated)
            glue(f"jamforelse_{key}", Text(comparison), display=False)
        glue("geografi", Text("riket" if self.geo.is_national else self.geo.name), display=False)
        raw = {k: {"value": f.value, "status": f.status} for k, f in figures.items()}
        glue("figures", raw, display=False)

    def stated_in_summary(self, national: dict[str, Figure]) -> dict:
        """The summary's figures (rows of indicators_2024) that the national figures agree
        with, by indicator id."""
        return {
            row.indicator_id: row
            for row in self.data.table("indicators_2024").itertuples()
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
            )
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

    def download(self, frame: pd.DataFrame, filename: str) -> None:
        """Write the table behind a chart as CSV beside the page (the page links to it); the
        status column travels with the data, and no cell can run as a formula."""
        atomic_write(Path(filename).resolve(), to_csv(frame))

    def table(self, frame: pd.DataFrame, columns: dict[str, str], caption: str):
        """A compact table with Swedish headings, Swedish numbers (right-aligned) and a
        source/status caption, in a region that scrolls sideways on a narrow screen. A cell
        holding the symbol of a suppressed small count is explained in the caption."""
        from IPython.display import HTML

        status = combined_status(frame["status"])  # every table carries its status
        shown = frame[list(columns)].rename(columns=columns)
        symbol = policy(self.data).symbol

        def is_number(value) -> bool:
            return isinstance(value, numbers.Number) and not isinstance(value, bool)

        numeric = [
            c for c in shown.columns if shown[c].map(lambda v: is_number(v) or v == symbol).all()
        ]

        def cell(value) -> str:
            if is_number(value):
                return sv_number(value, 0 if float(value).is_integer() else 1)
            return html.escape(str(value))

        full_caption = f"{caption}. {caption_status(status)}"
        if (shown == symbol).any().any():
            full_caption += " " + self.suppression_note()
        # Classes, not inline styles (the Content-Security-Policy forbids them): the rules are
        # in _static/lansbok.css.
        classes = pd.DataFrame("", index=shown.index, columns=shown.columns)
        classes[numeric] = "lansbok-number"
        styled = (
            shown.style.hide(axis="index")
            .format(cell)
            .set_caption(html.escape(full_caption))
            .set_td_classes(classes)
        )
        # Styler writes an (empty) <style> element before the table: not wanted.
        table = re.sub(r"^\s*<style[^>]*>.*?</style>\s*", "", styled.to_html(), flags=re.S)
        return HTML(
            f'<div class="lansbok-table" role="region" tabindex="0" '
            f'aria-label="{html.escape(caption, quote=True)}">{table}</div>'
        )
