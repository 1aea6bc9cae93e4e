"""Finite differences, and gradient checks that compare them with symbolic and reverse-mode slopes.

``numeric_gradient`` estimates each partial derivative from a few evaluations
of the expression (``evaluate``), knowing nothing of its structure.
``check_gradient`` puts three independent answers side by side for every
variable: the symbolic gradient (``gradient``, evaluated), reverse mode
(``backprop``) and central differences, and reports how far apart they are.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .autodiff import backprop
from .diff import gradient
from .errors import DifferentiationError, EvaluationError
from .evaluate import _as_value, evaluate
from .nodes import Expr, Var
from .parse import as_input
from .walk import free_vars

METHODS = ("central", "forward", "backward")


def _check_step(h: Any) -> float:
    if isinstance(h, bool) or not isinstance(h, numbers.Real) or not (math.isfinite(h) and h > 0):
        raise DifferentiationError(f"the step h must be a positive finite number, got {h!r}")
    return float(h)


def _point(at: Mapping[Any, Any]) -> dict[str, float]:
    """``at`` keyed by name, every value one float (an array is refused: this works at one point)."""
    point: dict[str, float] = {}
    for key, value in at.items():
        name = key.name if isinstance(key, Var) else key
        value = _as_value(name, value)
        if isinstance(value, np.ndarray):
            raise DifferentiationError(
                f"finite differences work at one point: the value of {name!r} must be a single number, not an array")
        point[name] = value
    return point


def _names(expr: Expr, vars: Any) -> list[str]:
    if vars is None:
        return list(free_vars(expr))
    if isinstance(vars, str):
        vars = vars.replace(",", " ").split() or [vars]  # "x, y" as diff reads it
    elif isinstance(vars, Var) or not isinstance(vars, Iterable):
        vars = [vars]
    names = []
    for item in vars:
        if isinstance(item, Var):
            names.append(item.name)
        elif isinstance(item, str) and item:
            names.append(item)
        else:
            raise DifferentiationError(f"cannot differentiate with respect to {item!r}: expected a variable or a name")
    return sorted(names)


def numeric_gradient(expr: Expr | str, at: Mapping[Any, Any], h: float = 1e-6, method: str = "central",
                     vars: Any = None) -> dict[str, float]:
    """d(expr)/d(variable) at the point ``at``, estimated by finite differences.

    ``h`` is an absolute step, the same for every variable. ``method`` is ``"central"``
    ((f(x+s) - f(x-s)) / 2s, error O(s^2)), ``"forward"`` ((f(x+s) - f(x)) / s)
    or ``"backward"`` ((f(x) - f(x-s)) / s), both O(s). ``vars`` defaults to
    the free variables; the keys come sorted, as in ``backprop``. A domain
    error at a shifted point (``log`` just left of 0) is an ``EvaluationError``.

    >>> g = numeric_gradient("x^2*y + y + 2", {"x": 3, "y": 4})
    >>> {name: round(slope, 6) for name, slope in g.items()}
    {'x': 24.0, 'y': 10.0}
    """
    expr = as_input(expr)
    if method not in METHODS:
        raise DifferentiationError(
            f"unknown finite-difference method {method!r}; use 'central', 'forward' or 'backward'")
    h = _check_step(h)
    point = _point(at)
    names = _names(expr, vars)
    for name in names:
        if name not in point:
            raise EvaluationError(f"no value given for variable {name!r}")
    base = evaluate(expr, point)  # also for central: an error at the point itself names the point
    out: dict[str, float] = {}
    for name in names:
        x = point[name]
        hi = x + h if method != "backward" else x
        lo = x - h if method != "forward" else x
        if hi == lo:
            raise DifferentiationError(f"the step h = {h:g} is too small: {name} = {x!r} does not move by it")
        f_hi = evaluate(expr, {**point, name: hi}) if hi != x else base
        f_lo = evaluate(expr, {**point, name: lo}) if lo != x else base
        # divide by the distance between the floats actually used, not by the
        # nominal step: x + step rounds, and that rounding would bias the slope
        out[name] = (f_hi - f_lo) / (hi - lo)
    return out


def relative_error(a: float, b: float) -> float:
    """|a - b| / max(|a|, |b|, 1): relative for slopes above 1, absolute below, so a zero slope is no problem.

    >>> relative_error(2.0, 2.5), relative_error(0.0, 1e-9)
    (0.2, 1e-09)
    """
    if a == b:  # equal infinities too
        return 0.0
    return abs(a - b) / max(abs(a), abs(b), 1.0)


@dataclass(frozen=True)
class GradientRow:
    """One variable of a ``GradientCheck``: its three slopes and the errors against the symbolic one."""

    name: str
    symbolic: float
    reverse: float
    numeric: float
    reverse_error: float
    numeric_error: float


@dataclass(frozen=True)
class GradientCheck:
    """The result of ``check_gradient``: one ``GradientRow`` per variable; ``print`` it for a table.

    ``max_error`` is the largest relative error (``nan`` if a slope is ``nan``),
    and ``ok`` says whether it is within ``rtol``.
    """

    rows: list[GradientRow]
    rtol: float

    @property
    def max_error(self) -> float:
        errors = [e for row in self.rows for e in (row.reverse_error, row.numeric_error)]
        if any(math.isnan(e) for e in errors):
            return math.nan
        return max(errors, default=0.0)

    @property
    def ok(self) -> bool:
        return self.max_error <= self.rtol  # False for nan

    def __str__(self) -> str:
        header = ["var", "symbolic", "reverse", "numeric", "rel.err(rev)", "rel.err(num)"]
        table = [header] + [
            [row.name, _number(row.symbolic), _number(row.reverse), _estimate(row.numeric),
             _error(row.reverse_error), _error(row.numeric_error)]
            for row in self.rows
        ]
        widths = [max(minimum, *(len(line[i]) for line in table)) for i, minimum in enumerate((4, 11, 11, 11, 12))]
        # every column but the last padded to its widest cell, two spaces between columns
        lines = ["  ".join([*(c.ljust(w) for c, w in zip(line[:-1], widths, strict=True)), line[-1]]) for line in table]
        return "\n".join([*lines, self._verdict()])

    def _verdict(self) -> str:
        if self.ok:
            return f"all agree within {self.rtol:g}"
        # the worst entry: a nan first, else the largest error
        worst = max(
            ((e, row.name, which) for row in self.rows
             for e, which in ((row.reverse_error, "reverse"), (row.numeric_error, "numeric"))),
            key=lambda item: (math.isnan(item[0]), item[0] if not math.isnan(item[0]) else 0.0),
        )
        error, name, which = worst
        return f"MISMATCH: rel.err {_error(error)} of the {which} slope of {name} exceeds {self.rtol:g}"


def _number(value: float) -> str:
    return f"{value + 0.0:.15g}"  # as the CLI prints numbers; + 0.0 turns -0.0 into 0.0


def _estimate(value: float) -> str:
    return f"{value + 0.0:.6f}" if abs(value) < 1e9 else f"{value:.6e}"


def _error(value: float) -> str:
    return "0" if value == 0 else f"{value:.1e}"


def check_gradient(expr: Expr | str, at: Mapping[Any, Any], h: float = 1e-6, rtol: float = 1e-6) -> GradientCheck:
    """Compare symbolic, reverse-mode and central-difference slopes of ``expr`` at ``at``, per free variable.

    Errors are ``relative_error`` of the reverse and numeric slopes against the
    symbolic one; ``.ok`` says whether all are within ``rtol``.

    >>> check = check_gradient("x^2*y + y + 2", {"x": 3, "y": 4})
    >>> check.ok, [row.symbolic for row in check.rows]
    (True, [24.0, 10.0])
    >>> print(check)  # doctest: +ELLIPSIS
    var   symbolic     reverse      numeric      rel.err(rev)  rel.err(num)
    x     24           24           24.000000    0             ...
    y     10           10           10.000000    0             ...
    all agree within 1e-06
    """
    expr = as_input(expr)
    if isinstance(rtol, bool) or not isinstance(rtol, numbers.Real) or not (math.isfinite(rtol) and rtol >= 0):
        raise DifferentiationError(f"the tolerance rtol must be a finite number 0 or more, got {rtol!r}")
    names = list(free_vars(expr))
    numeric = numeric_gradient(expr, at, h=h, vars=names)  # checks h and the point first
    point = _point(at)
    symbolic = [evaluate(g, point) for g in gradient(expr, names)]
    reverse = backprop(expr, point)
    rows = [
        GradientRow(name, s, reverse[name], numeric[name], relative_error(reverse[name], s),
                    relative_error(numeric[name], s))
        for name, s in zip(names, symbolic, strict=True)
    ]
    return GradientCheck(rows, float(rtol))


__all__ = ["GradientCheck", "GradientRow", "check_gradient", "numeric_gradient", "relative_error"]
