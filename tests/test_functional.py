"""Tests for micrograd_cn.functional: n-ary nodes against finite differences and closed forms,
stability at large inputs, errors, and PyTorch parity."""

import math
from collections import OrderedDict
from decimal import Decimal, localcontext
from fractions import Fraction
from types import MappingProxyType

import pytest
from hypothesis import given
from hypothesis import strategies as st

from micrograd_cn import functional as F
from micrograd_cn.engine import Value
from micrograd_cn.gradcheck import numerical_grad

numbers = st.floats(-5.0, 5.0, allow_nan=False, allow_infinity=False)
vectors = st.lists(numbers, min_size=1, max_size=6)
upstream = st.one_of(st.floats(0.1, 3.0), st.floats(-3.0, -0.1))


def ref_logsumexp(xs):
    m = max(xs)
    return m + math.log(math.fsum(math.exp(x - m) for x in xs))


def check(value_f, float_f, xs, g):
    vs = [Value(x) for x in xs]
    out = value_f(vs)
    out.backward(g)
    assert out.data == pytest.approx(float_f(xs), rel=1e-12, abs=1e-12)
    expected = [g * d for d in numerical_grad(lambda *values: value_f(list(values)), xs)]
    assert [v.grad for v in vs] == pytest.approx(expected, rel=1e-5, abs=1e-6)


@given(vectors, upstream)
def test_sum_matches_finite_differences(xs, g):
    check(F.sum, math.fsum, xs, g)


@given(vectors, upstream)
def test_mean_matches_finite_differences(xs, g):
    check(F.mean, lambda v: math.fsum(v) / len(v), xs, g)


@given(vectors, upstream)
def test_logsumexp_matches_finite_differences(xs, g):
    check(F.logsumexp, ref_logsumexp, xs, g)


@given(vectors, upstream, st.data())
def test_softmax_and_log_softmax_entries_match_finite_differences(xs, g, data):
    i = data.draw(st.integers(0, len(xs) - 1), label="index")
    check(lambda vs: F.softmax(vs)[i], lambda v: math.exp(v[i] - ref_logsumexp(v)), xs, g)
    check(lambda vs: F.log_softmax(vs)[i], lambda v: v[i] - ref_logsumexp(v), xs, g)


@given(
    st.integers(1, 5).flatmap(
        lambda n: st.tuples(*[st.lists(numbers, min_size=n, max_size=n)] * 2)
    ),
    numbers,
    upstream,
)
def test_dot_matches_finite_differences(wx, bias, g):
    ws, xs = wx
    n = len(ws)

    def f(v):
        return math.fsum(a * b for a, b in zip(v[:n], v[n : 2 * n])) + v[-1]

    check(lambda vs: F.dot(vs[:n], vs[n : 2 * n], vs[-1]), f, [*ws, *xs, bias], g)


@given(numbers, numbers, upstream)
def test_maximum_and_minimum_route_the_gradient(x, y, g):
    for select, pick in ((F.maximum, max), (F.minimum, min)):
        a, b = Value(x), Value(y)
        out = select(a, b)
        out.backward(g)
        assert out.data == pick(x, y)
        if x == y:
            assert (a.grad, b.grad) == (g / 2, g / 2)  # a tie splits evenly
        else:
            winner_is_a = pick(x, y) == x
            assert (a.grad, b.grad) == ((g, 0.0) if winner_is_a else (0.0, g))


def test_nary_ops_are_single_nodes():
    vs = [Value(float(i)) for i in range(5)]
    assert len(F.sum(vs)._prev) == 5
    assert len(F.dot(vs, [1.0] * 5, bias=Value(1.0))._prev) == 6
    assert len(F.dot(vs, vs[::-1])._prev) == 10
    assert len(F.logsumexp(vs)._prev) == 5


def test_numbers_mix_with_values():
    a = Value(2.0)
    s = F.sum([a, 3, 0.5, a])
    s.backward()
    assert (s.data, a.grad, s._prev) == (7.5, 2.0, (a, a))
    w = Value(0.5)
    d = F.dot([w, 2.0], [4.0, a], bias=1.0)  # 0.5·4 + 2·2 + 1
    d.backward()
    assert (d.data, w.grad, a.grad) == (7.0, 4.0, 4.0)


def test_max_gate_routes_to_the_larger_input():
    """The max gate of 《梯度下降和反向传播》."""
    x, y = Value(4.0), Value(-1.0)
    z = F.maximum(x, y) * 2.0
    z.backward()
    assert (x.grad, y.grad) == (2.0, 0.0)


def test_softmax_cross_entropy_gradient_is_softmax_minus_onehot():
    logits = [Value(v) for v in (2.0, 1.0, 0.1)]
    loss = -F.log_softmax(logits)[0]
    loss.backward()
    probabilities = [p.data for p in F.softmax([v.data for v in logits])]
    onehot = [1.0, 0.0, 0.0]
    expected = [p - t for p, t in zip(probabilities, onehot)]
    assert [v.grad for v in logits] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("scale", [1000.0, -1000.0, 1e300])
def test_softmax_and_logsumexp_stay_finite_at_large_inputs(scale):
    xs = [scale, scale + 1.0, scale - 1.0] if abs(scale) < 1e10 else [scale, 0.0, -scale]
    vs = [Value(x) for x in xs]
    probabilities = F.softmax(vs)
    F.sum([p * w for p, w in zip(probabilities, (1.0, 2.0, 3.0))]).backward()
    assert all(math.isfinite(p.data) for p in probabilities)
    assert all(math.isfinite(v.grad) for v in vs)
    assert math.fsum(p.data for p in probabilities) == pytest.approx(1.0)
    if abs(scale) < 1e10:
        e = math.e
        z = 1.0 + e + 1.0 / e  # softmax is shift-invariant: same as softmax([0, 1, -1])
        assert [p.data for p in probabilities] == pytest.approx([1 / z, e / z, 1 / (e * z)])
        assert F.logsumexp(vs).data == pytest.approx(scale + math.log(z), rel=1e-15)


def test_logsumexp_of_two_thousands():
    assert F.logsumexp([Value(1000.0), Value(1000.0)]).data == 1000.0 + math.log(2.0)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: F.sum([]), ValueError, "sum of an empty sequence"),
        (lambda: F.sum(Value(1.0)), TypeError, "sum expects a sequence .*got Value"),
        (lambda: F.sum("abc"), TypeError, "got str"),
        (lambda: F.sum([Value(1.0), "2"]), TypeError, "sum element .*got str"),
        (lambda: F.sum([Value(1.0), None]), TypeError, "got NoneType"),
        (lambda: F.mean([]), ValueError, "^mean of an empty sequence$"),
        (lambda: F.mean("ab"), TypeError, "^mean expects a sequence of Values or numbers, got str"),
        (lambda: F.dot([1.0], [1.0, 2.0]), ValueError, "dot: length mismatch, 1 weights and 2"),
        (lambda: F.dot([Value(1.0)], [True]), TypeError, "dot input .*got bool"),
        (lambda: F.dot([Value(1.0)], [1.0], bias="b"), TypeError, "dot bias .*got str"),
        (lambda: F.dot([Value(1.0), "w"], [1.0, 2.0]), TypeError, "dot weight .*got str"),
        (lambda: F.dot([Value(1.0)], [None]), TypeError, "dot input .*got NoneType"),
        (lambda: F.dot([], []), ValueError, "dot of an empty sequence"),
        (lambda: F.dot(Value(1.0), [1.0]), TypeError, "dot expects a sequence .*got Value"),
        (lambda: F.dot([Value(1.0)], "a"), TypeError, "^dot expects a sequence .*got str$"),
        (lambda: F.logsumexp([]), ValueError, "logsumexp of an empty sequence"),
        (lambda: F.softmax([Value(1.0), 1j]), TypeError, "got complex"),
        (lambda: F.maximum(Value(1.0), "x"), TypeError, "max .*got str"),
        (lambda: F.minimum("x", Value(1.0)), TypeError, "^min must be a real number .*got str$"),
    ],
)
def test_errors_name_the_problem(call, error, message):
    """kills functional.x_mean__mutmut_3/6/7 (the name in mean's messages: None, "XXmeanXX",
    "MEAN"), x_dot__mutmut_10/13 (the same for dot's inputs) and x__select__mutmut_10 (the
    first input's refusal without the op's name)."""
    with pytest.raises(error, match=message):
        call()


def test_functional_ops_match_torch_float64():
    torch = pytest.importorskip("torch")
    xs = [0.3, -1.2, 2.5, 0.0]
    weights = [0.5, -1.0, 2.0, 0.25]
    cases = [
        (lambda vs: F.sum(vs), lambda t: t.sum()),
        (lambda vs: F.mean(vs), lambda t: t.mean()),
        (lambda vs: F.logsumexp(vs), lambda t: torch.logsumexp(t, 0)),
        (
            lambda vs: F.dot(vs, weights, bias=0.5),
            lambda t: t @ torch.tensor(weights).double() + 0.5,
        ),
        (
            lambda vs: F.sum([p * w for p, w in zip(F.softmax(vs), weights)]),
            lambda t: torch.softmax(t, 0) @ torch.tensor(weights).double(),
        ),
        (
            lambda vs: F.sum([p * w for p, w in zip(F.log_softmax(vs), weights)]),
            lambda t: torch.log_softmax(t, 0) @ torch.tensor(weights).double(),
        ),
        (
            lambda vs: F.maximum(vs[0], vs[1]) * F.minimum(vs[2], vs[3]),
            lambda t: t[:2].max() * t[2:].min(),
        ),
    ]
    for value_f, torch_f in cases:
        vs = [Value(x) for x in xs]
        out = value_f(vs)
        out.backward()
        t = torch.tensor(xs, dtype=torch.float64, requires_grad=True)
        torch_out = torch_f(t)
        torch_out.backward()
        assert out.data == pytest.approx(torch_out.item(), rel=1e-12)
        assert [v.grad for v in vs] == pytest.approx(t.grad.tolist(), rel=1e-12, abs=1e-15)


# ---------------------------------------------------------------- fast paths keep the same answers
def test_dot_with_values_numbers_and_subclasses_gives_one_answer():
    class Tagged(Value):
        __slots__ = ()

    ws = [Value(0.5), 2.0, Tagged(-1.0), Value(3.0)]
    xs = [Value(4.0), Value(-2.0), 3, Fraction(1, 2)]
    out = F.dot(ws, xs, bias=Value(0.25))  # 2 - 4 - 3 + 1.5 + 0.25
    out.backward(2.0)
    assert out.data == -3.25
    assert [w.grad for w in ws if isinstance(w, Value)] == [8.0, 6.0, 1.0]
    assert [x.grad for x in xs[:2]] == [1.0, 4.0]
    assert out._prev == (ws[0], xs[0], xs[1], ws[2], ws[3], out._prev[-1])  # w, x interleaved


def test_dot_records_numbers_given_as_int_or_fraction_as_floats():
    """kills functional.x__dot_term__mutmut_24, _26, _27, _29, _30: the "a number had to be
    converted" flag lost, so ``dot`` recorded the int or Fraction as given instead of as a
    float."""
    x = Value(1.5)
    out = F.dot([2, Fraction(1, 2)], [x, 4.0])
    ws, xs, bias = out._param
    assert (ws, xs[0], xs[1], bias) == ((2.0, 0.5), x, 4.0, None)
    assert [type(n) for n in (*ws, xs[1])] == [float, float, float]
    w = Value(0.5)
    out = F.dot([w, 3.0], [3, Fraction(1, 4)])
    ws, xs, bias = out._param
    assert (ws[0], ws[1], xs, out.data) == (w, 3.0, (3.0, 0.25), 2.25)
    assert [type(n) for n in (ws[1], *xs)] == [float, float, float]


def test_a_non_finite_sum_with_plain_numbers_is_the_chain_of_adds_too():
    """kills functional.x__total__mutmut_7, _8: the fallback read every element as a plain
    number, or every element's ``.data`` (TypeError or AttributeError, not inf or nan)."""
    up, down = Value(math.inf), Value(-math.inf)
    assert math.isnan(F.sum([up, 2.0, down]).data)  # fsum of the Values: "-inf + inf"
    big = [Value(1e308), Value(1e308)]
    assert F.sum([*big, -1e308, 5]).data == math.inf  # overflows before -1e308 comes


def test_the_n_ary_and_selecting_nodes_carry_their_op_names():
    """kills functional.x__select__mutmut_5, _7, x_sum__mutmut_36, _37, x_dot__mutmut_105,
    _106, x_logsumexp__mutmut_53, _54: the op name a drawing shows (and the op table is
    looked up by) changed to "XX…XX" or upper case."""
    a, b = Value(1.0), Value(2.0)
    nodes = [F.maximum(a, b), F.minimum(a, b), F.sum([a, b]), F.dot([a], [b]), F.logsumexp([a])]
    assert [(n._op, n.data) for n in nodes] == [
        ("max", 2.0),
        ("min", 1.0),
        ("sum", 3.0),
        ("dot", 2.0),
        ("logsumexp", 1.0),
    ]


def test_sum_and_mean_send_gradients_to_value_subclasses():
    """kills functional.x__split__mutmut_3: ``type(v) is Value or isinstance(v, Value)`` ->
    ``and`` (a Value subclass became a folded constant: no parent, no gradient)."""

    class Tagged(Value):
        __slots__ = ()

    a, b = Tagged(2.0), Value(3.0)
    total = F.sum([a, b, 1.0])
    total.backward()
    assert (total.data, total._prev, a.grad, b.grad) == (6.0, (a, b), 1.0, 1.0)
    a.grad = 0.0
    average = F.mean([a, 4.0])
    average.backward()
    assert (average.data, a.grad) == (3.0, 0.5)


@pytest.mark.parametrize(
    "container", [list, tuple, iter, lambda vs: (v for v in vs), lambda vs: reversed(vs[::-1])]
)
def test_sum_and_dot_take_any_iterable(container):
    vs = [Value(1.0), Value(2.0), Value(3.0)]
    assert F.sum(container(vs)).data == 6.0
    assert F.dot(container(vs), container([1.0, 1.0, 2.0])).data == 9.0
    assert F.mean(container(vs)).data == 2.0


@pytest.mark.parametrize(
    "call",
    [F.sum, F.mean, F.logsumexp, F.softmax, F.log_softmax, lambda m: F.dot(m, [1.0])],
    ids=["sum", "mean", "logsumexp", "softmax", "log_softmax", "dot"],
)
@pytest.mark.parametrize(
    "mapping", [{1.0: Value(2.0)}, MappingProxyType({1.0: 2.0}), OrderedDict(a=1.0)]
)
def test_mappings_are_refused(call, mapping):
    """Mutant: a dict was iterated like a list, so F.sum(d) summed its keys."""
    with pytest.raises(
        TypeError, match=f"expects a sequence of Values or numbers, got {type(mapping).__name__}"
    ):
        call(mapping)


# ---------------------------------------------------------------- non-finite numbers (mutants)
def chain_of_adds(values):
    out = values[0]
    for v in values[1:]:
        out = out + v
    return out


@pytest.mark.parametrize(
    "xs",
    [
        [math.inf, 1.0],
        [1.0, -math.inf, 2.0],
        [math.inf, -math.inf],
        [math.nan, 1.0],
        [1.0, math.nan],
        [1e308, 1e308],  # fsum: "intermediate overflow"
        [1e308, 1e308, -1e308],  # the chain overflows on the way: inf, as a + b + c
        [-1e308, -1e308, 5.0],
    ],
)
def test_sum_of_non_finite_values_is_the_chain_of_binary_adds(xs):
    """Mutant: ``math.fsum`` on every input raised "intermediate overflow in fsum" or
    "-inf + inf in fsum" where ``a + b`` gives inf or nan."""
    vs, chained = [Value(x) for x in xs], [Value(x) for x in xs]
    out, reference = F.sum(vs), chain_of_adds(chained)
    out.backward(0.5)
    reference.backward(0.5)
    assert repr(out.data) == repr(reference.data)  # inf, -inf and nan compare by repr
    assert [v.grad for v in vs] == [v.grad for v in chained] == [0.5] * len(xs)
    mean = F.mean([Value(x) for x in xs])
    assert repr(mean.data) == repr(reference.data / len(xs))


def test_sum_with_constants_and_non_finite_values():
    assert math.isnan(F.sum([Value(math.inf), -math.inf]).data)
    assert F.sum([Value(1e308), 1e308]).data == math.inf
    assert F.sum([Value(0.1)] * 10 + [0.0]).data == 1.0  # finite inputs: still exactly rounded


@pytest.mark.parametrize("select", [F.maximum, F.minimum], ids=["maximum", "minimum"])
@pytest.mark.parametrize("order", ["nan first", "nan second"])
def test_maximum_and_minimum_of_nan_are_nan_whichever_side(select, order):
    """Mutant: ``max`` semantics, where ``maximum(nan, 1)`` was 1 but ``maximum(1, nan)`` nan."""
    nan, one = Value(math.nan), Value(1.0)
    out = select(nan, one) if order == "nan first" else select(one, nan)
    out.backward(0.5)
    assert math.isnan(out.data)
    assert (nan.grad, one.grad) == (0.5, 0.5)  # as PyTorch: the gradient reaches both


def test_maximum_of_nan_matches_torch():
    torch = pytest.importorskip("torch")
    for select, torch_select in ((F.maximum, torch.maximum), (F.minimum, torch.minimum)):
        for x, y in ((math.nan, 1.0), (1.0, math.nan), (2.0, 2.0), (3.0, -1.0)):
            a, b = Value(x), Value(y)
            out = select(a, b)
            out.backward()
            ta, tb = (torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (x, y))
            t_out = torch_select(ta, tb)
            t_out.backward()
            assert repr(out.data) == repr(t_out.item())
            assert (a.grad, b.grad) == (ta.grad.item(), tb.grad.item())


@pytest.mark.parametrize(
    ("xs", "expected"),
    [
        ([math.inf, 0.0], math.inf),
        ([0.0, math.inf, math.inf], math.inf),
        ([-math.inf, -math.inf], -math.inf),
        ([-math.inf, 2.0], 2.0),
        ([math.inf, math.nan], math.nan),
        ([math.nan, 1.0], math.nan),
        ([1.0, math.nan], math.nan),
    ],
)
def test_logsumexp_at_infinities(xs, expected):
    """Mutant: logsumexp without its ±inf guard: ``logsumexp([inf, 0])`` became nan."""
    assert repr(F.logsumexp([Value(x) for x in xs]).data) == repr(expected)


def test_logsumexp_at_infinities_matches_torch():
    torch = pytest.importorskip("torch")
    for xs in ([math.inf, 0.0], [-math.inf, -math.inf], [-math.inf, 2.0]):
        vs = [Value(x) for x in xs]
        out = F.logsumexp(vs)
        out.backward()
        t = torch.tensor(xs, dtype=torch.float64, requires_grad=True)
        t_out = torch.logsumexp(t, 0)
        t_out.backward()
        assert repr(out.data) == repr(t_out.item())
        assert [repr(v.grad) for v in vs] == [repr(g) for g in t.grad.tolist()]


def test_dot_records_its_factors_as_called():
    """Mutant: ``dot`` without its factors on the node (the captions would guess partners)."""
    w1, w2, b = Value(0.5), Value(-1.0), Value(0.25)
    x2 = Value(3.0)
    out = F.dot([w1, w2], [2, x2], bias=b)
    assert out._prev == (w1, w2, x2, b)
    ws, xs, bias = out._param
    assert ws == (w1, w2) and xs == (2.0, x2) and type(xs[0]) is float and bias is b
    out.backward(2.0)
    assert [p.grad for p in out._prev] == [2.0 * 2.0, 2.0 * 3.0, 2.0 * -1.0, 2.0]


def test_dot_of_values_only_records_nothing_and_is_read_from_its_parents():
    """A hidden layer's dot (every factor a Value) keeps no copy of its arguments: the
    parents w1, x1, w2, x2, (b) already say who pairs with whom."""
    from micrograd_cn.ops import bind

    w1, x1, w2, x2, b = (Value(float(v)) for v in (3, 2, 2, 3, 1))
    for bias, parents in ((None, (w1, x1, w2, x2)), (b, (w1, x1, w2, x2, b))):
        out = F.dot([w1, w2], [x1, x2], bias)
        assert out._param is None and out._prev == parents
        slots = bind(out).slots
        assert [(s.input, dict(s.sources)) for s in slots[:4]] == [
            ("w", {"w": 0, "x": 1}), ("x", {"w": 0, "x": 1}),
            ("w", {"w": 2, "x": 3}), ("x", {"w": 2, "x": 3}),
        ]  # fmt: skip
    assert F.dot([w1], [x1], 0.5)._param == ((w1,), (x1,), 0.5)
    assert F.dot([w1], [2.0], None)._param == ((w1,), (2.0,), None)


# ---------------------------------------------------------------- exact softmax family at any scale
EPS = 2.0**-52
SMALLEST = math.ulp(0.0)  # 5e-324


def exact_softmax_family(xs):
    """Exact (400-digit Decimal) logsumexp, log_softmax and softmax of float logits.

    The logits are shifted by their max in float arithmetic first, the one rounding every
    stable implementation makes (PyTorch's too); everything after that is exact here.
    """
    m = max(xs)
    shifted = [Decimal(x - m) for x in xs]  # x - m may round (or reach -inf at ±1.8e308)
    with localcontext() as context:
        context.prec = 400  # Σ = 1 + a tail as small as 1e-323: keep its digits too
        exps = [d.exp() for d in shifted]
        total = sum(exps)
        log_total = total.ln()
        return (
            Decimal(m) + log_total,
            log_total,
            [d - log_total for d in shifted],
            [e / total for e in exps],
        )


def ulps_off(got: float, exact: Decimal) -> float:
    """|got - exact| in units in the last place of the float nearest to exact."""
    nearest = float(exact)
    if math.isinf(nearest) or math.isinf(got):
        return 0.0 if got == nearest else math.inf
    return float(abs(Decimal(got) - exact) / Decimal(math.ulp(nearest)))


any_magnitude = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False),  # up to ±1.8e308, subnormals included
    st.floats(-60.0, 60.0),  # where softmax is not one-hot
    st.sampled_from([0.0, 1e16, -1e16, 1e300, -1e300, 1e-300, -1e-300, 1.7e308, -1.7e308]),
)
logit_lists = st.one_of(
    st.lists(any_magnitude, min_size=1, max_size=6),
    st.builds(lambda x, n: [x] * n, any_magnitude, st.integers(2, 5)),  # equal logits
    st.builds(  # close logits at any scale: the difference carries all the information
        lambda x, offsets: [x + d for d in offsets],
        any_magnitude,
        st.lists(st.floats(-40.0, 40.0), min_size=1, max_size=5),
    ),
)


@given(logit_lists, st.data())
def test_softmax_family_is_exact_to_the_last_digits_at_any_scale(xs, data):
    """logsumexp, log_softmax and softmax within a few ulps of the exact answer, 1e-300 to 1e308.

    Before the shift by the max, softmax([1e16, 1e16]) was [1.0, 1.0] and log_softmax [0, 0].
    """
    lse, log_total, log_probabilities, probabilities = exact_softmax_family(xs)
    vs = [Value(x) for x in xs]
    out = F.logsumexp(vs)
    out.backward()
    # m + log Σ: the only cancellation is m against log Σ (m near -log n), worth ulps of log Σ
    lse_ulps = ulps_off(out.data, lse)
    assert lse_ulps <= 2.0 + math.ulp(float(log_total)) / math.ulp(float(lse) or 5e-324), (xs,)
    for v, p in zip(vs, probabilities):  # d logsumexp / d x_i = softmax_i
        assert ulps_off(v.grad, p) <= 4.0, (xs, v.grad, p)
    got_log = [v.data for v in F.log_softmax([Value(x) for x in xs])]
    assert max(ulps_off(g, e) for g, e in zip(got_log, log_probabilities)) <= 3.0, (xs, got_log)
    got = [v.data for v in F.softmax([Value(x) for x in xs])]
    assert max(ulps_off(g, e) for g, e in zip(got, probabilities)) <= 4.0, (xs, got)
    # the gradient of one entry: d log_softmax_i / d x_j = [i == j] - softmax_j
    i = data.draw(st.integers(0, len(xs) - 1), label="entry")
    vs = [Value(x) for x in xs]
    F.log_softmax(vs)[i].backward()
    for j, (v, p) in enumerate(zip(vs, probabilities)):
        assert abs(Decimal(v.grad) - ((i == j) - p)) <= Decimal(4 * EPS), (xs, i, j, v.grad)
    vs = [Value(x) for x in xs]
    F.softmax(vs)[i].backward()  # d softmax_i / d x_j = softmax_i ([i == j] - softmax_j)
    for j, (v, p) in enumerate(zip(vs, probabilities)):
        exact = probabilities[i] * ((i == j) - p)
        tolerance = Decimal(8 * EPS) * probabilities[i] + Decimal(4 * SMALLEST)  # subnormals
        assert abs(Decimal(v.grad) - exact) <= tolerance, (xs, i, j, v.grad)


@pytest.mark.parametrize("scale", [1e12, 1e16, -1e16, 1e300, -1e300, 1.7e308])
def test_equal_huge_logits_share_probability_evenly(scale):
    """The audit's case: softmax([1e16, 1e16]) was [1.0, 1.0], its log [0.0, 0.0]."""
    vs = [Value(scale), Value(scale)]
    assert [p.data for p in F.softmax(vs)] == [0.5, 0.5]
    assert [p.data for p in F.log_softmax(vs)] == [-math.log(2.0), -math.log(2.0)]
    out = F.logsumexp(vs)
    out.backward()
    assert (out.data, vs[0].grad, vs[1].grad) == (scale + math.log(2.0), 0.5, 0.5)
    F.softmax(vs)[0].backward()  # d s_0/d x = s_0 (onehot - s) = [0.25, -0.25], after [0.5, 0.5]
    assert (vs[0].grad, vs[1].grad) == (0.75, 0.25)


def test_log_softmax_keeps_the_digits_of_a_tiny_share():
    """log_softmax([0, -40])[0] = -log(1 + e^-40) = -4.248e-18 (log Σ would round it to 0)."""
    tail = math.exp(-40.0)
    log_probabilities = [v.data for v in F.log_softmax([Value(0.0), Value(-40.0)])]
    assert log_probabilities == [-math.log1p(tail), -40.0 - math.log1p(tail)]
    assert F.logsumexp([Value(0.0), Value(-40.0)]).data == math.log1p(tail)


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "logsumexp"])
def test_softmax_and_logsumexp_errors_name_the_function(name):
    """kills functional.x_softmax__mutmut_3/6/7/9/12/13, x_log_softmax__mutmut_3/6/7/9/12/13
    and x_logsumexp__mutmut_3/7: the function's name in the element and sequence messages ->
    None, "XXsoftmaxXX", "SOFTMAX"."""
    call = getattr(F, name)
    with pytest.raises(TypeError) as element:
        call([Value(1.0), "x"])
    assert str(element.value) == f"{name} must be a real number (int or float), got str"
    with pytest.raises(TypeError) as sequence:
        call("ab")
    assert str(sequence.value) == f"{name} expects a sequence of Values or numbers, got str"


NON_FINITE = [  # the max is inf, -inf or nan, in either place: inf - inf in some entry
    [math.inf, 0.0],
    [0.0, math.inf],
    [math.inf, math.inf],
    [-math.inf, -math.inf],
    [math.nan, 1.0],
    [1.0, math.nan],
]


@pytest.mark.parametrize("xs", NON_FINITE)
def test_softmax_and_log_softmax_with_a_non_finite_max_are_nan_everywhere(xs):
    """x - max(x) has an inf - inf (or a nan) in it, and the sum of the exps carries it to every
    entry: nan everywhere, as torch.softmax and torch.log_softmax give (an infinite logit has no
    finite probabilities to share).

    kills functional.x__shifted_by_max__mutmut_* that skip the shift for a non-finite max (then
    softmax([inf, 0]) was [nan, 0.0] and log_softmax [nan, -inf])."""
    for result in (F.softmax([Value(x) for x in xs]), F.log_softmax([Value(x) for x in xs])):
        assert [math.isnan(v.data) for v in result] == [True, True]


@pytest.mark.parametrize("xs", [[-math.inf, 0.0], [0.0, -math.inf]])
def test_a_minus_infinite_logit_gets_probability_zero(xs):
    """The max is finite: exp(-inf) = 0 exactly, the other entry takes everything."""
    expected = [0.0 if x == -math.inf else 1.0 for x in xs]
    assert [p.data for p in F.softmax([Value(x) for x in xs])] == expected
    assert [p.data for p in F.log_softmax([Value(x) for x in xs])] == [
        -math.inf if x == -math.inf else 0.0 for x in xs
    ]


@pytest.mark.parametrize("xs", [*NON_FINITE, [-math.inf, 0.0]])
def test_non_finite_softmax_matches_torch(xs):
    torch = pytest.importorskip("torch")
    t = torch.tensor(xs, dtype=torch.float64)
    for ours, theirs in (
        (F.softmax([Value(x) for x in xs]), torch.softmax(t, 0)),
        (F.log_softmax([Value(x) for x in xs]), torch.log_softmax(t, 0)),
    ):
        assert [repr(v.data) for v in ours] == [repr(x) for x in theirs.tolist()]
