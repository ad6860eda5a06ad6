"""Print `make mutation`'s score per module from mutmut's results (mutants/**/*.py.meta).

Usage: python scripts/mutation_report.py [--markdown] [--equivalent docs/mutation.md]

A mutant counts as caught when mutmut killed it or it timed out; "total" is every mutant
mutmut checked (not-yet-checked ones are listed apart).  Mutants named in the equivalents
file (backquoted `micrograd_cn.…__mutmut_N`, or `…__mutmut_*` for all of a function's)
are left out of the total.
"""

import fnmatch
import json
import re
import sys
import time
from collections import Counter
from pathlib import Path

CAUGHT = {1, 3, 36, 24, -24, 152, 255}  # killed, pytest internal error, timeouts (SIGXCPU)
UNCHECKED = {None, 2}


def results(root: Path = Path("mutants")) -> dict:
    """{module: Counter(caught=, survived=, unchecked=, names=[survivors])}."""
    found = {}
    for meta in sorted(root.rglob("*.py.meta")):
        module = meta.relative_to(root).with_suffix("").with_suffix("").as_posix()
        module = module.replace("/", ".")
        for _ in range(20):  # mutmut rewrites the file while it runs: read it whole
            try:
                codes = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
                break
            except json.JSONDecodeError:
                time.sleep(0.1)
        else:
            raise SystemExit(f"cannot read {meta}")
        found[module] = codes
    return found


def equivalents(path: Path | None) -> set:
    if path is None or not path.exists():
        return set()
    return set(re.findall(r"`(micrograd_cn\.[^`\s]+__mutmut_[\d*]+)`", path.read_text("utf-8")))


def main(argv: list[str]) -> int:
    markdown = "--markdown" in argv
    eq_file = Path(argv[argv.index("--equivalent") + 1]) if "--equivalent" in argv else None
    excluded = equivalents(eq_file)
    rows, all_caught, all_total = [], 0, 0
    for module, codes in results().items():
        count = Counter()
        for name, code in codes.items():
            if any(fnmatch.fnmatchcase(name, pattern) for pattern in excluded):
                count["equivalent"] += 1
            elif code in UNCHECKED:
                count["unchecked"] += 1
            elif code in CAUGHT:
                count["caught"] += 1
            else:
                count["survived"] += 1
        total = count["caught"] + count["survived"]
        all_caught, all_total = all_caught + count["caught"], all_total + total
        score = f"{100 * count['caught'] / total:.1f} %" if total else "–"
        rows.append(
            (module, count["caught"], total, score, count["equivalent"], count["unchecked"])
        )
    rows.append(("all", all_caught, all_total,
                 f"{100 * all_caught / all_total:.1f} %" if all_total else "–",
                 sum(r[4] for r in rows), sum(r[5] for r in rows)))  # fmt: skip
    if markdown:
        print("| 模块 module | 杀死 / 总数 killed / total | 分数 score | 等价 equiv. | 未检查 |")
        print("|---|---:|---:|---:|---:|")
        for m, c, t, s, e, u in rows:
            print(f"| `{m}` | {c} / {t} | {s} | {e} | {u} |")
    else:
        print(f"{'module':34} {'killed/total':>14} {'score':>8} {'equiv':>6} {'unchecked':>10}")
        for m, c, t, s, e, u in rows:
            print(f"{m:34} {f'{c}/{t}':>14} {s:>8} {e:>6} {u:>10}")
    if not all_total:
        print("make mutation: mutmut checked no mutant (see its output above)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
