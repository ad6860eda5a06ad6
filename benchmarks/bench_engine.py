"""Engine benchmark: micrograd 0.1.0 vs PyTorch (0-d float64) vs micrograd_cn, in one process.

Workload (issue 3): the elementwise chain ``y = y * 1.0000001 + 0.5``, forward then
backward, reported per op (two ops per step).  Also the per-op cost at 10,000 and
500,000 steps (is it linear?) and the memory per op node measured with tracemalloc.

Run:  .venv/bin/python benchmarks/bench_engine.py [--steps 200000] [--repeat 3]

This is a benchmark, not a test: it prints figures and ratios, it never fails.
micrograd's recursive topological sort needs a deep stack, so every workload runs in
a thread with a 1 GiB stack and a raised recursion limit (ours doesn't need either).
"""

from __future__ import annotations

import argparse
import gc
import platform
import sys
import threading
import time
import tracemalloc


def chain(value_cls, steps: int):
    y = value_cls(1.0)
    for _ in range(steps):
        y = y * 1.0000001 + 0.5
    return y


def time_chain(value_cls, steps: int, repeat: int, collector: bool = True) -> float:
    """Best wall time per op (µs) of forward + backward over ``repeat`` runs.

    ``collector=False`` pauses CPython's cyclic garbage collector during the run,
    which shows how much of the time is the collector scanning the live graph.
    """
    best = float("inf")
    for _ in range(repeat):
        if not collector:
            gc.disable()
        try:
            start = time.perf_counter()
            y = chain(value_cls, steps)
            y.backward()
            best = min(best, time.perf_counter() - start)
        finally:
            gc.enable()
        del y
        gc.collect()
    return best / (2 * steps) * 1e6


def bytes_per_op(value_cls, steps: int) -> float:
    """Traced bytes held by a built graph, per op node (forward only)."""
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    y = chain(value_cls, steps)
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del y
    return (after - before) / (2 * steps)


def torch_value_cls():
    try:
        import torch
    except ImportError:
        return None

    def make(x):
        return torch.tensor(x, dtype=torch.float64, requires_grad=True)

    make.__name__ = f"torch {torch.__version__}"
    return make


def contenders():
    from micrograd.engine import Value as MicrogradValue

    from micrograd_cn.engine import Value

    found = {"micrograd 0.1.0": MicrogradValue}
    torch_cls = torch_value_cls()
    if torch_cls is not None:
        found[torch_cls.__name__] = torch_cls
    found["micrograd_cn"] = Value
    return found


def run(steps: int, repeat: int) -> None:
    print(f"Python {platform.python_version()} on {platform.machine()}, {steps:,} steps")
    print("chain y = y*1.0000001 + 0.5, forward + backward, best of", repeat)
    results = {}
    for name, cls in contenders().items():
        per_op = time_chain(cls, steps, repeat)
        no_collector = time_chain(cls, steps, repeat, collector=False)
        small = time_chain(cls, 10_000, repeat)
        large = time_chain(cls, 500_000, 1)
        memory = None if name.startswith("torch") else bytes_per_op(cls, 100_000)
        results[name] = (per_op, no_collector, small, large, memory)
    ours = results["micrograd_cn"][0]
    ours_off = results["micrograd_cn"][1]
    header = f"{'engine':<18}{'µs/op':>8}{'ours x faster':>15}{'gc off':>8}{'ours x':>8}"
    print(header + f"{'10k µs/op':>11}{'500k µs/op':>12}{'500k/10k':>10}{'bytes/op':>10}")
    for name, (per_op, off, small, large, memory) in results.items():
        mem = f"{memory:10.0f}" if memory is not None else f"{'n/a':>10}"
        print(
            f"{name:<18}{per_op:8.2f}{per_op / ours:15.1f}{off:8.2f}{off / ours_off:8.1f}"
            f"{small:11.2f}{large:12.2f}{large / small:10.2f}{mem}"
        )
    print("gc off: the same run with CPython's cyclic garbage collector paused")
    print("bytes/op: tracemalloc (Python allocations only; torch's C++ memory is invisible to it)")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    sys.setrecursionlimit(10_000_000)
    threading.stack_size(1 << 30)
    worker = threading.Thread(target=run, args=(args.steps, args.repeat))
    worker.start()
    worker.join()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
