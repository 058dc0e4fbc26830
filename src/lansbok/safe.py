"""Data is text, never markup or code: the one place that makes a value from a data file inert
where it is written into a page's Markdown or a download.

- `md_text`: for MyST Markdown (page titles, tables of contents, generated pages). Every ASCII
  punctuation character is backslash-escaped, which CommonMark defines as the literal character,
  so no HTML, role, directive, link or emphasis can start from a name. `md_code_text` does the
  same, but shows `commands` written between backticks as code.
- `csv_frame`: for CSV downloads. Text cells that a spreadsheet would read as a formula are
  prefixed with an apostrophe, as the OWASP guidance on CSV injection describes.
- `to_xlsx`: for Excel downloads. Every text cell is stored as text, never as a formula.

HTML (table cells, captions, attributes) is escaped with the standard library's `html.escape`
where it is written; chart text is drawn by Vega as SVG text, never parsed as HTML.
"""

from __future__ import annotations

import io
import numbers
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


def md_code_text(text: object) -> str:
    """`text` as `md_text`, except that a part between two backticks is shown as code (a code
    span, whose content CommonMark takes literally: no markup starts inside one)."""
    parts = _LINE_BREAKS.sub(" ", str(text)).split("`")
    if len(parts) % 2 == 0:  # an unpaired backtick: the last part is plain text
        parts[-2:] = [parts[-2] + "`" + parts[-1]]
    return "".join(
        md_text(part) if i % 2 == 0 else f"`{part}`" if part.strip() else md_text(f"`{part}`")
        for i, part in enumerate(parts)
    )


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


def to_excel_csv(frame: pd.DataFrame) -> bytes:
    """CSV as Swedish Excel opens it with a double click: UTF-8 with a byte order mark (else
    Excel reads å, ä, ö as Latin-1), semicolons between cells and a decimal comma (Excel's list
    separator and decimal sign in Swedish), no thousands separator, so numbers stay numbers;
    neutralised as `to_csv`. pandas reads it with sep=";", decimal=",", encoding="utf-8-sig"."""
    text = csv_frame(frame).to_csv(index=False, sep=";", decimal=",", lineterminator="\r\n")
    return ("\ufeff" + text).encode("utf-8")


def to_xlsx(frame: pd.DataFrame, sheet: str = "Tabell") -> bytes:
    """An Excel workbook of the frame: a bold, frozen header row; numbers as number cells
    (whole numbers with a thousands separator, others with one decimal); every other value as
    a text cell, so that '=1+1' is the text =1+1, never a formula (marked with a quote prefix,
    which Excel keeps when the cell is edited)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.properties.creator = "lansbok"
    ws = book.active
    ws.title = sheet
    for col, header in enumerate(frame.columns, start=1):
        _text_cell(ws.cell(1, col), str(header)).font = Font(bold=True)
    for row, values in enumerate(frame.itertuples(index=False), start=2):
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row, col)
            if pd.isna(value):  # an empty cell
                continue
            if isinstance(value, numbers.Number) and not isinstance(value, bool):
                cell.value = value.item() if hasattr(value, "item") else value
                whole = float(value).is_integer()
                cell.number_format = "#,##0" if whole else "#,##0.0"
            else:
                _text_cell(cell, str(value))
    for col, header in enumerate(frame.columns, start=1):
        longest = max([len(str(header)), *(len(str(v)) for v in frame.iloc[:, col - 1])])
        ws.column_dimensions[ws.cell(1, col).column_letter].width = min(longest + 2, 60)
    ws.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _text_cell(cell, text: str):
    cell.value = text
    cell.data_type = "s"  # openpyxl takes a text starting with "=" for a formula
    if text.startswith(FORMULA_START):
        cell.quotePrefix = True
    return cell
