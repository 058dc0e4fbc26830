"""Execute the page notebooks with papermill for Riket, the counties and municipalities.

Pages of an edition (a year of the summary) live in `<out>/<year>/<geography>/<section>.ipynb`, so
that editions stand side by side. Each (geography, section) page is executed in its own kernel, in
parallel, and only when its cache key changed: the template, the parameters, the `lansbok` code,
the rows of the section's tables that belong to the geography, and the national figures a county
page compares with. The key, and a hash of every file the page wrote (its CSV download), are stored
in the executed notebook, so that a deleted or edited download is noticed.

The command's process is the only writer of the output folder. A worker executes a page in a
private temporary folder (the kernel's working directory, where the page writes its download)
and returns the executed notebook and those files; the command writes them atomically, the
download first and the notebook, which carries the cache key, last. Workers and kernels die with
the command (see `lansbok.processes`), so nothing is written after it has exited.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import nbformat
import pandas as pd

from lansbok import processes
from lansbok.data import DEFAULT_DATA_DIR, PROJECT_ROOT, Dataset, atomic_write, load
from lansbok.geography import RIKET, Geography, counties
from lansbok.privacy import policy
from lansbok.safe import md_text
from lansbok.sections import PAGES, REFERENCE_TABLES
from lansbok.sections.common import in_geography

TEMPLATES_DIR = PROJECT_ROOT / "notebooks"
OUTPUT_DIR = PROJECT_ROOT / "generated"
ANSI = re.compile(r"\x1b\[[0-9;]*m")
# How to ask for a geography of each level.
MADE_FOR = {
    "riket": "Riket (--lan SE)",
    "lan": "a county (--lan)",
    "kommun": "a municipality (--kommun)",
}
SCRATCH_PREFIX = "lansbok-run-"  # + the command's pid: this run's temporary folder


class RunError(Exception):
    """A run that cannot start: a bad argument, template or output folder. Nothing executed."""


@dataclass(frozen=True)
class Job:
    geo: Geography
    section: str
    year: int
    template: Path
    output: Path
    key: str

    @property
    def label(self) -> str:
        return f"{self.geo.name} ({self.geo.code}) / {self.section} {self.year}"


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


def pages_for(geo: Geography, section_names: list[str]) -> list[str]:
    """The pages of section_names that are made for this geography's level."""
    return [s for s in section_names if geo.level in PAGES[s].levels]


def edition_dir(out_dir: Path, year: int) -> Path:
    """The folder of an edition's pages."""
    return out_dir / str(year)


def output_path(out_dir: Path, geo: Geography, section: str, year: int) -> Path:
    return edition_dir(out_dir, year) / geo.code / f"{section}.ipynb"


def _hash_frame(frame: pd.DataFrame) -> bytes:
    return pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes()


# Modules that drive builds and never run inside a page's kernel: editing them re-executes nothing.
DRIVER_MODULES = {
    "run",
    "book",
    "cli",
    "export",
    "importers",
    "executors",
    "sample",
    "toc",
    "county_files",
    "workbook",
    "sphinx_parallel",
}


def code_fingerprint() -> str:
    """The lansbok code a page can run."""
    digest = hashlib.sha256()
    package = Path(__file__).parent
    for path in sorted(package.rglob("*.py")):
        if path.parent == package and path.stem in DRIVER_MODULES:
            continue
        if path.match("sections/*_sample.py"):  # the sample's recipes are driver code too
            continue
        if path.parent.name == "fetch" and path.parent.parent == package:  # downloads, too
            continue
        digest.update(path.read_bytes())
    return digest.hexdigest()


# The libraries that shape a page: another version may draw or write it differently.
PAGE_LIBRARIES = ("pandas", "altair", "vl-convert-python", "myst-nb", "papermill", "nbformat")


def library_versions() -> str:
    from importlib.metadata import version

    return json.dumps({name: version(name) for name in PAGE_LIBRARIES})


class KeyMaker:
    """Cache keys, with what every key of a run shares computed once. A key covers, for each
    table a page reads (its section's and REFERENCE_TABLES), the rows its geography and
    edition see and the table's descriptor entry (status, sources, schema): flipping a table
    from sample to official re-executes exactly the pages that read it."""

    def __init__(self, data: Dataset, data_dir: Path):
        self.data, self.data_dir = data, data_dir
        shared = hashlib.sha256(code_fingerprint().encode())
        shared.update(library_versions().encode())
        for name in REFERENCE_TABLES:
            shared.update(self.table_digest(name))
        self.shared = shared.hexdigest()
        self._national: dict = {}  # figures and digests shared by the keys of a run
        self._scoped: dict[tuple[str, str], bytes] = {}

    def table_digest(self, name: str, frame: pd.DataFrame | None = None) -> bytes:
        entry = json.dumps(self.data.resources[name], sort_keys=True, ensure_ascii=False)
        frame = self.data.table(name) if frame is None else frame
        return entry.encode() + _hash_frame(frame)

    def scoped_digest(self, name: str, scope: Geography) -> bytes:
        """A table's digest as a geography's pages see it: the rows of its geography. Computed
        once per table and geography (a county's 33 municipality pages share their county's)."""
        key = (name, scope.code)
        if key not in self._scoped:
            frame = self.data.table(name)
            if not scope.is_national and (
                "county_code" in frame.columns or "municipality_code" in frame.columns
            ):
                frame = in_geography(self.data, name, scope, every_year=True)
            self._scoped[key] = self.table_digest(name, frame)
        return self._scoped[key]

    def municipality_inputs(self, digest, geo: Geography, section: str) -> None:
        """What a municipality's page reads: its own rows; its county's rows of the tables with
        small-number protection (which of its counts are suppressed depends on them); and its
        county's figures, which it shows beside its own. A change of one municipality's rows
        then executes its own page, and its county's others only when the county's figures
        or suppressions change."""
        protected = policy(self.data).rules
        county = Geography(geo.parent, geo.parent)
        for name in PAGES[section].tables:
            if name in protected:
                digest.update(self.scoped_digest(name, county))
            else:
                digest.update(self.own_rows(name).get(geo.code, b"no rows"))
        key = ("county figures", section, county.code)
        if key not in self._national:  # their values and statuses, as the page shows them
            figures = PAGES[section].figures(self.data, county)
            shown = {k: [f.value, f.status] for k, f in figures.items()}
            self._national[key] = json.dumps(shown, sort_keys=True)
        digest.update(self._national[key].encode())

    def own_rows(self, name: str) -> dict[str, bytes]:
        """Each municipality's digest of a table (its rows, every year): hashed once for all."""
        key = ("own rows", name)
        if key not in self._national:
            frame = in_geography(self.data, name, RIKET, every_year=True)
            entry = json.dumps(self.data.resources[name], sort_keys=True, ensure_ascii=False)
            rows = pd.util.hash_pandas_object(frame, index=False)
            self._national[key] = {
                code: entry.encode() + group.to_numpy().tobytes()
                for code, group in rows.groupby(frame["municipality_code"].to_numpy())
            }
        return self._national[key]

    def national_figures(self, section: str) -> str:
        if section not in self._national:
            self._national[section] = self._figures(section, RIKET)
        return self._national[section]

    def every_county_figures(self, section: str) -> str:
        """The figures of every county, for a page that ranks the counties."""
        key = ("every county", section)
        if key not in self._national:
            geos = counties(self.data.table("counties"))
            self._national[key] = "".join(self._figures(section, geo) for geo in geos)
        return self._national[key]

    def _figures(self, section: str, geo: Geography) -> str:
        figures = PAGES[section].figures(self.data, geo)
        return json.dumps({k: f.value for k, f in figures.items()}, sort_keys=True)

    def key(self, template: Path, geo: Geography, section: str) -> str:
        digest = hashlib.sha256(self.shared.encode())
        digest.update(template.read_bytes())
        params = parameters(geo, self.data_dir, self.data.year, template.parent)
        digest.update(json.dumps(params, sort_keys=True).encode())
        text = text_dir(template.parent) / str(self.data.year) / f"{section}.yml"
        if text.exists():  # the page's running text for the year
            digest.update(text.read_bytes())
        page = PAGES[section]
        if geo.is_municipality:
            self.municipality_inputs(digest, geo, section)
        else:
            for name in page.tables:
                digest.update(self.scoped_digest(name, geo))
        if page.across_counties and not geo.is_national:
            digest.update(self.every_county_figures(section).encode())
        if not geo.is_national:
            digest.update(self.national_figures(section).encode())
        return digest.hexdigest()


def parameters(geo: Geography, data_dir: Path, year: int, templates_dir: Path) -> dict:
    return {
        "lan": geo.code,
        "year": year,
        "data_dir": str(Path(data_dir).resolve()),
        "text_dir": str(text_dir(templates_dir).resolve()),
    }


def text_dir(templates_dir: Path) -> Path:
    """The running texts beside the templates: text/<year>/<page>.yml."""
    return Path(templates_dir) / "text"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def up_to_date(job: Job) -> bool:
    """The page exists with this key, and every file it wrote is there, unchanged."""
    try:
        notebook = json.loads(job.output.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False  # missing or unreadable: execute again
    meta = notebook.get("metadata", {}).get("lansbok", {})
    if meta.get("cache_key") != job.key or not isinstance(meta.get("files"), dict):
        return False  # another key, or a page from before downloads were recorded
    for name, digest in meta["files"].items():
        try:
            if _sha256((job.output.parent / name).read_bytes()) != digest:
                return False
        except OSError:
            return False
    return True


def check_templates(section_names: list[str], templates_dir: Path) -> None:
    """Refuse, before anything runs, a template that is missing, is not a notebook, or has no
    cell tagged `parameters`: papermill would then put the parameters at the top, and the
    template's own defaults would show Riket's figures under a county's title."""
    for section in section_names:
        template = templates_dir / f"{section}.ipynb"
        try:
            notebook = nbformat.read(template, as_version=4)
        except FileNotFoundError:
            raise RunError(f"{template}: template not found") from None
        except Exception as error:  # nbformat raises many kinds for a file that is no notebook
            raise RunError(f"{template}: not a readable notebook ({error})") from None
        if not any("parameters" in c.get("metadata", {}).get("tags", []) for c in notebook.cells):
            raise RunError(
                f"{template}: no cell is tagged 'parameters', so the page's geography could "
                "not be set; tag the cell that defines lan, year and data_dir"
            )


SPECIAL_ROOTS = [Path("/dev"), Path("/proc"), Path("/sys")]


def check_out_dir(path: Path, option: str = "--out", create: bool = True) -> Path:
    """Refuse, before anything runs, an output folder that cannot be the command's own: on a
    special file system (even where root could write there), a file, a missing parent, or
    not writable. With `create`, make the folder; without, change nothing."""
    resolved = Path(os.path.abspath(path)).resolve()
    if any(resolved == root or root in resolved.parents for root in SPECIAL_ROOTS):
        raise RunError(f"{option} {path}: {resolved.parts[1]} is a special folder, not for pages")
    if resolved.exists() and not resolved.is_dir():
        raise RunError(f"{option} {path}: exists and is not a folder")
    if not resolved.exists() and not resolved.parent.is_dir():
        raise RunError(f"{option} {path}: its parent folder {resolved.parent} does not exist")
    try:
        if create:
            resolved.mkdir(exist_ok=True)
        probe = resolved if resolved.exists() else resolved.parent
        with tempfile.TemporaryFile(dir=probe):  # unnamed where the OS allows: leaves nothing
            pass
    except OSError as error:
        raise RunError(f"{option} {path}: cannot write there ({error.strerror})") from None
    return path


def plan(
    geos: list[Geography],
    section_names: list[str],
    data: Dataset,
    data_dir: Path,
    out_dir: Path,
    templates_dir: Path,
) -> list[Job]:
    unknown = sorted(set(section_names) - set(PAGES))
    if unknown:
        raise RunError(f"unknown section {unknown}. Valid: {', '.join(PAGES)}")
    for name in section_names:
        if not any(name in pages_for(geo, [name]) for geo in geos):
            made_for = {
                "riket": "Riket (--lan SE)",
                "lan": "a county (--lan)",
                "kommun": "a municipality (--kommun)",
            }
            levels = " or ".join(made_for.get(lv, lv) for lv in PAGES[name].levels)
            raise RunError(f"section {name} is made for {levels} only")
    check_templates(section_names, templates_dir)
    keys = KeyMaker(data, data_dir)
    jobs = []
    for geo in geos:
        for section in pages_for(geo, section_names):
            template = templates_dir / f"{section}.ipynb"
            key = keys.key(template, geo, section)
            output = output_path(out_dir, geo, section, data.year)
            jobs.append(Job(geo, section, data.year, template, output, key))
    return jobs


@dataclass
class Executed:
    """What a worker returns for a page: the executed notebook (JSON) and the files the page
    wrote (name -> bytes), or the end of the error."""

    notebook: str | None = None
    files: dict[str, bytes] = field(default_factory=dict)
    error: str | None = None


def _mortal_kernel_manager(folder: Path):
    """A kernel manager whose kernels die with the worker that started them, and whose
    connection file is in the page's private folder (not loose in the system's temp folder)."""
    from jupyter_client import AsyncKernelManager

    class MortalKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.connection_file = str(folder / ".kernel.json")

        async def _async_launch_kernel(self, kernel_cmd, **kw):
            kw["preexec_fn"] = processes.child_setup()  # reaches subprocess.Popen
            await super()._async_launch_kernel(kernel_cmd, **kw)

    return MortalKernelManager


def execute(job: Job, data_dir: Path, timeout: int, scratch: str, retries: int = 1) -> Executed:
    """Execute one page in a worker, in a private folder; write nothing else.

    Papermill is given no output path: it would rewrite the whole notebook at the start and end
    of every cell."""
    import papermill

    workdir = Path(tempfile.mkdtemp(dir=scratch, prefix=f"{job.geo.code}-{job.section}-"))
    try:
        for attempt in range(retries + 1):
            try:
                notebook = papermill.execute_notebook(
                    str(job.template),
                    None,
                    parameters=parameters(job.geo, data_dir, job.year, job.template.parent),
                    kernel_name="python3",
                    progress_bar=False,
                    log_output=False,
                    execution_timeout=timeout,
                    start_timeout=60,
                    # Each kernel serves one page: once its outputs are in, stop it at once
                    # rather than wait about 0.3 s for a graceful exit (measured: 30 pages in
                    # 18.5 s instead of 23 s on 2 cores).
                    shutdown_kernel="immediate",
                    cwd=str(workdir),  # the page's download lands here
                    kernel_manager_class=_mortal_kernel_manager(workdir),
                )
                break
            except papermill.PapermillExecutionError as error:
                lines = ANSI.sub("", "\n".join(error.traceback)).strip().splitlines()
                return Executed(error="\n".join(lines[-6:]))
            except (RuntimeError, TimeoutError) as error:  # a kernel that did not start
                if attempt == retries or "kernel" not in str(error).lower():
                    return Executed(error=f"{type(error).__name__}: {error}")
        files = {
            path.name: path.read_bytes()
            for path in sorted(workdir.iterdir())
            if path.is_file() and not path.is_symlink() and not path.name.startswith(".")
        }
        return Executed(nbformat.writes(notebook), files)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def finish(notebook, job: Job, files: dict[str, bytes]) -> None:
    """Give the page its geography and year in the title, hide parameter cells, record the
    cache key and the hash of every file the page wrote."""
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            cell.source = cell.source.replace("{geografi}", md_text(job.geo.name))
            cell.source = cell.source.replace("{ar}", str(job.year))
        tags = cell.metadata.setdefault("tags", [])
        if ("parameters" in tags or "injected-parameters" in tags) and "remove-cell" not in tags:
            tags.append("remove-cell")
    notebook.metadata["lansbok"] = {
        "cache_key": job.key,
        "lan": job.geo.code,
        "section": job.section,
        "year": job.year,
        "files": {name: _sha256(data) for name, data in files.items()},
    }


def write_page(job: Job, executed: Executed) -> None:
    """Write a page's files, then the notebook: a page with its key is never seen without its
    download (an interruption between the two leaves a page that is executed again)."""
    notebook = nbformat.reads(executed.notebook, as_version=4)
    finish(notebook, job, executed.files)
    job.output.parent.mkdir(parents=True, exist_ok=True)
    for name, data in executed.files.items():
        atomic_write(job.output.parent / name, data)
    text = nbformat.writes(notebook)
    atomic_write(job.output, text if text.endswith("\n") else text + "\n")


def _worker_start(parent_pid: int, log: str) -> None:
    """In each worker: die with the command, leave interrupts to it, and send the kernels'
    start-up chatter (they inherit stderr) to a log in the run's temporary folder."""
    processes.die_with_parent(parent_pid)
    processes.ignore_interrupts()
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(fd, 2)
    os.close(fd)


class Executor(Protocol):
    """The fan-out of a run: `submit(fn, *args)` returns a concurrent.futures.Future of what a
    worker computed (an `Executed`: workers never write), `stop()` ends every task now, and as
    a context manager it waits for its tasks on leaving, or stops them on an error. Pages and
    the runner know nothing else of it, so another engine (a Dask client's executor) fits."""

    def submit(self, fn, /, *args) -> Future: ...

    def stop(self) -> None: ...

    def __enter__(self) -> Executor: ...

    def __exit__(self, exc_type, *exc) -> None: ...


# Makes the executor of a run, given the number of workers and the run's temporary folder.
ExecutorFactory = Callable[[int, Path], Executor]


class LocalExecutor:
    """The fan-out on this machine: pages executed by worker processes (an `Executor`)."""

    def __init__(self, workers: int, scratch: Path):
        self.pool = ProcessPoolExecutor(
            max_workers=workers,
            initializer=_worker_start,
            initargs=(os.getpid(), str(scratch / "kernels.log")),
        )

    def submit(self, fn, /, *args) -> Future:
        return self.pool.submit(fn, *args)

    def stop(self) -> None:
        """Kill every worker now; their kernels die with them (parent-death signal)."""
        # The pool gives no public handle on its processes, and shutdown() waits for the pages
        # under way: kill the workers, then let the pool notice.
        workers = list((self.pool._processes or {}).values())
        for worker in workers:
            worker.kill()
        for worker in workers:
            worker.join()
        # Wait for the pool's manager thread too (quick, its workers are gone): one still closing
        # its pipe at exit races the pool's exit hook, which then prints a traceback (EBADF).
        self.pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> LocalExecutor:
        return self

    def __exit__(self, exc_type, *exc) -> None:
        if exc_type is None:
            self.pool.shutdown(wait=True)
        else:
            self.stop()


def remove_leftovers(jobs: list[Job]) -> None:
    """Temporary files that a killed run left beside the pages it planned: only the names that
    `atomic_write` gives (".<name>." and 8 random characters) for this run's pages and their
    downloads. Anything else in the output folder is not the runner's to delete."""
    for job in jobs:
        names = {job.output.name, *(f"{job.section}.{ext}" for ext in ("csv", "xlsx"))}
        if not job.output.parent.is_dir():
            continue
        for path in job.output.parent.iterdir():
            for name in names:
                if re.fullmatch(rf"\.{re.escape(name)}\.[a-z0-9_]{{8}}", path.name):
                    path.unlink(missing_ok=True)


def remove_stale_scratch() -> None:
    """Temporary folders of runs whose process is gone (a SIGKILL runs no clean-up)."""
    for path in Path(tempfile.gettempdir()).glob(f"{SCRATCH_PREFIX}*"):
        pid = path.name[len(SCRATCH_PREFIX) :].split("-")[0]
        if not pid.isdigit() or path.stat().st_uid != os.getuid():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(path, ignore_errors=True)
        except PermissionError:
            pass  # alive, someone else's


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
    data: Dataset | None = None,
    year: int | None = None,
    executor: ExecutorFactory = LocalExecutor,
) -> Report:
    """Execute the pages of the edition `year` (None: the latest, or data's own edition) that
    are not up to date into out_dir, and write nothing outside it. Raises DataError on invalid
    data or an unknown year, and RunError on a bad argument, template or folder, all before
    anything is executed. `data`: the data of data_dir, already validated. `executor` makes the
    fan-out (default: worker processes on this machine)."""
    from tqdm import tqdm

    # Absolute: a worker elsewhere (a Dask cluster's) has another working directory.
    data_dir, templates_dir = Path(data_dir).absolute(), Path(templates_dir).absolute()
    out_dir = Path(out_dir)
    if jobs is not None and jobs < 1:
        raise RunError(f"--jobs must be 1 or more, not {jobs}")
    if timeout < 1:
        raise RunError(f"--timeout must be 1 second or more, not {timeout}")
    # Always one edition: its tables end with its year, as its pages read them.
    data = (data or load(data_dir, check=True)).edition(year)
    # By default every page made for at least one of the geographies.
    section_names = section_names or [s for s in PAGES if any(pages_for(g, [s]) for g in geos)]
    report = Report()
    all_jobs = plan(geos, section_names, data, data_dir, out_dir, templates_dir)
    check_out_dir(out_dir)
    remove_leftovers(all_jobs)
    remove_stale_scratch()
    todo = []
    for job in all_jobs:
        if not force and up_to_date(job):
            report.reused.append(job)
        else:
            todo.append(job)
    if not todo:
        return report
    scratch = Path(tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-"))
    try:
        workers = min(jobs or os.cpu_count() or 1, len(todo))
        with (
            executor(workers, scratch) as pool,
            tqdm(total=len(todo), desc="Kör notebooks", unit="nb", disable=not progress) as bar,
        ):
            futures = {
                pool.submit(execute, job, data_dir, timeout, str(scratch)): job for job in todo
            }
            for future in as_completed(futures):
                job = futures[future]
                try:
                    result = future.result()
                except Exception as exc:  # a worker that died
                    result = Executed(error=f"{type(exc).__name__}: {exc}")
                if not result.error:
                    try:
                        write_page(job, result)
                    except OSError as error:
                        result.error = f"cannot write {error.filename}: {error.strerror}"
                if result.error:
                    report.failures.append((job, result.error))
                else:
                    report.executed.append(job)
                bar.update()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return report
