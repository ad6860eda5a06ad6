"""Tables of the forward and backward passes: text in a terminal, an HTML table in a notebook.

A terminal aligns columns by character cells (a Chinese character takes two);
a notebook draws text in a proportional font, where no padding with spaces
lines Chinese labels up.  So a :class:`Table` is both: as a string it is the
text table (``print`` it in a terminal), and Jupyter shows it through
``_repr_html_`` as a real ``<table>``, whose columns line up whatever the script.

>>> t = Table(("节点 node", "值 value"), [("苹果", "100"), ("x", "2")])
>>> print(t)
节点 node  值 value
---------  --------
苹果       100
x          2
>>> "<td>苹果</td>" in t._repr_html_()
True
"""

from __future__ import annotations

import html
import unicodedata

__all__ = ["Table", "terminal_width"]


def terminal_width(text: str) -> int:
    """Display width in a terminal: CJK (wide and full-width) characters take two columns.

    >>> terminal_width("ab"), terminal_width("苹果")
    (2, 4)
    """
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


class Table(str):
    """Rows under a header.  The string is the text table; ``_repr_html_`` the HTML one.

    It stays a ``str`` (printing it, ``splitlines()``, ``+``, writing it to a file all
    work as before); ``header`` and ``rows`` keep the cells.
    """

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]

    def __new__(cls, header, rows):
        header = tuple(str(c) for c in header)
        rows = tuple(tuple(str(c) for c in row) for row in rows)
        for row in rows:
            if len(row) != len(header):
                raise ValueError(f"a row has {len(row)} cells, the header {len(header)}")
        self = super().__new__(cls, _text(header, rows))
        self.header, self.rows = header, rows
        return self

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{html.escape(c)}</th>" for c in self.header)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>"
            for row in self.rows
        )
        return (
            '<table class="micrograd-cn-table" style="text-align:left">'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        )

    def _repr_pretty_(self, printer, cycle) -> None:  # IPython's terminal shows the text
        printer.text(str(self))

    def __repr__(self) -> str:
        return str(self)

    def __str__(self) -> str:
        return str.__str__(self)


def _text(header: tuple, rows: tuple) -> str:
    """Aligned text columns, a rule under the header (for the terminal)."""
    widths = [max(terminal_width(r[c]) for r in [header, *rows]) for c in range(len(header))]

    def line(cells):
        return "  ".join(
            c + " " * (w - terminal_width(c)) for c, w in zip(cells, widths, strict=True)
        ).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(header), rule, *(line(r) for r in rows)])
