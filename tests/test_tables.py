"""The pages' tables and downloads: every municipality with its county, markup that long tables
are sorted and filtered by, and downloads in Swedish that Swedish Excel opens as they are."""

import io
import math
from html.parser import HTMLParser

import pandas as pd
from openpyxl import load_workbook

from lansbok.book import catalogue, sample_method
from lansbok.data import DEFAULT_DATA_DIR, load
from lansbok.geography import RIKET, resolve
from lansbok.privacy import policy
from lansbok.report import PLAIN_ROWS, Page, download_table
from lansbok.sections import minors, reception

DATA = load(DEFAULT_DATA_DIR)
MUNICIPALITIES = DATA.table("municipalities")
NORRBOTTEN = resolve("25", DATA.table("counties"))


class Table(HTMLParser):
    """A table's class, headings and rows, each cell as (text, attributes)."""

    def __init__(self, markup: str):
        super().__init__()
        self.classes, self.headings, self.rows, self._cell = "", [], [], None
        self.feed(markup)

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.classes = dict(attrs).get("class", "")
        elif tag == "tr":
            self.rows.append([])
        elif tag in {"td", "th"}:
            self._cell = ["", dict(attrs)]

    def handle_data(self, data):
        if self._cell is not None:
            self._cell[0] += data

    def handle_endtag(self, tag):
        if tag in {"td", "th"}:
            if tag == "th":
                self.headings.append(self._cell[0])
            else:
                self.rows[-1].append(tuple(self._cell))
            self._cell = None

    @property
    def body(self):
        return [row for row in self.rows if row]


def riket_reception():
    page = Page(DATA, RIKET)
    received = reception.received_by_municipality(DATA, RIKET)
    return page, page.municipalities(received, counts=["persons"])


def test_riket_table_is_sortable_with_a_county_column_and_numeric_order():
    page, table = riket_reception()
    html = page.table(table, {"municipality": "Kommun", "persons": "Mottagna 2024"}, "T").data
    parsed = Table(html)
    assert parsed.classes.split() == ["lansbok-data", "lansbok-sortable"]
    assert parsed.headings == ["Kommun", "Län", "Mottagna 2024"]
    assert len(parsed.body) == len(MUNICIPALITIES)  # every municipality, zeros too
    names = DATA.table("counties").set_index("county_code")["name"]
    county_of = MUNICIPALITIES.set_index("name_short")["county_code"].map(names)
    for (name, _), (county, _), (text, attrs) in parsed.body:
        assert county == county_of[name]
        assert attrs["class"] == "lansbok-number"
        assert text.replace("\u202f", "") == attrs["data-order"]  # sorts as a number
    shown = {row[0][0]: int(row[2][1]["data-order"]) for row in parsed.body}
    expected = table.set_index("municipality")["persons"]
    assert shown == expected.to_dict()
    assert sum(shown.values()) == reception.received_by_municipality(DATA, RIKET)["persons"].sum()
    orders = [int(row[2][1]["data-order"]) for row in parsed.body]
    assert orders == sorted(orders, reverse=True)  # largest first


def test_a_county_table_lists_every_municipality_and_stays_plain():
    page = Page(DATA, NORRBOTTEN)
    assigned = minors.assignments_by_municipality(DATA, NORRBOTTEN)
    table = page.municipalities(assigned, counts=["anknytning", "maluppfyllnad", "children"])
    own = MUNICIPALITIES[MUNICIPALITIES["county_code"] == "25"]
    assert sorted(table["municipality_code"]) == sorted(own["municipality_code"])
    assert len(assigned) < len(own)  # the sparse table leaves municipalities out
    zeros = table[~table["municipality_code"].isin(assigned["municipality_code"])]
    assert (zeros[["anknytning", "maluppfyllnad", "children"]] == 0).all().all()
    assert set(table["status"]) == set(assigned["status"])
    columns = {"municipality": "Kommun", "children": "Totalt"}
    parsed = Table(page.table(table, columns, "T").data)
    assert len(parsed.body) <= PLAIN_ROWS and "lansbok-sortable" not in parsed.classes
    assert parsed.headings == ["Kommun", "Totalt"]  # no county column on the county's page
    rule = policy(DATA)
    for _name, (text, attrs) in parsed.body:
        if text == rule.symbol:  # suppressed cells sort together and reveal nothing
            assert attrs["data-order"] == "-1"
        else:
            assert not rule.hides(int(text)) and attrs["data-order"] == text


def test_downloads_are_swedish_and_open_in_swedish_excel(tmp_path, monkeypatch):
    page, table = riket_reception()
    monkeypatch.chdir(tmp_path)
    page.download(table, "reception.csv", {"municipality": "Kommun", "persons": "Antal mottagna"})
    raw = (tmp_path / "reception.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM
    header = raw.decode("utf-8-sig").splitlines()[0]
    assert header == "Kommunkod;Kommun;Länskod;Län;Antal mottagna;Status"
    csv = pd.read_csv(
        tmp_path / "reception.csv", sep=";", decimal=",", encoding="utf-8-sig", dtype={0: str}
    )
    assert csv["Antal mottagna"].sum() == table["persons"].sum()
    assert set(csv["Status"]) == {"exempeldata"}
    sheet = load_workbook(tmp_path / "reception.xlsx").active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("Kommunkod", "Kommun", "Länskod", "Län", "Antal mottagna", "Status")
    assert len(rows) == len(MUNICIPALITIES) + 1
    counts = [cell for cell in sheet["E"][1:]]
    assert all(cell.data_type == "n" and isinstance(cell.value, int) for cell in counts)
    assert sum(cell.value for cell in counts) == table["persons"].sum()
    assert {cell.value for cell in sheet["F"][1:]} == {"exempeldata"}
    assert all(cell.data_type == "s" for cell in sheet["A"][1:])  # codes keep their zeros


def test_a_formula_like_name_is_text_in_the_workbook(tmp_path, monkeypatch):
    page = Page(DATA, RIKET)
    frame = pd.DataFrame(
        {"municipality": ['=HYPERLINK("x")', "Kiruna"], "children": [5, 0], "status": "official"}
    )
    monkeypatch.chdir(tmp_path)
    page.download(frame, "t.csv", {"children": "Barn"})
    sheet = load_workbook(tmp_path / "t.xlsx").active
    assert (sheet["A2"].value, sheet["A2"].data_type) == ('=HYPERLINK("x")', "s")
    assert sheet["A2"].quotePrefix
    assert (sheet["B2"].value, sheet["B2"].data_type) == (5, "n")
    assert sheet["C2"].value == "officiell"
    text = (tmp_path / "t.csv").read_text(encoding="utf-8-sig")
    assert text.splitlines()[1] == """"'=HYPERLINK(""x"")";5;officiell"""


def test_download_numbers_are_whole_or_rounded():
    frame = pd.DataFrame(
        {"Län": ["A", "B"], "Antal": [6610.0, 12.0], "Andel": [83.34341906202724, 12.25]}
    ).assign(status="sample")
    out = download_table(frame, {"Län": "Län", "Antal": "Antal", "Andel": "Andel (%)"})
    assert list(out.columns) == ["Län", "Antal", "Andel (%)", "Status"]
    assert list(out["Antal"]) == [6610, 12] and str(out["Antal"].dtype) == "Int64"
    assert list(out["Andel (%)"]) == [83.3, 12.3]  # half up, as the pages round
    assert list(out["Status"]) == ["exempeldata", "exempeldata"]
    text = io.BytesIO()
    out.to_csv(text, index=False)
    assert b"6610.0" not in text.getvalue() and b"83.343" not in text.getvalue()


def test_a_missing_share_stays_missing():
    out = download_table(pd.DataFrame({"x": [1.5, math.nan]}), {"x": "X"})
    assert out["X"].iloc[0] == 1.5 and math.isnan(out["X"].iloc[1])


def test_method_and_catalogue_show_commands_as_code_not_backticks():
    method = sample_method(DATA)
    assert "\\`" not in method and "`lansbok sample`" in method
    assert method.startswith("Framtagen med")
    text = catalogue(DATA)
    assert "\\`" not in text
    headings = [line for line in text.splitlines() if line.startswith("### ")]
    assert len(headings) == len(DATA.resources) and "### Län" in headings
    assert "Generated by" not in method
