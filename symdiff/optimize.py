"""Numerical minimization of an expression: ``minimize`` and its ``OptimizeResult``.

The objective, its gradient (and, for Newton's method, its Hessian) are built
symbolically once and compiled by ``lambdify`` into one function of the
parameters and the data variables; every step after that is NumPy only. Data
variables are bound to arrays of samples (first axis), and the objective must
reduce them with ``mean(...)`` or ``sum(...)``: the optimizers here move a
handful of scalar parameters, they never differentiate or simplify per step.
"""

from __future__ import annotations

import math
import numbers
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .compile import lambdify
from .diff import gradient, hessian
from .errors import OptimizationError
from .nodes import Call, Expr, Var
from .parse import as_input
from .walk import free_vars, postorder

#: The methods ``minimize`` knows, with their default learning rate (Newton: first line-search step).
DEFAULT_LR = {"gd": 0.01, "momentum": 0.01, "nesterov": 0.01, "adagrad": 0.1, "adam": 0.01, "newton": 1.0}
METHODS = tuple(DEFAULT_LR)

_BETA = 0.9  # momentum and nesterov
_BETA1, _BETA2, _EPS = 0.9, 0.999, 1e-8  # adam (and adagrad's eps)
_ARMIJO = 1e-4  # sufficient decrease: f(x - t d) <= f(x) - _ARMIJO * t * g.d
_HALVINGS = 60  # the line search gives up once t = lr / 2**60
_DAMPING_TRIES = 7  # mu = 1e-8 * scale, 1e-7 * scale, ..., 1e-2 * scale, then a gradient step

# (value, gradient, Hessian or None) of the objective being minimized, at one point on one batch.
Evaluation = tuple[float, np.ndarray, "np.ndarray | None"]


@dataclass
class OptimizeResult:
    """The outcome of ``minimize``.

    Attributes:
        x: the final parameters, name -> float, in the order of ``x0``.
        value: the objective at ``x`` on all the data (the objective itself, also when maximizing).
        history: the objective at each iterate, ``x0`` first, so ``len(history) == steps + 1``.
        steps: the number of updates taken.
        converged: whether the gradient's max-norm reached ``tol``.
        method: the method used.
        message: why the run stopped, in words.
        fallbacks: Newton steps that were gradient steps because the Hessian was not positive definite.
    """

    x: dict[str, float]
    value: float
    history: list[float] = field(repr=False)
    steps: int
    converged: bool
    method: str
    message: str
    fallbacks: int = 0

    def __str__(self) -> str:
        params = ", ".join(f"{name} = {value:.10g}" for name, value in self.x.items())
        state = "converged" if self.converged else "not converged"
        return (
            f"OptimizeResult ({self.method}, {state}, {self.steps} steps)\n"
            f"  x: {params}\n  value: {self.value:.10g}\n  message: {self.message}"
        )


def minimize(
    expr: Expr | str,
    x0: Mapping[Any, float],
    method: str = "gd",
    *,
    lr: float | None = None,
    steps: int = 1000,
    tol: float = 1e-8,
    maximize: bool = False,
    data: Mapping[Any, Any] | None = None,
    batch_size: int | None = None,
    seed: int | None = None,
    callback: Callable[[int, dict[str, float], float], Any] | None = None,
    progress: bool = False,
) -> OptimizeResult:
    """Minimize (or maximize) ``expr`` over the parameters in ``x0``, from ``x0``.

    With ``g`` the gradient at ``x``, step ``t`` (from 1) and learning rate ``lr``:

    * ``gd``: ``x <- x - lr g``; default lr 0.01.
    * ``momentum`` (heavy ball): ``v <- 0.9 v + g``, ``x <- x - lr v``; default lr 0.01.
    * ``nesterov``: ``v <- 0.9 v + g``, ``x <- x - lr (g + 0.9 v)`` (the look-ahead written
      with the gradient at ``x``, as in PyTorch); default lr 0.01.
    * ``adagrad``: ``G <- G + g^2``, ``x <- x - lr g / (sqrt(G) + 1e-8)``; default lr 0.1.
    * ``adam``: ``m <- 0.9 m + 0.1 g``, ``v <- 0.999 v + 0.001 g^2``, ``x <- x - lr m^ / (sqrt(v^) + 1e-8)``
      with ``m^ = m / (1 - 0.9^t)``, ``v^ = v / (1 - 0.999^t)``; default lr 0.01.
    * ``newton``: solve ``(H + mu I) d = g`` by Cholesky with ``mu = 0``, else ``mu = 1e-8 s``,
      ``1e-7 s``, ... ``1e-2 s`` (``s`` the largest ``|H_ii|``); if none is positive definite, ``d = g``
      (a fallback, counted in ``fallbacks``). Then ``x <- x - a d`` with ``a`` from ``lr`` (default 1.0),
      halved until ``f(x - a d) <= f(x) - 1e-4 a g.d`` (Armijo).

    Args:
        expr: the objective, an Expr or text; with ``data`` it must reduce the samples with
            ``mean(...)`` or ``sum(...)``, e.g. ``"mean((w*x + b - y)^2)"``.
        x0: parameter (name or Var) -> starting value; the parameters, in this order.
        method: one of ``METHODS``.
        lr: the learning rate (Newton: the first step of the line search); default per method.
        steps: the most updates to take.
        tol: stop, converged, when ``max |gradient| <= tol`` (gradient on all the data).
        maximize: ascend instead (minimize ``-expr``); ``value`` and ``history`` still give ``expr``.
        data: variable (name or Var) -> array of samples (first axis), all of one length.
        batch_size: use this many samples per step, drawn without replacement from a fresh
            permutation each epoch (``np.random.default_rng(seed)``); default all of them.
        seed: the seed of those permutations: one seed, one run.
        callback: ``callback(step, x, value)`` after each step; returning True (any true value) stops the run.
        progress: draw a text progress bar on stderr.

    Returns:
        An ``OptimizeResult``; ``value``, ``history`` and the convergence test always use all
        the data, also with mini-batches (each step then evaluates the batch and the whole).

    Raises:
        OptimizationError: a bad setting, a variable that is neither parameter nor data, data
            of different lengths, an objective not reduced over the samples, or a non-finite
            value or gradient (a diverged run).

    >>> r = minimize("(w - 3)^2 + 1", {"w": 0.0}, "newton")
    >>> round(r.x["w"], 9), r.value, r.steps, r.converged
    (3.0, 1.0, 1, True)
    """
    expr = as_input(expr)
    names, x = _parameters(x0)
    data_names, arrays, n_samples = _data(data)
    _check_names(expr, names, data_names)
    _check_settings(method, lr, steps, tol, batch_size, bool(data_names))
    if data_names:
        _check_reduced(expr, data_names, n_samples)
    lr = DEFAULT_LR[method] if lr is None else float(lr)
    objective = _Objective(expr, names, data_names, arrays, n_samples, method == "newton", maximize, lr)
    sign = -1.0 if maximize else 1.0
    batches = _batches(n_samples, batch_size, seed) if batch_size is not None else None
    update = None if method == "newton" else _STEPPERS[method](lr, len(names))
    bar = _Progress(steps) if progress else None

    full = objective(x, None, step=0)
    history = [sign * full[0]]
    converged = _gradient_norm(full) <= tol
    fallbacks, taken, stop = 0, 0, ""
    while not converged and taken < steps:
        k = taken + 1
        batch = next(batches) if batches is not None else None
        here = full if batch is None else objective(x, batch, step=k)
        if update is not None:
            x = update(x, here[1], k)
            full = objective(x, None, step=k)
        else:
            direction, fell_back = _newton_direction(here[1], here[2])
            fallbacks += fell_back
            trial = _line_search(objective, x, here, direction, lr, batch, k)
            if trial is None:
                stop = f"stopped at step {k}: the line search found no decrease (precision limit?)"
                break
            x, reached = trial
            full = reached if batch is None else objective(x, None, step=k)
        taken = k
        history.append(sign * full[0])
        converged = _gradient_norm(full) <= tol
        if bar is not None:
            bar.update(taken, history[-1])
        if callback is not None and callback(taken, dict(zip(names, x.tolist(), strict=True)), history[-1]):
            stop = f"stopped by the callback after step {taken}"
            break
    if bar is not None:
        bar.close()
    return OptimizeResult(
        x=dict(zip(names, x.tolist(), strict=True)),
        value=history[-1],
        history=history,
        steps=taken,
        converged=converged,
        method=method,
        message=_message(stop, converged, taken, _gradient_norm(full), tol, fallbacks),
        fallbacks=fallbacks,
    )


# -- checking the inputs ---------------------------------------------------------------------


def _name(key: Any, what: str) -> str:
    if isinstance(key, str):
        return Var(key).name
    if type(key) is Var:
        return key.name
    raise OptimizationError(f"{what} keys must be variable names or Vars, not {type(key).__name__} {key!r}")


def _parameters(x0: Any) -> tuple[list[str], np.ndarray]:
    if not isinstance(x0, Mapping):
        raise OptimizationError(f"x0 must be a mapping of parameter name -> start value, not {type(x0).__name__}")
    if not x0:
        raise OptimizationError("x0 is empty: give at least one parameter and its start value")
    names, values = [], []
    for key, value in x0.items():
        name = _name(key, "x0")
        if name in names:
            raise OptimizationError(f"x0 gives the parameter {name!r} twice")
        if isinstance(value, bool) or not isinstance(value, (numbers.Real, np.ndarray)) or np.ndim(value) != 0:
            raise OptimizationError(f"x0[{name!r}] must be a real number, not {_shown(value)}")
        number = _finite_float(value)
        if number is None:
            raise OptimizationError(f"x0[{name!r}] is {_shown(value)}: the start values must be finite floats")
        names.append(name)
        values.append(number)
    return names, np.array(values)


def _data(data: Any) -> tuple[list[str], list[np.ndarray], int]:
    if data is None:
        return [], [], 1
    if not isinstance(data, Mapping):
        raise OptimizationError(f"data must be a mapping of variable name -> samples, not {type(data).__name__}")
    names, arrays = [], []
    for key, value in data.items():
        name = _name(key, "data")
        try:
            array = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError) as err:
            raise OptimizationError(f"data[{name!r}] is not an array of real numbers: {err}") from None
        if array.ndim == 0:
            raise OptimizationError(f"data[{name!r}] is a single number; data are arrays of samples")
        names.append(name)
        arrays.append(array)
    shapes = {a.shape for a in arrays}
    if len(shapes) > 1:  # (20,) beside (20, 1) would broadcast to 400 pairs of samples
        described = ", ".join(f"{name} has shape {a.shape}" for name, a in zip(names, arrays, strict=True))
        raise OptimizationError(f"the data arrays must all have the same shape: {described}")
    lengths = {len(a) for a in arrays}
    if lengths == {0}:
        raise OptimizationError("the data arrays are empty: give at least one sample")
    return names, arrays, lengths.pop() if lengths else 1


def _check_names(expr: Expr, names: list[str], data_names: list[str]) -> None:
    both = sorted(set(names) & set(data_names))
    if both:
        raise OptimizationError(f"{', '.join(both)} given both as parameters (x0) and as data")
    known = set(names) | set(data_names)
    missing = [name for name in free_vars(expr) if name not in known]
    if missing:
        raise OptimizationError(
            f"the objective uses {', '.join(missing)}, in neither x0 (parameters) nor data: give "
            f"{'it a' if len(missing) == 1 else 'them'} start value{'' if len(missing) == 1 else 's'} or data"
        )


def _check_settings(method: Any, lr: Any, steps: Any, tol: Any, batch_size: Any, has_data: bool) -> None:
    if method not in DEFAULT_LR:
        raise OptimizationError(f"unknown method {method!r}; the methods are {', '.join(METHODS)}")
    if lr is not None and (not _is_real(lr) or _finite_float(lr) is None or not lr > 0):
        raise OptimizationError(f"lr must be a positive number, got {_shown(lr)}")
    if not _is_int(steps) or steps < 0:
        raise OptimizationError(f"steps must be a whole number >= 0, got {_shown(steps)}")
    if not _is_real(tol) or not tol >= 0:
        raise OptimizationError(f"tol must be a number >= 0, got {_shown(tol)}")
    if batch_size is not None:
        if not has_data:
            raise OptimizationError("batch_size needs data: mini-batches are drawn from the data samples")
        if not _is_int(batch_size) or batch_size < 1:
            raise OptimizationError(f"batch_size must be a whole number >= 1, got {_shown(batch_size)}")


def _shown(value: Any, limit: int = 40) -> str:
    """``repr(value)`` cut to ``limit`` characters; an int over Python's int-to-str digit limit does not raise."""
    try:
        text = repr(value)
    except ValueError:  # sys.get_int_max_str_digits(): 10**5000 has no repr by default
        return f"an integer of {value.bit_length():,} bits" if isinstance(value, int) else type(value).__name__
    return text[:limit]


def _finite_float(value: Any) -> float | None:
    """``value`` as a finite float, or None (nan, inf, or an integer too large for a float)."""
    try:
        number = float(value)
    except (OverflowError, TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _is_real(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _is_int(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _check_reduced(expr: Expr, data_names: list[str], n_samples: int) -> None:
    """Fail unless every data variable is under a reduction: else the objective has one value per sample."""
    bound = set(data_names)
    per_sample: set[Expr] = set()
    for node in postorder(expr):
        if type(node) is Var:
            if node.name in bound:
                per_sample.add(node)
        elif not (type(node) is Call and node.fn.reduction) and any(a in per_sample for a in node.args):
            per_sample.add(node)
    if expr in per_sample:
        raise OptimizationError(_unreduced(n_samples))


def _unreduced(n_samples: int) -> str:
    return f"the objective gives {n_samples} values, one per sample; reduce them with mean(...) or sum(...)"


# -- the compiled objective ---------------------------------------------------------------------


class _Objective:
    """The compiled ``[f, gradient(f)(, hessian(f))]`` of the parameters and data, as minimized (sign applied)."""

    def __init__(
        self,
        expr: Expr,
        names: list[str],
        data_names: list[str],
        arrays: list[np.ndarray],
        n_samples: int,
        newton: bool,
        maximize: bool,
        lr: float,
    ) -> None:
        params = [Var(name) for name in names]
        outputs: list[Any] = [expr, gradient(expr, params)]
        if newton:
            outputs.append(hessian(expr, params))
        self.function = lambdify(names + data_names, outputs)
        self.arrays = arrays
        self.n_samples = n_samples
        self.sign = -1.0 if maximize else 1.0
        self.lr = lr

    def __call__(self, x: np.ndarray, batch: np.ndarray | None, step: int) -> Evaluation:
        arrays = self.arrays if batch is None else [a[batch] for a in self.arrays]
        out = self.function(*x.tolist(), *arrays)
        value = self.sign * self._scalar(out[0])
        grad = self.sign * np.array([self._scalar(g) for g in out[1]])
        hess = None
        if len(out) > 2:
            hess = self.sign * np.array([[self._scalar(h) for h in row] for row in out[2]])
        if not math.isfinite(value) or not np.isfinite(grad).all():
            # value * sign: the objective as the user wrote it, also when maximizing
            what = f"the objective is {value * self.sign}" if not math.isfinite(value) else "the gradient is not finite"
            if step == 0:
                raise OptimizationError(f"{what} at x0")
            raise OptimizationError(f"diverged at step {step}: {what} (lr = {self.lr:g}; try a smaller lr)")
        return value, grad, hess

    def _scalar(self, value: Any) -> float:
        # lambdify broadcasts every output to the data's shape; a reduced one is constant there.
        if np.ndim(value) == 0:
            return float(value)
        flat = np.ravel(value)
        bad = flat[~np.isfinite(flat)]
        if bad.size:
            return float(bad[0])  # reported as a divergence
        if (flat == flat[0]).all():
            return float(flat[0])
        raise OptimizationError(_unreduced(self.n_samples))


def _gradient_norm(evaluation: Evaluation) -> float:
    return float(np.max(np.abs(evaluation[1]))) if evaluation[1].size else 0.0


def _batches(n_samples: int, batch_size: int, seed: int | None) -> Iterator[np.ndarray]:
    """Index arrays of ``batch_size`` samples (the last of an epoch may be smaller), one permutation per epoch."""
    rng = np.random.default_rng(seed)
    while True:
        order = rng.permutation(n_samples)
        for start in range(0, n_samples, batch_size):
            yield order[start : start + batch_size]


# -- the methods --------------------------------------------------------------------------------

Stepper = Callable[[np.ndarray, np.ndarray, int], np.ndarray]


def _gd(lr: float, n: int) -> Stepper:
    return lambda x, g, t: x - lr * g


def _momentum(lr: float, n: int, nesterov: bool = False) -> Stepper:
    velocity = np.zeros(n)

    def step(x: np.ndarray, g: np.ndarray, t: int) -> np.ndarray:
        velocity[:] = _BETA * velocity + g
        return x - lr * (g + _BETA * velocity if nesterov else velocity)

    return step


def _nesterov(lr: float, n: int) -> Stepper:
    return _momentum(lr, n, nesterov=True)


def _adagrad(lr: float, n: int) -> Stepper:
    squares = np.zeros(n)

    def step(x: np.ndarray, g: np.ndarray, t: int) -> np.ndarray:
        squares[:] += g * g
        return x - lr * g / (np.sqrt(squares) + _EPS)

    return step


def _adam(lr: float, n: int) -> Stepper:
    m, v = np.zeros(n), np.zeros(n)

    def step(x: np.ndarray, g: np.ndarray, t: int) -> np.ndarray:
        m[:] = _BETA1 * m + (1 - _BETA1) * g
        v[:] = _BETA2 * v + (1 - _BETA2) * g * g
        m_hat = m / (1 - _BETA1**t)
        v_hat = v / (1 - _BETA2**t)
        return x - lr * m_hat / (np.sqrt(v_hat) + _EPS)

    return step


_STEPPERS: dict[str, Callable[[float, int], Stepper]] = {
    "gd": _gd,
    "momentum": _momentum,
    "nesterov": _nesterov,
    "adagrad": _adagrad,
    "adam": _adam,
}


def _newton_direction(g: np.ndarray, h: np.ndarray | None) -> tuple[np.ndarray, bool]:
    """(d, fell back): ``(H + mu I) d = g`` for the smallest tried ``mu`` that is positive definite, else ``g``."""
    assert h is not None  # the objective compiles the Hessian for newton
    if np.isfinite(h).all():
        scale = float(np.max(np.abs(np.diag(h)))) or 1.0
        identity = np.eye(len(g))
        for mu in [0.0] + [scale * 10.0 ** (k - 8) for k in range(_DAMPING_TRIES)]:
            shifted = h + mu * identity
            try:
                np.linalg.cholesky(shifted)  # the test for positive definite
            except np.linalg.LinAlgError:
                continue
            d = np.linalg.solve(shifted, g)  # LU: exact on the textbook cases, 2*d = 2 gives d = 1
            if np.isfinite(d).all():
                return d, False
    return g, True


def _line_search(
    objective: _Objective, x: np.ndarray, here: Evaluation, d: np.ndarray, lr: float, batch: Any, step: int
) -> tuple[np.ndarray, Evaluation] | None:
    """Backtracking from ``x - lr d``, halving until Armijo's sufficient decrease holds; None if it never does."""
    value, g, _ = here
    slope = float(g @ d)
    t = lr
    for _ in range(_HALVINGS):
        trial = x - t * d
        try:
            reached = objective(trial, batch, step)
        except OptimizationError:  # a trial beyond the domain (nan, inf): step shorter
            reached = None
        if reached is not None and reached[0] <= value - _ARMIJO * t * slope:
            return trial, reached
        t /= 2
    return None


# -- reporting ----------------------------------------------------------------------------------


def _message(stop: str, converged: bool, steps: int, norm: float, tol: float, fallbacks: int) -> str:
    if stop:
        text = stop
    elif converged:
        text = f"converged after {steps} steps: max |gradient| = {norm:.3g} <= tol = {tol:.3g}"
    else:
        text = f"stopped after {steps} steps (the limit), not converged: max |gradient| = {norm:.3g} > tol = {tol:.3g}"
    if fallbacks:
        plural = "s" if fallbacks > 1 else ""
        text += f"; {fallbacks} Newton step{plural} fell back to the gradient (Hessian not positive definite)"
    return text


class _Progress:
    """A text bar on stderr, redrawn at most about 100 times."""

    def __init__(self, total: int, width: int = 30) -> None:
        self.total = total
        self.width = width
        self.every = max(1, total // 100)

    def update(self, step: int, value: float) -> None:
        if step % self.every == 0 or step == self.total:
            filled = self.width * step // self.total if self.total else self.width
            bar = "#" * filled + "-" * (self.width - filled)
            sys.stderr.write(f"\r[{bar}] {step}/{self.total} f = {value:.6g}")
            sys.stderr.flush()

    def close(self) -> None:
        sys.stderr.write("\n")
        sys.stderr.flush()


__all__ = ["OptimizeResult", "minimize"]
