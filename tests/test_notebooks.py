"""The committed notebooks: paired with their jupytext sources, executed, checking what they show.

Executing them is nbmake's job (``pytest --nbmake notebooks/``); these tests
check what a reader on GitHub gets: every chapter exists as a ``.py`` source
and an ``.ipynb`` with outputs, the two hold the same cells (no stale
``.ipynb``), the outputs come from one top-to-bottom run without errors, and
every cell that shows something also asserts it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"

CHAPTERS = {
    "00_from_scratch": "00 从零开始",
    "01_graph_apple": "01 计算图与苹果例子",
    "02_chain_rule_backprop": "02 链式法则与反向传播",
    "03_activations_losses": "03 激活函数与损失层",
    "04_two_layer_network": "04 两层网络的数值例子",
    "05_train_mlp": "05 训练一个MLP",
    "06_stability_init": "06 数值稳定性与初始化",
    "07_gradcheck": "07 梯度检验",
}


# Chapters that end with exercises (练习) checked by micrograd_cn.exercises.check_op.
WITH_EXERCISES = [
    "00_from_scratch",
    "01_graph_apple",
    "02_chain_rule_backprop",
    "03_activations_losses",
    "07_gradcheck",
]
ANSWER_HERE = "在这里写你的答案"

# What each chapter follows, named in its opening cell (the articles by their titles).
FOLLOWS = {
    "00_from_scratch": "building micrograd",
    "01_graph_apple": "《误差反向传播法·计算图》",
    "02_chain_rule_backprop": "《梯度下降和反向传播》",
    "03_activations_losses": "《反向传播算法》",
    "04_two_layer_network": "《梯度下降和反向传播》",
    "05_train_mlp": "micrograd",
    "06_stability_init": "《PyTorch学习笔记(六)：正向传播、反向传播、数值稳定性和模型参数》",
    "07_gradcheck": "《梯度下降和反向传播》",
}


def _ipynb(name: str) -> dict:
    return json.loads((NOTEBOOKS / f"{name}.ipynb").read_text(encoding="utf-8"))


def _source(cell: dict) -> str:
    source = cell["source"]
    return source if isinstance(source, str) else "".join(source)


def test_every_chapter_has_a_source_and_an_executed_notebook():
    found = sorted(p.stem for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    assert found == sorted(CHAPTERS)
    for name in CHAPTERS:
        assert (NOTEBOOKS / f"{name}.py").is_file(), name
        assert name.isascii(), name


@pytest.mark.parametrize("name", sorted(CHAPTERS))
def test_title_is_the_chinese_chapter_name(name):
    first = _ipynb(name)["cells"][0]
    assert first["cell_type"] == "markdown"
    title = _source(first).splitlines()[0]
    assert title.replace(" ", "") == f"# {CHAPTERS[name]}".replace(" ", "")


@pytest.mark.parametrize("name", sorted(CHAPTERS))
def test_ipynb_holds_the_same_cells_as_its_py_source(name):
    jupytext = pytest.importorskip("jupytext")
    source = jupytext.read(NOTEBOOKS / f"{name}.py")
    from_py = [(c.cell_type, c.source.strip()) for c in source.cells]
    from_ipynb = [(c["cell_type"], _source(c).strip()) for c in _ipynb(name)["cells"]]
    assert from_ipynb == from_py, f"{name}.ipynb is stale: run `make notebooks`"


@pytest.mark.parametrize("name", sorted(CHAPTERS))
def test_outputs_come_from_one_clean_top_to_bottom_run(name):
    code = [c for c in _ipynb(name)["cells"] if c["cell_type"] == "code"]
    assert [c["execution_count"] for c in code] == list(range(1, len(code) + 1))
    for cell in code:
        for output in cell["outputs"]:
            assert output["output_type"] != "error", _source(cell)[:80]
    assert sum(bool(c["outputs"]) for c in code) >= len(code) // 2


@pytest.mark.parametrize("name", sorted(CHAPTERS))
def test_every_cell_that_shows_something_checks_it(name):
    for cell in _ipynb(name)["cells"]:
        if cell["cell_type"] == "code" and cell["outputs"]:
            message = f"{name}: a cell shows output without checking it:\n{_source(cell)[:200]}"
            assert "assert " in _source(cell), message


@pytest.mark.parametrize("name", sorted(CHAPTERS))
def test_chapter_names_what_it_follows_in_its_opening_cell(name):
    first = _source(_ipynb(name)["cells"][0])
    assert FOLLOWS[name] in first, f"{name}: the opening cell does not name {FOLLOWS[name]}"


@pytest.mark.parametrize("name", WITH_EXERCISES)
def test_chapter_ends_with_exercises_that_show_check_op_feedback(name):
    cells = _ipynb(name)["cells"]
    starts = [
        k for k, c in enumerate(cells) if c["cell_type"] == "markdown" and "## 练习" in _source(c)
    ]
    assert starts, f"{name}: no 练习 section"
    answers = [
        c for c in cells[starts[-1] :] if c["cell_type"] == "code" and ANSWER_HERE in _source(c)
    ]
    assert answers, f"{name}: no cell says where to write the answer ({ANSWER_HERE})"
    for cell in answers:
        assert "check_op(" in _source(cell), _source(cell)[:200]
        shown = [o for o in cell["outputs"] if o["output_type"] == "display_data"]
        assert shown, f"{name}: check_op's feedback is not shown:\n{_source(cell)[:200]}"


def test_readme_lists_every_chapter():
    readme = (NOTEBOOKS / "README.md").read_text(encoding="utf-8")
    for name, title in CHAPTERS.items():
        assert f"{name}.ipynb" in readme, name
        assert title.replace(" ", "") in readme.replace(" ", ""), title
