"""Standalone HTML pages of executed section notebooks, for sharing one county without the book.

The pack opens with the county's overview (its index.html), which links to the section pages.

Each page opens in a browser with no network: the charts are drawn by a local copy of the vega
bundle written next to the pages, and the glued figures are put into the narrative.

Data is text, never markup: the Markdown is rendered with raw HTML off, and a glued value is
escaped before it is put into the Markdown, so a name such as `<img src=x onerror=…>` shows as
itself. The pages carry the book's Content-Security-Policy (no inline script or style), which
they work under: their style sheet and scripts are files beside them.
"""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import nbformat
from markdown_it import MarkdownIt

from lansbok.charts import BUNDLE_NAME, vega_bundle
from lansbok.csp import META
from lansbok.data import PROJECT_ROOT, atomic_write
from lansbok.geography import Geography
from lansbok.safe import md_text
from lansbok.sections import PAGES

GLUE = re.compile(r"\{glue:text\}`([^`]+)`")
# MyST roles the book resolves and a standalone page shows as plain text or a plain link.
DOWNLOAD = re.compile(r"\{download\}`([^`<]+?)\s*<([^>`]+)>`")
TERM = re.compile(r"\{term\}`([^`<]+?)(?:\s*<[^>`]+>)?`")
DOC = re.compile(r"\{doc\}`([^`<]+?)\s*<([^>`]+)>`")
BOOK_ONLY = "lansbok-book-only"  # a cell that links into the book: left out of the pack
OVERVIEW = "overview"  # the county's overview: the pack's index
RECORD = "application/papermill.record/text/plain"
STYLE_NAME = "lansbok.css"
# DataTables' style and script, and the book's script that applies it to long tables (_static).
TABLE_FILES = ("datatables.min.css", "datatables.min.js", "lansbok-tables.js")
# The page's own rules; the book's rules for charts and tables (_static/lansbok.css) follow.
STYLE = """
body { font-family: system-ui, sans-serif; max-width: 52rem; margin: 2rem auto; padding: 0 1rem;
       line-height: 1.5; color: #1a1a1a; }
table { border-collapse: collapse; margin: 1rem 0; } caption { text-align: left; color: #444; }
td, th { border-bottom: 1px solid #ddd; padding: .25rem .75rem; text-align: left; }
.admonition { border-left: 4px solid #b35900; background: #fff4e5; padding: .5rem 1rem; }
.admonition-title { font-weight: bold; margin: 0; }
nav a { margin-right: 1rem; }
"""


def glued_values(notebook) -> dict[str, str]:
    values = {}
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            name = output.get("metadata", {}).get("scrapbook", {}).get("name")
            if name and RECORD in output.get("data", {}):
                values[name] = output["data"][RECORD]
    return values


def plain_roles(source: str, pages: dict[str, str] | None) -> str:
    """Markdown with the book's roles made plain: a download a link to the file beside the
    page, a glossary term its text, a link to another page of the book a link into the pack
    (see `_doc_link`)."""
    source = TERM.sub(r"\1", DOWNLOAD.sub(r"[\1](\2)", source))
    return DOC.sub(lambda m: _doc_link(m, pages), source)


def inline_text(markdown: MarkdownIt, source: str) -> str:
    """The plain text of a line of Markdown (escapes resolved, markup dropped), for <title>."""
    return "".join(
        child.content
        for token in markdown.parseInline(source)
        for child in token.children or []
        if child.type in {"text", "code_inline"}
    )


def head(title: str) -> str:
    """A page's <head>: the Content-Security-Policy first, then only files beside the page."""
    return (
        f'<!DOCTYPE html>\n<html lang="sv">\n<head>\n<meta charset="utf-8">\n{META}'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<title>{html.escape(title)}</title>\n<link rel="stylesheet" href="{TABLE_FILES[0]}">\n'
        f'<link rel="stylesheet" href="{STYLE_NAME}">\n'
    )


def _doc_link(match: re.Match, pages: dict[str, str]) -> str:
    """A {doc} link to a sibling page as a link to its file in the pack, or its text when the
    page is not in the pack."""
    text, target = match.group(1), match.group(2)
    return f"[{text}]({pages[target]})" if target in pages else text


def notebook_html(
    path: Path, nav: str = "", pages: dict[str, str] | None = None
) -> tuple[str, str]:
    """(title, page) for one executed notebook. pages: the pack's pages (notebook name -> file)
    that {doc} links may point to."""
    pages = pages or {}
    notebook = nbformat.read(path, as_version=4)
    glued = glued_values(notebook)
    # Raw HTML in Markdown is shown as text, not passed through.
    markdown = MarkdownIt("commonmark", {"html": False}).enable("table")
    title, parts = path.stem, []
    for cell in notebook.cells:
        tags = set(cell.metadata.get("tags", []))
        if "remove-cell" in tags or BOOK_ONLY in tags:
            continue
        if cell.cell_type == "markdown":
            # A glued value is text: escaped, so that no Markdown or HTML can start from it.
            source = GLUE.sub(
                lambda m: md_text(glued.get(m.group(1), "uppgift saknas")), cell.source
            )
            source = plain_roles(source, pages)
            if source.startswith("# ") and title == path.stem:
                title = inline_text(markdown, source.splitlines()[0][2:].strip())
            parts.append(markdown.render(source))
        elif cell.cell_type == "code":
            if "remove-input" not in tags:
                parts.append(f"<pre><code>{html.escape(cell.source)}</code></pre>")
            for output in cell.get("outputs", []):
                data = output.get("data", {})
                # HTML that lansbok.report and lansbok.charts made, with every value from the
                # data escaped (and charts as JSON data blocks, never script).
                if "text/markdown" in data:  # running text (`Page.say`): values escaped there
                    parts.append(markdown.render(plain_roles(data["text/markdown"], pages)))
                elif "text/html" in data:
                    parts.append(data["text/html"])
                elif "text/plain" in data:
                    parts.append(f"<pre>{html.escape(data['text/plain'])}</pre>")
    page = (
        head(title)
        + "".join(f'<script src="{name}"></script>\n' for name in (BUNDLE_NAME, *TABLE_FILES[1:]))
        + "</head>\n<body>\n"
        f"<nav>{nav}</nav>\n<main>\n" + "\n".join(parts) + "\n</main>\n</body>\n</html>\n"
    )
    return title, page


def write_site(notebooks: list[Path], target: Path, geo: Geography | None = None) -> list[Path]:
    """One HTML page per notebook, an index page, the style sheet and the vega bundle, into
    target. The county's overview, if among the notebooks, is the index; else the index lists
    the pages under the geography's name."""
    target.mkdir(parents=True, exist_ok=True)
    atomic_write(target / BUNDLE_NAME, vega_bundle())
    book_style = (PROJECT_ROOT / "_static" / STYLE_NAME).read_text(encoding="utf-8")
    atomic_write(target / STYLE_NAME, STYLE + "\n" + book_style)
    for name in TABLE_FILES:  # sorting and filtering of long tables, as in the book
        shutil.copy(PROJECT_ROOT / "_static" / name, target / name)
    files = {p.stem: "index.html" if p.stem == OVERVIEW else f"{p.stem}.html" for p in notebooks}
    sections = [p for p in notebooks if p.stem != OVERVIEW]
    start = "Översikt" if OVERVIEW in files else "Innehåll"
    nav = " ".join(
        [f'<a href="index.html">{start}</a>']
        + [f'<a href="{files[p.stem]}">{html.escape(PAGES[p.stem].title)}</a>' for p in sections]
    )
    written, links = [], []
    for path in notebooks:
        for suffix in (".csv", ".xlsx"):  # the page's downloads
            for download in path.parent.glob(path.stem + suffix):
                shutil.copy(download, target / download.name)
        title, page = notebook_html(path, nav=nav, pages=files)
        out = target / files[path.stem]
        atomic_write(out, page)
        written.append(out)
        if path.stem != OVERVIEW:
            links.append(f'<li><a href="{out.name}">{html.escape(title)}</a></li>')
    if OVERVIEW not in files:
        year = nbformat.read(notebooks[0], as_version=4).metadata["lansbok"]["year"]
        heading = f"{geo.name} {year}" if geo else "Innehåll"
        index = (
            head(heading) + "</head>\n<body>\n<main>\n"
            f"<h1>{html.escape(heading)}</h1>\n<ul>\n" + "\n".join(links) + "\n</ul>\n"
            "</main>\n</body>\n</html>\n"
        )
        atomic_write(target / "index.html", index)
    return written
