"""Loading and validation of the data package: the one place that reads data/.

`data/datapackage.json` is the single description of every table: its fields and types, keys,
enumerations, provenance and `status` (official or sample). Validation is done by frictionless
against that descriptor (types, required fields, constraints, primary and foreign keys), plus the
package's own `lansbok:totals` rules (a column's sum must equal a published figure).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATA_DIR = Path(os.environ.get("LANSBOK_DATA", PROJECT_ROOT / "data"))
DESCRIPTOR = "datapackage.json"
YEAR = 2024  # the year the book's tables cover

_PANDAS_TYPES = {"string": "string", "date": "string", "number": "float64", "boolean": "boolean"}


@dataclass(frozen=True)
class Problem:
    """One problem in one place of one file, for a person to fix."""

    file: str
    message: str
    row: int | None = None  # the file's line number, header = 1
    column: str | None = None

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column:
            where += f", column {self.column!r}"
        return f"{where}: {self.message}"


class DataError(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def read_descriptor(data_dir: Path = DEFAULT_DATA_DIR) -> dict[str, Any]:
    path = Path(data_dir) / DESCRIPTOR
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise DataError([Problem(str(path), "no data package descriptor here")]) from exc
    except json.JSONDecodeError as exc:
        raise DataError([Problem(str(path), f"invalid JSON: {exc}", exc.lineno)]) from exc


def read_table(data_dir: Path, resource: dict[str, Any]) -> pd.DataFrame:
    """Read one resource's CSV with the pandas types its Table Schema declares."""
    dtypes = {}
    for spec in resource["schema"]["fields"]:
        kind = spec.get("type", "string")
        if kind == "integer":
            required = spec.get("constraints", {}).get("required", False)
            dtypes[spec["name"]] = "int64" if required else "Int64"
        else:
            dtypes[spec["name"]] = _PANDAS_TYPES.get(kind, "string")
    path = Path(data_dir) / resource["path"]
    frame = pd.read_csv(path, dtype=dtypes, keep_default_na=False, na_values=[""])
    return frame


@dataclass
class Dataset:
    """The tables of one data directory, loaded lazily, each with its resource metadata."""

    data_dir: Path
    descriptor: dict[str, Any]
    _tables: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)

    @cached_property
    def resources(self) -> dict[str, dict[str, Any]]:
        return {r["name"]: r for r in self.descriptor["resources"]}

    def table(self, name: str) -> pd.DataFrame:
        if name not in self._tables:
            self._tables[name] = read_table(self.data_dir, self.resources[name])
        return self._tables[name]

    def status(self, name: str) -> str:
        return self.resources[name]["status"]


def load(data_dir: Path | str = DEFAULT_DATA_DIR, *, check: bool = False) -> Dataset:
    """Open a data directory. With check=True, validate it first and raise DataError."""
    data_dir = Path(data_dir)
    if check:
        problems = validate(data_dir)
        if problems:
            raise DataError(problems)
    return Dataset(data_dir, read_descriptor(data_dir))


def validate(data_dir: Path | str = DEFAULT_DATA_DIR) -> list[Problem]:
    """Every problem of the package, schema problems first, then the totals rules."""
    from frictionless import Package, system  # slow import, only needed here

    data_dir = Path(data_dir)
    descriptor = read_descriptor(data_dir)
    with system.use_context(trusted=True):
        package = Package(descriptor, basepath=str(data_dir))
        report = package.validate()
    problems = []
    for task in report.tasks:
        for error in task.errors:
            problems.append(_problem_from_frictionless(data_dir, task.place, error))
    for error in report.errors:
        problems.append(Problem(str(data_dir / DESCRIPTOR), error.message))
    if problems:  # sums of broken tables would only repeat the same problems
        return problems
    return check_totals(Dataset(data_dir, descriptor))


def _problem_from_frictionless(data_dir: Path, place: str, error: Any) -> Problem:
    """Say what is wrong in a person's words; frictionless gives the place."""
    row = getattr(error, "row_number", None)
    column = getattr(error, "field_name", None)
    cell = getattr(error, "cell", None)
    messages = {
        "type-error": f"value {cell!r} is not of the column's type ({error.note})",
        "constraint-error": f"value {cell!r} breaks a rule of the column: {error.note}",
        "missing-cell": "the row has no value for this column",
        "extra-cell": f"the row has an extra value {cell!r}",
        "missing-label": "the column is missing from the header",
        "extra-label": f"extra column {getattr(error, 'label', '')!r} in the header",
        "incorrect-label": f"header has {getattr(error, 'label', '')!r} in this column's place",
        "duplicate-label": "the column name appears twice in the header",
        "primary-key": "duplicate key: "
        + re.sub(r"the same as in the row at position (\d+)", r"same key as row \1", error.note),
        "blank-row": "the row is empty",
    }
    if error.type == "foreign-key":
        column = ", ".join(error.field_names)
        values = ", ".join(map(repr, error.field_cells))
        message = f"unknown code {values}: not in {error.reference_name}"
    else:
        message = messages.get(error.type, f"{error.title}: {error.note or error.message}")
    return Problem(str(data_dir / place), message, row, column)


def check_totals(dataset: Dataset) -> list[Problem]:
    """`lansbok:totals`: a column summed (over rows matching `where`, per group `by`) must equal
    a value in another resource (the row matching `where` and the same group keys)."""
    problems = []
    for name, resource in dataset.resources.items():
        for rule in resource.get("lansbok:totals", []):
            problems += _check_total(dataset, name, rule)
    return problems


def _select(frame: pd.DataFrame, where: dict[str, Any] | None) -> pd.DataFrame:
    for column, value in (where or {}).items():
        frame = frame[frame[column] == value]
    return frame


def _check_total(dataset: Dataset, name: str, rule: dict[str, Any]) -> list[Problem]:
    target = rule["equals"]
    by = rule.get("by", [])
    rows = _select(dataset.table(name), rule.get("where"))
    expected = _select(dataset.table(target["resource"]), target.get("where"))
    file = str(dataset.data_dir / dataset.resources[name]["path"])
    scope = ", ".join(f"{k}={v}" for k, v in rule.get("where", {}).items()) or "all rows"
    problems = []
    if by:
        sums = rows.groupby(by)[rule["field"]].sum()
        wanted = expected.set_index(by)[target["field"]]
        for key, total in sums.items():
            key = key if isinstance(key, tuple) else (key,)
            group = ", ".join(f"{k}={v}" for k, v in zip(by, key, strict=True))
            if key not in wanted.index:
                message = f"no {target['resource']} total for {group}"
            elif total != wanted.loc[key]:
                message = (
                    f"sum over {group} is {total}, but {target['resource']} says {wanted.loc[key]}"
                )
            else:
                continue
            problems.append(Problem(file, message, column=rule["field"]))
    else:
        label = target.get("where", {}).get("indicator_id", target["resource"])
        if expected.empty:
            return [
                Problem(file, f"no national total {label} to check against", column=rule["field"])
            ]
        total, wanted = rows[rule["field"]].sum(), expected[target["field"]].iloc[0]
        if total != wanted:
            problems.append(
                Problem(
                    file,
                    f"sum over {scope} is {total}, but the national total ({label}) is {wanted:g}",
                    column=rule["field"],
                )
            )
    return problems


def atomic_write(target: Path, text: str | bytes) -> None:
    """Write beside the target and rename: a reader never sees half a file, and a failure
    leaves the old file in place. Identical content is not rewritten, so that incremental
    builds see the file as unchanged."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    if target.exists() and target.read_bytes() == data:
        return
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes files private; these are not
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
