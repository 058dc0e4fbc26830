"""How figures read in the pages' running text: Swedish forms, and national figures either as
the summary states them or marked as sample data."""

import pytest

from lansbok.data import DEFAULT_DATA_DIR, load
from lansbok.figures import OFFICIAL, SAMPLE, Figure
from lansbok.geography import RIKET, resolve
from lansbok.report import Page, sv_figure
from lansbok.sections import key_figures

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
        (1, "municipalities", "1 kommun"),
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
    wrong = Figure("newly_arrived_share_women", 61.0, "percent", SAMPLE, ("reception_2024",))
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
