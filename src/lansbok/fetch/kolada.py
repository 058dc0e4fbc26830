"""A Kolada key figure (KPI) per municipality and year, through Kolada's API v3.

`/data/kpi/{kpi}/year/{years}` answers in pages of at most 5 000 values, each page with the
address of the next (`next_page`, followed only on the same host). A data item is
`{"kpi", "municipality", "period", "values": [{"gender": "T|K|M", "value", ...}]}`; Riket
("0000") and the regions ("00XX") are left out, the municipalities (SCB's four-digit codes) go
to the table `kolada` (year, kpi, municipality_code, gender, value), replacing that key
figure's rows of those years. Find a key figure's id with `/v3/kpi?title=<words>`; the one known
here is N01951, "Invånare totalt, antal". Requests is used directly: koladapy retries on every
error, a 404 for a mistyped id included, and does not keep the raw body a snapshot needs.
"""

from __future__ import annotations

import json
import os
import re
from urllib.parse import urlsplit

import pandas as pd

from lansbok.data import DataError, Problem, load
from lansbok.fetch.http import Client
from lansbok.fetch.snapshots import File, Snapshot
from lansbok.importers import write_validated

SOURCE = "kolada"
BASE_URL = "https://api.kolada.se/v3"
URL_VARIABLE = "LANSBOK_KOLADA_URL"
PRODUCER = "RKA (Kolada)"
LICENCE = "Kolada: fri att använda med källangivelse (Källa: Kolada)"
TABLE = "kolada"
KPI = re.compile(r"^[A-Z]\d{5}$")
GENDERS = ("T", "K", "M")
MAX_PAGES = 1000
COLUMNS = ["year", "kpi", "municipality_code", "gender", "value"]


def base_url() -> str:
    return os.environ.get(URL_VARIABLE, BASE_URL)


def key(kpi: str, years: list[int]) -> str:
    return f"{kpi}_{'_'.join(str(y) for y in sorted(years))}"


def check_kpi(kpi: str) -> str:
    if not KPI.match(kpi):
        raise DataError(
            [Problem("kolada", f"{kpi!r} is not a Kolada key figure id (a letter, five digits)")]
        )
    return kpi


def _page(body: bytes, where: str) -> dict:
    try:
        page = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        start = body[:40].decode("utf-8", "replace").strip()
        raise DataError(
            [Problem(where, f"the answer is not JSON ({exc}); starts {start!r}")]
        ) from None
    if not isinstance(page, dict) or not isinstance(page.get("values"), list):
        raise DataError([Problem(where, "the answer has no 'values' list (Kolada v3 data)")])
    return page


def download(client: Client, kpi: str, years: list[int]) -> tuple[list[File], str]:
    """Every page of the key figure's values for these years."""
    base = urlsplit(client.base_url)
    address = f"data/kpi/{kpi}/year/{','.join(str(y) for y in sorted(years))}"
    files = []
    with client.bar(None, SOURCE) as bar:
        while address:
            if len(files) == MAX_PAGES:
                raise DataError([Problem(client.url(address), f"more than {MAX_PAGES} pages")])
            answer = client.get(address)
            page = _page(answer.body, answer.url)
            files.append(File(f"page-{len(files) + 1:03d}.json", answer.url, {}, answer.body))
            bar.update()
            address = page.get("next_page") or None
            if address and urlsplit(address)[:2] != base[:2]:
                message = f"next_page {address!r} leads off {base.netloc}"
                raise DataError([Problem(answer.url, message)])
    return files, LICENCE


def import_snapshot(snapshot: Snapshot, data_dir, kpi: str, years: list[int]) -> list[str]:
    dataset = load(data_dir)
    known = set(dataset.table("municipalities")["municipality_code"])
    rows, problems = [], []
    for entry, path in zip(snapshot.meta["files"], snapshot.files, strict=True):
        where = f"{snapshot.record()['file']}/{entry['file']} ({entry['url']})"
        for i, item in enumerate(_page(path.read_bytes(), where)["values"], 1):
            place = f"{where}, value {i}"
            code, period = str(item.get("municipality", "")), item.get("period")
            if item.get("kpi") != kpi:
                problems.append(Problem(place, f"key figure {item.get('kpi')!r}, not {kpi}"))
                continue
            if code.startswith("00"):  # Riket and the regions
                continue
            if code not in known:
                problems.append(Problem(place, f"unknown municipality {code!r}"))
                continue
            if period not in years:
                problems.append(Problem(place, f"period {period!r} was not asked for"))
                continue
            for value in item.get("values") or []:
                gender, number = value.get("gender"), value.get("value")
                if gender not in GENDERS:
                    problems.append(Problem(place, f"gender {gender!r} is not T, K or M"))
                elif number is not None and not isinstance(number, int | float):
                    problems.append(Problem(place, f"value {number!r} is not a number"))
                else:
                    rows.append((period, kpi, code, gender, number))
    if problems:
        raise DataError(problems)
    fetched = pd.DataFrame(rows, columns=COLUMNS).astype({"value": "float64"})
    if fetched.duplicated(COLUMNS[:4]).any():
        raise DataError([Problem(str(snapshot.folder), "a value appears twice")])
    existing = dataset.table(TABLE)
    kept = existing[(existing["kpi"] != kpi) | ~existing["year"].isin(years)]
    table = pd.concat([kept, fetched], ignore_index=True).sort_values(COLUMNS[:4])
    record = {**snapshot.record(), "kpi": kpi}
    write_validated(dataset, {TABLE: (table, sorted(years))}, snapshot.folder, record=record)
    found = fetched.groupby("year")["municipality_code"].nunique()
    return [f"imported {kpi} {year}: {n} municipalities" for year, n in found.items()]
