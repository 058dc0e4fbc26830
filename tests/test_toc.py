"""The table of contents with municipality pages, from pages laid out as the runner writes them
(empty files stand for executed notebooks: no kernel runs)."""

import re

import pytest
import yaml
from typer.testing import CliRunner

from lansbok.cli import app
from lansbok.data import DEFAULT_DATA_DIR, load
from lansbok.geography import counties, municipalities
from lansbok.report import swedish_key
from lansbok.sections import SECTIONS
from lansbok.toc import county_of, write_toc

YEAR = 2024


def lay_out(out, dataset, municipality_codes):
    """Riket's and every county's pages, and the municipality pages of the codes given."""
    edition = out / str(YEAR)
    folders = {
        "SE": [*SECTIONS, "comparisons"],
        **{geo.code: ["overview", *SECTIONS] for geo in counties(dataset.table("counties"))},
        **{code: ["kommun"] for code in municipality_codes},
    }
    for code, pages in folders.items():
        (edition / code).mkdir(parents=True)
        for page in pages:
            (edition / code / f"{page}.ipynb").write_text("{}")


def chapters_of(toc):
    return next(part for part in toc["parts"] if part["caption"] == "Länen")["chapters"]


def skane_index(toc):
    skane = next(c for c in chapters_of(toc) if c["file"] == f"generated/{YEAR}/12/overview")
    return skane["sections"][-1]


@pytest.fixture
def every_municipality(tmp_path, dataset):
    out = tmp_path / "generated"
    data = dataset.edition(YEAR)
    lay_out(out, data, list(data.table("municipalities")["municipality_code"]))
    return out, data, yaml.safe_load(write_toc(data, out).read_text(encoding="utf-8"))


def test_every_municipality_is_listed_under_its_county_index(every_municipality):
    _out, data, toc = every_municipality
    table = data.table("municipalities")
    listed = 0
    for geo, chapter in zip(counties(data.table("counties")), chapters_of(toc), strict=True):
        # The county's own pages, then one entry that holds its municipalities, folded away.
        files = [s["file"] for s in chapter["sections"]]
        assert files == [
            *(f"generated/{YEAR}/{geo.code}/{s}" for s in SECTIONS),
            f"generated/{YEAR}/{geo.code}/kommuner",
        ]
        index = chapter["sections"][-1]
        assert index["title"] == f"Kommuner i {geo.name}"
        own = table[table["county_code"] == geo.code]
        expected = sorted(own["name_short"], key=swedish_key)
        assert [s["title"] for s in index["sections"]] == expected
        names = own.set_index("name_short")["municipality_code"]
        assert [s["file"] for s in index["sections"]] == [
            f"generated/{YEAR}/{names[name]}/kommun" for name in expected
        ]
        listed += len(index["sections"])
    assert listed == 290
    skane = skane_index(toc)["sections"]
    assert len(skane) == 33 and skane[0]["title"] == "Bjuv" and skane[-1]["title"] == "Östra Göinge"


def test_the_index_page_links_every_municipality_of_its_county(every_municipality):
    out, _data, _toc = every_municipality
    text = (out / str(YEAR) / "12" / "kommuner.md").read_text(encoding="utf-8")
    assert text.startswith("# Kommuner i Skåne län\n")
    links = re.findall(r"^- \{doc\}`(.+) </generated/2024/(\d{4})/kommun>`$", text, re.M)
    assert len(links) == 33
    assert ("Malmö", "1280") in links and ("Ängelholm", "1292") in links
    assert [name for name, _ in links] == sorted((n for n, _ in links), key=swedish_key)
    gotland = (out / str(YEAR) / "09" / "kommuner.md").read_text(encoding="utf-8")
    assert re.findall(r"\{doc\}`(.+) </generated/2024/(\d{4})/kommun>`", gotland) == [
        ("Gotland", "0980")
    ]


def test_municipality_pages_and_the_index_stay_in_their_county(every_municipality):
    _out, _data, toc = every_municipality
    for chapter in chapters_of(toc):
        county = county_of(chapter["file"])
        index = chapter["sections"][-1]
        assert county_of(index["file"]) == county
        assert {county_of(s["file"]) for s in index["sections"]} == {county}


def test_a_name_from_the_data_is_escaped_on_the_index_page(tmp_path):
    data = load(DEFAULT_DATA_DIR).edition(YEAR)  # its own tables, changed below
    table = data.table("municipalities")
    table.loc[table["municipality_code"] == "1280", "name_short"] = "Malmö*<b>`x`"
    out = tmp_path / "generated"
    lay_out(out, data, ["1280"])
    toc = yaml.safe_load(write_toc(data, out).read_text(encoding="utf-8"))
    text = (out / str(YEAR) / "12" / "kommuner.md").read_text(encoding="utf-8")
    assert r"{doc}`Malmö\*\<b\>\`x\` </generated/2024/1280/kommun>`" in text
    assert skane_index(toc)["sections"] == [
        {"file": "generated/2024/1280/kommun", "title": "Malmö*<b>`x`"}
    ]


def test_the_default_book_has_no_municipality_index(tmp_path, dataset):
    data = dataset.edition(YEAR)
    out = tmp_path / "generated"
    lay_out(out, data, [])
    toc = yaml.safe_load(write_toc(data, out).read_text(encoding="utf-8"))
    for chapter in chapters_of(toc):
        assert [s["file"].rsplit("/", 1)[1] for s in chapter["sections"]] == list(SECTIONS)
    assert not list(out.rglob("kommuner.md"))


@pytest.mark.parametrize(
    ("args", "env"),
    [(["--kommuner"], {}), ([], {"LANSBOK_KOMMUNER": "1"}), (["--kommun", "1280"], {})],
)
def test_book_kommuner_asks_for_every_municipality(monkeypatch, dataset, args, env):
    import lansbok.book

    asked = {}

    def fake_build(**options):
        asked.update(options)
        raise lansbok.book.BuildError("stopped here")

    monkeypatch.setattr(lansbok.book, "build", fake_build)
    monkeypatch.delenv("LANSBOK_KOMMUNER", raising=False)
    result = CliRunner().invoke(app, ["book", *args], env=env)
    assert result.exit_code == 1 and "stopped here" in result.output
    every = municipalities(dataset.table("municipalities"))
    expected = every if args != ["--kommun", "1280"] else [g for g in every if g.code == "1280"]
    assert asked["municipalities"] == expected
    assert len(asked["municipalities"]) == (290 if args != ["--kommun", "1280"] else 1)
