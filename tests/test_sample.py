"""The sample generator: deterministic, exact sums, shares at the summary's rounding."""

import shutil
from pathlib import Path

import numpy as np
import pytest

from lansbok import run, sample
from lansbok.data import DEFAULT_DATA_DIR, load, read_descriptor
from lansbok.figures import share
from lansbok.sections import tia_sample

SAMPLE_TABLES = sample.generate(DEFAULT_DATA_DIR)


def test_regenerating_writes_the_shipped_files(data_copy):
    for path in sample.write(data_copy):
        assert path.read_bytes() == (DEFAULT_DATA_DIR / path.name).read_bytes(), path.name


def test_every_sample_resource_is_marked_and_documented():
    resources = {r["name"]: r for r in read_descriptor()["resources"]}
    for name in SAMPLE_TABLES:
        assert resources[name]["status"] == "sample"
        assert "seed" in resources[name]["method"] and "slumpström" in resources[name]["method"]
        for source in resources[name]["sources"]:  # the recipe that made it
            assert (DEFAULT_DATA_DIR.parent / source["path"]).is_file(), source
    official = {n for n, r in resources.items() if r["status"] == "official"}
    assert official.isdisjoint(SAMPLE_TABLES)
    data = load(DEFAULT_DATA_DIR)
    for name in official:
        assert resources[name]["sources"] and resources[name]["licenses"]
        # An official table shipped empty (population, until imported) was never retrieved.
        assert resources[name].get("retrieved") or data.table(name).empty, name


def test_apportion_is_exact_and_proportional():
    counts = sample.apportion(497, [0.72, 0.28])
    assert counts.tolist() == [358, 139]
    counts = sample.apportion(100, [1, 1, 1])
    assert counts.sum() == 100 and sorted(counts.tolist()) == [33, 33, 34]


def test_reception_sums_and_shares():
    r = SAMPLE_TABLES["reception"]
    n = r["persons"].sum()
    assert n == 32866
    assert round(share(r.loc[r["sex"] == "kvinna", "persons"].sum(), n)) == 58
    assert round(share(r.loc[r["citizenship"] == "Ukraina", "persons"].sum(), n)) == 83
    assert share(r.loc[r["age_band"] == "20-65", "persons"].sum(), n) > 60
    assert 25 < share(r.loc[r["age_band"] == "0-17", "persons"].sum(), n) < 30  # "knappt 30 %"
    assert (r["persons"] > 0).all()
    assert r["municipality_code"].nunique() > 250  # spread over the country, not a few places


def test_minors_assignments():
    a = SAMPLE_TABLES["minors_assignments"]
    assert a["children"].sum() == 497
    assert a["municipality_code"].nunique() == 183
    per_basis = a.groupby("basis")["children"].sum()
    assert per_basis.to_dict() == {"anknytning": 358, "maluppfyllnad": 139}


def test_minors_applications_and_country_shares():
    m = SAMPLE_TABLES["minors_applications"]
    by = m.groupby(["year", "basis"])["children"].sum()
    assert (by[(2024, "asylum")], by[(2024, "temporary_protection")]) == (278, 214)
    assert round(share(278, by[(2023, "asylum")]) - 100) == -19
    assert round(share(214, by[(2023, "temporary_protection")]) - 100) == 45
    asylum = m[(m["year"] == 2024) & (m["basis"] == "asylum")].set_index("citizenship")["children"]
    shares = {
        c: round(share(asylum[c], 278))
        for c in ("Syrien", "Afghanistan", "Marocko", "Somalia", "Eritrea")
    }
    assert shares == {"Syrien": 27, "Afghanistan": 10, "Marocko": 10, "Somalia": 9, "Eritrea": 7}
    # The five named countries are the five largest (other than the rest group).
    named = asylum.drop("Övriga").nlargest(5).index
    assert set(named) == set(shares)


def test_establishment_programme():
    p = SAMPLE_TABLES["establishment_participants"]
    assert p.groupby("sex")["participants"].sum().to_dict() == {"kvinna": 6731, "man": 3030}
    assert p["county_code"].nunique() == 21
    e = SAMPLE_TABLES["establishment_exits"].groupby("outcome")["exits"].sum()
    assert round(share(e["arbete"], e.sum())) == 25
    assert round(share(e["arbete"] + e["studier"], e.sum())) == 38


def test_temporary_protection():
    t = SAMPLE_TABLES["temporary_protection"]
    assert t["registered_december"].sum() == 17505
    assert t["extension_applications"].sum() == 35000
    assert round(share(t["extensions_granted"].sum(), 35000)) == 98
    assert (t["extensions_granted"] <= t["extension_applications"]).all()


def test_kommuntal():
    k = SAMPLE_TABLES["kommuntal"]
    assert len(k) == 290
    assert k["kommuntal_ordinary"].sum() == 2800  # SFS 2023:572
    assert k["kommuntal_ordinary"].sum() + k["kommuntal_temporary_protection"].sum() == 18800
    no_tp = k["kommuntal_temporary_protection"] == 0
    assert no_tp.sum() == 4 and (no_tp & (k["kommuntal_ordinary"] == 0)).sum() == 3


def test_so_survey():
    s = SAMPLE_TABLES["so_survey"]
    answered = s[s["answered"]]
    assert len(s) == 290 and round(share(len(answered), 290)) == 90
    komvux = (answered["organiser"] == "komvux").sum()
    assert share(komvux, len(answered)) > 40 and share(komvux, 290) > 40  # either base
    assert answered["participants_women"].sum() > answered["participants_men"].sum()
    assert s.loc[~s["answered"], ["organiser", "mode", "languages"]].isna().all().all()


def test_grants():
    tia = SAMPLE_TABLES["tia_grants"]
    assert tia["grant_sek"].sum() == tia_sample.TIA_FRAME_SEK
    assert tia["county_code"].nunique() == 21 and (tia["grant_sek"] > 0).all()
    s37a = SAMPLE_TABLES["s37a_grants"]
    assert set(s37a["activity"]) == {"flyktingguide", "familjekontakt"}
    assert s37a["project_id"].is_unique and tia["project_id"].is_unique


@pytest.mark.parametrize("seed", [1, 7])
def test_another_seed_gives_other_values_with_the_same_totals(seed):
    other = sample.generate(DEFAULT_DATA_DIR, seed=seed)
    a, b = other["reception"], SAMPLE_TABLES["reception"]
    assert a["persons"].sum() == b["persons"].sum()
    per_muni = a.groupby("municipality_code")["persons"].sum()
    assert not np.array_equal(per_muni, b.groupby("municipality_code")["persons"].sum())


def csv_texts(tables) -> dict[str, str]:
    return {name: frame.to_csv(index=False) for name, frame in tables.items()}


SHIPPED = csv_texts(SAMPLE_TABLES)


def test_two_runs_give_the_same_bytes():
    assert csv_texts(sample.generate(DEFAULT_DATA_DIR)) == SHIPPED


def test_a_changed_constant_changes_only_its_own_table(monkeypatch):
    monkeypatch.setattr(tia_sample, "TIA_PROJECTS", tia_sample.TIA_PROJECTS + 1)
    changed = csv_texts(sample.generate(DEFAULT_DATA_DIR))
    assert {name for name in SHIPPED if changed[name] != SHIPPED[name]} == {"tia_grants"}


@pytest.mark.parametrize("table", sorted(SAMPLE_TABLES))
def test_a_recipe_drawing_more_leaves_the_other_tables_identical(monkeypatch, table):
    # A recipe that draws once more from its stream before making its table: the other tables
    # stay byte-identical, except those that read this table's values (kommuntal's readers).
    recipes = sample.recipes()
    make = recipes[table].make

    def drawing_more(draw, *needed):
        draw.rng.random()
        return make(draw, *needed)

    recipes[table] = sample.Recipe(drawing_more, recipes[table].needs)
    monkeypatch.setattr(sample, "recipes", lambda: recipes)
    changed = csv_texts(sample.generate(DEFAULT_DATA_DIR))
    readers = {name for name, recipe in recipes.items() if table in recipe.needs}
    for name in SHIPPED.keys() - {table} - readers:
        assert changed[name] == SHIPPED[name], name
    if table != "minors_applications":  # the one recipe that draws nothing
        assert changed[table] != SHIPPED[table]


def test_a_stream_depends_on_the_seed_and_the_table_name_only():
    draws = sample.stream(sample.SEED, "tia_grants").random(3)
    assert np.array_equal(draws, sample.stream(sample.SEED, "tia_grants").random(3))
    assert not np.array_equal(draws, sample.stream(sample.SEED, "s37a_grants").random(3))
    assert not np.array_equal(draws, sample.stream(sample.SEED + 1, "tia_grants").random(3))


def test_kommuntal_totals_come_from_the_statutory_totals(data_copy):
    path = data_copy / "assignments_national.csv"
    text = path.read_text(encoding="utf-8")
    for old, new in (("\n2024,initial,,2800,", "\n2024,initial,,3000,"), (",18800,", ",19800,")):
        assert old in text
        text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")
    k = sample.generate(data_copy)["kommuntal"]
    assert k["kommuntal_ordinary"].sum() == 3000
    assert k["kommuntal_temporary_protection"].sum() == 19800 - 3000


def test_another_edition_can_be_generated(data_copy):
    # A made-up edition 2025 with 2024's published figures: the tables carry its year, and its
    # kommuntal add up to its own statutory totals (5 600, revised to 6 600).
    path = data_copy / "published_figures.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    later = [f"2025{line[4:]}" for line in lines if line.startswith("2024,")]
    path.write_text("\n".join([*lines, *later]) + "\n", encoding="utf-8")
    tables = sample.generate(data_copy, year=2025)
    k = tables["kommuntal"]
    assert k["kommuntal_ordinary"].sum() == 5600
    assert k["kommuntal_temporary_protection"].sum() == 6600 - 5600
    assert set(tables["minors_applications"]["year"]) == {2024, 2025}
    for name, frame in tables.items():
        if name != "minors_applications":
            assert set(frame["year"]) == {2025}, name


def test_editing_a_recipe_re_executes_no_page(tmp_path, monkeypatch):
    package = tmp_path / "lansbok"
    shutil.copytree(Path(run.__file__).parent, package)
    monkeypatch.setattr(run, "__file__", str(package / "run.py"))
    before = run.code_fingerprint()
    recipe = package / "sections" / "tia_sample.py"
    recipe.write_text(recipe.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert run.code_fingerprint() == before
    section = package / "sections" / "tia.py"
    section.write_text(section.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert run.code_fingerprint() != before
