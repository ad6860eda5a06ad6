"""Re-check surviving mutants against tests written after a `make mutation` run began.

Usage: python scripts/mutation_recheck.py BASE_COMMIT [--write]

Why: mutmut maps tests to functions once per run (its "stats"), so a test added while the run
goes on is never run against the mutants it was written for; the next run would pick it up,
after a full stats pass.  This does what mutmut does for one mutant, with mutmut's own
trampoline: in a copy of mutants/ holding the current tests/, it runs the tests added or
changed in the module's test file since BASE_COMMIT, with MUTANT_UNDER_TEST set and the same
pytest arguments as pyproject's [tool.mutmut].  A control run without a mutant must pass
first.  With --write, each mutant those tests kill gets exit code 1 in
mutants/<module>.py.meta (what mutmut records).
Mutants listed as equivalent in docs/mutation.md are skipped.
"""

import ast
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parent.parent
SURVIVED = (0, 33)  # tests passed; no test mapped


def changed_tests(base: str, module: str) -> list[str]:
    """Test functions of tests/test_<module>.py with a line added or changed since base."""
    path = f"tests/test_{module}.py"
    diff = subprocess.run(
        ["git", "diff", "-U0", base, "--", path], cwd=ROOT, capture_output=True, text=True
    ).stdout
    lines, line = set(), 0
    for text in diff.splitlines():
        if text.startswith("@@"):
            line = int(re.match(r"@@ -\S+ \+(\d+)", text)[1])
        elif text.startswith("+") and not text.startswith("+++"):
            lines.add(line)
            line += 1
    tree = ast.parse((ROOT / path).read_text("utf-8"))
    return [
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef)
        and node.name.startswith("test_")
        and lines & set(range(_first_line(node), node.end_lineno + 1))
    ]


def _first_line(node: ast.FunctionDef) -> int:
    """Where a test starts, its decorators included (a new ``parametrize`` case is a change)."""
    return min([node.lineno, *(d.lineno for d in node.decorator_list)])


def run_tests(copy: Path, mutant: str, module: str, names: list[str], args: list[str]) -> int:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(OMP_NUM_THREADS="1", MUTANT_UNDER_TEST=mutant, PY_IGNORE_IMPORTMISMATCH="1")
    k = args.index("-k")
    args = [*args[:k], "-k", f"({' or '.join(names)}) and ({args[k + 1]})", *args[k + 2 :]]
    command = [sys.executable, "-m", "pytest", "--rootdir=.", "--tb=native", "-x", "-q"]
    command += ["-p", "no:randomly", "-p", "no:random-order", *args, f"tests/test_{module}.py"]
    return subprocess.run(command, cwd=copy, env=env, capture_output=True).returncode


def main(argv: list[str]) -> int:
    if not argv or argv[0].startswith("-"):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    base, write = argv[0], "--write" in argv
    mutants = ROOT / "mutants"
    args = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["mutmut"]
    args = args["pytest_add_cli_args"]
    text = (ROOT / "docs" / "mutation.md").read_text("utf-8")
    equivalent = set(re.findall(r"`(micrograd_cn\.[^`\s]+__mutmut_\d+)`", text))
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "mutants"
        shutil.copytree(mutants, copy, ignore=shutil.ignore_patterns("__pycache__", "*.meta"))
        shutil.rmtree(copy / "tests")
        skip = shutil.ignore_patterns("__pycache__")
        shutil.copytree(ROOT / "tests", copy / "tests", ignore=skip)
        for meta in sorted(mutants.rglob("*.py.meta")):
            module = meta.name.removesuffix(".py.meta")
            codes = json.loads(meta.read_text("utf-8"))["exit_code_by_key"]
            todo = [n for n, c in codes.items() if c in SURVIVED and n not in equivalent]
            names = changed_tests(base, module) if todo else []
            if not names or run_tests(copy, "", module, names, args) != 0:
                continue
            killed = [n for n in todo if run_tests(copy, n, module, names, args) == 1]
            print(f"{module}: {len(killed)} of {len(todo)} killed by {len(names)} new tests")
            if write and killed:
                data = json.loads(meta.read_text("utf-8"))
                data["exit_code_by_key"].update(dict.fromkeys(killed, 1))
                meta.write_text(json.dumps(data), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
