"""Bad arguments, templates and output folders for `lansbok run`: each a clear message and an
exit code before anything is executed; faults inside a page leave no process and no stray file;
the output folder is the command's own (it deletes nothing it did not create and writes nothing
outside it); a page's cache entry covers the download it wrote."""

import hashlib
import json
import os
import re
import shutil
import signal
from pathlib import Path

import nbformat
import psutil
import pytest
from typer.testing import CliRunner

from lansbok.cli import app
from lansbok.data import DEFAULT_DATA_DIR, load
from lansbok.geography import resolve
from lansbok.run import TEMPLATES_DIR, RunError, run

pytestmark = pytest.mark.notebooks

runner = CliRunner()
SKANE = resolve("12", load(DEFAULT_DATA_DIR).table("counties"))


def invoke(*args: str):
    return runner.invoke(app, ["run", *args])


def squeezed(text: str) -> str:
    """Text without spaces and box edges: Typer wraps its error messages in a box."""
    return re.sub(r"[\s│]+", "", text)


def kernels_of_this_process() -> set[int]:
    return {
        p.pid
        for p in psutil.Process().children(recursive=True)
        if "ipykernel" in " ".join(p.cmdline())
    }


# --- arguments -----------------------------------------------------------------------------


@pytest.mark.parametrize("jobs", ["0", "-3"])
def test_jobs_below_one_is_refused(tmp_path, jobs):
    result = invoke("--lan", "12", "--jobs", jobs, "--out", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert "Invalid value for '--jobs': Input should be greater than or equal to 1" in result.output
    assert not (tmp_path / "out").exists()


def test_jobs_below_one_is_refused_by_the_library_too(tmp_path):
    with pytest.raises(RunError, match="--jobs must be 1 or more, not 0"):
        run([SKANE], ["tia"], out_dir=tmp_path / "out", jobs=0, progress=False)
    assert not (tmp_path / "out").exists()


def test_a_timeout_of_zero_is_refused(tmp_path):
    # papermill reads 0 as "no timeout at all": a cell could then hang for ever
    result = invoke("--lan", "12", "--timeout", "0", "--out", str(tmp_path / "out"))
    assert result.exit_code == 2 and "--timeout" in result.output
    with pytest.raises(RunError, match="--timeout"):
        run([SKANE], ["tia"], out_dir=tmp_path / "out", timeout=0, progress=False)


@pytest.mark.parametrize("html", [False, True])
def test_a_page_for_riket_only_asked_for_a_county_is_a_clear_error(tmp_path, html):
    args = ["--section", "comparisons", "--lan", "12", "--out", str(tmp_path / "out")]
    if html:
        args += ["--html", str(tmp_path / "html")]
    result = invoke(*args)
    assert result.exit_code == 2
    assert "error: section comparisons is made for Riket (--lan SE) only" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert not (tmp_path / "out").exists() and not (tmp_path / "html").exists()


def test_no_geography_is_a_clear_error(tmp_path):
    result = invoke("--section", "tia", "--out", str(tmp_path / "out"))
    assert result.exit_code == 2 and "give --lan, --kommun or --all" in result.output


# --- templates -----------------------------------------------------------------------------


@pytest.fixture
def templates(tmp_path) -> Path:
    target = tmp_path / "templates"
    shutil.copytree(TEMPLATES_DIR, target)
    return target


def invoke_section(section: str, out, templates):
    """`lansbok run --lan 12 --section SECTION --out OUT --templates TEMPLATES`."""
    return invoke(
        "--lan", "12", "--section", section, "--out", str(out), "--templates", str(templates)
    )


def test_a_template_without_a_parameters_cell_is_refused_before_running(tmp_path, templates):
    notebook = nbformat.read(templates / "tia.ipynb", as_version=4)
    for cell in notebook.cells:
        cell.metadata["tags"] = [t for t in cell.metadata.get("tags", []) if t != "parameters"]
    nbformat.write(notebook, templates / "tia.ipynb")
    out = tmp_path / "out"
    result = invoke_section("tia", out, templates)
    assert result.exit_code == 2
    assert f"{templates / 'tia.ipynb'}: no cell is tagged 'parameters'" in result.output
    assert not out.exists()  # nothing executed, nothing written


def test_a_missing_template_names_the_file(tmp_path, templates):
    (templates / "so.ipynb").unlink()
    result = invoke_section("so", tmp_path / "o", templates)
    assert result.exit_code == 2
    assert f"error: {templates / 'so.ipynb'}: template not found" in result.output


def test_a_missing_templates_folder_names_the_file(tmp_path):
    missing = tmp_path / "nowhere"
    result = invoke_section("tia", tmp_path / "o", missing)
    assert result.exit_code == 2
    assert f"{missing / 'tia.ipynb'}: template not found" in result.output


@pytest.mark.parametrize("content", [b"", b"not a notebook", b"\x00\xff\xfe", b'{"cells": 3}'])
def test_a_template_that_is_not_a_notebook_names_the_file(tmp_path, templates, content):
    (templates / "tia.ipynb").write_bytes(content)
    result = invoke_section("tia", tmp_path / "o", templates)
    assert result.exit_code == 2
    assert f"{templates / 'tia.ipynb'}: not a readable notebook" in result.output
    assert "Traceback" not in result.output


# --- output folders ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("/dev/lansbok-test", "dev is a special folder"),
        ("/dev", "dev is a special folder"),
        ("/dev/null", "dev is a special folder"),
        ("/proc/lansbok-test", "proc is a special folder"),
        ("/sys/lansbok-test", "sys is a special folder"),
    ],
)
def test_special_folders_are_refused(target, message):
    result = invoke("--lan", "12", "--section", "tia", "--out", target)
    assert result.exit_code == 2 and message in result.output
    assert not Path("/dev/lansbok-test").exists()


def test_a_missing_parent_folder_is_refused(tmp_path):
    out = tmp_path / "no" / "such" / "out"
    result = invoke("--lan", "12", "--section", "tia", "--out", str(out))
    assert result.exit_code == 2
    assert f"its parent folder {tmp_path / 'no' / 'such'} does not exist" in result.output
    assert not (tmp_path / "no").exists()


def test_a_file_in_place_of_the_folder_is_refused(tmp_path):
    (tmp_path / "out").write_text("mine")
    result = invoke("--lan", "12", "--section", "tia", "--out", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert squeezed(f"Invalid value for '--out': dir '{tmp_path / 'out'}' is a file") in squeezed(
        result.output
    )
    with pytest.raises(RunError, match="exists and is not a folder"):
        run([SKANE], ["tia"], out_dir=tmp_path / "out", progress=False)
    assert (tmp_path / "out").read_text() == "mine"


def test_a_file_in_place_of_the_parent_is_refused(tmp_path):
    (tmp_path / "file").write_text("mine")
    with pytest.raises(RunError, match="does not exist"):
        run([SKANE], ["tia"], out_dir=tmp_path / "file" / "out", progress=False)


def test_an_html_folder_that_cannot_be_written_is_refused_before_running(tmp_path):
    out = tmp_path / "out"
    result = invoke("--lan", "12", "--section", "tia", "--out", str(out), "--html", "/proc/x")
    assert result.exit_code == 2 and "--html /proc/x: proc is a special folder" in result.output
    assert not out.exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through permissions")
def test_a_write_protected_folder_is_refused(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    out.chmod(0o500)
    try:
        result = invoke("--lan", "12", "--section", "tia", "--out", str(out))
    finally:
        out.chmod(0o700)
    assert result.exit_code == 2 and "cannot write there (Permission denied)" in result.output


def test_a_read_only_file_system_is_refused(tmp_path):
    # /proc/self/fd is a folder, writable by no one, not even root
    with pytest.raises(RunError, match="special folder"):
        run([SKANE], ["tia"], out_dir=Path("/proc/self/fd"), progress=False)


def test_the_output_folder_keeps_what_is_not_the_runners(tmp_path):
    out = tmp_path / "out"
    (out / "2024" / "12").mkdir(parents=True)
    theirs = {
        out / ".notes.tmp-1": "a",
        out / "2024" / "12" / ".tia.ipynb.tmp-123": "b",  # looked like a leftover to the old runner
        out / "2024" / "12" / ".so.tmp-4.ipynb": "c",
        out / "2024" / "12" / "keep.csv": "d",
        out / "deep" / "x" / ".y.tmp-z": "e",
    }
    for path, text in theirs.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    leftover = (
        out / "2024" / "12" / ".tia.ipynb.k3j_9x2a"
    )  # what an atomic write killed half-way leaves
    leftover.write_text("{")
    before = sorted(p.name for p in tmp_path.iterdir())
    report = run([SKANE], ["tia"], out_dir=out, progress=False)
    assert report.ok
    for path, text in theirs.items():
        assert path.read_text() == text
    assert not leftover.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing beside the folder
    assert not (out / "_toc.yml").exists() and not (out / "2024" / "12" / "index.md").exists()


# --- the cache covers the download ---------------------------------------------------------


def test_a_deleted_or_edited_download_is_rewritten(tmp_path):
    out = tmp_path / "out"
    assert run([SKANE], ["tia"], out_dir=out, progress=False).ok
    download = out / "2024" / "12" / "tia.csv"
    original = download.read_bytes()
    recorded = json.loads((out / "2024" / "12" / "tia.ipynb").read_text())["metadata"]["lansbok"][
        "files"
    ]
    workbook = (out / "2024" / "12" / "tia.xlsx").read_bytes()
    assert recorded == {
        "tia.csv": hashlib.sha256(original).hexdigest(),
        "tia.xlsx": hashlib.sha256(workbook).hexdigest(),
    }

    download.unlink()
    again = run([SKANE], ["tia"], out_dir=out, progress=False)
    assert len(again.executed) == 1 and download.read_bytes() == original

    download.write_bytes(original.replace(b"\n", b"\n=1+1,", 1))
    again = run([SKANE], ["tia"], out_dir=out, progress=False)
    assert len(again.executed) == 1 and download.read_bytes() == original

    assert run([SKANE], ["tia"], out_dir=out, progress=False).executed == []


def test_a_page_without_a_record_of_its_files_is_executed_again(tmp_path):
    out = tmp_path / "out"
    assert run([SKANE], ["tia"], out_dir=out, progress=False).ok
    page = out / "2024" / "12" / "tia.ipynb"
    notebook = json.loads(page.read_text())
    del notebook["metadata"]["lansbok"]["files"]  # as a page of an older runner
    page.write_text(json.dumps(notebook))
    assert len(run([SKANE], ["tia"], out_dir=out, progress=False).executed) == 1


# --- faults inside a page ------------------------------------------------------------------


def _add_cell(templates: Path, section: str, source: str) -> None:
    notebook = nbformat.read(templates / f"{section}.ipynb", as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell(source))
    nbformat.write(notebook, templates / f"{section}.ipynb")


def test_a_hanging_cell_times_out_and_its_kernel_ends(tmp_path, templates):
    _add_cell(templates, "so", "import time\ntime.sleep(300)")
    before = kernels_of_this_process()
    report = run(
        [SKANE],
        ["so"],
        out_dir=tmp_path / "out",
        templates_dir=templates,
        timeout=3,
        progress=False,
    )
    assert len(report.failures) == 1
    assert "timed out" in report.failures[0][1].lower() or "Timeout" in report.failures[0][1]
    assert kernels_of_this_process() <= before
    assert not (tmp_path / "out" / "2024" / "12" / "so.ipynb").exists()


def test_a_worker_that_dies_is_reported_and_takes_its_kernel_with_it(tmp_path, templates):
    # The page's kernel kills the worker that started it: the worker's death is reported, the
    # kernel dies with it (parent-death signal), and no half page is left.
    _add_cell(templates, "so", f"import os\nos.kill(os.getppid(), {int(signal.SIGKILL)})")
    result = invoke_section("so", tmp_path / "out", templates)
    assert result.exit_code == 1
    assert "FAILED Skåne län (12) / so" in result.output
    assert "terminated abruptly" in result.output
    assert not list((tmp_path / "out").rglob("*.ipynb"))
    assert kernels_of_this_process() == set()


def test_a_page_that_writes_extra_files_has_them_written_and_recorded(tmp_path, templates):
    _add_cell(
        templates, "tia", "open('extra.txt', 'w').write('x')\nopen('.hidden', 'w').write('y')"
    )
    out = tmp_path / "out"
    assert run([SKANE], ["tia"], out_dir=out, templates_dir=templates, progress=False).ok
    assert (out / "2024" / "12" / "extra.txt").read_text() == "x"
    assert not (
        out / "2024" / "12" / ".hidden"
    ).exists()  # hidden files are the kernel's own, not pages'
    files = json.loads((out / "2024" / "12" / "tia.ipynb").read_text())["metadata"]["lansbok"][
        "files"
    ]
    assert sorted(files) == ["extra.txt", "tia.csv", "tia.xlsx"]
