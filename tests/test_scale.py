"""Every public operation on depth-100,000 and 100,000-term expressions, on the default recursion limit.

tests/test_deep.py covers parse, str, latex, repr, evaluate, size, free_vars, diff,
gradient and lambdify on the same shapes; this file adds the rest: simplify, hessian,
jacobian, backprop, forward_derivative, numeric_gradient, check_gradient, to_dot and
to_sympy(evaluate=False). Each big expression is built once per module.
"""

from __future__ import annotations

import math
import sys

import numpy as np
import pytest

import symdiff
from symdiff import (
    RenderError,
    backprop,
    check_gradient,
    diff,
    evaluate,
    forward_derivative,
    gradient,
    hessian,
    lambdify,
    numeric_gradient,
    simplify,
    to_dot,
)
from symdiff.nodes import Var, add

assert sys.getrecursionlimit() <= 1000, sys.getrecursionlimit()

N = 100_000
x, y = Var("x"), Var("y")
NAMES = [f"w{i}" for i in range(N)]


@pytest.fixture(scope="module")
def wide_sum():
    return add(*[Var(n) ** 2 for n in NAMES])


@pytest.fixture(scope="module")
def point():
    rng = np.random.default_rng(20261122)
    return {n: float(v) for n, v in zip(NAMES, rng.uniform(-0.01, 0.01, size=N), strict=True)}


def _nested_sin_slope(at: float) -> float:
    slope, inner = 1.0, at
    for _ in range(N):
        slope *= math.cos(inner)
        inner = math.sin(inner)
    return slope


def test_nested_sin_simplifies(nested_sin):
    assert simplify(nested_sin) is nested_sin  # nothing to do, and no recursion finding that out


def test_nested_sin_backprop_and_forward_mode(nested_sin):
    expected = _nested_sin_slope(0.5)
    assert backprop(nested_sin, {"x": 0.5})["x"] == pytest.approx(expected, rel=1e-9)
    assert forward_derivative(nested_sin, {"x": 0.5}, "x") == pytest.approx(expected, rel=1e-9)
    assert numeric_gradient(nested_sin, {"x": 0.5})["x"] == pytest.approx(expected, rel=1e-4)
    assert check_gradient(nested_sin, {"x": 0.5}).ok


def test_nested_sin_draws(nested_sin):
    with pytest.raises(RenderError, match=r"the graph has 100,001 nodes, over the drawing limit of 500"):
        to_dot(nested_sin)
    graph = to_dot(nested_sin, max_nodes=N + 1)
    assert graph.source.count("->") == N


def test_nested_sin_to_sympy_unevaluated(nested_sin):
    sympy = pytest.importorskip("sympy")
    s = symdiff.to_sympy(nested_sin, evaluate=False)
    assert s.func is sympy.sin and s.args[0].func is sympy.sin  # (SymPy's own free_symbols recurses)


def test_wide_sum_every_operation(wide_sum, point):
    expected = {n: 2 * v for n, v in point.items()}
    reverse = backprop(wide_sum, point)
    assert len(reverse) == N and reverse["w17"] == pytest.approx(expected["w17"])
    grads = gradient(wide_sum, NAMES[:3])
    assert [str(g) for g in grads] == ["2*w0", "2*w1", "2*w2"]
    assert forward_derivative(wide_sum, point, "w99999") == pytest.approx(expected["w99999"])
    assert simplify(wide_sum) is wide_sum
    assert diff(wide_sum, "w5", 2) == symdiff.Const(2)
    h = hessian(wide_sum, NAMES[:2])
    assert [[str(v) for v in row] for row in h] == [["2", "0"], ["0", "2"]]
    with pytest.raises(RenderError, match="over the drawing limit of 500"):
        to_dot(wide_sum)
    assert to_dot(wide_sum, max_nodes=3 * N).source.count("->") == 3 * N
    f = lambdify(NAMES, wide_sum)
    assert f(*point.values()) == pytest.approx(evaluate(wide_sum, point), rel=1e-12)


def test_wide_sum_numeric_gradient_of_a_few(wide_sum, point):
    few = numeric_gradient(wide_sum, point, vars=["w0", "w1"])
    assert few["w0"] == pytest.approx(2 * point["w0"], abs=1e-6)


def test_wide_sum_to_sympy_unevaluated(wide_sum):
    sympy = pytest.importorskip("sympy")
    s = symdiff.to_sympy(wide_sum, evaluate=False)
    assert s.func is sympy.Add and len(s.args) == N
