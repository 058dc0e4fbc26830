"""How figures read in the pages' running text: Swedish forms, and national figures either as
the summary states them or marked as sample data."""

import pytest

from lansbok.book import section_status
from lansbok.data import DEFAULT_DATA_DIR, load
from lansbok.figures import OFFICIAL, SAMPLE, Figure
from lansbok.geography import RIKET, Geography, resolve
from lansbok.landing import in_brief
from lansbok.report import Page, sv_figure, texts
from lansbok.sections import SECTIONS, key_figures, minors, reception, s37a, so, tia

DATA = load(DEFAULT_DATA_DIR)
NATIONAL = key_figures(DATA, RIKET)
SKANE = resolve("12", DATA.table("counties"))


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (32866, "persons", "32\u202f866"),
        (57.9, "percent", "58\u00a0%"),
        (-18.7, "percent change", "en minskning med 19\u00a0%"),
        (45.2, "percent change", "en ökning med 45\u00a0%"),
        (0.3, "percent change", "oförändrat"),
        (68_000_000, "SEK", "68 miljoner kronor"),
        (42_723_000, "SEK", "42,7 miljoner kronor"),
        (805_000, "SEK", "805\u202f000 kronor"),
        (0, "municipalities", "ingen kommun"),
        (1, "municipalities", "en kommun"),
        (4, "municipalities", "fyra kommuner"),
        (5, "children", "fem"),
        (13, "persons", "13"),
        (4.5, "percent", "5\u00a0%"),
        (183, "municipalities", "183 kommuner"),
    ],
)
def test_figures_in_running_text(value, unit, text):
    assert sv_figure(Figure("x", value, unit, OFFICIAL, ())) == text


def riket_text(key):
    page = Page(DATA, RIKET)
    return page.figure_text(NATIONAL[key], NATIONAL[key], page.stated_in_summary(NATIONAL))


def test_national_figures_read_as_the_summary_states_them():
    assert riket_text("newly_arrived_received_by_municipalities") == "32\u202f866"
    assert riket_text("newly_arrived_share_age_20_65") == "över 60\u00a0%"  # computed 61,8 %
    assert riket_text("newly_arrived_share_children") == "knappt 30\u00a0%"  # computed 29,5 %
    assert riket_text("tp_extension_applications") == "omkring 35\u202f000"


def test_national_sample_figures_the_summary_lacks_are_marked():
    assert NATIONAL["tia_projects"].status == SAMPLE
    assert riket_text("tia_projects") == f"{NATIONAL['tia_projects'].value} (exempeldata)"


def test_a_national_figure_that_disagrees_with_the_summary_is_marked():
    page = Page(DATA, RIKET)
    wrong = Figure("newly_arrived_share_women", 61.0, "percent", SAMPLE, ("reception",))
    stated = page.stated_in_summary({"newly_arrived_share_women": wrong})
    assert page.figure_text(wrong, wrong, stated) == "61\u00a0% (exempeldata)"


def test_county_text_compares_with_riket_as_the_summary_states_it():
    page = Page(DATA, SKANE)
    stated = page.stated_in_summary(NATIONAL)
    county = key_figures(DATA, SKANE)
    key = "newly_arrived_share_age_20_65"
    assert page.comparison(county[key], NATIONAL[key], stated) == " (riket: över 60\u00a0%)"
    key = "tia_grants_sek"
    text = page.comparison(county[key], NATIONAL[key], stated)
    assert "% av riket, där beloppet var 68 miljoner kronor)" in text


SECTION_MODULES = {"reception": reception, "minors": minors, "tia": tia, "s37a": s37a, "so": so}


def passages(geo):
    """Every passage of every section's running text for a geography, as Markdown."""
    out = {}
    for name, module in SECTION_MODULES.items():
        page = Page(DATA, geo)
        page.section = name
        figures = module.figures(DATA, geo)
        page.describe(figures, figures if geo.is_national else module.figures(DATA, RIKET))
        passages_of = texts(2024, name)
        extra = {
            "reception": reception.quota_revision(DATA) | reception.kommuntal_gaps(DATA, geo),
            "so": so.one_municipality_words(DATA, geo),
        }.get(name, {})
        for key in passages_of:
            out[(name, key)] = page.passage(key, **extra)
    return out


@pytest.mark.parametrize("code", ["SE", "12", "09"])
def test_every_passage_fills_every_name(code):
    for key, text in passages(resolve(code, DATA.table("counties"))).items():
        assert "$" not in text, key


def test_riket_text_gives_no_national_total_that_exists_only_in_sample_data():
    """TIA's and 37 a §'s national totals are sample data: not in Riket's running text."""
    text = " ".join(passages(RIKET).values())
    national = {**tia.figures(DATA, RIKET), **s37a.figures(DATA, RIKET)}
    for figure in national.values():
        assert figure.status == "sample"
        if figure.unit in {"persons", "SEK", "projects"}:
            assert sv_figure(figure) not in text, figure.indicator_id
    assert "(exempeldata)" not in text


def test_county_text_introduces_the_national_picture_as_such():
    text = passages(resolve("12", DATA.table("counties")))
    assert "I hela landet" in text[("reception", "etablering")]
    assert text[("tia", "bedomning")].startswith("Länsstyrelsernas bedömning för hela landet")
    assert "Skåne län" in text[("reception", "mottagna")]


def test_a_name_from_the_data_is_escaped_in_the_text():
    geo = resolve("12", DATA.table("counties"))
    page = Page(DATA, Geography(geo.code, "*Skåne* <b>län</b>"))
    page.section = "reception"
    figures = reception.figures(DATA, geo)
    page.describe(figures, reception.figures(DATA, RIKET))
    text = page.passage("mottagna")
    assert "\\*Skåne\\* \\<b\\>län\\<\\/b\\>" in text


def test_the_landing_page_gives_the_summary_figures_and_links_them():
    text = in_brief(DATA)
    for figure in ["32\u202f866", "9\u202f625", "17\u202f505", "9\u202f761", "492", "497"]:
        assert figure in text
    assert text.count(":link: /generated/2024/SE/") == 9
    assert "exempeldata" not in text.split("## Så läser du boken")[0]  # no figure is sample


def test_riket_status_is_official_where_the_summary_states_its_figures():
    counties = DATA.table("counties")
    assert section_status(DATA, RIKET, SECTIONS["reception"]).startswith("officiella riksuppgifter")
    assert section_status(DATA, RIKET, SECTIONS["tia"]) == "exempeldata"
    assert section_status(DATA, resolve("12", counties), SECTIONS["reception"]) == "exempeldata"


def test_gotland_is_one_municipality_in_the_text():
    gotland = resolve("09", DATA.table("counties"))
    text = " ".join(passages(gotland)[("so", "uppdrag")].split())
    assert "Gotlands län består av en enda kommun, Region Gotland." in text
    assert "% av kommunerna" not in text
    assert "Region Gotland svarade" in text and "Komvux" in text


def test_a_county_text_names_the_municipalities_without_kommuntal():
    counties = DATA.table("counties")
    for code in counties["county_code"]:
        geo = resolve(code, counties)
        words = reception.kommuntal_gaps(DATA, geo)
        count = reception.figures(DATA, geo)["municipalities_without_kommuntal_registered_tp"]
        named = words["utan_kommuntal_tp"]
        assert (count.value == 0) == (named == "")
        if count.value:
            assert named.count(",") + named.count(" och ") + 1 == count.value
