"""The book: execute every page, write the generated pages, build with Jupyter Book 1.

The build is strict (-W -n --keep-going: any warning, broken reference or failed notebook fails
it) and happens in a staging folder; only a successful build replaces _build/html, so a failed
build never destroys a good one.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

from lansbok import processes, sections
from lansbok.charts import BUNDLE_NAME, vega_bundle
from lansbok.data import (
    DEFAULT_DATA_DIR,
    PROJECT_ROOT,
    Dataset,
    atomic_write,
    load,
)
from lansbok.figures import OFFICIAL, combined_status
from lansbok.geography import RIKET, Geography
from lansbok.report import sv_number
from lansbok.run import OUTPUT_DIR, Report, all_geographies, output_path, run
from lansbok.toc import RECONCILIATION, write_toc

STATUS_SV = {OFFICIAL: "officiell", "sample": "exempeldata", None: "saknas"}
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


def page_status(data: Dataset, out_dir: Path) -> str:
    """Markdown table: per geography and section, the status of its data, linked to the page."""
    header = "| Geografi | " + " | ".join(sections.TITLES.values()) + " |"
    rows = [header, "|" + " --- |" * (len(sections.TITLES) + 1)]
    for geo in all_geographies(data):
        cells = []
        for name, module in sections.SECTIONS.items():
            page = output_path(out_dir, geo, name)
            if page.exists():
                status = combined_status(f.status for f in module.figures(data, geo).values())
                doc = page.relative_to(out_dir.parent).with_suffix("").as_posix()
                cells.append(f"{{doc}}`{STATUS_SV[status]} </{doc}>`")
            else:
                cells.append(STATUS_SV[None])
        rows.append(f"| {geo.name} | " + " | ".join(cells) + " |")
    return "\n".join(rows) + "\n"


def reconciliation_page(data: Dataset) -> str:
    """Riket: every figure of the summary beside the value computed from the data."""
    _, table = sections.reconciliation(data)
    lines = [
        "# Avstämning mot sammanfattningen",
        "",
        "Varje siffra i länsstyrelsernas sammanfattning för 2024 jämförs här med värdet som boken "
        "räknar fram ur sina tabeller. En procentsats stämmer om den avrundas till det tryckta "
        "värdet; en gräns stämmer om värdet ligger på rätt sida om den.",
        "",
        "| Uppgift i sammanfattningen | Publicerat | Beräknat | Slag | Stämmer | Status |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for row in table.itertuples():
        decimals = 0 if float(row.computed).is_integer() else 1
        computed = "–" if row.match is None else sv_number(row.computed, decimals)
        if row.match is None:
            verdict = "kan inte beräknas: " + sections.NOT_COMPUTABLE[row.indicator_id]
        else:
            verdict = "ja" if row.match else "**nej**"
        statement = row.statement_sv.replace("|", "\\|")
        lines.append(
            f"| {statement} | {sv_number(row.published)} | {computed} | {KIND_SV[row.kind]} "
            f"| {verdict} | {STATUS_SV[row.status if isinstance(row.status, str) else None]} |"
        )
    return "\n".join(lines) + "\n"


def catalogue(data: Dataset) -> str:
    """The data catalogue, from data/datapackage.json."""
    lines = []
    for name, resource in data.resources.items():
        status = STATUS_SV[resource["status"]]
        lines += [f"## {resource['title']}", ""]
        lines.append(f"- Fil: `data/{resource['path']}` ({len(data.table(name))} rader)")
        lines.append(f"- Status: **{status}**")
        lines.append(f"- Producent: {resource['producer']}")
        for source in resource["sources"]:
            target = source.get("path", "")
            link = (
                f"[{source['title']}]({target})" if target.startswith("http") else source["title"]
            )
            lines.append(f"- Källa: {link}")
        lines.append(
            f"- Licens: {resource['licenses'][0].get('title', resource['licenses'][0]['name'])}"
        )
        if "retrieved" in resource:
            lines.append(f"- Hämtad: {resource['retrieved']}")
        for record in resource.get("lansbok:imports", []):
            lines.append(
                f"- Inläst för {record['year']}: `{record['file']}` den {record['imported']}"
                f" (sha256 `{record['sha256'][:12]}…`)"
            )
        if "description" in resource:
            lines.append(f"- Beskrivning: {resource['description']}")
        lines.append("")
    return "\n".join(lines)


def sample_method(data: Dataset) -> str:
    methods = {r["method"] for r in data.resources.values() if r["status"] == "sample"}
    return "\n\n".join(sorted(methods)) + "\n"


def data_zip(data_dir: Path) -> bytes:
    """The data package as a zip, byte for byte the same for the same files."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(data_dir.iterdir()):
            if path.suffix in {".csv", ".json"}:
                info = zipfile.ZipInfo(f"lansbok-data/{path.name}", date_time=(2024, 1, 1, 0, 0, 0))
                archive.writestr(info, path.read_bytes(), zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def write_generated(data: Dataset, data_dir: Path, out_dir: Path, root: Path) -> None:
    atomic_write(out_dir / RIKET.code / f"{RECONCILIATION}.md", reconciliation_page(data))
    atomic_write(out_dir / "status.md", page_status(data, out_dir))
    atomic_write(out_dir / "katalog.md", catalogue(data))
    atomic_write(out_dir / "metod.md", sample_method(data))
    atomic_write(out_dir / "lansbok-data.zip", data_zip(data_dir))
    (root / "_static").mkdir(exist_ok=True)
    atomic_write(root / "_static" / BUNDLE_NAME, vega_bundle())
    write_toc(data, out_dir)


def sphinx_build(root: Path) -> Path:
    """Strict Jupyter Book build in a staging folder, then swapped into _build/html."""
    staging = root / "_build" / ".staging"
    command = [
        str(Path(sys.executable).with_name("jupyter-book")),
        "build",
        str(root),
        "--path-output",
        str(staging),
        "-W",
        "-n",
        "--keep-going",
    ]
    # The build dies with this process; an interruption kills it (subprocess.run does).
    result = subprocess.run(
        command, capture_output=True, text=True, preexec_fn=processes.child_setup()
    )
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-40:])
        raise BuildError(f"jupyter-book build failed (exit {result.returncode}):\n{tail}")
    built = staging / "_build" / "html"
    final = root / "_build" / "html"
    incoming = root / "_build" / ".html-new"
    shutil.rmtree(incoming, ignore_errors=True)
    shutil.copytree(built, incoming)
    old = root / "_build" / ".html-old"
    shutil.rmtree(old, ignore_errors=True)
    with processes.deferred_signals():  # never a moment without _build/html
        if final.exists():
            final.rename(old)
        incoming.rename(final)
    shutil.rmtree(old, ignore_errors=True)
    return final / "index.html"


def build(
    *,
    root: Path = PROJECT_ROOT,
    data_dir: Path = DEFAULT_DATA_DIR,
    geographies: list[Geography] | None = None,
    jobs: int | None = None,
    force: bool = False,
    progress: bool = True,
) -> BuildResult:
    """Validate, execute every page (cached), write the generated pages and build the book.
    `geographies` (default: Riket and every county) narrows the book, for tests."""
    data = load(data_dir, check=True)
    out_dir = root / OUTPUT_DIR.name
    started = time.perf_counter()
    report = run(
        geographies or all_geographies(data),
        data_dir=data_dir,
        out_dir=out_dir,
        templates_dir=root / "notebooks",
        jobs=jobs,
        force=force,
        progress=progress,
    )
    if not report.ok:
        failed = "\n\n".join(f"{job.label}:\n{message}" for job, message in report.failures)
        raise BuildError(f"{len(report.failures)} notebook(s) failed:\n\n{failed}")
    executed = time.perf_counter()
    write_generated(data, data_dir, out_dir, root)
    index = sphinx_build(root)
    return BuildResult(index, report, executed - started, time.perf_counter() - executed)
