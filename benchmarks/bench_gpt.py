"""GPT benchmark: a microgpt-shaped training run on three scalar engines, in one process.

Why: karpathy's microgpt (Feb 2026) trains a GPT on a ~40-line scalar engine whose ops
store their local derivatives as plain numbers and whose ``backward()`` does the
multiplying.  Ours stores a closure per op instead (the shape the lectures teach), which
costs more objects per node.  This file measures what that costs on a GPT, and what
the n-ary ops (``F.dot``, ``F.sum``, ``F.softmax``) win back.

Workload (written here, nothing downloaded): a character-level GPT with token and
position embeddings, RMSNorm, one layer of 4-head causal attention over a growing
key/value list, a ReLU MLP, softmax cross-entropy and Adam; ``n_embd`` 16, block size
16, trained one name per step on a synthetic, deterministic list of short names.

Engines, all trained from the same initial weights on the same names:

(a) ``RefValue`` below: a reference engine of microgpt's shape (local derivatives as
    numbers in a tuple), written for this benchmark;
(b) ``micrograd_cn.Value`` with the same model code (Python's ``sum``, binary ops);
(c) ``micrograd_cn`` with the n-ary ops: ``F.dot`` for every matrix row and attention
    score, ``F.softmax``, ``F.logsumexp`` for the cross-entropy.

The losses must agree step by step (the script stops if they differ by more than
1e-9 relative).  The engines take turns inside each round and each ratio is the median
over the rounds of that round's ratio, so a busy machine slows both sides alike; times
are the process's CPU time (on a shared machine wall time also counts waiting for a
core).  Runs with CPython's cyclic garbage collector on (as users run it) and paused
show how much of the time is the collector: a graph under construction survives every
young collection, so each full collection rescans all of it, and the cost grows with
the number of GC-tracked objects per node (printed).

Run:  .venv/bin/python benchmarks/bench_gpt.py [--steps 4] [--rounds 3] [--no-gc-off] [--memory]

A benchmark, not a test: it prints figures and ratios.  The lines starting with
``ratio`` are the summary.
"""

from __future__ import annotations

import argparse
import gc
import math
import platform
import random
import statistics
import sys
import time
import tracemalloc
from types import SimpleNamespace

N_EMBD, N_HEAD, BLOCK_SIZE = 16, 4, 16
HEAD_DIM = N_EMBD // N_HEAD
LETTERS = "abcdefghijklmnopqrstuvwxyz"
BOS = len(LETTERS)  # token that starts and ends every name
VOCAB = len(LETTERS) + 1


# --------------------------------------------------------------- (a) reference engine
class RefValue:
    """A scalar that keeps its parents and, as numbers, d self / d parent (microgpt's shape)."""

    __slots__ = ("data", "grad", "parents", "slopes")

    def __init__(self, data, parents=(), slopes=()):
        self.data = data
        self.grad = 0.0
        self.parents = parents
        self.slopes = slopes

    def __add__(self, other):
        other = other if isinstance(other, RefValue) else RefValue(other)
        return RefValue(self.data + other.data, (self, other), (1.0, 1.0))

    def __mul__(self, other):
        other = other if isinstance(other, RefValue) else RefValue(other)
        return RefValue(self.data * other.data, (self, other), (other.data, self.data))

    def __pow__(self, k):
        return RefValue(self.data**k, (self,), (k * self.data ** (k - 1),))

    def exp(self):
        e = math.exp(self.data)
        return RefValue(e, (self,), (e,))

    def log(self):
        return RefValue(math.log(self.data), (self,), (1.0 / self.data,))

    def relu(self):
        return RefValue(max(self.data, 0.0), (self,), (1.0 if self.data > 0 else 0.0,))

    def __neg__(self):
        return self * -1.0

    def __radd__(self, other):
        return self + other

    def __sub__(self, other):
        return self + (-other)

    def __rmul__(self, other):
        return self * other

    def __truediv__(self, other):
        return self * other**-1

    def backward(self):
        order, seen, stack = [], set(), [(self, False)]
        while stack:  # depth-first, every parent finished before its child (no recursion)
            node, expanded = stack.pop()
            if expanded:
                order.append(node)
            elif node not in seen:
                seen.add(node)
                stack.append((node, True))
                stack.extend((parent, False) for parent in node.parents if parent not in seen)
        self.grad = 1.0
        for node in reversed(order):  # the chain rule, multiplied out here
            for parent, slope in zip(node.parents, node.slopes):
                parent.grad += slope * node.grad


# --------------------------------------------------------------- the model, written once
def plain_ops():
    """The model's vector pieces from binary ops and Python's ``sum`` (engines a and b)."""

    def dot(ws, xs):
        return sum(w * x for w, x in zip(ws, xs))

    def softmax(logits):
        top = max(v.data for v in logits)
        exps = [(v - top).exp() for v in logits]
        total = sum(exps)
        return [e / total for e in exps]

    def cross_entropy(logits, target):
        return -softmax(logits)[target].log()

    def mean(values):
        return (1.0 / len(values)) * sum(values)

    return SimpleNamespace(dot=dot, softmax=softmax, cross_entropy=cross_entropy, mean=mean)


def nary_ops():
    """The same pieces as single n-ary nodes of micrograd_cn.functional (engine c)."""
    import micrograd_cn.functional as F

    def cross_entropy(logits, target):
        return F.logsumexp(logits) - logits[target]

    return SimpleNamespace(dot=F.dot, softmax=F.softmax, cross_entropy=cross_entropy, mean=F.mean)


def init_weights(seed: int = 42) -> dict:
    """The initial weights as plain floats (every engine wraps the same numbers)."""
    rng = random.Random(seed)

    def matrix(rows, cols):
        return [[rng.gauss(0.0, 0.08) for _ in range(cols)] for _ in range(rows)]

    shapes = {"wte": (VOCAB, N_EMBD), "wpe": (BLOCK_SIZE, N_EMBD), "lm_head": (VOCAB, N_EMBD)}
    shapes |= {name: (N_EMBD, N_EMBD) for name in ("wq", "wk", "wv", "wo")}
    shapes |= {"fc1": (4 * N_EMBD, N_EMBD), "fc2": (N_EMBD, 4 * N_EMBD)}
    return {name: matrix(*shape) for name, shape in shapes.items()}


def gpt(ops, w, token, position, keys, values):
    """Logits for the next token; ``keys``/``values`` grow by one entry per position."""

    def linear(x, matrix):
        return [ops.dot(row, x) for row in matrix]

    def rmsnorm(x):
        scale = (ops.dot(x, x) * (1.0 / len(x)) + 1e-5) ** -0.5
        return [xi * scale for xi in x]

    x = rmsnorm([t + p for t, p in zip(w["wte"][token], w["wpe"][position])])
    residual = x
    x = rmsnorm(x)
    q, k, v = linear(x, w["wq"]), linear(x, w["wk"]), linear(x, w["wv"])
    keys.append(k)
    values.append(v)
    heads = []
    for h in range(0, N_EMBD, HEAD_DIM):
        q_h = q[h : h + HEAD_DIM]
        scores = [ops.dot(q_h, k_t[h : h + HEAD_DIM]) / HEAD_DIM**0.5 for k_t in keys]
        weights = ops.softmax(scores)
        for j in range(h, h + HEAD_DIM):
            heads.append(ops.dot(weights, [v_t[j] for v_t in values]))
    x = [a + b for a, b in zip(linear(heads, w["wo"]), residual)]
    residual = x
    hidden = [h.relu() for h in linear(rmsnorm(x), w["fc1"])]
    x = [a + b for a, b in zip(linear(hidden, w["fc2"]), residual)]
    return linear(x, w["lm_head"])


def name_loss(ops, w, name: str):
    """Mean next-character cross-entropy over one name, BOS + letters + BOS."""
    tokens = [BOS, *(LETTERS.index(c) for c in name), BOS]
    keys, values, losses = [], [], []
    for position in range(min(BLOCK_SIZE, len(tokens) - 1)):
        logits = gpt(ops, w, tokens[position], position, keys, values)
        losses.append(ops.cross_entropy(logits, tokens[position + 1]))
    return ops.mean(losses)


def synthetic_names(count: int = 64, seed: int = 7) -> list[str]:
    """Pronounceable names of 4-8 letters (consonant-vowel syllables), always the same."""
    rng = random.Random(seed)
    consonants, vowels = "bcdfghjklmnprstvz", "aeiouy"
    names = []
    for _ in range(count):
        name = "".join(rng.choice(consonants) + rng.choice(vowels) for _ in range(4))
        names.append(name[: rng.randint(4, 8)])
    return names


def train(value_cls, ops, steps: int, names: list[str]):
    """Adam on one name per step (lr decays linearly); returns the losses and the CPU seconds."""
    w = {k: [[value_cls(x) for x in row] for row in m] for k, m in init_weights().items()}
    params = [p for m in w.values() for row in m for p in row]
    m_avg, v_avg = [0.0] * len(params), [0.0] * len(params)
    lr, beta1, beta2, eps = 0.01, 0.85, 0.99, 1e-8
    losses = []
    start = time.process_time()
    for step in range(steps):
        loss = name_loss(ops, w, names[step % len(names)])
        loss.backward()
        lr_t = lr * (1 - step / steps)
        for i, p in enumerate(params):
            g = p.grad
            m_avg[i] = beta1 * m_avg[i] + (1 - beta1) * g
            v_avg[i] = beta2 * v_avg[i] + (1 - beta2) * g * g
            m_hat = m_avg[i] / (1 - beta1 ** (step + 1))
            v_hat = v_avg[i] / (1 - beta2 ** (step + 1))
            p.data -= lr_t * m_hat / (v_hat**0.5 + eps)
            p.grad = 0.0
        losses.append(loss.data)
    return losses, time.process_time() - start


def engines() -> dict:
    from micrograd_cn import Value

    return {
        "(a) reference": (RefValue, plain_ops()),
        "(b) micrograd_cn": (Value, plain_ops()),
        "(c) micrograd_cn + F": (Value, nary_ops()),
    }


def timed(value_cls, ops, steps, names, collector: bool):
    """``train`` with the cyclic GC on or paused; also counts full (gen-2) collections."""
    gc.collect()
    full_before = gc.get_stats()[2]["collections"]
    if not collector:
        gc.disable()
    try:
        losses, seconds = train(value_cls, ops, steps, names)
    finally:
        gc.enable()
    return losses, seconds, gc.get_stats()[2]["collections"] - full_before


def check_agreement(losses: dict) -> None:
    """Every engine's loss at every step within 1e-9 relative of the reference's."""
    reference = losses["(a) reference"]
    for name, theirs in losses.items():
        for step, (a, b) in enumerate(zip(reference, theirs)):
            if abs(a - b) > 1e-9 * abs(a):
                sys.exit(f"loss mismatch at step {step}: (a) {a!r}, {name} {b!r}")


def peak_memory(value_cls, ops, names) -> float:
    """Peak traced MiB of one training step (tracemalloc: slow, so only with --memory)."""
    gc.collect()
    tracemalloc.start()
    train(value_cls, ops, 1, names)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def graph_size(value_cls, ops, names) -> tuple[int, int]:
    """Nodes in the graph of the first training step (leaves included), and the objects
    the cyclic collector keeps tracking while that graph is alive (what a full collection
    rescans)."""
    w = {k: [[value_cls(x) for x in row] for row in m] for k, m in init_weights().items()}
    gc.collect()
    gc.disable()
    try:
        before = len(gc.get_objects())
        loss = name_loss(ops, w, names[0])
        gc.collect()  # untracks what needs no scanning (tuples of floats), as a collection would
        tracked = len(gc.get_objects()) - before
    finally:
        gc.enable()
    seen, stack = {id(loss)}, [loss]
    while stack:
        node = stack.pop()
        for parent in getattr(node, "parents", None) or getattr(node, "_prev", ()):
            if id(parent) not in seen:
                seen.add(id(parent))
                stack.append(parent)
    return len(seen), tracked


def run(args) -> None:
    names = synthetic_names()
    contenders = engines()
    states = (True, False) if args.gc_off else (True,)
    print(
        f"Python {platform.python_version()}, GPT n_embd {N_EMBD}, {N_HEAD} heads, block "
        f"{BLOCK_SIZE}, {args.steps} Adam steps (one name each), {args.rounds} rounds"
    )
    print("first names:", " ".join(names[: args.steps]))
    seconds = {(name, on): [] for name in contenders for on in states}
    collections = {(name, on): [] for name in contenders for on in states}
    for _ in range(args.rounds):
        for on in states:
            losses = {}
            for name, (value_cls, ops) in contenders.items():
                losses[name], t, full = timed(value_cls, ops, args.steps, names, on)
                seconds[name, on].append(t)
                collections[name, on].append(full)
            check_agreement(losses)
    print("loss per step (all engines agree to 1e-9 relative):")
    for name, loss_list in losses.items():
        print(f"  {name:<22}" + " ".join(f"{x:.12f}" for x in loss_list))

    print()
    print("nodes and gc objects: the graph of step 1 (leaves included) and the objects the")
    print("cyclic collector tracks in it; full gcs: full collections per step, gc on")
    header = f"{'engine':<22}{'nodes':>8}{'gc objects':>11}{'per node':>9}"
    header += f"{'full gcs':>9}{'gc on s/step':>13}"
    header += f"{'gc off s/step':>14}" if args.gc_off else ""
    print(header + (f"{'peak MiB':>9}" if args.memory else ""))
    for name, (value_cls, ops) in contenders.items():
        nodes, tracked = graph_size(value_cls, ops, names)
        line = f"{name:<22}{nodes:>8,}{tracked:>11,}{tracked / nodes:>9.1f}"
        line += f"{statistics.median(collections[name, True]) / args.steps:>9.1f}"
        line += f"{statistics.median(seconds[name, True]) / args.steps:>13.3f}"
        if args.gc_off:
            line += f"{statistics.median(seconds[name, False]) / args.steps:>14.3f}"
        if args.memory:
            line += f"{peak_memory(value_cls, ops, names):>9.1f}"
        print(line)
    for on in states:
        gc_state = "on " if on else "off"
        reference = seconds["(a) reference", on]
        for name in list(contenders)[1:]:
            ratio = statistics.median(t / r for t, r in zip(seconds[name, on], reference))
            print(f"ratio gpt gc {gc_state}: {name} / (a) reference = {ratio:.2f}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=4, help="Adam steps per run")
    parser.add_argument("--rounds", type=int, default=3, help="turns the engines take")
    parser.add_argument(
        "--no-gc-off", dest="gc_off", action="store_false", help="skip the runs with gc paused"
    )
    parser.add_argument("--memory", action="store_true", help="peak memory (tracemalloc, slow)")
    args = parser.parse_args(argv)
    if args.steps < 1 or args.rounds < 1:
        parser.error("--steps and --rounds must be at least 1")
    run(args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
