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


def pytest_collection_modifyitems(items):
    """A test that uses Chromium is a browser test (see the tiers in pyproject.toml)."""
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)
