"""Hostile sizes end fast in a value or a SymdiffError, never a hang or a raw Python error.

Each case here was a real failure found in review (a hang, a RecursionError,
an OverflowError escaping, or a non-canonical node).
"""

import math
import time

import pytest

from symdiff import EvaluationError, LimitError, evaluate, parse
from symdiff.canonical import _int_root
from symdiff.nodes import Const, Pow, symbols

x, y = symbols("x y")


def test_root_with_a_huge_index_stays_unevaluated_quickly():
    start = time.perf_counter()
    e = parse("2^(1/10^300)")
    assert time.perf_counter() - start < 10  # a hang guard: the root is never computed
    assert type(e) is Pow and e.args[0] is Const(2)


@pytest.mark.parametrize("n, q, root", [(8, 3, 2), (10**40, 2, 10**20), (12345**7, 7, 12345), (2, 2, None),
                                        ((10**20 + 12345) ** 2, 2, 10**20 + 12345), (2**13999, 13999, 2)])
def test_integer_roots_are_exact(n, q, root):
    assert _int_root(n, q) == root


def test_nested_powers_collapse_without_recursion():
    text = "x"
    for _ in range(1000):
        text = f"({text})^(1/2)"
    assert parse(f"({text})^(2^1000)") is x
    text = "x*y"
    for _ in range(400):
        text = f"({text})^(1/2)*y"
    e = parse(f"({text})^(2^400)")
    assert e is x * y ** (2**401 - 1)


@pytest.mark.parametrize("text", ["2^(10^400/3)", "(-1)^(10^400)", "(-2.0)^(10^400)", "(1/3)^(1/10^400)"])
def test_huge_exponents_stay_unevaluated(text):
    assert type(parse(text)) is Pow


@pytest.mark.parametrize("text", ["1.5 + 10^4000", "x^1.5*x^(10^400)", "sin(1.0*10^400)"])
def test_float_folding_past_the_float_range_is_a_limit_error(text):
    with pytest.raises(LimitError, match="overflowed the float range while folding"):
        parse(text)


def test_largest_exact_constant_round_trips_through_text():
    e = parse("10^4200")
    assert parse(str(e)) is e


@pytest.mark.parametrize("text", ["10^400", "x*10^400", "10^400/3"])
def test_evaluating_a_constant_beyond_float_range_is_an_evaluation_error(text):
    with pytest.raises(EvaluationError, match="is too large for a float"):
        evaluate(parse(text), {"x": 1.0})


def test_huge_input_value_is_an_evaluation_error():
    with pytest.raises(EvaluationError, match="the value of 'x' is too large for a float"):
        evaluate(x, {"x": 10**400})


def test_scalar_sums_match_the_array_path_and_only_new_infinities_are_errors():
    assert evaluate(x + y + 1, {"x": 1e16, "y": -1e16}) == 0.0  # left to right, as NumPy
    with pytest.raises(EvaluationError, match="a sum overflows to infinity"):
        evaluate(parse("x+y+z"), {"x": 1e308, "y": 1e308, "z": -1e308})
    assert evaluate(x + 1, {"x": math.inf}) == math.inf


def test_minus_one_float_keeps_its_type_as_a_constant_and_divides_as_an_exponent():
    assert parse("-1.0") is Const(-1.0)
    assert parse(str(x + Const(-1.0))) is x + Const(-1.0)
    assert (x * y) ** -1.0 is (x * y) ** -1
    assert (x**2) ** -1.0 is x**-2
    assert parse("2^-1.0") is Const(0.5)


def test_float_folding_is_independent_of_argument_order():
    assert x + 0.1 + 0.2 + 0.3 is 0.3 + (0.2 + (0.1 + x))
    assert x * 0.1 * 0.2 * 0.3 is 0.3 * (0.2 * (0.1 * x))
