"""The book: execute every page, write the generated pages, build with Jupyter Book 1.

The build is strict (-W -n --keep-going: any warning, broken reference or failed notebook fails
it) and happens in a staging folder; only a successful build replaces _build/html, so a failed
build never destroys a good one.
"""

from __future__ import annotations

import copy
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

import pandas as pd
import yaml

from lansbok import charts, geography, processes, sections, sphinx_parallel
from lansbok.charts import BUNDLE_NAME, vega_bundle, vl_convert_version
from lansbok.data import (
    DEFAULT_DATA_DIR,
    DESCRIPTOR,
    PROJECT_ROOT,
    Dataset,
    atomic_write,
    load,
)
from lansbok.figures import OFFICIAL, combined_status
from lansbok.geography import Geography
from lansbok.landing import in_brief
from lansbok.privacy import TOTAL, policy, protect
from lansbok.report import PERCENT_UNITS, Page, sv_number
from lansbok.run import (
    OUTPUT_DIR,
    ExecutorFactory,
    LocalExecutor,
    Report,
    all_geographies,
    code_fingerprint,
    output_path,
    run,
)
from lansbok.safe import md_code_text, md_text, to_csv
from lansbok.toc import MUNICIPALITY, RECONCILIATION, write_toc

STATUS_SV = {OFFICIAL: "officiell", "sample": "exempeldata", None: "saknas"}
COMPUTED_FROM = {  # the reconciliation's last column: what a computed figure rests on
    OFFICIAL: "officiell statistik",
    "sample": "exempeldata",
    None: "–",
}
KIND_SV = {
    "exact": "exakt",
    "rounded": "avrundat",
    "lower_bound": "nedre gräns (”över”)",
    "upper_bound": "övre gräns (”knappt”)",
}


class BuildError(Exception):
    pass


@dataclass
class BuildResult:
    index: Path  # _build/html/index.html
    report: Report  # what the runner executed and reused
    execute_seconds: float
    sphinx_seconds: float
    sphinx_times: dict  # Sphinx's phases and pages read (lansbok.sphinx_parallel)


def section_status(data: Dataset, geo: Geography, section: sections.Section) -> str:
    """A section page's status in words. Riket's figures that the summary states are official
    (the summary is official), even where the breakdown beneath them is sample data."""
    figures = section.figures(data, geo)
    if combined_status(f.status for f in figures.values()) == OFFICIAL:
        return STATUS_SV[OFFICIAL]
    if geo.is_national and Page(data, geo).stated_in_summary(figures):
        status = "officiella riksuppgifter, fördelning: exempeldata"
    else:
        status = STATUS_SV["sample"]
    official = data.partly_official(section.tables) if geo.is_national else ()
    if official:  # some counties' own files: how much of Riket is official
        status += f", officiell för {len(official)} av {len(data.table('counties'))} län"
    return status


def page_status(data: Dataset, out_dir: Path) -> str:
    """Markdown table: per geography and section, the status of its data, linked to the page."""
    titles = [md_text(section.title) for section in sections.SECTIONS.values()]
    header = "| Geografi | " + " | ".join(titles) + " |"
    rows = [header, "|" + " --- |" * (len(titles) + 1)]
    for geo in all_geographies(data):
        cells = []
        for name, section in sections.SECTIONS.items():
            page = output_path(out_dir, geo, name, data.year)
            if page.exists():
                status = section_status(data, geo, section)
                doc = page.relative_to(out_dir.parent).with_suffix("").as_posix()
                cells.append(f"{{doc}}`{status} </{doc}>`")
            else:
                cells.append(STATUS_SV[None])
        rows.append(f"| {md_text(geo.name)} | " + " | ".join(cells) + " |")
    return "\n".join(rows) + "\n"


def reconciliation_page(data: Dataset) -> str:
    """Riket: every figure of the summary beside the value computed from the data."""
    _, table = sections.reconciliation(data)
    lines = [
        "# Avstämning mot sammanfattningen",
        "",
        f"Varje siffra i länsstyrelsernas sammanfattning för {data.year} jämförs här med värdet "
        "som boken räknar fram ur sina tabeller. En procentsats stämmer om den avrundas till det "
        "tryckta värdet; en gräns stämmer om värdet ligger på rätt sida om den. En uppgift som "
        "boken räknar fram ur en annan officiell källa än sammanfattningens kan skilja sig från "
        "den tryckta; då anges varför.",
        "",
        "**Så läser du kolumnen Stämmer.** En siffra som boken räknar fram ur officiell statistik "
        "prövas på riktigt. En siffra som räknas fram ur **exempeldata** stämmer däremot per "
        "konstruktion: exempeldatan är framtagen så att den summerar till riksuppgifterna i "
        "sammanfattningen. Där visar ”ja” bara att räkningen går ihop, inte att fördelningen på "
        "län och kommuner är riktig. Kolumnen Beräknat ur håller isär de två.",
        "",
        "| Uppgift i sammanfattningen | Publicerat | Beräknat | Slag | Stämmer | Beräknat ur |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for row in table.itertuples():
        decimals = 0 if float(row.computed).is_integer() else 1
        unit = "\u00a0%" if row.unit in PERCENT_UNITS else ""  # the registry's unit
        computed = "–" if row.match is None else sv_number(row.computed, decimals) + unit
        if row.match is None:
            verdict = "kan inte beräknas: " + sections.NOT_COMPUTABLE[row.indicator_id]
        elif isinstance(row.difference, str):  # an explained difference (data, not a failure)
            verdict = "skiljer sig: " + md_text(row.difference)
        elif row.match and row.status != OFFICIAL:
            verdict = "ja, per konstruktion"
        else:
            verdict = "ja" if row.match else "**nej**"
        # "9 625" in the summary's wording: a no-break space, so the number never splits.
        statement = md_text(re.sub(r"(?<=\d) (?=\d{3}\b)", "\u202f", row.statement_sv))
        basis = COMPUTED_FROM[row.status if isinstance(row.status, str) else None]
        lines.append(
            f"| {statement} | {sv_number(row.published)}{unit} | {computed} | {KIND_SV[row.kind]} "
            f"| {verdict} | {basis} |"
        )
    return "\n".join(lines) + "\n"


def catalogue(data: Dataset) -> str:
    """The data catalogue, from data/datapackage.json (every text from it escaped: it is data;
    `commands` in it are shown as code)."""
    lines = []
    for name, resource in data.resources.items():
        counties = data.table("counties").set_index("county_code")["name"]
        status = STATUS_SV[resource["status"]]
        official = sorted(data.partly_official([name]))
        if official:  # some counties' own files
            status += f", officiell för {md_text(charts.sv_list([counties[c] for c in official]))}"
        lines += [f"### {md_text(resource['title'])}", ""]
        rows = len(data.table(name))
        lines.append(f"- Fil: data/{md_text(resource['path'])} ({rows} rad{'er' * (rows != 1)})")
        lines.append(f"- Status: **{status}**")
        lines.append(f"- Producent: {md_text(resource['producer'])}")
        for source in resource["sources"]:
            lines.append(f"- Källa: {_source_link(source)}")
        licence = resource["licenses"][0]
        lines.append(f"- Licens: {md_text(licence.get('title', licence['name']))}")
        if "retrieved" in resource:
            lines.append(f"- Hämtad: {md_text(resource['retrieved'])}")
        for record in resource.get("lansbok:imports", []):
            scope = record["year"]
            if "county_code" in record:  # a county board's own file
                scope = f"{scope}, {counties[record['county_code']]}"
            lines.append(
                f"- Inläst för {md_text(scope)}: {md_text(record['file'])} den "
                f"{md_text(record['imported'])} (sha256 {md_text(record['sha256'][:12])}…)"
            )
        if "description" in resource:
            lines.append(f"- Beskrivning: {md_code_text(resource['description'])}")
        if name in policy(data).rules:
            lines.append(f"- I boken och i zip-filen: {SUPPRESSED_IN_ZIP}")
        lines.append("")
    return "\n".join(lines) + snapshot_catalogue(data)


def snapshot_catalogue(data: Dataset) -> str:
    """The catalogue's section on the producers' responses kept in data/snapshots (`lansbok
    fetch`): one row per file, every text from the snapshot's metadata escaped."""
    from lansbok.fetch.snapshots import Store

    lines = [
        "",
        "## Ögonblicksbilder från producenterna",
        "",
        "Det som `lansbok fetch` har hämtat sparas som det levererades i `data/snapshots/`, och "
        "tabellerna läses in därifrån (`lansbok fetch KÄLLA --offline` läser in dem igen utan "
        "nätverk).",
        "",
    ]
    snapshots = Store(data.data_dir).all()
    if not snapshots:
        return "\n".join([*lines, "Inga ögonblicksbilder har hämtats ännu.", ""])
    lines += [
        "| Källa | Fil | Hämtad (UTC) | Storlek (byte) | sha256 | Licens |",
        "| --- | --- | --- | ---: | --- | --- |",
    ]
    for snapshot in snapshots:
        meta = snapshot.meta
        for entry in meta["files"]:
            lines.append(
                f"| {md_text(meta['source'])} | {md_text(meta['key'] + '/' + entry['file'])} | "
                f"{md_text(meta['retrieved'])} | {sv_number(entry['size'])} | "
                f"{md_text(entry['sha256'][:12])}… | {md_text(meta['licence'])} |"
            )
    return "\n".join([*lines, ""])


# Said of each protected table in the catalogue.
SUPPRESSED_IN_ZIP = (
    "små antal ensamkommande barn per kommun är undertryckta (se Om data och metod); zip-filen "
    "innehåller tabellen med samma undertryckning som sidorna, inte de underliggande värdena."
)


def _source_link(source: dict) -> str:
    """A source's title, linked when its address is a web address (percent-encoded, so that it
    cannot end the link or start markup)."""
    title, target = md_code_text(source["title"]), source.get("path", "")
    if urlsplit(target).scheme in {"http", "https"}:
        return f"[{title}](<{quote(target, safe=URL_SAFE)}>)"
    return title


URL_SAFE = ":/?#@!$&'*+,;=%~"


def sample_method(data: Dataset) -> str:
    """How the sample tables were made, from their `method` in the data package (escaped, with
    `commands` shown as code)."""
    methods = {r["method"] for r in data.resources.values() if r["status"] == "sample"}
    return "\n\n".join(md_code_text(m) for m in sorted(methods)) + "\n"


def suppression_summary(data: Dataset) -> str:
    """The method page's table: per protected table, cells and how many are suppressed."""
    rule = policy(data)
    lines = [
        "| Tabell | Celler (kommun och kategori, med kommunens summa) | Undertryckta | "
        f"varav {rule.range_text} | varav sekundärt |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for name in rule.rules:
        cells = protect(data, name).cells
        primary = cells["count"].map(rule.hides)
        title = md_text(data.resources[name]["title"])
        lines.append(
            f"| {title} | {sv_number(len(cells))} | {sv_number(cells['suppressed'].sum())} | "
            f"{sv_number(primary.sum())} | {sv_number((cells['suppressed'] & ~primary).sum())} |"
        )
    return "\n".join(lines) + "\n"


def published_table(data: Dataset, name: str) -> pd.DataFrame:
    """A protected table as the zip ships it: its own rows and columns, with each suppressed
    count replaced by the symbol, and a row for each suppressed zero a sparse table leaves out."""
    protected = protect(data, name)
    rule, original = protected.rule, data.table(name)
    keys = ["municipality_code", *rule.per, *([rule.category] if rule.category else [])]
    cells = (
        protected.cells[protected.cells["category"] != TOTAL] if rule.category else protected.cells
    )
    cells = cells.rename(columns={"category": rule.category})[[*keys, "suppressed"]]
    merged = original.merge(cells, how="outer", on=keys, indicator=True)
    merged = merged[(merged["_merge"] != "right_only") | merged["suppressed"]]
    if rule.bound:  # a municipality the table leaves out received no one
        merged[rule.bound] = merged[rule.bound].fillna(0).astype("int64")
    counts = merged[rule.count].astype("Int64").astype("object")
    counts[merged["suppressed"].fillna(False).astype(bool)] = protected.symbol
    merged = merged.assign(**{rule.count: counts})[list(original.columns)]
    return merged.sort_values(keys, kind="stable")


def data_zip(data: Dataset) -> bytes:
    """The data package as a zip, byte for byte the same for the same files. The tables of
    `lansbok:small_counts` are shipped suppressed, as the pages show them, with the symbol
    declared a missing value in their schema; text cells cannot run as spreadsheet formulas."""
    descriptor = copy.deepcopy(data.descriptor)
    rules = policy(data)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for resource in descriptor["resources"]:
            name = resource["name"]
            if name in rules.rules:
                frame = published_table(data, name)
                schema = resource["schema"]
                schema["missingValues"] = [*schema.get("missingValues", [""]), rules.symbol]
                for field in schema["fields"]:
                    if field["name"] == rules.rules[name].count:  # suppressed: no value
                        field.get("constraints", {}).pop("required", None)
                resource.pop("lansbok:totals", None)  # suppressed counts do not add up
                resource["lansbok:suppressed"] = SUPPRESSED_IN_ZIP
            else:
                frame = pd.read_csv(
                    data.data_dir / resource["path"], dtype=str, keep_default_na=False
                )
            text = [f["name"] for f in resource["schema"]["fields"] if f.get("type") == "string"]
            _add(archive, resource["path"], to_csv(frame, text))
        text = json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n"
        _add(archive, DESCRIPTOR, text)
    return buffer.getvalue()


def _add(archive: zipfile.ZipFile, name: str, text: str) -> None:
    # A fixed time stamp (the zip format's first): the same data give the same bytes.
    info = zipfile.ZipInfo(f"lansbok-data/{name}", date_time=(1980, 1, 1, 0, 0, 0))
    archive.writestr(info, text.encode("utf-8"), zipfile.ZIP_DEFLATED)


def write_generated(data: Dataset, out_dir: Path, root: Path) -> None:
    """The pages of the book's edition (`data`), and those of the data package as shipped,
    every year of it (the catalogue, the method, the suppression audit, the zip)."""
    atomic_write(out_dir / f"{RECONCILIATION}.md", reconciliation_page(data))
    atomic_write(out_dir / "status.md", page_status(data, out_dir))
    atomic_write(out_dir / "korthet.md", in_brief(data, root / "notebooks" / "text"))
    shipped = data.whole()
    atomic_write(out_dir / "katalog.md", catalogue(shipped))
    atomic_write(out_dir / "metod.md", sample_method(shipped))
    # The suppression audit and the chart bundle take seconds: made again only from new inputs.
    inputs = [
        *(path.read_bytes() for path in sorted(data.data_dir.iterdir()) if path.is_file()),
        code_fingerprint().encode(),  # the code pages run, privacy among it
        Path(__file__).read_bytes(),
    ]
    derived = DerivedFiles(out_dir)
    derived.write(out_dir / "rojandeskydd.md", inputs, lambda: suppression_summary(shipped))
    derived.write(out_dir / "lansbok-data.zip", inputs, lambda: data_zip(shipped))
    (root / "_static").mkdir(exist_ok=True)
    bundle_inputs = [vl_convert_version().encode(), Path(charts.__file__).read_bytes()]
    derived.write(root / "_static" / BUNDLE_NAME, bundle_inputs, vega_bundle)
    write_toc(data, out_dir)


class DerivedFiles:
    """Files made from known inputs, each remade only when a hash of its inputs changed (the
    hashes are kept in the output folder, `.derived.json`)."""

    def __init__(self, out_dir: Path):
        self.path = out_dir / ".derived.json"
        try:
            self.hashes = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.hashes = {}

    def write(self, target: Path, inputs: list[bytes], make) -> None:
        digest = hashlib.sha256()
        for part in inputs:
            digest.update(hashlib.sha256(part).digest())
        key = str(target.resolve())
        if target.exists() and self.hashes.get(key) == digest.hexdigest():
            return
        atomic_write(target, make())
        self.hashes[key] = digest.hexdigest()
        atomic_write(self.path, json.dumps(self.hashes, indent=1, sort_keys=True) + "\n")


def toc_documents(toc_path: Path) -> set[str]:
    """Every document of a table of contents (_toc.yml)."""
    found, todo = set(), [yaml.safe_load(toc_path.read_text(encoding="utf-8"))]
    while todo:
        entry = todo.pop()
        if isinstance(entry, dict):
            found |= {entry[key] for key in ("root", "file") if key in entry}
            todo += [v for v in entry.values() if isinstance(v, (dict, list))]
        elif isinstance(entry, list):
            todo += entry
    return found


def remove_stale_pages(html: Path, toc_path: Path) -> None:
    """Generated pages an earlier build wrote whose source is no longer in the table of contents
    (another edition's, a municipality no longer asked for): Sphinx leaves its old output in
    place, where a reader would still find it. A page's HTML and its copied source go."""
    documents = toc_documents(toc_path)
    for base in (html, html / "_sources"):
        for path in (base / "generated").rglob("*"):
            doc = path.relative_to(base).as_posix().split(".")[0]  # tia.ipynb.txt -> tia
            page = path.is_file() and path.suffix in {".html", ".ipynb", ".md", ".txt"}
            if page and doc not in documents:
                path.unlink()
        for folder in sorted((base / "generated").rglob("*"), reverse=True):  # deepest first
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()


def forget_environment(staging: Path) -> None:
    """After a failed or interrupted build, the next one reads and writes every page again:
    Sphinx would otherwise take the pages it wrote (with the faults that failed the build) as
    up to date, and a build with nothing changed would pass."""
    shutil.rmtree(staging / "_build" / ".doctrees", ignore_errors=True)


def sphinx_build(root: Path, jobs: int | None = None, times: dict | None = None) -> Path:
    """Strict Jupyter Book build in a staging folder, then swapped into _build/html. Sphinx
    reads and writes the pages in `jobs` processes (default: one per core) and keeps its
    environment in the staging folder, so that the next build reads only the pages that
    changed. `times`, if given, receives where the time went (`lansbok.sphinx_parallel`)."""
    staging = root / "_build" / ".staging"
    jobs = jobs or os.cpu_count() or 1
    command = [
        sys.executable,
        "-m",
        "lansbok.sphinx_parallel",
        str(root),
        str(staging),
        str(jobs),
        "-W",
        "-n",
        "--keep-going",
    ]
    started = time.perf_counter()
    # The build dies with this process; an interruption kills it (subprocess.run does).
    try:
        result = subprocess.run(
            command, capture_output=True, text=True, preexec_fn=processes.child_setup()
        )
    except BaseException:
        forget_environment(staging)
        raise
    if result.returncode != 0:
        forget_environment(staging)
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-40:])
        raise BuildError(f"jupyter-book build failed (exit {result.returncode}):\n{tail}")
    built = staging / "_build" / "html"
    final = root / "_build" / "html"
    swap_started = time.perf_counter()
    incoming = root / "_build" / ".html-new"
    shutil.rmtree(incoming, ignore_errors=True)
    shutil.copytree(built, incoming)
    remove_stale_pages(incoming, root / "_toc.yml")
    old = root / "_build" / ".html-old"
    shutil.rmtree(old, ignore_errors=True)
    with processes.deferred_signals():  # never a moment without _build/html
        if final.exists():
            final.rename(old)
        incoming.rename(final)
    shutil.rmtree(old, ignore_errors=True)
    if times is not None:
        times.update(sphinx_parallel.parse(result.stdout))
        times["process"] = swap_started - started  # Sphinx's whole process, start to exit
        times["swap"] = time.perf_counter() - swap_started  # the copy into _build/html
    return final / "index.html"


def build(
    *,
    root: Path = PROJECT_ROOT,
    data_dir: Path = DEFAULT_DATA_DIR,
    geographies: list[Geography] | None = None,
    jobs: int | None = None,
    force: bool = False,
    progress: bool = True,
    year: int | None = None,
    municipalities: list[Geography] = (),
    executor: ExecutorFactory = LocalExecutor,
) -> BuildResult:
    """Validate, execute every page of the edition `year` (default: the latest year with
    published figures; cached), write the generated pages and build the book.
    `geographies` (default: Riket and every county) narrows the book, for tests;
    `municipalities` adds their municipality pages. A municipality page an earlier build added
    stays in the book (the table of contents lists every page present) and is kept current."""
    data = load(data_dir, check=True).edition(year)
    out_dir = root / OUTPUT_DIR.name
    present = [
        muni
        for muni in geography.municipalities(data.table("municipalities"))
        if output_path(out_dir, muni, MUNICIPALITY, data.year).exists()
    ]
    started = time.perf_counter()
    report = run(
        list(dict.fromkeys([*(geographies or all_geographies(data)), *municipalities, *present])),
        data_dir=data_dir,
        out_dir=out_dir,
        templates_dir=root / "notebooks",
        jobs=jobs,
        force=force,
        progress=progress,
        data=data,
        executor=executor,
    )
    if not report.ok:
        failed = "\n\n".join(f"{job.label}:\n{message}" for job, message in report.failures)
        raise BuildError(f"{len(report.failures)} notebook(s) failed:\n\n{failed}")
    executed = time.perf_counter()
    write_generated(data, out_dir, root)
    times: dict = {}
    index = sphinx_build(root, jobs, times)
    return BuildResult(index, report, executed - started, time.perf_counter() - executed, times)
