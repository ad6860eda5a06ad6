"""labels: one name per node (label, or v1, v2, … consecutive), labels cleaned for display."""

import pytest

from micrograd_cn import Value
from micrograd_cn.labels import LABEL_MAX, clean_text, display_label, label_of, node_names


def test_unlabelled_nodes_are_numbered_consecutively_in_the_order_given():
    a, b = Value(1.0, label="a"), Value(2.0)
    c = a * b
    d = c + a
    assert node_names([a, b, c, d]) == ["a", "v1", "v2", "v3"]


def test_a_number_a_label_already_uses_is_skipped():
    taken2, taken3 = Value(1.0, label="v2"), Value(2.0, label="v3")
    p = taken2 * taken3
    s = p + 1.0
    names = node_names([taken2, taken3, p, s])
    assert names == ["v2", "v3", "v1", "v4"] and len(set(names)) == 4


def test_the_name_is_the_label_as_drawn():
    x = Value(1.0, label="a\x1bb")
    long = Value(1.0, label="长" * (LABEL_MAX + 5))
    assert node_names([x, long]) == ["a\\x1bb", "长" * (LABEL_MAX - 1) + "…"]
    with pytest.raises(TypeError, match=r"the label of node n1 must be a str, got bytes b'x'"):
        node_names([x, Value(1.0, label=b"x")])


def test_label_of_an_object_without_labels_is_empty(lecture_value):
    class Bare:  # micrograd 0.1.0's Value has no label attribute
        pass

    assert label_of(Bare()) == "" and label_of(lecture_value(1.0, label="k")) == "k"


def test_clean_text_escapes_controls_and_line_separators():
    assert clean_text("a\tb\u2028c\udcff") == "a\\x09b\\u2028c\\udcff"
    assert clean_text("苹果 单价") == "苹果 单价"
    assert display_label(3) == "3" and display_label("") == "" and display_label(None) == ""


# ---------------------------------------------------------------- mutation audit (labels)


def test_fullwidth_characters_are_as_wide_as_chinese_ones():
    """Kills ``east_asian_width(c) in "WF"`` -> ``in "W"`` in ``points_width`` (a fullwidth
    ``ｘ`` counted as one narrow column): at 12 pt a wide character is 12 × 1.02 points, a
    narrow one 12 × 0.58, plus 4 points of margin."""
    from micrograd_cn.labels import points_width

    assert points_width("苹果") == pytest.approx(12 * 1.02 * 2 + 4, abs=1e-12)
    assert points_width("ｘ＝１") == pytest.approx(12 * 1.02 * 3 + 4, abs=1e-12)
    assert points_width("x=1", 10.0) == pytest.approx(10 * 0.58 * 3 + 4, abs=1e-12)
