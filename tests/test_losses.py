"""losses: closed forms, central finite differences, PyTorch (float64, when installed), errors."""

import math
import random
from decimal import Decimal, localcontext

import pytest
from hypothesis import given
from hypothesis import strategies as st

from micrograd_cn import losses as L
from micrograd_cn.engine import Value


def central_diff(f, xs, eps=1e-6):
    """d f / d x_i by central differences; f takes a list of floats."""
    grads = []
    for i in range(len(xs)):
        up, down = list(xs), list(xs)
        up[i] += eps
        down[i] -= eps
        grads.append((f(up) - f(down)) / (2 * eps))
    return grads


def values(xs):
    return [Value(x) for x in xs]


def check_fd(loss_of_values, xs, rel=1e-5, abs_=1e-7):
    """Backward with a random upstream gradient vs central differences."""
    upstream = random.Random(len(xs)).uniform(0.5, 2.0)
    vs = values(xs)
    out = loss_of_values(vs)
    out.backward(upstream)
    numeric = central_diff(lambda fs: loss_of_values(values(fs)).data, xs)
    for v, n in zip(vs, numeric):
        assert v.grad == pytest.approx(upstream * n, rel=rel, abs=abs_)


P = [0.2, -1.3, 2.5, 0.7]
T = [0.0, -1.0, 3.0, 1.5]


# ---------------------------------------------------------------- mse
def test_mse_closed_form_and_gradient():
    ps = values(P)
    loss = L.mse_loss(ps, T)
    loss.backward()
    assert loss.data == pytest.approx(sum((p - t) ** 2 for p, t in zip(P, T)) / 4, rel=1e-14)
    for v, p, t in zip(ps, P, T):
        assert v.grad == pytest.approx(2 * (p - t) / 4, rel=1e-14)
    check_fd(lambda vs: L.mse_loss(vs, T), P)
    summed = L.mse_loss(values(P), T, reduction="sum")
    assert summed.data == pytest.approx(4 * loss.data, rel=1e-14)
    each = L.mse_loss(values(P), T, reduction="none")
    assert [e.data for e in each] == pytest.approx([(p - t) ** 2 for p, t in zip(P, T)])
    single = L.mse_loss(Value(3.0), 1.0)
    assert single.data == 4.0


# ---------------------------------------------------------------- binary cross-entropy
PROBS = [0.1, 0.5, 0.93, 0.6]
TARGETS01 = [0.0, 1.0, 1.0, 0.3]


def bce_closed(p, t):
    return -(t * math.log(p) + (1 - t) * math.log(1 - p))


def test_bce_closed_form_gradient_and_fd():
    ps = values(PROBS)
    loss = L.binary_cross_entropy(ps, TARGETS01)
    loss.backward()
    n = len(PROBS)
    assert loss.data == pytest.approx(sum(map(bce_closed, PROBS, TARGETS01)) / n, rel=1e-14)
    for v, p, t in zip(ps, PROBS, TARGETS01):
        assert v.grad == pytest.approx((p - t) / (p * (1 - p)) / n, rel=1e-12)
    check_fd(lambda vs: L.binary_cross_entropy(vs, TARGETS01), PROBS)


def test_bce_clamps_saturated_probabilities():
    p = Value(0.0)
    loss = L.binary_cross_entropy(p, 1.0)
    loss.backward()
    assert loss.data == pytest.approx(-math.log(1e-8), rel=1e-12)  # 《反向传播算法》's eps
    assert p.grad == 0.0  # outside [eps, 1 - eps] the clamp passes no gradient, as torch.clamp
    one = L.binary_cross_entropy(Value(1.0), 0.0, eps=1e-6)
    assert one.data == pytest.approx(-math.log(1e-6), rel=1e-9)
    assert L.binary_cross_entropy(Value(1.0), 1.0).data == pytest.approx(
        -math.log1p(-1e-8), rel=1e-6
    )


def test_bce_with_logits_matches_bce_and_is_stable():
    zs = [-3.0, -0.2, 0.0, 1.7]
    sig = [1 / (1 + math.exp(-z)) for z in zs]
    vs = values(zs)
    loss = L.bce_with_logits(vs, TARGETS01)
    loss.backward()
    assert loss.data == pytest.approx(sum(map(bce_closed, sig, TARGETS01)) / 4, rel=1e-12)
    for v, s, t in zip(vs, sig, TARGETS01):
        assert v.grad == pytest.approx((s - t) / 4, rel=1e-12)
    check_fd(lambda v: L.bce_with_logits(v, TARGETS01), zs)
    big = [Value(1000.0), Value(-1000.0)]
    extreme = L.bce_with_logits(big, [0.0, 1.0], reduction="sum")
    extreme.backward()
    assert extreme.data == 2000.0
    assert [v.grad for v in big] == [1.0, -1.0]


# ---------------------------------------------------------------- cross-entropy
def softmax(zs):
    m = max(zs)
    e = [math.exp(z - m) for z in zs]
    return [x / sum(e) for x in e]


def test_cross_entropy_closed_form_gradient_is_softmax_minus_onehot():
    zs = [2.0, 1.0, 0.1, -0.4]
    vs = values(zs)
    loss = L.cross_entropy(vs, 2)
    loss.backward()
    assert loss.data == pytest.approx(math.log(sum(math.exp(z) for z in zs)) - zs[2], rel=1e-14)
    onehot = [0, 0, 1, 0]
    assert [v.grad for v in vs] == pytest.approx(
        [s - o for s, o in zip(softmax(zs), onehot)], rel=1e-12
    )
    check_fd(lambda v: L.cross_entropy(v, 2), zs)


def test_cross_entropy_batch_mean_and_stability():
    batch = [[1.0, 2.0, 3.0], [0.5, -0.5, 0.0]]
    targets = [0, 1]
    rows = [values(r) for r in batch]
    loss = L.cross_entropy(rows, targets)
    loss.backward()
    expected = [math.log(sum(math.exp(z) for z in r)) - r[t] for r, t in zip(batch, targets)]
    assert loss.data == pytest.approx(sum(expected) / 2, rel=1e-14)
    for r, vs, t in zip(batch, rows, targets):
        grad = [(s - (k == t)) / 2 for k, s in enumerate(softmax(r))]
        assert [v.grad for v in vs] == pytest.approx(grad, rel=1e-12)
    huge = L.cross_entropy(values([1000.0, 0.0, -1000.0]), 1)
    assert huge.data == pytest.approx(1000.0, rel=1e-15)
    assert math.isfinite(huge.data)


# ---------------------------------------------------------------- hinge and L2
def test_hinge_is_micrograds_max_margin():
    scores, labels = [0.5, -2.0, 0.3, 1.0], [1, -1, -1, 1]
    vs = values(scores)
    loss = L.hinge_loss(vs, labels)
    loss.backward()
    # micrograd demo: (1 + -yi*scorei).relu(), averaged
    assert loss.data == pytest.approx(sum(max(0.0, 1 - y * s) for s, y in zip(scores, labels)) / 4)
    # inside the margin d/ds = -y / n; outside 0; exactly on the margin (kink) 0
    assert [v.grad for v in vs] == [-0.25, 0.0, 0.25, 0.0]
    check_fd(lambda v: L.hinge_loss(v, labels), [0.5, -2.0, 0.3, 1.2])


def test_l2_penalty_is_half_lambda_sum_of_squares():
    ps = values([0.5, -1.5, 2.0])
    s = L.l2_penalty(ps, 0.2)
    s.backward()
    assert s.data == pytest.approx(0.1 * (0.25 + 2.25 + 4.0), rel=1e-14)
    # 《PyTorch学习笔记(六)：正向传播、反向传播、数值稳定性和模型参数》: ds/dW = lambda * W
    assert [p.grad for p in ps] == pytest.approx([0.1, -0.3, 0.4], rel=1e-14)
    assert len(s._prev) == 1 and s._prev[0]._op == "dot"  # Σp² is one node
    assert L.l2_penalty([], 0.1).data == 0.0
    check_fd(lambda v: L.l2_penalty(v, 0.3), [0.5, -1.5, 2.0])


# ---------------------------------------------------------------- PyTorch parity
def test_against_torch_float64():
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    rng = random.Random(0)
    p = [rng.uniform(0.05, 0.95) for _ in range(6)]
    z = [rng.uniform(-4, 4) for _ in range(6)]
    t01 = [float(rng.random() < 0.5) for _ in range(6)]
    tr = [rng.uniform(-2, 2) for _ in range(6)]

    def ours(fn, xs, *args):
        vs = values(xs)
        out = fn(vs, *args)
        out.backward()
        return out.data, [v.grad for v in vs]

    def theirs(fn, xs, *args):
        x = torch.tensor(xs, dtype=torch.float64, requires_grad=True)
        out = fn(x, *args)
        out.backward()
        return out.item(), x.grad.tolist()

    t64 = lambda xs: torch.tensor(xs, dtype=torch.float64)  # noqa: E731
    cases = [
        (ours(L.mse_loss, z, tr), theirs(F.mse_loss, z, t64(tr))),
        (ours(L.binary_cross_entropy, p, t01), theirs(F.binary_cross_entropy, p, t64(t01))),
        (ours(L.bce_with_logits, z, t01), theirs(F.binary_cross_entropy_with_logits, z, t64(t01))),
        (
            ours(lambda v: L.cross_entropy([v[:3], v[3:]], [2, 0]), z),
            theirs(lambda x: F.cross_entropy(x.view(2, 3), torch.tensor([2, 0])), z),
        ),
    ]
    for (our_loss, our_grad), (torch_loss, torch_grad) in cases:
        assert our_loss == pytest.approx(torch_loss, rel=1e-12)
        assert our_grad == pytest.approx(torch_grad, rel=1e-10, abs=1e-14)


# ---------------------------------------------------------------- errors
@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (
            lambda: L.mse_loss(values([1.0, 2.0]), [1.0]),
            ValueError,
            "length mismatch, 2 predictions and 1",
        ),
        (lambda: L.mse_loss(Value(1.0), [1.0, 2.0]), ValueError, "one prediction but 2 targets"),
        (lambda: L.mse_loss([], []), ValueError, "empty batch"),
        (
            lambda: L.mse_loss(values([1.0]), [1.0], reduction="avg"),
            ValueError,
            "unknown reduction 'avg'",
        ),
        (lambda: L.binary_cross_entropy(Value(1.2), 1.0), ValueError, "prediction 0 is 1.2"),
        (
            lambda: L.binary_cross_entropy(Value(0.5), 2.0),
            ValueError,
            r"target must be in \[0, 1\]",
        ),
        (lambda: L.bce_with_logits(Value(0.5), -1.0), ValueError, r"target must be in \[0, 1\]"),
        (lambda: L.cross_entropy(values([1.0, 2.0]), 2), ValueError, "target 2 out of range for 2"),
        (lambda: L.cross_entropy(values([1.0, 2.0]), True), TypeError, "class index"),
        (lambda: L.cross_entropy([values([1.0])], [0, 1]), ValueError, "1 samples and 2 targets"),
        (lambda: L.cross_entropy([], 0), ValueError, "non-empty list"),
        (
            lambda: L.hinge_loss(values([1.0, 2.0]), [1, 0]),
            ValueError,
            r"^hinge_loss: labels must be -1 or \+1, got 0",
        ),
        (
            lambda: L.hinge_loss(values([1.0, 2.0]), [1]),
            ValueError,
            "^hinge_loss: length mismatch, 2 predictions and 1 targets$",
        ),
        (
            lambda: L.hinge_loss(values([1.0]), [1], reduction="avg"),
            ValueError,
            "^hinge_loss: unknown reduction 'avg'",
        ),
        (lambda: L.l2_penalty(values([1.0]), "0.1"), TypeError, "^l2_penalty lam must be a real"),
        (lambda: L.hinge_loss(values([1.0]), ["1"]), TypeError, "label must be a real number"),
        (lambda: L.l2_penalty(values([1.0]), -0.1), ValueError, "lam must be a finite number >= 0"),
        (lambda: L.l2_penalty(values([1.0]), math.inf), ValueError, "lam must be .*, got inf"),
        (lambda: L.l2_penalty({Value(1.0): 2.0}, 0.1), TypeError, "params must be a list .*dict"),
        (lambda: L.mse_loss({"a": 1.0}, [1.0]), TypeError, "predictions must be .*got dict"),
        (lambda: L.mse_loss(values([1.0]), {1.0}), TypeError, "targets must be .*got set"),
        (lambda: L.hinge_loss("ab", [1, 1]), TypeError, "predictions must be .*got str"),
        (lambda: L.mse_loss(values([1.0]), [math.nan]), ValueError, "target 0 is nan, expected"),
        (lambda: L.mse_loss(values([1.0, 2.0]), [0.0, -math.inf]), ValueError, "target 1 is -inf"),
        (lambda: L.cross_entropy({0: Value(1.0)}, 0), TypeError, "logits must be a list .*dict"),
        (
            lambda: L.mse_loss((v for v in values([1.0, 2.0])), [1.0]),
            ValueError,
            "length mismatch, 2 predictions and 1",
        ),
    ],
)
def test_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_hinge_loss_on_plain_numbers_and_l2_with_zero_lambda():
    assert [v.data for v in L.hinge_loss([0.5, 2.0, -0.5], [1, 1, 1], reduction="none")] == [
        0.5,
        0.0,
        1.5,
    ]
    w = values([3.0, -4.0])
    penalty = L.l2_penalty(w, 0.0)
    penalty.backward()
    assert (penalty.data, [p.grad for p in w]) == (0.0, [0.0, 0.0])


# ---------------------------------------------------------------- every message names its loss
@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: L.mse_loss({"a": 1.0}, [1.0]), TypeError, "^mse_loss: predictions must be"),
        (lambda: L.mse_loss(values([1.0]), {1.0}), TypeError, "^mse_loss: targets must be"),
        (
            lambda: L.mse_loss(values([1.0, 2.0]), 1.0),
            ValueError,
            "^mse_loss: 2 predictions but a single target$",
        ),
        (lambda: L.mse_loss(values([1.0]), [1.0], "avg"), ValueError, "^mse_loss: unknown reduct"),
        (lambda: L.mse_loss(values([1.0]), ["1"]), TypeError, "^mse_loss target must be a real"),
        (lambda: L.binary_cross_entropy(1.2, 1.0), ValueError, "^binary_cross_entropy: predic"),
        (lambda: L.binary_cross_entropy(0.5, 2.0), ValueError, "^binary_cross_entropy: target"),
        (lambda: L.binary_cross_entropy(0.5, None), TypeError, "^binary_cross_entropy target "),
        (lambda: L.binary_cross_entropy(None, 1), TypeError, "^binary_cross_entropy predicti"),
        (lambda: L.binary_cross_entropy(0.5, 1, eps="0"), TypeError, "^binary_cross_entropy eps"),
        (
            lambda: L.binary_cross_entropy(0.5, 1.0, eps=0.5),
            ValueError,
            r"^binary_cross_entropy: eps must be in \[0, 0\.5\), got 0\.5$",
        ),
        (lambda: L.binary_cross_entropy(0.5, 1.0, eps=1.0), ValueError, "eps must be in"),
        (lambda: L.binary_cross_entropy([0.5], [1.0, 0.0]), ValueError, "^binary_cross_entropy: "),
        (lambda: L.binary_cross_entropy(0.5, 1, reduction=""), ValueError, "^binary_cross_entr"),
        (lambda: L.bce_with_logits(0.5, 2.0), ValueError, "^bce_with_logits: target must be in"),
        (lambda: L.bce_with_logits(None, 1.0), TypeError, "^bce_with_logits logit must be a "),
        (lambda: L.bce_with_logits([0.5], [1.0, 0.0]), ValueError, "^bce_with_logits: "),
        (lambda: L.bce_with_logits(0.5, 1.0, reduction=""), ValueError, "^bce_with_logits: unkn"),
        (
            lambda: L.cross_entropy([values([1.0])], 0),
            ValueError,
            "^cross_entropy: a batch of 1 samples needs a list of targets$",
        ),
        (
            lambda: L.cross_entropy(values([1.0, 2.0]), [0, 1]),
            ValueError,
            "^cross_entropy: one sample of logits but 2 targets$",
        ),
        (
            lambda: L.cross_entropy([[]], [0]),
            ValueError,
            "^cross_entropy: logits must be a non-empty list of class scores$",
        ),
        (
            lambda: L.cross_entropy(values([1.0, 2.0]), 1.0),
            TypeError,
            r"^cross_entropy: target must be a class index \(int\), got float$",
        ),
        (lambda: L.cross_entropy(values([1.0]), 3), ValueError, "^cross_entropy: target 3 out"),
        (lambda: L.cross_entropy(values([1.0]), 0, "x"), ValueError, "^cross_entropy: unknown"),
    ],
)
def test_every_error_names_its_loss(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_plain_number_predictions_give_values():
    """Mutants killed: a plain-number branch dropped or computing something else."""
    (mse,) = L.mse_loss(4.0, 1.0, reduction="none")
    assert isinstance(mse, Value) and mse.data == 9.0
    assert L.binary_cross_entropy(0.8, 1.0).data == pytest.approx(-math.log(0.8), rel=1e-15)
    assert L.bce_with_logits(0.0, 1.0).data == pytest.approx(math.log(2.0), rel=1e-15)
    assert L.cross_entropy([Value(3.0)], 0).data == 0.0  # one class: always right


def test_bce_at_the_clamp_edge_keeps_its_gradient_and_eps_zero_is_exact():
    """p exactly at eps or 1 - eps is inside the clamp; with eps = 0 a sure, right answer costs 0.

    Mutants killed: ``p < lo`` -> ``<=``, ``p > hi`` -> ``>=``, ``0 <= eps`` -> ``0 < eps``,
    the ``t == 1`` / ``t == 0`` shortcuts changed (they avoid log(0)).
    """
    for p_value, t, grad in [(0.25, 1.0, -4.0), (0.75, 0.0, 4.0)]:
        p = Value(p_value)
        L.binary_cross_entropy(p, t, eps=0.25).backward()
        assert p.grad == pytest.approx(grad, rel=1e-15)
    for p_value, t in [(1.0, 1.0), (0.0, 0.0)]:
        p = Value(p_value)
        loss = L.binary_cross_entropy(p, t, eps=0.0)
        assert loss.data == 0.0


# ---------------------------------------------------------------- cross-entropy at any scale
@pytest.mark.parametrize("scale", [1e12, 1e16, -1e16, 1e300, -1e300, 1.7e308])
def test_cross_entropy_of_two_equal_huge_logits_is_log_2(scale):
    """The audit's case: it was 0 with gradient [0, 1] (logsumexp(z) - z[0] lost every digit)."""
    vs = values([scale, scale])
    loss = L.cross_entropy(vs, 0)
    loss.backward()
    assert (loss.data, vs[0].grad, vs[1].grad) == (math.log(2.0), -0.5, 0.5)


def exact_cross_entropy(zs, target):
    """log Σ exp(z_j - m) - (z_target - m) in 400-digit Decimal after the float shift z - m."""
    m = max(zs)
    shifted = [Decimal(z - m) for z in zs]
    with localcontext() as context:
        context.prec = 400  # Σ = 1 + a tail as small as 1e-323: keep its digits too
        exps = [d.exp() for d in shifted]
        total = sum(exps)
        return total.ln() - shifted[target], [e / total for e in exps]


scores = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False),
    st.floats(-60.0, 60.0),
    st.sampled_from([0.0, 1e16, -1e16, 1e300, -1e300, 1e-300, 1.7e308, -1.7e308]),
)


@given(st.lists(scores, min_size=1, max_size=6), st.data())
def test_cross_entropy_is_exact_to_the_last_digits_at_any_scale(zs, data):
    target = data.draw(st.integers(0, len(zs) - 1), label="target")
    exact, probabilities = exact_cross_entropy(zs, target)
    vs = values(zs)
    loss = L.cross_entropy(vs, target)
    loss.backward()
    nearest = float(exact)
    if math.isinf(nearest):  # a score 3.4e308 below the max: z - m overflows, as in PyTorch
        assert loss.data == nearest
    else:
        assert abs(Decimal(loss.data) - exact) <= 3 * Decimal(math.ulp(nearest)), (zs, loss.data)
    for j, (v, p) in enumerate(zip(vs, probabilities)):  # softmax - onehot
        assert abs(Decimal(v.grad) - (p - (j == target))) <= Decimal(4 * 2.0**-52), (zs, j, v.grad)


def test_mse_loss_reads_value_targets_as_numbers():
    """A target given as a Value is a constant (as PyTorch's target without requires_grad):
    mean((1 - 3)², (2 - 2.5)²) = 2.125, and no gradient reaches it.

    kills losses.x_mse_loss__mutmut_19 (a Value target read with ``as_real``: TypeError)."""
    p, t = [Value(1.0), Value(2.0)], Value(3.0)
    loss = L.mse_loss(p, [t, 2.5])
    loss.backward()
    assert (loss.data, [v.grad for v in p], t.grad) == (2.125, [-2.0, -0.5], 0.0)


def test_bce_with_logits_of_target_zero_is_softplus_alone():
    """t = 0 leaves ``- z·t`` out: the learner's picture shows softplus(z), not a product by 0
    and a subtraction (the value and the gradient are the same either way).

    kills losses.x_bce_with_logits__mutmut_32 (the ``if t`` test always true)."""
    z = Value(0.5)
    (loss,) = L.bce_with_logits([z], [0.0], reduction="none")
    assert (loss._op, loss._prev, loss.data) == ("softplus", (z,), math.log1p(math.exp(0.5)))
    (loss,) = L.bce_with_logits([z], [1.0], reduction="none")
    assert loss.data == math.log1p(math.exp(0.5)) - 0.5
