"""micrograd_cn.numbers_text: the one way numbers are written in captions and tables."""

import pytest

from micrograd_cn.numbers_text import format_number, paren


@pytest.mark.parametrize(
    ("x", "text", "bracketed"),
    [
        (-4.0, "-4", "(-4)"),
        (3.0, "3", "3"),
        (0.0, "0", "0"),  # kills numbers_text.x_paren__mutmut: x < 0 -> x <= 0
        (0.6456563062257954, "0.645656", "0.645656"),
        (2.2, "2.2", "2.2"),
        (-0.5, "-0.5", "(-0.5)"),
        (1e-12, "1e-12", "1e-12"),
        (123456789.0, "1.23457e+08", "1.23457e+08"),
        (float("inf"), "inf", "inf"),
        (float("-inf"), "-inf", "(-inf)"),
    ],
)
def test_six_significant_digits_and_brackets_for_negatives(x, text, bracketed):
    assert format_number(x) == text
    assert paren(x) == bracketed
