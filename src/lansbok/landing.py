"""The landing page's "<year> i korthet": the summary's messages and key figures, computed from
the data, each linked to its section (`notebooks/text/<year>/index.yml` holds the words)."""

from __future__ import annotations

from pathlib import Path

from lansbok import charts, sections
from lansbok.data import Dataset
from lansbok.geography import RIKET
from lansbok.report import TEXT_DIR, Page, texts


def asylum_chart(data: Dataset) -> str:
    """The landing page's one chart: asylum seekers per year up to the edition's year (SCB,
    official), as a raw HTML block drawn by the page's chart script."""
    year, frame = data.year, data.table("asylum_seekers")
    frame = frame.loc[frame["year"] <= year, ["year", "total"]].assign(
        status=data.resources["asylum_seekers"]["status"]
    )
    first = int(frame["year"].min())
    chart = charts.yearly_chart(
        frame,
        "year",
        "total",
        title=f"Asylsökande i Sverige {first}–{year}",
        value_title="Antal asylsökande",
        source="SCB, Asylsökande i Sverige",
        description=f"Stapeldiagram: antal asylsökande i Sverige per år {first}–{year}.",
    )
    markup = charts.offline_html(chart.to_dict())["text/html"]
    return "```{raw} html\n" + markup + "\n```"


def in_brief(data: Dataset, text_dir: Path = TEXT_DIR) -> str:
    """MyST Markdown: the landing page of the edition: its title, the opening text, a grid of
    key-figure cards, the closing text and how to read the book."""
    page = Page(data, RIKET)
    figures = sections.key_figures(data, RIKET)
    page.describe(figures, figures)
    fill = page.fill
    text = texts(data.year, "index", text_dir)
    cards = []
    for card in text["nyckeltal"]:
        cards += [
            ":::{grid-item-card}",
            f":link: /generated/{data.year}/{RIKET.code}/{card['section']}",
            ":link-type: doc",
            ":class-card: lansbok-key-figure",
            "",
            f'<span class="lansbok-key-value">{fill(card["figure"])}</span>',
            "",
            fill(card["text"]),
            ":::",
            "",
        ]
    return "\n".join(
        [
            f"# Länsstyrelsernas integrationsarbete {data.year}",
            "",
            f"## {data.year} i korthet",
            "",
            fill(text["inledning"]),
            "",
            "::::{grid} 1 2 2 2",
            ":gutter: 2",
            "",
            *cards,
            "::::",
            "",
            fill(text["diagram"]),
            "",
            asylum_chart(data),
            "",
            fill(text["avslutning"]),
            "",
            "## Så läser du boken",
            "",
            fill(text["lasanvisning"]),
            "",
        ]
    )
