"""Unaccompanied minors (ensamkommande barn): applications, assignments and resettlement."""

from __future__ import annotations

import math

import pandas as pd

from lansbok import privacy
from lansbok.data import Dataset
from lansbok.figures import share
from lansbok.geography import Geography, NotAtLevel
from lansbok.sections import municipal
from lansbok.sections.common import FigureSet, county_code_of, in_geography

# Indicator id of each country's share of the asylum-seeking minors in the summary.
COUNTRY_SHARES = {
    "Syrien": "uam_asylum_share_syria",
    "Afghanistan": "uam_asylum_share_afghanistan",
    "Marocko": "uam_asylum_share_morocco",
    "Somalia": "uam_asylum_share_somalia",
    "Eritrea": "uam_asylum_share_eritrea",
}


def applications_by_country(data: Dataset) -> pd.DataFrame:
    """Asylum-seeking and temporary-protection minors by citizenship in the edition's year
    (national only)."""
    frame = data.table("minors_applications")
    frame = frame[frame["year"] == data.year].assign(status=data.status("minors_applications"))
    totals = frame.groupby("basis")["children"].transform("sum")
    return frame.assign(share=100 * frame["children"] / totals).sort_values(
        ["basis", "children"], ascending=[True, False], kind="stable"
    )


def assignments_by_municipality(data: Dataset, geo: Geography) -> pd.DataFrame:
    """Children assigned in the year per municipality and basis (anknytning / måluppfyllnad), as
    published: small counts are the policy's symbol (lansbok.privacy). Published counts come
    first, largest first; municipalities whose total is suppressed follow in code order, so that
    the order reveals nothing."""
    protected = privacy.protect(data, "minors_assignments")
    shown = protected.shown()
    if not geo.is_national:
        shown = shown[shown["county_code"] == geo.code]
    wide = shown.pivot(index="municipality_code", columns="category", values="count")
    wide = wide.reindex(columns=["anknytning", "maluppfyllnad", privacy.TOTAL], fill_value=0)
    wide = wide.rename(columns={privacy.TOTAL: "children"}).reset_index()
    wide.columns.name = None
    names = data.table("municipalities").set_index("municipality_code")["name_short"]
    wide.insert(1, "municipality", wide["municipality_code"].map(names))
    wide["status"] = data.status("minors_assignments", county_code_of(geo))
    published = wide["children"] != protected.symbol
    by_count = wide[published].sort_values(
        "children", ascending=False, kind="stable", key=lambda c: c.astype("int64")
    )
    return pd.concat([by_count, wide[~published]], ignore_index=True)


def assignments_for_chart(assigned: pd.DataFrame, top: int = 25) -> pd.DataFrame:
    """The `top` largest published municipality totals; suppressed totals are left out, not
    drawn."""
    published = assigned[assigned["children"].map(lambda v: not isinstance(v, str))]
    return published.head(top).astype({"children": "int64"})


def figures(data: Dataset, geo: Geography) -> FigureSet:
    if geo.is_municipality:  # its raw counts are never shown: see municipality_figures
        raise NotAtLevel("a municipality's counts of minors are its published ones")
    out = FigureSet(data, geo)
    if geo.is_national:  # applications are counted for the whole country only
        apps = data.table("minors_applications")
        per_basis = apps.groupby(["year", "basis"])["children"].sum()
        year = data.year
        asylum, tpd = per_basis[(year, "asylum")], per_basis[(year, "temporary_protection")]
        src = "minors_applications"
        out.add("uam_protection_seekers_total", asylum + tpd, src)
        out.add("uam_asylum_seekers", asylum, src)
        out.add("uam_tpd_applicants", tpd, src)
        out.add(
            "uam_asylum_seekers_change_vs_previous_year",
            share(asylum, per_basis.get((year - 1, "asylum"))) - 100,
            src,
        )
        out.add(
            "uam_tpd_applicants_change_vs_previous_year",
            share(tpd, per_basis.get((year - 1, "temporary_protection"))) - 100,
            src,
        )
        by_country = applications_by_country(data)
        asylum_rows = by_country[by_country["basis"] == "asylum"].set_index("citizenship")
        for country, indicator in COUNTRY_SHARES.items():
            value = asylum_rows["share"].get(country, 0.0)
            out.add(indicator, value, src)

    assigned = in_geography(data, "minors_assignments", geo)
    total = assigned["children"].sum()
    per_basis = assigned.groupby("basis")["children"].sum()
    resettled = in_geography(data, "minors_resettled", geo)["children"].sum()
    munis = data.table("municipalities")
    own = munis.loc[munis["county_code"] == geo.code, "municipality_code"]
    if len(own) == 1:
        # A county of one municipality (Gotland): its split and its resettled children are the
        # municipality's, published only as every page publishes them (NaN where suppressed).
        per_basis, resettled = _as_published(data, own.iloc[0])
    src = "minors_assignments"
    out.add("uam_assignments_total", total, src)
    if geo.is_national:  # per county, with the counts, it would reveal suppressed small counts
        out.add(
            "uam_assignment_municipalities",
            assigned["municipality_code"].nunique(),
            src,
        )
    out.add(
        "uam_assignments_share_anknytning",
        share(per_basis.get("anknytning", 0), total),
        src,
    )
    out.add(
        "uam_assignments_share_maluppfyllnad",
        share(per_basis.get("maluppfyllnad", 0), total),
        src,
    )
    out.add("uam_resettled", resettled, "minors_resettled")
    return out


def _as_published(data: Dataset, municipality_code: str) -> tuple[pd.Series, float]:
    """A municipality's counts per basis and of resettled children as published: NaN where a
    count is suppressed (a share of an unknown count is unknown too)."""

    def number(value) -> float:
        return math.nan if isinstance(value, str) else float(value)

    counts = _published(data, "minors_assignments", municipality_code)
    per_basis = pd.Series({basis: number(counts.get(basis, 0)) for basis in BASES})
    resettled = _published(data, "minors_resettled", municipality_code).get(privacy.TOTAL, 0)
    return per_basis, number(resettled)


# A municipality page: the counts per municipality, protected as every page publishes them.
BASES = ("anknytning", "maluppfyllnad")


def _published(data: Dataset, name: str, code: str) -> dict[str, int | str]:
    """A municipality's counts of a protected table in the edition's year, per category
    (`privacy.TOTAL` for the total), as published: the symbol where suppressed, 0 where the
    table has none."""
    key = ("published per municipality", name, data.year)
    if key not in data.derived:  # once per table and year, not once per municipality
        shown = privacy.protect(data, name).shown()
        shown = shown[shown["year"] == data.year]
        data.derived[key] = {
            code: dict(zip(rows["category"], rows["count"], strict=True))
            for code, rows in shown.groupby("municipality_code")
        }
    return data.derived[key].get(code, {})


def municipality_figures(data: Dataset, geo: Geography) -> FigureSet:
    """Children assigned (in all, by anknytning and by måluppfyllnad) and resettled children
    received, for a municipality, a county or Riket. A municipality's counts are those every
    page publishes (lansbok.privacy): a suppressed count is the policy's symbol (text), never
    the number; a county's and Riket's totals are exact, as published."""
    out = FigureSet(data, geo)
    assigned = "minors_assignments"
    if geo.is_municipality:
        counts = _published(data, assigned, geo.code)
        total = counts.get(privacy.TOTAL, 0)
        per_basis = {basis: counts.get(basis, 0) for basis in BASES}
        resettled = _published(data, "minors_resettled", geo.code).get(privacy.TOTAL, 0)
    else:
        rows = in_geography(data, assigned, geo)
        total = rows["children"].sum()
        per_basis = {b: rows.loc[rows["basis"] == b, "children"].sum() for b in BASES}
        resettled = in_geography(data, "minors_resettled", geo)["children"].sum()
    out.add("uam_assignments_total", total, assigned)
    for basis in BASES:
        out.add(f"uam_assignments_{basis}", per_basis[basis], assigned)
    out.add("uam_resettled", resettled, "minors_resettled")
    return out


def municipality_comparison(data: Dataset, geo: Geography) -> pd.DataFrame:
    """A municipality's figures beside its county's and Riket's (`municipal.beside`), with
    the symbol where its count is suppressed."""
    return municipal.beside(data, geo, municipality_figures)
