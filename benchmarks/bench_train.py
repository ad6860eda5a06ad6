"""Training benchmark: micrograd's demo step, micrograd 0.1.0 vs micrograd_cn, in one process.

Workload: micrograd's demo.ipynb training step on 100 moons points with
``MLP(2, [16, 16, 1])``: forward, SVM max-margin loss ``relu(1 - y·score)`` averaged,
plus ``1e-4 · Σ p²``, ``zero_grad``, ``backward``, SGD update.  The step is written
ONCE (:func:`demo_step`) and run with each library's ``Value`` and ``MLP``; both models
start from the same weights, and the first losses are compared as a sanity check.
Also: memory after 1,000 micrograd_cn training steps with ``gc.disable()`` (graphs
must be freed by reference counting alone), and an optional PyTorch reference row
(the same step on batched float64 tensors, on one thread: on a busy machine
PyTorch's idle pool threads spin and make its timings erratic).

The libraries take turns inside each of ``--rounds`` rounds and each ratio is the
median over the rounds of that round's ratio, so a busy machine slows both sides of
a ratio alike.  The lines starting with ``ratio`` are the summary.

Run:  .venv/bin/python benchmarks/bench_train.py [--steps 30] [--micrograd-steps 3] [--rounds 3]

A benchmark, not a test: it prints figures and ratios, it never fails.  micrograd's
backward is recursive, so every workload runs in a thread with a 512 MiB stack and a
raised recursion limit (ours needs neither).
"""

from __future__ import annotations

import argparse
import gc
import platform
import random
import statistics
import sys
import threading
import time
import tracemalloc


def demo_step(Value, model, X, y, k):
    """micrograd's demo loop body, verbatim apart from taking the library as arguments."""
    inputs = [list(map(Value, xrow)) for xrow in X]
    scores = list(map(model, inputs))
    losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    alpha = 1e-4
    reg_loss = alpha * sum(p * p for p in model.parameters())
    total_loss = data_loss + reg_loss
    accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(y, scores)]
    model.zero_grad()
    total_loss.backward()
    learning_rate = 1.0 - 0.9 * k / 100
    for p in model.parameters():
        p.data -= learning_rate * p.grad
    return total_loss.data, sum(accuracy) / len(accuracy)


def moons():
    from micrograd_cn.datasets import make_moons

    X, y = make_moons(100, noise=0.1, seed=1337)
    return X, [2 * t - 1 for t in y]


def build_models(seed: int = 1337):
    """The same weights in both libraries: micrograd_cn's init="uniform" draws exactly
    like micrograd (random.uniform(-1, 1) per weight, in parameter order)."""
    import micrograd.nn

    import micrograd_cn.nn

    random.seed(seed)
    theirs = micrograd.nn.MLP(2, [16, 16, 1])
    random.seed(seed)
    ours = micrograd_cn.nn.MLP(2, [16, 16, 1], init="uniform")
    assert [p.data for p in theirs.parameters()] == [p.data for p in ours.parameters()]
    return theirs, ours


def time_steps(Value, model, X, y, steps: int, gc_enabled: bool = True) -> list[float]:
    """Wall time (s) of each of ``steps`` demo steps."""
    times = []
    if not gc_enabled:
        gc.disable()
    try:
        for k in range(steps):
            start = time.perf_counter()
            demo_step(Value, model, X, y, k)
            times.append(time.perf_counter() - start)
    finally:
        gc.enable()
        gc.collect()
    return times


def memory_after_steps(steps: int, traced_steps: int = 25) -> dict:
    """micrograd_cn demo steps with the cyclic GC off: does anything pile up?

    Live GC-tracked objects and peak RSS after 10 steps and after ``steps`` steps,
    then tracemalloc over ``traced_steps`` more steps (tracing all 1,000 would take
    minutes): the memory held between steps must not grow once the first few traced
    steps have replaced the parameters' untraced floats."""
    from micrograd_cn.engine import Value

    X, y = moons()
    _, model = build_models()
    gc.collect()
    gc.disable()
    try:
        for k in range(10):
            demo_step(Value, model, X, y, k)
        objects_early, rss_early = len(gc.get_objects()), _max_rss_kib()
        for k in range(10, steps):
            demo_step(Value, model, X, y, k % 100)
        objects_late, rss_late = len(gc.get_objects()), _max_rss_kib()
        tracemalloc.start()
        for k in range(5):
            demo_step(Value, model, X, y, k)
        traced_first = tracemalloc.get_traced_memory()[0]
        for k in range(5, traced_steps):
            demo_step(Value, model, X, y, k)
        traced_last, traced_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    finally:
        gc.enable()
    return {
        "objects": (objects_early, objects_late),
        "max_rss_kib": (rss_early, rss_late),
        "traced_kib": (traced_first / 1024, traced_last / 1024, traced_peak / 1024),
        "collected": gc.collect(),
    }


def _max_rss_kib() -> float:
    try:
        import resource
    except ImportError:  # not on Windows
        return float("nan")
    return float(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def torch_step_times(X, y, steps: int):
    """The same step on batched float64 tensors (a reference, not the same algorithm)."""
    try:
        import torch
    except ImportError:
        return None, None
    torch.set_num_threads(1)
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Linear(2, 16),
        torch.nn.ReLU(),
        torch.nn.Linear(16, 16),
        torch.nn.ReLU(),
        torch.nn.Linear(16, 1),
    ).double()
    Xt = torch.tensor(X, dtype=torch.float64)
    yt = torch.tensor(y, dtype=torch.float64)
    times = []
    for k in range(steps):
        start = time.perf_counter()
        scores = model(Xt).squeeze(1)
        data_loss = torch.relu(1 - yt * scores).mean()
        reg_loss = 1e-4 * sum((p * p).sum() for p in model.parameters())
        total_loss = data_loss + reg_loss
        model.zero_grad()
        total_loss.backward()
        with torch.no_grad():
            learning_rate = 1.0 - 0.9 * k / 100
            for p in model.parameters():
                p -= learning_rate * p.grad
        times.append(time.perf_counter() - start)
    return times, f"torch {torch.__version__.split('+')[0]}"


def run(args) -> None:
    import micrograd.engine

    import micrograd_cn.engine

    X, y = moons()
    theirs, ours = build_models()
    first_theirs = demo_step(micrograd.engine.Value, theirs, X, y, 0)
    first_ours = demo_step(micrograd_cn.engine.Value, ours, X, y, 0)
    print(
        f"step 0 loss: micrograd {first_theirs[0]!r}, micrograd_cn {first_ours[0]!r} "
        f"(|diff| {abs(first_theirs[0] - first_ours[0]):.1e}); accuracy {first_ours[1]:.0%}"
    )
    after_theirs = [p.data for p in theirs.parameters()]
    after_ours = [p.data for p in ours.parameters()]
    worst = max(abs(a - b) for a, b in zip(after_theirs, after_ours))
    print(f"parameters after one SGD step agree to {worst:.1e}")

    rounds = max(1, args.rounds)
    per_round = {"mg": [], "cn": [], "cn_off": [], "torch": []}
    torch_name = None
    for _ in range(rounds):
        mg = max(1, args.micrograd_steps // rounds)
        per_round["mg"].append(time_steps(micrograd.engine.Value, theirs, X, y, mg))
        cn = max(1, args.steps // rounds)
        per_round["cn"].append(time_steps(micrograd_cn.engine.Value, ours, X, y, cn))
        off = time_steps(micrograd_cn.engine.Value, ours, X, y, cn, gc_enabled=False)
        per_round["cn_off"].append(off)
        t_torch, torch_name = torch_step_times(X, y, cn)
        if t_torch is not None:
            per_round["torch"].append(t_torch)
    everything = {
        key: [t for times in rounds_ for t in times] for key, rounds_ in per_round.items()
    }
    rows = [
        ("micrograd 0.1.0", "on", everything["mg"]),
        ("micrograd_cn", "on", everything["cn"]),
        ("micrograd_cn", "off", everything["cn_off"]),
    ]
    if torch_name is not None:
        rows.append((f"{torch_name} (batched, 1 thread)", "on", everything["torch"]))

    base = statistics.median(everything["mg"])
    print()
    print(f"demo step (MLP 2-16-16-1, 100 points), Python {platform.python_version()}")
    print(
        f"{'library':<34} {'gc':>3} {'steps':>5} {'median ms':>10} {'min ms':>9}"
        f" {'vs micrograd':>13}"
    )
    for name, gc_state, times in rows:
        med = statistics.median(times)
        print(
            f"{name:<34} {gc_state:>3} {len(times):>5} {med * 1e3:>10.1f} {min(times) * 1e3:>9.1f} "
            f"{base / med:>12.1f}x"
        )

    def ratio(slow, fast):
        return statistics.median(
            statistics.median(s) / statistics.median(f)
            for s, f in zip(per_round[slow], per_round[fast])
        )

    for gc_state, ours_key in (("on ", "cn"), ("off", "cn_off")):
        faster = ratio("mg", ours_key)
        print(
            f"ratio demo step gc {gc_state}: micrograd_cn {faster:.1f}x faster than micrograd 0.1.0"
        )
    if per_round["torch"]:
        slower = ratio("cn", "torch")  # batched tensors: a reference, not the same algorithm
        print(f"ratio demo step gc on : {torch_name} (batched) {slower:.0f}x faster than ours")

    n = args.memory_steps
    memory = memory_after_steps(n)
    (o10, on), (r10, rn) = memory["objects"], memory["max_rss_kib"]
    t_first, t_last, t_peak = memory["traced_kib"]
    print()
    print(f"micrograd_cn memory, gc.disable(), {n} demo steps:")
    print(f"  live gc-tracked objects: {o10:,} after 10 steps, {on:,} after {n} ({on - o10:+,})")
    print(f"  peak RSS: {r10:,.0f} KiB after 10 steps, {rn:,.0f} KiB after {n} ({rn - r10:+,.0f})")
    print(
        f"  tracemalloc over 25 more steps: {t_first:,.1f} KiB held after the 5th, "
        f"{t_last:,.1f} KiB after the 25th ({t_last - t_first:+,.1f}); one step's graph "
        f"peaks at {t_peak:,.0f} KiB and is freed by refcounting"
    )
    print(f"  gc.collect() afterwards found {memory['collected']} unreachable objects")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=30, help="timed micrograd_cn/torch steps")
    parser.add_argument("--micrograd-steps", type=int, default=3, help="timed micrograd steps")
    parser.add_argument("--memory-steps", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3, help="turns the libraries take")
    args = parser.parse_args()
    sys.setrecursionlimit(1_000_000)
    threading.stack_size(512 * 1024 * 1024)
    errors = []

    def target():
        try:
            run(args)
        except BaseException as error:  # report from the main thread
            errors.append(error)

    worker = threading.Thread(target=target)
    worker.start()
    worker.join()
    if errors:
        raise errors[0]


if __name__ == "__main__":
    main()
