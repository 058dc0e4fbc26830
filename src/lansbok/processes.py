"""Child processes end with the command.

Three rules, used by the runner and the book build:

- every process the command starts (pool workers, the kernels they start, the jupyter-book
  build) asks Linux to SIGKILL it when its parent dies (`prctl(PR_SET_PDEATHSIG)`), so even a
  SIGKILL of the command, which runs no clean-up, leaves nothing running;
- SIGTERM (as `timeout` and CI send it), SIGINT and SIGHUP become an `Interrupted` exception in
  the main thread, so that `finally` clauses stop the workers and remove temporary files before
  the command exits with the conventional code (128 + the signal's number);
- `deferred_signals()` holds such a signal back while a few steps must happen together.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
HANDLED = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)

# Loaded once in the parent: a child between fork and exec must not load libraries.
_LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None


class Interrupted(BaseException):
    """The command received SIGTERM, SIGINT or SIGHUP. A BaseException, like
    KeyboardInterrupt, so that `except Exception` clauses do not swallow it."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum  # the shell's convention: 130 for SIGINT, 143 for SIGTERM

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name


def die_with_parent(parent_pid: int) -> None:
    """In a child process: be killed when the parent dies. The setting survives exec (so it
    holds for a kernel or jupyter-book started this way) but not fork, so each generation sets
    it. A parent that died before the call is caught by comparing the parent's pid."""
    if _LIBC is not None:
        _LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid:
        os._exit(1)


def child_setup() -> Callable[[], None]:
    """A `preexec_fn` for subprocess.Popen: the child dies with this process."""
    parent = os.getpid()
    return lambda: die_with_parent(parent)


class _Signals:
    """The handler behind `interruptible` and `deferred_signals`."""

    deferring = 0
    pending: int | None = None

    def handle(self, signum: int, frame) -> None:
        if self.deferring:
            self.pending = self.pending or signum
            return
        # One signal is enough: a second one during clean-up must not interrupt the clean-up.
        for each in HANDLED:
            signal.signal(each, signal.SIG_IGN)
        raise Interrupted(signum)


_signals = _Signals()


@contextmanager
def interruptible() -> Iterator[None]:
    """Within the block, SIGTERM, SIGINT and SIGHUP raise `Interrupted` in the main thread."""
    previous = {each: signal.signal(each, _signals.handle) for each in HANDLED}
    try:
        yield
    finally:
        for each, handler in previous.items():
            signal.signal(each, handler)


@contextmanager
def deferred_signals() -> Iterator[None]:
    """Steps that must not be separated (renames that swap a folder into place): a signal that
    arrives meanwhile is raised once the block is done."""
    _signals.deferring += 1
    try:
        yield
    finally:
        _signals.deferring -= 1
        if not _signals.deferring and _signals.pending:
            signum, _signals.pending = _signals.pending, None
            _signals.handle(signum, None)


def ignore_interrupts() -> None:
    """In a worker: the command decides what an interrupt means (a Ctrl-C in a terminal reaches
    the whole process group), and stops its workers itself."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
