"""Jupyter Book's build with Sphinx's parallel jobs, and where its time goes.

`python -m lansbok.sphinx_parallel ROOT OUTPUT JOBS [jupyter-book build options]` runs `jupyter-book
build` with `jobs` parallel processes for reading (and writing) the pages: Jupyter Book 1 has
Sphinx's parallel build (every extension of the book declares itself parallel safe) but no
option for it.

As a Sphinx extension (listed in _config.yml) it reports the build's phases and the pages it read
on its last line of output, `lansbok-sphinx {"read": s, "write": s, "finish": s, "read_docs": n,
"read_pages": [...]}`, parsed by `lansbok.book.sphinx_build`.
"""

from __future__ import annotations

import functools
import json
import sys
import time

MARKER = "lansbok-sphinx "


class _Phases:
    def __init__(self):
        self.times: dict[str, float] = {"start": time.perf_counter()}
        self.read_docs: list[str] = []

    def mark(self, name: str) -> None:
        self.times.setdefault(name, time.perf_counter())

    def summary(self) -> dict:
        t = self.times
        end = t.get("finished", time.perf_counter())

        def span(a: str, b: str) -> float:
            return round(t[b] - t[a], 3) if a in t and b in t else 0.0

        return {
            "setup": span("start", "read"),  # configuration, extensions, the pickled environment
            "read": span("read", "read_done"),
            "write": span("read_done", "finish"),  # consistency, assets, every page written
            "finish": round(end - t["finish"], 3) if "finish" in t else 0.0,  # search index
            "read_docs": len(self.read_docs),
            "read_pages": self.read_docs,  # their names
        }


# Extensions that Jupyter Book loads and that say nothing of parallel reading although they are
# safe: Sphinx would read serially, with a warning (an error in the strict build).
# sphinx_multitoc_numbering only replaces the section numbering that Sphinx runs in the main
# process once every page is read; sphinx_jupyterbook_latex's transforms at reading change only
# the page being read (and only the root page), its other work is for the LaTeX builder.
PARALLEL_SAFE = ("sphinx_multitoc_numbering", "sphinx_jupyterbook_latex")


def declare_parallel_safe(app) -> None:
    for name in PARALLEL_SAFE:
        extension = app.extensions.get(name)
        if extension is not None and extension.parallel_read_safe is None:
            extension.parallel_read_safe = True


def setup(app):
    phases = _Phases()
    app.connect("builder-inited", declare_parallel_safe)

    def before_read(app, env, docnames):
        phases.read_docs = sorted(docnames)
        phases.mark("read")

    def finished(app, exception):
        phases.mark("finished")
        if exception is None:
            print(MARKER + json.dumps(phases.summary()), flush=True)

    app.connect("env-before-read-docs", before_read)
    app.connect("env-updated", lambda app, env: phases.mark("read_done"))
    app.connect("html-collect-pages", lambda app: phases.mark("finish") or [])
    app.connect("build-finished", finished)
    return {"parallel_read_safe": True, "parallel_write_safe": True}


def parse(output: str) -> dict:
    """The phases a build reported (empty if none)."""
    for line in reversed(output.splitlines()):
        if line.startswith(MARKER):
            return json.loads(line[len(MARKER) :])
    return {}


def main(argv: list[str]) -> None:
    root, output, jobs, *options = argv
    import jupyter_book.sphinx as jb_sphinx
    from jupyter_book.cli.main import main as jupyter_book

    # The command imports build_sphinx when it runs: give it the number of jobs.
    jb_sphinx.build_sphinx = functools.partial(jb_sphinx.build_sphinx, jobs=int(jobs))
    jupyter_book(["build", root, "--path-output", output, *options])


if __name__ == "__main__":
    main(sys.argv[1:])
