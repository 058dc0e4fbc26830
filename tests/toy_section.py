"""A sixth section, made for the registry test (tests/test_edition.py): the TIA projects of a
geography, counted again under another name."""

from lansbok.sections.common import FigureSet, in_geography


def figures(data, geo):
    out = FigureSet(data, geo)
    out.add("tia_projects", len(in_geography(data, "tia_grants", geo)), "tia_grants")
    return out
