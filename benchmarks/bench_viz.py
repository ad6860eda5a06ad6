"""Step-through benchmark: time and size of the player for the demo graph and a 30-node graph.

Workloads: the demo ``f = (x + y) * z`` at x=-2, y=5, z=-4 (5 nodes, 10 steps) and a
tanh neuron with 6 inputs and a squared error (30 nodes, 60 steps).  For each:

- ``export_html``: the whole step-through (every frame) written as one offline HTML file;
  wall time and file size;
- ``step_frames``: the DOT text of every frame (no Graphviz run);
- every frame rendered to SVG by Graphviz, one ``dot`` run per frame (what a
  caller of ``step_frames`` pays to look at all of them), and all frames in one
  ``dot`` run (``render.pipe_all``).

Run:  .venv/bin/python benchmarks/bench_viz.py [--repeat 3]

This is a benchmark, not a test: it prints figures, it never fails.  Needs Graphviz's ``dot``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from micrograd_cn import Value
from micrograd_cn.engine import topological_order

try:
    from micrograd_cn.render import pipe_all
except ImportError:  # before the player landed
    pipe_all = None
from micrograd_cn.cli import demo_graph  # the (x+y)*z graph `micrograd-cn demo` draws
from micrograd_cn.viz import export_html, step_frames


def neuron_graph() -> Value:
    """loss = (tanh(w·x + b) - y)**2 with 6 inputs: 30 nodes, all binary ops."""
    xs = [Value(0.5 * (i + 1) - 1.5, label=f"x{i}") for i in range(6)]
    ws = [Value(0.3 - 0.1 * i, label=f"w{i}") for i in range(6)]
    n = Value(0.1, label="b")
    for x, w in zip(xs, ws):
        n = n + x * w
    o = n.tanh()
    o.label = "o"
    loss = (o - Value(0.5, label="y")) ** 2
    loss.label = "L"
    return loss


def best_of(repeat: int, work) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"{'graph':<10} {'nodes':>5} {'frames':>6} {'export_html':>12} {'HTML size':>10} "
          f"{'step_frames':>12} {'dot per frame':>14} {'one dot run':>12}")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        for name, build in (("demo", demo_graph), ("neuron-30", neuron_graph)):
            root = build()
            nodes = len(topological_order(root))
            path = Path(tmp) / f"{name}.html"
            html_time = best_of(args.repeat, lambda r=root, p=path: export_html(r, p))
            size = path.stat().st_size
            frames = step_frames(root)
            frames_time = best_of(args.repeat, lambda r=root: step_frames(r))
            render_time = best_of(1, lambda fs=frames: [f.pipe(format="svg") for f in fs])
            batch = best_of(args.repeat, lambda fs=frames: pipe_all(fs)) if pipe_all else 0.0
            print(
                f"{name:<10} {nodes:>5} {len(frames):>6} {html_time:>11.3f}s "
                f"{size / 1024:>8.1f}kB {frames_time:>11.3f}s {render_time:>13.3f}s "
                f"{batch:>11.3f}s"
            )


if __name__ == "__main__":
    main()
