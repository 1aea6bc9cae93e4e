"""diff, gradient, jacobian, hessian: exact results, numeric checks, sizes and errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from strategies import BUILTIN_FUNCTIONS, exprs

import symdiff
from symdiff import DifferentiationError, diff, evaluate, gradient, hessian, jacobian, parse, size
from symdiff.errors import EvaluationError, LimitError
from symdiff.functions import REGISTRY, register_function
from symdiff.interop import to_sympy
from symdiff.nodes import Const, Var, symbols

x, y, z = symbols("x y z")
F = parse("x^2*y + y + 2")


def central(expr, at, name, h=1e-6):
    """Central finite difference of ``expr`` along ``name``, with a step relative to the point."""
    step = h * (1 + abs(at[name]))
    hi, lo = dict(at), dict(at)
    hi[name] += step
    lo[name] -= step
    return (evaluate(expr, hi) - evaluate(expr, lo)) / (2 * step)


# -- the examples of the issue ------------------------------------------------------


def test_gradient_of_the_reference_polynomial():
    g = gradient(F, ["x", "y"])
    assert [str(d) for d in g] == ["2*x*y", "x^2 + 1"]
    assert [evaluate(d, {"x": 3, "y": 4}) for d in g] == [24.0, 10.0]


def test_hessian_of_the_reference_polynomial():
    h = hessian(F, ["x", "y"])
    assert [[str(d) for d in row] for row in h] == [["2*y", "2*x"], ["2*x", "0"]]
    assert [[evaluate(d, {"x": 3, "y": 4}) for d in row] for row in h] == [[8.0, 6.0], [6.0, 0.0]]


def test_derivative_of_a_squared_sum():
    d = diff("(x+y)^2", x)
    assert str(d) == "2*(x + y)"
    assert evaluate(d, {"x": 5, "y": -6}) == -2.0


def test_sigmoid_derivative_is_the_sigmoid_form():
    d = diff(symdiff.sigmoid(x), x)
    assert str(d) == "sigmoid(x)*(1 - sigmoid(x))"
    assert evaluate(d, {"x": 0}) == 0.25


def test_x_to_the_x():
    assert diff(x**x, x) is parse("x^x*(log(x) + 1)")


@pytest.mark.parametrize(
    ("text", "wrt", "expected"),
    [
        ("sin(x)", "x", "cos(x)"),
        ("tanh(x)", "x", "1 - tanh(x)^2"),
        ("tanh(2*x)", "x", "2*(1 - tanh(2*x)^2)"),
        ("exp(x*y)", "x", "y*exp(x*y)"),
        ("log(x)", "x", "1/x"),
        ("1/x", "x", "-1/x^2"),
        ("sqrt(x)", "x", "1/(2*sqrt(x))"),
        ("2^x", "x", "2^x*log(2)"),
        ("x^y", "y", "x^y*log(x)"),
        ("x^y", "x", "x^(y - 1)*y"),
        ("x*y*z", "y", "x*z"),
        ("relu(x)", "x", "step(x)"),
        ("abs(x)", "x", "sign(x)"),
        ("max(x, y)", "x", "1 - step(y - x)"),
        ("sin(x)*cos(x)", "x", "cos(x)^2 - sin(x)^2"),
        ("x^2*y + y + 2", "z", "0"),
        ("5", "x", "0"),
    ],
)
def test_first_derivatives(text, wrt, expected):
    assert str(diff(parse(text), wrt)) == expected


# -- the spec, SymPy's convention ------------------------------------------------------


def test_orders_and_mixed_partials():
    f = x**3 * y**2
    assert diff(f, x, 2) is 6 * x * y**2
    assert diff(f, "x", "y") is 6 * x**2 * y
    assert diff(f, x, 2, y) is diff(f, (x, 2), y) is 12 * x * y
    assert diff(f, x, 4) is Const(0)
    assert diff(f, y, 1, x, 1) is diff(f, x, y)


def test_order_zero_is_the_expression_itself():
    f = symdiff.sin(x) * y
    assert diff(f, x, 0) is f
    assert diff(f, x, 0, y) is symdiff.sin(x)


def test_without_a_variable():
    assert diff(x**2) is 2 * x
    assert diff(Const(7)) is Const(0)
    with pytest.raises(DifferentiationError, match=r"say which variable to differentiate by: .*several \(x, y\)"):
        diff(x * y)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ((x, -1), "the order for x must be 0 or more, not -1"),
        ((x, 1.5), "can only differentiate with respect to a variable, not 1.5 (float)"),
        (((x, 1.5),), "the order for x must be an integer, not 1.5"),
        ((2,), "an order (2) must follow a variable"),
        ((x + 1,), "can only differentiate with respect to a variable, not x + 1"),
        (("",), "cannot differentiate with respect to an empty variable name"),
        ((" ",), "cannot differentiate with respect to an empty variable name"),
        ((True,), "can only differentiate with respect to a variable, not True (bool)"),
    ],
)
def test_bad_specs(spec, message):
    with pytest.raises(DifferentiationError) as err:
        diff(x**2, *spec)
    assert str(err.value) == message


def test_orders_are_bounded():
    with pytest.raises(LimitError) as err:
        diff(x**3, x, 10**30)
    assert str(err.value) == "a derivative of order 10^30 is over the limit of 1000 (symdiff.limits.MAX_ORDER)".replace(
        "10^30", str(10**30))
    with pytest.raises(LimitError, match="order 1001 is over the limit"):
        diff(x * y, x, 500, y, 501)
    assert diff(x**3, x, 1000) is Const(0)  # stops once the derivative is constant


def test_numpy_integers_are_orders():
    assert diff(x**3, x, np.int64(2)) is 6 * x


def test_zero_to_a_power():
    # 0^v is 0 wherever it is differentiable (v > 0), so its slope is 0, as in JAX
    f = Const(0) ** x
    assert diff(f, x) is Const(0)
    assert gradient(f * y, [x, y]) == [Const(0), f]


def test_bad_variable_name_is_a_symdiff_error():
    with pytest.raises(symdiff.SymdiffError, match="invalid variable name '2x'"):
        diff(x, "2x")


def test_a_function_without_a_derivative_rule():
    register_function("opaque_fn", 1, lambda v: v, deriv=None, replace=True)
    try:
        f = symdiff.functions.call("opaque_fn", x)
        with pytest.raises(DifferentiationError, match="function 'opaque_fn' has no derivative rule"):
            diff(f, x)
        assert diff(f, y) is Const(0)  # not needed where the argument does not move
    finally:
        del REGISTRY["opaque_fn"]


# -- gradients, Jacobians, Hessians --------------------------------------------------


def test_gradient_variables_default_and_forms():
    g = gradient(F)
    assert g == gradient(F, "x, y") == gradient(F, [x, "y"]) == gradient(F, ["x", "y"])
    assert gradient(F, "x") == [2 * x * y]
    assert gradient(F, ["z", "x"]) == [Const(0), 2 * x * y]
    assert gradient("x*y") == [y, x]


@pytest.mark.parametrize("text", ["x^x", "sin(x*y)*x*y + exp(sin(x*y))", "max(x, y)*min(x, x*y)", "x*x*y/(x+y)"])
def test_gradient_agrees_with_diff(text):
    f = parse(text)
    at = {"x": 0.7, "y": 1.3}
    for name, g in zip(("x", "y"), gradient(f, ["x", "y"]), strict=True):
        assert math.isclose(evaluate(g, at), evaluate(diff(f, name), at), rel_tol=1e-12)


def test_jacobian():
    j = jacobian([x * y, x + y, symdiff.sin(z)], [x, y])
    assert j == [[y, x], [Const(1), Const(1)], [Const(0), Const(0)]]
    assert jacobian(["x*y", "z"]) == [[y, x, Const(0)], [Const(0), Const(0), Const(1)]]
    assert jacobian("x*y", ["x", "y"]) == jacobian(x * y, [x, y]) == [[y, x]]


def test_hessian_mirrors_the_same_nodes():
    f = parse("sin(x*y) + x^3*z + exp(y*z)")
    h = hessian(f, ["x", "y", "z"])
    for i in range(3):
        for j in range(3):
            assert h[i][j] is h[j][i]
    assert str(h[0][2]) == "3*x^2"


def test_hessian_agrees_with_sympy():
    f = parse("sin(x*y) + x^3*z + exp(y*z)/(1 + x^2)")
    names = ["x", "y", "z"]
    ours = hessian(f, names)
    theirs = sympy.hessian(to_sympy(f), [sympy.Symbol(n) for n in names])
    at = {"x": 0.3, "y": -1.1, "z": 0.8}
    subs = {sympy.Symbol(n): v for n, v in at.items()}
    for i in range(3):
        for j in range(3):
            assert math.isclose(evaluate(ours[i][j], at), float(theirs[i, j].evalf(subs=subs)), rel_tol=1e-12)


# -- sizes: the cheap-gradient principle -------------------------------------------------


def rosenbrock(n: int):
    xs = [Var(f"x{i}") for i in range(n)]
    f = sum(100 * (xs[i + 1] - xs[i] ** 2) ** 2 + (1 - xs[i]) ** 2 for i in range(n - 1))
    return f, xs


def test_rosenbrock_gradient_grows_linearly():
    sizes = {}
    for n in (50, 100, 150, 200):
        f, xs = rosenbrock(n)
        sizes[n] = size(gradient(f, xs))
    steps = {sizes[100] - sizes[50], sizes[150] - sizes[100], sizes[200] - sizes[150]}
    assert len(steps) == 1  # each new variable adds the same number of nodes


def test_rosenbrock_gradient_is_right():
    f, xs = rosenbrock(4)
    at = {f"x{i}": 0.5 + 0.25 * i for i in range(4)}
    for v, g in zip(xs, gradient(f, xs), strict=True):
        assert math.isclose(evaluate(g, at), central(f, at, v.name), rel_tol=1e-7)
    # at the minimum (1, ..., 1) every partial is zero
    assert [evaluate(g, {f"x{i}": 1 for i in range(4)}) for g in gradient(f, xs)] == [0.0] * 4


def test_gradient_adds_few_nodes_whatever_the_number_of_variables():
    # f = x0*x1*...*x(n-1) summed with a shared inner node: per-variable diff would copy it n times
    n = 200
    xs = [Var(f"x{i}") for i in range(n)]
    inner = symdiff.sin(sum(xs))
    f = sum(inner * x for x in xs)
    before = size(f)
    after = size([f, gradient(f, xs)])
    assert after - before <= 4 * before


def test_derivative_of_a_dag_stays_linear():
    # e(k+1) = sin(e(k)) * e(k): the tree doubles at each level, the DAG grows by 2
    e = x
    for _ in range(60):
        e = symdiff.sin(e) * e
    assert size(e, tree=True) > 2**60
    d = diff(e, x)
    assert size(d) < 20 * size(e)
    assert math.isclose(evaluate(d, {"x": 0.1}), central(e, {"x": 0.1}, "x"), rel_tol=1e-6)


# -- every registered function: diff matches the registry's partials -----------------


@pytest.mark.parametrize("name", sorted(n for n, spec in REGISTRY.items() if spec.arity >= 1 and spec.deriv))
def test_registry_functions_differentiate_numerically(name, rng):
    spec = REGISTRY[name]
    names = ["x", "y"][: spec.arity]
    f = spec(*[Var(n) * 1.5 for n in names])
    lo, hi = spec.domain
    for _ in range(5):
        at = {n: float(rng.uniform(lo, hi)) / 1.5 for n in names}
        for n, g in zip(names, gradient(f, names), strict=True):
            assert math.isclose(evaluate(g, at), central(f, at, n), rel_tol=1e-6, abs_tol=1e-7)
            assert math.isclose(evaluate(g, at), evaluate(diff(f, n), at), rel_tol=1e-12, abs_tol=1e-15)


# -- properties over random expressions -----------------------------------------------

SMOOTH = ("sin", "cos", "tan", "atan", "sinh", "cosh", "tanh", "exp", "log", "sqrt", "sigmoid", "softplus")
PROPERTY = settings(max_examples=150, deadline=None)
points = st.fixed_dictionaries({n: st.floats(-2.0, 2.0).filter(lambda v: abs(v) > 0.05) for n in ("x", "y")})
small_consts = st.integers(-4, 4) | st.sampled_from([0.5, 1.5, -2.5])


def _finite(value) -> bool:
    return isinstance(value, float) and math.isfinite(value) and abs(value) < 1e6


def _value(expr, at):
    try:
        return evaluate(expr, at)
    except EvaluationError:
        return math.nan


@PROPERTY
@given(exprs(max_leaves=12, function_names=SMOOTH, consts=small_consts, var_names=("x", "y")), points)
def test_diff_agrees_with_finite_differences(f, at):
    d = _value(diff(f, "x"), at)
    step = 1e-5 * (1 + abs(at["x"]))
    samples = [_value(f, {**at, "x": at["x"] + k * step}) for k in (-2, -1, 1, 2)]
    assume(_finite(d) and all(_finite(s) for s in samples))
    coarse = (samples[3] - samples[0]) / (4 * step)
    fine = (samples[2] - samples[1]) / (2 * step)
    assume(abs(coarse - fine) < 1e-4 * (1 + abs(fine)))  # smooth here: not near a pole or a cusp
    assert abs(d - fine) < 1e-3 * (1 + abs(fine))


def _smooth_along_x(f, at, h=1e-6) -> bool:
    """f is defined at and around ``at`` and its one-sided slopes agree: not at a kink or a tie."""
    left, mid, right = (_value(f, {**at, "x": at["x"] + k * h}) for k in (-1, 0, 1))
    if not all(_finite(v) for v in (left, mid, right)):
        return False
    down, up = (mid - left) / h, (right - mid) / h
    return abs(down - up) < 1e-3 * (1 + abs(up))


def _sympy_value(expr, at):
    try:
        value = complex(expr.evalf(subs={sympy.Symbol(n, real=True): v for n, v in at.items()}))
    except (TypeError, ValueError):
        return math.nan
    return value.real if abs(value.imag) < 1e-12 else math.nan


def _real(expr):
    """``to_sympy(expr)`` over real symbols; skips the example where SymPy's exact arithmetic
    cannot build it (``relu(log(sin(pi)))`` is ``Max(log(0), 0)`` there)."""
    try:
        converted = to_sympy(expr)
    except symdiff.SymdiffError:
        assume(False)
    return converted.subs({s: sympy.Symbol(s.name, real=True) for s in converted.free_symbols})


#: step and sign jump at 0, where floats and SymPy's exact arithmetic part ways:
#: x*step(sin(pi)) has slope 1 in floats (sin(pi) = 1.2e-16) and 0 in SymPy
CONTINUOUS = tuple(n for n in BUILTIN_FUNCTIONS if n not in ("step", "sign"))


@PROPERTY
@given(exprs(max_leaves=10, function_names=CONTINUOUS, consts=small_consts, var_names=("x", "y")), points)
def test_diff_agrees_with_sympy(f, at):
    ours = _value(diff(f, "x"), at)
    assume(_finite(ours) and _smooth_along_x(f, at))
    theirs = _sympy_value(sympy.diff(_real(f), sympy.Symbol("x", real=True)), at)
    assume(not math.isnan(theirs))  # SymPy leaves DiracDelta or a non-real branch here
    assert math.isclose(ours, theirs, rel_tol=1e-7, abs_tol=1e-9)


@PROPERTY
@given(exprs(max_leaves=8, function_names=SMOOTH, consts=small_consts, var_names=("x", "y")), points)
def test_hessian_is_symmetric_and_agrees_with_sympy(f, at):
    h = hessian(f, ["x", "y"])
    assert h[0][1] is h[1][0]
    ours = _value(h[0][1], at)
    assume(_finite(ours))
    sx, sy = sympy.Symbol("x", real=True), sympy.Symbol("y", real=True)
    theirs = _sympy_value(sympy.diff(_real(f), sx, sy), at)
    assume(not math.isnan(theirs))
    assert math.isclose(ours, theirs, rel_tol=1e-7, abs_tol=1e-9)
    # the mixed partial the other way round is the same value
    other = _value(diff(diff(f, "y"), "x"), at)
    assert math.isclose(ours, other, rel_tol=1e-9, abs_tol=1e-12)


def test_product_rule_terms_are_the_products_of_the_other_factors():
    x = Var("x")
    factors = [x + i for i in range(1, 301)]
    d = diff(symdiff.nodes.mul(*factors), x)
    assert type(d) is symdiff.Add and len(d.args) == 300
    assert all(len(term.args) == 299 for term in d.args)
    assert set(d.args) == {symdiff.nodes.mul(*factors[:i], *factors[i + 1 :]) for i in range(300)}
    # at a root every term but one vanishes: no division by the factors
    small = diff(symdiff.nodes.mul(*factors[:12]), x)
    assert evaluate(small, {"x": -1}) == math.prod(range(1, 12))
