"""datasets: geometry of the noiseless shapes, class balance, noise level, seeds, errors."""

import itertools
import math
import random
import statistics

import pytest

from micrograd_cn.datasets import make_circles, make_moons, make_spiral


def test_noiseless_moons_lie_on_their_semicircles():
    X, y = make_moons(101, noise=0.0, seed=0)
    assert (y.count(0), y.count(1)) == (50, 51)  # scikit-learn: n // 2 outer, the rest inner
    for (x1, x2), label in zip(X, y):
        if label == 0:  # upper unit semicircle centred at (0, 0)
            assert math.hypot(x1, x2) == pytest.approx(1.0, abs=1e-12)
            assert x2 >= -1e-12
        else:  # lower unit semicircle centred at (1, 0.5)
            assert math.hypot(x1 - 1.0, x2 - 0.5) == pytest.approx(1.0, abs=1e-12)
            assert x2 <= 0.5 + 1e-12
    outer = sorted(x1 for (x1, _), label in zip(X, y) if label == 0)
    assert outer[0] == pytest.approx(-1.0) and outer[-1] == pytest.approx(1.0)  # t spans [0, π]


def test_noiseless_circles_radii_and_even_angles():
    X, y = make_circles(40, noise=0.0, factor=0.3, shuffle=False)
    assert y == [0] * 20 + [1] * 20
    radii = [math.hypot(*p) for p in X]
    assert radii[:20] == pytest.approx([1.0] * 20, abs=1e-12)
    assert radii[20:] == pytest.approx([0.3] * 20, abs=1e-12)
    angles = [math.atan2(p[1], p[0]) % (2 * math.pi) for p in X[:20]]
    gaps = [b - a for a, b in itertools.pairwise(angles)]
    assert gaps == pytest.approx([2 * math.pi / 20] * 19, abs=1e-12)


def test_noiseless_spiral_arms():
    k = 4
    X, y = make_spiral(80, n_classes=k, noise=0.0, seed=0)
    assert [y.count(c) for c in range(k)] == [20] * k
    for (x1, x2), label in zip(X, y):
        r = math.hypot(x1, x2)
        assert r <= 1.0 + 1e-12
        theta = 2 * math.pi * label / k + 4.0 * r  # arm `label`: angle grows with the radius
        assert (x1, x2) == pytest.approx((r * math.sin(theta), r * math.cos(theta)), abs=1e-12)
    radii = sorted(math.hypot(*p) for p, label in zip(X, y) if label == 0)
    assert radii[0] == 0.0 and radii[-1] == pytest.approx(1.0)
    _, uneven = make_spiral(10, n_classes=3, seed=0)
    assert [uneven.count(c) for c in range(3)] == [4, 3, 3]


def test_noise_is_gaussian_with_the_given_spread():
    clean, _ = make_circles(2000, noise=0.0, shuffle=False)
    noisy, _ = make_circles(2000, noise=0.1, seed=3, shuffle=False)
    dx = [a[0] - b[0] for a, b in zip(noisy, clean)]
    assert statistics.pstdev(dx) == pytest.approx(0.1, rel=0.08)
    assert abs(statistics.fmean(dx)) < 0.01


def test_seed_reproducible_shuffled_and_typed():
    for make in (make_moons, make_circles, make_spiral):
        a, b = make(60, seed=5), make(60, seed=5)
        assert a == b
        assert make(60, seed=6) != a
        X, y = a
        assert len(X) == len(y) == 60
        assert all(isinstance(p, list) and len(p) == 2 for p in X)
        assert all(isinstance(v, float) for p in X for v in p)
        assert all(isinstance(label, int) for label in y)
        assert y != sorted(y)  # shuffled by default, like scikit-learn


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: make_moons(1), ValueError, "n_samples must be >= 2, got 1"),
        (lambda: make_moons(10.0), TypeError, "n_samples must be an int, got float"),
        (lambda: make_moons(10, noise=-0.1), ValueError, "noise must be a finite number >= 0"),
        (lambda: make_moons(10, noise=math.inf), ValueError, "noise must be .*, got inf"),
        (lambda: make_circles(10, noise=math.nan), ValueError, "noise must be .*, got nan"),
        (lambda: make_spiral(10, noise=math.inf), ValueError, "noise must be .*, got inf"),
        (lambda: make_spiral(10, noise=-1e-9), ValueError, "noise must be .*, got -1e-09"),
        (lambda: make_circles(1), ValueError, "n_samples must be >= 2, got 1"),
        (lambda: make_spiral(0), ValueError, "n_samples must be >= 1, got 0"),
        (lambda: make_spiral(-5), ValueError, "n_samples must be >= 1, got -5"),
        (lambda: make_moons(True), TypeError, "n_samples must be an int, got bool"),
        (lambda: make_spiral(10, n_classes=2.0), TypeError, "n_classes must be an int, got float"),
        (lambda: make_circles(10, factor=math.nan), ValueError, r"factor must be in .*, got nan"),
        (lambda: make_circles(10, factor=-0.1), ValueError, r"factor must be in .*, got -0.1"),
        (lambda: make_circles(10, factor=1.0), ValueError, r"factor must be in \[0, 1\)"),
        (
            lambda: make_spiral(2, n_classes=3),
            ValueError,
            r"n_samples \(2\) must be >= n_classes \(3\)",
        ),
        (lambda: make_spiral(10, n_classes=0), ValueError, "n_classes must be >= 1"),
        (lambda: make_moons(10, noise="0.1"), TypeError, "noise must be a real number"),
    ],
)
def test_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_defaults_are_the_documented_ones():
    """kills datasets.make_spiral__mutmut_1-3 (defaults 100 samples, 3 classes, noise 0.2)."""
    assert make_spiral(seed=4) == make_spiral(100, n_classes=3, noise=0.2, seed=4, shuffle=True)
    assert make_moons(seed=4) == make_moons(100, noise=0.1, seed=4, shuffle=True)
    assert make_circles(seed=4) == make_circles(100, noise=0.05, factor=0.5, seed=4, shuffle=True)
    _, y = make_spiral(seed=4)
    assert [y.count(c) for c in range(3)] == [34, 33, 33]


def test_spiral_with_one_sample_per_class():
    """kills datasets.make_spiral__mutmut_19 (n_samples == n_classes is allowed): each arm is
    its starting point, the origin."""
    X, y = make_spiral(3, n_classes=3, noise=0.0, shuffle=False)
    assert X == [[0.0, 0.0]] * 3 and y == [0, 1, 2]


def test_spiral_noise_is_added_to_the_angle():
    """kills datasets.make_spiral__mutmut_50 (noise subtracted): with shuffle=False, the angle of
    point i is 2πk/K + 4r plus the i-th draw of random.Random(seed).gauss(0, noise)."""
    import random

    noise, seed = 0.3, 7
    X, y = make_spiral(8, n_classes=2, noise=noise, seed=seed, shuffle=False)
    rng = random.Random(seed)
    draws = [rng.gauss(0.0, noise) for _ in X]
    for (x1, x2), label, draw, r in zip(X, y, draws, [0, 1 / 3, 2 / 3, 1] * 2):
        theta = 2 * math.pi * label / 2 + 4.0 * r + draw
        assert (x1, x2) == pytest.approx((r * math.sin(theta), r * math.cos(theta)), abs=1e-12)


def flat(points):
    return [c for p in points for c in p]


def test_smallest_and_exact_noiseless_points():
    """kills datasets._check_count__mutmut_6 (`n < minimum` -> `<=`: 2 samples rejected),
    make_moons__mutmut_44 (inner t starts at 1.0), make_circles__mutmut_26 (factor 0 rejected),
    make_circles__mutmut_62 (inner angles include the endpoint 2π)."""
    X, y = make_moons(2, noise=0.0, shuffle=False)  # t = 0 on each semicircle
    assert flat(X) == pytest.approx(flat([[1.0, 0.0], [0.0, 0.5]]), abs=1e-12) and y == [0, 1]
    X, y = make_spiral(1, n_classes=1, noise=0.0)  # one arm, one point at r = 0
    assert flat(X) == pytest.approx(flat([[0.0, 0.0]]), abs=1e-12) and y == [0]
    X, _ = make_moons(6, noise=0.0, shuffle=False)  # inner t = 0, π/2, π
    assert flat(X[3:]) == pytest.approx(flat([[0.0, 0.5], [1.0, -0.5], [2.0, 0.5]]), abs=1e-12)
    X, y = make_circles(4, noise=0.0, factor=0.0, shuffle=False)  # angles 0, π; inner at (0, 0)
    assert flat(X) == pytest.approx(
        flat([[1.0, 0.0], [-1.0, 0.0], [0.0, 0.0], [0.0, 0.0]]), abs=1e-12
    )
    assert y == [0, 0, 1, 1]
    X, _ = make_circles(6, noise=0.0, factor=0.5, shuffle=False)  # angles 0, 2π/3, 4π/3
    h = 0.5 * math.sqrt(3) / 2
    assert flat(X[3:]) == pytest.approx(flat([[0.5, 0.0], [-0.25, h], [-0.25, -h]]), abs=1e-12)


def test_factor_of_the_wrong_type_is_named():
    """kills datasets.make_circles__mutmut_19/21/22/23: the name "factor" in as_real's message."""
    with pytest.raises(TypeError) as info:
        make_circles(10, factor="0.5")
    assert str(info.value) == "factor must be a real number (int or float), got str"


@pytest.mark.parametrize("make", [make_moons, make_circles])
def test_noise_is_added_to_each_coordinate_in_the_seed_s_order(make):
    """Noisy point = noiseless point + N(0, noise²) per coordinate, drawn from
    ``random.Random(seed)`` for x1 then x2 of each point in turn (as scikit-learn adds its
    noise): the same seed gives the same data set.

    kills datasets.x__finish__mutmut_2/8 (the noise subtracted from x1 or from x2)."""
    clean, labels = make(6, noise=0.0, shuffle=False)
    noisy, noisy_labels = make(6, noise=0.1, seed=3, shuffle=False)
    rng = random.Random(3)
    expected = [[x1 + rng.gauss(0.0, 0.1), x2 + rng.gauss(0.0, 0.1)] for x1, x2 in clean]
    assert (noisy, noisy_labels) == (expected, labels)
