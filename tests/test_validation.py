"""Each kind of broken file gives one clear message naming file, row and column."""

import pytest
from conftest import edit_csv
from typer.testing import CliRunner

from lansbok.cli import app
from lansbok.data import DataError, load, validate

runner = CliRunner()


def test_shipped_data_is_valid(data_copy):
    assert validate(data_copy) == []
    result = runner.invoke(app, ["validate", "--data", str(data_copy)])
    assert result.exit_code == 0, result.output
    assert "25 resources valid" in result.output


def only_problem(data_dir):
    problems = validate(data_dir)
    assert len(problems) == 1, [str(p) for p in problems]
    return problems[0]


def test_missing_column(data_copy):
    path = data_copy / "kommuntal_received.csv"
    lines = path.read_text().splitlines()
    path.write_text("\n".join(line.rsplit(",", 1)[0] for line in lines) + "\n")
    problem = only_problem(data_copy)
    assert problem.file.endswith("kommuntal_received.csv")
    assert problem.column == "received"
    assert "missing from the header" in problem.message


def test_wrong_type(data_copy):
    edit_csv(data_copy / "temporary_protection.csv", "\n2024,03,", "\n2024,03,11x8")
    problem = only_problem(data_copy)
    assert (problem.row, problem.column) == (3, "extension_applications")
    assert "'11x8" in problem.message and "type" in problem.message
    assert str(problem).startswith(str(data_copy / "temporary_protection.csv") + ", row 3")


def test_negative_count(data_copy):
    path = data_copy / "establishment_exits.csv"
    lines = path.read_text().splitlines()
    year, county, outcome, exits = lines[1].split(",")
    lines[1] = f"{year},{county},{outcome},-{exits}"
    path.write_text("\n".join(lines) + "\n")
    problems = validate(data_copy)
    assert [(p.row, p.column) for p in problems] == [(2, "exits")]
    assert "minimum" in problems[0].message


def test_unknown_county_code(data_copy):
    edit_csv(data_copy / "temporary_protection.csv", "\n2024,25,", "\n2024,26,")
    problem = only_problem(data_copy)
    assert (problem.row, problem.column) == (22, "county_code")
    assert "unknown code '26'" in problem.message and "counties" in problem.message


def test_unknown_municipality_code(data_copy):
    edit_csv(data_copy / "so_survey.csv", "\n2024,0114,", "\n2024,0199,")
    problem = only_problem(data_copy)
    assert (problem.row, problem.column) == (2, "municipality_code")
    assert "unknown code '0199'" in problem.message and "municipalities" in problem.message


def test_duplicate_key(data_copy):
    path = data_copy / "counties.csv"
    lines = path.read_text().splitlines()
    path.write_text("\n".join([*lines, lines[1]]) + "\n")
    problem = only_problem(data_copy)
    assert problem.row == 23 and "duplicate key" in problem.message and "row 2" in problem.message


def test_county_values_that_do_not_add_up(data_copy):
    path = data_copy / "establishment_participants.csv"
    lines = path.read_text().splitlines()
    year, county, sex, n = lines[1].split(",")
    lines[1] = f"{year},{county},{sex},{int(n) + 1}"
    path.write_text("\n".join(lines) + "\n")
    problems = validate(data_copy)
    assert len(problems) == 2  # all participants, and women (the first row is women)
    assert all(p.column == "participants" for p in problems)
    assert "est_participants" in problems[0].message and "9762" in problems[0].message
    assert "sex=kvinna" in problems[1].message and "6731" in problems[1].message


def test_lanstal_must_add_up_to_the_statute_total(data_copy):
    edit_csv(
        data_copy / "lanstal.csv",
        "2019,initial,SFS 2018:1592,01,",
        "2019,initial,SFS 2018:1592,01,1",
    )
    problem = only_problem(data_copy)
    assert "year=2019, version=initial" in problem.message and "9000" in problem.message


def test_several_problems_are_all_reported_and_exit_non_zero(data_copy):
    edit_csv(data_copy / "temporary_protection.csv", "\n2024,03,", "\n2024,03,x")
    edit_csv(data_copy / "so_survey.csv", "\n2024,0114,", "\n2024,0199,")
    result = runner.invoke(app, ["validate", "--data", str(data_copy)])
    assert result.exit_code == 1
    assert "temporary_protection.csv, row 3, column 'extension_applications'" in result.output
    assert "so_survey.csv, row 2, column 'municipality_code'" in result.output
    assert "2 problem(s) found" in result.output


def test_load_with_check_raises(data_copy):
    edit_csv(data_copy / "so_survey.csv", "\n2024,0114,", "\n2024,0199,")
    with pytest.raises(DataError):
        load(data_copy, check=True)


def test_a_missing_national_total_is_reported(data_copy):
    # Renamed in the registry too, so that only the total is missing.
    edit_csv(
        data_copy / "published_figures.csv", "\n2024,uam_resettled,", "\n2024,uam_resettled_x,"
    )
    edit_csv(data_copy / "indicators.csv", "\nuam_resettled,", "\nuam_resettled_x,")
    problem = only_problem(data_copy)
    assert problem.file.endswith("minors_resettled.csv")
    assert "no national total uam_resettled" in problem.message


def test_a_published_figure_must_be_in_the_indicator_registry(data_copy):
    edit_csv(
        data_copy / "published_figures.csv", "\n2024,uam_resettled,", "\n2024,uam_resettled_x,"
    )
    problems = [p for p in validate(data_copy) if p.file.endswith("published_figures.csv")]
    assert [(p.row, p.column) for p in problems] == [(24, "indicator_id")]
    assert "'uam_resettled_x': not in indicators" in problems[0].message


def test_an_indicator_has_a_known_unit(data_copy):
    edit_csv(data_copy / "indicators.csv", ",minors,children,", ",minors,kids,")
    problem = only_problem(data_copy)
    assert problem.file.endswith("indicators.csv") and problem.column == "unit"
