"""Dual numbers: forward-mode automatic differentiation on plain numbers.

A dual number ``a + da ε`` with ``ε² = 0`` carries a value and its derivative
along one direction: ``f(a + da ε) = f(a) + f'(a) da ε``. Arithmetic follows
the usual rules; a registry function applied to a Dual (``symdiff.sin(Dual(1, 1))``)
takes its partials from the registry (``FunctionSpec.partials``), evaluated
with ``evaluate``, so the calculus lives in one place and kinks follow it
(``relu'(0) = 0``, ``abs'(0) = 0``, a tie in ``max`` goes to its first argument).

``forward_derivative`` and ``jvp`` push Duals through an expression graph in
one iterative pass (``walk.postorder`` + ``evaluate.node_values``), without ever
building a symbolic derivative. Scalars raise ``EvaluationError`` on a domain
error or an overflow; arrays follow NumPy (``nan``/``inf``), silently.

This module is imported by ``functions.py``, so at module level it imports only
NumPy, the standard library and ``errors``.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import ArityError, EvaluationError

if TYPE_CHECKING:
    from .functions import FunctionSpec
    from .nodes import Call, Expr, Var

Value = float | np.ndarray


def _number(x: Any, what: str) -> Value:
    """A float or a float array; ints and NumPy scalars become floats."""
    if type(x) is float:
        return x
    from .evaluate import real_value  # not at the top: functions.py imports this module

    return real_value(x, f"the {what} of a Dual")


def _is_zero(eps: Value) -> bool:
    """Exactly the scalar 0: a tangent that contributes nothing (its partial is never computed)."""
    return type(eps) is float and eps == 0.0


def _is_array(x: Any) -> bool:
    return isinstance(x, np.ndarray)


def _check(value: Value, eps: Value, what: str, inputs: Sequence[Value]) -> None:
    """Scalars only: a new infinity (finite inputs, infinite result) is an overflow."""
    if all(type(a) is float and math.isfinite(a) for a in inputs):
        if (type(value) is float and math.isinf(value)) or (type(eps) is float and math.isinf(eps)):
            raise EvaluationError(f"{what} overflows to infinity")


def _fmt(x: Value) -> str:
    if _is_array(x):
        return np.array2string(x, separator=", ")
    if x.is_integer() and abs(x) < 1e16:
        return str(int(x))
    return repr(x)


class Dual:
    """A dual number ``value + eps·ε`` with ``ε² = 0``: a value and its derivative.

    ``value`` and ``eps`` are floats (ints are converted) or NumPy float arrays.
    Plain numbers mix in on either side of ``+ - * / **``.

    >>> d = Dual(3, 4) * Dual(5, 7)
    >>> d
    Dual(15.0, 41.0)
    >>> str(d + 1), str(1 / Dual(2, 1))
    ('16 + 41ε', '0.5 - 0.25ε')
    """

    __slots__ = ("value", "eps")
    __array_ufunc__ = None  # ndarray + Dual defers to Dual.__radd__ instead of making an object array
    __hash__ = None  # mutable, and equal to plain numbers

    def __init__(self, value: Any, eps: Any = 0.0) -> None:
        self.value = _number(value, "value")
        self.eps = _number(eps, "eps")

    # -- printing ---------------------------------------------------------------

    def __repr__(self) -> str:
        return f"Dual({self.value!r}, {self.eps!r})"

    def __str__(self) -> str:
        eps = self.eps
        if not _is_array(eps) and eps < 0:
            return f"{_fmt(self.value)} - {_fmt(-eps)}ε"
        return f"{_fmt(self.value)} + {_fmt(eps)}ε"

    # -- comparison -------------------------------------------------------------

    def __eq__(self, other: object) -> bool:
        other = _lift(other)
        if other is NotImplemented:
            return NotImplemented
        return _same(self.value, other.value) and _same(self.eps, other.eps)

    # Order compares values only, so code written for numbers (``x if x > 0 else 0``)
    # runs on Duals and takes the branch the value takes.
    def __lt__(self, other: Any) -> Any:
        other = _lift(other)
        return NotImplemented if other is NotImplemented else self.value < other.value

    def __le__(self, other: Any) -> Any:
        other = _lift(other)
        return NotImplemented if other is NotImplemented else self.value <= other.value

    def __gt__(self, other: Any) -> Any:
        other = _lift(other)
        return NotImplemented if other is NotImplemented else self.value > other.value

    def __ge__(self, other: Any) -> Any:
        other = _lift(other)
        return NotImplemented if other is NotImplemented else self.value >= other.value

    # -- arithmetic -------------------------------------------------------------

    def __pos__(self) -> Dual:
        return self

    def __neg__(self) -> Dual:
        return Dual(-self.value, -self.eps)

    def __abs__(self) -> Dual:
        from .functions import abs as abs_

        return apply_function(abs_, (self,))

    def __add__(self, other: Any) -> Dual:
        other = _lift(other)
        return NotImplemented if other is NotImplemented else _add(self, other)

    def __radd__(self, other: Any) -> Dual:
        other = _lift(other)
        return NotImplemented if other is NotImplemented else _add(other, self)

    def __sub__(self, other: Any) -> Dual:
        other = _lift(other)
        return NotImplemented if other is NotImplemented else _add(self, -other)

    def __rsub__(self, other: Any) -> Dual:
        other = _lift(other)
        return NotImplemented if other is NotImplemented else _add(other, -self)

    def __mul__(self, other: Any) -> Dual:
        other = _lift(other)
        return NotImplemented if other is NotImplemented else _mul(self, other)

    def __rmul__(self, other: Any) -> Dual:
        other = _lift(other)
        return NotImplemented if other is NotImplemented else _mul(other, self)

    def __truediv__(self, other: Any) -> Dual:
        other = _lift(other)
        return NotImplemented if other is NotImplemented else _div(self, other)

    def __rtruediv__(self, other: Any) -> Dual:
        other = _lift(other)
        return NotImplemented if other is NotImplemented else _div(other, self)

    def __pow__(self, other: Any) -> Dual:
        other = _lift(other)
        return NotImplemented if other is NotImplemented else _pow(self, other, "a Dual power")

    def __rpow__(self, other: Any) -> Dual:
        other = _lift(other)
        return NotImplemented if other is NotImplemented else _pow(other, self, "a Dual power")


def _lift(x: Any) -> Dual:
    """``x`` as a Dual (a plain number has eps 0), or NotImplemented for other types."""
    if type(x) is Dual:
        return x
    if isinstance(x, bool) or not isinstance(x, (numbers.Real, np.ndarray)):
        return NotImplemented
    return Dual(x)


def _same(a: Value, b: Value) -> bool:
    if not (_is_array(a) or _is_array(b)):
        return a == b
    try:
        np.broadcast_shapes(np.shape(a), np.shape(b))
    except ValueError:
        return False
    return bool(np.all(np.asarray(a) == b))


def _add(x: Dual, y: Dual) -> Dual:
    with np.errstate(all="ignore"):
        value = x.value + y.value
        eps = y.eps if _is_zero(x.eps) else (x.eps if _is_zero(y.eps) else x.eps + y.eps)
    _check(value, eps, "a sum", (x.value, y.value, x.eps, y.eps))
    return Dual(value, eps)


def _mul(x: Dual, y: Dual) -> Dual:
    with np.errstate(all="ignore"):
        value = x.value * y.value
        eps = 0.0
        if not _is_zero(x.eps):
            eps = x.eps * y.value
        if not _is_zero(y.eps):
            eps = eps + x.value * y.eps
    _check(value, eps, "a product", (x.value, y.value, x.eps, y.eps))
    return Dual(value, eps)


def _div(x: Dual, y: Dual) -> Dual:
    a, b = x.value, y.value
    if not _is_array(b) and b == 0 and not _is_array(a):
        raise EvaluationError(f"division by zero: {_fmt(a)} / 0")
    with np.errstate(all="ignore"):
        value = a / b
        # d(a/b) = (da - (a/b) db) / b
        if _is_zero(y.eps):
            eps = 0.0 if _is_zero(x.eps) else x.eps / b
        else:
            eps = ((0.0 if _is_zero(x.eps) else x.eps) - value * y.eps) / b
    _check(value, eps, "a quotient", (a, b, x.eps, y.eps))
    return Dual(value, eps)


def _pow(x: Dual, y: Dual, what: str) -> Dual:
    """``x ** y``: value a^b, eps = b a^(b-1) da + a^b log(a) db, each term only where its tangent is nonzero."""
    a, b, da, db = x.value, y.value, x.eps, y.eps
    if _is_array(a) or _is_array(b):
        with np.errstate(all="ignore"):
            value = np.power(np.asarray(a, dtype=float), b)
            eps = 0.0
            if not _is_zero(da):
                eps = np.where(np.equal(b, 0), 0.0, b * np.power(np.asarray(a, dtype=float), b - 1)) * da
            if not _is_zero(db):
                eps = eps + np.where(np.equal(a, 0), 0.0, value * np.log(a)) * db
        return Dual(value, eps)
    if a == 0 and b < 0:
        raise EvaluationError(f"division by zero: {what} at base 0 and exponent {_fmt(b)}")
    if a < 0 and not b.is_integer():
        raise EvaluationError(f"{what} is not real: negative base {a!r} to the power {b!r}")
    try:
        value = a**b
        eps = 0.0
        if not _is_zero(da):
            if b == 0:
                slope = 0.0  # u^0 = 1 everywhere
            elif a == 0 and b < 1:
                raise EvaluationError(f"the slope of {what} is infinite at base 0 and exponent {_fmt(b)}")
            else:
                slope = b * a ** (b - 1)
            eps = slope * da
        if not _is_zero(db):
            if a < 0:
                raise EvaluationError(f"the slope of {what} in its exponent needs log of a negative base {a!r}")
            # 0^v has slope 0 in v where it is differentiable (v > 0), as in JAX
            eps = eps + (0.0 if a == 0 else value * math.log(a)) * db
    except OverflowError:
        raise EvaluationError(f"{what} overflows at base {a!r}, exponent {b!r}") from None
    _check(value, eps, what, (a, b, da, db))
    return Dual(value, eps)


# -- registry functions on Duals ------------------------------------------------


class _Kernel:
    """One spec's call node and partials on placeholder variables u0, u1, ..., built once."""

    __slots__ = ("names", "holders", "call", "partials")

    def __init__(self, spec: FunctionSpec) -> None:
        from .nodes import Var

        self.names = tuple(f"u{i}" for i in range(spec.arity))
        self.holders = tuple(Var(name) for name in self.names)
        self.call = spec(*self.holders)
        self.partials: tuple[Expr, ...] | None = None  # built on first need: a spec may have no rule


_KERNELS: dict[Any, _Kernel] = {}


def apply_function(spec: FunctionSpec, args: Sequence[Any]) -> Dual:
    """The registry function ``spec`` at Duals or plain numbers: value and directional derivative.

    ``eps = Σ ∂spec/∂arg_i · eps_i``, with the partials of the registry rule;
    arguments whose eps is exactly 0 are skipped, so their partial is never evaluated.

    >>> from symdiff.functions import lookup
    >>> apply_function(lookup("exp"), (Dual(0, 2),))
    Dual(1.0, 2.0)
    >>> apply_function(lookup("max"), (Dual(1, 1), 1.0))  # a tie goes to the first argument
    Dual(1.0, 1.0)
    """
    if len(args) != spec.arity:
        raise ArityError(
            f"function {spec.name!r} takes {spec.arity} argument{'s' if spec.arity != 1 else ''}, got {len(args)}"
        )
    duals = [_lift(a) for a in args]
    for arg, dual in zip(args, duals, strict=True):
        if dual is NotImplemented:
            raise EvaluationError(f"{spec.name} needs Duals or real numbers, got {type(arg).__name__}")
    if spec.reduction:
        (dual,) = duals
        return _reduce(spec, dual.value, dual.eps, np.broadcast_shapes(np.shape(dual.value), np.shape(dual.eps)))
    from .evaluate import evaluate

    kernel = _KERNELS.get(spec)
    if kernel is None:
        kernel = _KERNELS[spec] = _Kernel(spec)
    env = {name: dual.value for name, dual in zip(kernel.names, duals, strict=True)}
    value = evaluate(kernel.call, env)
    eps: Value = 0.0
    if not all(_is_zero(dual.eps) for dual in duals):
        if kernel.partials is None:
            kernel.partials = spec.partials(kernel.holders)  # DifferentiationError if spec has no rule
        with np.errstate(all="ignore"):
            for i, (partial, dual) in enumerate(zip(kernel.partials, duals, strict=True)):
                if _is_zero(dual.eps):
                    continue
                try:
                    slope = evaluate(partial, env)
                except EvaluationError as err:
                    where = ", ".join(_fmt(d.value) for d in duals)
                    which = f" in argument {i + 1}" if spec.arity > 1 else ""
                    raise EvaluationError(f"the slope of {spec.name}{which} is undefined at {where} ({err})") from None
                eps = eps + slope * dual.eps
        _check(value, eps, f"the slope of {spec.name}", [d.value for d in duals] + [d.eps for d in duals])
    return Dual(value, eps)


def _reduce(spec: FunctionSpec, value: Value, eps: Value, shape: tuple[int, ...]) -> Dual:
    """``sum``/``mean`` over the samples of ``shape``; one sample (shape ()) leaves the Dual as it is."""
    if shape == ():
        return Dual(value, eps)
    with np.errstate(all="ignore"):
        return Dual(spec.numpy(np.broadcast_to(value, shape)), spec.numpy(np.broadcast_to(eps, shape)))


class _DualOps:
    """The ``ops`` of ``evaluate.node_values`` on Duals: memo values are Duals, or plain numbers.

    A node whose arguments are all plain (no tangent reaches it) is computed by
    ``evaluate``'s own scalar or array ops, so it costs what evaluating costs.

    >>> from symdiff.evaluate import node_values
    >>> from symdiff.nodes import Var
    >>> from symdiff.walk import postorder
    >>> x = Var("x")
    >>> memo = {x: Dual(3, 1)}
    >>> node_values(postorder(x**2 + 1, done=memo), memo, {"x": 3.0}, _DualOps, ())
    >>> memo[x**2 + 1]
    Dual(10.0, 6.0)
    """

    @staticmethod
    def add(values: list[Any]) -> Any:
        if not _has_dual(values):
            return _plain_ops(values).add(values)
        total = _lift(values[0])
        for value in values[1:]:
            total = total + value
        return total

    @staticmethod
    def mul(values: list[Any]) -> Any:
        if not _has_dual(values):
            return _plain_ops(values).mul(values)
        product = _lift(values[0])
        for value in values[1:]:
            product = product * value
        return product

    @staticmethod
    def pow(base: Any, exp: Any, node: Expr) -> Any:
        if not _has_dual((base, exp)):
            return _plain_ops((base, exp)).pow(base, exp, node)
        from .evaluate import _show

        return _pow(_lift(base), _lift(exp), _show(node))

    @staticmethod
    def call(node: Call, values: list[Any]) -> Any:
        if not _has_dual(values):
            return _plain_ops(values).call(node, values)
        return apply_function(node.fn, values)

    @staticmethod
    def reduce(node: Call, value: Any, shape: tuple[int, ...]) -> Any:
        if type(value) is not Dual:
            if not shape:
                return value
            with np.errstate(all="ignore"):
                total = node.fn.numpy(np.broadcast_to(value, shape))
            return float(total) if np.ndim(total) == 0 else total
        return _reduce(node.fn, value.value, value.eps, shape)


def _has_dual(values: Iterable[Any]) -> bool:
    return any(type(v) is Dual for v in values)


def _plain_ops(values: Iterable[Any]) -> type:
    from .evaluate import _ArrayOps, _ScalarOps

    return _ArrayOps if any(_is_array(v) for v in values) else _ScalarOps


# -- derivatives of expressions by one forward pass -----------------------------


def _tangents(exprs: list[Expr], at: Mapping[Any, Any], direction: Mapping[str, Any]) -> list[Value]:
    """d expr along ``direction`` at ``at`` for each of ``exprs``, in one pass with one shared memo."""
    from .evaluate import _bind, given_samples, node_values
    from .nodes import Var
    from .walk import postorder

    order = postorder(exprs)
    env = _bind(order, at)
    memo: dict[Expr, Any] = {}
    for node in order:
        if type(node) is Var:
            tangent = direction.get(node.name)
            memo[node] = env[node.name] if tangent is None else Dual(env[node.name], tangent)
    rest = [node for node in order if type(node) is not Var]
    samples = given_samples(at, order)  # every array given counts, as in evaluate
    if any(_is_array(v) for v in env.values()):
        with np.errstate(all="ignore"):
            node_values(rest, memo, env, _DualOps, samples)
    else:
        node_values(rest, memo, env, _DualOps, samples)
    return [_tangent_of(memo[e]) for e in exprs]


def _tangent_of(result: Any) -> Value:
    if type(result) is not Dual:  # no tangent reaches it
        return np.zeros(np.shape(result)) if np.ndim(result) else 0.0
    shape = np.broadcast_shapes(np.shape(result.value), np.shape(result.eps))
    if shape == ():
        return float(result.eps)
    return np.array(np.broadcast_to(result.eps, shape), dtype=float)


def forward_derivative(expr: Expr | str, at: Mapping[Any, Any], wrt: Var | str) -> Value:
    """d expr / d wrt at the point ``at``, by one forward pass with Duals.

    No symbolic derivative is built. A float for a scalar point; with variables
    bound to arrays, the derivative at each sample. A ``wrt`` that does not
    occur gives 0.

    >>> forward_derivative("x^2*y + y + 2", {"x": 3, "y": 4}, "x")
    24.0
    >>> forward_derivative("relu(x)", {"x": 0}, "x")
    0.0
    """
    from .diff import _as_var
    from .parse import as_input

    var = _as_var(wrt)
    return _tangents([as_input(expr)], at, {var.name: 1.0})[0]


def jvp(exprs: Expr | str | Sequence[Expr | str], at: Mapping[Any, Any], direction: Mapping[Any, Any]) -> Any:
    """The Jacobian-vector product: each output's derivative along ``direction``, in one forward pass.

    ``direction`` maps variables (names or Vars) to their tangent; a variable
    left out gets 0. A single expression gives a single float, a list a list.

    >>> jvp(["x*y", "x + y"], {"x": 2, "y": 3}, {"x": 1, "y": 2})
    [7.0, 3.0]
    >>> jvp("x*y", {"x": 2, "y": 3}, {"y": 1})
    2.0
    """
    from .evaluate import _as_value
    from .nodes import Var
    from .parse import as_input

    single = not isinstance(exprs, (list, tuple))
    roots = [as_input(e) for e in ([exprs] if single else exprs)]
    tangent: dict[str, Value] = {}
    for key, value in direction.items():
        if isinstance(key, Var):
            key = key.name
        if not isinstance(key, str):
            raise EvaluationError(f"a direction is keyed by variables or their names, not {key!r}")
        tangent[key] = _as_value(key, value)
    out = _tangents(roots, at, tangent)
    return out[0] if single else out


__all__ = ["Dual", "apply_function", "forward_derivative", "jvp"]
