"""SCB's population on 31 December per county and municipality, through PxWebApi 2.0.

Table TAB638 (BE0101A/BefolkningNy), contents code BE0101N1, regions through the code lists
vs_RegionLän07 (counties) and vs_RegionKommun07 (municipalities), years as `Tid`. The answers are
JSON-stat 2.0, read with pyjstat. pxwebpy was considered: it returns parsed rows, not the raw
body a snapshot must keep, and does not pass its timeout on to requests.

`/config` gives the limits obeyed here: at most `maxDataCells` cells a request (a larger query
is split, region codes first) and `maxCallsPerTimeWindow` calls per `timeWindow` seconds. The
values go through the same checks as `lansbok import befolkning`
(`lansbok.importers.population_tables`): a county equals the sum of its municipalities, from
2025 within SCB's noise.
"""

from __future__ import annotations

import json
import math
import os
import warnings
from collections import OrderedDict

import pandas as pd
from pyjstat import pyjstat

from lansbok.data import DataError, Problem, load
from lansbok.fetch.http import Client
from lansbok.fetch.snapshots import File, Snapshot
from lansbok.importers import POPULATION_FIRST_YEAR, population_tables, write_population

SOURCE = "scb-befolkning"
BASE_URL = "https://statistikdatabasen.scb.se/api/v2"
URL_VARIABLE = "LANSBOK_SCB_URL"
TABLE = "TAB638"
CONTENTS = "BE0101N1"
CODELISTS = {"lan": "vs_RegionLän07", "kommun": "vs_RegionKommun07"}
PRODUCER = "SCB (Statistiska centralbyrån)"


def base_url() -> str:
    return os.environ.get(URL_VARIABLE, BASE_URL)


def key(years: list[int]) -> str:
    return "_".join(str(y) for y in sorted(years))


def split(selection: dict[str, list[str]], max_cells: int) -> list[dict[str, list[str]]]:
    """The selection in parts of at most `max_cells` cells: the longest list is cut first."""
    cells = math.prod(len(v) for v in selection.values())
    if cells <= max_cells:
        return [selection]
    name = max(selection, key=lambda k: len(selection[k]))
    size = max(1, max_cells // (cells // len(selection[name])))
    values = selection[name]
    return [
        part
        for start in range(0, len(values), size)
        for part in split({**selection, name: values[start : start + size]}, max_cells)
    ]


def query(kind: str, selection: dict[str, list[str]]) -> dict[str, str]:
    return {
        "lang": "sv",
        "outputFormat": "json-stat2",
        "valueCodes[ContentsCode]": CONTENTS,
        "valueCodes[Region]": ",".join(selection["Region"]),
        "valueCodes[Tid]": ",".join(selection["Tid"]),
        "codelist[Region]": CODELISTS[kind],
    }


def _json(body: bytes, where: str):
    try:
        return json.loads(body, object_pairs_hook=OrderedDict)
    except (ValueError, UnicodeDecodeError) as exc:
        start = body[:40].decode("utf-8", "replace").strip()
        raise DataError(
            [Problem(where, f"the answer is not JSON ({exc}); it starts {start!r}")]
        ) from None


def read_jsonstat(body: bytes, where: str) -> pd.DataFrame:
    """A JSON-stat 2.0 dataset as a frame of dimension codes and `value` (DataError naming
    `where` if it is not one)."""
    data = _json(body, where)
    if not isinstance(data, dict) or data.get("class") != "dataset" or "dimension" not in data:
        raise DataError([Problem(where, "the answer is not a JSON-stat 2.0 dataset")])
    try:
        with warnings.catch_warnings():  # pyjstat's own writer calls its deprecated reader
            warnings.simplefilter("ignore", DeprecationWarning)
            return pyjstat.Dataset.read(data).write("dataframe", naming="id")
    except (KeyError, ValueError, TypeError, IndexError) as exc:
        raise DataError([Problem(where, f"a malformed JSON-stat dataset: {exc!r}")]) from None


def download(client: Client, years: list[int], counties: list[str], municipalities: list[str]):
    """The responses for these years, and the licence SCB's /config states."""
    config_answer = client.get("config")
    config = _json(config_answer.body, config_answer.url)
    try:
        max_cells = int(config["maxDataCells"])
        client.limit(int(config["maxCallsPerTimeWindow"]), float(config["timeWindow"]))
        licence = str(config.get("license", "CC0-1.0"))
    except (KeyError, TypeError, ValueError) as exc:
        message = f"the API configuration lacks {exc}"
        raise DataError([Problem(config_answer.url, message)]) from None
    plan = []
    times = [str(y) for y in sorted(years)]
    for kind, codes in (("lan", counties), ("kommun", municipalities)):
        parts = split({"Region": list(codes), "Tid": times}, max_cells)
        plan += [(f"{kind}-{i:02d}.json", query(kind, part)) for i, part in enumerate(parts, 1)]
    files = []
    with client.bar(len(plan), SOURCE) as bar:
        for name, params in plan:
            answer = client.get(f"tables/{TABLE}/data", params)
            read_jsonstat(answer.body, answer.url)  # a malformed answer stops here
            files.append(File(name, answer.url, params, answer.body))
            bar.update()
    return files, f"{licence} (Källa: SCB)"


def import_snapshot(snapshot: Snapshot, data_dir) -> list[str]:
    """Import the snapshot's population values (counties and municipalities)."""
    dataset = load(data_dir)
    municipalities, counties = dataset.table("municipalities"), dataset.table("counties")
    county_codes = set(counties["county_code"])
    municipality_codes = set(municipalities["municipality_code"])
    values: dict[tuple[str, int], tuple[int, None]] = {}
    problems = []
    for entry, path in zip(snapshot.meta["files"], snapshot.files, strict=True):
        where = f"{snapshot.record()['file']}/{entry['file']} ({entry['url']})"
        frame = read_jsonstat(path.read_bytes(), where)
        missing = {"Region", "Tid", "ContentsCode"} - set(frame.columns)
        if missing:
            problems.append(Problem(where, f"no dimension {', '.join(sorted(missing))}"))
            continue
        for row in frame.itertuples(index=False):
            code, time, value = str(row.Region), str(row.Tid), row.value
            if row.ContentsCode != CONTENTS:
                problems.append(Problem(where, f"contents {row.ContentsCode!r}, not {CONTENTS}"))
            elif code != "00" and code not in county_codes | municipality_codes:
                problems.append(Problem(where, f"unknown region code {code!r}", column="Region"))
            elif not time.isdigit() or int(time) < POPULATION_FIRST_YEAR:
                problems.append(Problem(where, f"{time!r} is not a year", column="Tid"))
            elif value is None or pd.isna(value) or value != int(value) or value <= 0:
                problems.append(Problem(where, f"{code} {time}: population {value!r}"))
            elif (code, int(time)) in values:
                problems.append(Problem(where, f"{code} for {time} appears twice"))
            else:
                values[(code, int(time))] = (int(value), None)
    if problems:
        raise DataError(problems)
    parsed = population_tables(values, municipalities, counties, str(snapshot.folder))
    write_population(dataset, parsed, snapshot.folder, snapshot.record())
    said = []
    for year, rows in parsed.counties.groupby("year"):
        said.append(
            f"imported {year}: {len(rows)} counties, {rows['population'].sum()} inhabitants"
        )
    for year, rows in parsed.municipalities.groupby("year"):
        said.append(f"imported {year}: {len(rows)} municipalities")
    return said
