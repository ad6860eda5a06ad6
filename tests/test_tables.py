"""tables: a text table for the terminal (CJK takes two columns), an HTML table for notebooks."""

import pytest

from micrograd_cn.tables import Table, terminal_width


def test_text_columns_line_up_in_terminal_cells():
    t = Table(("节点 node", "值 value"), [("苹果单价", "100.0000"), ("x", "2.0000")])
    lines = str(t).splitlines()
    starts = {terminal_width(line[: line.index(v)]) for line, v in zip(lines[2:], ["100", "2."])}
    widest = terminal_width("节点 node")  # 9 cells: the header, wider than 苹果单价 (8)
    assert starts == {widest + 2}  # one column, two spaces after the widest cell
    assert lines[1] == "-" * widest + "  " + "-" * terminal_width("值 value")
    assert terminal_width("苹果") == 4 and terminal_width("ｘ") == 2


def test_it_is_a_string_and_an_html_table():
    t = Table(("a", "b"), [("<x>", "1 & 2")])
    assert t == "a    b\n---  -----\n<x>  1 & 2" and t + "!" == str(t) + "!"
    assert t._repr_html_() == (
        '<table class="micrograd-cn-table" style="text-align:left"><thead><tr><th>a</th>'
        "<th>b</th></tr></thead><tbody><tr><td>&lt;x&gt;</td><td>1 &amp; 2</td></tr></tbody>"
        "</table>"
    )
    assert t.header == ("a", "b") and t.rows == (("<x>", "1 & 2"),)
    assert repr(t) == str(t)  # a REPL shows the table, not an escaped string


def test_a_row_of_the_wrong_length_is_refused():
    with pytest.raises(ValueError, match="a row has 1 cells, the header 2"):
        Table(("a", "b"), [("only",)])


def test_every_row_is_its_own_html_row():
    """kills tables.xǁTableǁ_repr_html___mutmut_7: rows joined with "XXXX"."""
    t = Table(("节点", "值"), [("a", "1"), ("b", "2")])
    assert t._repr_html_().endswith(
        "<tbody><tr><td>a</td><td>1</td></tr><tr><td>b</td><td>2</td></tr></tbody></table>"
    )


def test_ipython_terminal_shows_the_text_table():
    """IPython's terminal calls ``_repr_pretty_``: it prints the aligned text.
    kills tables.xǁTableǁ_repr_pretty___mutmut_1, 2."""

    class Printer:  # the part of IPython's RepresentationPrinter a table uses
        def __init__(self):
            self.printed = []

        def text(self, s):
            self.printed.append(s)

    printer = Printer()
    Table(("a", "b"), [("苹果", "1")])._repr_pretty_(printer, cycle=False)
    assert printer.printed == ["a     b\n----  -\n苹果  1"]
