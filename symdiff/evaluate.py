"""Numeric evaluation of expressions on floats and NumPy arrays.

One fold over the DAG, so each distinct node is computed once. Scalars use the
registry's float kernels and report a domain error (``log(0)``, ``sqrt(-1)``,
``1/0``) as ``EvaluationError``. Arrays use the NumPy kernels under
``np.errstate(all="ignore")``: they follow NumPy (``nan``/``inf``) silently, so
a large batch is not stopped, or flooded with warnings, by one bad point.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from typing import Any

import numpy as np

from .errors import EvaluationError, SymdiffError
from .nodes import Add, Call, Const, Expr, Mul, Pow, Var, as_expr
from .walk import postorder

Value = float | np.ndarray


def evaluate(expr: Expr, values: Mapping[Any, Any] | None = None) -> Value:
    """The value of ``expr`` with variables bound by name in ``values``.

    Arrays broadcast element-wise; names in ``values`` that do not occur are
    ignored; a scalar result is a Python ``float``.

    >>> from symdiff.nodes import symbols
    >>> x, y = symbols("x y")
    >>> evaluate(x**2 * y + y + 2, {"x": 3, "y": 4})
    42.0
    """
    expr = as_expr(expr)
    order = postorder(expr)
    env = _bind(order, values or {})
    samples = given_samples(values or {}, order)
    if any(isinstance(v, np.ndarray) for v in env.values()):
        with np.errstate(all="ignore"):
            return _fold(order, env, _ArrayOps, samples)
    return _fold(order, env, _ScalarOps, samples)


def _bind(order: list[Expr], values: Mapping[Any, Any]) -> dict[str, Value]:
    if not isinstance(values, Mapping):
        raise EvaluationError(f"the values must map variable names to numbers, not a {type(values).__name__}")
    given = {(k.name if isinstance(k, Var) else k): v for k, v in values.items()}
    env: dict[str, Value] = {}
    for node in order:
        if type(node) is not Var:
            continue
        if node.name not in given:
            raise EvaluationError(f"no value given for variable {node.name!r}")
        env[node.name] = _as_value(node.name, given[node.name])
    return env


def _as_value(name: str, value: Any) -> Value:
    return real_value(value, f"the value of {name!r}")


def real_value(value: Any, subject: str) -> Value:
    """``value`` as a float or a float array; ``subject`` names it in the error ("the value of 'x'").

    >>> real_value([1, 2], "the value of 'x'")
    array([1., 2.])
    """
    if type(value) is float:
        return value
    if isinstance(value, np.ndarray):
        if value.ndim == 0:
            return real_value(value.item(), subject)
        if not np.issubdtype(value.dtype, np.number) or np.issubdtype(value.dtype, np.complexfloating):
            raise EvaluationError(f"{subject} must be a real array, got dtype {value.dtype}")
        return value.astype(float, copy=False)
    if isinstance(value, (list, tuple)):
        return real_value(np.asarray(value, dtype=float), subject)
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise EvaluationError(f"{subject} must be a real number or array, got {type(value).__name__}")
    try:
        return float(value)
    except OverflowError:
        raise EvaluationError(f"{subject} is too large for a float") from None


def _const_value(node: Const) -> float:
    try:
        return float(node.value)
    except OverflowError:
        raise EvaluationError(f"the constant {_show(node)} is too large for a float") from None


def _fold(order: list[Expr], env: dict[str, Value], ops: type, samples: tuple[int, ...]) -> Value:
    memo: dict[Expr, Value] = {}
    node_values(order, memo, env, ops, samples)
    result = memo[order[-1]]
    return float(result) if np.ndim(result) == 0 else result


def node_values(
    order: list[Expr], memo: dict[Expr, Value], env: Mapping[str, Value], ops: type, samples: tuple[int, ...] = ()
) -> None:
    """Fill ``memo`` with the value of each node of ``order`` (children first, or already in ``memo``).

    ``ops`` computes each kind of node: ``add(values)``, ``mul(values)``,
    ``pow(base, exp, node)``, ``call(node, values)``, and ``reduce(node, value,
    shape)`` for ``sum``/``mean``, whose argument is first broadcast to ``shape``:
    ``samples``, the common shape of the arrays given (see ``given_samples``).
    """
    for node in order:
        kind = type(node)
        if kind is Const:
            value = _const_value(node)
        elif kind is Var:
            value = env[node.name]
        else:
            args = [memo[a] for a in node.args]
            if kind is Add:
                value = ops.add(args)
            elif kind is Mul:
                value = ops.mul(args)
            elif kind is Pow:
                value = ops.pow(args[0], args[1], node)
            elif node.fn.reduction:
                value = ops.reduce(node, args[0], samples)
            else:
                value = ops.call(node, args)
        memo[node] = value


def given_samples(values: Mapping[Any, Any], order: list[Expr]) -> tuple[int, ...]:
    """The common shape of the arrays in ``values``: what ``sum`` and ``mean`` in ``order`` reduce over.

    Every numeric array given counts, used by the expression or not, so ``sum(b)``
    and its derivative ``sum(1)`` see the same samples as the loss they came
    from. Without a reduction in ``order`` the values the expression does not
    use are ignored, as ``evaluate`` promises.

    >>> from symdiff.parse import parse
    >>> given_samples({"x": np.zeros(3), "w": 2.0}, postorder(parse("sum(w)")))
    (3,)
    """
    if not any(type(node) is Call and node.fn.reduction for node in order):
        return ()
    shapes = {}
    for name, value in values.items():
        if isinstance(value, (np.ndarray, list, tuple)):
            key = name.name if isinstance(name, Var) else name
            shapes[key] = np.shape(_as_value(str(key), value))
    try:
        return np.broadcast_shapes(*shapes.values())
    except ValueError:
        described = ", ".join(f"{name} {shape}" for name, shape in shapes.items())
        raise EvaluationError(f"the arrays given do not broadcast together: {described}") from None


class _ScalarOps:
    @staticmethod
    def add(args: list[float]) -> float:
        # Left to right like the array path (math.fsum would differ from it, and
        # raises on an intermediate overflow).
        value = args[0]
        for arg in args[1:]:
            value += arg
        return _finite(value, "a sum", args)

    @staticmethod
    def mul(args: list[float]) -> float:
        value = args[0]
        for arg in args[1:]:
            value *= arg
        return _finite(value, "a product", args)

    @staticmethod
    def pow(base: float, exp: float, node: Expr) -> float:
        if base == 0 and exp < 0:
            raise EvaluationError(f"division by zero: {_show(node)} at base 0")
        if base < 0 and not float(exp).is_integer():
            raise EvaluationError(f"{_show(node)} is not real: negative base {base!r} to the power {exp!r}")
        try:
            value = base**exp
        except OverflowError:
            raise EvaluationError(f"{_show(node)} overflows at base {base!r}, exponent {exp!r}") from None
        if math.isinf(value):
            raise EvaluationError(f"{_show(node)} overflows to infinity at base {base!r}, exponent {exp!r}")
        return value

    @staticmethod
    def call(node: Call, args: list[float]) -> float:
        spec = node.fn
        try:
            value = spec.scalar(*args)
        except OverflowError:
            where = ", ".join(repr(a) for a in args)
            raise EvaluationError(f"{spec.name}({where}) overflows a float") from None
        except (ValueError, ZeroDivisionError, ArithmeticError) as err:
            where = ", ".join(repr(a) for a in args)
            raise EvaluationError(f"{spec.name} is undefined at {where} ({err})") from None
        if isinstance(value, complex):
            where = ", ".join(repr(a) for a in args)
            raise EvaluationError(f"{spec.name}({where}) is not real")
        return _finite(float(value), spec.name, args)

    @staticmethod
    def reduce(node: Call, value: float, shape: tuple[int, ...]) -> float:
        # one number for every sample (plain numbers are one sample)
        return float(node.fn.numpy(np.broadcast_to(value, shape))) if shape else value


class _ArrayOps:
    @staticmethod
    def add(args: list[Value]) -> Value:
        value = args[0]
        for arg in args[1:]:
            value = value + arg
        return value

    @staticmethod
    def mul(args: list[Value]) -> Value:
        value = args[0]
        for arg in args[1:]:
            value = value * arg
        return value

    @staticmethod
    def pow(base: Value, exp: Value, node: Expr) -> Value:
        return np.power(np.asarray(base, dtype=float), exp)

    @staticmethod
    def call(node: Call, args: list[Value]) -> Value:
        return node.fn.numpy(*args)

    @staticmethod
    def reduce(node: Call, value: Value, shape: tuple[int, ...]) -> Value:
        return node.fn.numpy(np.broadcast_to(value, shape))


def _finite(value: float, what: str, inputs: list[float]) -> float:
    # Only a new infinity is an error: inf given as input propagates.
    if math.isinf(value) and all(math.isfinite(a) for a in inputs):
        raise EvaluationError(f"{what} overflows to infinity")
    return value


def _show(node: Expr) -> str:
    """Short text for an error message; never the whole of a huge expression."""
    try:
        text = str(node) if len(node.args) < 50 else f"<{type(node).__name__} of {len(node.args)} terms>"
    except SymdiffError:  # too large to print
        text = f"<{type(node).__name__}>"
    return text if len(text) <= 80 else text[:77] + "..."
