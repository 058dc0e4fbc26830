"""The book's table of contents (`_toc.yml`), the landing page of each geography, and the
Sphinx extension that keeps previous/next within a county.

The book shows one edition (a year of the summary, `data.year`). The side bar lists Riket <year>,
Jämförelser and Om data och metod first, then Länen: one chapter per county, opened by the
county's overview, with its section pages nested (collapsed by the theme until the county is
visited). Other editions' pages may lie beside it in generated/; only the table of contents'
pages are built (`only_build_toc_files`)."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import yaml

from lansbok.data import Dataset, atomic_write
from lansbok.geography import RIKET, counties, municipalities
from lansbok.safe import md_text
from lansbok.sections import SECTIONS

STATIC_CHAPTERS = [
    "chapters/data",
    "chapters/metod",
    "chapters/kor-for-ditt-lan",
    "chapters/ny-argang",
    "chapters/ordlista",
]
# Riket's page comparing computed and published figures: generated/avstamning.md, written
# for the book's edition.
RECONCILIATION = "avstamning"
OVERVIEW = "overview"  # a county's landing page (lansbok.overview)
MUNICIPALITY = "kommun"  # a municipality's page (lansbok.kommun), listed in its county
# A county's municipality pages are nested under an index page, "Kommuner i <län>".
MUNICIPALITY_INDEX, MUNICIPALITY_INDEX_TITLE = "kommuner", "Kommuner i"
# A county's pages, and its municipalities': generated/<year>/<county code>[<two digits>]/<page>.
COUNTY_PAGE = re.compile(r"^generated/\d{4}/(\d{2})(?:\d{2})?/[^/]+$")
EDITION_FILE = "edition.json"  # generated/edition.json: the book's year, for its title


def _doc(path: Path, root: Path) -> str:
    return path.relative_to(root).with_suffix("").as_posix()


def write_toc(data: Dataset, out_dir: Path) -> Path:
    """A table of contents over every page of the edition `data.year` present under out_dir:
    Riket, the counties in SCB order, the comparisons, and the chapters on data and method."""
    root = out_dir.parent
    edition = out_dir / str(data.year)
    riket_caption = f"Riket {data.year}"
    riket, lan = [], []
    municipality_pages: dict[str, list[tuple[Path, str]]] = {}
    for muni in municipalities(data.table("municipalities")):
        page = edition / muni.code / f"{MUNICIPALITY}.ipynb"
        if page.exists():
            municipality_pages.setdefault(muni.parent, []).append((page, muni.name))
    for geo in [RIKET, *counties(data.table("counties"))]:
        folder = edition / geo.code
        # Executed pages only: a download left by a failed page is no page.
        pages = [folder / f"{s}.ipynb" for s in SECTIONS if (folder / f"{s}.ipynb").exists()]
        reconciliation = out_dir / f"{RECONCILIATION}.md"
        if geo.is_national and pages and reconciliation.exists():
            pages.append(reconciliation)
        own = municipality_pages.get(geo.code, [])
        if not pages and not own:
            continue
        sections = [{"file": _doc(p, root)} for p in pages]
        if own:  # under one entry, folded away: Skåne alone has 33
            sections.append(municipality_index(geo, own, folder, root))
        landing = folder / f"{OVERVIEW}.ipynb"
        if geo.is_national or not landing.exists():  # no overview: a page of links
            title = riket_caption if geo.is_national else geo.name
            links = "\n".join(f"- {{doc}}`/{s['file']}`" for s in sections)
            landing = folder / "index.md"
            atomic_write(landing, f"# {md_text(title)}\n\n{links}\n")
        chapter = {"file": _doc(landing, root)}
        if landing.stem == OVERVIEW:  # the side bar names the county, not the page's title
            chapter["title"] = geo.name
        chapter["sections"] = sections
        (riket if geo.is_national else lan).append(chapter)
    # The counties last: the other parts are then reached without passing 21 counties.
    parts = [{"caption": riket_caption, "chapters": riket}]
    comparisons = edition / RIKET.code / "comparisons.ipynb"
    if comparisons.exists():
        parts.append({"caption": "Jämförelser", "chapters": [{"file": _doc(comparisons, root)}]})
    parts.append(
        {"caption": "Om data och metod", "chapters": [{"file": f} for f in STATIC_CHAPTERS]}
    )
    parts.append({"caption": "Länen", "chapters": lan})
    toc = {
        "format": "jb-book",
        "root": "chapters/index",
        "parts": [p for p in parts if p["chapters"]],
    }
    path = root / "_toc.yml"
    text = yaml.safe_dump(toc, allow_unicode=True, sort_keys=False)
    atomic_write(out_dir / EDITION_FILE, json.dumps({"year": data.year}) + "\n")
    atomic_write(path, "# Written by `lansbok run` and `lansbok book`: do not edit.\n" + text)
    return path


def municipality_index(county, pages: list[tuple[Path, str]], folder: Path, root: Path) -> dict:
    """A county's municipalities with a page, listed in Swedish alphabetical order on an index
    page (generated/<year>/<county>/kommuner.md), and its entry in the table of contents with
    the municipality pages nested under it."""
    from lansbok.report import swedish_key  # charts and pandas: only when there are pages

    pages = sorted(pages, key=lambda item: swedish_key(item[1]))
    title = f"{MUNICIPALITY_INDEX_TITLE} {county.name}"
    links = "\n".join(f"- {{doc}}`{md_text(name)} </{_doc(p, root)}>`" for p, name in pages)
    text = (
        f"# {md_text(title)}\n\n"
        f"Sidor med siffror per kommun för mottagande av nyanlända, ensamkommande barn och "
        f"samhällsorientering, bredvid länets och rikets:\n\n{links}\n"
    )
    index = folder / f"{MUNICIPALITY_INDEX}.md"
    folder.mkdir(parents=True, exist_ok=True)  # a county with no page of its own yet
    atomic_write(index, text)
    return {
        "file": _doc(index, root),
        "title": title,
        "sections": [{"file": _doc(p, root), "title": name} for p, name in pages],
    }


def county_of(docname: str | None) -> str | None:
    """The county code of a county's page ('generated/2024/12/tia' -> '12'), else None."""
    match = COUNTY_PAGE.match(docname or "")
    return match.group(1) if match else None


def within_county(app, pagename, templatename, context, doctree) -> None:
    """html-page-context: on a county's page, no previous/next link that leaves the county (the
    theme takes them from the order of the table of contents, which runs on to the next
    county)."""
    county = county_of(pagename)
    if county is None:
        return
    relations = app.env.collect_relations().get(pagename)
    if not relations:
        return
    _parent, previous, following = relations
    for key, neighbour in (("prev", previous), ("next", following)):
        if county_of(neighbour) != county:
            context[key] = None


def reread_on_new_toc(app, env, added, changed, removed) -> list[str]:
    """env-get-outdated: every page again when _toc.yml changed. Every page's side bar shows the
    whole table of contents, and Sphinx would otherwise write again only the pages whose sources
    changed (sphinx-external-toc re-reads a page only when its own entry changed), keeping the
    old side bar, order and titles on the others."""
    toc = Path(app.srcdir) / app.config.external_toc_path
    digest = hashlib.sha256(toc.read_bytes()).hexdigest()
    if getattr(env, "lansbok_toc", None) == digest:
        return []
    env.lansbok_toc = digest
    return sorted(env.found_docs)


def edition_title(app, config) -> None:
    """config-inited: the book's title carries the year of its edition (generated/edition.json,
    written with the table of contents)."""
    try:
        year = json.loads((Path(app.srcdir) / "generated" / EDITION_FILE).read_text())["year"]
    except (OSError, ValueError, KeyError):
        return
    config.html_title = f"{config.html_title} {int(year)}"


def setup(app):
    app.connect("config-inited", edition_title)
    app.connect("env-get-outdated", reread_on_new_toc)
    app.connect("html-page-context", within_county)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
