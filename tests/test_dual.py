"""Dual numbers and forward mode: arithmetic, the registry rules, forward_derivative and jvp."""

from __future__ import annotations

import math

import numpy as np
import pytest
from strategies import SMOOTH

import symdiff
from symdiff.autodiff import backprop
from symdiff.diff import diff
from symdiff.dual import Dual, apply_function, forward_derivative, jvp
from symdiff.errors import DifferentiationError, EvaluationError
from symdiff.evaluate import evaluate
from symdiff.functions import REGISTRY, FunctionSpec
from symdiff.functions import mean as mean_
from symdiff.functions import sum as sum_
from symdiff.nodes import Var, symbols

x, y = symbols("x y")

# -- the Dual type -------------------------------------------------------------


def test_required_facts():
    assert str(Dual(3, 4) + 3) == "6 + 4ε"
    assert Dual(3, 4) * Dual(5, 7) == Dual(15, 41)


def test_printing():
    assert repr(Dual(6.0, 4.0)) == "Dual(6.0, 4.0)"
    assert repr(Dual(6, 4)) == "Dual(6.0, 4.0)"
    assert str(Dual(6, 4)) == "6 + 4ε"
    assert str(Dual(1.5, -2)) == "1.5 - 2ε"
    assert str(Dual(-1, 0)) == "-1 + 0ε"
    assert str(Dual(0.25)) == "0.25 + 0ε"
    assert str(Dual(np.array([1.0, 2.0]), np.array([0.5, -1.0]))) == "[1., 2.] + [ 0.5, -1. ]ε"


def test_values_become_floats():
    d = Dual(3, np.int64(2))
    assert type(d.value) is float and type(d.eps) is float
    a = Dual(np.array([1, 2]), 1)
    assert a.value.dtype == float and type(a.eps) is float
    assert Dual(np.array(2.5)).value == 2.5 and type(Dual(np.array(2.5)).value) is float
    with pytest.raises(EvaluationError, match="the value of a Dual must be a real number or array, got str"):
        Dual("1")
    with pytest.raises(EvaluationError, match="the eps of a Dual must be a real number or array, got complex"):
        Dual(1, 1j)


def test_equality_and_hash():
    assert Dual(2, 0) == 2
    assert 2 == Dual(2, 0)
    assert Dual(2, 1) != 2
    assert Dual(2, 1) != Dual(2, 1.5)
    assert Dual(2, 1) != "2"
    assert Dual(np.array([1.0, 2.0]), 1.0) == Dual(np.array([1.0, 2.0]), np.ones(2))
    assert Dual(np.array([1.0, 2.0])) != Dual(np.array([1.0, 2.0, 3.0]))
    with pytest.raises(TypeError):
        hash(Dual(1, 1))


def test_arithmetic_with_numbers_on_both_sides():
    d = Dual(3, 4)
    assert d + 2 == Dual(5, 4) and 2 + d == Dual(5, 4)
    assert d - 2 == Dual(1, 4) and 2 - d == Dual(-1, -4)
    assert d * 2 == Dual(6, 8) and 2 * d == Dual(6, 8)
    assert d / 2 == Dual(1.5, 2) and 6 / Dual(3, 1) == Dual(2, -2 / 3)
    assert Dual(3, 4) / Dual(2, 1) == Dual(1.5, (4 * 2 - 3 * 1) / 4)
    assert -d == Dual(-3, -4) and +d == d
    assert d - d == Dual(0, 0)
    assert 2.5 * d == Dual(7.5, 10)
    assert np.float64(2) * d == Dual(6, 8)


def test_arrays_mix_with_duals():
    a = np.array([1.0, 2.0])
    assert a + Dual(1, 1) == Dual(np.array([2.0, 3.0]), 1.0)
    assert Dual(a, 1.0) * Dual(a, 1.0) == Dual(a * a, 2 * a)
    q = Dual(a, 1.0) / Dual(np.array([0.0, 2.0]), 0.0)  # NumPy: inf, silently
    assert q.value[0] == math.inf and q.value[1] == 1.0


def test_abs_uses_the_registry_rule():
    assert abs(Dual(-2, 1)) == Dual(2, -1)
    assert abs(Dual(3, 2)) == Dual(3, 2)
    assert abs(Dual(0, 1)) == Dual(0, 0)  # abs'(0) = sign(0) = 0


def test_pow_rules():
    assert Dual(3, 1) ** 2 == Dual(9, 6)
    assert Dual(2, 1) ** Dual(3, 1) == Dual(8, 12 + 8 * math.log(2))
    assert 2 ** Dual(3, 1) == Dual(8, 8 * math.log(2))
    assert Dual(-2, 1) ** 3 == Dual(-8, 12)  # negative base, integer power
    assert Dual(-2, 1) ** Dual(2, 0) == Dual(4, -4)  # the log term is skipped when db is 0
    assert Dual(0, 1) ** 2 == Dual(0, 0)
    assert Dual(0, 1) ** 1 == Dual(0, 1)
    assert Dual(0, 1) ** 0 == Dual(1, 0)
    assert 0 ** Dual(2, 1) == Dual(0, 0)  # 0^v has slope 0 in v, as JAX
    assert Dual(4, 0) ** Dual(0.5, 1) == Dual(2, 2 * math.log(4))
    assert Dual(9, 1) ** 0.5 == Dual(3, 0.5 / 3)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Dual(1, 1) / 0, "division by zero: 1 / 0"),
        (lambda: 1 / Dual(0, 1), "division by zero: 1 / 0"),
        (lambda: Dual(0, 1) ** -1, "division by zero: a Dual power at base 0 and exponent -1"),
        (lambda: 0 ** Dual(-2, 1), "division by zero: a Dual power at base 0 and exponent -2"),
        (lambda: Dual(-2, 1) ** 0.5, "a Dual power is not real: negative base -2.0 to the power 0.5"),
        (lambda: (-2) ** Dual(2, 1), "the slope of a Dual power in its exponent needs log of a negative base -2.0"),
        (lambda: Dual(0, 1) ** 0.5, "the slope of a Dual power is infinite at base 0 and exponent 0.5"),
        (lambda: Dual(10, 1) ** 400, "a Dual power overflows at base 10.0, exponent 400.0"),
        (lambda: Dual(1e300, 1) * 1e300, "a product overflows to infinity"),
        (lambda: Dual(1e308, 1) + Dual(1e308, 0), "a sum overflows to infinity"),
        (lambda: Dual(1, 1e308) / 1e-10, "a quotient overflows to infinity"),
        (lambda: symdiff.log(Dual(0, 1)), r"log is undefined at 0.0 \(log of a non-positive number\)"),
        (lambda: symdiff.sqrt(Dual(0, 1)), "the slope of sqrt is undefined at 0 "),
        (lambda: symdiff.exp(Dual(1000, 1)), "exp.* overflows"),
    ],
)
def test_scalar_errors(make, message):
    with pytest.raises(EvaluationError, match=message):
        make()


def test_unused_undefined_slope_is_never_evaluated():
    assert symdiff.sqrt(Dual(0, 0)) == Dual(0, 0)  # sqrt'(0) is undefined but not needed
    assert symdiff.max(Dual(1, 1), 2) == Dual(2, 0)


def test_arrays_follow_numpy():
    d = symdiff.log(Dual(np.array([0.0, 1.0, -1.0]), 1.0))
    assert d.value[0] == -math.inf and d.value[1] == 0.0 and math.isnan(d.value[2])
    assert d.eps[1] == 1.0 and d.eps[0] == math.inf
    p = Dual(np.array([-2.0, 4.0]), 1.0) ** 0.5
    assert math.isnan(p.value[0]) and p.value[1] == 2.0 and p.eps[1] == 0.25


# -- registry functions: forward mode agrees with diff -------------------------


def _points(spec: FunctionSpec) -> list[float]:
    lo, hi = spec.domain
    return [lo + (hi - lo) * t for t in (0.13, 0.5, 0.71, 0.94)]


UNARY = sorted(name for name, spec in REGISTRY.items() if spec.arity == 1 and not spec.reduction and spec.deriv)
BINARY = sorted(name for name, spec in REGISTRY.items() if spec.arity == 2 and spec.deriv)


@pytest.mark.parametrize("name", UNARY)
def test_unary_functions_agree_with_diff(name):
    spec = REGISTRY[name]
    slope = diff(spec(x), "x")
    for v in _points(spec):
        d = spec(Dual(v, 1))
        assert d.value == pytest.approx(evaluate(spec(x), {"x": v}), rel=1e-12)
        assert d.eps == pytest.approx(evaluate(slope, {"x": v}), rel=1e-12)
        assert spec(Dual(v, 2.5)).eps == pytest.approx(2.5 * evaluate(slope, {"x": v}), rel=1e-12)


@pytest.mark.parametrize("name", BINARY)
def test_binary_functions_agree_with_diff(name):
    spec = REGISTRY[name]
    dx, dy = diff(spec(x, y), "x"), diff(spec(x, y), "y")
    points = _points(spec)
    for a, b in [(points[0], points[2]), (points[2], points[0]), (points[1], points[1])]:
        at = {"x": a, "y": b}
        assert spec(Dual(a, 1), b).eps == pytest.approx(evaluate(dx, at), rel=1e-12)
        assert spec(a, Dual(b, 1)).eps == pytest.approx(evaluate(dy, at), rel=1e-12)
        both = spec(Dual(a, 1), Dual(b, 1)).eps
        assert both == pytest.approx(evaluate(dx, at) + evaluate(dy, at), rel=1e-12)


def test_kinks_follow_the_registry():
    assert symdiff.relu(Dual(0, 1)) == Dual(0, 0)
    assert symdiff.relu(Dual(2, 1)) == Dual(2, 1)
    assert symdiff.step(Dual(0, 1)) == Dual(0, 0)
    assert symdiff.max(Dual(1, 3), Dual(1, 5)) == Dual(1, 3)  # a tie goes to the first argument
    assert symdiff.min(Dual(1, 3), Dual(1, 5)) == Dual(1, 3)
    assert symdiff.sigmoid(Dual(0, 1)) == Dual(0.5, 0.25)


@pytest.mark.parametrize("spec", [sum_, mean_], ids=["sum", "mean"])
def test_reductions(spec):
    samples = np.array([1.0, 2.0, 4.0, 8.0])
    slope = diff(spec(x), "x")
    d = spec(Dual(samples, 1))
    assert d.value == evaluate(spec(x), {"x": samples})
    assert d.eps == evaluate(slope, {"x": samples})
    assert type(d.value) is float and type(d.eps) is float
    assert spec(Dual(3, 2)) == Dual(3, 2)  # a plain number is one sample
    assert spec(Dual(samples, samples)) == Dual(spec.numpy(samples), spec.numpy(samples))


def test_no_derivative_rule():
    floor = FunctionSpec("floor", 1, math.floor, np.floor, None, r"\lfloor{0}\rfloor", (-3.0, 3.0), None)
    assert apply_function(floor, (Dual(2.5, 0),)) == Dual(2, 0)
    with pytest.raises(DifferentiationError, match="function 'floor' has no derivative rule"):
        floor(Dual(2.5, 1))


def test_arity_is_checked():
    with pytest.raises(symdiff.ArityError, match="function 'sin' takes 1 argument, got 2"):
        apply_function(symdiff.sin, (Dual(1, 1), 2))


# -- forward_derivative ---------------------------------------------------------


def test_forward_derivative_basics():
    assert forward_derivative("x^2*y + y + 2", {"x": 3, "y": 4}, "x") == 24.0
    assert forward_derivative("x^2*y + y + 2", {"x": 3, "y": 4}, y) == 10.0
    assert forward_derivative((x + y) ** 2, {"x": 5, "y": -6}, "x") == -2.0
    assert forward_derivative("sigmoid(x)", {"x": 0}, "x") == 0.25
    assert forward_derivative("relu(x)", {"x": 0}, "x") == 0.0
    assert forward_derivative("x*y", {x: 2, y: 3}, " x ") == 3.0
    assert type(forward_derivative("x^2", {"x": 3}, "x")) is float


def test_wrt_that_does_not_occur():
    assert forward_derivative("x^2", {"x": 3}, "z") == 0.0
    assert forward_derivative("2", {}, "z") == 0.0
    zeros = forward_derivative("x^2", {"x": np.array([1.0, 2.0])}, "z")
    assert np.array_equal(zeros, [0.0, 0.0])


def test_forward_derivative_errors():
    with pytest.raises(EvaluationError, match="no value given for variable 'y'"):
        forward_derivative("x*y", {"x": 1}, "x")
    with pytest.raises(DifferentiationError, match="cannot differentiate with respect to an empty variable name"):
        forward_derivative("x", {"x": 1}, "")
    with pytest.raises(DifferentiationError, match="can only differentiate with respect to a variable, not x \\+ 1"):
        forward_derivative("x", {"x": 1}, x + 1)
    with pytest.raises(EvaluationError, match="division by zero"):
        forward_derivative("1/x", {"x": 0}, "x")
    with pytest.raises(EvaluationError, match="the slope of sqrt is undefined at 0"):
        forward_derivative("sqrt(x) + y", {"x": 0, "y": 1}, "x")
    assert forward_derivative("sqrt(x) + y", {"x": 0, "y": 1}, "y") == 1.0  # sqrt'(0) is not needed


@pytest.mark.parametrize("text", SMOOTH)
def test_agrees_with_backprop(text):
    at = {"x": 0.7, "y": 1.3, "z": -0.4, "w": 0.9, "b": 0.2}
    grads = backprop(text, at)
    for name in grads:
        assert forward_derivative(text, at, name) == pytest.approx(grads[name], rel=1e-12, abs=1e-15)


def test_arrays_give_elementwise_derivatives():
    xs = np.array([0.5, 1.0, 2.0])
    got = forward_derivative("sin(x)*x^2", {"x": xs}, "x")
    assert np.allclose(got, np.cos(xs) * xs**2 + 2 * xs * np.sin(xs), rtol=1e-14, atol=0)
    got = forward_derivative("w*x + 1", {"x": xs, "w": 3}, "w")
    assert np.array_equal(got, xs)
    assert np.array_equal(forward_derivative("w*x + w", {"x": xs, "w": 3}, "x"), [3.0, 3.0, 3.0])
    assert np.array_equal(forward_derivative("x + w", {"x": xs, "w": 3}, "w"), [1.0, 1.0, 1.0])


def test_mean_squared_error():
    xs = np.array([1.0, 2.0, 3.0, -1.5])
    ys = np.array([0.0, 1.0, 5.0, 2.0])
    w = 2.0
    got = forward_derivative("mean((w*x - y)^2)", {"w": w, "x": xs, "y": ys}, "w")
    assert type(got) is float
    assert got == pytest.approx(float(np.mean(2 * (w * xs - ys) * xs)), rel=1e-14)


def test_sum_over_samples():
    at = {"b": 0.5, "x": np.zeros(4)}
    assert forward_derivative("sum(b + x)", at, "b") == 4.0
    assert forward_derivative("sum(b) + sum(x)", at, "b") == 4.0
    assert forward_derivative("mean(b) + sum(x)", at, "b") == 1.0
    assert forward_derivative("sum(b)", {"b": 0.5}, "b") == 1.0  # one sample


def test_depth_100000():
    e = Var("x")
    for _ in range(100000):
        e = symdiff.sin(e)
    expected, v = 1.0, 0.1
    for _ in range(100000):
        expected *= math.cos(v)
        v = math.sin(v)
    assert forward_derivative(e, {"x": 0.1}, "x") == pytest.approx(expected, rel=1e-9)


# -- jvp -----------------------------------------------------------------------


def test_jvp():
    assert jvp([x * y, x + y], {"x": 2, "y": 3}, {"x": 1, "y": 2}) == [7.0, 3.0]
    assert jvp(["x*y", "x + y"], {x: 2, y: 3}, {x: 1, y: 2}) == [7.0, 3.0]
    assert jvp("x*y", {"x": 2, "y": 3}, {"y": 1}) == 2.0  # x gets 0
    assert jvp(("x*y", "3"), {"x": 2, "y": 3}, {}) == [0.0, 0.0]


def test_jvp_matches_forward_derivative_and_shares_nodes():
    f = symdiff.sin(x * y) + x**3
    g = symdiff.sin(x * y) * y
    at = {"x": 0.3, "y": -1.2}
    got = jvp([f, g], at, {"x": 0.5, "y": -2})
    for out, e in zip(got, [f, g], strict=True):
        want = 0.5 * forward_derivative(e, at, "x") - 2 * forward_derivative(e, at, "y")
        assert out == pytest.approx(want, rel=1e-13)


def test_jvp_errors():
    with pytest.raises(EvaluationError, match="the value of 'x' must be a real number or array, got str"):
        jvp("x", {"x": 1}, {"x": "a"})
    with pytest.raises(EvaluationError, match="a direction is keyed by variables or their names, not 3"):
        jvp("x", {"x": 1}, {3: 1})


def test_order_compares_values():
    assert Dual(1, 5) < 2 and Dual(3, -1) > Dual(2, 9) and 2 <= Dual(2, 1) and Dual(2, 0) >= 2.0
    relu_by_hand = lambda u: u if u > 0 else 0 * u  # noqa: E731
    assert relu_by_hand(Dual(3, 2)) == Dual(3, 2) and relu_by_hand(Dual(-3, 2)) == Dual(0, 0)
