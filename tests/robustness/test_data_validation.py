"""Validation is complete and closed: a broken or hostile data package is refused by `validate`
with a message naming file, row and column, before anything reads outside data/, and what passes
`validate` is what `figures`, `run` and `book` can read."""

import json
import os
import threading
from pathlib import Path

import pytest
from conftest import edit_csv
from typer.testing import CliRunner

from lansbok.cli import app
from lansbok.data import DESCRIPTOR, MAX_PROBLEMS, DataError, load, validate

runner = CliRunner()


def descriptor(data_dir: Path) -> dict:
    return json.loads((data_dir / DESCRIPTOR).read_text(encoding="utf-8"))


def write_descriptor(data_dir: Path, value) -> None:
    (data_dir / DESCRIPTOR).write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")


def edit_resource(data_dir: Path, name: str, change) -> None:
    value = descriptor(data_dir)
    [resource] = [r for r in value["resources"] if r["name"] == name]
    change(resource)
    write_descriptor(data_dir, value)


def set_path(path):
    return lambda resource: resource.__setitem__("path", path)


def messages(data_dir: Path) -> list[str]:
    """Problems validate returns, or the one it raises for a descriptor it cannot read."""
    try:
        return [str(p) for p in validate(data_dir)]
    except DataError as error:
        return [str(p) for p in error.problems]


# --- the descriptor's structure ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ([], "the descriptor is a JSON list, not an object"),
        ("lansbok", "the descriptor is a JSON str, not an object"),
        ({"name": "lansbok"}, "no 'resources' list"),
        ({"name": "lansbok", "resources": []}, "no 'resources' list"),
        ({"name": "lansbok", "resources": {"counties": {}}}, "no 'resources' list"),
    ],
)
def test_descriptor_that_is_not_a_package(data_copy, value, message):
    write_descriptor(data_copy, value)
    assert [m for m in messages(data_copy) if message in m]
    result = runner.invoke(app, ["validate", "--data", str(data_copy)])
    assert result.exit_code == 1 and message in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def remove(key):
    return lambda resource: resource.pop(key)


@pytest.mark.parametrize(
    ("name", "change", "message"),
    [
        ("so_survey", remove("status"), "'so_survey' has no 'status'"),
        (
            "tia_grants",
            lambda r: r.update(status="draft"),
            "'status' is 'draft'; it must be 'official' or 'sample'",
        ),
        ("lanstal", remove("schema"), "'lanstal' has no inline Table Schema"),
        (
            "lanstal",
            lambda r: r.update(schema="https://example.org/schema.json"),
            "'lanstal' has no inline Table Schema",
        ),
        (
            "counties",
            lambda r: r["schema"]["fields"][6].update(type="string"),
            "field 'municipalities' is of type 'string'; the book reads it as 'integer'",
        ),
        (
            "lanstal",
            lambda r: r.update(dialect={"delimiter": ";"}),
            "'lanstal' has a 'dialect'",
        ),
        ("lanstal", lambda r: r.update(encoding="utf-16"), "encoding 'utf-16'"),
        (
            "lanstal",
            lambda r: r.update(profile="https://example.org/profile.json"),
            "profile 'https://example.org/profile.json' is not a known profile name",
        ),
        ("lanstal", lambda r: r.update(data=[["a"]]), "has inline 'data'"),
        ("reception", remove("method"), "sample data with no 'method'"),
        ("counties", remove("producer"), "'counties' has no 'producer'"),
        ("counties", lambda r: r.update(licenses=[]), "'licenses' must be a non-empty list"),
    ],
)
def test_resource_descriptor_problems(data_copy, name, change, message):
    edit_resource(data_copy, name, change)
    found = messages(data_copy)
    assert any(message in m for m in found), found
    assert all(m.startswith(str(data_copy / DESCRIPTOR)) for m in found)
    # What validate refuses, figures refuses too, with the same message and no traceback.
    result = runner.invoke(app, ["figures", "--data", str(data_copy)])
    assert result.exit_code == 1 and message in result.output
    assert not isinstance(result.exception, KeyError)


def test_a_field_the_code_reads_removed_from_schema_and_file(data_copy):
    edit_resource(data_copy, "so_survey", lambda r: r["schema"]["fields"].pop())
    path = data_copy / "so_survey.csv"
    lines = path.read_text().splitlines()
    path.write_text("\n".join(line.rsplit(",", 1)[0] for line in lines) + "\n")
    assert messages(data_copy) == [
        f"{data_copy / DESCRIPTOR}: resource 'so_survey' has no field "
        "'participants_men': the book reads it"
    ]


def test_a_required_resource_removed(data_copy):
    value = descriptor(data_copy)
    value["resources"] = [r for r in value["resources"] if r["name"] != "minors_resettled"]
    write_descriptor(data_copy, value)
    assert messages(data_copy) == [
        f"{data_copy / DESCRIPTOR}: resource 'minors_resettled' is missing: the book reads it"
    ]
    result = runner.invoke(app, ["figures", "--data", str(data_copy)])
    assert result.exit_code == 1 and "is missing" in result.output


def test_a_resource_described_twice_or_not_an_object(data_copy):
    value = descriptor(data_copy)
    value["resources"] += [value["resources"][0], "counties.csv"]
    last = len(value["resources"])  # the string, numbered from 1
    write_descriptor(data_copy, value)
    found = messages(data_copy)
    assert any("resource 'counties' is described twice" in m for m in found)
    assert any(f"resource {last} is not an object with a 'name'" in m for m in found)


# --- paths: relative regular files inside data/, checked before anything opens them -----------


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/etc/passwd", "is absolute"),
        ("/dev/zero", "is absolute"),
        ("../outside.csv", "leads out of the data directory"),
        ("sub/../../outside.csv", "leads out of the data directory"),
        ("https://example.org/counties.csv", "is a URL"),
        ("file:///etc/passwd", "is a URL"),
        ("//example.org/counties.csv", "is a URL"),
        ("C:\\data\\counties.csv", "is a URL"),  # a drive letter reads like a scheme
        ("", "must be the name of a file"),
        (["counties.csv"], "must be the name of a file"),
        ("nowhere.csv", "names no file"),
        (".", "is not a regular file"),
    ],
)
def test_unsafe_resource_paths(data_copy, path, message):
    (data_copy.parent / "outside.csv").write_text("county_code\n01\n")
    edit_resource(data_copy, "counties", set_path(path))
    [problem] = validate(data_copy)
    assert problem.file == str(data_copy / DESCRIPTOR)
    assert f"resource 'counties': path {path!r} {message}" in problem.message
    assert "root:" not in problem.message  # /etc/passwd is never read and quoted back


def test_load_without_check_never_reads_an_unsafe_path(data_copy):
    edit_resource(data_copy, "counties", set_path("/etc/passwd"))
    with pytest.raises(DataError, match="is absolute"):
        load(data_copy)


def test_read_table_refuses_a_path_that_became_unsafe_after_loading(data_copy):
    data = load(data_copy)
    data.resources["counties"]["path"] = "/dev/zero"
    with pytest.raises(DataError, match="is absolute"):
        data.table("counties")  # would grow until memory runs out if it were read


def test_symlinked_file(data_copy, tmp_path):
    target = tmp_path / "passwd.csv"
    target.write_text((data_copy / "counties.csv").read_text())
    (data_copy / "counties.csv").unlink()
    (data_copy / "counties.csv").symlink_to(target)
    [problem] = validate(data_copy)
    assert "goes through a symbolic link (counties.csv)" in problem.message
    with pytest.raises(DataError, match="symbolic link"):
        load(data_copy).table("counties")


def test_symlink_to_a_device(data_copy):
    (data_copy / "counties.csv").unlink()
    (data_copy / "counties.csv").symlink_to("/dev/zero")
    [problem] = validate(data_copy)
    assert "symbolic link" in problem.message


def test_symlinked_directory(data_copy, tmp_path):
    real = tmp_path / "elsewhere"
    real.mkdir()
    (data_copy / "counties.csv").rename(real / "counties.csv")
    (data_copy / "sub").symlink_to(real, target_is_directory=True)
    edit_resource(data_copy, "counties", set_path("sub/counties.csv"))
    [problem] = validate(data_copy)
    assert "goes through a symbolic link (sub)" in problem.message


def test_fifo_is_refused_without_blocking(data_copy):
    (data_copy / "counties.csv").unlink()
    os.mkfifo(data_copy / "counties.csv")
    found = []
    worker = threading.Thread(target=lambda: found.extend(messages(data_copy)), daemon=True)
    worker.start()
    worker.join(30)
    assert not worker.is_alive(), "validate blocked on a FIFO"
    assert any("is not a regular file" in m for m in found), found


def test_descriptor_that_is_a_device(data_copy):
    (data_copy / DESCRIPTOR).unlink()
    (data_copy / DESCRIPTOR).symlink_to("/dev/zero")
    result = runner.invoke(app, ["validate", "--data", str(data_copy)])
    assert result.exit_code == 1
    assert "the descriptor is not a regular file" in result.output


# --- text and counts the Table Schema cannot state ---------------------------------------------


@pytest.mark.parametrize(
    ("file", "old", "new", "row", "column", "message"),
    [
        (
            "counties.csv",
            "Skåne län,",
            "Skåne län\u202e,",
            11,
            "name",
            "U+202E (RIGHT-TO-LEFT OVERRIDE) is not allowed",
        ),
        (
            "counties.csv",
            ",Uppsala,8",
            ",Upp\u2066sala,8",
            3,
            "seat",
            "U+2066 (LEFT-TO-RIGHT ISOLATE)",
        ),
        (
            "municipalities.csv",
            ",Vallentuna,",
            ",Valle\u200fntuna,",
            3,
            "name_short",
            "U+200F (RIGHT-TO-LEFT MARK)",
        ),
        (
            "municipalities.csv",
            "Vallentuna kommun",
            "Vallentuna\x07 kommun",
            3,
            "name",
            "U+0007 (control character)",
        ),
        (
            "municipalities.csv",
            "Vallentuna kommun",
            '"Vallentuna\nkommun"',
            3,
            "name",
            "U+000A (control character)",
        ),
        (
            "counties.csv",
            "Uppsala län,",
            "U" * 101 + ",",
            3,
            "name",
            "text of 101 characters is longer than 100",
        ),
        (
            "counties.csv",
            "Uppsala län,",
            "=HYPERLINK(1),",
            3,
            "name",
            "starts with '=', as a spreadsheet formula does",
        ),
        (
            "municipalities.csv",
            ",Vallentuna,",
            ",@Vallentuna,",
            3,
            "name_short",
            "starts with '@'",
        ),
        (
            "reception.csv",
            "0114,kvinna,0-17,Afghanistan,",
            "0114,kvinna,0-17,Afg\u200bhanistan,",
            2,
            "citizenship",
            "U+200B (ZERO WIDTH SPACE)",
        ),
        (
            "kommunmottagna.csv",
            "2018,0114,abo,",
            "2999,0114,abo,",
            2,
            "year",
            "year 2999 is in the future",
        ),
    ],
)
def test_hostile_or_absurd_text(data_copy, file, old, new, row, column, message):
    edit_csv(data_copy / file, old, new)
    found = validate(data_copy)
    assert any(
        (p.file, p.row, p.column) == (str(data_copy / file), row, column) and message in p.message
        for p in found
    ), [str(p) for p in found]


def test_a_long_statement_is_refused(data_copy):
    path = data_copy / "published_figures.csv"
    edit_csv(path, "Under 2024 sökte 9 625 personer asyl", "x" * 1001)
    [problem] = validate(data_copy)
    assert (problem.row, problem.column) == (2, "statement_sv")
    assert "text of 1033 characters is longer than 1000" in problem.message


def test_stated_number_of_municipalities_is_checked(data_copy):
    edit_csv(data_copy / "counties.csv", "SE-C,Uppsala,8", "SE-C,Uppsala,9")
    [problem] = validate(data_copy)
    assert (problem.file, problem.row, problem.column) == (
        str(data_copy / "counties.csv"),
        3,
        "municipalities",
    )
    assert problem.message == (
        "county 03 states 9 municipalities, but municipalities has 8 rows for it"
    )


def test_output_is_capped_at_a_hundred_problems(data_copy):
    path = data_copy / "municipalities.csv"
    lines = path.read_text().splitlines()
    lines[1:151] = [line.replace(" kommun", "\u202e kommun") for line in lines[1:151]]
    path.write_text("\n".join(lines) + "\n")
    problems = validate(data_copy)
    assert (len(problems), problems.more) == (MAX_PROBLEMS, 50)
    result = runner.invoke(app, ["validate", "--data", str(data_copy)])
    assert result.exit_code == 1
    assert result.output.count("error: ") == MAX_PROBLEMS
    assert "… and 50 more problems" in result.output
    assert "150 problem(s) found." in result.output
