"""One rounding rule for text, tables and charts: half-way values go up, as published
statistics are printed (lansbok.figures.round_half_up)."""

import pytest

from lansbok.figures import Figure, round_half_up
from lansbok.report import sv_figure, sv_number


@pytest.mark.parametrize(
    ("value", "decimals", "text"),
    [
        (12.5, 0, "13"),  # round-half-to-even would print 12
        (0.5, 0, "1"),
        (2.5, 0, "3"),
        (12.25, 1, "12,3"),  # 12.25 is 12.2499999... in binary
        (2.675, 2, "2,68"),
        (-18.5, 0, "−18"),
        (32865.5, 0, "32\u202f866"),
        (0.05, 1, "0,1"),
    ],
)
def test_sv_number_rounds_half_up(value, decimals, text):
    assert sv_number(value, decimals) == text


def test_a_percentage_in_running_text_rounds_half_up():
    assert sv_figure(Figure("x", 12.5, "percent", "sample", ())) == "13\u00a0%"
    change = Figure("x", -18.5, "percent change", "sample", ())
    assert sv_figure(change) == "en minskning med 18\u00a0%"


def test_the_rule_agrees_with_the_reconciliation():
    for value in (28.5, 57.45, 99.95, 0.15):
        assert sv_number(value, 1) == f"{round_half_up(value, 0.1):.1f}".replace(".", ",")


def test_charts_carry_values_rounded_by_the_same_rule():
    import pandas as pd

    from lansbok.charts import bar_chart

    frame = pd.DataFrame(
        {"kommun": ["A", "B", "C"], "andel": [12.25, 0.05, 1.0], "status": "sample"}
    )
    chart = bar_chart(
        frame,
        "kommun",
        "andel",
        title="t",
        category_title="c",
        value_title="v",
        source="s",
        description="d",
    )
    values = [row["andel"] for row in chart.to_dict()["datasets"].popitem()[1]]
    assert values == [12.3, 0.1, 1.0]
