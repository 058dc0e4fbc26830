import ast
import json
import shutil
from pathlib import Path

import pytest

from lansbok.data import DEFAULT_DATA_DIR, PROJECT_ROOT, load

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def dataset():
    """The shipped data package, validated once."""
    return load(DEFAULT_DATA_DIR, check=True)


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session (Playwright's sync API allows one at a time)."""
    from browser import chromium

    with chromium() as instance:
        yield instance


@pytest.fixture
def data_copy(tmp_path) -> Path:
    """A private copy of the shipped data directory, free to break."""
    target = tmp_path / "data"
    shutil.copytree(DEFAULT_DATA_DIR, target)
    return target


def glued_figures(path: Path) -> dict:
    """The figures an executed page glued: indicator id -> value and status."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            if output.get("metadata", {}).get("scrapbook", {}).get("name") == "figures":
                return ast.literal_eval(output["data"]["application/papermill.record/text/plain"])
    raise AssertionError(f"no glued figures in {path}")


def edit_csv(path: Path, old: str, new: str, count: int = 1) -> None:
    """Replace text in a CSV, failing loudly if the text is not there."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def copy_book_source(target: Path) -> None:
    """The book's sources (configuration, chapters, templates, static files) in a temporary
    root, for a small book built in a test; data and generated pages are not copied."""
    for name in ("_config.yml", "chapters", "notebooks", "_static", "_templates"):
        source = PROJECT_ROOT / name
        if source.is_dir():
            # The chart bundle is written by the build itself.
            shutil.copytree(source, target / name, ignore=shutil.ignore_patterns("lansbok-vega.js"))
        else:
            shutil.copy(source, target / name)


# A sample of the municipality pages `lansbok book --kommuner` adds (all 290 would take the
# tests past their time): Malmö, Region Gotland (its county's only municipality) and Kiruna.
BOOK_MUNICIPALITIES = ("1280", "0980", "2584")


@pytest.fixture(scope="session")
def book_root(tmp_path_factory) -> Path:
    """The whole book, Riket and every county as `lansbok book` builds it, with the pages of
    BOOK_MUNICIPALITIES as `lansbok book --kommun 1280 --kommun 0980 --kommun 2584` adds them,
    built once from this tree's sources and the shipped data in a temporary root. Tests read
    its `_build/html`, `generated/` and `_toc.yml`, never the checkout's."""
    from lansbok.book import build
    from lansbok.geography import resolve_municipality

    root = tmp_path_factory.mktemp("book")
    copy_book_source(root)
    table = load(DEFAULT_DATA_DIR).table("municipalities")
    sample = [resolve_municipality(code, table) for code in BOOK_MUNICIPALITIES]
    build(root=root, progress=False, municipalities=sample)
    return root


def pytest_collection_modifyitems(items):
    """A test that uses Chromium is a browser test, one that reads the built book a book test
    (see the tiers in pyproject.toml)."""
    for item in items:
        fixtures = getattr(item, "fixturenames", ())
        if "browser" in fixtures:
            item.add_marker(pytest.mark.browser)
        if "book_root" in fixtures:
            item.add_marker(pytest.mark.book)


# What the tests must leave as it was in the checkout: the build products and the sources they
# are made from. A test builds, executes and writes in temporary folders only.
WATCHED = ("generated", "_build", "_toc.yml", "data", "_static", "notebooks", "chapters")
UNWATCHED = {"__pycache__", ".ipynb_checkpoints"}
CHECKOUT = pytest.StashKey[dict]()  # checkout -> its state when the session started
CHECKOUT_CHANGES = pytest.StashKey[list]()


def checkout_state(root: Path) -> dict[str, tuple[int, int] | None]:
    """The watched paths under root, each file and folder with its modification time and size
    (a stat, no hashing: _build has thousands of files), and the names at the top of root (a
    stray file written to the working directory)."""
    state: dict[str, tuple[int, int] | None] = {
        path.name: None for path in root.iterdir() if not path.name.startswith(".")
    }
    for name in WATCHED:
        top = root / name
        paths = [top, *top.rglob("*")] if top.is_dir() else [top]
        for path in paths:
            if UNWATCHED.intersection(path.relative_to(root).parts):
                continue
            try:
                stat = path.lstat()
            except FileNotFoundError:
                continue
            state[path.relative_to(root).as_posix()] = (stat.st_mtime_ns, stat.st_size)
    return state


def checkout_changes(before: dict, after: dict) -> list[str]:
    added = sorted(after.keys() - before.keys())
    removed = sorted(before.keys() - after.keys())
    changed = sorted(k for k in before.keys() & after.keys() if before[k] != after[k])
    lines = []
    for label, paths in (("added", added), ("removed", removed), ("changed", changed)):
        lines += [f"  {label}: {path}" for path in paths[:10]]
        if len(paths) > 10:
            lines.append(f"  ... and {len(paths) - 10} more {label}")
    return lines


def _checkouts(config) -> list[Path]:
    # The checkout the package writes to by default, and the one pytest runs in.
    return sorted({PROJECT_ROOT.resolve(), config.rootpath.resolve()})


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session):
    """Record the checkout before anything is collected or run (once, not in xdist workers)."""
    if hasattr(session.config, "workerinput"):
        return
    session.config.stash[CHECKOUT] = {
        root: checkout_state(root) for root in _checkouts(session.config)
    }


def pytest_sessionfinish(session):
    """Fail the session when the tests changed the checkout."""
    before = session.config.stash.get(CHECKOUT, None)
    if before is None:
        return
    problems = []
    for root, state in before.items():
        lines = checkout_changes(state, checkout_state(root))
        if lines:
            problems += [f"{root}:", *lines]
    if problems:
        session.config.stash[CHECKOUT_CHANGES] = problems
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, config):
    problems = config.stash.get(CHECKOUT_CHANGES, None)
    if problems:
        terminalreporter.section("the checkout was changed during the tests", sep="!", red=True)
        terminalreporter.write_line(
            "Tests must build and write in temporary folders (see book_root and data_copy in "
            "tests/conftest.py), never in the checkout's generated/, _build/, _toc.yml or data/:",
            red=True,
        )
        for line in problems:
            terminalreporter.write_line(line)
