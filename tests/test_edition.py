"""The annual edition: a new year, a new section, a municipality or a table turned official is a
change of data or of one registry entry, and leaves every other page as it was."""

import json
import shutil
from pathlib import Path

import nbformat
import pytest
import yaml
from conftest import glued_figures
from typer.testing import CliRunner

from lansbok import sample, sections
from lansbok.book import page_status
from lansbok.cli import app
from lansbok.data import load
from lansbok.geography import RIKET, resolve
from lansbok.run import TEMPLATES_DIR, all_geographies, pages_for, plan, run
from lansbok.sections import PAGES, Section
from lansbok.toc import write_toc

runner = CliRunner()


def files_under(folder: Path) -> dict[Path, bytes]:
    return {path: path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


def add_edition_2025(data_dir: Path, templates: Path) -> None:
    """A made-up edition 2025, for the test: the summary's figures of 2024 published again for
    2025, the sample tables of 2025 made from them, fewer TIA projects in Skåne (so that a page
    shows which year it read), and the running texts of 2024 copied for 2025."""
    path = data_dir / "published_figures.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    later = [f"2025{line[4:]}" for line in lines if line.startswith("2024,")]
    path.write_text("\n".join([*lines, *later]) + "\n", encoding="utf-8")
    sample.write(data_dir, year=2025)
    path = data_dir / "tia_grants.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    skane_2025 = [line for line in lines if line.startswith("2025,TIA-12-")]
    dropped = set(skane_2025[: len(skane_2025) // 2])
    path.write_text("\n".join(x for x in lines if x not in dropped) + "\n", encoding="utf-8")
    shutil.copytree(templates / "text" / "2024", templates / "text" / "2025")


@pytest.mark.notebooks
def test_a_new_edition_is_a_change_of_data_and_leaves_the_last_one_as_it_was(data_copy, tmp_path):
    templates, out = tmp_path / "notebooks", tmp_path / "generated"
    shutil.copytree(TEMPLATES_DIR, templates)
    skane = resolve("12", load(data_copy).table("counties"))
    options = {"data_dir": data_copy, "out_dir": out, "templates_dir": templates, "progress": False}
    first = run([RIKET, skane], ["tia", "so"], **options)
    assert first.ok and len(first.executed) == 4
    before = files_under(out / "2024")

    add_edition_2025(data_copy, templates)
    data = load(data_copy, check=True)
    assert data.years == [2024, 2025] and data.year == 2025  # the latest is the default
    second = run([RIKET, skane], ["tia", "so"], **options)
    assert second.ok and len(second.executed) == 4
    assert {job.year for job in second.executed} == {2025}
    # The new edition's pages read its own rows, and say its year.
    tia = data.edition(2025).table("tia_grants")
    for year, rows in ((2024, tia[tia["year"] == 2024]), (2025, tia[tia["year"] == 2025])):
        page = out / str(year) / "12" / "tia.ipynb"
        projects = glued_figures(page)["tia_projects"]["value"]
        assert projects == rows["project_id"].str.startswith("TIA-12-").sum()
        assert json.loads(page.read_text())["metadata"]["lansbok"]["year"] == year
    text = (out / "2025" / "12" / "tia.ipynb").read_text(encoding="utf-8")
    assert "TIA 2025 efter typ av organisation" in text and "TIA 2024 " not in text

    again = run([RIKET, skane], ["tia", "so"], year=2024, **options)
    assert again.ok and not again.executed and len(again.reused) == 4
    assert files_under(out / "2024") == before


@pytest.fixture
def toy_section(monkeypatch, tmp_path):
    """A sixth section: one registry entry, its template and its module (importable by the
    kernels through PYTHONPATH)."""
    templates = tmp_path / "notebooks"
    shutil.copytree(TEMPLATES_DIR, templates)
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    notebook.metadata["language_info"] = {"name": "python"}
    parameters = nbformat.v4.new_code_cell(
        'lan = "SE"\nyear = None\ndata_dir = None\ntext_dir = None'
    )
    parameters.metadata["tags"] = ["parameters"]
    notebook.cells = [
        nbformat.v4.new_markdown_cell("# Leksaken {ar}, {geografi}"),
        parameters,
        nbformat.v4.new_code_cell(
            "from lansbok import report\n"
            "import toy_section\n"
            "page = report.Page.open(lan, data_dir, year, text_dir=text_dir)\n"
            "toy_section.figures(page.data, page.geo)['tia_projects'].value"
        ),
    ]
    nbformat.write(notebook, templates / "toy.ipynb")
    monkeypatch.setenv("PYTHONPATH", str(Path(__file__).parent))
    sections.register(Section("toy", "Leksaken", "toy_section", ("tia_grants",)))
    yield templates
    sections.unregister("toy")


@pytest.mark.notebooks
def test_a_sixth_section_is_one_registry_entry(toy_section, dataset, data_copy, tmp_path):
    out = tmp_path / "generated"
    geos = all_geographies(dataset)
    assert "toy" in pages_for(geos[0], list(PAGES)) and "toy" in pages_for(geos[12], list(PAGES))
    report = run(geos[:2], ["toy"], data_dir=data_copy, out_dir=out, templates_dir=toy_section)
    assert report.ok and len(report.executed) == 2
    page = out / "2024" / geos[1].code / "toy.ipynb"
    shown = nbformat.read(page, as_version=4).cells[-1].outputs[0]["data"]["text/plain"]
    tia = dataset.table("tia_grants")
    assert int(shown) == (tia["project_id"].str.startswith(f"TIA-{geos[1].code}-")).sum()
    toc = yaml.safe_load(write_toc(dataset, out).read_text())
    chapters = [chapter for part in toc["parts"] for chapter in part["chapters"]]
    files = [s["file"] for chapter in chapters for s in chapter.get("sections", [])]
    assert f"generated/2024/{geos[1].code}/toy" in files and "generated/2024/SE/toy" in files
    status = page_status(dataset, out)
    assert "| Leksaken |" in status.splitlines()[0]
    assert f"</generated/2024/{geos[1].code}/toy>" in status


def test_flipping_a_tables_status_re_executes_exactly_the_pages_that_read_it(data_copy, tmp_path):
    data = load(data_copy)
    geos = all_geographies(data)
    names = [name for name in PAGES if any(pages_for(geo, [name]) for geo in geos)]
    jobs = plan(geos, names, data, data_copy, tmp_path, TEMPLATES_DIR)
    assert len(jobs) == 132
    descriptor = data_copy / "datapackage.json"
    package = json.loads(descriptor.read_text(encoding="utf-8"))
    for resource in package["resources"]:
        if resource["name"] == "tia_grants":
            resource["status"] = "official"
    descriptor.write_text(json.dumps(package, ensure_ascii=False), encoding="utf-8")
    flipped = plan(geos, names, load(data_copy), data_copy, tmp_path, TEMPLATES_DIR)
    changed = {
        (a.geo.code, a.section) for a, b in zip(jobs, flipped, strict=True) if a.key != b.key
    }
    readers = {(j.geo.code, j.section) for j in jobs if "tia_grants" in PAGES[j.section].tables}
    assert changed == readers
    assert {section for _, section in changed} == {"tia", "overview", "comparisons"}


def test_a_table_a_page_does_not_declare_is_refused(dataset):
    from lansbok.data import UndeclaredTable
    from lansbok.sections import tia

    view = PAGES["tia"].view(dataset)
    assert tia.figures(view, RIKET)["tia_projects"].value == len(dataset.table("tia_grants"))
    with pytest.raises(UndeclaredTable, match="so_survey"):
        view.table("so_survey")


@pytest.mark.notebooks
def test_a_municipality_page_on_request_leaves_riket_and_the_counties_as_they_were(
    data_copy, tmp_path
):
    out = tmp_path / "generated"
    common = ["--data", str(data_copy), "--out", str(out)]
    first = runner.invoke(app, ["run", "--lan", "SE", "--lan", "12", "--section", "tia", *common])
    assert first.exit_code == 0, first.output
    before = files_under(out / "2024")
    result = runner.invoke(app, ["run", "--kommun", "Malmö", *common])
    assert result.exit_code == 0, result.output
    assert "executed 1, reused 0, failed 0" in result.output
    page = nbformat.read(out / "2024" / "1280" / "kommun.ipynb", as_version=4)
    assert page.cells[0].source.startswith("# Malmö 2024")
    assert {p: b for p, b in files_under(out / "2024").items() if p in before} == before
    again = runner.invoke(app, ["run", "--lan", "SE", "--lan", "12", "--section", "tia", *common])
    assert "executed 0, reused 2" in again.output
    wrong = runner.invoke(app, ["run", "--kommun", "1280", "--section", "tia", *common])
    assert wrong.exit_code == 2 and "made for Riket (--lan SE) or a county (--lan) only" in (
        wrong.output
    )


def test_pages_no_longer_in_the_book_leave_the_built_site(tmp_path):
    from lansbok.book import remove_stale_pages

    html = tmp_path / "html"
    for page in ("generated/2024/12/tia.html", "generated/2023/12/tia.html", "chapters/data.html"):
        (html / page).parent.mkdir(parents=True, exist_ok=True)
        (html / page).write_text("<p>")
    source = html / "_sources" / "generated" / "2023" / "12" / "tia.ipynb"
    source.parent.mkdir(parents=True)
    source.write_text("{}")
    toc = tmp_path / "_toc.yml"
    toc.write_text(
        "root: chapters/index\nparts:\n- chapters:\n  - file: generated/2024/12/tia\n"
        "  - file: chapters/data\n"
    )
    remove_stale_pages(html, toc)
    left = sorted(p.relative_to(html).as_posix() for p in html.rglob("*") if p.is_file())
    assert left == ["chapters/data.html", "generated/2024/12/tia.html"]
    assert not (html / "generated" / "2023").exists()


@pytest.mark.notebooks
def test_the_runner_fans_out_through_any_executor(tmp_path):
    from lansbok.run import LocalExecutor

    submitted = []

    class Counting(LocalExecutor):  # another engine would stand here
        def submit(self, fn, /, *args):
            submitted.append(args[0].label)
            return super().submit(fn, *args)

    out = tmp_path / "generated"
    report = run([RIKET], ["tia"], out_dir=out, progress=False, executor=Counting)
    assert report.ok and submitted == ["Riket (SE) / tia 2024"]
    assert (out / "2024" / "SE" / "tia.ipynb").exists()


def test_figures_of_an_edition_from_the_command_line(data_copy):
    result = runner.invoke(app, ["figures", "--format", "json", "--data", str(data_copy)])
    figures = json.loads(result.output)
    assert figures["year"] == 2024
    assert figures["figures"]["so_minimum_hours"]["unit"] == "hours"  # stated, not computed
    missing = runner.invoke(app, ["figures", "--year", "2023", "--data", str(data_copy)])
    assert missing.exit_code == 1 and "no published figures for 2023" in missing.output


def test_the_data_package_is_shipped_whole_whatever_the_edition(dataset):
    """The zip and the catalogue are the data package, every year of it: an edition's view
    ends with its year (population and länstal run on past 2024)."""
    import io
    import zipfile

    from lansbok.book import data_zip

    edition = dataset.edition(2024)
    assert edition.table("population")["year"].max() == 2024
    shipped = zipfile.ZipFile(io.BytesIO(data_zip(edition)))
    population = shipped.read("lansbok-data/population.csv").decode()
    assert "\n01,2025," in population
