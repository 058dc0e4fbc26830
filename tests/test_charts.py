"""The chart specifications: what a reader sees in them (source and status, units, order,
labels, ticks, width), checked on the Vega-Lite JSON Altair produces."""

import json

import pandas as pd
import pytest

from lansbok import charts
from lansbok.charts import SAMPLE_SOURCE, bar_chart, county_map_and_ranking, yearly_chart
from lansbok.geography import RIKET, resolve
from lansbok.sections import reception

CHART = {
    "title": "Titel",
    "category_title": "Kategori",
    "value_title": "Antal",
    "source": "Migrationsverket",
    "description": "Beskrivning",
}


def frame(status="sample", **columns):
    return pd.DataFrame(columns).assign(status=status)


def spec(chart) -> dict:
    return chart.to_dict()


def rows(spec_: dict) -> list[dict]:
    (values,) = spec_["datasets"].values()
    return values


def subtitle(spec_: dict) -> str:
    return " ".join(spec_["title"]["subtitle"])


def test_sample_data_names_no_producer_as_its_source():
    data = frame(kategori=["A", "B", "C"], antal=[3, 2, 1])
    text = subtitle(spec(bar_chart(data, "kategori", "antal", **CHART)))
    assert f"Källa: {SAMPLE_SOURCE}." in text
    assert "Migrationsverket" not in text
    assert "exempeldata (inte officiell statistik)" in text


def test_official_data_names_its_source():
    data = frame("official", kategori=["A", "B", "C"], antal=[3, 2, 1])
    text = subtitle(spec(bar_chart(data, "kategori", "antal", **CHART)))
    assert "Källa: Migrationsverket." in text and "officiell statistik" in text
    assert SAMPLE_SOURCE not in text


def test_title_lines_fit_a_phone():
    data = frame(kategori=["A", "B", "C"], antal=[3, 2, 1])
    long_title = "De 25 kommuner som tog emot flest nyanlända 2024, Västra Götalands län"
    out = spec(bar_chart(data, "kategori", "antal", **{**CHART, "title": long_title}))
    assert " ".join(out["title"]["text"]) == long_title
    assert max(map(len, out["title"]["text"])) <= charts.TITLE_CHARS
    assert max(map(len, out["title"]["subtitle"])) <= charts.SUBTITLE_CHARS


def test_charts_take_the_width_of_their_container():
    data = frame(kategori=["A", "B", "C"], antal=[3, 2, 1])
    out = spec(bar_chart(data, "kategori", "antal", **CHART))
    assert out["width"] == "container"
    assert out["autosize"] == {"type": "fit-x", "contains": "padding"}
    years = frame("official", year=[2020, 2022], version="initial", lanstal=[10, 20])
    out = spec(
        yearly_chart(
            years, "year", "lanstal", title="t", value_title="Länstal", source="s", description="d"
        )
    )
    assert out["width"] == "container"


def test_money_is_drawn_in_millions_of_kronor():
    data = frame(part=["a", "b", "c"], grant_sek=[32_000_000, 4_174_000, 550_000])
    chart = bar_chart(data, "part", "grant_sek", **{**CHART, "value_title": "Medel (mnkr)"})
    out = spec(chart)
    assert out["encoding"]["x"]["field"] == "grant_mnkr"
    assert out["encoding"]["x"]["title"] == "Medel (mnkr)"
    assert [r["grant_mnkr"] for r in rows(out)] == [32.0, 4.2, 0.6]
    tooltip = {t["field"]: t for t in out["encoding"]["tooltip"]}
    assert tooltip["grant_mnkr"]["format"] == ",.1f"
    with pytest.raises(ValueError, match="mnkr"):
        bar_chart(data, "part", "grant_sek", **{**CHART, "value_title": "Medel (kr)"})


def test_the_remainder_is_last_and_grey():
    data = frame(land=["Syrien", "Övriga", "Irak", "Eritrea"], barn=[75, 58, 15, 19])
    out = spec(bar_chart(data, "land", "barn", **CHART))
    assert out["encoding"]["y"]["sort"] == ["Syrien", "Eritrea", "Irak", "Övriga"]
    color = out["encoding"]["color"]
    assert color["condition"]["test"] == {"field": "land", "oneOf": ["Övriga", "Övrigt"]}
    assert color["condition"]["value"] == charts.OTHER_COLOR
    assert color["value"] == charts.BAR_COLOR


def test_labels_are_written_for_readers():
    data = frame(
        age=["0-17", "0-17", "20-65", "20-65", "66+", "66+"],
        sex=["kvinna", "man"] * 3,
        share=[14.4, 15.1, 38.5, 23.3, 3.5, 2.0],
    )
    chart = bar_chart(
        data, "age", "share", color="sex", color_title="Kön", sort=["0-17", "20-65", "66+"], **CHART
    )
    out = spec(chart)
    assert {r["sex"] for r in rows(out)} == {"Kvinnor", "Män"}
    assert {r["age"] for r in rows(out)} == {"0\u201317", "20\u201365", "66+"}
    assert out["encoding"]["y"]["sort"] == ["0\u201317", "20\u201365", "66+"]
    assert charts.label("komvux") == "Komvux"
    assert charts.label("annan kommunal förvaltning") == "Annan kommunal förvaltning"


def test_counts_have_whole_number_ticks_and_shares_do_not():
    counts = spec(bar_chart(frame(k=["A", "B", "C"], n=[3, 2, 1]), "k", "n", **CHART))
    assert counts["encoding"]["x"]["axis"]["tickMinStep"] == 1
    assert counts["encoding"]["x"]["axis"]["format"] == ",d"
    shares = spec(bar_chart(frame(k=["A", "B", "C"], n=[0.3, 0.2, 0.1]), "k", "n", **CHART))
    assert "tickMinStep" not in shares["encoding"]["x"].get("axis", {})


def test_one_or_two_categories_are_not_a_chart():
    two = frame(kategori=["A", "B"], antal=[3, 2])
    with pytest.raises(ValueError, match="categories"):
        bar_chart(two, "kategori", "antal", **CHART)
    assert charts.too_few_to_chart(two, "kategori")
    # Two categories with a colour split (age x sex) are still two categories.
    split = frame(kategori=["A", "A", "B", "B"], kon=["kvinna", "man"] * 2, antal=[1, 2, 3, 4])
    assert charts.too_few_to_chart(split, "kategori")


def test_the_page_shows_a_small_table_for_two_categories(dataset):
    from lansbok.report import Page

    page = Page(dataset, RIKET)
    two = frame(part=["ideell förening", "kommun"], grant_sek=[73_000, 55_000])
    out = page.bar_chart_or_note(
        two, category="part", value="grant_sek", **{**CHART, "value_title": "Medel (mnkr)"}
    )
    html = out.data
    assert 'class="lansbok-table"' in html and "<svg" not in html
    assert "Ideell förening" in html and "Medel (mnkr)" in html and "0,1" in html
    three = frame(part=["a", "b", "c"], antal=[3, 2, 1])
    assert isinstance(
        page.bar_chart_or_note(three, category="part", value="antal", **CHART), charts.alt.Chart
    )


def lanstal_chart(dataset, geo):
    history = reception.lanstal_history(dataset, geo)
    return spec(
        yearly_chart(
            history,
            "year",
            "lanstal",
            version="version",
            version_title="Beslut",
            title="t",
            value_title="Planerat antal anvisningar",
            source=reception.lanstal_source(history),
            description="d",
            status_text="fastställt i förordning",
        )
    )


def test_lanstal_shows_initial_and_revised_side_by_side(dataset):
    out = lanstal_chart(dataset, RIKET)
    values = {(r["year"], r["version"]): r["lanstal"] for r in rows(out)}
    assert values[(2024, "Ursprungligt")] == 2800
    assert values[(2024, "Reviderat")] == 18800
    assert out["encoding"]["xOffset"]["field"] == "version"
    assert out["encoding"]["color"]["scale"]["domain"] == ["Ursprungligt", "Reviderat"]
    text = subtitle(out)
    assert "Förordning (2016:40)" in text and "2024:480" in text
    assert "Status: fastställt i förordning." in text and "officiell statistik" not in text


def test_a_county_lanstal_chart_has_every_year_of_the_data(dataset):
    skane = resolve("12", dataset.table("counties"))
    out = lanstal_chart(dataset, skane)
    table = dataset.table("lanstal")
    expected = set(table.loc[table["county_code"] == "12", "year"])
    assert {r["year"] for r in rows(out)} == expected
    domain = out["encoding"]["x"]["scale"]["domain"]
    assert domain == list(range(min(expected), max(expected) + 1))
    missing = [str(y) for y in domain if y not in expected]
    assert f"Uppgift saknas för {charts.sv_list(missing)}." in subtitle(out)


def comparison_frames():
    counties = [("01", "Stockholms län"), ("12", "Skåne län"), ("14", "Västra Götalands län")]
    indicators = [
        ("received", "Mottagna", [100, 50, 70], "persons"),
        ("work", "Andel till arbete (%)", [20.0, 30.0, 25.0], "percent"),
        ("tia", "TIA-medel (kr)", [5_000_000, 3_000_000, 2_500_000], "SEK"),
    ]
    frame_ = pd.DataFrame(
        {
            "county_code": code,
            "county": name,
            "indicator_id": key,
            "indicator": label,
            "value": values[i],
            "status": "sample",
        }
        for key, label, values, _unit in indicators
        for i, (code, name) in enumerate(counties)
    )
    reference = pd.DataFrame(
        {"indicator_id": key, "unit": unit, "value": value}
        for (key, _l, _v, unit), value in zip(indicators, [220, 24.4, 10_500_000], strict=True)
    )
    outlines = {"type": "FeatureCollection", "features": []}
    return frame_, outlines, reference


def test_the_comparison_has_units_a_riket_line_and_integer_counts():
    frame_, outlines, reference = comparison_frames()
    chart = county_map_and_ranking(
        frame_, outlines, reference=reference, source="Migrationsverket", description="d"
    )
    out = spec(chart)
    text = json.dumps(out, ensure_ascii=False)
    assert "Värde för vald indikator" not in text
    assert SAMPLE_SOURCE in subtitle(out) and "Källa: Migrationsverket" not in text
    ranking = out["hconcat"][1]
    unit = ranking["title"]["text"]["expr"]
    assert '"Procent; streckad linje: riket 24,4"' in unit
    assert '"Antal personer"' in unit and '"Miljoner kronor (mnkr)"' in unit
    bars, line = ranking["layer"]
    assert bars["encoding"]["x"]["axis"]["tickMinStep"] == {
        "expr": 'indexof(["received"], indikator) >= 0 ? 1 : 0'
    }
    # Riket's line only for shares and rates, never for a count's total.
    line_data = out["datasets"][line["data"]["name"]]
    assert line_data == [{"indicator_id": "work", "value": 24.4}]
    assert line["mark"]["type"] == "rule"
    # Kronor drawn in millions; its label says so.
    wide = out["datasets"][bars["data"]["name"]]
    assert sorted(r["tia"] for r in wide) == [2.5, 3.0, 5.0]
    assert "TIA-medel (mnkr)" in text
    # Stacked on a narrow screen; a county preset from the address (?lan=12).
    assert out["usermeta"]["lansbok"] == {"stackBelow": 600, "urlParams": {"lan": "markerat"}}
    marked = next(p for p in out["params"] if p["name"] == "markerat")
    assert "12" in marked["bind"]["options"]


def test_the_loader_presets_params_from_the_address_and_stacks_when_narrow():
    loader = charts.CHART_LOADER
    assert "URLSearchParams(window.location.search)" in loader
    assert "spec.vconcat = spec.hconcat" in loader
