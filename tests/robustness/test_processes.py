"""Killing `lansbok run` or `lansbok book` leaves no process of the run alive and nothing written
after the command has exited: SIGTERM (as `timeout` and CI send it) and SIGINT are turned into
a clean stop with the conventional exit code; a SIGKILL of the parent alone (no clean-up runs)
still takes the workers, kernels and the jupyter-book build with it."""

import contextlib
import hashlib
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest
from conftest import copy_book_source

pytestmark = [
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux signals"),
    pytest.mark.notebooks,
]

QUIET_SECONDS = 2  # how long the output folder must stay unchanged after the exit
RUN = ["run", "--lan", "12", "--lan", "14", "--section", "tia", "--section", "so", "--jobs", "2"]


class Watched:
    """A `lansbok` command in its own session, with every descendant it ever had recorded
    (polled every 20 ms, before any of them can be re-parented)."""

    def __init__(self, args: list[str], tmp: Path):
        tmp.mkdir(exist_ok=True)
        env = {**os.environ, "TMPDIR": str(tmp)}  # the run's temporary files, to inspect
        self.stderr = tmp.with_name("stderr.txt")
        with self.stderr.open("wb") as err:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "lansbok.cli", *args],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=err,
                start_new_session=True,
            )
        self.parent = psutil.Process(self.process.pid)
        self.seen: dict[int, psutil.Process] = {}
        self.commands: dict[int, str] = {}  # the latest command line seen (a fork execs later)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while not self._stop.is_set():
            try:
                for child in self.parent.children(recursive=True):
                    self.seen.setdefault(child.pid, child)
                    self.commands[child.pid] = " ".join(_cmdline(child)) or self.commands.get(
                        child.pid, ""
                    )
            except psutil.Error:
                pass  # the parent is gone; its children were recorded before
            self._stop.wait(0.02)

    def wait_for(self, condition, what: str, limit: float = 60) -> None:
        deadline = time.monotonic() + limit
        while not condition():
            assert self.process.poll() is None, f"exited before {what}: {self.stderr_text()}"
            assert time.monotonic() < deadline, f"no {what} within {limit} s"
            time.sleep(0.02)

    def kernels(self) -> list[int]:
        return [pid for pid, command in self.commands.items() if "ipykernel" in command]

    def kill(self, signum: int) -> int:
        os.kill(self.process.pid, signum)  # the parent alone, never its group
        code = self.process.wait(timeout=60)
        return code

    def survivors(self) -> list[str]:
        self._stop.set()
        self._thread.join()
        alive = []
        for process in self.seen.values():
            try:  # is_running() compares the start time too: a reused pid is not a survivor
                if process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                    alive.append(f"{process.pid} {' '.join(_cmdline(process))[:120]}")
            except psutil.Error:
                pass
        return alive

    def stderr_text(self) -> str:
        return self.stderr.read_text(errors="replace")

    def cleanup(self) -> None:
        """Only if a test failed half-way: nothing of the run may outlive the test."""
        self._stop.set()
        for process in [self.parent, *self.seen.values()]:
            with contextlib.suppress(psutil.Error):
                process.kill()


def _cmdline(process: psutil.Process) -> list[str]:
    try:
        return process.cmdline()
    except psutil.Error:
        return []


def snapshot(folder: Path) -> dict[str, tuple[int, str]]:
    """Every file below folder with its modification time and content hash."""
    state = {}
    for path in sorted(folder.rglob("*")) if folder.exists() else []:
        if path.is_file():
            state[str(path.relative_to(folder))] = (
                path.stat().st_mtime_ns,
                hashlib.sha256(path.read_bytes()).hexdigest(),
            )
    return state


def assert_ended_cleanly(watched: Watched, out: Path) -> None:
    at_exit = snapshot(out)
    time.sleep(QUIET_SECONDS)
    assert watched.survivors() == []
    assert snapshot(out) == at_exit, "a file changed after the command had exited"
    assert watched.kernels(), "the kill came before any kernel started: the test proves little"


def first_page_written(out: Path):
    return lambda: any(out.rglob("*.ipynb"))


@pytest.mark.parametrize(
    ("signum", "moment"),
    [
        (signal.SIGTERM, "kernel"),
        (signal.SIGTERM, "page"),
        (signal.SIGINT, "kernel"),
        (signal.SIGKILL, "page"),
    ],
    ids=[
        "TERM-first-kernel",
        "TERM-mid-run",
        "INT-first-kernel",
        "KILL-mid-run",
    ],
)
def test_a_killed_run_leaves_no_process_and_writes_nothing_after_exit(tmp_path, signum, moment):
    out = tmp_path / "generated"
    watched = Watched([*RUN, "--out", str(out)], tmp_path / "tmp")
    try:
        if moment == "kernel":  # before the first page is written
            watched.wait_for(watched.kernels, "kernel")
        else:  # mid-run: a page is written, others are still executing
            watched.wait_for(first_page_written(out), "page")
            watched.wait_for(watched.kernels, "kernel")
        code = watched.kill(signum)
        assert_ended_cleanly(watched, out)
    finally:
        watched.cleanup()
    stderr = watched.stderr_text()
    if signum == signal.SIGKILL:
        assert code == -signal.SIGKILL
    else:
        assert code == 128 + signum  # 143 for SIGTERM, 130 for SIGINT
        assert f"interrupted by {signal.Signals(signum).name}" in stderr
        assert "Traceback" not in stderr
        assert list((tmp_path / "tmp").iterdir()) == []  # every temporary file removed
    # What was written is whole: every page a complete notebook with its key and its download.
    for page in out.rglob("*.ipynb"):
        assert '"cache_key"' in page.read_text()
        assert (page.with_suffix(".csv")).exists()
    assert not [p for p in out.rglob(".*") if p.is_file()]  # no temporary file in the output


def test_a_sigkill_before_the_first_page_is_repaired_by_the_next_run(tmp_path):
    out = tmp_path / "generated"
    watched = Watched([*RUN, "--out", str(out)], tmp_path / "tmp")
    try:
        watched.wait_for(watched.kernels, "kernel")
        watched.kill(signal.SIGKILL)
        assert_ended_cleanly(watched, out)
    finally:
        watched.cleanup()
    assert list((tmp_path / "tmp").glob("lansbok-run-*"))  # SIGKILL runs no clean-up
    env = {**os.environ, "TMPDIR": str(tmp_path / "tmp")}
    again = subprocess.run(
        [sys.executable, "-m", "lansbok.cli", *RUN, "--out", str(out)],
        env=env,
        capture_output=True,
        text=True,
    )
    assert again.returncode == 0, again.stderr
    assert "failed 0" in again.stdout
    assert len(list(out.rglob("*.ipynb"))) == 4
    assert list((tmp_path / "tmp").iterdir()) == []  # the killed run's folder too


@pytest.fixture(scope="module")
def book_root(tmp_path_factory):
    """A book with Riket's pages only, executed once, so that `lansbok book` reaches the
    jupyter-book build within seconds."""
    root = tmp_path_factory.mktemp("book")
    copy_book_source(root)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "lansbok.cli",
            "run",
            "--lan",
            "SE",
            "--out",
            str(root / "generated"),
            "--templates",
            str(root / "notebooks"),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    return root


def jupyter_book_running(watched: Watched):
    """The book's Sphinx process has started: jupyter-book's build, run in parallel by
    `python -m lansbok.sphinx_parallel`."""
    return lambda: any(
        "lansbok.sphinx_parallel" in command or "jupyter-book" in command
        for command in watched.commands.values()
    )


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGKILL], ids=["TERM", "KILL"])
def test_a_killed_book_build_leaves_no_process_and_no_new_site(tmp_path, book_root, signum):
    watched = Watched(["book", "--root", str(book_root), "--lan", "SE"], tmp_path / "tmp")
    try:
        watched.wait_for(jupyter_book_running(watched), "jupyter-book build")
        time.sleep(0.5)  # into Sphinx's work
        code = watched.kill(signum)
        at_exit = snapshot(book_root)
        time.sleep(QUIET_SECONDS)
        assert watched.survivors() == []
        assert snapshot(book_root) == at_exit, "a file changed after the command had exited"
    finally:
        watched.cleanup()
    assert code == (-signum if signum == signal.SIGKILL else 128 + signum)
    assert not (book_root / "_build" / "html").exists()  # no half-built site swapped in
    if signum == signal.SIGTERM:
        assert "interrupted by SIGTERM" in watched.stderr_text()
        assert "Traceback" not in watched.stderr_text()
