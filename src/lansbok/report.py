"""What a section notebook needs to show the computations: Swedish formatting, glue, notices,
tables and charts. Notebooks call these; they compute nothing themselves."""

from __future__ import annotations

import html
import math
import numbers
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from lansbok import charts
from lansbok.charts import caption_status
from lansbok.data import DEFAULT_DATA_DIR, Dataset, atomic_write, load
from lansbok.figures import OFFICIAL, Figure, combined_status
from lansbok.geography import RIKET, Geography, resolve
from lansbok.population import PER, per_inhabitants, population

PERCENT_UNITS = {"percent", "percent change"}
YEAR = 2024  # the year every table of the book covers


def sv_number(value: float, decimals: int = 0) -> str:
    """Swedish number format: 32 866, 57,9 (narrow no-break space between thousands)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "uppgift saknas"
    text = f"{value:,.{decimals}f}".replace(",", "\u202f").replace(".", ",")
    return text.replace("-", "−")


def sv_figure(figure: Figure) -> str:
    """A figure as it is written in running text: '32 866', '58 %', '−19 %'."""
    if figure.unit in PERCENT_UNITS:
        return f"{sv_number(figure.value)}\u00a0%"
    return sv_number(figure.value)


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

        for key, figure in national.items():
            glue(key, Text(sv_figure(figures.get(key, figure))), display=False)
            glue(
                f"jamforelse_{key}", Text(self.comparison(figures.get(key), figure)), display=False
            )
        glue("geografi", Text(self.geo.name), display=False)
        raw = {k: {"value": f.value, "status": f.status} for k, f in figures.items()}
        glue("figures", raw, display=False)

    def comparison(self, figure: Figure | None, national: Figure) -> str:
        """For a county: its share of Riket's count, or Riket's value beside a percentage; counts
        of people also per 10 000 inhabitants where the population is known."""
        if figure is None:  # counted for the whole country only
            return ""
        parts = []
        if not self.geo.is_national:
            if figure.unit in PERCENT_UNITS:
                parts.append(f"riket: {sv_figure(national)}")
            else:
                part = sv_number(100 * figure.value / national.value, 1) if national.value else "–"
                parts.append(f"{part}\u00a0% av riket, där antalet var {sv_figure(national)}")
        here = per_inhabitants(figure, population(self.data, self.geo, self.year))
        if here is not None:
            rate = f"{sv_number(here, 1)} per {sv_number(PER)} invånare"
            whole = per_inhabitants(national, population(self.data, RIKET, self.year))
            if not self.geo.is_national and whole is not None:
                rate += f" mot {sv_number(whole, 1)} i riket"
            parts.append(rate)
        return f" ({'; '.join(parts)})" if parts else ""

    def notice(self, figures: dict[str, Figure]) -> None:
        self.notice_statuses(f.status for f in figures.values())

    def notice_statuses(self, statuses) -> None:
        """A visible banner when anything on the page is sample data."""
        from IPython.display import HTML, display

        if combined_status(statuses) != OFFICIAL:
            display(
                HTML(
                    '<div class="admonition warning lansbok-sample" role="note">'
                    '<p class="admonition-title">Exempeldata</p><p>Siffrorna för län och '
                    "kommuner på den här sidan är exempeldata: de är framtagna så att de summerar "
                    "till de officiella riksuppgifterna i länsstyrelsernas sammanfattning, men "
                    "fördelningen är påhittad och är inte officiell statistik.</p></div>"
                )
            )

    def download(self, frame: pd.DataFrame, filename: str) -> None:
        """Write the table behind a chart as CSV beside the page (the page links to it); the
        status column travels with the data."""
        atomic_write(Path(filename).resolve(), frame.to_csv(index=False, lineterminator="\n"))

    def table(self, frame: pd.DataFrame, columns: dict[str, str], caption: str):
        """A compact table with Swedish headings, Swedish numbers and a source/status caption."""
        status = combined_status(frame["status"])  # every table carries its status
        shown = frame[list(columns)].rename(columns=columns)

        def cell(value) -> str:
            if isinstance(value, numbers.Number) and not isinstance(value, bool):
                return sv_number(value, 0 if float(value).is_integer() else 1)
            return html.escape(str(value))

        styled = shown.style.hide(axis="index").format(cell)
        return styled.set_caption(f"{html.escape(caption)}. {caption_status(status)}")
