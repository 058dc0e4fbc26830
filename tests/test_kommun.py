"""Municipality pages: a municipality's rows and figures, beside its county and Riket, with the
small counts of unaccompanied minors protected as on every other page."""

import math

import pytest

from lansbok import kommun, privacy
from lansbok.geography import RIKET, NotAtLevel, municipalities, resolve, resolve_municipality
from lansbok.population import PER
from lansbok.report import Page
from lansbok.sections import PAGES, minors, reception, so
from lansbok.sections.common import in_geography


@pytest.fixture(scope="module")
def malmo(dataset):
    return resolve_municipality("1280", dataset.table("municipalities"))


@pytest.fixture(scope="module")
def geos(dataset):
    """Every municipality by code."""
    return {m.code: m for m in municipalities(dataset.table("municipalities"))}


def test_a_municipality_keeps_its_own_rows(dataset, malmo):
    rows = in_geography(dataset, "reception", malmo)
    table = dataset.table("reception")
    own = table[(table["municipality_code"] == "1280") & (table["year"] == dataset.year)]
    assert len(rows) == len(own) > 0
    assert set(rows["municipality_code"]) == {"1280"} and set(rows["county_code"]) == {"12"}
    assert rows["persons"].sum() == own["persons"].sum()
    assert set(rows["status"]) == {dataset.status("reception")}


@pytest.mark.parametrize(
    "name", ["temporary_protection", "establishment_participants", "tia_grants", "asylum_seekers"]
)
def test_a_coarser_table_is_refused_for_a_municipality(dataset, malmo, name):
    with pytest.raises(NotAtLevel, match=f"{name} has no municipality breakdown"):
        in_geography(dataset, name, malmo)


def test_county_figures_are_not_computed_for_a_municipality(dataset, malmo):
    with pytest.raises(NotAtLevel):
        reception.figures(dataset, malmo)  # temporary protection, establishment: county tables
    with pytest.raises(NotAtLevel):
        minors.figures(dataset, malmo)  # raw counts per municipality are never shown


def test_malmo_received_equals_its_rows_and_rate_uses_its_population(dataset, malmo):
    figures = reception.municipality_figures(dataset, malmo)
    table = dataset.table("reception")
    own = table[(table["municipality_code"] == "1280") & (table["year"] == dataset.year)]
    received = figures["newly_arrived_received_by_municipalities"]
    assert received.value == own["persons"].sum() > 0
    assert received.status == dataset.status("reception")
    women = own.loc[own["sex"] == "kvinna", "persons"].sum()
    assert figures["newly_arrived_share_women"].value == pytest.approx(
        100 * women / own["persons"].sum()
    )
    people = dataset.table("population_municipalities")
    inhabitants = people.loc[
        (people["municipality_code"] == "1280") & (people["year"] == dataset.year), "population"
    ].item()
    row = reception.municipality_comparison(dataset, malmo).set_index("indicator_id")
    row = row.loc["newly_arrived_received_by_municipalities"]
    assert row["municipality_rate"] == pytest.approx(PER * received.value / inhabitants)
    skane = resolve("12", dataset.table("counties"))
    assert row["county"] == reception.figures(dataset, skane)[received.indicator_id].value
    assert row["riket"] == reception.figures(dataset, RIKET)[received.indicator_id].value


@pytest.mark.parametrize("section", [reception, minors, so])
def test_municipality_figures_of_a_county_are_the_section_figures(dataset, section):
    """The same definitions at every level: a county's and Riket's municipality-table figures
    are those its pages show."""
    for geo in (RIKET, resolve("12", dataset.table("counties"))):
        shown = section.figures(dataset, geo)
        here = section.municipality_figures(dataset, geo)
        shared = [key for key in here if key in shown]
        assert shared
        for key in shared:
            assert here[key].value == pytest.approx(shown[key].value, nan_ok=True), key


def test_a_county_sums_its_municipalities(dataset):
    """Every municipality's received people and kommuntal add up to its county's."""
    skane = resolve("12", dataset.table("counties"))
    county = reception.municipality_figures(dataset, skane)
    own = [m for m in municipalities(dataset.table("municipalities")) if m.parent == "12"]
    for key in ("newly_arrived_received_by_municipalities", "kommuntal_ordinary"):
        total = sum(reception.municipality_figures(dataset, m)[key].value for m in own)
        assert total == county[key].value


def small_counts(dataset, name):
    """(municipality_code, category) of every count of 1–4 in the edition's year of a
    protected table, category 'total' for a municipality's total."""
    rule = privacy.policy(dataset)
    table = dataset.table(name)
    table = table[table["year"] == dataset.year]
    found = set()
    if "basis" in table:
        by_basis = table.groupby(["municipality_code", "basis"])["children"].sum()
        found |= {key for key, n in by_basis.items() if rule.hides(n)}
    totals = table.groupby("municipality_code")["children"].sum()
    found |= {(code, privacy.TOTAL) for code, n in totals.items() if rule.hides(n)}
    return found


FIGURE = {
    ("minors_assignments", "total"): "uam_assignments_total",
    ("minors_assignments", "anknytning"): "uam_assignments_anknytning",
    ("minors_assignments", "maluppfyllnad"): "uam_assignments_maluppfyllnad",
    ("minors_resettled", "total"): "uam_resettled",
}


@pytest.mark.parametrize("name", ["minors_assignments", "minors_resettled"])
def test_a_small_count_of_minors_is_never_shown(dataset, geos, name):
    """Every count of 1–4 is the symbol in a municipality's figures; in its comparison and its
    page table (checked for a few: each costs the county's and Riket's figures too) the symbol
    stands in the count's and the rate's place."""
    symbol = privacy.policy(dataset).symbol
    small = sorted(small_counts(dataset, name))
    assert small, "the data has small counts to protect"
    for code, category in small:
        key = FIGURE[(name, category)]
        value = minors.municipality_figures(dataset, geos[code])[key].value
        assert value == symbol, (code, category)
    for code, category in small[:: max(1, len(small) // 4)]:
        geo, key = geos[code], FIGURE[(name, category)]
        compared = minors.municipality_comparison(dataset, geo)
        row = compared.set_index("indicator_id").loc[key]
        assert row["municipality"] == row["municipality_rate"] == symbol
        shown = kommun.table_frame(dataset, compared)
        cells = shown.loc[shown["label"] == kommun.label(dataset, key)].iloc[0]
        assert cells["municipality"] == cells["municipality_rate"] == symbol


def test_municipality_counts_of_minors_are_the_published_ones(dataset):
    """A municipality page shows exactly what the protected tables publish, the symbol where
    they do (secondary suppression included), and the count elsewhere."""
    shown = privacy.protect(dataset, "minors_assignments").shown()
    shown = shown[shown["year"] == dataset.year].set_index(["municipality_code", "category"])
    for geo in municipalities(dataset.table("municipalities")):
        figures = minors.municipality_figures(dataset, geo)
        for category in ("anknytning", "maluppfyllnad", privacy.TOTAL):
            published = shown["count"].get((geo.code, category), 0)
            key = FIGURE[("minors_assignments", category)]
            assert figures[key].value == published, (geo.code, category)


def test_county_and_riket_counts_of_minors_are_exact(dataset, malmo):
    row = minors.municipality_comparison(dataset, malmo).set_index("indicator_id")
    table = dataset.table("minors_assignments")
    table = table[table["year"] == dataset.year]
    skane = table["municipality_code"].str.startswith("12")
    assert row.loc["uam_assignments_total", "county"] == table.loc[skane, "children"].sum()
    assert row.loc["uam_assignments_total", "riket"] == table["children"].sum()


def test_survey_answer_of_a_municipality(dataset, geos):
    survey = dataset.table("so_survey")
    survey = survey[survey["year"] == dataset.year]
    silent = survey.loc[~survey["answered"].astype(bool), "municipality_code"].iloc[0]
    geo = geos[silent]
    assert so.survey_answer(dataset, geo)["answered"] is False
    figures = so.municipality_figures(dataset, geo)
    assert figures["so_survey_response_rate"].value == 0
    assert math.isnan(figures["so_participants_women"].value)  # not answered: unknown, not 0
    assert "svarade inte" in kommun.survey_text(dataset, geo)
    row = survey[survey["municipality_code"] == "1280"].iloc[0]
    malmo = geos["1280"]
    answer = so.survey_answer(dataset, malmo)
    assert answer["answered"] is bool(row["answered"]) is True
    assert (answer["organiser"], answer["languages"]) == (row["organiser"], row["languages"])
    women = so.municipality_figures(dataset, malmo)["so_participants_women"].value
    assert women == row["participants_women"]


def test_the_page_table_in_swedish(dataset, malmo):
    frame = kommun.table_frame(dataset, so.municipality_comparison(dataset, malmo))
    response = frame.loc[frame["label"].str.startswith("Svarsfrekvens")].iloc[0]
    assert response["municipality"] == "ja" and response["municipality_rate"] == "–"
    assert response["county"].endswith("\u00a0%")
    received = kommun.table_frame(dataset, reception.municipality_comparison(dataset, malmo))
    assert received.iloc[0]["riket"] == "32\u202f866"
    assert kommun.caption(dataset, malmo, "reception") == (
        f"Mottagande {dataset.year}: Malmö, Skåne län och riket"
    )
    tables = set(PAGES["kommun"].tables)
    assert tables >= {"reception", "minors_assignments", "so_survey"}
    assert not tables & {"temporary_protection", "tia_grants"}


def test_the_page_figures_at_every_level(dataset, malmo):
    """The page's figures (what the runner keys a page by) for a municipality and for Riket."""
    here, national = kommun.figures(dataset, malmo), kommun.figures(dataset, RIKET)
    assert set(here) == set(national) == set(kommun.ROWS)
    assert (
        national["uam_assignments_total"].value
        == minors.figures(dataset, RIKET)["uam_assignments_total"].value
    )


@pytest.mark.parametrize(("lan", "code"), [("1280", "1280"), (1280, "1280"), (180, "0180")])
def test_page_opens_a_municipality_by_code(lan, code):
    page = Page.open(lan)
    assert (page.geo.code, page.geo.level) == (code, "kommun")
    assert Page.open("12").geo.level == "lan" and Page.open("SE").geo == RIKET


@pytest.mark.notebooks
@pytest.mark.parametrize("code", ["1280", "0980"])
def test_the_template_executes(tmp_path, code):
    import papermill

    from lansbok.data import DEFAULT_DATA_DIR, PROJECT_ROOT

    out = tmp_path / "kommun.ipynb"
    notebook = papermill.execute_notebook(
        str(PROJECT_ROOT / "notebooks" / "kommun.ipynb"),
        str(out),
        parameters={"lan": code, "data_dir": str(DEFAULT_DATA_DIR)},
        cwd=str(tmp_path),
        progress_bar=False,
    )
    html = "".join(
        "".join(output.get("data", {}).get("text/html", ""))
        for cell in notebook.cells
        for output in cell.get("outputs", [])
    )
    for title in ("Mottagande", "Ensamkommande barn", "Samhällsorientering"):
        assert f"<caption>{title} " in html  # each section's table, captioned
    assert "exempeldata" in html  # the sample data is said to be so
    # Both have suppressed counts of minors in the sample: the symbol is shown and explained.
    assert "<td>..</td>" in html and "visas inte för att skydda enskilda barn" in html


def test_a_county_of_one_municipality_shows_no_small_count_of_minors(dataset):
    """Gotland: the county is the municipality, so neither its county column nor the county's
    own figures may show what the municipality's suppresses."""
    gotland = resolve_municipality("0980", dataset.table("municipalities"))
    table = kommun.table_frame(dataset, minors.municipality_comparison(dataset, gotland))
    assert "county" not in kommun.columns(dataset, gotland, table)
    county = PAGES["minors"].figures(dataset, resolve("09", dataset.table("counties")))
    published = minors._published(dataset, "minors_assignments", "0980")
    for basis in minors.BASES:
        share = county[f"uam_assignments_share_{basis}"].value
        assert (published.get(basis) == "..") == math.isnan(share)  # unknown exactly where hidden
    assert ".." in published.values()  # the shipped sample hides one of Gotland's counts


def test_riket_stands_as_the_summary_states_it(dataset, malmo):
    table = kommun.table_frame(dataset, reception.municipality_comparison(dataset, malmo))
    riket = dict(zip(table["label"], table["riket"], strict=True))
    age = kommun.label(dataset, "newly_arrived_share_age_20_65")
    assert riket[age] == "över 60\u00a0%"  # the summary's words, not the sample's 62 %
    assert "Rikets siffror står som sammanfattningen anger dem" in kommun.sample_notice(["sample"])


def test_a_table_gives_riket_in_digits_and_gotland_without_its_county(dataset):
    gotland = resolve_municipality("0980", dataset.table("municipalities"))
    table = kommun.table_frame(dataset, minors.municipality_comparison(dataset, gotland))
    riket = dict(zip(table["label"], table["riket"], strict=True))
    resettled = dataset.published().set_index("indicator_id").loc["uam_resettled", "value"]
    assert riket[kommun.label(dataset, "uam_resettled")] == f"{resettled:.0f}"  # not "fem"
    assert (
        kommun.caption(dataset, gotland, "minors")
        == f"Ensamkommande barn {dataset.year}: Gotland och riket"
    )
