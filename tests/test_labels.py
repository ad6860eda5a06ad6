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


def test_a_skipped_number_is_followed_by_the_next_one_not_two_further():
    """Only ``v2`` is taken: the unlabelled nodes are v1, v3, v4.  Kills ``node_names``'s
    ``k += 1`` -> ``k += 2`` inside the skipping loop (__mutmut_19: v1, v4, v5)."""
    taken = Value(1.0, label="v2")
    a = taken * 2.0
    b = a + 1.0
    c = b * taken
    assert node_names([taken, a, b, c]) == ["v2", "v1", "v3", "v4"]


def test_a_label_of_exactly_label_max_characters_is_kept_whole_one_more_is_cut():
    """40 characters fit; 41 become 39 and "…" (still 40).  Kills ``len(text) <= LABEL_MAX``
    -> ``<`` in ``display_label`` (__mutmut_34: a 40-character label cut)."""
    assert LABEL_MAX == 40
    fits, over = "a" * 40, "b" * 41
    assert display_label(fits) == fits
    assert display_label(over) == "b" * 39 + "…" and len(display_label(over)) == LABEL_MAX


def test_numbers_become_text_and_a_bool_is_refused():
    """``True`` is an int to Python but never a label a learner meant.  Kills ``display_label``'s
    ``and not isinstance(label, bool)`` -> ``or`` (__mutmut_5: ``b"x"`` drawn as ``"b'x'"``)."""
    assert display_label(2.5) == "2.5" and display_label(-3) == "-3"
    with pytest.raises(TypeError) as refused:
        display_label(True)
    assert str(refused.value) == "the label of a node must be a str, got bool True"


def test_the_type_error_names_the_node_the_type_and_the_label_exactly():
    """The whole message: where (default "a node"), the type, the repr cut at 40 characters to
    39 and "…", and the decoding hint for bytes only.  Kills in ``display_label``: the default
    ``where`` changed (__mutmut_1/2), the hint ``None`` / never / always / changed
    (__mutmut_10-15), the repr always cut / never cut / cut at 39 or 41 / ``-`` for ``+``
    / 40 characters kept / "XX…XX" (__mutmut_19-25)."""

    def message(label, *where):
        with pytest.raises(TypeError) as refused:
            display_label(label, *where)
        return str(refused.value)

    assert message(b"x") == "the label of a node must be a str, got bytes b'x' (decode it first)"
    assert message(bytearray(b"k"), "node n3") == (
        "the label of node n3 must be a str, got bytearray bytearray(b'k') (decode it first)"
    )
    assert message(["a"]) == "the label of a node must be a str, got list ['a']"
    forty, forty_one = b"a" * 37, b"a" * 38  # repr: b'…' adds 3 characters
    assert len(repr(forty)) == 40 and len(repr(forty_one)) == 41
    of_bytes = "the label of a node must be a str, got bytes {} (decode it first)"
    assert message(forty) == of_bytes.format(repr(forty))
    assert message(forty_one) == of_bytes.format("b'" + "a" * 37 + "…")


def test_clean_text_escapes_only_what_it_must():
    """In a text that has something to escape, ordinary letters (even ``X``) stay as they are
    and U+2029 is escaped like U+2028.  Kills ``c in "\\u2028\\u2029"`` -> ``"XX\\u2028\\u2029XX"``
    in ``clean_text`` (__mutmut_12: every ``X`` escaped)."""
    assert clean_text("X\tY\u2029") == "X\\x09Y\\u2029"
    assert clean_text("\x7fX") == "\\x7fX"
