"""Hypothesis strategies: random expression graphs and random expression source text.

``exprs()`` builds nodes through the public constructors and operators (so every
result is already canonical and interned); ``texts()`` builds *source text* from a
small grammar that mirrors ``grammar/symdiff.lark``, so every text it makes is
valid input for ``parse``.
"""

from __future__ import annotations

from fractions import Fraction

from hypothesis import assume
from hypothesis import strategies as st

from symdiff import functions
from symdiff.errors import EvaluationError, LimitError
from symdiff.evaluate import evaluate
from symdiff.nodes import Add, Const, Expr, Mul, Pow, Var, add, mul, pow_
from symdiff.walk import postorder

VAR_NAMES = ("x", "y", "z")

#: The functions in the registry when this module was imported (before any test
#: registers its own): every one with arity >= 1 gets generated.
BUILTIN_FUNCTIONS = tuple(
    sorted(name for name, spec in functions.REGISTRY.items() if spec.arity >= 1 and not spec.reduction)
)

# -- leaves --------------------------------------------------------------------

small_ints = st.integers(min_value=-6, max_value=12)
small_fractions = st.fractions(min_value=-5, max_value=5, max_denominator=12)
moderate_floats = st.floats(min_value=-1e3, max_value=1e3, allow_nan=False, allow_infinity=False)
any_finite_floats = st.floats(allow_nan=False, allow_infinity=False)


def numbers(wide_floats: bool = True) -> st.SearchStrategy:
    """Python numbers for constants: small ints, Fractions and finite floats.

    ``wide_floats`` adds floats from the whole finite range (subnormals, 1e308).
    """
    choices = [small_ints, small_fractions, moderate_floats]
    if wide_floats:
        choices.append(any_finite_floats)
    return st.one_of(*choices)


def variables(names: tuple[str, ...] = VAR_NAMES) -> st.SearchStrategy:
    return st.sampled_from(names).map(Var)


named_constants = st.sampled_from(("pi", "e")).map(functions.lookup_constant)

# Exponents of ``base ** n``: small ints and Fractions (square and cube roots, ...).
exponents = st.one_of(
    st.integers(min_value=-3, max_value=4),
    st.fractions(min_value=-3, max_value=3, max_denominator=4),
)


# -- expression graphs -----------------------------------------------------------


def _build(make, *args) -> Expr:
    """``make(*args)``, rejecting the example when a constant outgrows the limits."""
    try:
        return make(*args)
    except LimitError:
        assume(False)
        raise  # unreachable: assume(False) raises


_BINARY = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
}


@st.composite
def _binary(draw, children: st.SearchStrategy) -> Expr:
    op = draw(st.sampled_from(sorted(_BINARY)))
    return _build(_BINARY[op], draw(children), draw(children))


@st.composite
def _nary(draw, children: st.SearchStrategy) -> Expr:
    """A sum or product of several operands at once: ``add(a, b, c)``, ``mul(a, b, c, d)``."""
    make = draw(st.sampled_from([add, mul]))
    return _build(make, *draw(st.lists(children, min_size=2, max_size=5)))


@st.composite
def _power(draw, children: st.SearchStrategy) -> Expr:
    base = draw(children)
    # Mostly a numeric exponent; now and then a symbolic one (x^y, 2^sin(x)).
    exp = draw(st.one_of(exponents, exponents, exponents, children))
    return _build(pow_, base, exp)


@st.composite
def _apply(draw, children: st.SearchStrategy, names: tuple[str, ...]) -> Expr:
    spec = functions.lookup(draw(st.sampled_from(names)))
    args = [draw(children) for _ in range(spec.arity)]
    return _build(spec, *args)


@st.composite
def _split(draw, total: int, parts: int) -> list[int]:
    """``total`` as ``parts`` positive ints."""
    cuts = sorted(draw(st.lists(st.integers(1, total - 1), min_size=parts - 1, max_size=parts - 1, unique=True)))
    return [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]


@st.composite
def _sized(draw, leaves: st.SearchStrategy, budget: int, names: tuple[str, ...]) -> Expr:
    """An expression of about ``budget`` leaves (``st.recursive`` mostly makes tiny ones)."""
    if budget <= 1:
        return draw(leaves)
    kind = draw(st.sampled_from(["binary", "nary", "power", "call", "call", "neg"]))
    if kind == "neg":
        return _build(lambda a: -a, draw(_sized(leaves, budget - 1, names)))
    if kind == "call":
        spec = functions.lookup(draw(st.sampled_from(names)))
        sizes = [budget - 1] if spec.arity == 1 else draw(_split(budget, spec.arity))
        return _build(spec, *[draw(_sized(leaves, n, names)) for n in sizes])
    if kind == "power" and draw(st.integers(0, 4)):  # numeric exponent
        return _build(pow_, draw(_sized(leaves, budget - 1, names)), draw(exponents))
    if kind == "nary" and budget > 2:
        make = draw(st.sampled_from([add, mul]))
        sizes = draw(_split(budget, draw(st.integers(2, min(5, budget)))))
        return _build(make, *[draw(_sized(leaves, n, names)) for n in sizes])
    op = pow_ if kind == "power" else _BINARY[draw(st.sampled_from(sorted(_BINARY)))]
    left, right = draw(_split(budget, 2))
    return _build(op, draw(_sized(leaves, left, names)), draw(_sized(leaves, right, names)))


def exprs(
    max_leaves: int = 30,
    function_names: tuple[str, ...] | None = None,
    consts: st.SearchStrategy | None = None,
    var_names: tuple[str, ...] = VAR_NAMES,
) -> st.SearchStrategy:
    """Random expressions over ``var_names``, built with the canonical constructors.

    Half come from ``st.recursive`` (bounded by ``max_leaves``), half are grown to a
    drawn number of leaves up to ``max_leaves``: ``st.recursive`` alone mostly makes
    expressions of one to five nodes.

    Args:
        max_leaves: the bound on leaves.
        function_names: the functions to call (default: every registered function of
            arity >= 1 at the time of the call, except the reductions sum and mean).
        consts: strategy for the numbers of ``Const`` leaves (default ``numbers()``).
        var_names: the variables.
    """
    if function_names is None:
        function_names = tuple(
            sorted(n for n, spec in functions.REGISTRY.items() if spec.arity >= 1 and not spec.reduction)
        )
    leaf_numbers = numbers() if consts is None else consts
    variable = variables(var_names)
    leaves = st.one_of(
        variable,
        variable,
        leaf_numbers.map(lambda v: _build(Const, v)),
        named_constants,
    )

    def extend(children: st.SearchStrategy) -> st.SearchStrategy:
        return st.one_of(
            _binary(children),
            _nary(children),
            _power(children),
            _apply(children, function_names),
            children.map(lambda a: -a),
        )

    grown = st.integers(2, max_leaves).flatmap(lambda n: _sized(leaves, n, function_names))
    return st.one_of(st.recursive(leaves, extend, max_leaves=max_leaves), grown)


# -- source text -------------------------------------------------------------------
#
# Mirrors the grammar's layers: sum > product > unary > power > atom. The only
# delicate rule is the implicit product: it is allowed only when the text so far
# ends with a number or ')' and the right operand starts with a name or '(' and
# carries no sign (``2x``, ``(a)(b)``, ``sin(x)cos(x)``, ``x^2 y``). ``x y`` and
# ``(a)2`` are not expressions, so they are never generated.

_SPACE = st.sampled_from(["", "", "", " ", "  ", "\t", "\n"])
_INT_LITERALS = st.integers(min_value=0, max_value=30).map(str)
_FLOAT_LITERALS = st.sampled_from(["1.5", ".5", "5.", "0.25", "2.0", "1e-3", "2E+2", "3.5e1", "0.1"])
_NAMES = st.sampled_from(VAR_NAMES + ("pi", "e"))


def _ends_closed(text: str) -> bool:
    """The text ends with a number or ')': an implicit product may follow."""
    tail = text.rstrip(" \t\r\n")
    return bool(tail) and (tail[-1].isdigit() or tail[-1] in ".)")


@st.composite
def _number_text(draw) -> str:
    return draw(st.one_of(_INT_LITERALS, _INT_LITERALS, _FLOAT_LITERALS))


@st.composite
def _call_text(draw, depth: int) -> str:
    name = draw(st.sampled_from(BUILTIN_FUNCTIONS + ("pi",)))
    arity = functions.lookup(name).arity
    args = [draw(_sum_text(depth - 1)) for _ in range(arity)]
    sep = "," + draw(_SPACE)
    return f"{name}({draw(_SPACE)}{sep.join(args)}{draw(_SPACE)})"


@st.composite
def _rbase_text(draw, depth: int) -> str:
    """An operand that starts with a name or '(' and has no sign: a name, (sum) or a call."""
    if depth <= 0:
        return draw(_NAMES)
    kind = draw(st.sampled_from(["name", "paren", "call"]))
    if kind == "name":
        return draw(_NAMES)
    if kind == "paren":
        return f"({draw(_SPACE)}{draw(_sum_text(depth - 1))}{draw(_SPACE)})"
    return draw(_call_text(depth))


@st.composite
def _rpow_text(draw, depth: int) -> str:
    """An unsigned operand that may stand right of an implicit product, maybe a power."""
    base = draw(_rbase_text(depth))
    if depth > 0 and draw(st.booleans()):
        op = draw(st.sampled_from(["^", "**"]))
        return f"{base}{draw(_SPACE)}{op}{draw(_SPACE)}{draw(_unary_text(depth - 1))}"
    return base


@st.composite
def _unary_text(draw, depth: int) -> str:
    signs = draw(st.lists(st.sampled_from(["-", "+", "- "]), max_size=2))
    if draw(st.integers(0, 3)) == 0:  # a number, maybe raised to a power
        body = draw(_number_text())
        if depth > 0 and draw(st.booleans()):
            op = draw(st.sampled_from(["^", "**"]))
            body = f"{body}{draw(_SPACE)}{op}{draw(_SPACE)}{draw(_unary_text(depth - 1))}"
    else:
        body = draw(_rpow_text(depth))
    return "".join(signs) + body


@st.composite
def _product_text(draw, depth: int) -> str:
    text = draw(_unary_text(depth))
    for _ in range(draw(st.integers(0, 2 if depth > 0 else 1))):
        kind = draw(st.sampled_from(["*", "/", "implicit"]))
        if kind == "implicit" and _ends_closed(text):
            right = draw(_rpow_text(depth))
            # "2e+1" and "2e-1" are float literals (20.0, 0.2): keep a number apart from a
            # following name e, or the text would not mean the product it was built as.
            space = " " if right[:1] in "eE" else ""
            text += space + draw(_SPACE) + right
        else:
            op = "/" if kind == "/" else "*"
            text += f"{draw(_SPACE)}{op}{draw(_SPACE)}{draw(_unary_text(depth))}"
    return text


@st.composite
def _sum_text(draw, depth: int) -> str:
    text = draw(_product_text(depth))
    for _ in range(draw(st.integers(0, 2 if depth > 0 else 1))):
        op = draw(st.sampled_from(["+", "-"]))
        text += f"{draw(_SPACE)}{op}{draw(_SPACE)}{draw(_product_text(depth))}"
    return text


def texts(max_depth: int = 2) -> st.SearchStrategy:
    """Random valid expression source text, with optional surrounding whitespace."""

    @st.composite
    def _text(draw) -> str:
        return draw(_SPACE) + draw(_sum_text(max_depth)) + draw(_SPACE)

    return _text()


__all__ = [
    "BUILTIN_FUNCTIONS",
    "VAR_NAMES",
    "exponents",
    "exprs",
    "named_constants",
    "numbers",
    "texts",
    "variables",
]


# -- numeric checks ------------------------------------------------------------------

#: Constants without 1e308 or 5e-324, whose sums and products would compare rounding
#: and overflow rather than two ways of computing the same value.
moderate_exprs = exprs(consts=numbers(wide_floats=False))
coordinates = st.floats(min_value=-3, max_value=3, allow_nan=False, allow_infinity=False)
five_points = st.lists(st.tuples(coordinates, coordinates, coordinates), min_size=5, max_size=5)


def scalar_or_none(e: Expr, point: dict) -> float | None:
    """The scalar value, or None where evaluation reports a domain error."""
    try:
        return evaluate(e, point)
    except EvaluationError:
        return None


# -- conditioning ------------------------------------------------------------------


def well_conditioned(e, env) -> bool:
    """Rounding to double precision at every step changes the value by under 1e-11.

    Random expressions can be badly conditioned (``cos(x + 4194304)``, ``tan`` of a large
    argument, cancellation), where any float evaluation is rightly far from SymPy's exact
    value. Evaluating the same graph with mpmath at 53 and at 200 bits tells those apart.
    """
    import mpmath  # a SymPy dependency

    low, high = _mp_evaluate(mpmath, e, env, 53), _mp_evaluate(mpmath, e, env, 200)
    if low is None or high is None:
        return False
    return abs(low - high) <= 1e-11 * abs(high) + 1e-13


def _mp_evaluate(mpmath, e, env, prec):
    """``e`` at ``env`` in mpmath at ``prec`` bits, one rounding per node; None if not real."""
    mp_functions = {
        "sin": mpmath.sin,
        "cos": mpmath.cos,
        "tan": mpmath.tan,
        "asin": mpmath.asin,
        "acos": mpmath.acos,
        "atan": mpmath.atan,
        "sinh": mpmath.sinh,
        "cosh": mpmath.cosh,
        "tanh": mpmath.tanh,
        "exp": mpmath.exp,
        "log": mpmath.log,
        "sqrt": mpmath.sqrt,
        "abs": mpmath.fabs,
        "sign": mpmath.sign,
        "step": lambda t: mpmath.mpf(1 if t > 0 else 0),
        "sigmoid": lambda t: 1 / (1 + mpmath.exp(-t)),
        "relu": lambda t: t if t > 0 else mpmath.mpf(0),
        "softplus": lambda t: mpmath.log(1 + mpmath.exp(t)),
        "max": lambda a, b: a if a >= b else b,
        "min": lambda a, b: a if a <= b else b,
        "pi": lambda: +mpmath.pi,
    }
    memo = {}
    with mpmath.workprec(prec):
        try:
            for node in postorder(e):
                kind = type(node)
                if kind is Const:
                    value = Fraction(node.value)  # exact, then one rounding to prec
                    v = mpmath.mpf(value.numerator) / value.denominator
                elif kind is Var:
                    v = mpmath.mpf(env[node.name])
                else:
                    args = [memo[a] for a in node.args]
                    if kind is Add:
                        v = args[0]
                        for a in args[1:]:
                            v = v + a
                    elif kind is Mul:
                        v = args[0]
                        for a in args[1:]:
                            v = v * a
                    elif kind is Pow:
                        v = mpmath.power(args[0], args[1])
                    else:
                        v = mp_functions[node.fn.name](*args)
                # beyond the float range the float path has overflowed anyway, and mpmath
                # would go on (sin of exp(exp(20)) needs millions of digits of pi)
                if not isinstance(v, mpmath.mpf) or not mpmath.isfinite(v) or abs(v) > 1e308:
                    return None
                memo[node] = v
        except (ValueError, ZeroDivisionError):
            return None
        return memo[e]


# -- fixed expressions ------------------------------------------------------------------

#: Smooth expressions in x, y, z, w, b for comparing the modes of differentiation.
SMOOTH = [
    "(x + y)*z",
    "x^2*y + y + 2",
    "sin(x)*exp(y) - cos(x*y)",
    "log(x^2 + y^2)",
    "sqrt(x)*tanh(y)",
    "x^y",
    "atan(x/y) + 1/(x - y)",
    "softplus(x - y)^3 + sigmoid(x*y)",
    "max(x, y)*sigmoid(x) + min(x, 2*y)",
    "(x + y)^2*(x + y) - sin(x + y)/(x + y)",
    "tanh(w*x + b)",
]
