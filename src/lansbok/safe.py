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


def csv_frame(frame: pd.DataFrame, text_columns: list[str] | None = None) -> pd.DataFrame:
    """The frame with its text cells (and headers) neutralised by `csv_cell`. Text cells are
    those of `text_columns`, or of every column that is not numeric; numbers are left as
    numbers, so a negative count is still a number."""
    out = frame.rename(columns=lambda c: csv_cell(str(c)))
    for column in frame.columns:
        text = column in text_columns if text_columns is not None else None
        if text or (text is None and not pd.api.types.is_numeric_dtype(frame[column])):
            out[csv_cell(str(column))] = frame[column].map(csv_cell, na_action="ignore")
    return out


def to_csv(frame: pd.DataFrame, text_columns: list[str] | None = None) -> str:
    """CSV text of a frame for a download, neutralised (see `csv_frame`). Lines end in CRLF as
    RFC 4180 has it, which also makes the writer quote a cell holding a carriage return."""
    return csv_frame(frame, text_columns).to_csv(index=False, lineterminator="\r\n")
