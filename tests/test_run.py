"""The papermill runner: cache, selective re-execution, failures, atomic outputs."""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import nbformat
import pytest
from conftest import edit_csv
from typer.testing import CliRunner

from lansbok.cli import app
from lansbok.data import DEFAULT_DATA_DIR, load
from lansbok.geography import RIKET, resolve
from lansbok.run import TEMPLATES_DIR, run

pytestmark = pytest.mark.notebooks

runner = CliRunner()
COUNTIES = load(DEFAULT_DATA_DIR).table("counties")
SKANE, VG = resolve("12", COUNTIES), resolve("14", COUNTIES)


def labels(jobs):
    return sorted((job.geo.code, job.section) for job in jobs)


def test_second_run_executes_nothing(tmp_path):
    out = tmp_path / "generated"
    first = run([SKANE], ["tia"], out_dir=out, progress=False)
    assert first.ok and labels(first.executed) == [("12", "tia")]
    second = run([SKANE], ["tia"], out_dir=out, progress=False)
    assert second.executed == [] and labels(second.reused) == [("12", "tia")]
    page = nbformat.read(out / "2024" / "12" / "tia.ipynb", as_version=4)
    assert page.cells[0].source.startswith("# Tidiga insatser för asylsökande (TIA) – Skåne län")
    hidden = [
        c
        for c in page.cells
        if {"parameters", "injected-parameters"} & set(c.metadata.get("tags", []))
    ]
    assert hidden and all("remove-cell" in c.metadata["tags"] for c in hidden)
    # The table of contents is the book's: a run into another folder writes nothing outside it.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["generated"]


def test_a_county_data_change_re_executes_that_county_and_riket(tmp_path, data_copy):
    out = tmp_path / "generated"
    geos = [RIKET, SKANE, VG]
    assert run(geos, ["tia"], data_dir=data_copy, out_dir=out, progress=False).ok
    # Move one Skåne project to another kind of organisation: national totals stay the same.
    path = data_copy / "tia_grants.csv"
    line = next(row for row in path.read_text().splitlines() if row.startswith("2024,TIA-12-001,"))
    other = "kommun" if ",studieförbund," in line else "studieförbund"
    edit_csv(path, line, line.replace(line.split(",")[3], other))
    again = run(geos, ["tia"], data_dir=data_copy, out_dir=out, progress=False)
    assert labels(again.executed) == [("12", "tia"), ("SE", "tia")]
    assert labels(again.reused) == [("14", "tia")]


def test_force_re_executes(tmp_path):
    out = tmp_path / "generated"
    run([VG], ["so"], out_dir=out, progress=False)
    forced = run([VG], ["so"], out_dir=out, force=True, progress=False)
    assert labels(forced.executed) == [("14", "so")]


def test_a_failing_notebook_is_reported_and_the_others_run(tmp_path):
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES_DIR, templates)
    notebook = nbformat.read(templates / "so.ipynb", as_version=4)
    notebook.cells.append(
        nbformat.v4.new_code_cell('if lan == "12":\n    raise ValueError("trasig data i Skåne")')
    )
    nbformat.write(notebook, templates / "so.ipynb")
    out = tmp_path / "generated"
    args = [
        "run",
        "--lan",
        "12",
        "--lan",
        "14",
        "--section",
        "so",
        "--out",
        str(out),
        "--templates",
        str(templates),
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert "FAILED Skåne län (12) / so" in result.output
    assert "ValueError: trasig data i Skåne" in result.output
    assert "executed 1, reused 0, failed 1" in result.output
    assert (out / "2024" / "14" / "so.ipynb").exists() and not (
        out / "2024" / "12" / "so.ipynb"
    ).exists()


def test_unknown_county_writes_nothing(tmp_path):
    out = tmp_path / "generated"
    result = runner.invoke(app, ["run", "--lan", "Atlantis", "--out", str(out)])
    assert result.exit_code == 2
    assert "unknown county 'Atlantis'" in result.output and "12 Skåne län (M)" in result.output
    assert not out.exists()


def test_an_interrupted_run_is_repaired_by_the_next(tmp_path, monkeypatch):
    out, scratch = tmp_path / "generated", tmp_path / "tmp"
    scratch.mkdir()
    command = [
        sys.executable,
        "-m",
        "lansbok.cli",
        "run",
        "--lan",
        "12",
        "--lan",
        "14",
        "--section",
        "reception",
        "--section",
        "minors",
        "--jobs",
        "2",
        "--out",
        str(out),
    ]
    process = subprocess.Popen(
        command,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "TMPDIR": str(scratch)},
    )
    # Pages are executed in the run's temporary folder, never in the output folder.
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not list(scratch.glob("lansbok-run-*/*-reception-*")):
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)  # as hard as a kill can be: no clean-up runs
    process.wait()
    monkeypatch.setenv("TMPDIR", str(scratch))
    monkeypatch.setattr(tempfile, "tempdir", None)  # read TMPDIR afresh
    report = run([SKANE, VG], ["reception", "minors"], out_dir=out, progress=False)
    assert report.ok and len(report.executed) + len(report.reused) == 4
    assert list(scratch.iterdir()) == []  # the killed run's temporary folder is removed
    assert not [p for p in out.rglob(".*") if p.is_file()]
    for path in out.rglob("*.ipynb"):
        assert json.loads(path.read_text())["metadata"]["lansbok"]["cache_key"]


def test_unknown_section_lists_the_valid_ones(tmp_path):
    out = tmp_path / "generated"
    result = runner.invoke(app, ["run", "--lan", "12", "--section", "nope", "--out", str(out)])
    assert result.exit_code == 2
    assert "unknown section ['nope']" in result.output and "comparisons" in result.output
    assert not out.exists()
