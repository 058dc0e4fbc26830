"""A county board's own file: `lansbok template` -> filled -> `lansbok import TABLE FILE --lan`.
The county's rows become official for it alone, the sample fills the remainder so that the
national totals still hold, and importing the same file again changes nothing."""

import hashlib
from pathlib import Path

import openpyxl
import pytest
from conftest import glued_figures
from typer.testing import CliRunner

from lansbok import sample, sections
from lansbok.book import catalogue, section_status
from lansbok.cli import app
from lansbok.data import OFFICIAL, SAMPLE, load
from lansbok.geography import RIKET, counties, resolve
from lansbok.run import TEMPLATES_DIR, all_geographies, pages_for, plan, run
from lansbok.sections import PAGES, SECTIONS, tia
from lansbok.workbook import columns

runner = CliRunner()


def digest(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def filled_template(data_dir: Path, table: str, lan: str, out: Path, rows: list[dict]) -> Path:
    """`lansbok template TABLE --lan LAN`, with `rows` (column name -> value) typed into its
    first rows, as an analyst fills it."""
    result = runner.invoke(
        app, ["template", table, "--lan", lan, "--data", str(data_dir), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    headers = {c.name: c.header for c in columns(load(data_dir), table)}
    book = openpyxl.load_workbook(out)
    sheet = book["Data"]
    position = {cell.value: cell.column for cell in sheet[1]}
    for number, row in enumerate(rows, start=2):
        for name, value in row.items():
            sheet.cell(number, position[headers[name]], value)
    book.save(out)
    return out


def import_file(data_dir: Path, table: str, path: Path, lan: str):
    return runner.invoke(app, ["import", table, str(path), "--lan", lan, "--data", str(data_dir)])


TIA_PROJECTS = [
    {
        "organisation_type": "studieförbund",
        "focus": "språk",
        "grant_sek": 250_000,
        "participants_women": 30,
        "participants_men": 20,
    },
    {
        "organisation_type": "ideell förening",
        "focus": "hälsa",
        "grant_sek": 120_000,
        "participants_women": 12,
        "participants_men": 9,
    },
]


def test_a_county_file_makes_that_county_official_and_nothing_else(data_copy, tmp_path):
    before = load(data_copy)
    path = filled_template(data_copy, "tia_grants", "12", tmp_path / "tia.xlsx", TIA_PROJECTS)
    result = import_file(data_copy, "tia_grants", path, "Skåne")
    assert result.exit_code == 0, result.output

    data = load(data_copy, check=True)
    rows = data.table("tia_grants")
    skane = rows[(rows["year"] == data.year) & (rows["county_code"] == "12")]
    assert list(skane["grant_sek"]) == [250_000, 120_000]
    assert list(skane["project_id"]) == ["TIA-12-001", "TIA-12-002"]
    others = rows[rows["county_code"] != "12"]
    old = before.table("tia_grants")
    assert others.reset_index(drop=True).equals(
        old[old["county_code"] != "12"].reset_index(drop=True)
    )

    for geo in counties(data.table("counties")):
        figure = SECTIONS["tia"].figures(data, geo)["tia_projects"]
        assert figure.status == (OFFICIAL if geo.code == "12" else SAMPLE), geo.name
        assert section_status(data, geo, SECTIONS["tia"]) == (
            "officiell" if geo.code == "12" else "exempeldata"
        )
    assert SECTIONS["tia"].figures(data, RIKET)["tia_projects"].status == SAMPLE
    assert section_status(data, RIKET, SECTIONS["tia"]) == "exempeldata, officiell för 1 av 21 län"
    assert "exempeldata, officiell för Skåne län" in catalogue(data)
    # Riket's breakdowns mix the official county with the sample rest: one row per category.
    view = PAGES["tia"].view(data.edition())
    by_type = tia.grants_by(view, RIKET, "organisation_type")
    assert by_type["organisation_type"].is_unique and set(by_type["status"]) == {SAMPLE}
    skane_geo = resolve("12", data.table("counties"))
    assert set(tia.grants_by(view, skane_geo, "organisation_type")["status"]) == {OFFICIAL}
    # Other sections of Skåne are as sample as they were.
    assert (
        SECTIONS["so"]
        .figures(data, resolve("12", data.table("counties")))["so_survey_response_rate"]
        .status
        == SAMPLE
    )


def test_the_sample_fills_the_remainder_up_to_the_national_totals(data_copy, tmp_path):
    data = load(data_copy)
    munis = data.table("municipalities")
    skane = munis[munis["county_code"] == "12"]["municipality_code"].head(10)
    names = munis.set_index("municipality_code")["name_short"]
    filled = [
        {"municipality_code": f"{code} {names[code]}", "basis": basis, "children": children}
        for code, children in zip(skane, range(3, 13), strict=True)
        for basis in ("anknytning",)
    ]
    path = filled_template(data_copy, "minors_assignments", "12", tmp_path / "m.xlsx", [])
    book = openpyxl.load_workbook(path)
    sheet = book["Data"]
    headers = {c.name: c.header for c in columns(data, "minors_assignments")}
    position = {cell.value: cell.column for cell in sheet[1]}
    # The template lists every municipality x basis: fill the anknytning rows asked for.
    wanted = {(row["municipality_code"], row["basis"]): row["children"] for row in filled}
    for number in range(2, sheet.max_row + 1):
        key = (
            sheet.cell(number, position[headers["municipality_code"]]).value,
            sheet.cell(number, position[headers["basis"]]).value,
        )
        if key in wanted:
            sheet.cell(number, position[headers["children"]], wanted[key])
    book.save(path)

    result = import_file(data_copy, "minors_assignments", path, "12")
    assert result.exit_code == 0, result.output
    after = load(data_copy, check=True)  # every totals rule holds
    rows = after.table("minors_assignments")
    rows = rows[rows["year"] == after.year]
    in_skane = rows["municipality_code"].str[:2] == "12"
    assert rows.loc[in_skane, "children"].sum() == sum(range(3, 13))
    assert set(rows.loc[in_skane, "basis"]) == {"anknytning"}
    published = after.published().set_index("indicator_id")["value"]
    assert rows["children"].sum() == published["uam_assignments_total"]
    _, reconciled = sections.reconciliation(after)
    reconciled = reconciled.set_index("indicator_id")
    for key in ("uam_assignments_total", "uam_assignments_share_anknytning"):
        assert reconciled.loc[key, "match"], key  # the published shares still round right

    once = digest(data_copy)
    again = import_file(data_copy, "minors_assignments", path, "Skåne län")
    assert again.exit_code == 0, again.output
    assert digest(data_copy) == once  # the same file again changes nothing
    sample.write(data_copy)
    assert digest(data_copy) == once  # and the sample, made again, keeps the county's rows


def test_a_file_over_a_national_total_is_refused_and_nothing_is_written(data_copy, tmp_path):
    data = load(data_copy)
    code = data.table("municipalities").query("county_code == '12'")["municipality_code"].iloc[0]
    name = data.table("municipalities").set_index("municipality_code")["name_short"][code]
    path = filled_template(
        data_copy,
        "minors_assignments",
        "12",
        tmp_path / "m.xlsx",
        [{"municipality_code": f"{code} {name}", "basis": "anknytning", "children": 600}],
    )
    before = digest(data_copy)
    result = import_file(data_copy, "minors_assignments", path, "12")
    assert result.exit_code == 1
    assert "m.xlsx" in result.output and "more than the published national total" in result.output
    assert digest(data_copy) == before


def test_a_table_no_county_files_is_not_imported_for_a_county(data_copy, tmp_path):
    path = tmp_path / "reception.csv"
    path.write_text("year;municipality_code\n", encoding="utf-8")
    result = runner.invoke(
        app, ["import", "reception", str(path), "--lan", "12", "--data", str(data_copy)]
    )
    assert result.exit_code != 0
    assert "No such command 'reception'" in result.output


def test_a_county_import_changes_the_keys_of_the_pages_that_read_the_table(data_copy, tmp_path):
    data = load(data_copy)
    geos = all_geographies(data)
    names = [name for name in PAGES if any(pages_for(geo, [name]) for geo in geos)]
    jobs = plan(geos, names, data, data_copy, tmp_path, TEMPLATES_DIR)
    path = filled_template(data_copy, "tia_grants", "12", tmp_path / "t.xlsx", TIA_PROJECTS)
    assert import_file(data_copy, "tia_grants", path, "12").exit_code == 0
    after = plan(geos, names, load(data_copy), data_copy, tmp_path, TEMPLATES_DIR)
    changed = {(a.geo.code, a.section) for a, b in zip(jobs, after, strict=True) if a.key != b.key}
    readers = {(j.geo.code, j.section) for j in jobs if "tia_grants" in PAGES[j.section].tables}
    assert changed <= readers and ("12", "tia") in changed and ("SE", "tia") in changed
    assert {section for _, section in changed} == {"tia", "overview", "comparisons"}


@pytest.mark.notebooks
def test_only_the_county_s_pages_turn_official(data_copy, tmp_path):
    path = filled_template(data_copy, "tia_grants", "12", tmp_path / "t.xlsx", TIA_PROJECTS)
    assert import_file(data_copy, "tia_grants", path, "12").exit_code == 0
    data = load(data_copy)
    table = data.table("counties")
    geos = [RIKET, resolve("12", table), resolve("13", table)]
    out = tmp_path / "generated"
    report = run(geos, ["tia"], data_dir=data_copy, out_dir=out, progress=False)
    assert report.ok, report
    statuses = {
        geo.code: {
            f["status"] for f in glued_figures(out / "2024" / geo.code / "tia.ipynb").values()
        }
        for geo in geos
    }
    assert statuses == {"SE": {SAMPLE}, "12": {OFFICIAL}, "13": {SAMPLE}}
    riket = (out / "2024" / "SE" / "tia.ipynb").read_text(encoding="utf-8")
    assert "Undantaget är Skåne län: där är länsstyrelsens egna uppgifter" in riket
    assert "1 av 21 län" in riket
    assert run([RIKET], ["comparisons"], data_dir=data_copy, out_dir=out, progress=False).ok
    comparisons = (out / "2024" / "SE" / "comparisons.ipynb").read_text(encoding="utf-8")
    assert "Undantaget är Skåne län (TIA): där" in comparisons  # which data is official
    skane = (out / "2024" / "12" / "tia.ipynb").read_text(encoding="utf-8")
    assert "lansbok-sample" not in skane  # no sample banner on an official page
