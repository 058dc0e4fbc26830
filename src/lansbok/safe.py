"""Data is text, never markup or code: the one place that makes a value from a data file inert
where it is written into a page's Markdown or a download.

- `md_text`: for MyST Markdown (page titles, tables of contents, generated pages). Every ASCII
  punctuation character is backslash-escaped, which CommonMark defines as the literal character,
  so no HTML, role, directive, link or emphasis can start from a name.
- `csv_frame`: for CSV downloads. Text cells that a spreadsheet would read as a formula are
  prefixed with an apostrophe, as the OWASP guidance on CSV injection describes.

HTML (table cells, captions, attributes) is escaped with the standard library's `html.escape`
where it is written; chart text is drawn by Vega as SVG text, never parsed as HTML.
"""

from __future__ import annotations

import re
import string

import pandas as pd

_MD_SPECIAL = re.compile("([" + re.escape(string.punctuation) + "])")
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029]+")
# OWASP: cells starting with these are formulas (or become one) in Excel, LibreOffice and Sheets.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def md_text(text: object) -> str:
    """`text` as literal inline text in MyST Markdown (one line, every ASCII punctuation
    character escaped)."""
    return _MD_SPECIAL.sub(r"\\\1", _LINE_BREAKS.sub(" ", str(text)))


def csv_cell(value: object) -> object:
    """A text cell that cannot run as a formula: '=1+1' becomes "'=1+1". Other values pass."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with every text cell (and header) neutralised by `csv_cell`; numbers are left
    as numbers, so a negative count is still a number."""
    out = frame.rename(columns=lambda c: csv_cell(str(c)))
    for column in out.columns:
        if not pd.api.types.is_numeric_dtype(out[column]):
            out[column] = out[column].map(csv_cell, na_action="ignore")
    return out


def to_csv(frame: pd.DataFrame) -> str:
    """CSV text of a frame for a download, neutralised (see `csv_frame`)."""
    return csv_frame(frame).to_csv(index=False, lineterminator="\n")
