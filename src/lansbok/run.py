"""Execute the section notebooks with papermill for Riket and the counties.

Each (geography, section) page is executed in its own kernel, in parallel, and only when its
cache key changed: the template, the parameters, the `lansbok` code, the rows of the section's
tables that belong to the geography, and the national figures a county page compares with.
The key is stored in the executed notebook, so the output and its key are written together,
atomically: a notebook is executed to a temporary file and renamed into place.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pandas as pd

from lansbok import comparisons, sections
from lansbok.data import DEFAULT_DATA_DIR, PROJECT_ROOT, Dataset, load
from lansbok.geography import RIKET, Geography, counties
from lansbok.safe import md_text
from lansbok.sections.common import in_geography
from lansbok.toc import write_toc

TEMPLATES_DIR = PROJECT_ROOT / "notebooks"
OUTPUT_DIR = PROJECT_ROOT / "generated"
# Tables every page reads; a change in one re-executes every page (Riket's population is the sum
# of the counties').
REFERENCE_TABLES = ["counties", "municipalities", "indicators_2024", "population"]
# Every page template: the five sections for every geography, and pages for Riket only.
PAGES = {**sections.SECTIONS, "comparisons": comparisons}
NATIONAL_ONLY = {"comparisons"}
TMP_MARK = ".tmp-"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


@dataclass(frozen=True)
class Job:
    geo: Geography
    section: str
    template: Path
    output: Path
    key: str

    @property
    def label(self) -> str:
        return f"{self.geo.name} ({self.geo.code}) / {self.section}"


@dataclass
class Report:
    executed: list[Job] = field(default_factory=list)
    reused: list[Job] = field(default_factory=list)
    failures: list[tuple[Job, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures


def all_geographies(data: Dataset) -> list[Geography]:
    return [RIKET, *counties(data.table("counties"))]


def output_path(out_dir: Path, geo: Geography, section: str) -> Path:
    return out_dir / geo.code / f"{section}.ipynb"


def _hash_frame(frame: pd.DataFrame) -> bytes:
    return pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes()


# Modules that drive builds and never run inside a page's kernel: editing them re-executes nothing.
DRIVER_MODULES = {"run", "book", "cli", "export", "importers", "sample", "toc"}


def code_fingerprint() -> str:
    """The lansbok code a page can run."""
    digest = hashlib.sha256()
    package = Path(__file__).parent
    for path in sorted(package.rglob("*.py")):
        if path.parent == package and path.stem in DRIVER_MODULES:
            continue
        digest.update(path.read_bytes())
    return digest.hexdigest()


class KeyMaker:
    """Cache keys, with what every key of a run shares computed once."""

    def __init__(self, data: Dataset, data_dir: Path):
        self.data, self.data_dir = data, data_dir
        shared = hashlib.sha256(code_fingerprint().encode())
        for name in REFERENCE_TABLES:
            shared.update(_hash_frame(data.table(name)))
        self.shared = shared.hexdigest()
        self._national: dict[str, str] = {}

    def national_figures(self, section: str) -> str:
        if section not in self._national:
            figures = PAGES[section].figures(self.data, RIKET)
            text = json.dumps({k: f.value for k, f in figures.items()}, sort_keys=True)
            self._national[section] = text
        return self._national[section]

    def key(self, template: Path, geo: Geography, section: str) -> str:
        digest = hashlib.sha256(self.shared.encode())
        digest.update(template.read_bytes())
        digest.update(json.dumps(parameters(geo, self.data_dir), sort_keys=True).encode())
        for name in PAGES[section].TABLES:
            frame = self.data.table(name)
            if not geo.is_national and (
                "county_code" in frame.columns or "municipality_code" in frame.columns
            ):
                frame = in_geography(self.data, name, geo)
            digest.update(_hash_frame(frame))
        if not geo.is_national:
            digest.update(self.national_figures(section).encode())
        return digest.hexdigest()


def parameters(geo: Geography, data_dir: Path) -> dict:
    return {"lan": geo.code, "year": 2024, "data_dir": str(Path(data_dir).resolve())}


def cached_key(path: Path) -> str | None:
    try:
        notebook = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # missing or unreadable: execute again
    return notebook.get("metadata", {}).get("lansbok", {}).get("cache_key")


def plan(
    geos: list[Geography],
    section_names: list[str],
    data: Dataset,
    data_dir: Path,
    out_dir: Path,
    templates_dir: Path,
) -> list[Job]:
    keys = KeyMaker(data, data_dir)
    jobs = []
    for geo in geos:
        for section in section_names:
            if section in NATIONAL_ONLY and not geo.is_national:
                continue
            template = templates_dir / f"{section}.ipynb"
            key = keys.key(template, geo, section)
            jobs.append(Job(geo, section, template, output_path(out_dir, geo, section), key))
    return jobs


def execute(job: Job, data_dir: Path, timeout: int, retries: int = 1) -> str | None:
    """Execute one page into place. Returns None, or the end of the error for a failure.

    Papermill is given no output path: it would rewrite the whole notebook at the start and end
    of every cell. The executed notebook is written once, to a temporary file renamed into place.
    """
    import papermill

    job.output.parent.mkdir(parents=True, exist_ok=True)
    tmp = job.output.with_name(f".{job.output.stem}{TMP_MARK}{os.getpid()}.ipynb")
    try:
        for attempt in range(retries + 1):
            try:
                notebook = papermill.execute_notebook(
                    str(job.template),
                    None,
                    parameters=parameters(job.geo, data_dir),
                    kernel_name="python3",
                    progress_bar=False,
                    log_output=False,
                    execution_timeout=timeout,
                    start_timeout=60,
                    # Each kernel serves one page: once its outputs are in, stop it at once
                    # rather than wait about 0.3 s for a graceful exit (measured: 30 pages in
                    # 18.5 s instead of 23 s on 2 cores).
                    shutdown_kernel="immediate",
                    cwd=str(job.output.parent),  # downloads are written beside the page
                )
                break
            except papermill.PapermillExecutionError as error:
                lines = ANSI.sub("", "\n".join(error.traceback)).strip().splitlines()
                return "\n".join(lines[-6:])
            except (RuntimeError, TimeoutError) as error:  # a kernel that did not start
                if attempt == retries or "kernel" not in str(error).lower():
                    return f"{type(error).__name__}: {error}"
        finish(notebook, job)
        nbformat.write(notebook, tmp)
        os.replace(tmp, job.output)
        return None
    finally:
        tmp.unlink(missing_ok=True)


def finish(notebook, job: Job) -> None:
    """Give the page its geography in the title, hide parameter cells, record the cache key."""
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            cell.source = cell.source.replace("{geografi}", md_text(job.geo.name))
        tags = cell.metadata.setdefault("tags", [])
        if ("parameters" in tags or "injected-parameters" in tags) and "remove-cell" not in tags:
            tags.append("remove-cell")
    notebook.metadata["lansbok"] = {
        "cache_key": job.key,
        "lan": job.geo.code,
        "section": job.section,
    }


KERNEL_LOG = ".kernels.log"


def _send_stderr_to(path: str) -> None:
    """Worker start: kernels inherit this stderr, so their start-up chatter goes to a log file
    in the output folder instead of the terminal (failures are still reported by the run)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 2)
    os.close(fd)


def remove_leftovers(out_dir: Path) -> None:
    """Temporary files of a run that was killed: the next run removes them."""
    for path in out_dir.rglob(f".*{TMP_MARK}*"):
        path.unlink(missing_ok=True)


def run(
    geos: list[Geography],
    section_names: list[str] | None = None,
    *,
    data_dir: Path | str = DEFAULT_DATA_DIR,
    out_dir: Path | str = OUTPUT_DIR,
    templates_dir: Path | str = TEMPLATES_DIR,
    jobs: int | None = None,
    force: bool = False,
    timeout: int = 600,
    progress: bool = True,
) -> Report:
    """Execute the pages that are not up to date; raises DataError on invalid data."""
    from tqdm import tqdm

    data_dir, out_dir, templates_dir = Path(data_dir), Path(out_dir), Path(templates_dir)
    data = load(data_dir, check=True)
    section_names = section_names or list(PAGES)
    report = Report()
    all_jobs = plan(geos, section_names, data, data_dir, out_dir, templates_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    remove_leftovers(out_dir)
    todo = []
    for job in all_jobs:
        if not force and cached_key(job.output) == job.key:
            report.reused.append(job)
        else:
            todo.append(job)
    if todo:
        workers = min(jobs or os.cpu_count() or 1, len(todo))
        log = out_dir / KERNEL_LOG
        log.write_text("")  # this run's kernels only
        with ProcessPoolExecutor(
            max_workers=workers, initializer=_send_stderr_to, initargs=(str(log),)
        ) as pool:
            futures = {pool.submit(execute, job, data_dir, timeout): job for job in todo}
            bar = tqdm(total=len(todo), desc="Kör notebooks", unit="nb", disable=not progress)
            for future in as_completed(futures):
                job = futures[future]
                try:
                    error = future.result()
                except Exception as exc:  # a worker that died
                    error = f"{type(exc).__name__}: {exc}"
                if error:
                    report.failures.append((job, error))
                else:
                    report.executed.append(job)
                bar.update()
            bar.close()
    write_toc(data, out_dir)
    return report
