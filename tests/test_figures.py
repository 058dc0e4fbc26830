import math

import pytest

from lansbok.figures import agrees, round_half_up


@pytest.mark.parametrize(
    ("value", "step", "expected"),
    [
        (57.5, 1, 58),
        (57.49, 1, 57),
        (-18.95, 1, -19),
        (-18.5, 1, -18),
        (34_499, 1000, 34_000),
        (34_500, 1000, 35_000),
    ],
)
def test_round_half_up(value, step, expected):
    assert round_half_up(value, step) == expected


def test_agrees_by_kind():
    assert agrees(32866, 32866, "exact") and not agrees(32865, 32866, "exact")
    assert agrees(57.98, 58, "rounded", 1) and not agrees(57.4, 58, "rounded", 1)
    assert agrees(61.8, 60, "lower_bound") and not agrees(60.0, 60, "lower_bound")
    assert agrees(29.5, 30, "upper_bound") and not agrees(30.0, 30, "upper_bound")
    assert not agrees(math.nan, 1, "exact")
    with pytest.raises(ValueError):
        agrees(1, 1, "about")
