"""Depth and width guard: 100,000-deep and 100,000-wide expressions on the default recursion limit.

Nothing here raises the recursion limit: every walk in symdiff (parse, print,
evaluate, size, free_vars, diff, gradient, lambdify) must be iterative. Each big expression is built once
per module, by a fixture.
"""

from __future__ import annotations

import math
import sys

import numpy as np
import pytest

from symdiff.compile import lambdify
from symdiff.diff import diff, gradient
from symdiff.errors import LimitError
from symdiff.evaluate import evaluate
from symdiff.nodes import Var, add, mul
from symdiff.parse import parse
from symdiff.printing import latex
from symdiff.walk import free_vars, size

# The point of this file: a recursive walk anywhere would blow this limit.
assert sys.getrecursionlimit() <= 1000, sys.getrecursionlimit()

N = 100_000
x = Var("x")


def _check_round_trip(e, text):
    """``parse(text) is e`` for hand-written ``text``; and ``parse(str(e)) is e``."""
    assert parse(text) is e
    printed = str(e)
    if printed != text:  # same text: already read back above
        assert parse(printed) is e


# -- sin(sin(...sin(x)...)) -----------------------------------------------------------


def test_nested_sin_parses_from_text_and_round_trips(nested_sin):
    _check_round_trip(nested_sin, "sin(" * N + "x" + ")" * N)


def test_nested_sin_prints(nested_sin):
    tex = latex(nested_sin)
    assert tex.count(r"\sin") == N and tex.endswith(r"\right)")
    text = repr(nested_sin)
    assert text.startswith("Call('sin', Call('sin', ") and text.count("Call('sin'") == N


def test_nested_sin_evaluates(nested_sin):
    expected = 0.5
    for _ in range(N):
        expected = math.sin(expected)
    assert evaluate(nested_sin, {"x": 0.5}) == pytest.approx(expected, rel=1e-12)

    points = np.array([-2.0, 0.5, 3.0])
    expected_array = points.copy()
    for _ in range(N):
        expected_array = np.sin(expected_array)
    np.testing.assert_allclose(evaluate(nested_sin, {"x": points}), expected_array, rtol=1e-12)


def test_nested_sin_counts(nested_sin):
    assert size(nested_sin) == N + 1  # x and N calls
    assert size(nested_sin, tree=True) == N + 1  # a chain: nothing shared
    assert free_vars(nested_sin) == ("x",)


def test_nested_sin_differentiates(nested_sin):
    d = diff(nested_sin, x)
    assert gradient(nested_sin, [x])[0] is d
    assert size(d) == 2 * N + 1  # one product of N cosines of x, sin(x), ..., and the product
    expected, inner = 1.0, 0.5
    for _ in range(N):
        expected *= math.cos(inner)
        inner = math.sin(inner)
    assert evaluate(d, {"x": 0.5}) == pytest.approx(expected, rel=1e-9)
    assert lambdify([x], d)(0.5) == pytest.approx(expected, rel=1e-9)


# -- ((x - 1)^2 - 1)^2 ... ------------------------------------------------------------
# The ((x+1)^2+1)^2 shape with -1: that map sends every start to infinity, while
# v -> (v - 1)^2 stays in [0, 1] from x = 0.5 (it settles on the cycle 0, 1), so
# evaluation can be checked against a number.


@pytest.fixture(scope="module")
def nested_square():
    e = x
    for _ in range(N):
        e = (e - 1) ** 2
    return e


def test_nested_square_parses_from_text_and_round_trips(nested_square):
    _check_round_trip(nested_square, "(" * N + "x" + " - 1)^2" * N)


def test_nested_square_prints(nested_square):
    assert latex(nested_square).count("^{2}") == N
    text = repr(nested_square)
    assert text.startswith("Pow(Add(Const(-1), Pow(") and text.count("Pow(") == N


def test_nested_square_evaluates(nested_square):
    for start in (0.5, 1.5, 2.0):
        expected = start
        for _ in range(N):
            expected = (expected - 1.0) ** 2
        assert evaluate(nested_square, {"x": start}) == pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_nested_square_counts(nested_square):
    # distinct: x, the constants -1 and 2, and an Add and a Pow per level
    assert size(nested_square) == 2 * N + 3
    # as a tree each level adds Pow, Add, Const(-1), Const(2)
    assert size(nested_square, tree=True) == 4 * N + 1
    assert free_vars(nested_square) == ("x",)


def test_nested_square_derivative_hits_the_constant_bound(nested_square):
    # d/dx is a product of N factors 2*(u - 1): its exact coefficient 2^N is refused, quickly
    with pytest.raises(LimitError, match="an exact constant of 100001 bits is over the limit of 14000 bits"):
        diff(nested_square, x)


def test_nested_half_square_differentiates():
    # u -> (u - 1)^2/2 + 3/2 has a neutral fixed point at 2: from 1.9 the slope
    # prod(u - 1) shrinks slowly (about (20/N)^2), so it stays a number to compare
    e = x
    for _ in range(N):
        e = (e - 1) ** 2 / 2 + 1.5
    d = diff(e, x)
    assert gradient(e, [x])[0] is d
    value, slope = 1.9, 1.0
    for _ in range(N):
        value, slope = (value - 1) ** 2 / 2 + 1.5, slope * (value - 1)
    assert 1e-9 < slope < 1e-6
    assert evaluate(d, {"x": 1.9}) == pytest.approx(slope, rel=1e-9)
    assert lambdify([x], d)(1.9) == pytest.approx(slope, rel=1e-9)


def test_gradient_of_a_chain_through_sums_and_products():
    # e = (..((x*x + y) + 1)*y ..): every adjoint flows both to a variable and further
    # down; each is built once (building it again per use was quadratic: 400 s here)
    y = Var("y")
    e = x
    for k in range(N):
        e = e * x + y if k % 2 == 0 else (e + 1) * y
    gx, gy = gradient(e, [x, y])
    at = {"x": 0.999, "y": 1.0005}
    assert evaluate(gx, at) == pytest.approx(evaluate(diff(e, x), at), rel=1e-9)
    assert evaluate(gy, at) == pytest.approx(evaluate(diff(e, y), at), rel=1e-9)


# -- w0^2 + w1^2 + ... (100,000 terms) --------------------------------------------------

NAMES = [f"w{i}" for i in range(N)]


@pytest.fixture(scope="module")
def values():
    rng = np.random.default_rng(20261122)
    return {name: float(v) for name, v in zip(NAMES, rng.uniform(-0.01, 0.01, size=N), strict=True)}


@pytest.fixture(scope="module")
def wide_sum():
    return add(*[Var(name) ** 2 for name in NAMES])


def test_wide_sum_round_trips(wide_sum):
    assert len(wide_sum.args) == N
    assert parse(str(wide_sum)) is wide_sum


def test_wide_sum_prints(wide_sum):
    assert latex(wide_sum).count("^{2}") == N
    text = repr(wide_sum)
    assert text.startswith("Add(Pow(Var(") and text.count("Pow(") == N


def test_wide_sum_evaluates(wide_sum, values):
    expected = 0.0
    for name in NAMES:
        expected += values[name] ** 2
    assert evaluate(wide_sum, values) == pytest.approx(expected, rel=1e-9)


def test_wide_sum_counts(wide_sum):
    assert size(wide_sum) == 2 * N + 2  # N variables, Const(2), N powers, the sum
    assert size(wide_sum, tree=True) == 3 * N + 1  # Const(2) once per power
    assert free_vars(wide_sum) == tuple(sorted(NAMES))


# -- (w0 + 1)*(w1 + 1)*... (100,000 factors) ---------------------------------------------


@pytest.fixture(scope="module")
def wide_product():
    return mul(*[Var(name) + 1 for name in NAMES])


def test_wide_product_round_trips(wide_product):
    assert len(wide_product.args) == N
    assert parse(str(wide_product)) is wide_product


def test_wide_product_prints(wide_product):
    assert latex(wide_product).count("+ 1") == N
    text = repr(wide_product)
    assert text.startswith("Mul(Add(Const(1), Var(") and text.count("Add(") == N


def test_wide_product_evaluates(wide_product, values):
    expected = 1.0
    for name in NAMES:
        expected *= 1.0 + values[name]
    assert evaluate(wide_product, values) == pytest.approx(expected, rel=1e-9)


def test_wide_product_counts(wide_product):
    assert size(wide_product) == 2 * N + 2  # N variables, Const(1), N sums, the product
    assert size(wide_product, tree=True) == 3 * N + 1
    assert free_vars(wide_product) == tuple(sorted(NAMES))
