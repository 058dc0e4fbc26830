"""The landing page's "2024 i korthet": the summary's messages and key figures, computed from
the data, each linked to its section (`notebooks/text/<year>/index.yml` holds the words)."""

from __future__ import annotations

import string

import yaml

from lansbok import sections
from lansbok.data import Dataset
from lansbok.geography import RIKET
from lansbok.report import TEXT_DIR, Page


def in_brief(data: Dataset, year: int) -> str:
    """MyST Markdown: the opening text, a grid of key-figure cards and the closing text."""
    page = Page(data, RIKET, year)
    figures = sections.key_figures(data, RIKET)
    words = page.describe(figures, figures)
    text = yaml.safe_load((TEXT_DIR / str(year) / "index.yml").read_text(encoding="utf-8"))

    def fill(template: str) -> str:
        return string.Template(template.strip()).substitute(words)

    cards = []
    for card in text["nyckeltal"]:
        cards += [
            ":::{grid-item-card}",
            f":link: /generated/{RIKET.code}/{card['section']}",
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
            fill(text["inledning"]),
            "",
            "::::{grid} 1 2 2 2",
            ":gutter: 2",
            "",
            *cards,
            "::::",
            "",
            fill(text["avslutning"]),
            "",
        ]
    )
