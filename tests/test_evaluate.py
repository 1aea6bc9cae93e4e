"""Numeric evaluation on floats and arrays: values, broadcasting, errors."""

import math
import warnings

import numpy as np
import pytest

from symdiff import functions as F
from symdiff.errors import EvaluationError
from symdiff.evaluate import evaluate
from symdiff.nodes import Add, Const, Var, symbols
from symdiff.walk import postorder

x, y, z = symbols("x y z")


def test_textbook_values():
    assert evaluate(x**2 * y + y + 2, {"x": 3, "y": 4}) == 42.0
    assert evaluate((x + y) * z, {"x": -2, "y": 5, "z": -4}) == -12.0
    assert evaluate(F.sigmoid(x), {"x": 0}) == 0.5
    assert evaluate(-(x**2), {"x": 3}) == -9.0
    assert evaluate(Const(2) ** (Const(3) ** 2), {}) == 512.0


def test_scalar_result_is_a_python_float():
    assert type(evaluate(x + 1, {"x": 2})) is float
    assert type(evaluate(Const(3), {})) is float
    assert type(evaluate(x, {"x": np.float64(2.5)})) is float


def test_extra_names_are_ignored_and_var_keys_work():
    assert evaluate(x * 2, {"x": 1.5, "unused": 99}) == 3.0
    assert evaluate(x * y, {x: 2, y: 3}) == 6.0


def test_arrays_broadcast_elementwise():
    xs = np.array([1.0, 2.0, 3.0])
    ys = np.array([[10.0], [20.0]])
    got = evaluate(x * y + 1, {"x": xs, "y": ys})
    np.testing.assert_array_equal(got, xs * ys + 1)
    assert got.shape == (2, 3)


def test_integer_arrays_and_lists_become_float():
    got = evaluate(x ** -1, {"x": np.array([1, 2, 4])})
    np.testing.assert_array_equal(got, [1.0, 0.5, 0.25])
    np.testing.assert_array_equal(evaluate(x * 2, {"x": [1, 2]}), [2.0, 4.0])


def test_every_function_on_arrays_matches_numpy():
    xs = np.linspace(0.1, 0.9, 5)
    e = F.sin(x) + F.log(x) * F.sqrt(x) - F.tanh(x) / F.exp(x) + F.max(x, 0.5)
    expected = np.sin(xs) + np.log(xs) * np.sqrt(xs) - np.tanh(xs) / np.exp(xs) + np.maximum(xs, 0.5)
    np.testing.assert_allclose(evaluate(e, {"x": xs}), expected, rtol=1e-14)


def test_arrays_follow_numpy_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = evaluate(F.log(x) + 1 / x, {"x": np.array([0.0, -1.0, 1.0])})
    assert math.isnan(got[0]) or math.isinf(got[0])
    assert math.isnan(got[1])
    assert got[2] == 1.0


def test_missing_variable_is_named():
    with pytest.raises(EvaluationError, match="no value given for variable 'y'"):
        evaluate(x + y, {"x": 1})


@pytest.mark.parametrize(
    "expr, values, message",
    [
        (F.log(x), {"x": 0}, r"log is undefined at 0\.0"),
        (F.sqrt(x), {"x": -1}, r"sqrt is undefined at -1\.0"),
        (1 / x, {"x": 0}, r"division by zero"),
        (F.asin(x), {"x": 2}, r"asin is undefined at 2\.0"),
        (F.exp(x), {"x": 1000}, r"exp\(1000\.0\) overflows a float"),
        (x * y, {"x": 1e200, "y": 1e200}, r"a product overflows to infinity"),
    ],
)
def test_scalar_domain_errors(expr, values, message):
    with pytest.raises(EvaluationError, match=message):
        evaluate(expr, values)


def test_non_real_power_is_an_error_on_scalars():
    with pytest.raises(EvaluationError, match=r"is not real: negative base -8\.0 to the power 0\.5"):
        evaluate(x ** Const(0.5), {"x": -8})


def test_bad_values_are_rejected():
    with pytest.raises(EvaluationError, match="must be a real number or array, got str"):
        evaluate(x, {"x": "3"})
    with pytest.raises(EvaluationError, match="must be a real array"):
        evaluate(x, {"x": np.array([1j])})


def test_each_distinct_node_is_computed_once():
    calls = []
    spec = F.register_function("counted_t", 1, lambda u: calls.append(u) or u, replace=True)
    shared = spec(x)
    e = shared
    for _ in range(50):
        e = e * shared + e  # a DAG whose tree would be astronomically large
    assert evaluate(e, {"x": 0.5}) > 0
    assert len(calls) == 1
    assert len(postorder(e)) < 300


def test_deep_and_wide_expressions_evaluate():
    e = x
    for _ in range(100_000):
        e = F.sin(e)
    assert evaluate(e, {"x": 0.5}) == pytest.approx(0.005476, abs=1e-6)
    total = Add(*[Var(f"v{i}") * i for i in range(1, 100_001)])
    values = {f"v{i}": 1.0 for i in range(1, 100_001)}
    assert evaluate(total, values) == 100_000 * 100_001 / 2
