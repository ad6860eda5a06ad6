"""The committed notebooks: paired with their jupytext sources, executed, checking what they show.

Executing them is nbmake's job (``pytest --nbmake notebooks/``); these tests
check what a reader on GitHub gets: every chapter exists as a ``.py`` source
and an ``.ipynb`` with outputs, the two hold the same cells (no stale
``.ipynb``), the outputs come from one top-to-bottom run without errors,
every cell that shows something also asserts it, and the graphs are in the
outputs (so JupyterLab shows them before anything is run).

Exercises: a cell tagged ``exercise-<id>`` holds the learner's blank, the
``checker`` cell after it runs ``check_op``/``check_mlp``.  The committed run
shows "还没写" there; ``notebooks/solutions/NN_name.py`` holds the reference
answer for each ``exercise-<id>`` and the test run executes every chapter with
the answers put in, each checker then saying "正确".
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
SOLUTIONS = NOTEBOOKS / "solutions"

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
    "05_train_mlp",
    "07_gradcheck",
]
ANSWER_HERE = 'raise NotImplementedError("在这里写你的答案")'

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


def _tags(cell) -> list:
    return cell.get("metadata", {}).get("tags", [])


@pytest.mark.parametrize("name", sorted(CHAPTERS))
def test_every_cell_that_shows_something_checks_it(name):
    """A checker cell is checked by the test run instead: blank here, 正确 with the solutions."""
    for cell in _ipynb(name)["cells"]:
        if cell["cell_type"] == "code" and cell["outputs"] and "checker" not in _tags(cell):
            message = f"{name}: a cell shows output without checking it:\n{_source(cell)[:200]}"
            assert "assert " in _source(cell), message


@pytest.mark.parametrize("name", sorted(CHAPTERS))
def test_chapter_names_what_it_follows_in_its_opening_cell(name):
    first = _source(_ipynb(name)["cells"][0])
    assert FOLLOWS[name] in first, f"{name}: the opening cell does not name {FOLLOWS[name]}"


def _shown_text(cell) -> str:
    """The text/plain of what a cell displayed (execute_result or display_data)."""
    return "".join(
        "".join(o["data"].get("text/plain", ""))
        for o in cell["outputs"]
        if o["output_type"] in ("execute_result", "display_data")
    )


def _exercises(cells) -> list:
    """(exercise id, its cell, the checker cell after it) for every exercise in a notebook."""
    found = []
    for k, cell in enumerate(cells):
        ids = [t.removeprefix("exercise-") for t in _tags(cell) if t.startswith("exercise-")]
        if ids:
            checker = next(c for c in cells[k + 1 :] if "checker" in _tags(c))
            found.append((ids[0], cell, checker))
    return found


@pytest.mark.parametrize("name", WITH_EXERCISES)
def test_exercises_are_blank_and_the_checker_says_not_yet(name):
    cells = _ipynb(name)["cells"]
    starts = [
        k for k, c in enumerate(cells) if c["cell_type"] == "markdown" and "练习" in _source(c)
    ]
    assert starts, f"{name}: no 练习 section"
    exercises = _exercises(cells)
    assert exercises, f"{name}: no cell tagged exercise-<id>"
    for exercise_id, cell, checker in exercises:
        assert ANSWER_HERE in _source(cell), f"{name}: exercise {exercise_id} is not blank"
        assert re.search(r"check_(op|mlp)\(", _source(checker)), _source(checker)
        shown = _shown_text(checker)
        assert shown.startswith("还没写："), f"{name}/{exercise_id}: {shown[:200]}"
        assert "在这里写你的答案" in shown and "再运行这一格" in shown


def _solutions(name: str) -> dict:
    jupytext = pytest.importorskip("jupytext")
    answers = {}
    for cell in jupytext.read(SOLUTIONS / f"{name}.py").cells:
        for tag in cell.metadata.get("tags", []):
            if tag.startswith("exercise-"):
                answers[tag.removeprefix("exercise-")] = cell.source
    return answers


@pytest.mark.parametrize("name", WITH_EXERCISES)
def test_every_exercise_has_exactly_one_reference_answer(name):
    ids = [exercise_id for exercise_id, _, _ in _exercises(_ipynb(name)["cells"])]
    assert sorted(ids) == sorted(_solutions(name)) and len(set(ids)) == len(ids)


@pytest.mark.parametrize("name", WITH_EXERCISES)
def test_with_the_answers_filled_in_every_checker_says_right(name):
    """Run the chapter top to bottom with notebooks/solutions/ put into the exercise cells."""
    jupytext = pytest.importorskip("jupytext")
    nbclient = pytest.importorskip("nbclient")
    answers = _solutions(name)
    notebook = jupytext.read(NOTEBOOKS / f"{name}.py")
    filled = 0
    for cell in notebook.cells:
        for tag in cell.metadata.get("tags", []):
            if tag.startswith("exercise-"):
                cell.source = answers[tag.removeprefix("exercise-")]
                filled += 1
    assert filled == len(answers)
    client = nbclient.NotebookClient(
        notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": NOTEBOOKS}}
    )
    client.execute()
    checkers = [c for c in notebook.cells if "checker" in c.metadata.get("tags", [])]
    assert len(checkers) == filled
    for cell in checkers:
        shown = _shown_text(cell)
        assert shown.startswith("正确："), f"{name}: {cell.source}\n{shown[:600]}"


_PLOTTING = re.compile(r"\b(matplotlib|plt\.|loss_curve\(|decision_boundary\(|use_chinese_font\()")


def _tree(source: str):
    return ast.parse("\n".join(ln for ln in source.splitlines() if not ln.startswith(("%", "!"))))


def _made(source: str) -> set:
    """Names a cell binds for later cells (not a comprehension's or a function's own names)."""
    found = set()

    def bind(target):
        for node in ast.walk(target):
            if isinstance(node, ast.Name):
                found.add(node.id)

    def visit(statements):
        for node in statements:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                found.update((a.asname or a.name).split(".")[0] for a in node.names)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                found.add(node.name)
            elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
                for target in getattr(node, "targets", [getattr(node, "target", None)]):
                    bind(target)
            elif isinstance(node, (ast.For, ast.With)):
                for item in getattr(node, "items", []):
                    if item.optional_vars is not None:
                        bind(item.optional_vars)
                if isinstance(node, ast.For):
                    bind(node.target)
            for field in ("body", "orelse", "finalbody"):
                if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    visit(getattr(node, field, []))

    visit(_tree(source).body)
    return found


def _used(source: str) -> set:
    """Names a cell reads and never binds itself, in any of its scopes."""
    names = [n for n in ast.walk(_tree(source)) if isinstance(n, ast.Name)]
    stored = {n.id for n in names if not isinstance(n.ctx, ast.Load)}
    return {n.id for n in names if isinstance(n.ctx, ast.Load)} - stored


@pytest.mark.parametrize("name", sorted(CHAPTERS))
def test_plotting_cells_create_nothing_other_cells_need(name):
    """A copy of the book that cannot plot skips these cells; the rest must still run."""
    code = [_source(c) for c in _ipynb(name)["cells"] if c["cell_type"] == "code"]
    plotting = [_PLOTTING.search(src) is not None for src in code]
    for k, src in enumerate(code):
        if plotting[k]:
            made = _made(src)
            for later, other in zip(plotting[k + 1 :], code[k + 1 :]):
                if not later:
                    used = made & (_used(other) - _made(other))  # read, not made there
                    assert not used, f"{name}: a plotting cell makes {used} for:\n{other[:200]}"


_DRAWS = re.compile(r"\b(draw_dot|StepThrough)\(|(?<![.\w])show\(")  # show(o): chapter 00


@pytest.mark.parametrize("name", sorted(CHAPTERS))
def test_committed_notebooks_are_valid_and_hold_their_pictures(name):
    """JupyterLab shows a trusted notebook's outputs before anything runs: the SVG must be there."""
    nbformat = pytest.importorskip("nbformat")
    notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    nbformat.validate(notebook)
    for cell in notebook.cells:
        if cell.cell_type != "code" or not _DRAWS.search(cell.source):
            continue
        if re.search(r"^def show\(", cell.source, re.M) and "show(o)" not in cell.source:
            continue
        bundles = [o.get("data", {}) for o in cell.outputs]
        pictures = [
            b for b in bundles if "image/svg+xml" in b or "<svg" in "".join(b.get("text/html", ""))
        ]
        assert pictures, f"{name}: no picture in the output of:\n{cell.source[:200]}"
        if "StepThrough(" in cell.source:
            assert any('class="mgp-slider"' in "".join(b.get("text/html", "")) for b in bundles)


def test_readme_lists_every_chapter():
    readme = (NOTEBOOKS / "README.md").read_text(encoding="utf-8")
    for name, title in CHAPTERS.items():
        assert f"{name}.ipynb" in readme, name
        assert title.replace(" ", "") in readme.replace(" ", ""), title


def test_make_lab_installs_trusts_then_serves_on_this_machine_only():
    import shutil
    import subprocess

    if shutil.which("make") is None:
        pytest.skip("make missing")
    root = NOTEBOOKS.parent
    plan = subprocess.run(
        ["make", "-n", "lab", "VENV=/nonexistent-venv"], cwd=root, capture_output=True, text=True
    ).stdout.splitlines()
    install = next(k for k, line in enumerate(plan) if 'pip install -q -e ".[notebooks]"' in line)
    trust = plan.index("/nonexistent-venv/bin/jupyter trust notebooks/[0-9]*.ipynb")
    lab = "/nonexistent-venv/bin/jupyter lab"
    serve = next(
        k
        for k, line in enumerate(plan)
        if line.startswith(f"{lab} --no-browser --ip=127.0.0.1 --ServerApp.root_dir=notebooks")
    )
    assert install < trust < serve
    setup = subprocess.run(
        ["make", "-n", "lab-setup", "VENV=/nonexistent-venv"], cwd=root, capture_output=True,
        text=True,
    ).stdout  # fmt: skip
    assert "jupyter trust" in setup and "jupyter lab " not in setup


def test_jupyter_trust_makes_the_committed_outputs_trusted(tmp_path):
    """What `make lab-setup` does to a chapter: afterwards JupyterLab renders its SVG and HTML."""
    import os
    import shutil
    import subprocess
    import sys

    nbformat = pytest.importorskip("nbformat")
    from nbformat.sign import NotebookNotary

    program = shutil.which("jupyter-trust") or str(Path(sys.executable).parent / "jupyter-trust")
    if not Path(program).exists():
        pytest.skip("jupyter-trust missing (pip install nbformat)")
    trusted, cloned = tmp_path / "01_graph_apple.ipynb", tmp_path / "02_chain_rule_backprop.ipynb"
    shutil.copy(NOTEBOOKS / trusted.name, trusted)
    shutil.copy(NOTEBOOKS / cloned.name, cloned)
    data = str(tmp_path / "data")
    env = {**os.environ, "JUPYTER_DATA_DIR": data}
    subprocess.run([program, str(trusted)], check=True, capture_output=True, env=env)
    notary = NotebookNotary(data_dir=data)
    assert notary.check_signature(nbformat.read(trusted, as_version=4))
    assert not notary.check_signature(nbformat.read(cloned, as_version=4))  # as cloned
