"""The function registry: one ``FunctionSpec`` per function, read by every module.

A spec holds the name, arity, float kernel, NumPy kernel, the partial
derivatives written with the node API (so higher orders come free), the LaTeX
template, a sampling domain for tests, and optional exact folding. The grammar
never lists function names; the parser, differentiator, evaluator and printers
all look here. ``register_function`` adds a user's function the same way.

Kinks follow JAX/PyTorch: ``step(x)`` is 1 for x > 0 and 0 otherwise, so
``relu'(0) = step(0) = 0``; ``abs'(x) = sign(x)`` with ``sign(0) = 0``;
``step' = sign' = 0``; ``max(a, b)`` at a tie passes the whole gradient to
``a`` (and so does ``min``).
"""

from __future__ import annotations

import builtins
import math
from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import Any

import numpy as np

from .canonical import _exact_root, mul, pow_
from .dual import Dual as _Dual
from .errors import ArityError, RegistryError, UnknownFunctionError
from .nodes import Call as _Call
from .nodes import Const, Expr, _text_digest, as_expr, make_call

Partials = Callable[..., Sequence[Any]]


class FunctionSpec:
    """Everything symdiff knows about one function; calling it builds a node.

    >>> from symdiff.nodes import Var
    >>> sin = lookup("sin")
    >>> str(sin(Var("x") * 2))
    'sin(2*x)'
    """

    __slots__ = ("name", "arity", "scalar", "numpy", "deriv", "latex", "domain", "fold", "digest", "reduction")

    def __init__(
        self,
        name: str,
        arity: int,
        scalar: Callable[..., float],
        numpy: Callable[..., Any],
        deriv: Partials | None,
        latex: str,
        domain: tuple[float, float],
        fold: Callable[..., Expr | None] | None,
    ) -> None:
        self.name = name
        self.arity = arity
        self.scalar = scalar
        self.numpy = numpy
        self.deriv = deriv
        self.latex = latex
        self.domain = domain
        self.fold = fold
        self.digest = _text_digest(name)
        self.reduction = False  # sum/mean over the samples: linear, never folded, see REDUCTIONS

    def __call__(self, *args: Any) -> Any:
        if _Dual in map(type, args):  # forward mode on numbers: sin(Dual(1, 1))
            from .dual import apply_function

            return apply_function(self, args)
        return call(self, *args)

    def __repr__(self) -> str:
        return f"<symdiff function {self.name}/{self.arity}>"

    def partials(self, args: Sequence[Expr]) -> tuple[Expr, ...]:
        """The partial derivatives with respect to each argument, as nodes.

        >>> from symdiff.nodes import Var
        >>> [str(p) for p in lookup("sin").partials([Var("x")])]
        ['cos(x)']
        """
        if self.deriv is None:
            from .errors import DifferentiationError

            if self.reduction:
                raise DifferentiationError(
                    f"{self.name} is a reduction over samples: its derivative is {self.name}(du), "
                    "which diff, gradient and backprop apply; it has no per-argument partial"
                )
            raise DifferentiationError(f"function {self.name!r} has no derivative rule")
        parts = self.deriv(*args)
        if len(parts) != self.arity:
            raise RegistryError(f"derivative rule of {self.name!r} returned {len(parts)} partials, expected {self.arity}")
        return tuple(as_expr(p) for p in parts)


REGISTRY: dict[str, FunctionSpec] = {}
CONSTANTS: dict[str, Callable[[], Expr]] = {}


def lookup(name: str) -> FunctionSpec:
    """The registered function called ``name``; ``UnknownFunctionError`` if none.

    >>> lookup("tanh").arity
    1
    """
    spec = REGISTRY.get(name)
    if spec is None:
        known = ", ".join(sorted(REGISTRY))
        raise UnknownFunctionError(f"unknown function {name!r}; known functions: {known}")
    return spec


def lookup_constant(name: str) -> Expr | None:
    """The expression a constant name stands for (``pi``, ``e``), else None.

    >>> str(lookup_constant("e"))
    'e'
    """
    make = CONSTANTS.get(name)
    return None if make is None else make()


def call(fn: FunctionSpec | str, *args: Any) -> Expr:
    """The canonical call ``fn(*args)``, folded when the arguments allow it.

    Float constants are evaluated (``sin(0.5)`` is a Const); exact constants
    fold only to exact results (``sin(0)`` is 0, ``sin(1)`` stays).

    >>> str(call("exp", 0))
    '1'
    """
    spec = lookup(fn) if isinstance(fn, str) else fn
    if len(args) != spec.arity:
        raise ArityError(
            f"function {spec.name!r} takes {spec.arity} argument{'s' if spec.arity != 1 else ''}, got {len(args)}"
        )
    nodes = tuple(as_expr(a) for a in args)
    if spec.reduction:  # sum(1) is the number of samples, known only when evaluated
        return make_call(spec, nodes)
    if nodes and all(type(a) is Const for a in nodes):
        values = [a.value for a in nodes]
        if any(isinstance(v, float) for v in values):
            folded = _float_fold(spec, values)
            if folded is not None:
                return folded
    if spec.fold is not None:
        folded = spec.fold(*nodes)
        if folded is not None:
            return as_expr(folded)
    return make_call(spec, nodes)


def _float_fold(spec: FunctionSpec, values: list) -> Expr | None:
    try:
        value = spec.scalar(*[float(v) for v in values])
    except (ValueError, ZeroDivisionError, OverflowError):
        return None  # left unevaluated; evaluate() reports the domain error
    if isinstance(value, complex) or not math.isfinite(value):
        return None
    return Const(float(value))


def register_function(
    name: str,
    arity: int,
    scalar: Callable[..., float],
    numpy: Callable[..., Any] | None = None,
    deriv: Partials | None = None,
    latex: str | None = None,
    domain: tuple[float, float] = (-3.0, 3.0),
    fold: Callable[..., Expr | None] | None = None,
    replace: bool = False,
) -> FunctionSpec:
    """Add a function that parse, diff, evaluate and the printers all know.

    Args:
        name: identifier used in text, ``name(a, b)``.
        arity: number of arguments (0 makes a named constant like ``pi``).
        scalar: float kernel, ``math``-style; raise ValueError on a domain error.
        numpy: array kernel; defaults to ``numpy.vectorize(scalar)``.
        deriv: ``deriv(*args) -> partials``, one expression per argument,
            built with symdiff nodes (so it can be differentiated again).
        latex: ``str.format`` template over the LaTeX of the arguments.
        domain: an interval of arguments where the function is smooth (tests sample it).
        fold: optional exact simplification, ``fold(*args) -> Expr | None``.
        replace: allow replacing an existing function of that name.

    >>> from symdiff.nodes import Var
    >>> cube = register_function("cube", 1, lambda u: u**3, deriv=lambda u: [3 * u**2], replace=True)
    >>> str(cube(Var("x")))
    'cube(x)'
    """
    from .nodes import _NAME_RE

    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise RegistryError(f"invalid function name {name!r}")
    if (name in CONSTANTS and name not in REGISTRY) or (name in REGISTRY and not replace):
        raise RegistryError(f"function {name!r} is already registered (pass replace=True to replace it)")
    if not isinstance(arity, int) or isinstance(arity, bool) or arity < 0:
        raise RegistryError(f"arity of {name!r} must be a non-negative int, got {arity!r}")
    if not callable(scalar):
        raise RegistryError(f"the scalar kernel of {name!r} must be callable")
    if numpy is None:
        numpy = np.vectorize(_nan_on_error(scalar), otypes=[float]) if arity else (lambda: scalar())
    if latex is None:
        inner = ", ".join(f"{{{i}}}" for i in range(arity))
        latex = rf"\operatorname{{{{{name}}}}}" + (rf"\left({inner}\right)" if arity else "")
    spec = FunctionSpec(name, arity, scalar, numpy, deriv, latex, domain, fold)
    REGISTRY[name] = spec
    if arity == 0:  # a named constant: printed bare, and a bare name parses back to it
        CONSTANTS[name] = lambda: make_call(spec, ())
    return spec


# -- float kernels that math lacks --------------------------------------------


def _nan_on_error(scalar: Callable[..., float]) -> Callable[..., float]:
    """A float kernel for arrays: a domain error gives nan, as NumPy's ufuncs do."""

    def kernel(*args: float) -> float:
        try:
            return scalar(*args)
        except (ValueError, ZeroDivisionError, OverflowError):
            return math.nan

    return kernel


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def _np_sigmoid(x: Any) -> Any:
    return np.exp(-np.logaddexp(0.0, -x))


def _softplus(x: float) -> float:
    return math.log1p(math.exp(-math.fabs(x))) + builtins.max(x, 0.0)


def _step(x: float) -> float:
    return 1.0 if x > 0 else 0.0 * x  # 0.0*x keeps nan, as np.heaviside does


def _sign(x: float) -> float:
    return 1.0 if x > 0 else (-1.0 if x < 0 else 0.0 * x)  # 0.0*x keeps nan


def _log(x: float) -> float:
    if x <= 0:
        raise ValueError("log of a non-positive number")
    return math.log(x)


def _max(a: float, b: float) -> float:
    if a != a or b != b:
        return math.nan  # nan propagates, as in np.maximum
    return a if a >= b else b  # a tie picks a, like the derivative rule


def _min(a: float, b: float) -> float:
    if a != a or b != b:
        return math.nan
    return a if a <= b else b


# -- exact folds: special values that stay exact -----------------------------


def _at(table: dict) -> Callable[[Expr], Expr | None]:
    """A fold that maps exact constant arguments found in ``table``."""

    def fold(u: Expr) -> Expr | None:
        if type(u) is Const and not isinstance(u.value, float) and u.value in table:
            return Const(table[u.value])
        return None

    return fold


def _exact(fn: Callable[..., Any]) -> Callable[..., Expr | None]:
    """A fold that applies ``fn`` when every argument is an exact constant."""

    def fold(*args: Expr) -> Expr | None:
        if all(type(a) is Const and not isinstance(a.value, float) for a in args):
            return Const(fn(*[a.value for a in args]))
        return None

    return fold


def _fold_sqrt(u: Expr) -> Expr | None:
    if type(u) is Const and not isinstance(u.value, float) and u.value >= 0:
        root = _exact_root(Fraction(u.value), 2)
        return None if root is None else Const(root)
    return None


def _fold_log(u: Expr) -> Expr | None:
    if type(u) is Const and u.value == 1 and not isinstance(u.value, float):
        return Const(0)
    if type(u) is _Call and u.fn is _EXP:
        return u.args[0]  # log(exp(v)) = v for every real v
    return None


# -- the built-in functions: a derivative cheat sheet -------------------------

_HALF = Fraction(1, 2)
_MINUS_HALF = Fraction(-1, 2)

sin = register_function("sin", 1, math.sin, np.sin, lambda u: [cos(u)], r"\sin\left({0}\right)",
                        fold=_at({0: 0}))
cos = register_function("cos", 1, math.cos, np.cos, lambda u: [-sin(u)], r"\cos\left({0}\right)",
                        fold=_at({0: 1}))
tan = register_function("tan", 1, math.tan, np.tan, lambda u: [1 + tan(u) ** 2], r"\tan\left({0}\right)",
                        domain=(-1.4, 1.4), fold=_at({0: 0}))
# asin' = 1/sqrt(1 - u^2), acos' = -1/sqrt(1 - u^2), atan' = 1/(1 + u^2)
asin = register_function("asin", 1, math.asin, np.arcsin, lambda u: [pow_(1 - u**2, _MINUS_HALF)],
                         r"\arcsin\left({0}\right)", domain=(-0.9, 0.9), fold=_at({0: 0}))
acos = register_function("acos", 1, math.acos, np.arccos, lambda u: [-pow_(1 - u**2, _MINUS_HALF)],
                         r"\arccos\left({0}\right)", domain=(-0.9, 0.9), fold=_at({1: 0}))
atan = register_function("atan", 1, math.atan, np.arctan, lambda u: [1 / (1 + u**2)],
                         r"\arctan\left({0}\right)", fold=_at({0: 0}))
sinh = register_function("sinh", 1, math.sinh, np.sinh, lambda u: [cosh(u)], r"\sinh\left({0}\right)",
                         fold=_at({0: 0}))
cosh = register_function("cosh", 1, math.cosh, np.cosh, lambda u: [sinh(u)], r"\cosh\left({0}\right)",
                         fold=_at({0: 1}))
tanh = register_function("tanh", 1, math.tanh, np.tanh, lambda u: [1 - tanh(u) ** 2], r"\tanh\left({0}\right)",
                         fold=_at({0: 0}))
exp = register_function("exp", 1, math.exp, np.exp, lambda u: [exp(u)], "e^{{{0}}}", fold=_at({0: 1}))
log = register_function("log", 1, _log, np.log, lambda u: [1 / u], r"\log\left({0}\right)",
                        domain=(0.2, 4.0), fold=_fold_log)
sqrt = register_function("sqrt", 1, math.sqrt, np.sqrt, lambda u: [mul(_HALF, pow_(sqrt(u), -1))],
                         r"\sqrt{{{0}}}", domain=(0.2, 4.0), fold=_fold_sqrt)
# abs'(u) = sign(u), so abs'(0) = 0 as in JAX
abs = register_function("abs", 1, math.fabs, np.abs, lambda u: [sign(u)], r"\left|{0}\right|",
                        fold=_exact(lambda v: v if v >= 0 else -v))
sign = register_function("sign", 1, _sign, np.sign, lambda u: [0], r"\operatorname{{sign}}\left({0}\right)",
                         fold=_exact(lambda v: (v > 0) - (v < 0)))
# step(u) = 1 for u > 0, else 0 (Heaviside with step(0) = 0); step' = 0 by convention
step = register_function("step", 1, _step, lambda x: np.heaviside(x, 0.0), lambda u: [0],
                         r"\theta\left({0}\right)", fold=_exact(lambda v: int(v > 0)))
# sigmoid' = sigmoid*(1 - sigmoid), the form people know
sigmoid = register_function("sigmoid", 1, _sigmoid, _np_sigmoid, lambda u: [sigmoid(u) * (1 - sigmoid(u))],
                            r"\sigma\left({0}\right)", fold=_at({0: _HALF}))
# relu' = step, so relu'(0) = 0 as in JAX and PyTorch
relu = register_function("relu", 1, lambda x: builtins.max(x, 0.0), lambda x: np.maximum(x, 0.0), lambda u: [step(u)],
                         r"\operatorname{{relu}}\left({0}\right)", fold=_exact(lambda v: v if v > 0 else 0))
softplus = register_function("softplus", 1, _softplus, lambda x: np.logaddexp(0.0, x), lambda u: [sigmoid(u)],
                             r"\operatorname{{softplus}}\left({0}\right)")
# max(a, b): d/da = 1 - step(b - a), d/db = step(b - a), so a tie sends the gradient to a
max = register_function("max", 2, _max, np.maximum, lambda a, b: [1 - step(b - a), step(b - a)],
                        r"\max\left({0}, {1}\right)", fold=_exact(lambda a, b: a if a >= b else b))
# min(a, b): d/da = 1 - step(a - b), d/db = step(a - b); a tie sends the gradient to a
min = register_function("min", 2, _min, np.minimum, lambda a, b: [1 - step(a - b), step(a - b)],
                        r"\min\left({0}, {1}\right)", fold=_exact(lambda a, b: a if a <= b else b))

# -- reductions over samples ---------------------------------------------------
# A variable may be bound to an array of samples; every other node is computed per
# sample. sum(u) and mean(u) add (average) u over the samples, u broadcast to the
# samples' shape first, so sum(b) with 4 samples is 4*b. On plain numbers there is
# one sample. They are linear: d sum(u) = sum(du), which diff, gradient, backprop,
# dual numbers and lambdify all special-case (``spec.reduction``), so they have no
# derivative rule here and never fold.
sum = register_function("sum", 1, float, np.sum, None, r"\sum\left({0}\right)")
mean = register_function("mean", 1, float, np.mean, None, r"\operatorname{{mean}}\left({0}\right)")
sum.reduction = mean.reduction = True
REDUCTIONS = frozenset({"sum", "mean"})

pi = register_function("pi", 0, lambda: math.pi, lambda: np.pi, None, r"\pi")

_EXP = exp

CONSTANTS["e"] = lambda: make_call(exp, (Const(1),))
