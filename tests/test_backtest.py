"""Backtest: every figure of the 2024 summary against the computation on the shipped data."""

import pandas as pd
import pytest

from lansbok.data import DEFAULT_DATA_DIR, load
from lansbok.figures import reconcile, registry, round_half_up
from lansbok.sections import NOT_COMPUTABLE, reconciliation

_data = load(DEFAULT_DATA_DIR)
FIGURES, RECONCILED = reconciliation(_data)
INDICATORS = _data.table("published_figures")
# Figures computed from another official source than the summary's, with the recorded reason.
EXPLAINED = _data.table("explained_differences").set_index("indicator_id")["explanation_sv"]
COMPUTABLE = [i for i in INDICATORS["indicator_id"] if i not in NOT_COMPUTABLE]
MATCHING = [i for i in COMPUTABLE if i not in EXPLAINED]


@pytest.mark.parametrize("indicator_id", MATCHING)
def test_figure_matches_the_summary(indicator_id):
    row = RECONCILED.set_index("indicator_id").loc[indicator_id]
    published, computed, kind = row["published"], row["computed"], row["kind"]
    if kind == "exact":
        assert computed == published
    elif kind == "rounded":
        step = INDICATORS.set_index("indicator_id").loc[indicator_id, "rounding_step"]
        assert round_half_up(computed, step) == published
    elif kind == "lower_bound":
        assert computed > published
    else:
        assert computed < published
    assert row["match"] is True


def test_the_summary_has_the_figures_we_expect():
    """Every figure of the summary is either computed or explained; nothing is dropped."""
    ids = set(INDICATORS["indicator_id"])
    assert len(ids) == 37
    assert set(NOT_COMPUTABLE) <= ids
    assert set(COMPUTABLE) <= set(FIGURES)
    assert len(NOT_COMPUTABLE) == 4 and len(EXPLAINED) == 1 and len(MATCHING) == 32


@pytest.mark.parametrize("indicator_id", list(EXPLAINED.index))
def test_an_explained_difference_is_a_difference_not_a_match(indicator_id):
    """A figure computed from another official source differs from the printed one: the
    reconciliation keeps match False and gives the recorded reason."""
    row = RECONCILED.set_index("indicator_id").loc[indicator_id]
    assert indicator_id in COMPUTABLE
    assert row["computed"] != row["published"] and row["match"] is False
    assert row["difference"] == EXPLAINED[indicator_id]


def test_asylum_seekers_scb_beside_the_summarys_own_count():
    row = RECONCILED.set_index("indicator_id").loc["asylum_seekers_total"]
    assert (row["computed"], row["published"], row["status"]) == (9645, 9625, "official")
    assert "Migrationsverkets egen räkning" in row["difference"]
    assert "SCB" in row["difference"] and "båda är officiella" in row["difference"]
    change = FIGURES["asylum_seekers_change_vs_previous_year"]
    assert change.value == pytest.approx(100 * 9645 / 12644 - 100)  # SCB: 12 644 in 2023
    assert (change.unit, change.status) == ("percent change", "official")
    assert "asylum_seekers_change_vs_previous_year" not in set(INDICATORS["indicator_id"])


def test_a_stale_explanation_is_an_error():
    """An explanation recorded for a figure that agrees with the summary is refused."""
    stale = pd.Series({"newly_arrived_received_by_municipalities": "skäl"})
    with pytest.raises(ValueError, match="explained, but it agrees with the summary"):
        reconcile(FIGURES, INDICATORS, registry(_data), stale)
    with pytest.raises(ValueError, match="explained, but it is not computed"):
        reconcile(FIGURES, INDICATORS, registry(_data), pd.Series({"so_minimum_hours": "skäl"}))


def test_figures_not_computable_are_reported_as_such():
    rows = RECONCILED.set_index("indicator_id").loc[list(NOT_COMPUTABLE)]
    assert rows["computed"].isna().all() and rows["match"].isna().all()


def test_headline_counts_are_exact_and_sample_is_labelled():
    assert FIGURES["newly_arrived_received_by_municipalities"].value == 32866
    assert FIGURES["uam_assignments_total"].value == 497
    assert FIGURES["est_participants"].value == 9761
    # No 2024 breakdown is official in the shipped data, so no figure computed from one may
    # claim to be; only SCB's national series of asylum seekers is official.
    official = {k for k, f in FIGURES.items() if f.status == "official"}
    assert official == {"asylum_seekers_total", "asylum_seekers_change_vs_previous_year"}
    assert {f.sources for k, f in FIGURES.items() if k in official} == {("asylum_seekers",)}
    assert {f.status for k, f in FIGURES.items() if k not in official} == {"sample"}


def test_the_summarys_own_arithmetic():
    f = {k: v.value for k, v in FIGURES.items()}
    assert f["uam_asylum_seekers"] + f["uam_tpd_applicants"] == f["uam_protection_seekers_total"]
    assert f["est_participants_women"] + f["est_participants_men"] == f["est_participants"]
    assert (
        round(f["uam_assignments_share_anknytning"] + f["uam_assignments_share_maluppfyllnad"])
        == 100
    )
