"""lambdify: agreement with evaluate, nesting, shared work, errors, broadcasting, depth and width."""

from __future__ import annotations

import math
import re
import warnings
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import assume, example, given, settings
from strategies import VAR_NAMES, five_points, moderate_exprs, scalar_or_none, well_conditioned

from symdiff import compile as C
from symdiff import functions as F
from symdiff.compile import BLOCK_ELEMENTS, INLINE_OPERANDS, _share_products, lambdify
from symdiff.errors import EvaluationError, LimitError, SymdiffError
from symdiff.evaluate import evaluate
from symdiff.nodes import Const, Var, add, mul, symbols
from symdiff.walk import postorder, size

x, y, z = symbols("x y z")
pi = F.lookup("pi")

ASSIGNMENT = re.compile(r"^    (_t\d+) = ", re.MULTILINE)


def _operations(exprs_) -> int:
    """Distinct nodes that are not leaves, with the partial products lambdify shares: one statement each."""
    order, _ = _share_products(postorder(exprs_))
    return sum(1 for n in order if type(n) not in (Var, Const))


# -- agreement with evaluate -------------------------------------------------------------

# Every node kind: Const (int, Fraction, float), Var, Add, Mul, Pow (numeric and symbolic
# exponent, negative powers), Call of one and two arguments, and the constant pi.
NODE_KIND_EXPRS = [
    x**2 * y + y + 2,
    F.sin(x) * F.exp(-y) / (1 + x**2),
    x**y - Fraction(1, 3) * x ** Fraction(1, 3) + 0.25 * y**-2,
    F.max(x, y) * F.log(x) + F.sqrt(x) * pi(),
    2**x + pi() ** y,
]
XS = np.array([0.3, 0.7, 1.0, 1.6, 2.5])
YS = np.array([-1.5, -0.5, 0.4, 1.0, 1.5])


@pytest.mark.parametrize("e", NODE_KIND_EXPRS, ids=str)
def test_agrees_with_evaluate_on_scalars(e):
    f = lambdify([x, y], e)
    for a, b in zip(XS, YS, strict=True):
        got = f(float(a), float(b))
        assert type(got) is float
        assert math.isclose(got, evaluate(e, {"x": a, "y": b}), rel_tol=1e-13), (a, b)


@pytest.mark.parametrize("e", NODE_KIND_EXPRS, ids=str)
def test_agrees_with_evaluate_on_arrays(e):
    got = lambdify([x, y], e)(XS, YS)
    assert type(got) is np.ndarray and got.dtype == np.float64 and got.shape == XS.shape
    # the same NumPy kernels in the same order: the same numbers
    np.testing.assert_array_equal(got, evaluate(e, {"x": XS, "y": YS}))


def _grid(spec, n=9):
    lo, hi = spec.domain
    points = np.linspace(lo, hi, n)
    # For two arguments: the second runs backwards, so the middle point is a tie.
    return [points if i == 0 else points[::-1].copy() for i in range(spec.arity)]


@pytest.mark.parametrize("name", sorted(F.REGISTRY))
def test_every_registered_function_agrees_with_evaluate(name):
    spec = F.lookup(name)
    params = [x, y][: spec.arity]
    e = spec(*params)
    f = lambdify(params, e)
    grid = _grid(spec)
    env = dict(zip(("x", "y"), grid, strict=False))
    if spec.arity:
        np.testing.assert_array_equal(f(*grid), evaluate(e, env))
    for i in range(len(grid[0]) if spec.arity else 1):
        point = [float(g[i]) for g in grid]
        got = f(*point)
        assert type(got) is float
        assert math.isclose(got, evaluate(e, dict(zip(("x", "y"), point, strict=False))), rel_tol=1e-12), point


def test_arity_zero_pi():
    assert lambdify([], pi())() == math.pi
    np.testing.assert_array_equal(lambdify([x], pi())(np.zeros(3)), [math.pi] * 3)
    # pi's kernel returns a Python float: pi**pi goes through np.power, not float ** float
    f = lambdify([], pi() ** pi())
    assert "_pow(" in f.source
    assert f() == math.pi**math.pi


def test_a_sum_longer_than_a_line_is_a_running_sum():
    terms = [(x + i) ** 2 for i in range(3 * INLINE_OPERANDS + 5)]
    e = add(*terms)
    f = lambdify([x], e)
    assert f(0.5) == evaluate(e, {"x": 0.5})  # left to right, as evaluate adds
    np.testing.assert_array_equal(f(XS), evaluate(e, {"x": XS}))
    assert max(len(line) for line in f.source.splitlines()) < 20 * INLINE_OPERANDS
    p = mul(*[x + i for i in range(1, 2 * INLINE_OPERANDS + 2)])
    assert lambdify([x], p)(0.25) == evaluate(p, {"x": 0.25})


# -- outputs --------------------------------------------------------------------------------


def test_nested_lists_and_tuples_keep_their_nesting():
    f = lambdify([x, y], [[x, y], [x * y, [2, (x + y,)]], ()])
    assert f(2, 3) == [[2.0, 3.0], [6.0, [2.0, (5.0,)]], ()]
    assert lambdify([x], (x, [x + 1]))(1) == (1.0, [2.0])
    assert lambdify([x], [])(1) == []
    assert lambdify([x], 3)(1) == 3.0  # a plain number is an expression too


def test_deeply_nested_lists():
    depth = 5_000
    nested = x
    for _ in range(depth):
        nested = [nested]
    out = lambdify([x], nested)(4)
    for _ in range(depth):
        assert type(out) is list and len(out) == 1
        out = out[0]
    assert out == 4.0


def test_a_list_that_contains_itself_is_an_error():
    loop = [x]
    loop.append(loop)
    with pytest.raises(SymdiffError, match="contains itself"):
        lambdify([x], loop)
    row = [x, y]
    assert lambdify([x, y], [row, row])(1, 2) == [[1.0, 2.0], [1.0, 2.0]]  # shared, not nested


def test_arguments_follow_vars_order_and_accept_var_or_str():
    e = x - 10 * y
    assert lambdify([x, y], e)(5, 1) == -5.0
    assert lambdify([y, x], e)(5, 1) == 1 - 50.0
    assert lambdify(["y", x], e)(5, 1) == 1 - 50.0
    assert lambdify(("x", "y"), e)(5, 1) == -5.0
    assert lambdify(x, F.sin(x))(0) == 0.0
    assert lambdify("x", x * 2)(1.5) == 3.0
    # unused arguments are allowed
    assert lambdify([x, y, z], x)(1, 2, 3) == 1.0


def test_scalar_results_are_python_floats():
    f = lambdify([x, y], [x * y, 1])
    for a in (2, 2.0, np.float32(2), np.int64(2), np.array(2.0), Fraction(2)):
        out = f(a, 3)
        assert out == [6.0, 1.0] and all(type(v) is float for v in out)


def test_constant_outputs_broadcast_with_arrays():
    xs = np.array([1.0, 2.0, 3.0])
    ys = np.array([[10.0], [20.0]])
    f = lambdify([x, y], [[2, x], [y, x * y]])  # a Hessian-like table of mixed dependence
    table = np.array(f(xs, ys))
    assert table.shape == (2, 2, 2, 3)
    np.testing.assert_array_equal(table[0, 0], np.full((2, 3), 2.0))
    np.testing.assert_array_equal(table[0, 1], np.broadcast_to(xs, (2, 3)))
    np.testing.assert_array_equal(table[1, 0], np.broadcast_to(ys, (2, 3)))
    np.testing.assert_array_equal(table[1, 1], xs * ys)
    one = lambdify([x], Const(7))(xs)
    assert type(one) is np.ndarray and one.shape == (3,) and one.flags.writeable
    # an argument that is a scalar does not change the shape
    assert lambdify([x, y], 1)(xs, 5).shape == (3,)


def test_outputs_are_fresh_arrays():
    xs = np.array([1.0, 2.0])
    out = lambdify([x, y], [x, y, y])(xs, np.array([3.0, 4.0]))
    assert out[0] is not xs and not np.shares_memory(out[0], xs)
    assert out[1] is not out[2]
    out[1][0] = 99.0
    assert out[2][0] == 3.0
    single = lambdify([x], x)(xs)
    single[0] = 99.0
    assert xs[0] == 1.0


def test_lists_and_integer_arrays_are_floats():
    f = lambdify([x], x**-1)
    np.testing.assert_array_equal(f(np.array([1, 2, 4])), [1.0, 0.5, 0.25])
    np.testing.assert_array_equal(f([1, 2, 4]), [1.0, 0.5, 0.25])
    np.testing.assert_array_equal(f([Fraction(1, 2)]), [2.0])


def test_domain_errors_give_nan_and_inf_without_warnings():
    f = lambdify([x], [F.log(x), F.sqrt(x), 1 / x, F.asin(x), x**0.5, F.exp(x)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        at_zero = f(0.0)
        at_minus_one = f(-1.0)
        big = f(1000.0)
        arrays = f(np.array([0.0, -1.0]))
    assert at_zero == [-math.inf, 0.0, math.inf, 0.0, 0.0, 1.0]
    assert [math.isnan(v) for v in at_minus_one] == [True, True, False, False, True, False]
    assert big[5] == math.inf
    assert arrays[0][0] == -math.inf and math.isnan(arrays[0][1])
    with pytest.raises(EvaluationError):  # evaluate, by contrast, reports a scalar domain error
        evaluate(F.log(x), {"x": 0.0})


# -- generated code ---------------------------------------------------------------------


def test_products_that_share_factors_share_a_partial_product():
    a, b, c, d, g = symbols("a b c d g")
    products = [2 * a * b * c * d, 2 * a * b * c * g, 2 * a * b * d * g]
    f = lambdify([a, b, c, d, g], products)
    # 2*a*b once (2 multiplications), 2*a*b*c once (1), then 1 + 1 + 2: 7 instead of 12
    assert f.source.count(" * ") == 7
    assert f(1, 2, 3, 5, 7) == [60.0, 84.0, 140.0]


def _body(f) -> list[str]:
    """The statements of a compiled function, without its comments."""
    return [line.strip() for line in f.source.splitlines()[1:] if not line.strip().startswith("#")]


def test_a_product_that_contains_another_product_multiplies_that_one():
    a, b, c, d = symbols("a b c d")
    f = lambdify([a, b, c, d], [a * b * c, a * b * c * d, a * b * c * d**2])
    # a*b*c once (2 multiplications), then each longer product is it times the rest
    assert _body(f) == [
        "_t0 = _a0 * _a1 * _a2",
        "_t1 = _t0 * _a3",
        "_t2 = _a3 ** _c0",
        "_t2 = _t0 * _t2",
        "return (_t0, _t1, _t2, )",
    ]
    assert f(2, 3, 5, 7) == [30.0, 210.0, 1470.0]


def test_a_sum_subtracts_a_negated_product_that_nothing_else_reads():
    a, b, c = symbols("a b c")
    f = lambdify([a, b, c], [1 - a**2, b - a * c])
    assert _body(f) == [
        "_t0 = _a0 ** _c2",
        "_t0 = _c0 - _t0",  # 1 - a**2: one operation, not -1*t then 1 + t
        "_t1 = _a1 - _a0 * _a2",  # -a*c + b, its first two terms swapped: a sum of two is exact either way
        "return (_t0, _t1, )",
    ]
    h = lambdify([a, b, c], -a * b - b**2 + c)
    assert _body(h) == ["_t0 = _a1 ** _c1", "_t0 = -_a0 * _a1 - _t0 + _a2", "return _t0"]
    assert f(2, 3, 5) == [-3.0, -7.0] and h(2, 3, 5) == -10.0
    # negation is exact: the same numbers as evaluate's -1*u, bit for bit
    values = {"a": XS, "b": YS, "c": XS * YS}
    for e, got in zip([1 - a**2, b - a * c, -a * b - b**2 + c], [*f(XS, YS, XS * YS), h(XS, YS, XS * YS)], strict=True):
        np.testing.assert_array_equal(got, evaluate(e, values))
    # a negated term that two sums read is computed once, as it was
    g = lambdify([a], [1 - a**2, 2 - a**2])
    assert _body(g) == [
        "_t0 = _a0 ** _c2",
        "_t0 = _c1 * _t0",
        "_t1 = _c0 + _t0",
        "_t0 = _c2 + _t0",
        "return (_t1, _t0, )",
    ]


def test_shared_work_is_done_once():
    u = x * y
    f = F.sin(u) * F.exp(u)
    g = F.cos(u) * y * F.exp(u) + F.sin(u) * F.exp(u) * y  # d f / d x, written out
    h = lambdify([x, y], [f, [g, f]])
    assignments = ASSIGNMENT.findall(h.source)
    # one statement per distinct operation node of f and g together; leaves are named directly
    assert len(assignments) == _operations([f, g])
    # no partial product is added: y*exp(u)*sin(u) is f times y, f computed anyway
    assert size([f, g]) == len(assignments) + sum(1 for n in postorder([f, g]) if type(n) in (Var, Const))
    # x*y, then f, f*y, y*cos(u)*exp(u): five multiplications, not six
    assert h.source.count(" * ") == 5
    assert h.source.count("_sin(") == h.source.count("_exp(") == h.source.count("_cos(") == 1
    assert h.source.count("_a0 * _a1") == 1
    a, b = 0.7, -1.3
    expected_f = math.sin(a * b) * math.exp(a * b)
    got = h(a, b)
    assert math.isclose(got[0], expected_f, rel_tol=1e-14) and got[1][1] == got[0]
    assert math.isclose(got[1][0], evaluate(g, {"x": a, "y": b}), rel_tol=1e-14)


def test_variable_names_cannot_clash_with_generated_names():
    names = ["lambda", "np", "if", "_a1", "_t0", "_c0", "_pow", "_f0_sin", "None", "return", "def"]
    vs = [Var(n) for n in names]
    e = add(*[Const(i + 1) * F.sin(v) ** (i + 1) for i, v in enumerate(vs)]) + vs[0] * vs[1] / vs[-1]
    values = [0.1 * (i + 1) for i in range(len(names))]
    got = lambdify(vs, e)(*values)
    assert math.isclose(got, evaluate(e, dict(zip(names, values, strict=True))), rel_tol=1e-13)
    assert lambdify(names, vs[2] * 2)(*values) == values[2] * 2


def test_source_name_and_doc():
    f = lambdify([x, y], [x * y + F.sin(x), 2])
    assert f.__name__ == "lambdified"
    assert f.vars == ("x", "y")
    assert f.source.startswith("def _lambdified(_a0, _a1):\n    # _a0 = x, _a1 = y\n")
    assert "[0] x*y + sin(x)" in f.__doc__ and "[1] 2" in f.__doc__
    assert f.__doc__.startswith("lambdified(x, y): 2 expressions")
    g = lambdify("x", F.exp(x))
    assert g.__doc__.startswith("lambdified(x) -> exp(x)")
    assert "eval" not in f.source and "import" not in f.source


def test_temporaries_are_reused():
    e = x
    for _ in range(50):
        e = F.sin(e) + 1
    f = lambdify([x], e)
    assert len(ASSIGNMENT.findall(f.source)) == 100
    assert len(set(re.findall(r"_t\d+", f.source))) <= 2
    assert math.isclose(f(0.3), evaluate(e, {"x": 0.3}), rel_tol=1e-13)


# -- errors ------------------------------------------------------------------------------


def test_wrong_number_of_arguments():
    f = lambdify([x, y], x + y)
    with pytest.raises(TypeError, match=re.escape("lambdified function takes 2 arguments (x, y) but 3 were given")):
        f(1, 2, 3)
    with pytest.raises(TypeError, match=re.escape("lambdified function takes 2 arguments (x, y) but 1 was given")):
        f(1)
    with pytest.raises(TypeError, match=re.escape("lambdified function takes 1 argument (x) but 0 were given")):
        lambdify([x], x)()
    with pytest.raises(TypeError, match=re.escape("lambdified function takes 0 arguments () but 1 was given")):
        lambdify([], 1)(5)


def test_free_variable_not_among_the_arguments():
    with pytest.raises(SymdiffError, match=re.escape("expression uses y, which is not among the arguments (x)")):
        lambdify([x], x * y)
    with pytest.raises(SymdiffError, match=re.escape("expression uses y, z, which are not among the arguments (x)")):
        lambdify(x, [x, [z * y]])
    with pytest.raises(SymdiffError, match=re.escape("expression uses x, which is not among the arguments ()")):
        lambdify([], F.sin(x))


@pytest.mark.parametrize(
    "vars_, error, message",
    [
        ([x, "x"], SymdiffError, "lambdify arguments must be distinct: x given more than once"),
        (["y", x, y, x], SymdiffError, "lambdify arguments must be distinct: y, x given more than once"),
        (["1x"], SymdiffError, "invalid variable name '1x'"),
        ("x y", SymdiffError, "invalid variable name 'x y': pass several variables as a list"),
        (["pi"], SymdiffError, "invalid variable name 'pi': it names a constant"),
        ([x + 1], SymdiffError, "lambdify arguments must be variables, not the expression x + 1"),
        ([3], TypeError, "lambdify arguments must be variables (Var or str), not int"),
        (3, TypeError, "lambdify needs variables (Var, name or list), not int"),
    ],
)
def test_bad_variables(vars_, error, message):
    with pytest.raises(error, match=re.escape(message)):
        lambdify(vars_, 1)


def test_bad_expressions():
    with pytest.raises(TypeError, match="expected an expression or a number, not str"):
        lambdify([x], "x + 1")
    with pytest.raises(TypeError, match="not NoneType"):
        lambdify([x], [x, None])


def test_constant_too_large_for_a_float_is_a_limit_error():
    with pytest.raises(LimitError, match=r"the constant 1(0)+\.\.\. \(401 characters\) is too large for a float"):
        lambdify([x], Const(10**400) * x)
    with pytest.raises(LimitError, match="too large for a float"):
        lambdify([x], x - Const(Fraction(-(10**400), 3)))
    # tiny is fine: it rounds to zero, as float() does
    assert lambdify([x], Const(Fraction(1, 10**400)) + x)(1) == 1.0


@pytest.mark.parametrize(
    "value, message",
    [
        ("abc", "the value of 'x' must be a real number or array, got str"),
        (True, "the value of 'x' must be a real number or array, got bool"),
        (1 + 2j, "the value of 'x' must be a real number or array, got complex"),
        (None, "the value of 'x' must be a real number or array, got NoneType"),
        (np.array([1 + 1j]), "the value of 'x' must be a real array, got dtype complex128"),
        (np.array([True]), "the value of 'x' must be a real array, got dtype bool"),
        (np.array(["1.0"]), "the value of 'x' must be a real array, got dtype <U3"),
        ([[1, 2], [3]], "the value of 'x' is not a real array"),
        ([None], "the value of 'x' is not a real array"),
        (10**400, "the value of 'x' is too large for a float"),
    ],
)
def test_bad_argument_values(value, message):
    with pytest.raises(EvaluationError, match=re.escape(message)):
        lambdify([x, y], x + y)(value, 1.0)


def test_arguments_that_do_not_broadcast():
    f = lambdify([x, y, z], x)  # even arguments the expression does not use
    with pytest.raises(
        EvaluationError,
        match=re.escape("the arguments do not broadcast together: x has shape (3,), z has shape (2,)"),
    ):
        f(np.ones(3), 1.0, np.ones(2))


# -- random expressions --------------------------------------------------------------------





@settings(max_examples=200, deadline=None)
@given(moderate_exprs, five_points)
@example(F.log(x) + y ** Fraction(1, 3) + 1 / z, [(1.0, 8.0, 2.0), (0.0, -8.0, 0.0)] * 2 + [(2.0, 1.0, 0.5)])
def test_lambdify_agrees_with_evaluate_on_random_expressions(e, points):
    try:
        f = lambdify(list(VAR_NAMES), e)
    except LimitError:  # a folded constant beyond the float range: evaluate refuses it too
        assume(False)
    # Scalars: where evaluate reports a domain error the point is skipped (lambdify gives
    # nan or inf there instead); everywhere else the two agree.
    compared = 0
    for p in points:
        expected = scalar_or_none(e, dict(zip(VAR_NAMES, p, strict=True)))
        if expected is None:
            continue
        got = f(*p)
        assert type(got) is float
        assert (
            got == expected
            or math.isclose(got, expected, rel_tol=1e-7, abs_tol=1e-9)
            or (math.isnan(got) and math.isnan(expected))
        ), (str(e), p, got, expected)
        compared += 1
    assume(compared)
    # Arrays: both follow NumPy, nan and inf included; points where the last bit of one
    # operation moves the value (cos of 2e9) are left out.
    arrays = [np.array([p[i] for p in points]) for i in range(len(VAR_NAMES))]
    got = f(*arrays)
    assert got.shape == (len(points),)
    expected = np.broadcast_to(evaluate(e, dict(zip(VAR_NAMES, arrays, strict=True))), got.shape)
    steady = [
        i for i, p in enumerate(points)
        if scalar_or_none(e, dict(zip(VAR_NAMES, p, strict=True))) is None
        or well_conditioned(e, dict(zip(VAR_NAMES, p, strict=True)))
    ]
    np.testing.assert_allclose(got[steady], expected[steady], rtol=1e-7, atol=1e-9, equal_nan=True, err_msg=str(e))


# -- depth and width -------------------------------------------------------------------------

N = 100_000


def test_nested_sin_100000_deep():
    e = x
    for _ in range(N):
        e = F.sin(e)
    f = lambdify([x], e)
    assert len(ASSIGNMENT.findall(f.source)) == N
    assert set(re.findall(r"_t\d+", f.source)) == {"_t0"}  # one temporary, reused
    assert f(0.5) == pytest.approx(evaluate(e, {"x": 0.5}), rel=1e-12)
    points = np.array([-2.0, 0.5, 3.0])
    np.testing.assert_array_equal(f(points), evaluate(e, {"x": points}))


def test_sum_of_100000_terms():
    e = add(*[x**i for i in range(1, N + 1)])
    assert len(e.args) == N
    f = lambdify([x], e)
    # one statement per power, and the sum as a running sum, a chunk per statement
    assert len(ASSIGNMENT.findall(f.source)) == _operations(e) - 1 + -(-N // INLINE_OPERANDS)
    assert max(len(line) for line in f.source.splitlines()) < 20 * INLINE_OPERANDS
    assert len(set(re.findall(r"_t\d+", f.source))) <= INLINE_OPERANDS + 2
    points = np.array([-0.999, 0.5, 0.9999])
    np.testing.assert_array_equal(f(points), evaluate(e, {"x": points}))
    assert f(-0.999) == pytest.approx(evaluate(e, {"x": -0.999}), rel=1e-12)


# -- long arrays in blocks ---------------------------------------------------------------------

LONG = 4 * BLOCK_ELEMENTS + 123  # four blocks and a short one


@pytest.fixture
def blocks(monkeypatch):
    """The row counts of the blocked runs: one entry per call that went in blocks."""
    seen: list[int] = []

    def spy(inner, values, shape, rows, single):
        seen.append(rows)
        return in_blocks(inner, values, shape, rows, single)

    in_blocks = C._in_blocks
    monkeypatch.setattr(C, "_in_blocks", spy)
    return seen


def test_long_arrays_go_in_blocks_with_the_same_numbers(blocks):
    # every elementwise built-in, and a power and a subtraction
    e = (
        F.sin(x) * F.exp(-y) + F.tanh(x * y) - F.sigmoid(x) ** 2 + F.relu(y) * F.softplus(x)
        + F.step(x - y) + F.max(x, y) * pi() + F.sqrt(F.abs(x)) - F.log(1 + y**2) / F.cosh(x)
    )
    rng = np.random.default_rng(5)
    xs, ys = rng.uniform(-3, 3, LONG), rng.uniform(-3, 3, LONG)
    got = lambdify([x, y], [e, x, 2])(xs, ys)
    assert blocks == [BLOCK_ELEMENTS]
    # bit for bit what evaluate computes on the whole arrays
    np.testing.assert_array_equal(got[0], evaluate(e, {"x": xs, "y": ys}))
    np.testing.assert_array_equal(got[1], xs)
    assert got[1] is not xs
    np.testing.assert_array_equal(got[2], np.full(LONG, 2.0))


def test_blocks_cut_the_first_dimension_and_broadcast_the_rest(blocks):
    rng = np.random.default_rng(6)
    xs, ys, zs = rng.normal(size=(LONG // 3, 3)), rng.normal(size=3), rng.normal(size=(1, 3))
    e = x * y - F.exp(z) * x**2
    got = lambdify([x, y, z], e)(xs, ys, zs)
    assert blocks == [BLOCK_ELEMENTS // 3]
    assert got.shape == (LONG // 3, 3)
    np.testing.assert_array_equal(got, evaluate(e, {"x": xs, "y": ys, "z": zs}))
    # a scalar argument, and a first dimension that other arguments broadcast along
    got = lambdify([x, y], x * y)(2.0, rng.normal(size=(LONG, 1)) * np.ones((1, 2)))
    assert got.shape == (LONG, 2) and blocks == [BLOCK_ELEMENTS // 3, BLOCK_ELEMENTS // 2]


def test_no_blocks_for_short_arrays_reductions_or_unknown_kernels(blocks, monkeypatch):
    lambdify([x], F.sin(x))(np.ones(4 * BLOCK_ELEMENTS - 1))  # fewer than four blocks
    lambdify([x], F.sin(x))(np.ones((3, BLOCK_ELEMENTS + 1)))  # a row longer than a block
    xs = np.linspace(-1, 1, LONG)
    total = lambdify([x], [F.sum(x**2), x])(xs)  # a sum over the samples needs all of them
    assert total[0] == np.sum(xs**2)
    monkeypatch.setattr(F, "REGISTRY", dict(F.REGISTRY))
    F.register_function("cumulative", 1, math.sin, np.cumsum)  # not elementwise: not cut
    np.testing.assert_array_equal(lambdify([x], F.call("cumulative", x))(xs), np.cumsum(xs))
    assert blocks == []


# -- the JAX backend -----------------------------------------------------------------------------


def test_jax_backend_agrees_with_numpy():
    pytest.importorskip("jax")
    loss = F.mean((F.tanh(x * y) - z) ** 2)
    pieces = F.relu(x - y) + F.max(x, y) + F.abs(F.step(y)) + F.softplus(y) - F.sign(x)
    exprs = [x * y, [F.sin(x) ** 2, 2], F.sigmoid(x) + pi(), pieces]
    for outputs, args in [
        (exprs, (0.5, np.array([1.0, 2.0, -3.0]), 0.25)),
        ([loss, x + 1], (np.array([0.1, 0.2]), 3.0, np.array([1.0, -1.0]))),
    ]:
        jitted = lambdify([x, y, z], outputs, backend="jax")
        expected = lambdify([x, y, z], outputs)(*args)
        got = jitted(*args)
        np.testing.assert_allclose(np.hstack(_leaves(got)), np.hstack(_leaves(expected)), rtol=1e-5)
        assert _shape_of(got) == _shape_of(expected)  # same nesting, same broadcast shapes


def _leaves(nested) -> list:
    return [np.ravel(np.asarray(v, dtype=float)) for v in _flat(nested)]


def _flat(nested) -> list:
    out, stack = [], [nested]
    while stack:
        item = stack.pop()
        if isinstance(item, (list, tuple)):
            stack.extend(reversed(item))
        else:
            out.append(item)
    return out


def _shape_of(nested) -> list:
    return [np.shape(v) for v in _flat(nested)]


def test_jax_backend_wrong_argument_count():
    pytest.importorskip("jax")
    with pytest.raises(TypeError, match="takes 2 arguments"):
        lambdify([x, y], x + y, backend="jax")(1.0)


def test_jax_backend_needs_jax(monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "jax", None)  # `import jax` raises ImportError
    with pytest.raises(SymdiffError, match=re.escape("the jax backend needs JAX: pip install 'jax[cpu]'")):
        lambdify([x], x + 1, backend="jax")


def test_jax_backend_rejects_a_user_function(monkeypatch):
    pytest.importorskip("jax")
    monkeypatch.setattr(F, "REGISTRY", dict(F.REGISTRY))  # the registration is undone after the test
    F.register_function("jaxless", 1, math.sin, np.sin, lambda u: [F.cos(u)])
    with pytest.raises(SymdiffError, match="no jax.numpy kernel for the function 'jaxless'"):
        lambdify([x], F.call("jaxless", x), backend="jax")


def test_unknown_backend():
    with pytest.raises(SymdiffError, match="unknown backend 'torch'"):
        lambdify([x], x, backend="torch")
