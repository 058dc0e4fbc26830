import pytest

from lansbok.geography import RIKET, UnknownGeography, resolve


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
