"""Numeric automatic differentiation on the expression graph: values forward, adjoints backward.

``forward_backward`` is the one shared engine: a forward pass that computes each
distinct node's float value (the same kernels and errors as ``evaluate``), then
a reverse pass that accumulates ``adjoint[child] += adjoint[node] * d node / d child``
in reverse topological order, with every local partial a plain float. Function
partials come from the registry (``FunctionSpec.partials``) and are evaluated
with the values already computed, so kinks follow the registry (``relu'(0) = 0``,
``abs'(0) = 0``, a tie in ``max`` goes to its first argument). ``backprop`` reads
the variables' adjoints off it; ``render`` draws all of them on the picture.

With variables bound to arrays of samples the values are arrays and each
adjoint is summed back down to its node's shape (``sum``/``mean`` spread their
adjoint over the samples), so the output must be one number: a loss.

This module never builds a symbolic derivative of the whole expression (that is
``diff.py``); only the few partial nodes of a function call are built. Forward
mode is ``dual.py``, finite differences ``numeric.py``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from .errors import DifferentiationError, EvaluationError, SymdiffError
from .evaluate import _ArrayOps, _bind, _ScalarOps, _show, given_samples, node_values
from .nodes import Add, Call, Expr, Mul, Pow, Var
from .parse import as_input
from .walk import postorder


def _forward(order: list[Expr], memo: dict[Expr, Any], env: Mapping[str, Any], samples: tuple[int, ...] = ()) -> None:
    """Fill ``memo`` with the value of each node of ``order``: evaluate's own fold.

    Floats use the scalar kernels (a domain error raises); once any value is an
    array (samples), the NumPy kernels, which give nan or inf as NumPy does.
    """
    if any(isinstance(v, np.ndarray) for v in env.values()) or any(
        isinstance(memo.get(a), np.ndarray) for node in order for a in node.args
    ):
        with np.errstate(all="ignore"):
            node_values(order, memo, env, _ArrayOps, samples)
    else:
        node_values(order, memo, env, _ScalarOps, samples)


def _unbroadcast(value: Any, shape: tuple[int, ...]) -> Any:
    """``value`` summed down to ``shape``: the adjoint of a value that was broadcast up to it."""
    if np.shape(value) == shape:
        return value
    value = np.asarray(value)
    extra = value.ndim - len(shape)
    value = value.sum(axis=tuple(range(extra))) if extra > 0 else value
    ones = tuple(i for i, n in enumerate(shape) if n == 1 and value.shape[i] != 1)
    value = value.sum(axis=ones, keepdims=True) if ones else value
    return float(value) if not shape else value


def values(expr: Expr | str, at: Mapping[Any, Any]) -> dict[Expr, float]:
    """The float value of every distinct node of ``expr`` at the point ``at``.

    >>> from symdiff.nodes import symbols
    >>> x, y = symbols("x y")
    >>> values(x * y + 1, {"x": 2, "y": 3})[x * y]
    6.0
    """
    expr = as_input(expr)
    order = postorder(expr)
    memo: dict[Expr, float] = {}
    _forward(order, memo, _bind(order, at), given_samples(at, order))
    return memo


def forward_backward(expr: Expr | str, at: Mapping[Any, Any]) -> tuple[dict[Expr, float], dict[Expr, float]]:
    """Each node's value, and its adjoint d(expr)/d(node), in one forward and one reverse pass.

    Both dicts have an entry for every distinct node. The adjoint of a node that
    depends on no variable (a constant) is ``nan`` where its slope is undefined
    (the exponent of ``x^2`` at ``x < 0``); a variable's slope that is undefined
    (``sqrt(x)`` at 0, ``log`` of a negative base) raises ``EvaluationError``, as
    evaluating the symbolic gradient there would.

    >>> from symdiff.nodes import symbols
    >>> x, y, z = symbols("x y z")
    >>> vals, grads = forward_backward((x + y) * z, {"x": -2, "y": 5, "z": -4})
    >>> vals[x + y], vals[(x + y) * z]
    (3.0, -12.0)
    >>> grads[x], grads[y], grads[z], grads[x + y]
    (-4.0, -4.0, 3.0, -4.0)
    """
    expr = as_input(expr)
    order = postorder(expr)
    memo: dict[Expr, Any] = {}
    env = _bind(order, at)
    samples = given_samples(at, order)
    _forward(order, memo, env, samples)
    if np.ndim(memo[expr]):
        raise EvaluationError(
            f"backpropagation needs one number, but the expression gives {np.size(memo[expr])} values, "
            "one per sample; reduce them with mean(...) or sum(...)"
        )
    vals = dict(memo)  # memo grows below with the partial nodes of function calls
    varying: set[Expr] = set()
    for node in order:
        if type(node) is Var or any(a in varying for a in node.args):
            varying.add(node)
    adjoints: dict[Expr, Any] = dict.fromkeys(order, 0.0)
    adjoints[expr] = 1.0
    for node in reversed(order):
        if not node.args:
            continue
        adjoint = adjoints[node]
        if type(node) is Call and node.fn.reduction:  # d sum(u) / d u_i = 1, d mean(u) / d u_i = 1/n
            n = math.prod(samples) if node.fn.name == "mean" else 1
            child = node.args[0]
            spread = np.broadcast_to(adjoint / n, samples) if samples else adjoint / n
            adjoints[child] = adjoints[child] + _unbroadcast(spread, np.shape(memo[child]))
            continue
        for child, partial in zip(node.args, _partials(node, memo, varying), strict=True):
            adjoints[child] = adjoints[child] + _unbroadcast(adjoint * partial, np.shape(memo[child]))
    return vals, adjoints


def _partials(node: Expr, memo: dict[Expr, float], varying: set[Expr]) -> list[float]:
    """The numeric d node / d arg for each argument of ``node``."""
    kind = type(node)
    args = [memo[a] for a in node.args]
    if kind is Add:
        return [1.0] * len(args)
    if kind is Mul:
        # products of the other factors, by prefix and suffix products: no division, so zeros are fine
        n = len(args)
        before = [1.0] * n
        after = [1.0] * n
        for i in range(1, n):
            before[i] = before[i - 1] * args[i - 1]
            after[n - 1 - i] = after[n - i] * args[n - i]
        return [before[i] * after[i] for i in range(n)]
    if kind is Pow:
        if np.ndim(args[0]) or np.ndim(args[1]):
            return _pow_partials_array(args[0], args[1], memo[node])
        return _pow_partials(node, args[0], args[1], memo[node], varying)
    base_ok = [a in varying for a in node.args]
    try:
        parts = node.fn.partials(node.args)
    except DifferentiationError:
        if any(base_ok):
            raise
        return [math.nan] * len(args)
    out = []
    for part, moves in zip(parts, base_ok, strict=True):
        try:
            _forward(postorder(part, done=memo), memo, {})
            out.append(memo[part])
        except SymdiffError:
            if moves:
                raise
            out.append(math.nan)
    return out


def _pow_partials(node: Expr, base: float, exp: float, value: float, varying: set[Expr]) -> list[float]:
    base_node, exp_node = node.args
    # d/d base = exp * base^(exp - 1)
    if base == 0 and exp == 0:
        d_base = 0.0  # u^0 = 1 for every u: slope 0, as JAX and the dual numbers
    elif base == 0 and exp < 1:
        if base_node in varying:
            raise EvaluationError(f"the slope of {_show(node)} is infinite at base 0")
        d_base = math.nan
    else:
        try:
            d_base = exp * base ** (exp - 1)
        except OverflowError:
            raise EvaluationError(f"the slope of {_show(node)} overflows at base {base!r}") from None
    # d/d exp = base^exp * log(base); 0^v has slope 0 where it is differentiable (v > 0), as in JAX
    if base == 0:
        d_exp = 0.0
    elif base < 0:
        if exp_node in varying:
            raise EvaluationError(f"the slope of {_show(node)} in its exponent needs log of a negative base {base!r}")
        d_exp = math.nan
    else:
        d_exp = value * math.log(base)
    return [d_base, d_exp]


def _pow_partials_array(base: Any, exp: Any, value: Any) -> list[Any]:
    """The two slopes of a power over samples: NumPy's nan and inf where undefined, 0^v has slope 0."""
    with np.errstate(all="ignore"):
        d_base = np.where(np.equal(exp, 0), 0.0, exp * np.power(base, np.subtract(exp, 1)))
        d_exp = np.where(base == 0, 0.0, value * np.log(np.where(base == 0, 1.0, base)))
    return [d_base, d_exp]


def backprop(expr: Expr | str, at: Mapping[Any, Any]) -> dict[str, float]:
    """d(expr)/d(variable) at the point ``at``, for every free variable, by one reverse pass.

    A variable with no influence at that point gets 0.0.

    >>> from symdiff.parse import parse
    >>> backprop(parse("x^2*y + y + 2"), {"x": 3, "y": 4})
    {'x': 24.0, 'y': 10.0}
    >>> backprop(parse("relu(x) + y"), {"x": -1, "y": 2})
    {'x': 0.0, 'y': 1.0}
    """
    _, adjoints = forward_backward(expr, at)
    found = {node.name: adjoint for node, adjoint in adjoints.items() if type(node) is Var}
    return {name: found[name] for name in sorted(found)}


__all__ = ["backprop", "forward_backward", "values"]
