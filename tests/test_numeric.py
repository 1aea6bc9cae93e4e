"""Finite differences and gradient checks: numeric_gradient, check_gradient and its table."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

import symdiff.numeric as numeric
from symdiff.autodiff import backprop
from symdiff.errors import DifferentiationError, EvaluationError
from symdiff.functions import REGISTRY
from symdiff.nodes import Call, Var, symbols
from symdiff.numeric import GradientCheck, GradientRow, check_gradient, numeric_gradient, relative_error
from symdiff.parse import parse
from symdiff.walk import postorder

x, y = symbols("x y")

# the functions a gradient check must cover, as registered when the tests are collected
# (other tests register throwaway functions while they run)
FUNCTIONS = sorted(name for name, spec in REGISTRY.items() if spec.arity >= 1 and not spec.reduction)


@pytest.mark.parametrize("method, tolerance", [("central", 1e-6), ("forward", 1e-4), ("backward", 1e-4)])
def test_numeric_gradient_of_the_running_example(method, tolerance):
    g = numeric_gradient("x^2*y + y + 2", {"x": 3, "y": 4}, method=method)
    assert list(g) == ["x", "y"]
    assert g["x"] == pytest.approx(24, abs=tolerance)
    assert g["y"] == pytest.approx(10, abs=tolerance)


@pytest.mark.parametrize(
    "text, at, name, slope",
    [
        ("x*y", {"x": 5, "y": -6}, "x", -6),
        ("(x+y)^2", {"x": 5, "y": -6}, "x", -2),
        ("sigmoid(x)", {"x": 0}, "x", 0.25),
        ("x^3", {"x": 1e4}, "x", 3e8),  # the step scales with |x|, so large values keep their precision
        ("exp(x)", {"x": 0}, "x", 1),
    ],
)
def test_numeric_gradient_known_slopes(text, at, name, slope):
    assert numeric_gradient(text, at)[name] == pytest.approx(slope, rel=1e-6, abs=1e-6)


def test_numeric_gradient_takes_vars_and_var_keys():
    at = {x: 3, Var("y"): 4, "unused": 1}
    assert list(numeric_gradient(x**2 * y, at, vars=["y", x])) == ["x", "y"]  # keys sorted, like backprop
    assert numeric_gradient(x**2 * y, at, vars="y") == {"y": pytest.approx(9)}
    assert list(numeric_gradient(x**2 * y, at, vars="y, x")) == ["x", "y"]
    assert numeric_gradient(x * 2, at, vars=["unused"]) == {"unused": 0.0}
    assert numeric_gradient("2 + 3", {}) == {}


def test_numeric_gradient_agrees_with_backprop_on_random_points(rng):
    expr = parse("sin(x)*exp(y) - cos(x*y) + log(x^2 + y^2)")
    for _ in range(20):
        at = {"x": rng.uniform(-2, 2), "y": rng.uniform(-2, 2)}
        g = numeric_gradient(expr, at)
        for name, slope in backprop(expr, at).items():
            assert relative_error(g[name], slope) < 1e-6


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"method": "sideways"}, "unknown finite-difference method 'sideways'; use 'central', 'forward' or 'backward'"),
        ({"h": 0}, "the step h must be a positive finite number, got 0"),
        ({"h": -1e-6}, "the step h must be a positive finite number, got -1e-06"),
        ({"h": math.inf}, "the step h must be a positive finite number, got inf"),
        ({"h": math.nan}, "the step h must be a positive finite number, got nan"),
        ({"h": "1e-6"}, "the step h must be a positive finite number, got '1e-6'"),
        ({"h": True}, "the step h must be a positive finite number, got True"),
        ({"h": 1e-20}, "the step h = 1e-20 is too small: x = 1.0 does not move by it"),
        ({"vars": [3]}, "cannot differentiate with respect to 3: expected a variable or a name"),
        ({"vars": ""}, "cannot differentiate with respect to '': expected a variable or a name"),
    ],
)
def test_numeric_gradient_bad_settings(kwargs, message):
    with pytest.raises(DifferentiationError) as info:
        numeric_gradient("x^2", {"x": 1}, **kwargs)
    assert str(info.value) == message


@pytest.mark.parametrize("value", [np.array([1.0, 2.0]), [1.0, 2.0]])
def test_numeric_gradient_one_point_only(value):
    with pytest.raises(DifferentiationError) as info:
        numeric_gradient("x^2 + y", {"x": value, "y": 1})
    assert str(info.value) == (
        "finite differences work at one point: the value of 'x' must be a single number, not an array")
    with pytest.raises(DifferentiationError, match="one point"):
        check_gradient("x^2 + y", {"x": 1, "y": value})


def test_numeric_gradient_evaluation_errors():
    with pytest.raises(EvaluationError, match="no value given for variable 'y'"):
        numeric_gradient("x*y", {"x": 1})
    with pytest.raises(EvaluationError, match="log is undefined"):  # x - step is below 0
        numeric_gradient("log(x)", {"x": 1e-9})
    assert numeric_gradient("log(x)", {"x": 1e-9}, h=1e-12, method="forward")["x"] == pytest.approx(1e9, rel=1e-3)
    with pytest.raises(EvaluationError, match="must be a real number"):
        numeric_gradient("x", {"x": "3"})


# -- check_gradient ---------------------------------------------------------------------------------------

# one or more expressions per registry function, at points inside each spec's domain and away from kinks
CASES = [
    ("sin(x)*cos(y) + tan(x*y)", {"x": 0.7, "y": -1.1}),
    ("asin(x/2) + acos(y/2) + atan(x*y)", {"x": 0.5, "y": -0.8}),
    ("sinh(x)*cosh(y) + tanh(w1*x + b)", {"x": 0.4, "y": -1.3, "w1": -0.7, "b": 0.2}),
    ("exp(x)*log(y) + sqrt(x*y)", {"x": 1.2, "y": 2.5}),
    ("abs(x - y)*sign(x) + step(y)*x^2", {"x": -1.5, "y": 0.8}),
    ("sigmoid(x*y) + relu(x) + relu(y) + softplus(x - y)", {"x": 1.3, "y": -0.6}),
    ("max(x, y)*min(x, 2*y) + max(y, x^2)", {"x": 1.7, "y": 0.4}),
    ("x^2*y + y + 2", {"x": 3, "y": 4}),
    ("x^y + mean(x*y) + sum(x)", {"x": 1.5, "y": 0.5}),  # the reductions: one sample at a point
    ("(x + y)^2*(x + y) - sin(x + y)/(x + y)", {"x": 0.3, "y": 0.9}),
]


@pytest.mark.parametrize("text, at", CASES, ids=[c[0] for c in CASES])
def test_check_gradient_agrees(text, at):
    check = check_gradient(text, at)
    assert check.ok, str(check)
    assert check.max_error <= 1e-6
    assert [row.name for row in check.rows] == sorted(at)
    assert str(check).endswith("\nall agree within 1e-06")


def test_the_cases_cover_every_registry_function():
    covered = {node.fn.name for text, _ in CASES for node in postorder(parse(text)) if type(node) is Call}
    missing = sorted(set(FUNCTIONS) - covered)
    assert not missing, f"add a check_gradient case for: {', '.join(missing)}"


@pytest.mark.parametrize("name", [n for n in FUNCTIONS if REGISTRY[n].deriv is not None])
def test_check_gradient_every_function_inside_its_domain(name):
    spec = REGISTRY[name]
    lo, hi = spec.domain
    # arguments u*x (u = 1.5) at 30% and 80% of the domain: distinct, so max/min are off their tie
    points = [lo + 0.3 * (hi - lo), lo + 0.8 * (hi - lo)][: spec.arity]
    names = ["x", "y"][: spec.arity]
    args = [parse(f"1.5*{n}") for n in names]
    expr = parse("z") * spec(*args) + spec(*args) ** 2
    at = {"z": 0.7, **{n: p / 1.5 for n, p in zip(names, points, strict=True)}}
    check = check_gradient(expr, at)
    assert check.ok, f"{name}:\n{check}"


def test_check_gradient_table():
    check = check_gradient("x^2*y + y + 2", {"x": 3, "y": 4})
    assert check.rtol == 1e-6
    assert [(r.name, r.symbolic, r.reverse, r.reverse_error) for r in check.rows] == [
        ("x", 24.0, 24.0, 0.0), ("y", 10.0, 10.0, 0.0)]
    lines = str(check).splitlines()
    assert lines[0] == "var   symbolic     reverse      numeric      rel.err(rev)  rel.err(num)"
    assert lines[1].startswith("x     24           24           24.000000    0             ")
    assert lines[2].startswith("y     10           10           10.000000    0             ")
    assert lines[3] == "all agree within 1e-06"


def test_check_gradient_without_variables():
    check = check_gradient("2 + 3", {})
    assert (check.rows, check.max_error, check.ok) == ([], 0.0, True)
    assert str(check).splitlines()[-1] == "all agree within 1e-06"


def test_a_kink_shows_a_mismatch():
    check = check_gradient("step(x)", {"x": 0})  # step' = 0 by convention; the difference quotient is 1/(2h)
    assert not check.ok
    assert check.rows[0].symbolic == check.rows[0].reverse == 0.0
    assert check.rows[0].numeric == pytest.approx(5e5)
    assert check.max_error == 1.0
    assert str(check).splitlines()[-1] == "MISMATCH: rel.err 1.0e+00 of the numeric slope of x exceeds 1e-06"


def test_a_wrong_symbolic_gradient_shows_a_mismatch(monkeypatch):
    # a symbolic differentiator that is off by one: both other columns disagree with it
    real = numeric.gradient
    monkeypatch.setattr(numeric, "gradient", lambda expr, names: [g + 1 for g in real(expr, names)])
    check = check_gradient("x^2*y + y + 2", {"x": 3, "y": 4})
    assert not check.ok
    assert [row.symbolic for row in check.rows] == [25.0, 11.0]
    assert [row.reverse_error for row in check.rows] == [1 / 25, 1 / 11]
    assert check.max_error == pytest.approx(1 / 11)
    verdict = str(check).splitlines()[-1]  # reverse and numeric are about as far off for y
    assert re.fullmatch(r"MISMATCH: rel\.err 9\.1e-02 of the (reverse|numeric) slope of y exceeds 1e-06", verdict)


def test_rtol_decides_ok():
    check = check_gradient("sin(x)", {"x": 0.5}, h=1e-3)  # a coarse step: error about h^2/6
    assert 1e-9 < check.max_error < 1e-6
    assert not check_gradient("sin(x)", {"x": 0.5}, h=1e-3, rtol=1e-9).ok
    assert check_gradient("sin(x)", {"x": 0.5}, h=1e-3, rtol=0.1).ok


def test_a_nan_is_never_ok():
    row = GradientRow("x", 1.0, math.nan, 1.0, math.nan, 0.0)
    check = GradientCheck([row], 1e-6)
    assert math.isnan(check.max_error) and not check.ok
    assert str(check).splitlines()[-1] == "MISMATCH: rel.err nan of the reverse slope of x exceeds 1e-06"


def test_relative_error():
    assert relative_error(0.0, 1e-9) == 1e-9  # absolute below 1: a zero slope does not blow up
    assert relative_error(100.0, 101.0) == pytest.approx(1 / 101)
    assert relative_error(math.inf, math.inf) == 0.0
    assert math.isnan(relative_error(math.nan, 1.0))


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"rtol": -1}, DifferentiationError, "the tolerance rtol must be a finite number 0 or more, got -1"),
        ({"rtol": math.nan}, DifferentiationError, "the tolerance rtol must be a finite number 0 or more, got nan"),
        ({"h": 0.0}, DifferentiationError, "the step h must be a positive finite number, got 0.0"),
    ],
)
def test_check_gradient_bad_settings(kwargs, error, message):
    with pytest.raises(error) as info:
        check_gradient("x^2", {"x": 1}, **kwargs)
    assert str(info.value) == message


def test_check_gradient_errors_at_the_point():
    with pytest.raises(EvaluationError, match="no value given for variable 'y'"):
        check_gradient("x*y", {"x": 1})
    with pytest.raises(EvaluationError):  # sqrt' is infinite at 0
        check_gradient("sqrt(x)", {"x": 0.0})


def test_the_step_is_absolute():
    # forward difference of x^2 at 1000 with h = 1: ((1001)^2 - 1000^2) / 1 = 2001
    assert numeric_gradient("x^2", {"x": 1000}, h=1, method="forward") == {"x": 2001.0}
