"""The function registry, checked generically: every entry, present and future."""

import math

import numpy as np
import pytest

from symdiff import functions as F
from symdiff.errors import ArityError, DifferentiationError, RegistryError, UnknownFunctionError
from symdiff.evaluate import evaluate
from symdiff.nodes import Call, Const, Var, symbols

x, y = symbols("x y")
BUILTINS = sorted(name for name, spec in F.REGISTRY.items() if spec.arity > 0 and not spec.reduction)
ARGS = [Var(f"a{i}") for i in range(2)]


def _points(spec, rng, n=5):
    lo, hi = spec.domain
    pts = rng.uniform(lo, hi, size=(n, spec.arity))
    if spec.name in ("max", "min"):
        pts[:, 1] = pts[:, 0] + rng.choice([-1.0, 1.0], size=n) * rng.uniform(0.2, 1.0, size=n)
    if spec.name in ("abs", "sign", "step", "relu"):
        pts = np.where(np.abs(pts) < 0.1, 0.5, pts)  # away from the kink
    return pts


def test_required_functions_are_registered():
    required = "sin cos tan asin acos atan sinh cosh tanh exp log sqrt abs sign step sigmoid relu softplus max min"
    assert set(required.split()) <= set(F.REGISTRY)
    assert F.lookup("max").arity == 2 and F.lookup("min").arity == 2


def test_reductions_are_the_only_functions_without_a_rule_for_one_argument():
    assert sorted(n for n, spec in F.REGISTRY.items() if spec.reduction) == ["mean", "sum"]
    with pytest.raises(DifferentiationError, match=r"^sum is a reduction over samples: its derivative is sum\(du\)"):
        F.lookup("sum").partials([ARGS[0]])


@pytest.mark.parametrize("name", BUILTINS)
def test_partials_match_central_differences(name, rng):
    spec = F.lookup(name)
    args = ARGS[: spec.arity]
    partials = spec.partials(args)
    for point in _points(spec, rng):
        env = {f"a{i}": float(v) for i, v in enumerate(point)}
        for i, partial in enumerate(partials):
            h = 1e-6
            up, down = list(point), list(point)
            up[i] += h
            down[i] -= h
            numeric = (spec.scalar(*up) - spec.scalar(*down)) / (2 * h)
            assert evaluate(partial, env) == pytest.approx(numeric, rel=1e-5, abs=1e-6), (name, point, i)


@pytest.mark.parametrize("name", BUILTINS)
def test_scalar_and_numpy_kernels_agree(name, rng):
    spec = F.lookup(name)
    pts = _points(spec, rng, n=20)
    columns = [pts[:, i] for i in range(spec.arity)]
    vectorized = spec.numpy(*columns)
    for row, got in zip(pts, vectorized, strict=True):
        assert got == pytest.approx(spec.scalar(*row), rel=1e-12, abs=1e-15)
    expr = spec(*ARGS[: spec.arity])
    env = {f"a{i}": columns[i] for i in range(spec.arity)}
    np.testing.assert_allclose(evaluate(expr, env), vectorized, rtol=1e-12)


@pytest.mark.parametrize(
    "name, point, expected",
    [
        ("relu", (0.0,), [0.0]),  # relu'(0) = 0, as JAX and PyTorch
        ("abs", (0.0,), [0.0]),  # abs'(0) = 0
        ("step", (0.0,), [0.0]),
        ("sign", (0.0,), [0.0]),
        ("max", (1.0, 1.0), [1.0, 0.0]),  # a tie sends the gradient to the first argument
        ("min", (1.0, 1.0), [1.0, 0.0]),
        ("max", (2.0, 1.0), [1.0, 0.0]),
        ("max", (1.0, 2.0), [0.0, 1.0]),
        ("sigmoid", (0.0,), [0.25]),
    ],
)
def test_choices_at_kinks(name, point, expected):
    spec = F.lookup(name)
    partials = spec.partials(ARGS[: spec.arity])
    env = {f"a{i}": v for i, v in enumerate(point)}
    assert [evaluate(p, env) for p in partials] == expected


def test_derivative_rules_are_the_known_compact_forms():
    assert F.lookup("sigmoid").partials([x]) == (F.sigmoid(x) * (1 - F.sigmoid(x)),)
    assert F.lookup("tanh").partials([x]) == (1 - F.tanh(x) ** 2,)
    assert F.lookup("sin").partials([x]) == (F.cos(x),)
    assert F.lookup("relu").partials([x]) == (F.step(x),)


@pytest.mark.parametrize(
    "built, expected",
    [
        (F.sin(0), Const(0)),
        (F.cos(0), Const(1)),
        (F.exp(0), Const(1)),
        (F.log(1), Const(0)),
        (F.sqrt(9), Const(3)),
        (F.sqrt(Const(4) / 9), Const(2) / 3),
        (F.abs(-3), Const(3)),
        (F.max(2, 5), Const(5)),
        (F.min(2, 5), Const(2)),
        (F.relu(-2), Const(0)),
        (F.sigmoid(0), Const(1) / 2),
        (F.log(F.exp(x)), x),
        (F.sin(0.5), Const(math.sin(0.5))),
    ],
)
def test_exact_folds(built, expected):
    assert built is expected


def test_exact_arguments_without_a_special_value_stay_symbolic():
    assert type(F.sin(1)) is Call
    assert type(F.sqrt(2)) is Call
    assert type(F.log(-1.0)) is Call  # not real: left for evaluate to report


def test_unknown_function_lists_the_known_ones():
    with pytest.raises(UnknownFunctionError, match=r"unknown function 'foo'; known functions: abs, acos"):
        F.lookup("foo")


def test_wrong_arity_names_the_function():
    with pytest.raises(ArityError, match=r"function 'sin' takes 1 argument, got 2"):
        F.sin(x, y)
    with pytest.raises(ArityError, match=r"function 'max' takes 2 arguments, got 1"):
        F.max(x)


def test_register_a_user_function():
    cube = F.register_function(
        "cube_t", 1, lambda u: u**3, deriv=lambda u: [3 * u**2], latex=r"\operatorname{{cube}}\left({0}\right)",
        replace=True,
    )
    e = cube(x + 1)
    assert evaluate(e, {"x": 1}) == 8.0
    np.testing.assert_allclose(evaluate(e, {"x": np.array([0.0, 1.0])}), [1.0, 8.0])
    assert cube.partials([x]) == (3 * x**2,)


def test_register_rejects_bad_specs():
    with pytest.raises(RegistryError, match="already registered"):
        F.register_function("sin", 1, math.sin)
    with pytest.raises(RegistryError, match="already registered"):
        F.register_function("e", 0, lambda: 2.0)
    with pytest.raises(RegistryError, match="invalid function name"):
        F.register_function("2f", 1, math.sin)
    with pytest.raises(RegistryError, match="arity"):
        F.register_function("f_neg", -1, math.sin)
    with pytest.raises(RegistryError, match="must be callable"):
        F.register_function("f_nc", 1, 3)


def test_function_without_derivative_says_so():
    f = F.register_function("noderiv_t", 1, math.sin, replace=True)
    with pytest.raises(DifferentiationError, match="function 'noderiv_t' has no derivative rule"):
        f.partials([x])


def test_pi_and_e_constants():
    pi = F.lookup_constant("pi")
    assert evaluate(pi, {}) == math.pi
    assert evaluate(F.lookup_constant("e"), {}) == math.e
    assert F.lookup_constant("x") is None


def test_zero_arity_function_is_a_named_constant_that_reads_back():
    from symdiff.parse import parse

    tau = F.register_function("tau_t", 0, lambda: 2 * math.pi, replace=True)
    assert parse("tau_t") is tau()
    assert parse(str(2 * tau())) is 2 * tau()
    assert evaluate(parse("tau_t/2"), {}) == math.pi


def test_default_array_kernel_gives_nan_on_a_domain_error():
    f = F.register_function("mylog_t", 1, math.log, replace=True)
    got = evaluate(f(x), {"x": np.array([1.0, 0.0])})
    assert got[0] == 0.0 and math.isnan(got[1])


def test_scalar_kernels_propagate_nan_like_numpy():
    nan = float("nan")
    for name in ["max", "min", "step", "sign", "relu", "abs"]:
        spec = F.lookup(name)
        args = [nan, 2.0][: spec.arity]
        assert math.isnan(spec.scalar(*args)), name
        assert math.isnan(spec.numpy(*[np.array([a]) for a in args])[0]), name
