"""micrograd_cn.ops_doc: docs/gradients.md holds exactly the generated op tables, one line
per op, and ``python -m micrograd_cn.ops`` regenerates them."""

import locale
import subprocess
import sys
from pathlib import Path

import pytest

from micrograd_cn import ops_doc
from micrograd_cn.ops import OPS, Op, Param

DOC = Path(__file__).resolve().parent.parent / "docs" / "gradients.md"


def test_docs_table_is_the_generated_one():
    text = DOC.read_text(encoding="utf-8")
    start, end = text.index(ops_doc.BEGIN), text.index(ops_doc.END) + len(ops_doc.END)
    assert text[start:end] == ops_doc.markdown(), "regenerate: python -m micrograd_cn.ops"
    for row in OPS.values():  # one line per op, with its formulas
        (line,) = [li for li in text.splitlines() if li.startswith(f"| `{row.name}` |")]
        assert f"`{row.form}`" in line and row.why in line


def test_python_m_ops_regenerates_the_doc(tmp_path):
    stale = tmp_path / "gradients.md"
    stale.write_text(f"前言\n{ops_doc.BEGIN}\nold\n{ops_doc.END}\n后记\n", encoding="utf-8")
    run = [sys.executable, "-m", "micrograd_cn.ops", str(stale)]
    done = subprocess.run(run, capture_output=True, text=True, check=True)
    assert done.stdout == f"updated {stale}\n"
    assert stale.read_text(encoding="utf-8") == f"前言\n{ops_doc.markdown()}\n后记\n"
    again = subprocess.run(run, capture_output=True, text=True, check=True)
    assert again.stdout == f"unchanged {stale}\n"


def test_generated_rows_render_as_a_learner_writes_them():
    text = ops_doc.markdown()
    assert "| `tanh` | `tanh(x)` | `tanh` | ∂/∂x: 1 − out² |" in text
    assert "∂/∂x: k·x^(k − 1)" in text and "∂/∂x: 1 if x > 0 else out + α" in text
    assert "∂/∂y: −x/y²" in text and "∂/∂x: σ(x)" in text
    assert text.count("\n| `") == len(OPS)


def test_print_and_a_missing_marker(tmp_path, capsys):
    ops_doc.main(["-"])
    assert capsys.readouterr().out == ops_doc.markdown() + "\n"
    bare = tmp_path / "bare.md"
    bare.write_text("no markers\n", encoding="utf-8")
    with pytest.raises(
        ValueError, match=r"bare\.md has no generated part: expected <!-- ops:begin"
    ):
        ops_doc.update_doc(bare)
    assert bare.read_text(encoding="utf-8") == "no markers\n"
    assert [p.name for p in tmp_path.iterdir()] == ["bare.md"]


STALE = f"前言\n{ops_doc.BEGIN}\nold\n{ops_doc.END}\n后记 {ops_doc.BEGIN} {ops_doc.END}\n"


@pytest.fixture
def ascii_locale():
    """A locale whose default encoding is ASCII (as a Windows one is not UTF-8): the doc,
    Chinese throughout, must still be read and written as UTF-8."""
    old = locale.setlocale(locale.LC_CTYPE)
    locale.setlocale(locale.LC_CTYPE, "C")
    yield
    locale.setlocale(locale.LC_CTYPE, old)


def test_update_doc_replaces_only_the_first_generated_part(tmp_path, ascii_locale):
    """kills ops_doc.x_update_doc__mutmut_4, 9, 11, 17-23, 29-33, 36: the file is read and
    written as UTF-8, the first BEGIN … first END is replaced (a later marker, quoted in the
    text, stays), the rest is kept byte for byte, True when changed and False when not."""
    doc = tmp_path / "gradients.md"
    doc.write_text(STALE, encoding="utf-8")
    assert ops_doc.update_doc(doc) is True
    expected = f"前言\n{ops_doc.markdown()}\n后记 {ops_doc.BEGIN} {ops_doc.END}\n"
    assert doc.read_bytes() == expected.encode("utf-8")
    assert ops_doc.update_doc(str(doc)) is False
    assert doc.read_bytes() == expected.encode("utf-8")
    assert [p.name for p in tmp_path.iterdir()] == ["gradients.md"]


def test_update_doc_with_the_markers_at_the_very_start_and_end(tmp_path):
    """kills ops_doc.x_update_doc__mutmut_13, 14 (start <= 0 / start < 1 refused a doc
    that begins with the marker)."""
    doc = tmp_path / "gradients.md"
    doc.write_text(f"{ops_doc.BEGIN}{ops_doc.END}", encoding="utf-8")
    assert ops_doc.update_doc(doc) is True
    assert doc.read_text(encoding="utf-8") == ops_doc.markdown()


def test_an_end_marker_before_the_begin_marker_is_refused(tmp_path):
    doc = tmp_path / "gradients.md"
    doc.write_text(f"{ops_doc.END}\n{ops_doc.BEGIN}\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"gradients\.md has no generated part: expected "):
        ops_doc.update_doc(doc)
    assert doc.read_text(encoding="utf-8") == f"{ops_doc.END}\n{ops_doc.BEGIN}\n"


def test_the_new_text_is_complete_before_it_replaces_the_doc(tmp_path, monkeypatch):
    """Never a half-written doc: the whole new text goes to ``gradients.md.partial`` next to
    it, and only then is renamed over it; if the rename fails the doc is untouched.
    kills ops_doc.x_update_doc__mutmut_24-35 (the partial's name, text, encoding, target)."""
    doc = tmp_path / "gradients.md"
    doc.write_text(STALE, encoding="utf-8")
    renamed = []

    def failing_replace(self, target):
        renamed.append((self.name, self.read_bytes(), target))
        raise OSError("disk full")

    monkeypatch.setattr(Path, "replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):
        ops_doc.update_doc(doc)
    new = f"前言\n{ops_doc.markdown()}\n后记 {ops_doc.BEGIN} {ops_doc.END}\n"
    assert renamed == [("gradients.md.partial", new.encode("utf-8"), doc)]
    assert doc.read_text(encoding="utf-8") == STALE
    partial = tmp_path / "gradients.md.partial"
    assert partial.read_text(encoding="utf-8") == new


def test_main_updates_the_file_given_and_says_so(tmp_path, capsys, monkeypatch):
    """``python -m micrograd_cn.ops PATH`` in process: the first run rewrites, the second
    finds nothing to do; with no ``argv`` the command line is read.
    kills ops_doc.x_main__mutmut_2, 4, 21-31."""
    doc = tmp_path / "gradients.md"
    doc.write_text(STALE, encoding="utf-8")
    ops_doc.main([str(doc)])
    assert capsys.readouterr().out == f"updated {doc}\n"
    monkeypatch.setattr(sys, "argv", ["python -m micrograd_cn.ops", str(doc)])
    ops_doc.main()
    assert capsys.readouterr().out == f"unchanged {doc}\n"
    assert doc.read_text(encoding="utf-8").startswith(f"前言\n{ops_doc.markdown()}\n")


def test_main_without_a_path_updates_the_repository_doc(capsys, monkeypatch):
    """kills ops_doc.x_main__mutmut_8, 10-17: the default target is docs/gradients.md of the
    repository (the update itself is faked: a mutant elsewhere must not rewrite it)."""
    targets = []
    monkeypatch.setattr(ops_doc, "update_doc", lambda path: targets.append(path) or False)
    ops_doc.main([])
    assert [Path(t).resolve() for t in targets] == [DOC]
    assert capsys.readouterr().out == f"unchanged {targets[0]}\n"


def test_a_new_op_with_two_parameters_lists_both(monkeypatch):
    """A row added to the table appears in the doc with each parameter: a name alone when
    it must be given, ``name = default`` otherwise.
    kills ops_doc.x__params_text__mutmut_2: ", ".join -> "XX, XX".join."""
    clip = Op("clip", "clip", "clip", "clip(x, lo, hi)", {"x": "1"}, "夹在 lo 与 hi 之间。",
              "Value.clip", params=(Param("lo"), Param("hi", 1.0)))  # fmt: skip
    monkeypatch.setitem(OPS, "clip", clip)
    rows = [li for li in ops_doc.markdown().splitlines() if li.startswith("| `clip` |")]
    assert rows == [
        "| `clip` | `clip(x, lo, hi)` | `clip` | ∂/∂x: 1 | 全体实数 | lo, hi = 1 | "
        "夹在 lo 与 hi 之间。 | `Value.clip` |"
    ]
