"""The papermill runner: cache, selective re-execution, failures, atomic outputs."""

import ast
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from conftest import edit_csv
from typer.testing import CliRunner

from lansbok.cli import app
from lansbok.data import DEFAULT_DATA_DIR, load
from lansbok.geography import RIKET, resolve
from lansbok.run import TEMPLATES_DIR, run

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
    page = nbformat.read(out / "12" / "tia.ipynb", as_version=4)
    assert page.cells[0].source.startswith("# Tidiga insatser för asylsökande (TIA) – Skåne län")
    hidden = [
        c
        for c in page.cells
        if {"parameters", "injected-parameters"} & set(c.metadata.get("tags", []))
    ]
    assert hidden and all("remove-cell" in c.metadata["tags"] for c in hidden)
    toc = (tmp_path / "_toc.yml").read_text()
    assert "generated/12/tia" in toc


def test_a_county_data_change_re_executes_that_county_and_riket(tmp_path, data_copy):
    out = tmp_path / "generated"
    geos = [RIKET, SKANE, VG]
    assert run(geos, ["tia"], data_dir=data_copy, out_dir=out, progress=False).ok
    # Move one Skåne project to another kind of organisation: national totals stay the same.
    path = data_copy / "tia_grants_2024.csv"
    line = next(row for row in path.read_text().splitlines() if row.startswith("TIA-12-001,"))
    other = "kommun" if ",studieförbund," in line else "studieförbund"
    edit_csv(path, line, line.replace(line.split(",")[2], other))
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
    assert (out / "14" / "so.ipynb").exists() and not (out / "12" / "so.ipynb").exists()


def test_unknown_county_writes_nothing(tmp_path):
    out = tmp_path / "generated"
    result = runner.invoke(app, ["run", "--lan", "Atlantis", "--out", str(out)])
    assert result.exit_code == 2
    assert "unknown county 'Atlantis'" in result.output and "12 Skåne län (M)" in result.output
    assert not out.exists()


def test_an_interrupted_run_is_repaired_by_the_next(tmp_path):
    out = tmp_path / "generated"
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
        command, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not list(out.rglob(".*.tmp-*")):
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)  # as hard as a kill can be: no clean-up runs
    process.wait()
    report = run([SKANE, VG], ["reception", "minors"], out_dir=out, progress=False)
    assert report.ok and len(report.executed) + len(report.reused) == 4
    assert not list(out.rglob(".*.tmp-*"))
    for path in out.rglob("*.ipynb"):
        assert json.loads(path.read_text())["metadata"]["lansbok"]["cache_key"]


@pytest.fixture(scope="session")
def everything(tmp_path_factory):
    """Every section for Riket and the 21 counties, executed once."""
    out = tmp_path_factory.mktemp("book") / "generated"
    report = run(
        [RIKET, *[resolve(c, COUNTIES) for c in COUNTIES["county_code"]]],
        out_dir=out,
        progress=False,
    )
    return out, report


def glued(path: Path) -> dict:
    notebook = json.loads(path.read_text())
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            if output.get("metadata", {}).get("scrapbook", {}).get("name") == "figures":
                return ast.literal_eval(output["data"]["application/papermill.record/text/plain"])
    raise AssertionError(f"no glued figures in {path}")


def test_every_section_runs_for_riket_and_every_county(everything):
    out, report = everything
    assert report.ok, report.failures
    assert len(report.executed) == 22 * 5
    toc = (out.parent / "_toc.yml").read_text()
    for code in [*COUNTIES["county_code"], "SE"]:
        for section in ("reception", "minors", "tia", "s37a", "so"):
            assert f"generated/{code}/{section}" in toc


def test_riket_glue_equals_the_summary(everything):
    out, _ = everything
    figures = {}
    for section in ("reception", "minors", "so"):
        figures.update(glued(out / "SE" / f"{section}.ipynb"))
    assert figures["newly_arrived_received_by_municipalities"]["value"] == 32866
    assert round(figures["newly_arrived_share_women"]["value"]) == 58
    assert round(figures["newly_arrived_share_ukrainian"]["value"]) == 83
    assert figures["uam_assignments_total"]["value"] == 497
    assert figures["uam_assignment_municipalities"]["value"] == 183
    assert round(figures["uam_assignments_share_anknytning"]["value"]) == 72
    assert figures["est_participants_women"]["value"] == 6731
    assert figures["tp_enrolled_valid_permit"]["value"] == 17505
    assert round(figures["so_survey_response_rate"]["value"]) == 90
    assert all(f["status"] == "sample" for f in figures.values())
