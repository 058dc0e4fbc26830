import json

import pytest
from typer.testing import CliRunner

from lansbok.cli import app

runner = CliRunner()


def figures_json(*args):
    result = runner.invoke(app, ["figures", "--format", "json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_national_figures_with_reconciliation():
    out = figures_json("--lan", "SE")
    assert (out["lan"], out["name"]) == ("SE", "Riket")
    received = out["figures"]["newly_arrived_received_by_municipalities"]
    assert received["value"] == 32866 and received["status"] == "sample"
    assert received["unit"] == "persons"
    assert received["reconciliation"] == {
        "computed": 32866,
        "published": 32866.0,
        "kind": "exact",
        "match": True,
        "difference": None,
    }
    women = out["figures"]["newly_arrived_share_women"]["reconciliation"]
    assert women["kind"] == "rounded" and women["match"] is True
    stated = out["figures"]["so_minimum_hours"]
    assert stated["value"] is None and stated["reconciliation"]["match"] is None
    assert "lagkrav" in stated["note"]
    seekers = out["figures"]["asylum_seekers_total"]  # SCB's count, not the summary's
    assert (seekers["value"], seekers["status"]) == (9645, "official")
    assert seekers["reconciliation"]["match"] is False
    assert "Migrationsverkets egen räkning" in seekers["reconciliation"]["difference"]


@pytest.mark.parametrize("lan", ["12", "Skåne", "M"])
def test_county_figures_by_code_name_or_letter(lan):
    out = figures_json("--lan", lan)
    assert (out["lan"], out["name"]) == ("12", "Skåne län")
    assert "reconciliation" not in out["figures"]["newly_arrived_received_by_municipalities"]
    assert all(f["status"] == "sample" for f in out["figures"].values())
    assert "uam_asylum_seekers" not in out["figures"]  # counted for the whole country only


def test_counties_add_up_to_riket():
    national = figures_json("--lan", "SE")["figures"]
    counties = [figures_json("--lan", code)["figures"] for code in ("01", "12", "14")]
    key = "newly_arrived_received_by_municipalities"
    assert sum(c[key]["value"] for c in counties) < national[key]["value"]


def test_unknown_county_exits_2_with_the_valid_ones():
    result = runner.invoke(app, ["figures", "--lan", "Atlantis"])
    assert result.exit_code == 2
    assert "unknown county 'Atlantis'" in result.output
    assert "01 Stockholms län (AB)" in result.output


def test_table_format():
    result = runner.invoke(app, ["figures", "--lan", "SE"])
    assert result.exit_code == 0
    assert "newly_arrived_share_women" in result.output and "rounded" in result.output
