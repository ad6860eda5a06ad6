"""Engine benchmark: micrograd 0.1.0 vs PyTorch (0-d float64) vs micrograd_cn, in one process.

Workload: the elementwise chain ``y = y * 1.0000001 + 0.5``, forward then backward,
reported per op (two ops per step), with CPython's cyclic garbage collector on (as
users run it) and paused.  The contenders take turns inside each round, and every
ratio is the median over the rounds of that round's ratio, so a busy machine slows
both sides of a ratio alike.  Also: the per-op cost at 1e4 and 1e6 ops (is it
linear?) and the memory per op node (tracemalloc).

Run:  .venv/bin/python benchmarks/bench_engine.py [--steps 200000] [--rounds 5]

This is a benchmark, not a test: it prints figures and ratios, it never fails.  The
lines starting with ``ratio`` are the summary.  micrograd's recursive topological
sort needs a deep stack, so everything runs in a thread with a 1 GiB stack and a
raised recursion limit (ours needs neither).
"""

from __future__ import annotations

import argparse
import gc
import platform
import statistics
import sys
import threading
import time
import tracemalloc


def chain(value_cls, steps: int):
    y = value_cls(1.0)
    for _ in range(steps):
        y = y * 1.0000001 + 0.5
    return y


def time_chain(value_cls, steps: int, collector: bool = True) -> float:
    """Wall time per op (µs) of one forward + backward of the chain.

    ``collector=False`` pauses the cyclic garbage collector during the run, which
    shows how much of the time is the collector scanning the live graph.
    """
    gc.collect()
    if not collector:
        gc.disable()
    try:
        start = time.perf_counter()
        y = chain(value_cls, steps)
        y.backward()
        elapsed = time.perf_counter() - start
    finally:
        gc.enable()
    del y
    return elapsed / (2 * steps) * 1e6


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
    torch.set_num_threads(1)  # 0-d tensors gain nothing from threads; idle ones spin

    def make(x):
        return torch.tensor(x, dtype=torch.float64, requires_grad=True)

    make.__name__ = f"torch {torch.__version__.split('+')[0]} (0-d)"
    return make


def contenders():
    from micrograd.engine import Value as MicrogradValue

    from micrograd_cn.engine import Value

    found = {"micrograd_cn": Value, "micrograd 0.1.0": MicrogradValue}
    torch_cls = torch_value_cls()
    if torch_cls is not None:
        found[torch_cls.__name__] = torch_cls
    return found


def run(steps: int, rounds: int) -> None:
    print(f"Python {platform.python_version()} on {platform.machine()}, {steps:,} steps")
    print(f"chain y = y*1.0000001 + 0.5, forward + backward, {rounds} rounds")
    engines = contenders()
    times = {(name, on): [] for name in engines for on in (True, False)}
    for _ in range(rounds):
        for name, cls in engines.items():
            for on in (True, False):
                times[name, on].append(time_chain(cls, steps, collector=on))
    growth = {on: [] for on in (True, False)}
    ours = engines["micrograd_cn"]
    for _ in range(rounds):
        for on in (True, False):
            small = statistics.median(time_chain(ours, 5_000, on) for _ in range(5))
            growth[on].append(time_chain(ours, 500_000, on) / small)

    print(f"{'engine':<22}{'gc on µs/op':>12}{'gc off µs/op':>13}{'bytes/op':>10}")
    for name, cls in engines.items():
        memory = "n/a" if name.startswith("torch") else f"{bytes_per_op(cls, 100_000):.0f}"
        on, off = statistics.median(times[name, True]), statistics.median(times[name, False])
        print(f"{name:<22}{on:12.2f}{off:13.2f}{memory:>10}")
    print("bytes/op: tracemalloc (Python allocations only; torch's C++ memory is invisible to it)")
    for on in (True, False):
        gc_state = "on " if on else "off"
        for name in engines:
            if name == "micrograd_cn":
                continue
            theirs, mine = times[name, on], times["micrograd_cn", on]
            ratio = statistics.median(t / m for t, m in zip(theirs, mine))
            print(f"ratio chain gc {gc_state}: micrograd_cn {ratio:.2f}x faster than {name}")
    for on in (True, False):
        gc_state = "on " if on else "off"
        ratio = statistics.median(growth[on])
        print(f"ratio growth gc {gc_state}: µs/op at 1e6 ops / at 1e4 ops = {ratio:.2f}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    sys.setrecursionlimit(10_000_000)
    threading.stack_size(1 << 30)
    worker = threading.Thread(target=run, args=(args.steps, args.rounds))
    worker.start()
    worker.join()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
