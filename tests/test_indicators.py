"""The indicator registry (data/indicators.csv): one place for each indicator's section, unit,
label and producer, read by the figures, the comparison, the overview and the reconciliation."""

import re

import pytest
from conftest import edit_csv

from lansbok import comparisons, overview, sections
from lansbok.data import load
from lansbok.figures import UnknownIndicator, indicator, registry
from lansbok.geography import RIKET, counties
from lansbok.report import PERCENT_UNITS, WORD_UNITS
from lansbok.run import TEMPLATES_DIR, KeyMaker


def test_every_computed_figure_is_in_the_registry_under_its_section(dataset):
    """Every id a section computes, for Riket and for every county, is described, under the
    section that computes it."""
    described = registry(dataset)
    for geo in [RIKET, *counties(dataset.table("counties"))]:
        for name, module in sections.SECTIONS.items():
            for key in module.figures(dataset, geo):
                assert described[key].section == name, key


def test_the_pages_show_only_described_indicators(dataset):
    shown = [*comparisons.INDICATORS, *overview.HEADLINES, *sections.NOT_COMPUTABLE]
    shown += [part for parts in overview.SUMS.values() for part in parts]
    assert set(shown) <= set(registry(dataset))
    assert set(dataset.published()["indicator_id"]) <= set(registry(dataset))


def test_labels_carry_no_year_and_units_are_known(dataset):
    """A page adds the year and the unit to a label where it needs them."""
    known = PERCENT_UNITS | WORD_UNITS | {"SEK", "hours"}
    for key, described in registry(dataset).items():
        assert not re.search(r"\b(19|20)\d\d\b", described.label_sv), key
        assert not described.label_sv.endswith(("(%)", "(kr)")), key
        assert described.label_sv[0].isupper() and described.description_sv.endswith("."), key
        assert described.unit in known and described.producer, key


def test_a_unit_changed_in_the_registry_changes_the_figure(data_copy):
    data = load(data_copy)
    assert sections.SECTIONS["tia"].figures(data, RIKET)["tia_participants"].unit == "persons"
    edit_csv(
        data_copy / "indicators.csv",
        "\ntia_participants,tia,persons,",
        "\ntia_participants,tia,children,",
    )
    data = load(data_copy)
    assert sections.SECTIONS["tia"].figures(data, RIKET)["tia_participants"].unit == "children"


def test_a_unit_changed_in_the_registry_changes_the_reconciliation(data_copy):
    edit_csv(
        data_copy / "indicators.csv",
        "\nnewly_arrived_share_women,reception,percent,",
        "\nnewly_arrived_share_women,reception,persons,",
    )
    _, table = sections.reconciliation(load(data_copy))
    row = table.set_index("indicator_id").loc["newly_arrived_share_women"]
    assert (row["unit"], row["section"]) == ("persons", "reception")


def test_a_label_changed_in_the_registry_changes_the_pages(data_copy):
    edit_csv(data_copy / "indicators.csv", ",Beviljade TIA-medel,", ",TIA-medel som beviljats,")
    data = load(data_copy)
    labels = set(comparisons.county_indicators(data)["indicator"])
    assert f"TIA-medel som beviljats {data.year} (kr)" in labels
    assert not any("Beviljade TIA-medel" in label for label in labels)
    county = counties(data.table("counties"))[0]
    assert "TIA-medel som beviljats" in [row.label for row in overview.rows(data, county)]


def test_the_comparison_adds_year_and_unit_to_the_registry_label(dataset):
    frame = comparisons.county_indicators(dataset).drop_duplicates("indicator_id")
    labels = frame.set_index("indicator_id")["indicator"]
    assert labels["tia_grants_sek"] == f"Beviljade TIA-medel {dataset.year} (kr)"
    assert labels["newly_arrived_share_ukrainian"] == "Andel med ukrainskt medborgarskap (%)"
    assert (
        labels["est_participants"] == f"Deltagare i etableringsprogrammet, december {dataset.year}"
    )
    # A rate is described from its count: its label and unit are not in the registry.
    rate = "est_participants_per_10000"
    assert rate not in registry(dataset)
    assert (
        labels[rate] == "Deltagare i etableringsprogrammet, december 2024, per 10\u202f000 invånare"
    )


def test_an_indicator_missing_from_the_registry_is_an_error_naming_it(data_copy):
    path = data_copy / "indicators.csv"
    line = next(r for r in path.read_text().splitlines() if r.startswith("tia_projects,"))
    edit_csv(path, "\n" + line, "")
    with pytest.raises(UnknownIndicator, match=r"'tia_projects' is not in .*data/indicators\.csv"):
        sections.SECTIONS["tia"].figures(load(data_copy), RIKET)
    with pytest.raises(UnknownIndicator, match="tia_projects"):
        indicator(load(data_copy), "tia_projects")


def test_a_registry_change_re_executes_every_page(data_copy):
    template = TEMPLATES_DIR / "so.ipynb"
    before = KeyMaker(load(data_copy), data_copy).key(template, RIKET, "so")
    edit_csv(data_copy / "indicators.csv", ",Beviljade TIA-medel,", ",TIA-medel som beviljats,")
    assert KeyMaker(load(data_copy), data_copy).key(template, RIKET, "so") != before


def test_the_comparison_names_the_producers_of_its_indicators(data_copy):
    assert comparisons.source(load(data_copy)) == (
        "Migrationsverket, Arbetsförmedlingen, Länsstyrelserna"
    )
    registry_path = data_copy / "indicators.csv"
    text = registry_path.read_text(encoding="utf-8").replace(",Arbetsförmedlingen\n", ",AF\n")
    registry_path.write_text(text, encoding="utf-8")
    assert comparisons.source(load(data_copy)) == "Migrationsverket, AF, Länsstyrelserna"
