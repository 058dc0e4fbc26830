"""`lansbok fetch` against a local HTTP server (pytest-httpserver) serving recorded SCB
responses and responses written in each producer's documented format; no network. Every test
works on a copy of data/ (`data_copy`)."""

from __future__ import annotations

import copy
import hashlib
import json
import socket
import time
from pathlib import Path

import pytest
from conftest import FIXTURES
from typer.testing import CliRunner
from werkzeug import Request, Response

from lansbok.cli import app
from lansbok.data import load, read_descriptor, validate
from lansbok.fetch import scb
from lansbok.fetch.snapshots import digest

runner = CliRunner()
SCB = FIXTURES / "scb"
TAB638 = {
    kind: json.loads((SCB / f"TAB638_{kind}_2024.json").read_text()) for kind in ("lan", "kommun")
}
KIND_OF = {codelist: kind for kind, codelist in scb.CODELISTS.items()}
FAST = ["--backoff", "0.001"]  # retries without waiting (Retry-After still counts)


def tree(folder: Path) -> dict[str, str]:
    """Every file under the folder, by path, with its sha256."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def subset(dataset: dict, codes: list[str]) -> dict:
    """A JSON-stat answer for some regions of a fixture (regions × 1 content × 1 year)."""
    region = dataset["dimension"]["Region"]["category"]
    out = copy.deepcopy(dataset)
    out["dimension"]["Region"]["category"] = {
        "index": {code: i for i, code in enumerate(codes)},
        "label": {code: region["label"][code] for code in codes},
    }
    out["size"][0] = len(codes)
    out["value"] = [dataset["value"][region["index"][code]] for code in codes]
    return out


class FakeScb:
    """SCB's PxWebApi 2.0 on the test server: /config and TAB638's data, answering any selection
    of regions from the fixtures (with `changes` applied: code -> added people)."""

    def __init__(self, server, config: dict | None = None, changes: dict | None = None):
        self.config = json.loads((SCB / "scb_v2_config.json").read_text()) | (config or {})
        self.changes = changes or {}
        self.updated = None
        self.asked: list[tuple[float, dict]] = []
        server.expect_request("/api/v2/config").respond_with_json(self.config)
        server.expect_request("/api/v2/tables/TAB638/data").respond_with_handler(self.data)
        self.url = server.url_for("/api/v2")

    def data(self, request: Request) -> Response:
        args = dict(request.args)
        self.asked.append((time.monotonic(), args))
        assert args["valueCodes[ContentsCode]"] == "BE0101N1"
        assert args["valueCodes[Tid]"] == "2024" and args["outputFormat"] == "json-stat2"
        answer = subset(
            TAB638[KIND_OF[args["codelist[Region]"]]], args["valueCodes[Region]"].split(",")
        )
        index = answer["dimension"]["Region"]["category"]["index"]
        for code, added in self.changes.items():
            if code in index:
                answer["value"][index[code]] += added
        if self.updated:
            answer["updated"] = self.updated
        return Response(json.dumps(answer, ensure_ascii=False), content_type="application/json")


def fetch(*args: str, env: dict | None = None):
    return runner.invoke(app, ["fetch", *args], env=env or {})


def scb_fetch(fake: FakeScb, data: Path, *more: str):
    return fetch(
        "scb-befolkning",
        "--year",
        "2024",
        "--data",
        str(data),
        *FAST,
        *more,
        env={"LANSBOK_SCB_URL": fake.url},
    )


def population(data: Path, name: str, code: str, year: int = 2024) -> int:
    table = load(data).table(name)
    key = table.columns[0]
    return int(table[(table[key] == code) & (table["year"] == year)]["population"].iloc[0])


def imports(data: Path, name: str) -> list[dict]:
    resource = next(r for r in read_descriptor(data)["resources"] if r["name"] == name)
    return resource.get("lansbok:imports", [])


def test_scb_population_is_fetched_kept_as_a_snapshot_and_imported(httpserver, data_copy):
    before = population(data_copy, "population", "01")
    fake = FakeScb(httpserver, changes={"0114": 7, "01": 7})
    result = scb_fetch(fake, data_copy)
    assert result.exit_code == 0, result.output
    assert "new snapshot" in result.output
    # The answer's values, not the old ones: Upplands Väsby and Stockholm's county moved by 7.
    assert population(data_copy, "population_municipalities", "0114") == 50323 + 7
    assert population(data_copy, "population", "01") == before + 7
    folder = data_copy / "snapshots" / "scb-befolkning" / "2024"
    meta = json.loads((folder / "snapshot.json").read_text())
    assert [f["file"] for f in meta["files"]] == ["lan-01.json", "kommun-01.json"]
    for entry in meta["files"]:
        body = (folder / entry["file"]).read_bytes()
        assert entry["sha256"] == hashlib.sha256(body).hexdigest()
        assert entry["size"] == len(body)
        assert entry["url"].startswith(fake.url + "/tables/TAB638/data?")
        assert entry["query"]["valueCodes[ContentsCode]"] == "BE0101N1"
    assert meta["sha256"] == digest(meta["files"])
    assert meta["retrieved"].endswith("Z") and meta["producer"].startswith("SCB")
    assert "creativecommons" in meta["licence"] and meta["history"] == []
    record = {"file": "snapshots/scb-befolkning/2024", "sha256": meta["sha256"]}
    for name in ("population", "population_municipalities"):
        [entry] = [i for i in imports(data_copy, name) if i["year"] == 2024]
        assert entry == {"year": 2024, **record, "imported": meta["retrieved"][:10]}
    assert not validate(data_copy)  # frictionless reads the resources, not the snapshots


def test_scb_checks_a_county_against_its_municipalities_and_writes_nothing(httpserver, data_copy):
    before = tree(data_copy)
    result = scb_fetch(FakeScb(httpserver, changes={"01": 1}), data_copy)
    assert result.exit_code == 1
    assert "01 for 2024 is" in result.output and "municipalities sum to" in result.output
    assert tree(data_copy) == before


def test_scb_query_is_split_by_max_data_cells_and_rate_limited(httpserver, data_copy):
    config = {"maxDataCells": 50, "maxCallsPerTimeWindow": 3, "timeWindow": 0.5}
    fake = FakeScb(httpserver, config=config)
    start = time.monotonic()
    result = scb_fetch(fake, data_copy)
    assert result.exit_code == 0, result.output
    assert time.monotonic() - start >= 1.0  # calls 4 and 7 each waited for the window
    sizes = [len(args["valueCodes[Region]"].split(",")) for _, args in fake.asked]
    assert sizes == [21, 50, 50, 50, 50, 50, 40]  # counties in one, 290 municipalities in six
    times = [t for t, _ in fake.asked]
    # No four calls within half a second: the fourth waits for the first to leave the window.
    gaps = [later - first for first, later in zip(times, times[3:], strict=False)]
    assert min(gaps) >= 0.4, gaps  # the server notes arrival, a little after the sending
    files = sorted(p.name for p in (data_copy / "snapshots/scb-befolkning/2024").iterdir())
    assert files == [
        "kommun-01.json",
        *(f"kommun-0{i}.json" for i in range(2, 7)),
        "lan-01.json",
        "snapshot.json",
    ]
    assert population(data_copy, "population_municipalities", "2584") > 0  # the last part


def test_split_keeps_every_cell_once():
    selection = {"Region": [f"{i:04d}" for i in range(290)], "Tid": ["2023", "2024"]}
    parts = scb.split(selection, 100)
    assert all(len(p["Region"]) * len(p["Tid"]) <= 100 for p in parts)
    cells = [(r, t) for p in parts for r in p["Region"] for t in p["Tid"]]
    assert sorted(cells) == sorted((r, t) for r in selection["Region"] for t in selection["Tid"])
    assert scb.split(selection, 10_000) == [selection]


def test_unchanged_refetch_changes_nothing(httpserver, data_copy):
    fake = FakeScb(httpserver)
    assert scb_fetch(fake, data_copy).exit_code == 0
    after_first = tree(data_copy)
    result = scb_fetch(fake, data_copy)
    assert result.exit_code == 0 and "unchanged" in result.output
    assert tree(data_copy) == after_first


def test_changed_response_replaces_the_snapshot_and_is_recorded(httpserver, data_copy):
    fake = FakeScb(httpserver)
    assert scb_fetch(fake, data_copy).exit_code == 0
    meta_path = data_copy / "snapshots/scb-befolkning/2024/snapshot.json"
    first = json.loads(meta_path.read_text())
    fake.updated = "2026-02-20T07:00:00Z"  # SCB republished the same figures
    result = scb_fetch(fake, data_copy)
    assert result.exit_code == 0 and "new snapshot" in result.output
    second = json.loads(meta_path.read_text())
    assert second["sha256"] != first["sha256"]
    assert second["history"] == [{"retrieved": first["retrieved"], "sha256": first["sha256"]}]
    [record] = [i for i in imports(data_copy, "population") if i["year"] == 2024]
    assert record["sha256"] == second["sha256"]
    body = (meta_path.parent / "kommun-01.json").read_text()
    assert "2026-02-20T07:00:00Z" in body
    assert not list(meta_path.parent.parent.glob(".*"))  # no staging folder left behind


def test_offline_reimport_twice_leaves_data_byte_identical(httpserver, data_copy):
    assert scb_fetch(FakeScb(httpserver, changes={"0114": 3, "01": 3}), data_copy).exit_code == 0
    fetched = tree(data_copy)
    httpserver.clear()  # nothing answers now; offline must not ask
    env = {"LANSBOK_SCB_URL": "http://127.0.0.1:9/none"}
    args = ["scb-befolkning", "--offline", "--data", str(data_copy)]
    first = fetch(*args, env=env)
    assert first.exit_code == 0, first.output
    assert tree(data_copy) == fetched
    assert fetch(*args, "--year", "2024", env=env).exit_code == 0
    assert tree(data_copy) == fetched
    assert population(data_copy, "population_municipalities", "0114") == 50323 + 3


def test_offline_reimport_restores_the_tables_from_the_snapshot(httpserver, data_copy):
    assert scb_fetch(FakeScb(httpserver), data_copy).exit_code == 0
    fetched = tree(data_copy)
    (data_copy / "population_municipalities.csv").write_text(
        (data_copy / "population_municipalities.csv")
        .read_text()
        .replace("0114,2024,50323", "0114,2024,1")
    )
    assert fetch("scb-befolkning", "--offline", "--data", str(data_copy)).exit_code == 0
    assert tree(data_copy) == fetched


def test_offline_without_a_snapshot_says_so(data_copy):
    result = fetch("scb-befolkning", "--offline", "--year", "2024", "--data", str(data_copy))
    assert result.exit_code == 1 and "no snapshot here" in result.output


def test_edited_snapshot_is_refused(httpserver, data_copy):
    assert scb_fetch(FakeScb(httpserver), data_copy).exit_code == 0
    path = data_copy / "snapshots/scb-befolkning/2024/lan-01.json"
    text = path.read_text()
    assert "2473307" in text  # Stockholm's county on 31 December 2024
    path.write_text(text.replace("2473307", "2473308"))
    before = tree(data_copy)
    result = fetch("scb-befolkning", "--offline", "--data", str(data_copy))
    assert result.exit_code == 1 and "sha256 differs" in result.output
    assert tree(data_copy) == before


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_offline_machine_gets_one_clear_line_and_nothing_is_written(data_copy):
    before = tree(data_copy)
    port = free_port()  # nobody listens there
    result = fetch(
        "scb-befolkning",
        "--year",
        "2024",
        "--data",
        str(data_copy),
        *FAST,
        env={"LANSBOK_SCB_URL": f"http://127.0.0.1:{port}/api/v2"},
    )
    assert result.exit_code == 1
    assert result.output.strip() == (
        f"error: cannot reach 127.0.0.1:{port}: connection refused; "
        "use --offline to re-import the snapshot"
    )
    assert tree(data_copy) == before


def test_server_error_three_times_fails_clearly_and_writes_nothing(httpserver, data_copy):
    fake = FakeScb(httpserver)
    assert scb_fetch(fake, data_copy).exit_code == 0  # a snapshot to keep intact
    before = tree(data_copy)
    httpserver.clear()
    httpserver.expect_request("/api/v2/config").respond_with_json(fake.config)
    httpserver.expect_request("/api/v2/tables/TAB638/data").respond_with_data("busy", status=500)
    result = scb_fetch(fake, data_copy)
    assert result.exit_code == 1
    assert "/api/v2/tables/TAB638/data" in result.output
    assert "HTTP 500 INTERNAL SERVER ERROR after 3 attempts" in result.output
    data_calls = [r for r, _ in httpserver.log if r.path.endswith("/data")]
    assert len(data_calls) == 3
    assert tree(data_copy) == before


@pytest.mark.parametrize(
    "body", ["<!DOCTYPE html><html><body>Underhåll</body></html>", '{"version": "2.0", "cla']
)
def test_malformed_body_names_the_url_and_writes_nothing(httpserver, data_copy, body):
    fake = FakeScb(httpserver)
    httpserver.clear()
    httpserver.expect_request("/api/v2/config").respond_with_json(fake.config)
    httpserver.expect_request("/api/v2/tables/TAB638/data").respond_with_data(body)
    before = tree(data_copy)
    result = scb_fetch(fake, data_copy)
    assert result.exit_code == 1
    assert f"error: {fake.url}/tables/TAB638/data?" in result.output
    assert "not JSON" in result.output
    assert tree(data_copy) == before


KOLADA_PAGES = [FIXTURES / "kolada" / f"N01951_2024_page{n}.json" for n in (1, 2)]


def serve_kolada(server, first_answers: list[Response] | None = None) -> str:
    """Kolada's two pages; the first request may get `first_answers` before the page."""
    base = server.url_for("/v3")
    pages = [p.read_text().replace("{BASE}", base) for p in KOLADA_PAGES]
    early = list(first_answers or [])

    def answer(request: Request) -> Response:
        if early:
            return early.pop(0)
        page = int(request.args.get("page", "1"))
        return Response(pages[page - 1], content_type="application/json")

    server.expect_request("/v3/data/kpi/N01951/year/2024").respond_with_handler(answer)
    return base


def kolada_fetch(base: str, data: Path, *more: str):
    return fetch(
        "kolada",
        "N01951",
        "--year",
        "2024",
        "--data",
        str(data),
        *FAST,
        *more,
        env={"LANSBOK_KOLADA_URL": base},
    )


def test_kolada_follows_next_page_into_the_table(httpserver, data_copy):
    result = kolada_fetch(serve_kolada(httpserver), data_copy)
    assert result.exit_code == 0, result.output
    table = load(data_copy).table("kolada")
    values = dict(zip(table["municipality_code"], table["value"], strict=True))
    # Riket (0000) and Region Stockholm (0001) are not municipalities; 2584 has no value.
    assert sorted(values) == ["0114", "0115", "1280", "2584"]
    assert values["0114"] == 50323 and values["1280"] == 365644
    assert table[table["municipality_code"] == "2584"]["value"].isna().all()
    assert set(table["gender"]) == {"T"} and set(table["year"]) == {2024}
    folder = data_copy / "snapshots/kolada/N01951_2024"
    meta = json.loads((folder / "snapshot.json").read_text())
    assert [f["file"] for f in meta["files"]] == ["page-001.json", "page-002.json"]
    assert meta["files"][1]["url"].endswith("page=2&per_page=3")
    assert imports(data_copy, "kolada") == [
        {
            "year": 2024,
            "file": "snapshots/kolada/N01951_2024",
            "sha256": meta["sha256"],
            "kpi": "N01951",
            "imported": meta["retrieved"][:10],
        }
    ]
    fetched = tree(data_copy)
    for _ in range(2):
        assert fetch("kolada", "N01951", "--offline", "--data", str(data_copy)).exit_code == 0
        assert tree(data_copy) == fetched


def test_too_many_requests_then_success_honours_retry_after(httpserver, data_copy):
    busy = Response("slow down", status=429, headers={"Retry-After": "1"})
    base = serve_kolada(httpserver, [busy])
    start = time.monotonic()
    result = kolada_fetch(base, data_copy)
    assert result.exit_code == 0, result.output
    assert time.monotonic() - start >= 1.0  # the server's Retry-After, not the tiny backoff
    assert len([r for r, _ in httpserver.log if r.path.endswith("/2024")]) == 3  # 429, 2 pages


def test_kolada_truncated_page_names_its_url(httpserver, data_copy):
    base = serve_kolada(httpserver, [Response('{"count": 6, "values": [{"kpi": "N0', status=200)])
    before = tree(data_copy)
    result = kolada_fetch(base, data_copy)
    assert result.exit_code == 1
    assert f"error: {base}/data/kpi/N01951/year/2024: the answer is not JSON" in result.output
    assert tree(data_copy) == before


def test_kolada_refuses_an_id_that_is_not_one(data_copy):
    result = fetch("kolada", "N1951", "--data", str(data_copy))
    assert result.exit_code == 1 and "not a Kolada key figure id" in result.output


AF_FILE = FIXTURES / "af" / "arbetssokande_2024-12.csv"


def participants(data: Path, year: int = 2024):
    table = load(data).table("establishment_participants")
    return table[table["year"] == year]


def test_af_file_becomes_december_participants(data_copy):
    result = fetch("af-etablering", str(AF_FILE), "--data", str(data_copy))
    assert result.exit_code == 0, result.output
    rows = participants(data_copy)
    assert len(rows) == 42  # 21 counties, two sexes
    # AFKOD 104 and 105 in December only: not the summary's 9 761, and that is allowed.
    assert rows["participants"].sum() == 1533
    assert rows[rows["sex"] == "kvinna"]["participants"].sum() == 882
    assert rows.set_index(["county_code", "sex"]).loc[("25", "man"), "participants"] == 20 + 21
    [record] = imports(data_copy, "establishment_participants")
    assert record["year"] == 2024 and "county_code" not in record  # the whole year
    assert load(data_copy).edition(2024).status("establishment_participants") == "official"
    assert record["file"] == "snapshots/af-etablering/arbetssokande_2024-12"
    meta = json.loads((data_copy / record["file"] / "snapshot.json").read_text())
    assert meta["files"][0]["url"] == "hand-downloaded"
    fetched = tree(data_copy)
    assert fetch("af-etablering", "--offline", "--data", str(data_copy)).exit_code == 0
    assert tree(data_copy) == fetched


def test_af_file_downloaded_from_a_url(httpserver, data_copy):
    httpserver.expect_request("/oppna-data/arbetssokande_2024-12.csv").respond_with_data(
        AF_FILE.read_bytes(), content_type="text/csv"
    )
    url = httpserver.url_for("/oppna-data/arbetssokande_2024-12.csv")
    result = fetch("af-etablering", "--url", url, "--data", str(data_copy), *FAST)
    assert result.exit_code == 0, result.output
    assert participants(data_copy)["participants"].sum() == 1533
    meta = json.loads(
        (data_copy / "snapshots/af-etablering/arbetssokande_2024-12/snapshot.json").read_text()
    )
    assert meta["files"][0]["url"] == url


def test_af_problems_name_file_row_and_column(tmp_path, data_copy):
    broken = tmp_path / "af.csv"
    text = AF_FILE.read_text(encoding="utf-8")
    broken.write_text(text.replace("2024-12;03;0305;Man", "2024-12;03;0305;1", 1), encoding="utf-8")
    before = tree(data_copy)
    result = fetch("af-etablering", str(broken), "--data", str(data_copy))
    assert result.exit_code == 1
    assert f"error: {broken}, row 9, column 'KOEN': '1' is not kvinna or man" in result.output
    assert tree(data_copy) == before


MIGRATIONSVERKET = (
    FIXTURES / "migrationsverket" / "Kommunmottagna_enligt_ersattningsforordningen_2018.csv"
)


def test_hand_downloaded_export_is_kept_and_imported(data_copy):
    origin = "https://www.migrationsverket.se/Om-Migrationsverket/Statistik.html"
    result = fetch(
        "migrationsverket",
        str(MIGRATIONSVERKET),
        "--year",
        "2018",
        "--url",
        origin,
        "--data",
        str(data_copy),
    )
    assert result.exit_code == 0, result.output
    assert "44216 people received" in result.output
    folder = data_copy / "snapshots/migrationsverket/kommunmottagna-2018"
    meta = json.loads((folder / "snapshot.json").read_text())
    [entry] = meta["files"]
    assert entry["url"] == "hand-downloaded" and entry["origin"] == origin
    assert entry["sha256"] == hashlib.sha256(MIGRATIONSVERKET.read_bytes()).hexdigest()
    [record] = imports(data_copy, "kommunmottagna")
    assert record == {
        "year": 2018,
        "file": "snapshots/migrationsverket/kommunmottagna-2018",
        "sha256": meta["sha256"],
        "imported": meta["retrieved"][:10],
    }
    table = load(data_copy).table("kommunmottagna")
    assert table[table["year"] == 2018]["received"].sum() == 44216
    fetched = tree(data_copy)
    for _ in range(2):
        assert fetch("migrationsverket", "--offline", "--data", str(data_copy)).exit_code == 0
        assert tree(data_copy) == fetched


def test_the_data_catalogue_lists_each_snapshot(data_copy):
    from lansbok.book import catalogue

    assert "Inga ögonblicksbilder har hämtats ännu." in catalogue(load(data_copy))
    assert (
        fetch(
            "migrationsverket", str(MIGRATIONSVERKET), "--year", "2018", "--data", str(data_copy)
        ).exit_code
        == 0
    )
    meta = json.loads(
        (data_copy / "snapshots/migrationsverket/kommunmottagna-2018/snapshot.json").read_text()
    )
    entry = meta["files"][0]
    text = catalogue(load(data_copy))
    [row] = [line for line in text.splitlines() if line.startswith("| migrationsverket")]
    assert f"| {entry['sha256'][:12]}… |" in row
    assert "Kommunmottagna\\_enligt\\_ersattningsforordningen\\_2018\\.csv" in row
    assert "14\u202f713" in row  # its size in bytes, in Swedish digits
    assert meta["retrieved"].replace("-", "\\-").replace(":", "\\:") in row


def test_a_fresh_fetch_replaces_a_damaged_snapshot(httpserver, data_copy):
    fake = FakeScb(httpserver)
    assert scb_fetch(fake, data_copy).exit_code == 0
    good = tree(data_copy)
    (data_copy / "snapshots/scb-befolkning/2024/lan-01.json").write_text("{}")
    result = scb_fetch(fake, data_copy)
    assert result.exit_code == 0 and "new snapshot" in result.output
    changed = {k for k in good if tree(data_copy).get(k) != good[k]}
    # The answer's files are as before; only the metadata (retrieval time) is new.
    assert changed <= {"snapshots/scb-befolkning/2024/snapshot.json", "datapackage.json"}
