"""Benchmark: the naive papermill + jupyter-book pipeline against lansbok's, side by side.

Run with `make bench`. Everything is measured in this one run, on this machine, in a scratch
folder (the project's own generated/ and _build/ are not touched):

  (a) naive: the papermill command line, sequentially, for every (geography, page), then one
      `jupyter-book build`;
  (b) lansbok cold build (empty cache, fresh output folder) of the same book;
  (c) lansbok rebuild with nothing changed;
  (d) lansbok rebuild after one county's data changed;
  (e) `lansbok run --lan 12`, cold and warm (median of 3);
  scaling: the sections for 1, 6, 11 and 22 geographies, seconds per notebook;
  the built site's size, the largest section page, and the time until every chart of a county
  page has drawn in headless Chromium (median of 5);
  executors: the sections of the 22 geographies, cold, with the local process pool and with a
  Dask LocalCluster, each with 2 workers and with 1 (`python benchmarks/bench.py --only dask`
  runs this part alone and adds it to the last results);
  (k) the municipality scale, `lansbok book --kommuner`: Riket, the 21 counties and the 290
      municipalities cold, with nothing changed and after one municipality's data changed,
      with the split between execution and Sphinx's phases, and what a page costs before its
      own figures (kernel, imports, data). `--only kommuner` runs this part alone and merges
      it into the last results.

Wall time, notebooks executed and peak memory (resident set of the whole process tree, sampled
every 50 ms) are printed as a table and written to benchmarks/results.json and
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pandas as pd
import psutil

from lansbok.book import build, sphinx_build, write_generated
from lansbok.data import DEFAULT_DATA_DIR, PROJECT_ROOT, load
from lansbok.executors import factory as dask_cluster
from lansbok.geography import municipalities, resolve
from lansbok.run import (
    PAGES,
    LocalExecutor,
    all_geographies,
    output_path,
    pages_for,
    parameters,
    run,
)
from lansbok.sections import SECTIONS

HERE = Path(__file__).parent
BIN = Path(sys.executable).parent
COUNTY = "12"  # Skåne: the county whose data changes in (d) and that (e) runs


class PeakMemory:
    """Peak resident memory of this process and all its descendants, sampled in a thread."""

    def __init__(self, interval: float = 0.05):
        self.interval, self.peak, self._stop = interval, 0, threading.Event()

    def _sample(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            total = 0
            for process in [me, *me.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):  # a process that just ended
                    total += process.memory_info().rss
            self.peak = max(self.peak, total)
            self._stop.wait(self.interval)

    def __enter__(self):
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def measure(label: str, fn: Callable[[], int], repeat: int = 1) -> dict:
    """Run fn (which returns the number of notebooks it executed) `repeat` times; median wall
    time, and the peak memory over all runs."""
    times, executed = [], None
    with PeakMemory() as memory:
        for _ in range(repeat):
            start = time.perf_counter()
            executed = fn()
            times.append(time.perf_counter() - start)
    row = {
        "label": label,
        "seconds": statistics.median(times),
        "runs": repeat,
        "all_seconds": times,
        "executed": executed,
        "peak_mib": memory.peak / 2**20,
    }
    print(
        f"  {label}: {row['seconds']:.1f} s, {executed} executed, {row['peak_mib']:.0f} MiB",
        flush=True,
    )
    return row


def book_source(root: Path) -> Path:
    root.mkdir(parents=True)
    for name in ("_config.yml", "chapters", "notebooks"):
        source = PROJECT_ROOT / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, root / name)
    return root


def jobs_of(data) -> list[tuple]:
    return [(geo, page) for geo in all_geographies(data) for page in pages_for(geo, list(PAGES))]


def naive(root: Path, data_dir: Path, data) -> tuple[dict, dict]:
    """(a): one papermill process per notebook, one after another; then jupyter-book build."""
    out = root / "generated"

    def execute() -> int:
        jobs = jobs_of(data)
        for geo, page in jobs:
            target = output_path(out, geo, page, data.year)
            target.parent.mkdir(parents=True, exist_ok=True)
            params = parameters(geo, data_dir, data.year, root / "notebooks")
            command = [
                str(BIN / "papermill"),
                "--no-progress-bar",
                "--log-level",
                "ERROR",
                str(root / "notebooks" / f"{page}.ipynb"),
                str(target),
                "--cwd",
                str(target.parent),
            ]
            for key, value in params.items():
                command += ["-p", key, str(value)]
            subprocess.run(command, check=True, capture_output=True)
        return len(jobs)

    def book() -> int:
        write_generated(data, out, root)
        sphinx_build(root, jobs=1)  # jupyter-book build's own: one process
        return 0

    return measure("(a) naive: papermill CLI, sequential", execute), measure(
        "(a) naive: jupyter-book build", book
    )


def change_one_county(data_dir: Path) -> None:
    """Move one of the county's TIA projects to another kind of organisation: the county's rows
    change, the national totals do not."""
    path = data_dir / "tia_grants.csv"
    lines = path.read_text().splitlines()
    header = lines[0].split(",")
    project, kind = header.index("project_id"), header.index("organisation_type")
    changed = 0
    for i, line in enumerate(lines):
        cells = line.split(",")
        if cells[project] == f"TIA-{COUNTY}-001":
            cells[kind] = "kommun" if cells[kind] != "kommun" else "studieförbund"
            lines[i] = ",".join(cells)
            changed += 1
    if not changed:
        raise SystemExit(f"{path}: no project TIA-{COUNTY}-001 to change")
    path.write_text("\n".join(lines) + "\n")


def site_figures(html_dir: Path) -> dict:
    pages = [p for p in html_dir.glob("generated/*/*/*.html")]
    largest = max(pages, key=lambda p: p.stat().st_size)
    size = sum(p.stat().st_size for p in html_dir.rglob("*") if p.is_file())
    text = largest.read_text()
    return {
        "site_mib": size / 2**20,
        "largest_page": largest.relative_to(html_dir).as_posix(),
        "largest_page_kb": largest.stat().st_size / 1000,
        "bundle_script_tags_on_largest_page": text.count("lansbok-vega.js"),
    }


def time_to_charts(html_dir: Path, page: str, repeat: int = 5) -> float:
    sys.path.insert(0, str(PROJECT_ROOT / "tests"))
    from browser import ALL_CHARTS_DRAWN, chromium

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=html_dir))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/{page}"
    times = []
    with chromium() as browser:
        for _ in range(repeat):
            tab = browser.new_page()
            start = time.perf_counter()
            tab.goto(url)
            tab.wait_for_function(ALL_CHARTS_DRAWN, timeout=30_000)
            times.append(time.perf_counter() - start)
            tab.close()
    server.shutdown()
    return statistics.median(times)


def machine() -> dict:
    return {
        "cores": os.cpu_count(),
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def cpu_seconds() -> float:
    """CPU time of this process and of every descendant that has ended (workers, kernels)."""
    own, ended = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + ended.ru_utime + ended.ru_stime


def executors(work: Path, data_dir: Path, data, geographies: int = 22) -> dict:
    """The same pages, cold into fresh folders, on each executor in turn: the local process
    pool and a Dask LocalCluster (its start and close included), each with 2 workers and 1."""
    geos = all_geographies(data)[:geographies]
    started = machine()
    cpu: dict[str, float] = {}
    cases = {
        "local_2": ("local process pool, 2 workers", LocalExecutor, 2),
        "dask_2": ("Dask LocalCluster, 2 workers", dask_cluster(None), 2),
        "dask_1": ("Dask LocalCluster, 1 worker", dask_cluster(None), 1),
        "local_1": ("local process pool, 1 worker", LocalExecutor, 1),
    }
    rows = {}
    for key, (label, executor, jobs) in cases.items():
        out = work / f"executor-{key}" / "generated"
        out.parent.mkdir()

        def execute(out=out, executor=executor, jobs=jobs, label=label, key=key) -> int:
            cpu[key] = -cpu_seconds()
            report = run(
                geos,
                list(SECTIONS),
                data_dir=data_dir,
                out_dir=out,
                jobs=jobs,
                progress=False,
                executor=executor,
            )
            if not report.ok:
                raise SystemExit(f"{label}: {len(report.failures)} pages failed")
            cpu[key] += cpu_seconds()
            return len(report.executed)

        load = os.getloadavg()[0]  # other work on the machine takes cores from the workers
        rows[key] = measure(f"sections for {len(geos)} geographies, {label}", execute)
        rows[key].update(jobs=jobs, cpu_seconds=cpu[key], load_average_before=round(load, 2))
    ratios = {
        "dask/local, 2 workers": rows["dask_2"]["seconds"] / rows["local_2"]["seconds"],
        "Dask 1 → 2 workers speed-up": rows["dask_1"]["seconds"] / rows["dask_2"]["seconds"],
        "local 1 → 2 workers speed-up": rows["local_1"]["seconds"] / rows["local_2"]["seconds"],
    }
    return {
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "machine": started,
        "geographies": len(geos),
        "rows": rows,
        "ratios": ratios,
    }


def only_executors(geographies: int) -> None:
    """`--only dask`: measure the executors alone and add them to the last results."""
    work = Path(tempfile.mkdtemp(prefix="lansbok-bench-"))
    data_dir = work / "data"
    shutil.copytree(DEFAULT_DATA_DIR, data_dir)
    print(f"Scratch folder: {work}\nexecutors", flush=True)
    measured = executors(work, data_dir, load(data_dir, check=True), geographies)
    path = HERE / "results.json"
    results = json.loads(path.read_text()) if path.exists() else {}
    results["executors"] = measured
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print("\n" + "\n".join(render_executors(measured)))
    if "rows" in results:  # the whole report, with the other cases as last measured
        (PROJECT_ROOT / "docs" / "benchmarks.md").write_text(render(results))
    shutil.rmtree(work, ignore_errors=True)


MUNICIPALITY = "1280"  # Malmö, in Skåne (the largest county by municipalities): changed in (k3)


def change_one_municipality(data_dir: Path) -> None:
    """Correct one municipality's answer to the SO survey (the number of languages SO is given
    in): its rows change, no national total does."""
    path = data_dir / "so_survey.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    rows = (frame["municipality_code"] == MUNICIPALITY) & (frame["year"] == frame["year"].max())
    if rows.sum() != 1:
        raise SystemExit(f"{path}: no single row for municipality {MUNICIPALITY}")
    frame.loc[rows, "languages"] = str(int(frame.loc[rows, "languages"].iloc[0] or 0) + 1)
    frame.to_csv(path, index=False)


def seconds_of(command: list[str], repeat: int = 3) -> float:
    """Median wall time of a command in a fresh process."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def page_costs(data_dir: Path) -> dict:
    """What one page costs before its own figures: starting and stopping a kernel, importing
    what a page imports, and opening its data (each in a fresh process, median of 3)."""
    python = sys.executable
    kernel = (
        "from jupyter_client.manager import start_new_kernel\n"
        "km, kc = start_new_kernel(kernel_name='python3')\n"
        "kc.stop_channels(); km.shutdown_kernel(now=True)"
    )
    imports = "import lansbok.report, lansbok.kommun, lansbok.charts"
    page = (
        f"{imports}\npage = lansbok.report.Page.open('1280', {str(data_dir)!r}, None, 'kommun')"
        "\nlansbok.kommun.tables(page.data, page.geo)"
    )
    bare = seconds_of([python, "-c", "pass"])
    imported = seconds_of([python, "-c", imports])
    return {
        "kernel_start_stop": seconds_of([python, "-c", kernel]) - bare,
        "imports": imported - bare,
        "data_and_figures": seconds_of([python, "-c", page]) - imported,
    }


def municipality_scale(work: Path) -> dict:
    """Riket, the 21 counties and the 290 municipalities: (k1) cold, (k2) nothing changed,
    (k3) one municipality's data changed; with the split between execution and Sphinx."""
    data_dir = work / "data-kommuner"
    shutil.copytree(DEFAULT_DATA_DIR, data_dir)
    every = municipalities(load(data_dir).table("municipalities"))
    root = book_source(work / "kommuner")
    load_before = os.getloadavg()
    builds = []

    def build_all() -> int:
        result = build(root=root, data_dir=data_dir, progress=False, municipalities=every)
        builds.append(result)
        return len(result.report.executed)

    def split(row: dict) -> dict:
        result = builds[-1]
        by_level: dict[str, int] = {}
        for job in result.report.executed:
            by_level[job.geo.level] = by_level.get(job.geo.level, 0) + 1
        row |= {
            "execute_seconds": result.execute_seconds,
            "sphinx_seconds": result.sphinx_seconds,
            "sphinx": {k: v for k, v in result.sphinx_times.items() if k != "read_pages"},
            "executed_by_level": by_level,
        }
        print(f"    execution {result.execute_seconds:.1f} s, Sphinx {row['sphinx']}")
        return row

    print("(k) municipality scale", flush=True)
    rows = {
        "k1_cold": split(measure("(k1) lansbok book --kommuner, cold", build_all)),
        "k2_nothing_changed": split(
            measure("(k2) lansbok book --kommuner, nothing changed", build_all)
        ),
    }
    change_one_municipality(data_dir)
    rows["k3_one_municipality_changed"] = split(
        measure(f"(k3) lansbok book --kommuner, municipality {MUNICIPALITY} changed", build_all)
    )
    html_dir = root / "_build" / "html"
    pages = len(list(html_dir.glob("generated/*/*/*.html")))
    return {
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "load_average_before": load_before,
        "load_average_after": os.getloadavg(),
        "command": "python benchmarks/bench.py --only kommuner",
        "rows": rows,
        "generated_html_pages": pages,
        "site_mib": sum(f.stat().st_size for f in html_dir.rglob("*") if f.is_file()) / 2**20,
        "page_costs": page_costs(data_dir),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--only",
        choices=["kommuner", "dask"],
        help="only the municipality-scale cases or the executors, merged into the last results",
    )
    parser.add_argument(
        "--geographies", type=int, default=22, help="with --only dask: the first N geographies"
    )
    options = parser.parse_args()
    if options.only == "dask":
        only_executors(options.geographies)
        return
    if options.only == "kommuner":
        work = Path(tempfile.mkdtemp(prefix="lansbok-bench-"))
        print(f"Scratch folder: {work}", flush=True)
        results = json.loads((HERE / "results.json").read_text())
        results["kommuner"] = municipality_scale(work)
        write_results(results)
        shutil.rmtree(work, ignore_errors=True)
        return
    work = Path(tempfile.mkdtemp(prefix="lansbok-bench-"))
    data_dir = work / "data"
    shutil.copytree(DEFAULT_DATA_DIR, data_dir)
    data = load(data_dir, check=True)
    counties = load(data_dir).table("counties")
    county = resolve(COUNTY, counties)
    print(f"Scratch folder: {work}", flush=True)
    rows = {}

    print("(a) naive baseline", flush=True)
    rows["a_execute"], rows["a_build"] = naive(book_source(work / "naive"), data_dir, data)

    ours = book_source(work / "ours")
    stages = {}

    def our_build() -> int:
        result = build(root=ours, data_dir=data_dir, progress=False)
        stages.setdefault("execute", []).append(result.execute_seconds)
        stages.setdefault("sphinx", []).append(result.sphinx_seconds)
        return len(result.report.executed)

    print("(b)-(d) lansbok", flush=True)
    rows["b_cold"] = measure("(b) lansbok cold build", our_build)
    rows["b_cold"]["execute_seconds"] = stages["execute"][-1]
    rows["c_nothing_changed"] = measure("(c) lansbok rebuild, nothing changed", our_build, 3)
    change_one_county(data_dir)
    rows["d_one_county_changed"] = measure(
        f"(d) lansbok rebuild, county {COUNTY} changed", our_build
    )
    html_dir = ours / "_build" / "html"

    print("(e) one county", flush=True)
    counter = iter(range(100))

    def county_cold() -> int:
        out = work / f"county-cold-{next(counter)}" / "generated"
        out.parent.mkdir()
        return len(run([county], data_dir=data_dir, out_dir=out, progress=False).executed)

    warm_out = work / "county-warm" / "generated"
    warm_out.parent.mkdir()
    run([county], data_dir=data_dir, out_dir=warm_out, progress=False)
    rows["e_county_cold"] = measure(f"(e) lansbok run --lan {COUNTY}, cold", county_cold, 3)
    rows["e_county_warm"] = measure(
        f"(e) lansbok run --lan {COUNTY}, warm",
        lambda: len(run([county], data_dir=data_dir, out_dir=warm_out, progress=False).executed),
        3,
    )

    print("scaling", flush=True)
    geos = all_geographies(data)
    scaling = []
    for n in (1, 6, 11, 22):
        out = work / f"scale-{n}" / "generated"
        out.parent.mkdir()
        row = measure(
            f"sections for {n} geographies",
            lambda out=out, n=n: len(
                run(
                    geos[:n], list(SECTIONS), data_dir=data_dir, out_dir=out, progress=False
                ).executed
            ),
        )
        row["seconds_per_notebook"] = row["seconds"] / row["executed"]
        scaling.append(row)

    print("executors", flush=True)
    executor_rows = executors(work, data_dir, data)

    site = site_figures(html_dir)
    site["seconds_until_charts_drawn"] = time_to_charts(
        html_dir, f"generated/{data.year}/{COUNTY}/reception.html"
    )
    a_total = rows["a_execute"]["seconds"] + rows["a_build"]["seconds"]
    b = rows["b_cold"]["seconds"]
    ratios = {
        "b/a execution": rows["b_cold"]["execute_seconds"] / rows["a_execute"]["seconds"],
        "b/a whole build": b / a_total,
        "c/b": rows["c_nothing_changed"]["seconds"] / b,
        "d/b": rows["d_one_county_changed"]["seconds"] / b,
    }
    results = {
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "machine": machine(),
        "command": "make bench",
        "rows": rows,
        "ratios": ratios,
        "scaling": scaling,
        "site": site,
        "executors": executor_rows,
    }
    results["kommuner"] = municipality_scale(work)
    write_results(results)
    shutil.rmtree(work, ignore_errors=True)


def write_results(results: dict) -> None:
    (HERE / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    report = render(results)
    print("\n" + report)
    (PROJECT_ROOT / "docs" / "benchmarks.md").write_text(report)


def render(results: dict) -> str:
    m = results["machine"]
    lines = [
        "# Benchmarks",
        "",
        f"Measured {results['date']} with `{results['command']}` on {m['cores']} cores, "
        f"{m['memory_gib']} GiB, Python {m['python']} ({m['platform']}). Wall time is the "
        "median where a case ran more than once; peak memory is the resident set of the whole "
        "process tree.",
        "",
        "| case | seconds | runs | notebooks executed | peak MiB |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for row in results["rows"].values():
        lines.append(
            f"| {row['label']} | {row['seconds']:.1f} | {row['runs']} | {row['executed']} "
            f"| {row['peak_mib']:.0f} |"
        )
    lines += ["", "| ratio | value | target |", "| --- | ---: | --- |"]
    targets = {
        "b/a execution": "≤ 0.4",
        "b/a whole build": "≤ 0.5",
        "c/b": "(c) ≤ 10 s",
        "d/b": "≤ 0.15",
    }
    for key, value in results["ratios"].items():
        lines.append(f"| {key} | {value:.2f} | {targets[key]} |")
    lines += [
        "",
        "| geographies | notebooks | seconds | seconds per notebook |",
        "| ---: | ---: | ---: | ---: |",
    ]
    for row, n in zip(results["scaling"], (1, 6, 11, 22), strict=True):
        lines.append(
            f"| {n} | {row['executed']} | {row['seconds']:.1f} "
            f"| {row['seconds_per_notebook']:.2f} |"
        )
    site = results["site"]
    lines += [
        "",
        f"Built site: {site['site_mib']:.1f} MiB. Largest section page: {site['largest_page']}, "
        f"{site['largest_page_kb']:.0f} KB of HTML, with the chart bundle referenced "
        f"{site['bundle_script_tags_on_largest_page']} time(s) (a script file, not inlined). "
        f"Time from navigation until every chart of a county page has drawn in headless "
        f"Chromium: {site['seconds_until_charts_drawn']:.2f} s (median of 5).",
        "",
    ]
    if "executors" in results:
        lines += render_executors(results["executors"])
    if "kommuner" in results:
        lines += render_municipality_scale(results["kommuner"])
    return "\n".join(lines)


def render_executors(measured: dict) -> list[str]:
    m = measured["machine"]
    lines = [
        "## Executors",
        "",
        f"The sections of {measured['geographies']} geographies, cold, executed by each executor "
        f"in turn (measured {measured['date']} on {m['cores']} cores, load average "
        f"{', '.join(str(x) for x in m['load_average_at_start'])} at the start). A Dask "
        "LocalCluster's start and close are included.",
        "",
        "| executor | seconds | notebooks executed | seconds per notebook | CPU seconds per "
        "notebook | load average before | peak MiB |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in measured["rows"].values():
        n = row["executed"] or float("nan")
        lines.append(
            f"| {row['label'].split(', ', 1)[1]} | {row['seconds']:.1f} | {row['executed']} "
            f"| {row['seconds'] / n:.2f} | {row['cpu_seconds'] / n:.2f} "
            f"| {row['load_average_before']:.1f} | {row['peak_mib']:.0f} |"
        )
    lines += [
        "",
        "With w workers a run cannot take less than its CPU seconds divided by w, nor less than "
        "its CPU seconds divided by the cores the machine's other work leaves free.",
    ]
    targets = {
        "dask/local, 2 workers": "≤ 1.10",
        "Dask 1 → 2 workers speed-up": "≥ 1.8",
        "local 1 → 2 workers speed-up": "(reference)",
    }
    lines += ["", "| ratio | value | target |", "| --- | ---: | --- |"]
    for key, value in measured["ratios"].items():
        lines.append(f"| {key} | {value:.2f} | {targets[key]} |")
    return [*lines, ""]


def render_municipality_scale(k: dict) -> list[str]:
    loads = " / ".join(
        f"{a:.1f}" for a in (*k["load_average_before"][:1], *k["load_average_after"][:1])
    )
    lines = [
        "## Municipality scale: Riket, 21 counties and 290 municipalities",
        "",
        f"Measured {k['date']} with `{k['command']}` on the same machine (load average before "
        f"/ after: {loads}; the cores are shared). {k['generated_html_pages']} generated pages, "
        f"{k['site_mib']:.1f} MiB site. Execution is the runner (planning included); Sphinx is "
        "the generated pages and table of contents, then its whole process (setup: "
        "configuration, extensions and its saved environment; read; write: assets and pages; "
        "finish: indices and the search index) and the copy into _build/html.",
        "",
        "| case | seconds | notebooks executed | execution s | Sphinx s | pages read "
        "| setup / read / write / finish / copy s | peak MiB |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: |",
    ]
    for row in k["rows"].values():
        t = row["sphinx"]
        phases = " / ".join(
            f"{t.get(name, 0):.1f}" for name in ("setup", "read", "write", "finish", "swap")
        )
        lines.append(
            f"| {row['label']} | {row['seconds']:.1f} | {row['executed']} "
            f"| {row['execute_seconds']:.1f} | {row['sphinx_seconds']:.1f} "
            f"| {t.get('read_docs', '–')} | {phases} | {row['peak_mib']:.0f} |"
        )
    rows = k["rows"]
    changed = rows["k3_one_municipality_changed"]
    levels = ", ".join(f"{n} {level}" for level, n in sorted(changed["executed_by_level"].items()))
    costs = k["page_costs"]
    cold = rows["k1_cold"]["sphinx"]
    lines += [
        "",
        "| target | measured |",
        "| --- | ---: |",
        f"| cold ≤ 600 s | {rows['k1_cold']['seconds']:.0f} s |",
        f"| one municipality changed ≤ 15 s | {changed['seconds']:.1f} s |",
        f"| peak memory ≤ 3 GiB | {max(r['peak_mib'] for r in rows.values()) / 1024:.2f} GiB |",
        "",
        f"Executed after one municipality's change (its answer to the SO survey): {levels}. "
        "The county's other municipality pages execute again only when what they show changes: "
        "the county's figures, or which of their counts are suppressed (which depends on the "
        "county's rows of the protected tables).",
        "",
        f"What a page costs (fresh process, median of 3): kernel start and stop "
        f"{costs['kernel_start_stop']:.2f} s, imports (pandas, Altair, lansbok) "
        f"{costs['imports']:.2f} s, opening its data and computing a municipality page's "
        f"figures {costs['data_and_figures']:.2f} s. Sphinx per page, cold: "
        f"{cold['read'] / cold['read_docs']:.3f} s reading (in parallel), "
        f"{cold['write'] / cold['read_docs']:.3f} s writing.",
        "",
    ]
    return lines


if __name__ == "__main__":
    main()
