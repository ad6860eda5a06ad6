"""Tests for micrograd_cn.engine: every op against finite differences, the articles' numbers,
gradient semantics, no_grad, errors, long chains and memory, micrograd and PyTorch parity."""

import gc
import math
import operator
import sys
import tracemalloc

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from micrograd_cn import functional as F
from micrograd_cn.engine import NOT_RECORDED, Value, is_grad_enabled, no_grad, topological_order
from micrograd_cn.gradcheck import numerical_grad
from micrograd_cn.ops import OPS, local_derivatives
from micrograd_cn.testing import op_cases


def reals(low, high):
    return st.floats(low, high, allow_nan=False, allow_infinity=False)


# A random upstream gradient bounded away from 0 and 1: a rule that forgets `* g` fails.
upstream = st.one_of(reals(0.1, 3.0), reals(-3.0, -0.1)).filter(lambda g: abs(g - 1.0) > 1e-3)
away_from_kink = reals(-10.0, 10.0).filter(lambda x: abs(x) > 1e-3)


def close(analytic, numeric):
    return analytic == pytest.approx(numeric, rel=1e-5, abs=1e-6)


def sigmoid(x):
    return 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))


# name, Value op, closed-form float function, smooth domain
UNARY_OPS = [
    ("exp", Value.exp, math.exp, reals(-20.0, 20.0)),
    ("log", Value.log, math.log, reals(1e-3, 1e3)),
    ("sqrt", Value.sqrt, math.sqrt, reals(1e-3, 1e3)),
    ("tanh", Value.tanh, math.tanh, reals(-20.0, 20.0)),
    ("sigmoid", Value.sigmoid, sigmoid, reals(-30.0, 30.0)),
    ("softplus", Value.softplus, lambda x: math.log1p(math.exp(x)), reals(-30.0, 30.0)),
    ("relu", Value.relu, lambda x: max(x, 0.0), away_from_kink),
    ("abs", Value.abs, abs, away_from_kink),
    ("leaky_relu", Value.leaky_relu, lambda x: x if x > 0 else 0.01 * x, away_from_kink),
    (
        "leaky_relu(0.3)",
        lambda v: v.leaky_relu(0.3),
        lambda x: x if x > 0 else 0.3 * x,
        away_from_kink,
    ),
    ("elu", Value.elu, lambda x: x if x > 0 else math.exp(x) - 1.0, away_from_kink),
    (
        "elu(0.5)",
        lambda v: v.elu(alpha=0.5),
        lambda x: x if x > 0 else 0.5 * (math.exp(x) - 1.0),
        away_from_kink,
    ),
    ("neg", lambda v: -v, lambda x: -x, reals(-1e3, 1e3)),
    ("pos", lambda v: +v * 1.0, lambda x: x, reals(-1e3, 1e3)),
    ("a ** 2", lambda v: v**2, lambda x: x**2, reals(-10.0, 10.0)),
    ("a ** 3", lambda v: v**3, lambda x: x**3, reals(-10.0, 10.0)),
    ("a ** -1", lambda v: v**-1, lambda x: 1.0 / x, away_from_kink.filter(lambda x: abs(x) > 0.1)),
    ("a ** 0.5", lambda v: v**0.5, math.sqrt, reals(1e-2, 1e2)),
    ("a ** -1.5", lambda v: v**-1.5, lambda x: x**-1.5, reals(1e-1, 1e2)),
    ("a + 2.5", lambda v: v + 2.5, lambda x: x + 2.5, reals(-1e3, 1e3)),
    ("2.5 + a", lambda v: 2.5 + v, lambda x: 2.5 + x, reals(-1e3, 1e3)),
    ("a - 2.5", lambda v: v - 2.5, lambda x: x - 2.5, reals(-1e3, 1e3)),
    ("2.5 - a", lambda v: 2.5 - v, lambda x: 2.5 - x, reals(-1e3, 1e3)),
    ("a * -1.5", lambda v: v * -1.5, lambda x: x * -1.5, reals(-1e3, 1e3)),
    ("-1.5 * a", lambda v: -1.5 * v, lambda x: -1.5 * x, reals(-1e3, 1e3)),
    ("a / 4", lambda v: v / 4, lambda x: x / 4, reals(-1e3, 1e3)),
    ("3 / a", lambda v: 3 / v, lambda x: 3 / x, away_from_kink.filter(lambda x: abs(x) > 0.1)),
    ("2 ** a", lambda v: 2**v, lambda x: 2.0**x, reals(-20.0, 20.0)),
    ("a * a", lambda v: v * v, lambda x: x * x, reals(-1e3, 1e3)),
]


@pytest.mark.parametrize(
    ("name", "op", "reference", "domain"), UNARY_OPS, ids=[c[0] for c in UNARY_OPS]
)
@given(data=st.data())
def test_unary_op_matches_finite_differences(name, op, reference, domain, data):
    x = data.draw(domain, label="x")
    g = data.draw(upstream, label="upstream grad")
    a = Value(x)
    out = op(a)
    out.backward(g)
    assert out.data == pytest.approx(reference(x), rel=1e-12, abs=1e-300)
    assert close(a.grad, g * numerical_grad(op, [x])[0])


# name, Value op, float op, domain of x, domain of y
BINARY_OPS = [
    ("+", lambda a, b: a + b, lambda x, y: x + y, reals(-1e3, 1e3), reals(-1e3, 1e3)),
    ("-", lambda a, b: a - b, lambda x, y: x - y, reals(-1e3, 1e3), reals(-1e3, 1e3)),
    ("*", lambda a, b: a * b, lambda x, y: x * y, reals(-1e3, 1e3), reals(-1e3, 1e3)),
    ("/", lambda a, b: a / b, lambda x, y: x / y, reals(-1e2, 1e2), away_from_kink),
    ("**", lambda a, b: a**b, lambda x, y: x**y, reals(0.1, 5.0), reals(-3.0, 3.0)),
    ("max", F.maximum, max, reals(-10.0, 10.0), reals(-10.0, 10.0)),
    ("min", F.minimum, min, reals(-10.0, 10.0), reals(-10.0, 10.0)),
]


@pytest.mark.parametrize(
    ("name", "op", "reference", "xs", "ys"), BINARY_OPS, ids=[c[0] for c in BINARY_OPS]
)
@given(data=st.data())
def test_binary_op_matches_finite_differences(name, op, reference, xs, ys, data):
    x, y = data.draw(xs, label="x"), data.draw(ys, label="y")
    if name in ("max", "min"):
        data.draw(st.just(None).filter(lambda _: abs(x - y) > 1e-3), label="away from the tie")
    g = data.draw(upstream, label="upstream grad")
    a, b = Value(x), Value(y)
    out = op(a, b)
    out.backward(g)
    assert out.data == pytest.approx(reference(x, y), rel=1e-12)
    dx, dy = numerical_grad(op, [x, y])
    assert close(a.grad, g * dx) and close(b.grad, g * dy)


# ---------------------------------------------------------------- the articles' worked examples
class MulLayer:
    """The multiplication layer of 《误差反向传播法·计算图》, as printed there."""

    def forward(self, x, y):
        self.x, self.y = x, y
        return x * y

    def backward(self, dout):
        return dout * self.y, dout * self.x


def test_apple_example_of_the_computational_graph_article():
    apple, num, tax = (
        Value(100.0, label="苹果单价"),
        Value(2.0, label="个数"),
        Value(1.1, label="税"),
    )
    price = apple * num * tax
    price.backward()
    assert price.data == pytest.approx(220.0, abs=1e-12)
    assert (apple.grad, num.grad, tax.grad) == pytest.approx((2.2, 110.0, 200.0), abs=1e-12)
    # the article's layer-by-layer computation gives exactly the same floats
    apple_layer, tax_layer = MulLayer(), MulLayer()
    total = tax_layer.forward(apple_layer.forward(100.0, 2.0), 1.1)
    d_apple_price, d_tax = tax_layer.backward(1.0)
    d_apple, d_num = apple_layer.backward(d_apple_price)
    assert (price.data, apple.grad, num.grad, tax.grad) == (total, d_apple, d_num, d_tax)


def test_x_plus_y_times_z_of_the_gradient_descent_article():
    x, y, z = Value(-2.0), Value(5.0), Value(-4.0)
    q = x + y
    f = q * z
    f.backward()
    assert (q.data, f.data) == (3.0, -12.0)
    assert (x.grad, y.grad, z.grad, q.grad) == (-4.0, -4.0, 3.0, -4.0)


def test_two_layer_sigmoid_network_gives_the_printed_numbers():
    i = [0.1, 0.2]
    o = [0.01, 0.99]
    w = [Value(v, label=f"w{n}") for n, v in enumerate([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8], 1)]
    b = [Value(v) for v in [0.55, 0.56, 0.66, 0.67]]
    h1_in = w[0] * i[0] + w[1] * i[1] + b[0]
    h2_in = w[2] * i[0] + w[3] * i[1] + b[1]
    h1_out, h2_out = h1_in.sigmoid(), h2_in.sigmoid()
    o1_in = w[4] * h1_out + w[5] * h2_out + b[2]
    o2_in = w[6] * h1_out + w[7] * h2_out + b[3]
    o1_out, o2_out = o1_in.sigmoid(), o2_in.sigmoid()
    cost = 0.5 * ((o[0] - o1_out) ** 2 + (o[1] - o2_out) ** 2)
    cost.backward()

    def same(actual, printed):
        assert actual == pytest.approx(printed, rel=1e-15, abs=0.0)

    same(h1_in.data, 0.6000000000000001)
    same(h1_out.data, 0.6456563062257954)
    same(h2_out.data, 0.6615031592029524)
    same(o1_in.data, 1.379730048634669)
    same(o1_out.data, 0.7989476413779711)
    same(o2_out.data, 0.8390480283342561)
    same(o1_in.grad, 0.12672890240521031)  # o1_err = dC / d o1_in
    same(o2_in.grad, -0.020385525551585255)  # o2_err
    same(h1_in.grad, 0.011232066954600498)  # h1_err
    same(h2_in.grad, 0.013374304651329562)  # h2_err
    same(w[4].grad, 0.08182331501899741)  # d_w5
    same(w[0].grad, 0.0011232066954600499)  # d_w1
    same(b[2].grad, 0.12672890240521031)  # BP3: dC / db = delta


ALPHA = 1.0
# 《反向传播算法》: each activation's derivative written with its output y
# (and x only for the branch)
OUTPUT_FORM_ACTIVATIONS = [
    ("Sigmoid", Value.sigmoid, lambda x, y: y * (1 - y)),
    ("Tanh", Value.tanh, lambda x, y: 1 - y**2),
    ("ReLU", Value.relu, lambda x, y: 1.0 if y > 0 else 0.0),
    ("ELU", Value.elu, lambda x, y: 1.0 if x > 0 else y + ALPHA),
    ("Softplus", Value.softplus, lambda x, y: 1 - math.exp(-y)),
    ("Identity", lambda v: v + 0.0, lambda x, y: 1.0),
]


@pytest.mark.parametrize(("name", "activation", "output_form"), OUTPUT_FORM_ACTIVATIONS)
@pytest.mark.parametrize("x", [-3.0, -0.5, 0.0, 0.25, 2.0, 8.0])
def test_activation_derivatives_in_output_form(name, activation, output_form, x):
    a = Value(x)
    y = activation(a)
    y.backward()
    assert a.grad == pytest.approx(output_form(x, y.data), rel=1e-12, abs=1e-15)


# ---------------------------------------------------------------- gradient semantics
def test_reuse_b_is_a_plus_a():
    a = Value(3.0)
    b = a + a
    c = b + b
    c.backward()
    assert (c.data, a.grad, b.grad) == (12.0, 4.0, 2.0)


def test_a_times_a_and_a_used_many_times():
    a = Value(3.0)
    (a * a).backward()
    assert a.grad == 6.0
    x = Value(1.5)
    y = x
    for _ in range(99):
        y = y + x
    y.backward()
    assert x.grad == 100.0
    x = Value(1.5)
    p = x * x * x * x * x
    p.backward()
    assert p.grad == 1.0 and x.grad == pytest.approx(5 * 1.5**4, rel=1e-15)


def test_diamond():
    a = Value(2.0)
    b, c = a * 2.0, a + 3.0
    d = b * c  # d = 2a(a + 3), dd/da = 4a + 6
    d.backward()
    assert (d.data, a.grad, b.grad, c.grad) == (20.0, 14.0, 5.0, 4.0)


def test_leaves_accumulate_intermediates_do_not():
    a = Value(3.0)
    b = a * a
    c = b + 1.0
    c.backward()
    c.backward()
    assert a.grad == 12.0  # leaf: 6 + 6
    assert (b.grad, c.grad) == (1.0, 1.0)  # intermediates: this call's gradient only
    c.backward(2.0)
    assert (a.grad, b.grad, c.grad) == (24.0, 2.0, 2.0)
    leaf = Value(1.0)
    leaf.backward()
    leaf.backward()
    assert leaf.grad == 2.0


def test_zero_grad_resets_every_node():
    a, b = Value(2.0), Value(-1.0)
    c = (a * b).tanh() + a
    c.backward()
    assert a.grad != 0.0 and b.grad != 0.0
    c.zero_grad()
    assert [v.grad for v in topological_order(c)] == [0.0] * len(topological_order(c))


def test_constants_are_folded_into_closures():
    x = Value(1.0)
    assert (x * 2.0)._prev == (x,)
    assert (2.0 + x)._prev == (x,)
    assert (x / 3)._prev[0] is x and len((x / 3)._prev) == 1


@pytest.mark.parametrize(
    ("op", "x", "expected_grad"),
    [
        (Value.relu, 0.0, 0.0),
        (Value.relu, -0.0, 0.0),
        (Value.abs, 0.0, 0.0),
        (Value.leaky_relu, 0.0, 0.01),
        (lambda v: v.leaky_relu(0.2), 0.0, 0.2),
        (Value.elu, 0.0, 1.0),
        (lambda v: v.elu(alpha=0.5), 0.0, 0.5),
        (Value.sqrt, 0.0, math.inf),
        (lambda v: v**0.5, 0.0, math.inf),
        (lambda v: v**2, 0.0, 0.0),
        (lambda v: F.maximum(v, 0.0), 0.0, 0.5),
    ],
)
def test_kinks_follow_the_documented_convention(op, x, expected_grad):
    a = Value(x)
    out = op(a)
    out.backward(3.0)
    assert a.grad == 3.0 * expected_grad


def test_value_exponent_derivative_conventions():
    a, b = Value(0.0), Value(2.0)
    (a**b).backward()
    assert (a.grad, b.grad) == (0.0, 0.0)  # d/db a**b at a == 0 is the limit 0
    a, b = Value(-2.0), Value(2.0)
    out = a**b
    out.backward()
    assert out.data == 4.0 and a.grad == -4.0 and math.isnan(b.grad)  # ln of a negative


# ---------------------------------------------------------------- no_grad
def test_no_grad_makes_plain_leaves():
    a = Value(3.0)
    with no_grad():
        assert not is_grad_enabled()
        b = (a * a + 1.0).tanh()
    assert is_grad_enabled()
    assert (b._prev, b._grad_fn) == ((), None)
    assert b.data == math.tanh(10.0)
    b.backward()
    assert a.grad == 0.0


def test_no_grad_nests_and_restores_after_errors():
    with no_grad():
        with no_grad():
            pass
        assert not is_grad_enabled()
    assert is_grad_enabled()
    with pytest.raises(ValueError, match="log"), no_grad():
        Value(-1.0).log()
    assert is_grad_enabled()


def test_no_grad_as_decorator():
    @no_grad()
    def square(v):
        assert not is_grad_enabled()
        return v * v

    out = square(Value(4.0))
    assert (out.data, out._prev, out._grad_fn) == (16.0, (), None)
    assert is_grad_enabled()


# ---------------------------------------------------------------- long chains and memory
def test_million_node_chain_backward_at_default_recursion_limit():
    assert sys.getrecursionlimit() <= 1000
    r, steps = 1.0000001, 500_000
    x = Value(1.0)
    y = x
    for _ in range(steps):
        y = y * r + 0.5  # two nodes per step: 1,000,000 in all
    y.backward()
    assert x.grad == pytest.approx(r**steps, rel=1e-10)
    assert y.data == pytest.approx(r**steps + 0.5 * (r**steps - 1.0) / (r - 1.0), rel=1e-10)


def test_chain_is_freed_by_refcounting_with_gc_disabled():
    def count_values():
        return sum(type(o) is Value for o in gc.get_objects())

    gc.collect()
    gc.disable()
    tracemalloc.start()
    try:
        x = Value(1.0)
        references = sys.getrefcount(x)
        values_before = count_values()
        bytes_before = tracemalloc.get_traced_memory()[0]
        y = x
        for _ in range(10_000):
            y = (y * 0.999 + 0.5).tanh()
        y.backward()
        assert count_values() - values_before >= 30_000
        graph_bytes = tracemalloc.get_traced_memory()[0] - bytes_before
        assert graph_bytes > 3_000_000
        del y
        # what stays is CPython's bounded free lists (e.g. 2,000 spare tuples per size)
        assert tracemalloc.get_traced_memory()[0] - bytes_before < 0.05 * graph_bytes
        assert count_values() == values_before
        assert sys.getrefcount(x) == references
    finally:
        tracemalloc.stop()
        gc.enable()


# ---------------------------------------------------------------- errors
@pytest.mark.parametrize(
    ("data", "type_name"),
    [(True, "bool"), ("2.0", "str"), (None, "NoneType"), (1j, "complex"), ([1.0], "list")],
)
def test_non_real_data_is_a_type_error_naming_the_type(data, type_name):
    with pytest.raises(TypeError, match=rf"Value data must be a real number .*got {type_name}"):
        Value(data)


@pytest.mark.parametrize(
    ("operation", "type_name"),
    [
        (lambda v: v + "a", "str"),
        (lambda v: "a" + v, "str"),
        (lambda v: v * True, "bool"),
        (lambda v: v - None, "NoneType"),
        (lambda v: None - v, "NoneType"),
        (lambda v: v / 1j, "complex"),
        (lambda v: 1j / v, "complex"),
        (lambda v: v + [1.0], "list"),  # noqa: RUF005 - the error is the point
        (lambda v: v ** "2", "str"),
        (lambda v: v**True, "bool"),
        (lambda v: v.leaky_relu("0.1"), "str"),
        (lambda v: v.elu(alpha=None), "NoneType"),
        (lambda v: v.backward("1"), "str"),
    ],
)
def test_non_real_operands_are_type_errors_naming_the_type(operation, type_name):
    with pytest.raises(TypeError, match=type_name):
        operation(Value(2.0))


@pytest.mark.parametrize(
    ("operation", "error", "message"),
    [
        (lambda: Value(0.0).log(), ValueError, r"log: input must be > 0, got 0\.0"),
        (lambda: Value(-1.5).log(), ValueError, r"log: .*-1\.5"),
        (lambda: Value(-1.0).sqrt(), ValueError, r"sqrt: input must be >= 0, got -1\.0"),
        (lambda: Value(1.0) / Value(0.0), ZeroDivisionError, "division by zero"),
        (lambda: Value(1.0) / 0, ZeroDivisionError, "division by zero"),
        (lambda: Value(1.0) / 0.0, ZeroDivisionError, "division by zero"),
        (lambda: 1.0 / Value(0.0), ZeroDivisionError, "division by zero"),
        (lambda: Value(0.0) ** -1, ZeroDivisionError, r"\*\*: 0\.0 .*negative power"),
        (lambda: Value(0.0) ** Value(-2.0), ZeroDivisionError, r"\*\*: .*negative power"),
        (lambda: Value(-2.0) ** 0.5, ValueError, r"\*\*: negative base -2\.0 .*0\.5"),
        (lambda: Value(-8.0) ** Value(1 / 3), ValueError, r"negative base -8\.0"),
        (  # kills engine.xǁValueǁexp__mutmut_5 (Python's own reason dropped: "(None)")
            lambda: Value(1000.0).exp(),
            OverflowError,
            r"^exp: result out of range for input 1000\.0 \(math range error\)$",
        ),
        (lambda: Value(10.0) ** 400, OverflowError, r"\*\*: result out of range"),
        (lambda: 2 ** Value(5000.0), OverflowError, r"\*\*: result out of range"),
        (lambda: Value(1e10) ** Value(40.0), OverflowError, r"\*\*"),
    ],
)
def test_domain_errors_name_the_op_and_value(operation, error, message):
    with pytest.raises(error, match=message):
        operation()


def test_numpy_scalars_and_fractions_become_python_floats():
    np = pytest.importorskip("numpy")
    from fractions import Fraction

    a = Value(1.0)
    results = [
        Value(np.int64(3)),
        Value(np.float32(0.5)),
        Value(Fraction(1, 4)),
        a + np.float32(0.1),  # float32 arithmetic would round to ~1.1000000238
        np.float32(0.5) - a,
        a * np.float64(3.0),
        a / np.float32(4.0),
        a ** np.int64(2),
    ]
    assert all(type(v.data) is float for v in results)
    assert results[3].data == 1.0 + float(np.float32(0.1))


def test_add_and_mul_follow_float_semantics():
    assert (Value(1e200) * 1e200).data == math.inf
    assert (Value(1e308) + Value(1e308)).data == math.inf


@pytest.mark.parametrize("x", [1e308, -1e308, 710.0, -710.0, 0.0])
def test_sigmoid_and_softplus_stay_finite(x):
    a = Value(x)
    s, p = a.sigmoid(), a.softplus()
    (s + p).backward()
    assert 0.0 <= s.data <= 1.0 and math.isfinite(p.data) and math.isfinite(a.grad)
    assert s.data == pytest.approx(sigmoid(x), abs=1e-300)
    assert p.data == pytest.approx(max(x, 0.0) + math.log1p(math.exp(-abs(x))))


# ---------------------------------------------------------------- micrograd 0.1.0 and PyTorch
def micrograd_sanity_check(Value):
    x = Value(-4.0)
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    y.backward()
    return y.data, x.grad


def micrograd_more_ops(Value):
    a = Value(-4.0)
    b = Value(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    g.backward()
    return g.data, a.grad, b.grad


def test_micrograd_sanity_check_by_hand():
    # z = 3x + 2 = -10 (relu off), q = zx = 40, h = z² = 100, y = h + q + qx = -20
    # dy/dx = 6z + (3x + z)(1 + x) + q = -60 + 66 + 40 = 46
    assert micrograd_sanity_check(Value) == (-20.0, 46.0)


def test_micrograd_more_ops_matches_its_readme():
    g, a_grad, b_grad = micrograd_more_ops(Value)
    assert (round(g, 4), round(a_grad, 4), round(b_grad, 4)) == (24.7041, 138.8338, 645.5773)


@pytest.mark.parametrize("example", [micrograd_sanity_check, micrograd_more_ops])
def test_micrograd_engine_tests_give_micrograds_numbers(example):
    micrograd_engine = pytest.importorskip("micrograd.engine")
    ours, theirs = example(Value), example(micrograd_engine.Value)
    assert ours == pytest.approx(theirs, rel=1e-15)


class TorchScalar:
    """Just enough of Value's interface on a 0-d float64 tensor to run the examples above."""

    def __init__(self, data):
        import torch

        self.t = data if isinstance(data, torch.Tensor) else torch.tensor(float(data))
        if self.t.is_leaf:
            self.t = self.t.double().requires_grad_()

    def _wrap(self, other):
        return other.t if isinstance(other, TorchScalar) else other

    def __add__(self, o):
        return TorchScalar(self.t + self._wrap(o))

    __radd__ = __add__

    def __mul__(self, o):
        return TorchScalar(self.t * self._wrap(o))

    __rmul__ = __mul__

    def __sub__(self, o):
        return TorchScalar(self.t - self._wrap(o))

    def __neg__(self):
        return TorchScalar(-self.t)

    def __truediv__(self, o):
        return TorchScalar(self.t / self._wrap(o))

    def __rtruediv__(self, o):
        return TorchScalar(o / self.t)

    def __pow__(self, o):
        return TorchScalar(self.t ** self._wrap(o))

    def relu(self):
        return TorchScalar(self.t.relu())

    def backward(self):
        self.t.backward()

    @property
    def data(self):
        return self.t.item()

    @property
    def grad(self):
        return self.t.grad.item()


@pytest.mark.parametrize("example", [micrograd_sanity_check, micrograd_more_ops])
def test_micrograd_engine_tests_match_torch(example):
    pytest.importorskip("torch")
    assert example(Value) == pytest.approx(example(TorchScalar), rel=1e-12)


def torch_table():
    import torch
    import torch.nn.functional as tf

    return [
        ("exp", Value.exp, torch.exp, [-3.0, 0.0, 0.7, 5.0]),
        ("log", Value.log, torch.log, [1e-3, 0.5, 1.0, 30.0]),
        ("sqrt", Value.sqrt, torch.sqrt, [0.0, 1e-3, 2.0, 100.0]),
        ("tanh", Value.tanh, torch.tanh, [-20.0, -1.0, 0.0, 0.3, 4.0]),
        ("sigmoid", Value.sigmoid, torch.sigmoid, [-800.0, -5.0, 0.0, 2.0, 800.0]),
        ("relu", Value.relu, torch.relu, [-2.0, 0.0, 3.0]),
        ("abs", Value.abs, torch.abs, [-2.0, 0.0, 3.0]),
        (
            "leaky_relu",
            lambda v: v.leaky_relu(0.1),
            lambda t: tf.leaky_relu(t, 0.1),
            [-2.0, 0.0, 3.0],
        ),
        ("elu", lambda v: v.elu(0.7), lambda t: tf.elu(t, 0.7), [-2.0, 0.0, 3.0]),
        ("softplus", Value.softplus, tf.softplus, [-30.0, -1.0, 0.0, 1.5, 15.0]),
        ("a ** 2.5", lambda v: v**2.5, lambda t: t**2.5, [0.0, 0.5, 3.0]),
        ("a ** -2", lambda v: v**-2, lambda t: t**-2, [-1.5, 0.5, 3.0]),
        ("3 ** a", lambda v: 3**v, lambda t: 3**t, [-2.0, 0.0, 1.5]),
        ("1.5 / a", lambda v: 1.5 / v, lambda t: 1.5 / t, [-2.0, 0.3, 4.0]),
        ("2 - a", lambda v: 2 - v, lambda t: 2 - t, [-2.0, 0.3]),
    ]


def test_ops_match_torch_float64():
    torch = pytest.importorskip("torch")
    for name, op, torch_op, points in torch_table():
        for x in points:
            a = Value(x)
            out = op(a)
            out.backward(0.7)
            t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
            torch_out = torch_op(t)
            torch_out.backward(torch.tensor(0.7, dtype=torch.float64))
            assert out.data == pytest.approx(torch_out.item(), rel=1e-12, abs=1e-12), (name, x)
            assert a.grad == pytest.approx(t.grad.item(), rel=1e-12, abs=1e-12), (name, x)


def test_binary_ops_match_torch_float64():
    torch = pytest.importorskip("torch")
    cases = [
        (lambda a, b: a + b, [(1.5, -2.0)]),
        (lambda a, b: a - b, [(1.5, -2.0)]),
        (lambda a, b: a * b, [(1.5, -2.0), (0.0, 3.0)]),
        (lambda a, b: a / b, [(1.5, -2.0), (0.0, 3.0)]),
        (lambda a, b: a**b, [(1.5, -2.0), (0.3, 2.5), (0.0, 2.0)]),
    ]
    for op, points in cases:
        for x, y in points:
            a, b = Value(x), Value(y)
            op(a, b).backward(-1.3)
            ta, tb = (torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (x, y))
            op(ta, tb).backward(torch.tensor(-1.3, dtype=torch.float64))
            assert (a.grad, b.grad) == pytest.approx((ta.grad.item(), tb.grad.item()), rel=1e-12)


# ---------------------------------------------------------------- micrograd's _backward, by hand
def lecture_neuron():
    """The neuron of karpathy's micrograd lecture: o = tanh(x1·w1 + x2·w2 + b)."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    x1w1, x2w2 = x1 * w1, x2 * w2
    x1w1x2w2 = x1w1 + x2w2
    n = x1w1x2w2 + b
    o = n.tanh()
    return o, n, x1w1x2w2, x1w1, x2w2, (x1, w1, x2, w2, b)


def test_lecture_manual_backward_node_by_node():
    o, n, x1w1x2w2, x1w1, x2w2, (x1, w1, x2, w2, b) = lecture_neuron()
    o.grad = 1.0
    o._backward()
    assert n.grad == 1.0 - o.data**2  # tanh' = 1 - o², 0.5 here
    n._backward()
    assert (x1w1x2w2.grad, b.grad) == (n.grad, n.grad)  # + passes the gradient through
    b._backward()  # a leaf: nothing happens
    x1w1x2w2._backward()
    x2w2._backward()
    x1w1._backward()
    grads = (x1.grad, w1.grad, x2.grad, w2.grad, b.grad)
    assert grads == (w1.data * n.grad, x1.data * n.grad, w2.data * n.grad, 0.0, n.grad)
    assert grads == pytest.approx((-1.5, 1.0, 0.5, 0.0, 0.5), rel=1e-12, abs=1e-15)
    # backward() does the same steps in topological order: the same floats
    o2, *_, leaves = lecture_neuron()
    o2.backward()
    assert tuple(v.grad for v in leaves) == grads


def test_leaf_backward_is_a_no_op():
    leaf = Value(3.0)
    leaf.grad = 2.5
    assert leaf._backward() is None
    leaf._backward(4.0)
    assert (leaf.grad, leaf.is_leaf) == (2.5, True)


def test_backward_with_an_argument_sends_that_gradient():
    a, b = Value(3.0), Value(4.0)
    c = a * b
    c.grad = 100.0  # ignored: the argument wins
    c._backward(0.5)
    assert (a.grad, b.grad) == (2.0, 1.5)
    c._backward()  # and called twice it sends twice, exactly as micrograd's
    assert (a.grad, b.grad) == (402.0, 301.5)


def lecture_cube(x):
    """A new op written the lecture's way: a zero-argument closure reading out.grad."""
    out = Value(x.data**3, (x,), "cube")

    def _backward():
        x.grad += 3 * x.data**2 * out.grad

    out._backward = _backward
    return out


@given(x=reals(-3.0, 3.0), g=upstream)
def test_lecture_style_op_works_inside_backward_used_twice(x, g):
    a = Value(x)
    y = lecture_cube(a) + lecture_cube(a) * a  # x³ + x⁴
    y.backward(g)
    assert y.data == pytest.approx(x**3 + x**4, rel=1e-12, abs=1e-12)
    assert close(a.grad, g * numerical_grad(lambda t: t**3 + t**4, [x])[0])


def test_lecture_style_op_on_a_reused_intermediate():
    a = Value(1.5)
    b = a * 2.0
    c = lecture_cube(b)
    d = c + lecture_cube(c)  # d = (2a)³ + (2a)⁹
    d.backward()
    assert a.grad == pytest.approx(2 * (3 * 3.0**2 + 9 * 3.0**8), rel=1e-12)


def test_assigned_closure_taking_the_upstream_gradient():
    x = Value(3.0)
    out = Value(x.data**2, (x,), "square")

    def _backward(g):
        x.grad += 2 * x.data * g

    out._backward = _backward
    (out * 5.0).backward()
    assert x.grad == 30.0
    assert out._grad_fn is _backward  # stored as it is, called with g


def test_assigning_none_makes_a_node_send_nothing():
    a = Value(2.0)
    b = a * a
    b._backward = None
    b.backward()
    assert (b._grad_fn, a.grad, b.grad) == (None, 0.0, 1.0)


@pytest.mark.parametrize(("thing", "type_name"), [(3, "int"), ("x.grad += 1", "str"), ([], "list")])
def test_assigning_a_non_callable_backward_is_a_type_error(thing, type_name):
    out = Value(1.0)
    with pytest.raises(TypeError, match=f"_backward must be callable, got {type_name}"):
        out._backward = thing


# ---------------------------------------------------------------- user attributes on a Value
class LectureAdamW:
    """An AdamW in the style of EurekaLabsAI/micrograd: it keeps its moments on the parameters."""

    def __init__(self, parameters, lr=0.1, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.0):
        self.parameters, self.lr, self.betas, self.eps = parameters, lr, betas, eps
        self.weight_decay, self.t = weight_decay, 0
        for p in self.parameters:
            p.m = 0.0
            p.v = 0.0

    def step(self):
        self.t += 1
        beta1, beta2 = self.betas
        for p in self.parameters:
            p.m = beta1 * p.m + (1 - beta1) * p.grad
            p.v = beta2 * p.v + (1 - beta2) * p.grad**2
            m_hat = p.m / (1 - beta1**self.t)
            v_hat = p.v / (1 - beta2**self.t)
            p.data -= self.lr * (m_hat / (v_hat**0.5 + self.eps) + self.weight_decay * p.data)

    def zero_grad(self):
        for p in self.parameters:
            p.grad = 0.0


def test_user_attributes_on_values():
    v = Value(1.0)
    v._vis_color = "red"  # EurekaLabsAI/micrograd colours its nodes this way
    w = v * 2.0
    w.note = "double"
    assert (v._vis_color, w.note, vars(w)) == ("red", "double", {"note": "double"})
    assert not hasattr(Value(1.0), "_vis_color")  # per node, not shared


def test_optimiser_keeps_its_moments_on_the_parameters():
    from micrograd_cn.optim import Adam

    w, twin = Value(0.0), Value(0.0)
    optimiser, reference = LectureAdamW([w]), Adam([twin], lr=0.1, betas=(0.9, 0.95), eps=1e-8)
    grads = []
    for _ in range(5):
        for p, opt in ((w, optimiser), (twin, reference)):
            opt.zero_grad()
            ((p - 3.0) ** 2).backward()
            opt.step()
        grads.append(w.grad)
    # m is the running average of the gradients: Σ (1 - β1) β1^k g_(t-k)
    assert w.m == pytest.approx(sum(0.1 * 0.9**k * g for k, g in enumerate(reversed(grads))))
    assert w.data == pytest.approx(twin.data, rel=1e-12)  # the same algorithm as optim.Adam
    # Adam's first steps move by about lr each (m̂/√v̂ ≈ ±1): 5 steps towards 3
    assert w.data == pytest.approx(0.5, abs=0.01)


# ---------------------------------------------------------------- backward and the cyclic GC
def test_backward_pauses_the_collector_and_restores_it():
    seen = []

    def spy(x):
        out = Value(x.data, (x,), "spy")

        def _backward():
            seen.append(gc.isenabled())
            x.grad += out.grad

        out._backward = _backward
        return out

    assert gc.isenabled()
    spy(Value(1.0)).backward()
    assert seen == [False] and gc.isenabled()
    gc.disable()
    try:
        spy(Value(1.0)).backward()
        assert not gc.isenabled()  # never switched on when the caller had it off
    finally:
        gc.enable()


@pytest.mark.parametrize("collector_on", [True, False])
def test_collector_state_is_restored_after_an_error_in_a_closure(collector_on):
    x = Value(1.0)
    out = Value(2.0, (x,), "broken")

    def _backward():
        raise RuntimeError("a learner's bug")

    out._backward = _backward
    if not collector_on:
        gc.disable()
    try:
        with pytest.raises(RuntimeError, match="a learner's bug"):
            (out * 2.0).backward()
        assert gc.isenabled() is collector_on
    finally:
        gc.enable()


def every_op_graph():
    a, b = Value(0.7), Value(1.3)
    parts = [a + b, a - 1, 2 - a, a * b, a / b, 3 / a, a**2.5, a**b, 2**a, -a, abs(a - b)]
    parts += [a.exp(), a.log(), a.sqrt(), a.tanh(), a.sigmoid(), a.relu(), a.softplus()]
    parts += [a.leaky_relu(0.1), (-a).elu(0.5), F.maximum(a, b), F.minimum(a, b)]
    parts += [F.dot([a, b], [b, 2.0], bias=a), F.logsumexp([a, b]), *F.softmax([a, b])]
    return F.mean(parts), a, b


def test_engine_graphs_have_no_reference_cycles():
    gc.collect()
    gc.disable()
    try:
        root, _, _ = every_op_graph()
        root.backward()
        del root
        assert gc.collect() == 0  # refcounting freed everything: nothing left for the GC
        # a lecture-style op makes the cycle out -> closure -> out, as micrograd does
        root = lecture_cube(Value(2.0))
        root.backward()
        del root
        assert gc.collect() > 0
    finally:
        gc.enable()


@pytest.mark.parametrize(
    ("make", "param"),
    [
        (lambda x: x + 2.5, 2.5),
        (lambda x: 2.5 + x, 2.5),
        (lambda x: x - 2.5, -2.5),
        (lambda x: x * 3, 3.0),
        (lambda x: 3 * x, 3.0),
        (lambda x: x / 4, 0.25),
        (lambda x: -x, -1.0),
        (lambda x: x**3, 3.0),
        (lambda x: x.leaky_relu(0.2), 0.2),
        (lambda x: x.leaky_relu(), 0.01),
        (lambda x: x.elu(alpha=0.5), 0.5),
        (lambda x: F.sum([x, 1, 2.5]), 3.5),
        (lambda x: F.sum([x, x]), 0.0),
        (lambda x: x + Value(1.0), None),
        (lambda x: x * Value(1.0), None),
        (lambda x: x.tanh(), None),
    ],
)
def test_param_records_the_number_folded_into_the_op(make, param):
    out = make(Value(2.0))
    assert out._param == param
    assert type(out._param) is (float if param is not None else type(None))


def test_nodes_the_engine_did_not_make_record_nothing():
    a = Value(2.0)
    assert a._param is NOT_RECORDED and repr(NOT_RECORDED) == "NOT_RECORDED"
    assert Value(8.0, (a,), "cube")._param is NOT_RECORDED
    b = a * 3.0
    b._backward = lambda g: None  # a new closure: the op's record no longer describes it
    assert b._param is NOT_RECORDED
    with no_grad():
        assert (a * 3.0)._param == 3.0  # the number stays; there are no parents to describe


def test_a_node_is_no_bigger_than_before():
    """The record of the op lives in the one slot that held the folded constant: 8 slots."""
    assert Value.__slots__ == (
        "data", "grad", "label", "_prev", "_op", "_grad_fn", "_param", "__dict__"
    )  # fmt: skip
    assert sys.getsizeof(Value(1.0) * 2.0) == sys.getsizeof(Value(1.0))


# ---------------------------------------------------------------- Value as a Python number
def test_abs_is_the_abs_op_with_its_gradient():
    a = Value(-2.0)
    out = abs(a) * 3.0
    out.backward()
    assert (out.data, a.grad, out._prev[0]._op) == (6.0, -3.0, "abs")


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (".4f", "0.6667"),
        (".2e", "6.67e-01"),
        (">9.3f", "    0.667"),
        ("+.1%", "+66.7%"),
        ("g", "0.666667"),
    ],
)
def test_format_spec_formats_data(spec, expected):
    v = Value(2.0 / 3.0)
    assert format(v, spec) == expected == format(2.0 / 3.0, spec)
    assert f"{v:{spec}}" == expected


def test_empty_format_spec_keeps_str():
    v = Value(1.5, label="x")
    assert f"{v}" == format(v, "") == str(v) == "Value(data=1.5, grad=0.0, label='x')"


def test_repr_names_the_label_only_when_there_is_one():
    """kills engine.xǁValueǁ__repr____mutmut_3/4 (``label=''`` shown, or "XXXX" for none)."""
    assert repr(Value(-2.0)) == "Value(data=-2.0, grad=0.0)"


def test_sqrt_at_zero_with_a_zero_upstream_gradient_is_nan_as_in_pytorch():
    """d sqrt(x)/dx at 0 is inf; times an upstream 0 it is inf * 0 = nan (torch: nan too).

    kills engine.xǁValueǁsqrt__mutmut_14 (``math.inf * g`` -> ``math.inf / g``: 1/0 raises)."""
    x = Value(0.0)
    x.sqrt().backward(0.0)
    assert math.isnan(x.grad)
    y = Value(0.0)
    y.sqrt().backward(-2.0)
    assert y.grad == -math.inf


@pytest.mark.parametrize(("spec", "message"), [("d", "Unknown format code 'd'"), ("q", "'q'")])
def test_bad_format_spec_is_a_value_error(spec, message):
    with pytest.raises(ValueError, match=message):
        format(Value(1.0), spec)


@pytest.mark.parametrize("x", [2.675, -0.5, 0.5, 1.5, 2.5, -1234.5678, 1e-9])
def test_round_is_float_round_and_builds_no_graph(x):
    v = Value(x)
    for ndigits in (0, 1, 2, -2):
        assert round(v, ndigits) == round(x, ndigits)
        assert type(round(v, ndigits)) is float
    assert round(v) == round(x) and type(round(v)) is int  # banker's rounding, like float
    assert round(v, None) == round(x)


@pytest.mark.parametrize(
    ("x", "ndigits", "error", "message"),
    [
        (math.inf, None, OverflowError, "infinity"),
        (math.nan, None, ValueError, "NaN"),
        (1.0, "2", TypeError, "'str' object cannot be interpreted as an integer"),
        (1.0, 1.5, TypeError, "'float' object cannot be interpreted as an integer"),
    ],
)
def test_round_errors_are_floats_errors(x, ndigits, error, message):
    with pytest.raises(error, match=message):
        round(Value(x), ndigits)


def test_comparisons_compare_data_and_return_bool():
    from fractions import Fraction

    a, b = Value(1.0), Value(2.0)
    reflected = [2 > a, 0 < a, 3 >= a]  # noqa: SIM300 - the number on the left is the point
    results = [a < b, a <= b, b > a, b >= a, a < 2, a <= 1, a > 0.5, *reflected]
    results += [a >= Fraction(1, 2), a < 10**400]  # exact, as float vs int comparison is
    assert results == [True] * len(results)
    assert [a > b, a >= b, b < a, b <= a, a < 1, a > 1, a < -(10**400)] == [False] * 7
    assert all(type(r) is bool for r in (a < b, a <= 2, a >= Fraction(1), *reflected))
    assert sorted([Value(3.0), b, a], key=None)[0] is a  # sorting Values works
    assert max([a, b]) is b and min([b, a]) is a
    nan = Value(math.nan)
    assert [nan < a, nan <= a, nan > a, nan >= a, a < nan] == [False] * 5  # as for floats


def test_comparisons_with_numpy_scalars():
    np = pytest.importorskip("numpy")
    a = Value(1.0)
    assert a < np.float64(2.0) and a >= np.int64(1) and not a > np.float32(1.5)
    assert bool(np.float64(2.0) > a)


@pytest.mark.parametrize("op", ["<", "<=", ">", ">="])
@pytest.mark.parametrize(
    ("other", "type_name"), [("1", "str"), (None, "NoneType"), (True, "bool"), (1j, "complex")]
)
def test_comparing_with_a_non_number_is_a_type_error_naming_the_type(op, other, type_name):
    compare = {
        "<": lambda x, y: x < y,
        "<=": lambda x, y: x <= y,
        ">": lambda x, y: x > y,
        ">=": lambda x, y: x >= y,
    }[op]
    with pytest.raises(
        TypeError, match=f"'{op}' not supported between .*'Value' and '{type_name}'"
    ):
        compare(Value(1.0), other)
    with pytest.raises(TypeError, match=f"not supported between .*'{type_name}' and 'Value'"):
        compare(other, Value(1.0))


def test_equality_and_hash_stay_identity():
    a, b = Value(1.0), Value(1.0)
    assert a != b and a == a and not (a == 1.0)  # noqa: SIM201 - __eq__ itself is tested
    assert a <= b and a >= b  # equal data, two different nodes
    assert hash(a) == object.__hash__(a) and len({a, b}) == 2
    assert {a: "a", b: "b"}[b] == "b"


# ---------------------------------------------------------------- bad numbers (mutation-tested)
def test_relu_keeps_nan():
    """Mutant: relu's forward ``x if x > 0 else 0.0`` turned NaN into 0 with gradient 0."""
    a = Value(math.nan)
    out = a.relu()
    out.backward(0.7)
    assert math.isnan(out.data)
    assert a.grad == 0.7  # the gradient passes through, as torch.relu's does (checked below)
    b = Value(-0.0)
    b.relu().backward()
    assert b.grad == 0.0


def test_relu_at_nan_matches_torch():
    torch = pytest.importorskip("torch")
    t = torch.tensor(math.nan, dtype=torch.float64, requires_grad=True)
    torch.relu(t).backward(torch.tensor(0.7, dtype=torch.float64))
    a = Value(math.nan)
    a.relu().backward(0.7)
    assert a.grad == t.grad.item()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Value(10**400), r"Value data is too large for a float: an int of about 10\*\*400"),
        (lambda: Value(-(10**309)), r"Value data .* an int of about -10\*\*309"),
        (lambda: Value(1.0) + 10**400, r"constant is too large for a float: .*10\*\*400"),
        (lambda: 10**400 - Value(1.0), r"constant is too large .*10\*\*400"),
        (lambda: Value(1.0) * 10**500, r"constant is too large .*10\*\*500"),
        (lambda: Value(1.0) ** 10**400, r"exponent is too large .*10\*\*400"),
        (lambda: (10**400) ** Value(1.0), r"base is too large .*10\*\*400"),
        (lambda: Value(1.0).backward(10**400), r"backward grad is too large"),
    ],
)
def test_huge_ints_are_overflow_errors_naming_their_size(make, message):
    """Mutant: ``float(x)`` unguarded gave Python's "int too large to convert to float"."""
    with pytest.raises(OverflowError, match=message):
        make()


def test_huge_fraction_is_an_overflow_error_naming_its_type():
    from fractions import Fraction

    with pytest.raises(OverflowError, match="Value data is too large for a float: a Fraction"):
        Value(Fraction(10**400, 3))


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
@pytest.mark.parametrize(
    ("op", "name"),
    [
        (lambda v, k: v.elu(alpha=k), "elu alpha"),
        (lambda v, k: v.leaky_relu(k), "leaky_relu slope"),
    ],
)
def test_non_finite_activation_parameters_are_value_errors(op, name, bad):
    """Mutant: ``as_real`` alone let NaN/inf through (elu(alpha=nan) gave nan silently)."""
    with pytest.raises(ValueError, match=rf"{name} must be a finite number, got {bad!r}"):
        op(Value(-1.0), bad)


def test_power_zero_at_zero_has_slope_zero():
    """Mutant: ``power_slope`` without its ``b == 0`` guard: d/da a**0 at a = 0 became inf."""
    a = Value(0.0)
    out = a**0
    out.backward()
    assert (out.data, a.grad) == (1.0, 0.0)  # PyTorch gives 0 too
    a, b = Value(0.0), Value(0.0)
    (a**b).backward()
    assert (a.grad, b.grad) == (0.0, 0.0)


def test_is_leaf():
    """Mutant: ``is_leaf`` returning ``bool(self._prev)``."""
    a = Value(1.0)
    b = a * 2.0
    with no_grad():
        c = a * 2.0
    assert (a.is_leaf, b.is_leaf, c.is_leaf) == (True, False, True)
    assert type(a.is_leaf) is bool


# Each op's closure must add (``+=``) into its parents, never assign: leaves that already
# hold a gradient and are used by two copies of the op must end with preset + 2·g·local.
@pytest.mark.parametrize("row", [r for r in OPS.values() if not r.derived], ids=lambda r: r.name)
@settings(max_examples=8, deadline=None)
@given(data=st.data())
def test_every_op_accumulates_into_leaves_used_twice(row, data):
    """Mutant: ``self.grad = ...`` instead of ``self.grad += ...`` in any op's closure."""
    case = data.draw(op_cases(row))
    leaves = {n: Value(v) for n, v in case.point.items()}
    for leaf in leaves.values():
        leaf.grad = 0.75
    once = case.build(leaves)
    local = dict(zip(once._prev, local_derivatives(once)))
    (once + case.build(leaves)).backward(1.7)
    for leaf in leaves.values():
        assert leaf.grad == pytest.approx(0.75 + 2 * 1.7 * local[leaf], rel=1e-12)


def test_value_exponent_accumulates_into_base_and_exponent_used_twice():
    """Mutant: ``=`` for ``+=`` in ``a ** b``'s closure, for the base or the exponent."""
    a, b = Value(1.5), Value(2.5)
    a.grad, b.grad = 0.75, -0.5
    (a**b + a**b).backward(1.7)
    assert a.grad == pytest.approx(0.75 + 2 * 1.7 * 2.5 * 1.5**1.5, rel=1e-12)
    assert b.grad == pytest.approx(-0.5 + 2 * 1.7 * 1.5**2.5 * math.log(1.5), rel=1e-12)


@pytest.mark.parametrize("select", [F.maximum, F.minimum])
def test_max_and_min_accumulate_into_both_inputs_used_twice(select):
    """Mutant: ``=`` for ``+=`` in max/min's closure (either input), and the tie split."""
    a, b = Value(1.0), Value(-2.0)
    a.grad = b.grad = 0.75
    (select(a, b) + select(a, b)).backward(1.7)
    big, small = (a, b) if select is F.maximum else (b, a)
    assert big.grad == pytest.approx(0.75 + 2 * 1.7)
    assert small.grad == 0.75
    c, d = Value(3.0), Value(3.0)
    c.grad = d.grad = 0.75
    (select(c, d) + select(c, d)).backward(1.7)
    assert c.grad == d.grad == pytest.approx(0.75 + 1.7)


@pytest.mark.parametrize(
    ("op", "x", "expected"),
    [
        (lambda a: a.relu(), 0.0, 0.0),  # kink: relu'(0) = 0
        (lambda a: a.leaky_relu(0.1), 0.0, 0.1),  # x > 0 is the identity side only
        (lambda a: a.elu(0.5), 0.0, 0.5),  # alpha·e^0 on the left side at 0
        (lambda a: F.maximum(a, 0.0), 0.0, 0.5),  # a tie splits evenly
    ],
)
def test_kinks_at_zero_take_the_documented_side(op, x, expected):
    """Mutants: ``x <= 0`` for ``x < 0`` / ``x > 0`` for ``x >= 0`` at the kinks."""
    a = Value(x)
    op(a).backward()
    assert a.grad == expected


@pytest.mark.parametrize(
    ("op", "value", "slope"),
    [
        (Value.sin, math.sin, math.cos),
        (Value.cos, math.cos, lambda x: -math.sin(x)),
    ],
)
@pytest.mark.parametrize("x", [-7.0, -math.pi / 2, -0.3, 0.0, 1.0, math.pi, 12.5])
def test_sin_and_cos_closed_forms(op, value, slope, x):
    a = Value(x)
    out = op(a)
    out.backward(-1.3)
    assert out.data == value(x) and out._op == op.__name__
    assert a.grad == -1.3 * slope(x)
    assert close(a.grad, -1.3 * numerical_grad(op, [x])[0])


def test_sin_and_cos_match_torch_float64():
    torch = pytest.importorskip("torch")
    for op, torch_op in ((Value.sin, torch.sin), (Value.cos, torch.cos)):
        for x in (-4.0, -0.5, 0.0, 2.0, 100.0):
            a = Value(x)
            op(a).backward(0.7)
            t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
            torch_op(t).backward(torch.tensor(0.7, dtype=torch.float64))
            assert (op(Value(x)).data, a.grad) == pytest.approx(
                (torch_op(t).item(), t.grad.item()), rel=1e-15, abs=1e-15
            )


# ---------------------------------------------------------------- children checked on the way in
@pytest.mark.parametrize(
    ("children", "message"),
    [
        ((Value(1.0), 2.0), r"^Value children must be Values: child 1 is float \(2\.0\)$"),
        ((None,), r"^Value children must be Values: child 0 is NoneType \(None\)$"),
        (["a"], r"^Value children must be Values: child 0 is str \('a'\)$"),
        ((Value(1.0), [1.0] * 40), r"child 1 is list \(\[1\.0, 1\.0, .*…\)$"),
    ],
)
def test_value_refuses_a_child_that_is_not_a_value(children, message):
    """The lecture's slip ``Value(3.0, (a, 2.0), "*")`` was accepted; backward() and draw_dot()
    then died in topological_order with "'float' object has no attribute '_prev'"."""
    with pytest.raises(TypeError, match=message):
        Value(3.0, children, "*")


def test_a_bad_childs_repr_is_shown_whole_up_to_40_characters_then_cut_to_40():
    """kills engine.x__checked_children__mutmut_13 (``<= 40`` -> ``< 40``), _14 (``<= 41``),
    _15 (``shown[:40]``): a 40-character repr is shown whole; a 41-character one becomes its
    first 39 characters and "…", 40 in all."""
    with pytest.raises(TypeError) as whole:
        Value(3.0, ("a" * 38,), "*")  # repr: 38 letters in quotes, 40 characters
    assert str(whole.value) == f"Value children must be Values: child 0 is str ('{'a' * 38}')"
    with pytest.raises(TypeError) as cut:
        Value(3.0, ("a" * 39,), "*")  # 41 characters
    shown = "'" + "a" * 38 + "…"
    assert len(shown) == 40
    assert str(cut.value) == f"Value children must be Values: child 0 is str ({shown})"


@pytest.mark.parametrize(("children", "kind"), [(Value(1.0), "Value"), (2.0, "float")])
def test_value_refuses_children_that_are_not_a_collection(children, kind):
    with pytest.raises(TypeError, match=rf"^Value children must be a tuple of Values, got {kind}$"):
        Value(2.0, children, "neg")


def test_value_children_of_the_lecture_still_work():
    """micrograd builds ops as Value(a.data * b.data, (a, b), "*"), also from a set."""

    class Tagged(Value):
        __slots__ = ()

    a, b = Value(2.0), Tagged(3.0)
    out = Value(a.data * b.data, (a, b), "*")
    assert out._prev == (a, b)
    assert set(Value(1.0, {a, b}, "+")._prev) == {a, b}


@pytest.mark.parametrize(
    ("symbol", "operation"),
    [("-", operator.sub), ("/", operator.truediv), ("+", operator.add), ("*", operator.mul)],
)
def test_a_non_number_on_the_left_is_python_s_own_type_error(symbol, operation):
    """``"abc" - Value(1.0)``: the reflected method returns NotImplemented, so Python names the
    operator as written and both types in their order, and no node is built for the bad operand.
    (``"abc" + Value(1.0)`` used to say "'Value' and 'str'": ``__radd__`` was ``self + other``.)

    kills engine.xǁValueǁ__rsub____mutmut_2 (the is_real test made always true: ``-self`` built,
    then "unsupported operand type(s) for +: 'Value' and 'str'")."""
    with pytest.raises(TypeError) as refused:
        operation(None, Value(1.0))
    assert str(refused.value) == f"unsupported operand type(s) for {symbol}: 'NoneType' and 'Value'"
    if symbol == "+":  # str's own + speaks first: it only concatenates strings
        with pytest.raises(TypeError, match=r'can only concatenate str \(not "Value"\) to str'):
            operation("abc", Value(1.0))


def test_relu_of_minus_zero_is_plus_zero():
    """relu(-0.0) is 0.0, not -0.0 (PyTorch keeps the sign): a learner's table never shows
    "-0.0000" for a relu that is off.

    kills engine.xǁValueǁrelu__mutmut_6 (``x <= 0.0`` -> ``x < 0.0``: -0.0 passed through)."""
    assert math.copysign(1.0, Value(-0.0).relu().data) == 1.0


def test_a_non_number_on_the_right_of_minus_is_python_s_own_type_error():
    """kills engine.xǁValueǁ__sub____mutmut_3 (the is_real test made always true: ``-"abc"``,
    "bad operand type for unary -: 'str'")."""
    with pytest.raises(TypeError) as refused:
        Value(1.0) - "abc"
    assert str(refused.value) == "unsupported operand type(s) for -: 'Value' and 'str'"
