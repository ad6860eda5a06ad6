"""optim: SGD and Adam against hand-computed steps and torch.optim (float64), validation."""

import math
import random

import pytest

from micrograd_cn.engine import Value
from micrograd_cn.optim import SGD, Adam


def param(data, grad):
    p = Value(data)
    p.grad = grad
    return p


def test_sgd_plain_and_weight_decay_by_hand():
    p = param(1.0, 0.5)
    SGD([p], lr=0.1).step()
    assert p.data == pytest.approx(1.0 - 0.1 * 0.5, rel=1e-15)
    q = param(2.0, 0.5)
    SGD([q], lr=0.1, weight_decay=0.01).step()
    assert q.data == pytest.approx(2.0 - 0.1 * (0.5 + 0.01 * 2.0), rel=1e-15)


def test_sgd_momentum_and_nesterov_by_hand():
    p = param(1.0, 2.0)
    opt = SGD([p], lr=0.1, momentum=0.9)
    opt.step()  # buf = g = 2
    assert p.data == pytest.approx(0.8, rel=1e-15)
    p.grad = 1.0
    opt.step()  # buf = 0.9 * 2 + 1 = 2.8
    assert p.data == pytest.approx(0.8 - 0.28, rel=1e-14)
    q = param(1.0, 2.0)
    nesterov = SGD([q], lr=0.1, momentum=0.9, nesterov=True)
    nesterov.step()  # g + mu * buf = 2 + 1.8
    assert q.data == pytest.approx(1.0 - 0.38, rel=1e-14)
    q.grad = 1.0
    nesterov.step()  # buf = 2.8; 1 + 0.9 * 2.8
    assert q.data == pytest.approx(0.62 - 0.1 * 3.52, rel=1e-14)


def test_sgd_momentum_with_weight_decay_two_steps_by_hand():
    """Closed form, no torch needed.

    Mutants killed: the weight-decay sign flipped in the momentum path
    (``p.grad - wd * p.data``), the decay dropped there, ``mu * buf - g``.
    """
    p = param(1.0, 2.0)
    opt = SGD([p], lr=0.1, momentum=0.9, weight_decay=0.5)
    opt.step()  # g = 2 + 0.5 * 1 = 2.5 = buf; p = 1 - 0.25
    assert p.data == pytest.approx(0.75, rel=1e-15)
    p.grad = 1.0
    opt.step()  # g = 1 + 0.5 * 0.75 = 1.375; buf = 0.9 * 2.5 + 1.375 = 3.625
    assert p.data == pytest.approx(0.75 - 0.3625, rel=1e-14)
    q = param(1.0, 2.0)
    nesterov = SGD([q], lr=0.1, momentum=0.9, weight_decay=0.5, nesterov=True)
    nesterov.step()  # g = 2.5 = buf; g + 0.9 * buf = 4.75
    assert q.data == pytest.approx(1.0 - 0.475, rel=1e-15)
    q.grad = 1.0
    nesterov.step()  # g = 1 + 0.5 * 0.525 = 1.2625; buf = 2.25 + 1.2625; g + 0.9 * buf
    assert q.data == pytest.approx(0.525 - 0.1 * (1.2625 + 0.9 * 3.5125), rel=1e-14)


def test_adam_leaves_a_parameter_with_zero_gradient_in_place():
    p, q = param(0.5, 0.0), param(-1.0, 0.0)
    opt = Adam([p, q], lr=0.1)
    opt.step()  # m = v = 0: the update 0 / (0 + eps) is 0, not a division by zero
    assert (p.data, q.data) == (0.5, -1.0)
    p.grad = 1.0
    opt.step()
    assert p.data < 0.5 and q.data == -1.0


def test_adam_defaults_are_pytorchs():
    opt = Adam([param(1.0, 0.0)])
    assert (opt.lr, opt.betas, opt.eps, opt.weight_decay) == (1e-3, (0.9, 0.999), 1e-8, 0.0)


def test_adam_two_steps_by_hand():
    b1, b2, eps, lr, wd = 0.9, 0.999, 1e-8, 0.01, 0.1
    p = param(1.5, 0.4)
    opt = Adam([p], lr=lr, weight_decay=wd)
    data, m, v = 1.5, 0.0, 0.0
    for t, grad in enumerate([0.4, -0.7], start=1):
        p.grad = grad
        opt.step()
        g = grad + wd * data
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
        data -= lr * m_hat / (math.sqrt(v_hat) + eps)
        assert p.data == pytest.approx(data, rel=1e-13)


def test_zero_grad_and_lr_schedule():
    ps = [param(1.0, 3.0), param(2.0, -1.0)]
    opt = SGD(ps, lr=1.0)
    opt.lr = 0.5  # micrograd's demo decays the learning rate by hand
    opt.step()
    assert [p.data for p in ps] == [-0.5, 2.5]
    opt.zero_grad()
    assert [p.grad for p in ps] == [0.0, 0.0]
    with pytest.raises(ValueError, match=r"invalid learning rate: -1\.0"):
        opt.lr = -1.0


def test_optimisers_minimise_a_quadratic():
    for make in (lambda ps: SGD(ps, lr=0.1, momentum=0.5), lambda ps: Adam(ps, lr=0.1)):
        x, y = Value(3.0), Value(-2.0)
        opt = make([x, y])
        for _ in range(300):
            opt.zero_grad()
            loss = (x - 1.0) ** 2 + (y + 0.5) ** 2 * 3.0
            loss.backward()
            opt.step()
        assert (x.data, y.data) == pytest.approx((1.0, -0.5), abs=1e-3)


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("SGD", {"lr": 0.1}),
        ("SGD", {"lr": 0.05, "momentum": 0.9}),
        ("SGD", {"lr": 0.05, "momentum": 0.8, "weight_decay": 0.01, "nesterov": True}),
        ("Adam", {"lr": 0.01}),
        ("Adam", {"lr": 0.02, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.05}),
    ],
)
def test_against_torch_optim(name, kwargs):
    torch = pytest.importorskip("torch")
    rng = random.Random(1)
    start = [rng.uniform(-1, 1) for _ in range(5)]
    grads = [[rng.uniform(-2, 2) for _ in range(5)] for _ in range(6)]
    ours = [Value(x) for x in start]
    theirs = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in start]
    our_opt = {"SGD": SGD, "Adam": Adam}[name](ours, **kwargs)
    torch_opt = getattr(torch.optim, name)(theirs, **kwargs)
    for step_grads in grads:
        for p, q, g in zip(ours, theirs, step_grads):
            p.grad = g
            q.grad = torch.tensor(g, dtype=torch.float64)
        our_opt.step()
        torch_opt.step()
        assert [p.data for p in ours] == pytest.approx(
            [q.item() for q in theirs], rel=1e-12, abs=1e-15
        )


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda p: SGD(p, lr=-0.1), ValueError, "invalid learning rate: -0.1"),
        (lambda p: SGD(p, lr=0.1, momentum=-0.5), ValueError, "invalid momentum"),
        (
            lambda p: SGD(p, lr=0.1, weight_decay=-1),
            ValueError,
            r"^invalid weight_decay: -1\.0 \(must be a finite number >= 0\)$",
        ),
        (lambda p: Adam(p, betas=(1.0, 0.999)), ValueError, r"^invalid beta1: 1\.0 \(must be"),
        (
            lambda p: SGD(p, lr=0.1, nesterov=True),
            ValueError,
            "^nesterov momentum requires momentum > 0$",
        ),
        (lambda p: SGD(p, lr="0.1"), TypeError, "learning rate must be a real number"),
        (
            lambda p: Adam(p, betas=(0.9, 1.0)),
            ValueError,
            r"invalid beta2: 1.0 \(must be a finite number in \[0.0, 1.0\)\)",
        ),
        (lambda p: Adam(p, betas=(0.9,)), ValueError, "invalid betas"),
        (lambda p: Adam(p, eps=-1e-8), ValueError, "invalid eps"),
        (lambda p: Adam(p, eps=0), ValueError, r"invalid eps: 0.0 \(must be a finite number > 0\)"),
        (lambda p: Adam(p, eps=math.inf), ValueError, "invalid eps: inf"),
        (lambda p: Adam(p, betas=(math.nan, 0.9)), ValueError, "invalid beta1: nan"),
        (lambda p: Adam(p, weight_decay=math.inf), ValueError, "invalid weight_decay: inf"),
        (
            lambda p: SGD(p, lr=math.inf),
            ValueError,
            r"invalid learning rate: inf \(must be a finite",
        ),
        (
            lambda p: SGD(p, lr=0.1, momentum=1.0),
            ValueError,
            r"invalid momentum: 1.0 .*\[0.0, 1.0\)",
        ),
        (lambda p: SGD(p, lr=0.1, momentum=1.5), ValueError, "invalid momentum: 1.5"),
        (lambda p: SGD(p, lr=0.1, momentum=math.inf), ValueError, "invalid momentum: inf"),
        (lambda p: SGD(p, lr=0.1, weight_decay=math.inf), ValueError, "invalid weight_decay: inf"),
        (lambda p: SGD(p, lr=0.1, weight_decay=math.nan), ValueError, "invalid weight_decay: nan"),
        (lambda p: Adam(p, lr=float("nan")), ValueError, "invalid learning rate: nan"),
        (lambda p: SGD([], lr=0.1), ValueError, "^optimizer got an empty parameter list$"),
        (lambda p: SGD([1.0], lr=0.1), TypeError, r"params\[0\] is float, expected a Value"),
        (
            lambda p: SGD(p[0], lr=0.1),
            TypeError,
            r"^params must be a list of Values \(e\.g\. model\.parameters\(\)\), got a Value$",
        ),
    ],
)
def test_hyperparameter_validation(make, error, match):
    with pytest.raises(error, match=match):
        make([Value(1.0)])
