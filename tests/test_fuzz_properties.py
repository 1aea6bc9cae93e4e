"""Property tests that the other files leave out: the three ways to a gradient agree.

Already covered elsewhere, and not repeated here: the parse/print round trip of random
expressions and texts (test_properties), diff against finite differences in x and against
SymPy, the Hessian's symmetry (test_diff), lambdify against evaluate (test_compile), and
simplify keeping values (test_simplify). Added here: reverse mode (``backprop``) against the
symbolic ``gradient``, forward mode (``forward_derivative``) against reverse mode, the
gradient against finite differences in *every* variable, derivatives surviving the
print/parse round trip, and a function compiled together with its gradient.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from strategies import VAR_NAMES, exprs, moderate_exprs, numbers, well_conditioned

import symdiff
from symdiff import EvaluationError, LimitError, SymdiffError, backprop, evaluate, forward_derivative, gradient
from symdiff.parse import parse

SETTINGS = settings(max_examples=120, deadline=None)
SMOOTH = ("sin", "cos", "atan", "sinh", "cosh", "tanh", "exp", "log", "sqrt", "sigmoid", "softplus")
smooth_exprs = exprs(max_leaves=15, function_names=SMOOTH, consts=numbers(wide_floats=False))
points = st.fixed_dictionaries({n: st.floats(-2.0, 2.0).filter(lambda v: abs(v) > 0.05) for n in VAR_NAMES})


def _close(a: float, b: float, rel: float = 1e-7, abs_: float = 1e-9) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_ * (1 + abs(a) + abs(b)))


def _symbolic_gradient(e, at):
    names = symdiff.free_vars(e)
    try:
        grads = gradient(e, list(names))
        return {n: evaluate(g, at) for n, g in zip(names, grads, strict=True)}
    except (EvaluationError, LimitError):
        return None


@SETTINGS
@given(moderate_exprs, points)
def test_backprop_equals_the_symbolic_gradient(e, at):
    theirs = _symbolic_gradient(e, at)
    assume(theirs is not None and all(math.isfinite(v) for v in theirs.values()))
    assume(well_conditioned(e, at))
    try:
        ours = backprop(e, at)
    except EvaluationError:  # a slope undefined at this point (sqrt at 0) that the simplified gradient hides
        assume(False)
    assert set(ours) == set(theirs)
    for name, value in theirs.items():
        assert _close(ours[name], value, rel=1e-6, abs_=1e-8), (str(e), at, name, ours[name], value)


@SETTINGS
@given(moderate_exprs, points)
def test_forward_derivative_equals_backprop(e, at):
    try:
        reverse = backprop(e, at)
    except EvaluationError:
        assume(False)
    assume(all(math.isfinite(v) for v in reverse.values()) and well_conditioned(e, at))
    for name in VAR_NAMES:
        try:
            forward = forward_derivative(e, at, name)
        except EvaluationError:
            assume(False)
        assert _close(forward, reverse.get(name, 0.0), rel=1e-9, abs_=1e-12), (str(e), at, name)


@SETTINGS
@given(smooth_exprs, points)
def test_gradient_agrees_with_finite_differences_in_every_variable(e, at):
    grads = _symbolic_gradient(e, at)
    assume(grads)
    for name, slope in grads.items():
        h = 1e-5 * (1 + abs(at[name]))
        try:
            samples = [evaluate(e, {**at, name: at[name] + k * h}) for k in (-2, -1, 1, 2)]
        except EvaluationError:
            continue
        if not all(math.isfinite(s) and abs(s) < 1e6 for s in samples) or not abs(slope) < 1e6:
            continue
        coarse = (samples[3] - samples[0]) / (4 * h)
        fine = (samples[2] - samples[1]) / (2 * h)
        if abs(coarse - fine) > 1e-4 * (1 + abs(fine)):
            continue  # not smooth enough here (near a pole) for a difference quotient
        assert abs(slope - fine) < 1e-3 * (1 + abs(fine)), (str(e), at, name, slope, fine)


@SETTINGS
@given(exprs(max_leaves=15))
def test_derivatives_round_trip_through_text(e):
    for name in symdiff.free_vars(e):
        try:
            d = symdiff.diff(e, name)
            text = str(d)
        except LimitError:
            continue
        assert parse(text) is d, (str(e), name, text)


@SETTINGS
@given(moderate_exprs, points)
def test_a_function_compiled_with_its_gradient(e, at):
    names = list(VAR_NAMES)
    try:
        grads = gradient(e, names)
        fg = symdiff.lambdify(names, [e, grads])
        expected = [evaluate(e, at), [evaluate(g, at) for g in grads]]
    except (EvaluationError, LimitError):
        assume(False)
    with np.errstate(all="ignore"):
        value, slopes = fg(*[at[n] for n in names])
    assert _close(value, expected[0]), (str(e), at)
    for got, want in zip(slopes, expected[1], strict=True):
        assert _close(got, want), (str(e), at, got, want)


@settings(max_examples=60, deadline=None)
@given(smooth_exprs, points)
def test_numeric_gradient_agrees_with_backprop_where_smooth(e, at):
    assume(well_conditioned(e, at))
    try:
        reverse = backprop(e, at)
        numeric = symdiff.numeric_gradient(e, at, h=1e-6)
        check = symdiff.check_gradient(e, at)
    except SymdiffError:
        assume(False)
    assume(all(abs(v) < 1e4 for v in reverse.values()))
    for name, value in reverse.items():
        if abs(numeric[name] - value) > 1e-3 * (1 + abs(value)):
            return  # a finite difference across a near-pole: check_gradient says so too
    # check_gradient reports these same slopes, and the symbolic ones agree with reverse
    # mode. Its verdict is its tolerance on them: with a steep third derivative a
    # central difference can be off by more than 1e-6 even here (h**2 * f''' / 6).
    for row in check.rows:
        assert row.reverse == reverse[row.name] and row.numeric == numeric[row.name]
        assert row.reverse_error <= 1e-9 or not math.isfinite(row.reverse), (str(e), row)
    errors = [error for row in check.rows for error in (row.reverse_error, row.numeric_error)]
    assert check.ok == (max(errors, default=0.0) <= check.rtol)
