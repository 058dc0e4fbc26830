"""Executing pages on a Dask distributed cluster: another `lansbok.run.Executor`.

`DaskExecutor` without an address starts a LocalCluster on this machine (one single-threaded
worker process per job, no dashboard) and closes it on leaving; with an address
(`--scheduler tcp://host:port` or LANSBOK_DASK_SCHEDULER) it uses that cluster and leaves it
running.

Workers return the executed notebook and its downloads to the client, which writes them (see
`lansbok.run`); a worker writes only in a private temporary folder. The data and the templates
reach the workers by a path they share with the client (the same absolute paths: a network file
system, or the same machine); nothing is sent to them. Before its first page of a run, a worker
checks that it sees the very data, templates and lansbok code the client planned the run with,
by their hashes, and has the same versions of the page libraries; otherwise it fails the page
with "worker <address> sees different data at <path>" rather than execute it from other data.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import shutil
import signal
import socket
import tempfile
import threading
from concurrent.futures import Future
from pathlib import Path

from lansbok import processes
from lansbok.run import SCRATCH_PREFIX, Executed, RunError, code_fingerprint, library_versions

SCHEDULER_ENV = "LANSBOK_DASK_SCHEDULER"
CONNECT_TIMEOUT = 10  # seconds to reach a scheduler before giving up
CODE = "lansbok"  # the key of the code's digest among a run's inputs
LIBRARIES = "libraries"  # and of the versions of the libraries that shape a page


class SchedulerUnreachable(RunError):
    """No Dask scheduler answers at the address given. Nothing executed or written."""


def folder_digest(folder: Path) -> str:
    """The names and contents of every file below folder (hidden files and caches left out)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in Path(folder).rglob("*") if p.is_file()):
        relative = path.relative_to(folder)
        if any(part.startswith(".") or part == "__pycache__" for part in relative.parts):
            continue
        digest.update(relative.as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def run_inputs(data_dir: Path, templates_dir: Path) -> dict[str, str]:
    """What a worker must see as the client does: data and templates (by absolute path) and the
    lansbok code, each with its digest, and the libraries' versions (the cache keys name them)."""
    return {
        str(Path(data_dir).resolve()): folder_digest(data_dir),
        str(Path(templates_dir).resolve()): folder_digest(templates_dir),
        CODE: code_fingerprint(),
        LIBRARIES: library_versions(),
    }


_checked: set[tuple[str, str]] = set()  # per worker process: (path, digest) seen to match
_checked_lock = threading.Lock()


def worker_name() -> str:
    try:
        from distributed import get_worker

        return get_worker().address
    except (ImportError, ValueError):  # not in a Dask task
        return f"{socket.gethostname()} (pid {os.getpid()})"


def check_inputs(expected: dict[str, str]) -> str | None:
    """None when this worker sees what the client planned with, else what differs. A match is
    remembered for the worker's life (a digest names one state of the files); a mismatch is
    computed again, so a worker whose share is repaired serves the next run."""
    for path, digest in expected.items():
        if (path, digest) in _checked:
            continue
        if path == CODE:
            if code_fingerprint() != digest:
                return f"worker {worker_name()} runs different lansbok code than the client"
        elif path == LIBRARIES:
            if library_versions() != digest:
                return (
                    f"worker {worker_name()} has other versions of the page libraries than the "
                    f"client: {library_versions()}, not {digest}"
                )
        elif not Path(path).is_dir():
            return f"worker {worker_name()} sees different data at {path}: no such folder"
        elif folder_digest(Path(path)) != digest:
            return f"worker {worker_name()} sees different data at {path}"
        with _checked_lock:
            _checked.add((path, digest))
    return None


def on_worker(expected: dict[str, str], fn, job, data_dir, timeout, scratch) -> Executed:
    """Run the runner's `execute` on a worker once it has checked its inputs. A worker on
    another machine (or as another user) cannot use the client's temporary folder: it uses one
    of its own, named like a run's so that a later run there removes it if the worker dies."""
    problem = check_inputs(expected)
    if problem:
        return Executed(error=problem)
    if os.path.isdir(scratch) and os.access(scratch, os.W_OK | os.X_OK):
        return fn(job, data_dir, timeout, scratch)
    own = tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-")
    try:
        return fn(job, data_dir, timeout, own)
    finally:
        shutil.rmtree(own, ignore_errors=True)


def _local_worker_start(log: str) -> None:
    """In each LocalCluster worker, as in the local pool's: leave interrupts to the command (a
    Ctrl-C reaches the whole process group) and send the kernels' start-up chatter to the
    run's log."""
    processes.ignore_interrupts()
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the command's handler, forked with it
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(fd, 2)
    os.close(fd)


def connect(address: str, timeout: float | None = None):
    """A Dask client of the scheduler at address, or SchedulerUnreachable in one line."""
    from distributed import Client

    try:
        return Client(address, timeout=timeout or CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise SchedulerUnreachable(f"no Dask scheduler at {address}: {reason}") from None


class DaskExecutor:
    """The fan-out on a Dask cluster (an `Executor`). `address` None: a LocalCluster of
    `workers` single-threaded processes, closed on leaving; else the cluster there, left
    running. The client's data check travels with each task (see `on_worker`)."""

    def __init__(self, workers: int, scratch: Path, address: str | None = None):
        import dask
        from distributed import LocalCluster

        self.cluster = None
        self.futures: list = []
        self._inputs: dict[tuple, dict[str, str]] = {}
        if address:
            self.client = connect(address)
        else:
            settings = {
                # Forked workers start in 0.4 s with lansbok and pandas imported, as the local
                # pool's do; spawned ones take about 3 s on 2 cores to import them again.
                "distributed.worker.multiprocessing-method": "fork",
                # The cluster's scratch space is removed with the run's temporary folder.
                "temporary-directory": str(scratch),
            }
            with dask.config.set(settings):
                self.cluster = LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",
                    dashboard_address=None,
                    # No dashboard; the scheduler's health routes on a free port, not 8787.
                    scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                    silence_logs=logging.ERROR,
                )
            try:
                self.client = self.cluster.get_client()
                self.client.run(_local_worker_start, str(scratch / "kernels.log"))
            except BaseException:
                self.cluster.close()
                raise

    def inputs(self, data_dir, templates_dir) -> dict[str, str]:
        """The run's inputs and their digests, computed once per run on the client."""
        key = (str(data_dir), str(templates_dir))
        if key not in self._inputs:
            self._inputs[key] = run_inputs(data_dir, templates_dir)
        return self._inputs[key]

    def submit(self, fn, /, job, data_dir, timeout, scratch) -> Future:
        expected = self.inputs(data_dir, job.template.parent)
        task = self.client.submit(
            on_worker, expected, fn, job, data_dir, timeout, scratch, pure=False
        )
        self.futures.append(task)
        result: Future = Future()

        def settle(task) -> None:  # in a thread of the client's: hand the outcome over
            if task.status == "cancelled":
                result.cancel()
                result.set_running_or_notify_cancel()
            elif task.status == "error":
                result.set_exception(task.exception())
            else:
                result.set_result(task.result())

        task.add_done_callback(settle)
        return result

    def stop(self) -> None:
        """Cancel every task, queued or running, even those another client also wants; a page
        cancelled mid-way is dropped by its worker, which writes nothing outside its own
        temporary folder. A LocalCluster is closed, its workers and their kernels with it."""
        try:
            if self.futures and self.client.status == "running":
                self.client.cancel(self.futures, force=True)
            if self.cluster is not None:
                # Connections to the killed workers end abruptly, as intended: no complaints.
                logging.getLogger("distributed").setLevel(logging.CRITICAL)
                # A worker asked to close waits for the page under way (about 4 s): our own
                # workers are killed at once, as the local pool's are.
                for nanny in list(self.cluster.workers.values()):
                    nanny.close_gracefully()  # its worker's end is then no reason to restart it
                    with contextlib.suppress(ProcessLookupError, TypeError):
                        os.kill(nanny.pid, signal.SIGKILL)
        finally:
            self.close()

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()

    def __enter__(self) -> DaskExecutor:
        return self

    def __exit__(self, exc_type, *exc) -> None:
        if exc_type is None:
            self.close()
        else:
            self.stop()


def factory(address: str | None):
    """An `ExecutorFactory` for run() and build(): Dask at address, or a LocalCluster."""

    def make(workers: int, scratch: Path) -> DaskExecutor:
        return DaskExecutor(workers, scratch, address)

    return make


def check_scheduler(address: str) -> None:
    """Reach the scheduler before anything is written: a clear error otherwise."""
    connect(address).close()
