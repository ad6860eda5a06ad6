"""micrograd_cn.ops_doc: docs/gradients.md holds exactly the generated op tables, one line
per op, and ``python -m micrograd_cn.ops`` regenerates them."""

import subprocess
import sys
from pathlib import Path

import pytest

from micrograd_cn import ops_doc
from micrograd_cn.ops import OPS

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
