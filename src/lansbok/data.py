"""Loading and validation of the data package: the one place that reads data/.

`data/datapackage.json` is the single description of every table: its fields and types, keys,
enumerations, provenance and `status` (official or sample). Validation is closed: what passes it
is what the rest of the code can read. In order:

1. the descriptor itself (`check_descriptor`): every resource the code reads is there with the
   fields and types it relies on, a status, a schema and the metadata the catalogue shows, and
   its path is a regular file inside the data directory (no absolute path, `..`, URL, symbolic
   link, device or FIFO), checked before anything opens the file;
2. frictionless against the descriptor (types, required fields, constraints, primary and foreign
   keys);
3. the text and counts the Table Schema cannot state (`check_content`): no control or
   bidirectional characters, names of a sane length that do not start as a formula, no year in
   the future, a county's stated number of municipalities equal to its rows;
4. the package's own `lansbok:totals` rules (a column's sum must equal a published figure).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import stat
import tempfile
import unicodedata
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path, PurePosixPath
from typing import Any

import pandas as pd

from lansbok.safe import FORMULA_START

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATA_DIR = Path(os.environ.get("LANSBOK_DATA", PROJECT_ROOT / "data"))
DESCRIPTOR = "datapackage.json"

_PANDAS_TYPES = {"string": "string", "date": "string", "number": "float64", "boolean": "boolean"}
OFFICIAL, SAMPLE = "official", "sample"
# A resource a county board fills in from its own records (lansbok.workbook, county_files).
COUNTY_FILE = "lansbok:county_file"
STATUSES = (OFFICIAL, SAMPLE)
MAX_PROBLEMS = 100  # problems shown; the rest are counted in one line
MAX_DESCRIPTOR_BYTES = 10_000_000

# The one list of resources the code reads (lansbok.sections, sample, run, book, population),
# with the fields and Table Schema types it relies on. A package without one of them, or with
# one of these fields missing or of another type, fails validation instead of raising a
# KeyError in `figures`, `run` or `book`.
REQUIRED_RESOURCES = {
    name: dict(field.split(":") for field in fields.split())
    for name, fields in {
        "counties": "county_code:string name:string name_short:string letter_code:string "
        "iso_3166_2:string seat:string municipalities:integer",
        "municipalities": "municipality_code:string name:string name_short:string "
        "county_code:string",
        "population": "county_code:string year:integer population:integer",
        "population_municipalities": "municipality_code:string year:integer population:integer",
        "indicators": "indicator_id:string section:string unit:string label_sv:string "
        "description_sv:string producer:string",
        "published_figures": "year:integer indicator_id:string statement_sv:string "
        "value:number kind:string rounding_step:number period:string",
        "explained_differences": "year:integer indicator_id:string explanation_sv:string",
        "lanstal": "year:integer version:string sfs:string county_code:string lanstal:integer",
        "assignments_national": "year:integer version:string valid_from:date "
        "national_total:integer source:string",
        "kommunmottagna": "year:integer municipality_code:string category:string "
        "received:integer received_unaccompanied:integer",
        "kommuntal_received": "year:integer municipality_code:string kommuntal:integer "
        "received:integer",
        "asylum_applications_monthly": "month:string applications:integer women:integer "
        "men:integer minors:integer unaccompanied_minors:integer",
        "asylum_seekers": "year:integer total:integer women:integer men:integer "
        "unaccompanied_minors:integer unaccompanied_girls:integer unaccompanied_boys:integer",
        "reception": "municipality_code:string sex:string age_band:string "
        "citizenship:string persons:integer",
        "kommuntal": "municipality_code:string kommuntal_ordinary:integer "
        "kommuntal_temporary_protection:integer",
        "minors_applications": "year:integer basis:string citizenship:string children:integer",
        "minors_assignments": "municipality_code:string basis:string children:integer",
        "minors_resettled": "municipality_code:string children:integer",
        "temporary_protection": "county_code:string extension_applications:integer "
        "extensions_granted:integer registered_december:integer",
        "establishment_participants": "county_code:string sex:string participants:integer",
        "establishment_exits": "county_code:string outcome:string exits:integer",
        "tia_grants": "project_id:string county_code:string organisation_type:string "
        "focus:string grant_sek:integer participants_women:integer participants_men:integer",
        "s37a_grants": "project_id:string municipality_code:string activity:string "
        "partner:string grant_sek:integer participants:integer",
        "so_survey": "municipality_code:string answered:boolean organiser:string "
        "mode:string languages:integer participants_women:integer participants_men:integer",
    }.items()
}

# Names that reach titles, tables of contents and downloads. Real Swedish county and
# municipality names are short and never start with a formula character.
NAME_FIELDS = {
    "counties": ("name", "name_short", "seat"),
    "municipalities": ("name", "name_short"),
}
MAX_NAME = 100
MAX_TEXT = 1000  # any other text cell (the longest statement of the summary is under 300)
# Control characters (C0, DEL, C1), line and paragraph separators, and the invisible
# bidirectional marks, embeddings, overrides and isolates that can make text display as
# something else than it is (the "Trojan Source" characters), zero-width space and BOM.
FORBIDDEN_CHARACTERS = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200b\u200e\u200f\u2028-\u202e\u2060-\u2069\ufeff]"
)


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
    """Problems for a person to fix: the first MAX_PROBLEMS are kept, the rest counted in
    `more` (`more` also adds to any count already given by a collector that stopped early)."""

    def __init__(self, problems: list[Problem], more: int = 0):
        problems = list(problems)
        self.problems = problems[:MAX_PROBLEMS]
        self.more = more + len(problems) - len(self.problems)
        lines = [str(p) for p in self.problems]
        if self.more:
            lines.append(f"… and {self.more} more problems")
        super().__init__("\n".join(lines))

    @property
    def count(self) -> int:
        return len(self.problems) + self.more


class Problems(list):
    """A collector that keeps the first MAX_PROBLEMS problems and counts the rest, so that a
    file with a million bad rows costs no more memory than one with a hundred."""

    def __init__(self) -> None:
        super().__init__()
        self.more = 0

    def add(self, problem: Problem) -> None:
        if len(self) < MAX_PROBLEMS:
            self.append(problem)
        else:
            self.more += 1

    def error(self) -> DataError:
        return DataError(self, self.more)


def read_descriptor(data_dir: Path = DEFAULT_DATA_DIR) -> dict[str, Any]:
    """The descriptor as a JSON object (DataError if it is missing, not a regular file, too
    large, not JSON or not an object)."""
    path = Path(data_dir) / DESCRIPTOR
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise DataError([Problem(str(path), "the descriptor is not a regular file")])
        if info.st_size > MAX_DESCRIPTOR_BYTES:
            raise DataError([Problem(str(path), f"the descriptor is {info.st_size} bytes")])
        descriptor = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise DataError([Problem(str(path), "no data package descriptor here")]) from exc
    except json.JSONDecodeError as exc:
        raise DataError([Problem(str(path), f"invalid JSON: {exc}", exc.lineno)]) from exc
    except (UnicodeDecodeError, OSError) as exc:
        raise DataError([Problem(str(path), f"cannot read the descriptor: {exc}")]) from exc
    if not isinstance(descriptor, dict):
        kind = type(descriptor).__name__
        raise DataError([Problem(str(path), f"the descriptor is a JSON {kind}, not an object")])
    return descriptor


def resource_path(data_dir: Path | str, resource: dict[str, Any]) -> Path:
    """The file of a resource, checked to be a regular file inside the data directory reached
    through no symbolic link (DataError otherwise). Nothing is opened before this check."""
    problems = path_problems(Path(data_dir), resource, must_exist=True)
    if problems:
        raise DataError(problems)
    return Path(data_dir) / resource["path"]


def path_problems(data_dir: Path, resource: dict[str, Any], must_exist: bool) -> list[Problem]:
    """What is wrong with a resource's `path`: only a relative path to a regular file inside
    the data directory is read, so that a descriptor cannot make us read /etc/passwd, a
    device that never ends (/dev/zero), a FIFO that blocks, or a URL."""
    raw = resource.get("path")
    name = resource.get("name", "?")

    def bad(message: str) -> list[Problem]:
        return [Problem(str(data_dir / DESCRIPTOR), f"resource {name!r}: path {raw!r} {message}")]

    if not isinstance(raw, str) or not raw.strip():
        return bad("must be the name of a file in the data directory")
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", raw) or raw.startswith("//"):
        return bad("is a URL; only files in the data directory are read")
    pure = PurePosixPath(raw)
    if pure.is_absolute() or "\\" in raw:
        return bad("is absolute; give it relative to the data directory")
    if ".." in pure.parts:
        return bad("leads out of the data directory ('..')")
    current, info = data_dir, None
    for part in pure.parts:
        current = current / part
        try:
            info = current.lstat()
        except FileNotFoundError:
            return bad("names no file") if must_exist else []
        except OSError as exc:
            return bad(f"cannot be read: {exc.strerror}")
        if stat.S_ISLNK(info.st_mode):
            return bad(f"goes through a symbolic link ({part}); copy the file instead")
    if info is None or not stat.S_ISREG(info.st_mode):
        return bad("is not a regular file (a folder, device or FIFO)")
    return []


def read_table(data_dir: Path, resource: dict[str, Any]) -> pd.DataFrame:
    """Read one resource's CSV with the pandas types and missing values its Table Schema
    declares."""
    dtypes = {}
    for spec in resource["schema"]["fields"]:
        kind = spec.get("type", "string")
        if kind == "integer":
            required = spec.get("constraints", {}).get("required", False)
            dtypes[spec["name"]] = "int64" if required else "Int64"
        else:
            dtypes[spec["name"]] = _PANDAS_TYPES.get(kind, "string")
    path = resource_path(data_dir, resource)
    missing = resource["schema"].get("missingValues", [""])
    return pd.read_csv(path, dtype=dtypes, keep_default_na=False, na_values=missing)


class UndeclaredTable(KeyError):
    """A page read a table its section does not declare: its cache key would miss it."""


@dataclass
class Dataset:
    """The tables of one data directory, loaded lazily, each with its resource metadata.

    `edition(year)` sees the data as one edition (a year of the summary): its tables end with
    that year (rows of later years are not there), so that a page cannot show, nor its cache key
    cover, what a later edition adds. `only(tables)` is a view that refuses any other table, so
    that what a page reads is what its cache key covers. Views share the loaded tables."""

    data_dir: Path
    descriptor: dict[str, Any]
    _tables: dict[Any, pd.DataFrame] = field(default_factory=dict, repr=False)
    # What is computed from the tables and used more than once (lansbok.privacy.protect); one
    # per edition.
    derived: dict[Any, Any] = field(default_factory=dict, repr=False)
    chosen_year: int | None = None  # None: every year (the whole data package)
    readable: frozenset[str] | None = None  # None: every table

    @cached_property
    def resources(self) -> dict[str, dict[str, Any]]:
        return {r["name"]: r for r in self.descriptor["resources"]}

    def table(self, name: str) -> pd.DataFrame:
        if self.readable is not None and name not in self.readable:
            raise UndeclaredTable(
                f"table {name!r} is not declared by this page's section "
                f"(it reads {', '.join(sorted(self.readable))})"
            )
        frame = self._raw(name)
        if self.chosen_year is None or "year" not in frame.columns:
            return frame
        key = (name, self.chosen_year)
        if key not in self._tables:
            self._tables[key] = frame[frame["year"] <= self.chosen_year].reset_index(drop=True)
        return self._tables[key]

    def _raw(self, name: str) -> pd.DataFrame:
        if name not in self._tables:
            self._tables[name] = read_table(self.data_dir, self.resources[name])
        return self._tables[name]

    @property
    def years(self) -> list[int]:
        """The editions: the years the summary's figures are published for."""
        return sorted(int(y) for y in self._raw("published_figures")["year"].unique())

    @property
    def year(self) -> int:
        """The edition's year (the latest edition for the whole data package)."""
        return self.chosen_year if self.chosen_year is not None else self.years[-1]

    def edition(self, year: int | None = None) -> Dataset:
        """The data as the edition of `year` (None: this view's edition, or the latest).
        DataError for a year with no published figures."""
        if year is None:
            year = self.chosen_year if self.chosen_year is not None else self.years[-1]
        if year not in self.years:
            where = str(self.data_dir / self.resources["published_figures"]["path"])
            editions = ", ".join(map(str, self.years))
            raise DataError(
                [Problem(where, f"no published figures for {year} (editions: {editions})")]
            )
        if year == self.chosen_year:
            return self
        return replace(self, chosen_year=year, derived={})

    def whole(self) -> Dataset:
        """Every year of every table (the data package as shipped)."""
        return replace(self, chosen_year=None, readable=None, derived={})

    def published(self) -> pd.DataFrame:
        """The summary's published figures for the edition's year."""
        frame = self.table("published_figures")
        return frame[frame["year"] == self.year]

    def only(self, tables) -> Dataset:
        """A view that reads these tables (of those this one reads) and no other."""
        tables = frozenset(tables)
        return replace(self, readable=tables if self.readable is None else self.readable & tables)

    def county_file_tables(self) -> list[str]:
        """The tables a county board fills in with its own records, in the package's order."""
        return [name for name, r in self.resources.items() if r.get(COUNTY_FILE) is True]

    def with_table(self, name: str, frame: pd.DataFrame, descriptor: dict | None = None) -> Dataset:
        """A what-if copy, nothing written: table `name` is `frame` (all years), and the
        descriptor `descriptor` if given."""
        kept = {k: v for k, v in self._tables.items() if k != name and k[:1] != (name,)}
        return replace(
            self,
            descriptor=descriptor or self.descriptor,
            _tables={**kept, name: frame},
            derived={},
        )

    def official_counties(self, name: str, year: int | None = None) -> frozenset[str]:
        """The counties whose rows of `name` are official in `year` (default: the edition's):
        all of them for an official table or a year imported whole (a `lansbok:imports` record
        without a county), else those a county's own file was imported for."""
        year = self.year if year is None else year
        every = frozenset(self._raw("counties")["county_code"])
        resource = self.resources[name]
        if resource["status"] == OFFICIAL:
            return every
        records = [r for r in resource.get("lansbok:imports", []) if r["year"] == year]
        if any("county_code" not in r for r in records):
            return every
        return frozenset(r["county_code"] for r in records)

    def status(self, name: str, county: str | None = None) -> str:
        """Official or sample: the status of table `name` in the edition's year for a county
        (its code), or for the whole country (None), which is official only where every county
        is."""
        official = self.official_counties(name)
        if county is None:
            county_codes = frozenset(self._raw("counties")["county_code"])
            return OFFICIAL if official == county_codes else SAMPLE
        return OFFICIAL if county in official else SAMPLE

    def partly_official(self, names) -> frozenset[str]:
        """The counties with official rows, in the edition's year, in any of the tables `names`
        that is official for some counties but not for all (a county's own file)."""
        every = frozenset(self._raw("counties")["county_code"])
        parts = (self.official_counties(name) for name in names)
        return frozenset().union(*(p for p in parts if p != every))

    def row_statuses(self, name: str, frame: pd.DataFrame) -> pd.Series:
        """The status of each row of a frame of table `name` (its year and county, where the
        frame has them): a table can be official for some counties and sample for the rest."""
        if "county_code" not in frame.columns:
            return pd.Series(self.status(name), index=frame.index, dtype=object)
        years = frame["year"] if "year" in frame.columns else pd.Series(self.year, frame.index)
        official = {y: self.official_counties(name, int(y)) for y in years.unique()}
        is_official = [
            county in official[year]
            for year, county in zip(years, frame["county_code"], strict=True)
        ]
        return pd.Series(
            [OFFICIAL if o else SAMPLE for o in is_official], index=frame.index, dtype=object
        )


def load(data_dir: Path | str = DEFAULT_DATA_DIR, *, check: bool = False) -> Dataset:
    """Open a data directory. With check=True, validate it first and raise DataError. Without,
    the descriptor's structure and paths are still checked (cheaply, opening no table), so that
    a broken descriptor is a DataError, never a KeyError or a read outside the directory."""
    data_dir = Path(data_dir)
    if check:
        problems = validate(data_dir)
        if problems:
            raise problems.error()
    descriptor = read_descriptor(data_dir)
    if not check:
        problems = check_descriptor(data_dir, descriptor, must_exist=False)
        if problems:
            raise DataError(problems)
    return Dataset(data_dir, descriptor)


def validate(data_dir: Path | str = DEFAULT_DATA_DIR) -> Problems:
    """Every problem of the package: the descriptor first (nothing is opened while it is
    wrong), then the schemas, then text and counts, then the totals rules. The first
    MAX_PROBLEMS are listed, the rest counted (`.more`)."""
    from frictionless import Package, system  # slow import, only needed here

    data_dir = Path(data_dir)
    descriptor = read_descriptor(data_dir)
    problems = Problems()
    for problem in check_descriptor(data_dir, descriptor, must_exist=True):
        problems.add(problem)
    if problems:  # frictionless would open what the descriptor names: stop here
        return problems
    with system.use_context(trusted=True):  # safe: every path was checked above
        package = Package(descriptor, basepath=str(data_dir))
        report = package.validate()
    for task in report.tasks:
        for error in task.errors:
            problems.add(_problem_from_frictionless(data_dir, task.place, error))
    for error in report.errors:
        problems.add(Problem(str(data_dir / DESCRIPTOR), error.message))
    if problems:  # sums of broken tables would only repeat the same problems
        return problems
    dataset = Dataset(data_dir, descriptor)
    problems = check_content(dataset)
    if not problems:
        for problem in check_totals(dataset):
            problems.add(problem)
    return problems


# Resource and package profiles frictionless knows by name; anything else (a URL) it fetches.
_PROFILES = {None, "data-resource", "tabular-data-resource", "data-package", "tabular-data-package"}


def check_descriptor(
    data_dir: Path, descriptor: dict[str, Any], must_exist: bool = True
) -> list[Problem]:
    """What the code needs from the descriptor, before any table is opened: resources as
    objects with unique names, a status, an inline Table Schema, the metadata the catalogue
    shows, a safe path; every required resource with the fields and types the code reads."""
    where = str(Path(data_dir) / DESCRIPTOR)
    problems: list[Problem] = []

    def problem(message: str) -> None:
        problems.append(Problem(where, message))

    if descriptor.get("profile") not in _PROFILES:
        problem(f"package profile {descriptor.get('profile')!r} is not a known profile name")
    resources = descriptor.get("resources")
    if not isinstance(resources, list) or not resources:
        problem("no 'resources' list: the package describes no table")
        return problems
    seen: dict[str, dict[str, Any]] = {}
    for i, resource in enumerate(resources, start=1):
        if not isinstance(resource, dict) or not isinstance(resource.get("name"), str):
            problem(f"resource {i} is not an object with a 'name'")
            continue
        name = resource["name"]
        if name in seen:
            problem(f"resource {name!r} is described twice")
            continue
        seen[name] = resource
        problems += _resource_problems(where, resource)
        problems += path_problems(Path(data_dir), resource, must_exist)
    for name, fields in REQUIRED_RESOURCES.items():
        resource = seen.get(name)
        if resource is None:
            problem(f"resource {name!r} is missing: the book reads it")
            continue
        schema = resource.get("schema")
        declared = {
            f.get("name"): f.get("type", "string")
            for f in (schema.get("fields") if isinstance(schema, dict) else None) or []
            if isinstance(f, dict)
        }
        for field_name, kind in fields.items():
            if field_name not in declared:
                problem(f"resource {name!r} has no field {field_name!r}: the book reads it")
            elif declared[field_name] != kind:
                problem(
                    f"resource {name!r}: field {field_name!r} is of type "
                    f"{declared[field_name]!r}; the book reads it as {kind!r}"
                )
    from lansbok.privacy import policy_problems  # privacy reads the tables this module loads

    for message in policy_problems(descriptor, seen):
        problem(message)
    return problems


def _resource_problems(where: str, resource: dict[str, Any]) -> list[Problem]:
    """One resource's status, schema and metadata."""
    name = resource["name"]
    messages = []
    if resource.get("status") not in STATUSES:
        messages.append(
            f"'status' is {resource.get('status')!r}; it must be 'official' or 'sample'"
            if "status" in resource
            else "has no 'status' (official or sample)"
        )
    schema = resource.get("schema")
    fields = schema.get("fields") if isinstance(schema, dict) else None
    if not isinstance(fields, list) or not fields:
        messages.append("has no inline Table Schema with 'fields'")
    elif not all(isinstance(f, dict) and isinstance(f.get("name"), str) for f in fields):
        messages.append("has a schema field that is not an object with a 'name'")
    # Each of these is read as stated elsewhere: a reference to another file, another format
    # or another dialect would make frictionless check something else than the book reads.
    if "data" in resource:
        messages.append("has inline 'data'; the book reads tables from CSV files only")
    if resource.get("profile") not in _PROFILES:
        messages.append(f"profile {resource.get('profile')!r} is not a known profile name")
    if resource.get("format", "csv") != "csv":
        messages.append(f"format {resource.get('format')!r}: only csv is read")
    if str(resource.get("encoding", "utf-8")).lower() not in ("utf-8", "utf8"):
        messages.append(f"encoding {resource.get('encoding')!r}: only utf-8 is read")
    if "dialect" in resource:
        messages.append("has a 'dialect'; the book reads comma-separated files only")
    # What the data catalogue and the method page show.
    for key in ("title", "producer"):
        if not isinstance(resource.get(key), str) or not resource[key].strip():
            messages.append(f"has no {key!r}")
    sources, licenses = resource.get("sources"), resource.get("licenses")
    if not isinstance(sources, list) or not all(
        isinstance(s, dict) and isinstance(s.get("title"), str) for s in sources
    ):
        messages.append("'sources' must be a list of objects, each with a 'title'")
    if (
        not isinstance(licenses, list)
        or not licenses
        or not all(isinstance(lic, dict) and isinstance(lic.get("name"), str) for lic in licenses)
    ):
        messages.append("'licenses' must be a non-empty list of objects, each with a 'name'")
    if resource.get("status") == "sample" and not isinstance(resource.get("method"), str):
        messages.append("is sample data with no 'method' saying how it was made")
    return [Problem(where, f"resource {name!r} {m}") for m in messages]


def check_content(dataset: Dataset) -> Problems:
    """Rules a Table Schema cannot state: text free of control and bidirectional characters,
    names of a sane length that do not start as a formula, no year in the future, and each
    county's stated number of municipalities equal to its rows in municipalities."""
    problems = Problems()
    last_year = dt.date.today().year + 1  # länstal are decided the year before
    for name, resource in dataset.resources.items():
        frame = dataset.table(name)
        file = str(dataset.data_dir / resource["path"])
        names = NAME_FIELDS.get(name, ())
        for column in frame.columns:
            if column == "year" and pd.api.types.is_integer_dtype(frame[column]):
                for index, year in frame[column][frame[column] > last_year].items():
                    problems.add(Problem(file, f"year {year} is in the future", index + 2, column))
            if frame[column].dtype != "string":
                continue
            cells = frame[column].dropna()
            limit = MAX_NAME if column in names else MAX_TEXT
            bad = cells.str.contains(FORBIDDEN_CHARACTERS) | (cells.str.len() > limit)
            if column in names:
                bad |= cells.str.startswith(FORMULA_START)
            for index, text in cells[bad].items():
                problems.add(Problem(file, _text_problem(text, limit), index + 2, column))
    for problem in _municipality_counts(dataset):
        problems.add(problem)
    return problems


def _text_problem(text: str, limit: int) -> str:
    found = FORBIDDEN_CHARACTERS.search(text)
    if found:
        char = found.group()
        label = unicodedata.name(char, "control character")
        return f"character U+{ord(char):04X} ({label}) is not allowed in text"
    if len(text) > limit:
        return f"text of {len(text)} characters is longer than {limit}"
    return f"name {text[:20]!r} starts with {text[0]!r}, as a spreadsheet formula does"


def _municipality_counts(dataset: Dataset) -> list[Problem]:
    """counties.municipalities is a stated count: check it against the municipality rows."""
    counties = dataset.table("counties")
    actual = dataset.table("municipalities")["county_code"].value_counts()
    file = str(dataset.data_dir / dataset.resources["counties"]["path"])
    problems = []
    for index, county in counties.iterrows():
        rows = int(actual.get(county["county_code"], 0))
        if county["municipalities"] != rows:
            message = (
                f"county {county['county_code']} states {county['municipalities']} "
                f"municipalities, but municipalities has {rows} rows for it"
            )
            problems.append(Problem(file, message, index + 2, "municipalities"))
    return problems


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
    """`lansbok:totals`: a column summed (over rows matching `where`, per group `by`, as a
    year) must equal a value in another resource (the row matching `where` and the same group
    keys). With `optional`, a group the other resource has no value for is not checked (a
    year before the first published summary). The rules bind a sample table's sample years: a
    year imported whole from an official file (a `lansbok:imports` record without a county) is
    the producer's count, which may differ from the summary's (a date or a definition), and is
    not checked. A year with some counties' own files is: the sample fills the remainder so that
    the total still holds."""
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
    whole_years = {
        r["year"]
        for r in dataset.resources[name].get("lansbok:imports", [])
        if "county_code" not in r
    }
    if dataset.resources[name]["status"] == SAMPLE and "year" in rows.columns:
        rows = rows[~rows["year"].isin(whole_years)]
    expected = _select(dataset.table(target["resource"]), target.get("where"))
    file = str(dataset.data_dir / dataset.resources[name]["path"])
    label = target.get("where", {}).get("indicator_id", target["resource"])
    wanted = {
        tuple(key): value
        for *key, value in expected[[*by, target["field"]]].itertuples(index=False)
    }
    sums = (
        rows.groupby(by)[rule["field"]].sum() if by else pd.Series({(): rows[rule["field"]].sum()})
    )
    problems = []
    for key, total in sums.items():
        key = key if isinstance(key, tuple) else (key,)
        scope = [f"{k}={v}" for k, v in (rule.get("where") or {}).items()]
        scope = ", ".join([*scope, *(f"{k}={v}" for k, v in zip(by, key, strict=True))])
        if key not in wanted:
            if rule.get("optional"):  # a year the summary gives no total for
                continue
            message = f"no national total {label} to check against" + (
                f" for {scope}" if by else ""
            )
        elif total != wanted[key]:
            message = (
                f"sum over {scope or 'all rows'} is {total}, "
                f"but the national total ({label}) is {wanted[key]:g}"
            )
        else:
            continue
        problems.append(Problem(file, message, column=rule["field"]))
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
