"""Executing pages on Dask: a real cluster (`dask scheduler` and two `dask worker` processes on
127.0.0.1) and a LocalCluster give the local executor's pages, failures, timeouts and cache; a
worker that sees other data refuses to execute; an unreachable scheduler writes nothing; a
signal stops the run and leaves no task writing. Tests that start kernels or a cluster's
processes are marked `notebooks`."""

import contextlib
import io
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

import nbformat
import psutil
import pytest
from typer.testing import CliRunner

from lansbok import executors, processes
from lansbok.cli import app
from lansbok.run import TEMPLATES_DIR

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux signals")

runner = CliRunner()
DASK = Path(sys.executable).parent / "dask"
SOURCE = str(Path(executors.__file__).parents[1])  # this tree's lansbok, for the workers
PAGES = ["--lan", "SE", "--lan", "12", "--section", "tia", "--section", "so"]
START_LIMIT = 60  # seconds for the cluster to come up


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """A scheduler and two single-threaded workers, as an administrator starts them; each dies
    with the test session (parent-death signal) and is stopped at the end, whatever happens.
    The workers' temporary folder is `tmp`, to see what they leave."""
    from distributed import Client

    folder = tmp_path_factory.mktemp("cluster")
    scheduler_file, tmp = folder / "scheduler.json", folder / "tmp"
    tmp.mkdir()
    env = {
        **os.environ,
        "TMPDIR": str(tmp),
        "DASK_TEMPORARY_DIRECTORY": str(folder / "space"),  # the cluster's own scratch space
        "PYTHONPATH": os.pathsep.join([SOURCE, os.environ.get("PYTHONPATH", "")]),
    }
    common = ["--scheduler-file", scheduler_file, "--host", "127.0.0.1", "--no-dashboard"]
    commands = [
        [DASK, "scheduler", *common, "--port", "0"],
        *[[DASK, "worker", *common, "--nworkers", "1", "--nthreads", "1"] for n in (1, 2)],
    ]
    started, client = [], None
    try:
        for n, command in enumerate(commands):
            with (folder / f"log-{n}.txt").open("wb") as log:
                started.append(
                    subprocess.Popen(
                        [str(part) for part in command],
                        env=env,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        preexec_fn=processes.child_setup(),
                    )
                )
            if n == 0:  # the workers read the scheduler's address from its file
                deadline = time.monotonic() + START_LIMIT
                while not scheduler_file.exists():
                    assert time.monotonic() < deadline, "no scheduler file"
                    time.sleep(0.1)
        client = Client(scheduler_file=str(scheduler_file), timeout=START_LIMIT)
        client.wait_for_workers(2, timeout=START_LIMIT)
        address = json.loads(scheduler_file.read_text())["address"]
        yield type("Cluster", (), {"address": address, "client": client, "tmp": tmp})
    finally:
        if client is not None:
            client.close()
        for process in reversed(started):
            process.terminate()
        for process in started:
            try:
                process.wait(timeout=2)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def lansbok_run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["run", *args])
    return result.exit_code, result.output


def normalised(path: Path) -> dict:
    """An executed page without what differs from one execution to the next: papermill's
    timings, the cells' execution times, the id papermill draws for the cell it injects, and
    the hash of the Excel download (its file records when it was written)."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    for key in ("start_time", "end_time", "duration"):
        notebook["metadata"]["papermill"].pop(key)
    files = notebook["metadata"]["lansbok"]["files"]
    notebook["metadata"]["lansbok"]["files"] = {
        name: digest for name, digest in files.items() if not name.endswith(".xlsx")
    }
    for cell in notebook["cells"]:
        cell["metadata"].pop("execution", None)
        cell["metadata"].get("papermill", {}).pop("start_time", None)
        cell["metadata"].get("papermill", {}).pop("end_time", None)
        cell["metadata"].get("papermill", {}).pop("duration", None)
        if "injected-parameters" in cell["metadata"].get("tags", []):
            cell.pop("id")
    return notebook


def workbook_content(path: Path) -> dict[str, bytes]:
    """An Excel file's parts, without its creation and modification times."""
    with zipfile.ZipFile(io.BytesIO(path.read_bytes())) as book:
        return {name: book.read(name) for name in book.namelist() if name != "docProps/core.xml"}


def assert_same_pages(ours: Path, theirs: Path) -> None:
    pages = sorted(p.relative_to(ours) for p in ours.rglob("*") if p.is_file())
    assert pages == sorted(p.relative_to(theirs) for p in theirs.rglob("*") if p.is_file())
    assert len([p for p in pages if p.suffix == ".ipynb"]) == 4
    for page in pages:
        if page.suffix == ".ipynb":
            assert normalised(ours / page) == normalised(theirs / page), page
        elif page.suffix == ".xlsx":
            assert workbook_content(ours / page) == workbook_content(theirs / page), page
        else:
            assert (ours / page).read_bytes() == (theirs / page).read_bytes(), page


@pytest.mark.notebooks
def test_a_real_cluster_gives_the_local_executors_pages_and_cache(cluster, tmp_path):
    local, dask = tmp_path / "local", tmp_path / "dask"
    code, output = lansbok_run(*PAGES, "--out", str(local), "--jobs", "2")
    assert code == 0 and "executed 4, reused 0, failed 0" in output, output
    code, output = lansbok_run(
        *PAGES, "--out", str(dask), "--executor", "dask", "--scheduler", cluster.address
    )
    assert code == 0 and "executed 4, reused 0, failed 0" in output, output
    assert "Kör notebooks: 100%" in output  # the same progress bar
    assert_same_pages(dask, local)
    # The same cache keys: the local executor reuses every page the cluster executed.
    code, output = lansbok_run(*PAGES, "--out", str(dask))
    assert code == 0 and "executed 0, reused 4, failed 0" in output, output
    assert list(cluster.tmp.iterdir()) == []  # the workers' pages left no temporary folder


@pytest.mark.notebooks
def test_without_an_address_a_local_cluster_runs_the_pages(tmp_path, monkeypatch):
    monkeypatch.delenv(executors.SCHEDULER_ENV, raising=False)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    monkeypatch.setattr(tempfile, "tempdir", None)  # read TMPDIR afresh
    out = tmp_path / "generated"
    code, output = lansbok_run(
        "--lan", "SE", "--section", "tia", "--out", str(out), "--executor", "dask"
    )
    assert code == 0 and "executed 1, reused 0, failed 0" in output, output
    page = json.loads((out / "2024" / "SE" / "tia.ipynb").read_text())
    assert page["metadata"]["lansbok"]["cache_key"]
    assert (out / "2024" / "SE" / "tia.csv").exists()
    assert list(scratch.iterdir()) == []  # the cluster's scratch space went with the run's


def failing_templates(folder: Path) -> Path:
    """The templates, with so failing for Skåne and hanging for Västra Götaland."""
    shutil.copytree(TEMPLATES_DIR, folder)
    notebook = nbformat.read(folder / "so.ipynb", as_version=4)
    at = 1 + next(
        i for i, c in enumerate(notebook.cells) if "parameters" in c.metadata.get("tags", [])
    )
    notebook.cells.insert(
        at,
        nbformat.v4.new_code_cell(
            'if lan == "12":\n    raise ValueError("trasig data i Skåne")\n'
            'if lan == "14":\n    import time\n\n    time.sleep(60)'
        ),
    )
    nbformat.write(notebook, folder / "so.ipynb")
    return folder


def failures(output: str) -> list[str]:
    """The reported failures, each with its page and the end of its traceback, in order."""
    return sorted(re.findall(r"^FAILED .*?(?=^FAILED |^executed )", output, re.M | re.S))


@pytest.mark.notebooks
def test_failures_and_timeouts_are_reported_as_by_the_local_executor(cluster, tmp_path):
    templates = failing_templates(tmp_path / "templates")
    args = ["--lan", "SE", "--lan", "12", "--lan", "14", "--section", "so", "--timeout", "6"]
    args += ["--templates", str(templates)]
    local_code, local = lansbok_run(*args, "--out", str(tmp_path / "local"), "--jobs", "2")
    code, dask = lansbok_run(
        *args, "--out", str(tmp_path / "dask"), "--executor", "dask", "--scheduler", cluster.address
    )
    assert local_code == code == 1
    assert "executed 1, reused 0, failed 2" in local and "executed 1, reused 0, failed 2" in dask
    reported = failures(dask)
    assert reported == failures(local)
    assert reported[0].startswith("FAILED Skåne län (12) / so 2024")
    assert "ValueError: trasig data i Skåne" in reported[0]
    assert reported[1].startswith("FAILED Västra Götalands län (14) / so 2024")
    assert "timed out" in reported[1] and "after 6 seconds" in reported[1]
    assert [p.name for p in (tmp_path / "dask").rglob("*.ipynb")] == ["so.ipynb"]  # Riket's


@pytest.mark.notebooks
def test_a_worker_that_sees_other_data_executes_nothing(cluster, tmp_path, data_copy, monkeypatch):
    planned = executors.run_inputs

    def then_the_share_changes(data_dir, templates_dir):
        inputs = planned(data_dir, templates_dir)  # what the client plans with
        (data_copy / "notes.txt").write_text("a file the client never saw\n")
        return inputs

    monkeypatch.setattr(executors, "run_inputs", then_the_share_changes)
    out = tmp_path / "generated"
    code, output = lansbok_run(
        *PAGES,
        "--data",
        str(data_copy),
        "--out",
        str(out),
        "--executor",
        "dask",
        "--scheduler",
        cluster.address,
    )
    assert code == 1 and "executed 0, reused 0, failed 4" in output, output
    message = re.compile(
        rf"worker tcp://127\.0\.0\.1:\d+ sees different data at {data_copy.resolve()}"
    )
    assert len(message.findall(output)) == 4
    assert not list(out.rglob("*.ipynb"))


def test_a_worker_checks_the_code_and_that_the_folders_exist(tmp_path):
    templates = str(TEMPLATES_DIR.resolve())
    expected = executors.run_inputs(TEMPLATES_DIR, TEMPLATES_DIR)
    assert executors.check_inputs(expected) is None
    missing = {str(tmp_path / "nowhere"): expected[templates]}
    assert executors.check_inputs(missing).endswith(
        f"sees different data at {tmp_path / 'nowhere'}: no such folder"
    )
    other_code = {executors.CODE: "0" * 64}
    assert "runs different lansbok code" in executors.check_inputs(other_code)
    other_pandas = {
        executors.LIBRARIES: expected[executors.LIBRARIES].replace('"pandas": "', '"pandas": "0.')
    }
    assert "other versions of the page libraries" in executors.check_inputs(other_pandas)
    # Hidden files (an editor's, a checkpoint) are not part of what pages read.
    before = executors.folder_digest(tmp_path)
    (tmp_path / ".swp").write_text("x")
    assert executors.folder_digest(tmp_path) == before
    (tmp_path / "tia.ipynb").write_text("{}")
    assert executors.folder_digest(tmp_path) != before


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_unreachable_scheduler_is_one_line_and_nothing_is_written(tmp_path, monkeypatch):
    monkeypatch.setattr(executors, "CONNECT_TIMEOUT", 2)
    address = f"tcp://127.0.0.1:{free_port()}"
    out = tmp_path / "generated"
    started = time.monotonic()
    result = runner.invoke(
        app,
        ["run", "--lan", "12", "--section", "tia", "--out", str(out), "--executor", "dask"],
        env={executors.SCHEDULER_ENV: address},  # the option's environment variable
    )
    assert result.exit_code == 1
    assert result.output.strip() == result.output.strip().splitlines()[0]  # one line
    assert result.output.startswith(f"error: no Dask scheduler at {address}")
    assert time.monotonic() - started < 15
    assert not out.exists()
    # The book too, before any page or build folder is made.
    root = tmp_path / "book"
    root.mkdir()
    result = runner.invoke(
        app, ["book", "--root", str(root), "--executor", "dask", "--scheduler", address]
    )
    assert result.exit_code == 1
    assert result.output.startswith(f"error: no Dask scheduler at {address}")
    assert list(root.iterdir()) == []


class Client:
    """`lansbok run` in its own session, with every process it starts recorded (polled every
    20 ms, before any of them can be re-parented)."""

    def __init__(self, args: list[str], tmp: Path):
        tmp.mkdir()
        self.stderr = tmp.with_name("stderr.txt")
        with self.stderr.open("wb") as err:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "lansbok.cli", "run", *args],
                env={**os.environ, "TMPDIR": str(tmp)},
                stdout=subprocess.DEVNULL,
                stderr=err,
                start_new_session=True,
            )
        self.parent = psutil.Process(self.process.pid)
        self.seen: dict[int, psutil.Process] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(psutil.Error):
                for child in self.parent.children(recursive=True):
                    self.seen.setdefault(child.pid, child)
            self._stop.wait(0.02)

    def alive(self) -> list[psutil.Process]:
        return [p for p in self.seen.values() if _running(p)]

    def stop_watching(self) -> None:
        self._stop.set()
        self._thread.join()

    def cleanup(self) -> None:
        self.stop_watching()
        for process in [self.parent, *self.seen.values()]:
            with contextlib.suppress(psutil.Error):
                process.kill()


def _running(process: psutil.Process) -> bool:
    try:  # is_running() compares the start time too: a reused pid is not a survivor
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def kernels(processes: list[psutil.Process]) -> list[psutil.Process]:
    found = []
    for process in processes:
        with contextlib.suppress(psutil.Error):
            if "ipykernel" in " ".join(process.cmdline()) and _running(process):
                found.append(process)
    return found


def wait_until(condition, what: str, limit: float = 60) -> None:
    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, f"no {what} within {limit} s"
        time.sleep(0.02)


def files(folder: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(folder)): (p.stat().st_mtime_ns, p.stat().st_size)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


RUN = ["--lan", "12", "--lan", "14", "--section", "tia", "--jobs", "2", "--executor", "dask"]


@pytest.mark.notebooks
def test_sigterm_stops_a_local_cluster_run_with_its_workers_and_kernels(tmp_path):
    out, tmp = tmp_path / "generated", tmp_path / "tmp"
    client = Client([*RUN, "--out", str(out)], tmp)
    try:
        wait_until(lambda: kernels(list(client.seen.values())), "kernel")
        os.kill(client.process.pid, signal.SIGTERM)
        code = client.process.wait(timeout=60)
        at_exit = files(out) if out.exists() else {}
        time.sleep(1.5)
        assert client.alive() == []  # the cluster's workers and their kernels
        assert (files(out) if out.exists() else {}) == at_exit
    finally:
        client.cleanup()
    stderr = client.stderr.read_text()
    assert code == 143 and "interrupted by SIGTERM" in stderr
    assert "Traceback" not in stderr
    assert list(tmp.iterdir()) == []


@pytest.mark.notebooks
def test_sigint_of_a_clusters_client_leaves_no_task_writing(cluster, tmp_path):
    """The cluster outlives its client: the pages under way are cancelled, their workers write
    nothing (they never write the output) and remove their temporary folders."""
    out, tmp = tmp_path / "generated", tmp_path / "tmp"
    workers = [psutil.Process(pid) for pid in cluster.client.run(os.getpid).values()]
    client = Client([*RUN, "--out", str(out), "--scheduler", cluster.address], tmp)
    try:
        wait_until(
            lambda: kernels([c for w in workers for c in w.children(recursive=True)]), "kernel"
        )
        os.kill(client.process.pid, signal.SIGINT)
        code = client.process.wait(timeout=60)
        at_exit = files(out) if out.exists() else {}
        assert client.alive() == []
    finally:
        client.cleanup()
    stderr = client.stderr.read_text()
    assert code == 130 and "interrupted by SIGINT" in stderr
    assert "Traceback" not in stderr
    # The cluster forgets the client's tasks; the pages under way end and their kernels stop.
    wait_until(
        lambda: (
            not cluster.client.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.tasks))
        ),
        "idle scheduler",
    )
    wait_until(
        lambda: not kernels([c for w in workers for c in w.children(recursive=True)]),
        "end of the kernels",
    )
    assert (files(out) if out.exists() else {}) == at_exit
    wait_until(
        lambda: not list(tmp.iterdir()) and not list(cluster.tmp.iterdir()),
        "clean temporary folders",
        10,
    )
