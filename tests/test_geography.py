import pytest

from lansbok.geography import (
    RIKET,
    UnknownGeography,
    finest_level,
    is_municipality_code,
    municipalities,
    parent_of,
    resolve,
    resolve_municipality,
)


@pytest.mark.parametrize(
    "value", ["12", 12, "Skåne", "Skåne län", "skane", "SKÅNE LÄN", "M", "m", "SE-M"]
)
def test_skane_resolves_from_code_name_and_letter(dataset, value):
    geo = resolve(value, dataset.table("counties"))
    assert (geo.code, geo.name, geo.letter_code) == ("12", "Skåne län", "M")


@pytest.mark.parametrize("value", ["SE", "se", "Riket"])
def test_riket(dataset, value):
    assert resolve(value, dataset.table("counties")) == RIKET


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("1", "01"),
        ("AB", "01"),
        ("Stockholm", "01"),
        ("Västra Götaland", "14"),
        ("O", "14"),
        ("Gotland", "09"),
        ("I", "09"),
        ("Dalarna", "20"),
        ("BD", "25"),
        ("Örebro", "18"),
    ],
)
def test_every_kind_of_name(dataset, value, code):
    assert resolve(value, dataset.table("counties")).code == code


@pytest.mark.parametrize("value", ["XX", "99", "Atlantis", "02", ""])
def test_unknown_county_lists_the_valid_ones(dataset, value):
    with pytest.raises(UnknownGeography) as error:
        resolve(value, dataset.table("counties"))
    message = str(error.value)
    assert "12 Skåne län (M)" in message and "25 Norrbottens län (BD)" in message


# Levels and municipalities.


def test_levels_and_parents(dataset):
    skane = resolve("12", dataset.table("counties"))
    malmo = resolve_municipality("1280", dataset.table("municipalities"))
    assert (RIKET.level, RIKET.parent, RIKET.is_national) == ("riket", None, True)
    assert (skane.level, skane.parent, skane.is_county, skane.is_national) == (
        "lan",
        "SE",
        True,
        False,
    )
    assert (malmo.level, malmo.parent, malmo.is_municipality, malmo.is_county) == (
        "kommun",
        "12",
        True,
        False,
    )
    assert parent_of(malmo, dataset.table("counties")) == skane
    assert parent_of(skane, dataset.table("counties")) == RIKET
    assert parent_of(RIKET, dataset.table("counties")) is None


def test_every_municipality_listed_with_its_county(dataset):
    table = dataset.table("municipalities")
    listed = municipalities(table)
    assert len(listed) == 290 == len({m.code for m in listed})
    expected = table.set_index("municipality_code")
    for muni in listed:
        assert muni.level == "kommun" and len(muni.code) == 4
        assert muni.parent == expected.loc[muni.code, "county_code"] == muni.code[:2]
        assert muni.name == expected.loc[muni.code, "name_short"]
    gotland = [m for m in listed if m.parent == "09"]
    assert [(m.code, m.name) for m in gotland] == [("0980", "Gotland")]


@pytest.mark.parametrize(
    ("value", "code", "name"),
    [
        ("1280", "1280", "Malmö"),
        (1280, "1280", "Malmö"),
        ("Malmö", "1280", "Malmö"),
        ("malmo", "1280", "Malmö"),
        ("MALMÖ", "1280", "Malmö"),
        ("Malmö kommun", "1280", "Malmö"),
        ("Malmö stad", "1280", "Malmö"),
        (" malmö  ", "1280", "Malmö"),
        ("0180", "0180", "Stockholm"),
        (180, "0180", "Stockholm"),
        ("180", "0180", "Stockholm"),
        ("Stockholms stad", "0180", "Stockholm"),
        ("Göteborg", "1480", "Göteborg"),
        ("goteborg", "1480", "Göteborg"),
        ("Göteborgs kommun", "1480", "Göteborg"),
        ("Göteborgs stad", "1480", "Göteborg"),
        ("Upplands Väsby", "0114", "Upplands Väsby"),
        ("upplands vasby", "0114", "Upplands Väsby"),
        ("Upplands-Väsby", "0114", "Upplands Väsby"),
        ("Malung-Sälen", "2023", "Malung-Sälen"),
        ("malung salen", "2023", "Malung-Sälen"),
        ("Malung-Sälens kommun", "2023", "Malung-Sälen"),
        ("Gotland", "0980", "Gotland"),
        ("Region Gotland", "0980", "Gotland"),
        ("0980", "0980", "Gotland"),
        ("Örebro", "1880", "Örebro"),
        ("orebro kommun", "1880", "Örebro"),
    ],
)
def test_municipality_from_code_and_name_variants(dataset, value, code, name):
    geo = resolve_municipality(value, dataset.table("municipalities"))
    assert (geo.code, geo.name, geo.level) == (code, name, "kommun")


def test_accents_tell_habo_from_habo(dataset):
    """Habo (Jönköpings län) and Håbo (Uppsala län) differ only by an accent."""
    table = dataset.table("municipalities")
    assert resolve_municipality("Habo", table).code == "0643"
    assert resolve_municipality("håbo", table).code == "0305"
    with pytest.raises(UnknownGeography, match=r"Håbo \(0305\), Habo \(0643\)"):
        resolve_municipality("Hâbo", table)


@pytest.mark.parametrize(
    ("value", "suggested"),
    [("Malmoe", "Malmö (1280)"), ("Göteborgg", "Göteborg (1480)"), ("Atlantis", None)],
)
def test_unknown_municipality_name_suggests_the_closest(dataset, value, suggested):
    with pytest.raises(UnknownGeography) as error:
        resolve_municipality(value, dataset.table("municipalities"))
    message = str(error.value)
    assert repr(value) in message and "290 municipalities" in message
    if suggested:
        assert f"Closest: {suggested}" in message


@pytest.mark.parametrize("value", ["9999", "12", "0000", ""])
def test_unknown_municipality_code(dataset, value):
    with pytest.raises(UnknownGeography, match="290 municipalities"):
        resolve_municipality(value, dataset.table("municipalities"))


def test_a_municipality_is_no_county(dataset):
    """resolve stays the county resolver: a municipality's name gives its county where they
    share it, never the municipality; a four-digit code is no county."""
    counties = dataset.table("counties")
    assert resolve("Gotland", counties).code == "09"
    with pytest.raises(UnknownGeography):
        resolve("1280", counties)
    assert is_municipality_code("1280") and is_municipality_code(180)
    assert not is_municipality_code("12") and not is_municipality_code("SE")


def test_finest_level_from_the_schema(dataset):
    levels = {name: finest_level(resource) for name, resource in dataset.resources.items()}
    assert levels["reception"] == levels["minors_assignments"] == levels["so_survey"] == "kommun"
    assert levels["temporary_protection"] == levels["tia_grants"] == "lan"
    assert levels["establishment_exits"] == levels["population"] == "lan"
    assert levels["asylum_seekers"] == levels["minors_applications"] == "riket"
