"""Numeric reverse mode: forward_backward and backprop against evaluate, gradient and finite differences."""

from __future__ import annotations

import math
import sys

import numpy as np
import pytest
from strategies import SMOOTH

from symdiff.autodiff import backprop, forward_backward, values
from symdiff.diff import gradient
from symdiff.errors import EvaluationError
from symdiff.evaluate import evaluate
from symdiff.functions import sin
from symdiff.nodes import Const, Var, symbols
from symdiff.parse import parse
from symdiff.walk import free_vars, postorder

x, y, z = symbols("x y z")

POINT = {"x": 0.7, "y": 1.3, "z": -0.4, "w": -0.9, "b": 0.25}


def test_karpathy_circuit():
    e = (x + y) * z
    vals, grads = forward_backward(e, {"x": -2, "y": 5, "z": -4})
    assert vals == {z: -4.0, x: -2.0, y: 5.0, x + y: 3.0, e: -12.0}
    assert grads == {z: 3.0, x: -4.0, y: -4.0, x + y: -4.0, e: 1.0}


@pytest.mark.parametrize("text", SMOOTH)
def test_values_match_evaluate(text):
    e = parse(text)
    vals, grads = forward_backward(e, POINT)
    assert set(vals) == set(grads) == set(postorder(e))
    for node, value in vals.items():
        assert value == pytest.approx(evaluate(node, POINT), rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("text", SMOOTH)
def test_adjoints_match_symbolic_gradient(text):
    e = parse(text)
    names = free_vars(e)
    expected = [evaluate(g, POINT) for g in gradient(e, names)]
    got = backprop(e, POINT)
    assert list(got) == list(names)
    assert [got[n] for n in names] == pytest.approx(expected, rel=1e-10, abs=1e-12)


@pytest.mark.parametrize("text", SMOOTH)
def test_agrees_with_finite_differences(text):
    e = parse(text)
    got = backprop(e, POINT)
    h = 1e-6
    for name in got:
        up = evaluate(e, {**POINT, name: POINT[name] + h})
        down = evaluate(e, {**POINT, name: POINT[name] - h})
        assert got[name] == pytest.approx((up - down) / (2 * h), rel=1e-5, abs=1e-6)


def test_backprop_has_every_variable_with_zero_for_no_influence():
    e = parse("relu(x) + y*step(z)")
    assert backprop(e, {"x": -1, "y": 3, "z": -2, "unused": 9}) == {"x": 0.0, "y": 0.0, "z": 0.0}
    assert backprop(e, {"x": 2, "y": 3, "z": 1}) == {"x": 1.0, "y": 1.0, "z": 0.0}
    assert backprop(parse("2 + 3"), {}) == {}


def test_backprop_accepts_text_and_var_keys():
    assert backprop("x*y", {x: 2, "y": 5}) == {"x": 5.0, "y": 2.0}


def test_kinks_follow_the_registry():
    assert backprop(parse("relu(x)"), {"x": 0}) == {"x": 0.0}
    assert backprop(parse("abs(x)"), {"x": 0}) == {"x": 0.0}
    assert backprop(parse("max(x, y)"), {"x": 1, "y": 1}) == {"x": 1.0, "y": 0.0}
    assert backprop(parse("min(x, y)"), {"x": 1, "y": 1}) == {"x": 1.0, "y": 0.0}
    # 0^y: slope 0 in the exponent, as in JAX; and 2*0^1 = 0 in the base
    assert backprop(parse("x^y"), {"x": 0, "y": 2}) == {"x": 0.0, "y": 0.0}


def test_constant_exponent_of_a_negative_base_is_fine():
    _, grads = forward_backward(x**2, {"x": -3})
    assert grads[x] == -6.0
    assert math.isnan(grads[Const(2)])  # the exponent's own slope needs log(-3): undefined, but nothing varies it


@pytest.mark.parametrize(
    ("text", "at"),
    [
        ("log(x)", {"x": -1}),
        ("sqrt(x)", {"x": 0}),
        ("x^(1/2)", {"x": 0}),
        ("1/x", {"x": 0}),
        ("x^y", {"x": -2, "y": 2}),
    ],
)
def test_undefined_slopes_raise(text, at):
    with pytest.raises(EvaluationError):
        backprop(parse(text), at)


def test_missing_variable_and_arrays_raise():
    with pytest.raises(EvaluationError, match="'y'"):
        forward_backward(x * y, {"x": 1})
    with pytest.raises(
        EvaluationError,
        match=r"^backpropagation needs one number, but the expression gives 2 values, one per sample; "
        r"reduce them with mean\(\.\.\.\) or sum\(\.\.\.\)$",
    ):
        backprop(x * y, {"x": np.array([1.0, 2.0]), "y": 1})


def test_values_of_every_node():
    assert values(sin(x) + 1, {"x": 0}) == {x: 0.0, sin(x): 0.0, sin(x) + 1: 1.0, Const(1): 1.0}


def test_depth_100000_chain():
    assert sys.getrecursionlimit() <= 1000
    n = 100_000
    e = Var("x")
    for _ in range(n):
        e = sin(e)
    point = 0.3
    vals, grads = forward_backward(e, {"x": point})
    # d sin^n(x)/dx = product of cos(sin^k(x)) for k = 0 .. n-1
    expected = 1.0
    v = point
    for _ in range(n):
        expected *= math.cos(v)
        v = math.sin(v)
    assert vals[e] == pytest.approx(v, rel=1e-12)
    assert grads[x] == pytest.approx(expected, rel=1e-9)
    assert len(vals) == n + 1


def test_deep_sum_and_product_chain():
    n = 100_000
    e = Var("x")
    for _ in range(n):
        e = sin(e) + y
    got = backprop(e, {"x": 0.1, "y": 0.001})
    assert set(got) == {"x", "y"}
    assert math.isfinite(got["x"]) and math.isfinite(got["y"])
