"""Names and labels as pictures and captions show them: one naming function for all of them.

Every node has one name: its label, cleaned for display (control characters
escaped, cut at :data:`LABEL_MAX` characters), or ``v1``, ``v2``, … numbered
consecutively over the unlabelled nodes in topological order.  Captions, the
drawing, the tables and the player all use :func:`node_names`.

>>> from micrograd_cn import Value
>>> a = Value(1.0, label="a"); b = a * 2; c = b + a
>>> node_names([a, b, c])
['a', 'v1', 'v2']
"""

from __future__ import annotations

import unicodedata

__all__ = ["LABEL_MAX", "clean_text", "display_label", "label_of", "node_names", "points_width"]

#: Labels longer than this are cut with … when drawn.
LABEL_MAX = 40


def label_of(node) -> str:
    """The node's ``label`` ("" if it has none: micrograd 0.1.0's Value has no labels)."""
    return getattr(node, "label", "") or ""


def node_names(nodes: list) -> list[str]:
    """The one name of each node (``nodes`` in topological order): its label as drawn, or
    ``v1``, ``v2``, … numbered consecutively over the unlabelled nodes, skipping a
    number a label already uses.

    >>> from micrograd_cn import Value
    >>> a = Value(1.0, label="v2"); b = a * 2; c = b + 1
    >>> node_names([a, b, c])
    ['v2', 'v1', 'v3']
    """
    shown = [display_label(label_of(v), f"node n{i}") for i, v in enumerate(nodes)]
    taken = set(shown)
    names, k = [], 0
    for text in shown:
        if not text:
            k += 1
            while f"v{k}" in taken:
                k += 1
            text = f"v{k}"
        names.append(text)
    return names


def display_label(label, where: str = "a node") -> str:
    """The label as drawn: control characters and lone surrogates shown escaped, cut to
    :data:`LABEL_MAX` characters with …; numbers become text; other types are refused.

    >>> display_label("a\\x1bb"), display_label(7), display_label("长" * 50)[-3:]
    ('a\\\\x1bb', '7', '长长…')
    >>> display_label(b"x")
    Traceback (most recent call last):
    TypeError: the label of a node must be a str, got bytes b'x' (decode it first)
    """
    if not label:
        return ""
    if isinstance(label, (int, float)) and not isinstance(label, bool):
        label = str(label)
    if not isinstance(label, str):
        hint = " (decode it first)" if isinstance(label, (bytes, bytearray)) else ""
        shown = repr(label)
        shown = shown if len(shown) <= 40 else shown[:39] + "…"
        raise TypeError(
            f"the label of {where} must be a str, got {type(label).__name__} {shown}{hint}"
        )
    text = clean_text(label[: LABEL_MAX + 1])
    return text if len(text) <= LABEL_MAX else text[: LABEL_MAX - 1] + "…"


def clean_text(text: str) -> str:
    """``text`` with control characters, lone surrogates and line separators written as escapes."""
    if text.isprintable():
        return text
    out = []
    for c in text:
        if unicodedata.category(c) in ("Cc", "Cs") or c in "\u2028\u2029":
            out.append(f"\\x{ord(c):02x}" if ord(c) < 256 else f"\\u{ord(c):04x}")
        else:
            out.append(c)
    return "".join(out)


def points_width(text: str, size: float = 12.0) -> float:
    """A generous estimate of the width in points of ``text`` in a sans-serif font."""
    wide = sum(1 for c in text if unicodedata.east_asian_width(c) in "WF")
    return size * (1.02 * wide + 0.58 * (len(text) - wide)) + 4
