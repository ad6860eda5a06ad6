"""Tests for micrograd_cn.autograd: grad mode per thread, enable_grad / set_grad_enabled, a
topological order that is a recursive DFS's order without the recursion, and the one
backward loop with its per-node hook."""

import functools
import gc
import sys
import threading

import pytest
from hypothesis import given
from hypothesis import strategies as st

from micrograd_cn.autograd import (
    backpropagate,
    enable_grad,
    is_grad_enabled,
    is_lecture_style,
    no_grad,
    set_grad_enabled,
    topological_order,
)
from micrograd_cn.engine import Value


def test_enable_grad_records_inside_no_grad():
    a = Value(2.0)
    with no_grad():
        with enable_grad():
            assert is_grad_enabled()
            b = a * a
        assert not is_grad_enabled()
        c = a * a
    b.backward()
    assert (a.grad, len(b._prev), c._prev) == (4.0, 2, ())


def test_enable_grad_and_no_grad_as_decorators():
    @enable_grad()
    def square(v):
        return v * v

    with no_grad():
        out = square(Value(3.0))
    assert out._prev and is_grad_enabled()


def test_set_grad_enabled_as_a_call_and_as_a_context_manager():
    try:
        set_grad_enabled(False)
        assert not is_grad_enabled() and (Value(1.0) * 2.0)._prev == ()
        with set_grad_enabled(True):
            assert is_grad_enabled()
        assert not is_grad_enabled()  # the previous mode comes back
    finally:
        set_grad_enabled(True)
    with pytest.raises(ValueError, match="log"), set_grad_enabled(False):
        Value(-1.0).log()
    assert is_grad_enabled()  # restored after an error too


@pytest.mark.parametrize(("mode", "type_name"), [(1, "int"), ("False", "str"), (None, "NoneType")])
def test_set_grad_enabled_wants_a_bool(mode, type_name):
    with pytest.raises(TypeError, match=f"set_grad_enabled expects True or False, got {type_name}"):
        set_grad_enabled(mode)
    assert is_grad_enabled()


def test_set_grad_enabled_is_not_a_decorator():
    with pytest.raises(TypeError, match="not a decorator; use no_grad"):

        @set_grad_enabled(True)
        def f():
            pass

    assert is_grad_enabled()


def test_grad_mode_is_per_thread():
    """While one thread is inside no_grad(), another still records its graph (as in PyTorch)."""
    inside, done, seen = threading.Event(), threading.Event(), {}

    def evaluator():
        with no_grad():
            inside.set()
            done.wait(5)
            seen["evaluator"] = (Value(1.0) * 2.0)._prev

    worker = threading.Thread(target=evaluator)
    worker.start()
    inside.wait(5)
    a = Value(1.0)
    recorded = a * 2.0  # main thread, while the worker sits inside no_grad()
    done.set()
    worker.join()
    assert recorded._prev == (a,) and seen["evaluator"] == ()


def recursive_order(root):
    """The textbook recursive DFS (fine for small graphs), the reference order."""
    order, visited = [], set()

    def visit(node):
        visited.add(node)
        for parent in node._prev:
            if parent not in visited:
                visit(parent)
        order.append(node)

    visit(root)
    return order


@st.composite
def random_graphs(draw):
    """A random DAG of Values: each new node picks 1 to 3 earlier nodes as parents."""
    nodes = [Value(float(i)) for i in range(draw(st.integers(1, 4)))]
    for _ in range(draw(st.integers(0, 25))):
        parents = draw(st.lists(st.sampled_from(nodes), min_size=1, max_size=3))
        nodes.append(Value(0.0, tuple(parents), "op"))
    return nodes[-1]


@given(random_graphs())
def test_topological_order_is_the_recursive_dfs_order(root):
    order = topological_order(root)
    assert order == recursive_order(root)
    position = {node: i for i, node in enumerate(order)}
    assert all(position[p] < position[node] for node in order for p in node._prev)
    assert len(set(order)) == len(order) and order[-1] is root


def test_topological_order_of_a_deep_chain_needs_no_recursion():
    assert sys.getrecursionlimit() <= 1000
    x = Value(1.0)
    y = x
    for _ in range(100_000):
        y = y + x  # x is a parent of every node: pushed many times, expanded once
    order = topological_order(y)
    assert (len(order), order[0], order[-1]) == (100_001, x, y)


class _Recorder:
    """A callable object whose ``__call__`` takes no argument (lecture style)."""

    def __init__(self):
        self.calls = []

    def __call__(self):
        self.calls.append(())

    def step(self):
        self.calls.append(("step",))

    def step_with(self, g):
        self.calls.append(("step_with", g))


def _assign_and_run(closure) -> None:
    a = Value(2.0)
    out = Value(4.0, (a,), "t")
    out._backward = closure
    out.backward(3.0)


def test_which_assigned_closures_are_lecture_style():
    """Mutants of ``is_lecture_style``: ``code = None`` (every function treated as a
    signature check, so ``def f(*args)`` becomes zero-argument), the ``__self__`` test
    dropped (a bound method's ``self`` counted as its one argument), ``signature(None)``.
    """
    calls = []

    def star_args(*args):
        calls.append(args)

    def no_args():
        calls.append(())

    def one_arg(g):
        calls.append((g,))

    for closure in (star_args, no_args, one_arg, lambda g: calls.append(("lambda", g))):
        _assign_and_run(closure)
    assert calls == [(3.0,), (), (3.0,), ("lambda", 3.0)]

    recorder = _Recorder()
    for closure in (recorder, recorder.step, recorder.step_with):
        _assign_and_run(closure)
    assert recorder.calls == [(), ("step",), ("step_with", 3.0)]

    partial_calls = []
    _assign_and_run(functools.partial(lambda k, g: partial_calls.append((k, g)), "k"))
    _assign_and_run(functools.partial(lambda k, g: partial_calls.append((k, g)), "k", "g"))
    assert partial_calls == [("k", 3.0), ("k", "g")]


@given(random_graphs())
def test_topological_order_with_a_parents_function_follows_it(root):
    reversed_parents = topological_order(root, lambda node: tuple(reversed(node._prev)))
    position = {node: i for i, node in enumerate(reversed_parents)}
    assert set(reversed_parents) == set(topological_order(root))
    assert all(position[p] < position[node] for node in reversed_parents for p in node._prev)

    def mirrored(node):  # the recursive DFS over the reversed parents
        return recursive_order_by(node, lambda v: tuple(reversed(v._prev)))

    assert reversed_parents == mirrored(root)


def recursive_order_by(root, parents):
    order, visited = [], set()

    def visit(node):
        visited.add(node)
        for parent in parents(node):
            if parent not in visited:
                visit(parent)
        order.append(node)

    visit(root)
    return order


def article_graph():
    """《梯度下降和反向传播》: f = (x + y) * z at x = -2, y = 5, z = -4."""
    x, y, z = Value(-2.0, label="x"), Value(5.0, label="y"), Value(-4.0, label="z")
    q = x + y
    f = q * z
    return f, (x, y, z, q)


def test_the_hook_sees_every_node_children_first_with_its_final_gradient():
    f, (x, y, z, q) = article_graph()
    seen = []

    def hook(node, grad):
        seen.append((node, grad, node.grad, [p.grad for p in node._prev]))

    backpropagate(f, 1.0, hook=hook)
    assert [(node, grad) for node, grad, _, _ in seen] == [
        (f, 1.0), (z, 3.0), (q, -4.0), (y, -4.0), (x, -4.0)
    ]  # fmt: skip
    assert all(grad == now for _, grad, now, _ in seen)  # called before the node sends on
    assert seen[0][3] == [0.0, 0.0]  # f's parents have received nothing yet
    assert (x.grad, y.grad, z.grad, q.grad) == (-4.0, -4.0, 3.0, -4.0)


def test_with_and_without_a_hook_the_gradients_are_the_same_as_backward():
    """The loop's seed defaults to 1 (df/df), as ``backward()``'s does.

    kills autograd.x_backpropagate__mutmut_1 (the default seed 2.0: every gradient doubled)."""

    def grads(run):
        f, nodes = article_graph()
        run(f)
        run(f)  # twice: intermediates hold this call's gradient, leaves accumulate
        return [v.grad for v in (f, *nodes)]

    expected = [1.0, -8.0, -8.0, 6.0, -4.0]  # f and q: this call's; leaves: summed
    assert grads(lambda f: f.backward()) == expected
    assert grads(lambda f: backpropagate(f)) == expected
    assert grads(lambda f: backpropagate(f, 1.0, hook=lambda node, g: None)) == expected


def test_the_hooked_loop_steps_a_learners_class_through_its_backward(lecture_value):
    a, b = lecture_value(2.0), lecture_value(-3.0)
    c = a * b
    order = [a, b, c]  # the caller's order: _prev is a set here
    backpropagate(c, 1.0, hook=lambda node, g: None, order=order)
    assert (a.grad, b.grad, c.grad) == (-3.0, 2.0, 1.0)


def test_the_loop_pauses_the_collector_and_restores_it_even_on_error():
    import gc

    x = Value(1.0)
    states = []

    def failing_hook(node, grad):
        states.append(gc.isenabled())
        raise RuntimeError("hook failed")

    assert gc.isenabled()
    with pytest.raises(RuntimeError, match="hook failed"):
        backpropagate(x * 2.0, 1.0, hook=failing_hook)
    assert states == [False] and gc.isenabled()


def test_is_lecture_style_tells_zero_argument_closures_apart():
    assert is_lecture_style(lambda: None) and not is_lecture_style(lambda g: None)
    assert not is_lecture_style(lambda *gs: None) and is_lecture_style(functools.partial(print))


# ---------------------------------------------------------------- the GC pause across threads
def rounds_of_backward_in_threads(threads: int, rounds: int, collector_on: bool) -> list[int]:
    """``threads`` threads run one small backward() per round, starting each round together;
    after each round (all threads done) the collector is checked and set back.  Returns the
    rounds after which it was not as it had been before the round began.
    """
    wrong = []

    def check_and_reset():
        if gc.isenabled() is not collector_on:
            wrong.append(check_and_reset.round)
        check_and_reset.round += 1
        gc.enable() if collector_on else gc.disable()

    check_and_reset.round = 0
    start, finish = threading.Barrier(threads), threading.Barrier(threads, check_and_reset)

    def work():
        for _ in range(rounds):
            start.wait()
            x = Value(1.5)
            (x * x + x.tanh()).backward()
            finish.wait()

    workers = [threading.Thread(target=work) for _ in range(threads)]
    gc.enable() if collector_on else gc.disable()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return wrong


@pytest.mark.parametrize("collector_on", [True, False], ids=["collector-on", "collector-off"])
@pytest.mark.parametrize("threads", [2, 4])
def test_backward_in_threads_leaves_the_collector_as_it_found_it(threads, collector_on):
    """Each backward() read gc.isenabled() and paused the collector on its own: a thread that
    read "off" while another had it paused, then paused it after the other had switched it
    back on, left it off for the rest of the process (29 of 6,000 two-thread trials).

    With a tiny switch interval the threads interleave at almost every bytecode.
    """
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        wrong = rounds_of_backward_in_threads(threads, rounds=1000, collector_on=collector_on)
    finally:
        sys.setswitchinterval(interval)
        gc.enable()
    assert wrong == [], f"collector not {'on' if collector_on else 'off'} after {len(wrong)} rounds"


def test_a_backward_that_reads_the_collector_while_another_has_paused_it(collector_race):
    """The audit's interleaving, forced: thread A is inside backward() (collector paused);
    thread B reads gc.isenabled() (off), then A finishes and switches the collector back on,
    then B pauses it.  B saw "off", so it never switched it back on: off for good.
    With the depth counter B is not the first one in, so it never reads the collector.
    """

    def a_pass(inside):
        x = Value(1.0)
        out = Value(2.0, (x,), "waits")

        def _backward(g):
            inside()  # B reads the collector now (old code) or never (depth counter)
            x.grad += g

        out._grad_fn = _backward
        out.backward()

    def b_pass():
        (Value(1.0) * 2.0).backward()

    assert collector_race(a_pass, b_pass), "the collector stayed off after both backward() calls"


# ---------------------------------------------------------------- mutation audit (autograd)


def test_set_grad_enabled_as_a_decorator_is_refused_with_the_way_out():
    """Kills the message of ``set_grad_enabled.__call__`` changed ("XX…XX"): the error says
    what to use instead; grad mode is left as it was."""
    with pytest.raises(TypeError) as refused:
        set_grad_enabled(True)(lambda: None)
    assert str(refused.value) == (
        "set_grad_enabled is not a decorator; use no_grad() or enable_grad()"
    )
    assert is_grad_enabled()


def test_a_builtin_without_a_signature_is_called_with_the_upstream_gradient():
    """kills autograd.x_is_lecture_style__mutmut_26: ``except ValueError: return False`` ->
    ``True``.  ``max`` has no signature inspect can read; assigned as a closure it is called
    with g (``max(3.0)``), never with nothing (``max()``)."""
    import inspect

    try:
        inspect.signature(max)
        pytest.skip("this Python gives max a signature")
    except ValueError:
        pass
    assert not is_lecture_style(max)
    out = Value(1.0) * 2.0
    out._backward = max
    with pytest.raises(TypeError, match=r"^'float' object is not iterable$"):
        out.backward(3.0)
