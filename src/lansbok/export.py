"""Standalone HTML pages of executed section notebooks, for sharing one county without the book.

Each page opens in a browser with no network: the charts are drawn by a local copy of the vega
bundle written next to the pages, and the glued figures are put into the narrative.
"""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import nbformat
from markdown_it import MarkdownIt

from lansbok.charts import BUNDLE_NAME, vega_bundle
from lansbok.data import atomic_write
from lansbok.sections import TITLES

GLUE = re.compile(r"\{glue:text\}`([^`]+)`")
# MyST roles the book resolves and a standalone page shows as plain text or a plain link.
DOWNLOAD = re.compile(r"\{download\}`([^`<]+?)\s*<([^>`]+)>`")
TERM = re.compile(r"\{term\}`([^`<]+?)(?:\s*<[^>`]+>)?`")
RECORD = "application/papermill.record/text/plain"
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


def notebook_html(path: Path, nav: str = "") -> tuple[str, str]:
    """(title, page) for one executed notebook."""
    notebook = nbformat.read(path, as_version=4)
    glued = glued_values(notebook)
    markdown = MarkdownIt("commonmark").enable("table")
    title, parts = path.stem, []
    for cell in notebook.cells:
        tags = set(cell.metadata.get("tags", []))
        if "remove-cell" in tags:
            continue
        if cell.cell_type == "markdown":
            source = GLUE.sub(lambda m: glued.get(m.group(1), "uppgift saknas"), cell.source)
            source = TERM.sub(r"\1", DOWNLOAD.sub(r"[\1](\2)", source))
            if source.startswith("# ") and title == path.stem:
                title = source.splitlines()[0][2:].strip()
            parts.append(markdown.render(source))
        elif cell.cell_type == "code":
            if "remove-input" not in tags:
                parts.append(f"<pre><code>{html.escape(cell.source)}</code></pre>")
            for output in cell.get("outputs", []):
                data = output.get("data", {})
                if "text/html" in data:
                    parts.append(data["text/html"])
                elif "text/plain" in data:
                    parts.append(f"<pre>{html.escape(data['text/plain'])}</pre>")
    page = (
        '<!DOCTYPE html>\n<html lang="sv">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n<style>{STYLE}</style>\n"
        f'<script src="{BUNDLE_NAME}"></script>\n</head>\n<body>\n'
        f"<nav>{nav}</nav>\n<main>\n" + "\n".join(parts) + "\n</main>\n</body>\n</html>\n"
    )
    return title, page


def write_site(notebooks: list[Path], target: Path) -> list[Path]:
    """One HTML page per notebook, an index page and the vega bundle, into target."""
    target.mkdir(parents=True, exist_ok=True)
    atomic_write(target / BUNDLE_NAME, vega_bundle())
    nav = " ".join(
        f'<a href="{p.stem}.html">{html.escape(TITLES.get(p.stem, p.stem))}</a>' for p in notebooks
    )
    written, links = [], []
    for path in notebooks:
        for download in path.parent.glob(f"{path.stem}.csv"):
            shutil.copy(download, target / download.name)
        title, page = notebook_html(path, nav='<a href="index.html">Innehåll</a> ' + nav)
        out = target / f"{path.stem}.html"
        atomic_write(out, page)
        written.append(out)
        links.append(f'<li><a href="{out.name}">{html.escape(title)}</a></li>')
    index = (
        '<!DOCTYPE html>\n<html lang="sv">\n<head>\n<meta charset="utf-8">\n'
        f"<title>Innehåll</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n"
        "<h1>Innehåll</h1>\n<ul>\n" + "\n".join(links) + "\n</ul>\n</main>\n</body>\n</html>\n"
    )
    atomic_write(target / "index.html", index)
    return written
