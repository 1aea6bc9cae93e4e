"""minimize: every method on a quadratic, Rosenbrock, data and mini-batches, Newton's fallback, errors."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from symdiff.errors import OptimizationError, SymdiffError
from symdiff.nodes import Var
from symdiff.optimize import METHODS, OptimizeResult, minimize

QUADRATIC = "w^2 - 2*w + 5"  # minimum 4 at w = 1
ROSENBROCK = "(1 - x)^2 + 100*(y - x^2)^2"  # minimum 0 at (1, 1)
ROSENBROCK_START = {"x": -1.2, "y": 1.0}


# -- the methods ----------------------------------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
def test_every_method_minimizes_a_quadratic(method: str) -> None:
    result = minimize(QUADRATIC, {"w": 0.0}, method, steps=5000)
    assert result.converged
    assert result.x["w"] == pytest.approx(1, abs=1e-6)
    assert result.value == pytest.approx(4, abs=1e-12)
    assert result.method == method
    assert len(result.history) == result.steps + 1
    assert result.history[0] == 5 and result.history[-1] == result.value


def test_newton_solves_a_quadratic_in_one_step() -> None:
    result = minimize(QUADRATIC, {"w": 0.0}, "newton")
    assert (result.steps, result.converged, result.fallbacks) == (1, True, 0)
    assert result.history == pytest.approx([5, 4])
    assert "converged after 1 steps" in result.message


def test_gd_default_lr_and_history() -> None:
    result = minimize(QUADRATIC, {"w": 0.0}, steps=3)
    # w <- w - 0.01 * (2w - 2): 0, 0.02, 0.0396, 0.058808
    assert result.x["w"] == pytest.approx(0.058808)
    assert result.history == pytest.approx([5, 5 - 0.02 * 2 + 0.02**2, 5 - 0.0396 * 2 + 0.0396**2, 4 + 0.941192**2])
    assert (result.steps, result.converged) == (3, False)
    assert "stopped after 3 steps" in result.message


def test_maximize_reports_the_objective_itself() -> None:
    result = minimize("100 - (x - y)^2", {"x": 3, "y": 4}, "gd", maximize=True)
    assert result.converged
    assert result.value == pytest.approx(100)
    assert result.x["x"] == pytest.approx(3.5, abs=1e-6)
    assert result.x["y"] == pytest.approx(3.5, abs=1e-6)
    assert result.history[0] == 99
    assert all(b >= a for a, b in zip(result.history, result.history[1:], strict=False))


def test_rosenbrock_newton() -> None:
    result = minimize(ROSENBROCK, ROSENBROCK_START, "newton", steps=50)
    assert result.converged and result.steps <= 50
    assert result.x["x"] == pytest.approx(1, abs=1e-6)
    assert result.x["y"] == pytest.approx(1, abs=1e-6)
    assert result.value < 1e-12
    # Armijo: the objective never goes up.
    assert all(b <= a for a, b in zip(result.history, result.history[1:], strict=False))


def test_rosenbrock_adam() -> None:
    result = minimize(ROSENBROCK, ROSENBROCK_START, "adam", lr=0.02, steps=5000)
    assert result.x["x"] == pytest.approx(1, abs=1e-2)
    assert result.x["y"] == pytest.approx(1, abs=2e-2)
    assert result.value < 1e-4


def test_parameters_keep_the_order_of_x0_and_accept_vars() -> None:
    result = minimize("(a - 1)^2 + (b + 2)^2", {Var("b"): 0, "a": 0}, "newton")
    assert list(result.x) == ["b", "a"]
    assert result.x == pytest.approx({"b": -2, "a": 1})


def test_a_parameter_the_objective_ignores_stays_put() -> None:
    result = minimize("(a - 1)^2", {"a": 0, "unused": 7.5}, "newton")
    assert result.x == pytest.approx({"a": 1, "unused": 7.5})


def test_zero_steps_and_a_start_at_the_minimum() -> None:
    result = minimize(QUADRATIC, {"w": 0.0}, steps=0)
    assert (result.steps, result.history, result.converged) == (0, [5.0], False)
    at_min = minimize(QUADRATIC, {"w": 1.0})
    assert (at_min.steps, at_min.converged, at_min.history) == (0, True, [4.0])


# -- Newton's fallback -------------------------------------------------------------------------------


def test_newton_falls_back_to_the_gradient_where_the_hessian_is_negative() -> None:
    # x^4 - x^2 has f'' = 12 x^2 - 2 < 0 near 0: no Newton step goes downhill there.
    result = minimize("x^4 - x^2", {"x": 0.1}, "newton", steps=50)
    assert result.fallbacks >= 1
    assert "fell back to the gradient" in result.message
    assert result.converged
    assert result.x["x"] == pytest.approx(1 / math.sqrt(2), abs=1e-8)
    assert result.value == pytest.approx(-0.25)
    assert all(b < a for a, b in zip(result.history, result.history[1:], strict=False))


def test_newton_damps_a_singular_hessian() -> None:
    # The Hessian of x^2 (y unused) is singular: mu > 0 makes it positive definite, no fallback.
    result = minimize("(x - 2)^2", {"x": 0, "y": 1}, "newton")
    assert result.fallbacks == 0 and result.converged
    assert result.x["x"] == pytest.approx(2, abs=1e-6)


# -- data and mini-batches ------------------------------------------------------------------------


def _line_data() -> dict[str, np.ndarray]:
    x = np.linspace(-1, 1, 20)
    return {"x": x, "y": 3 * x - 1}


@pytest.mark.parametrize(("method", "lr"), [("newton", None), ("gd", 0.3), ("adam", 0.05)])
def test_linear_regression_recovers_the_line(method: str, lr: float | None) -> None:
    result = minimize("mean((w*x + b - y)^2)", {"w": 0, "b": 0}, method, lr=lr, steps=5000, data=_line_data())
    assert result.converged
    assert result.x["w"] == pytest.approx(3, abs=1e-6)
    assert result.x["b"] == pytest.approx(-1, abs=1e-6)
    assert result.value == pytest.approx(0, abs=1e-12)


def test_data_may_be_lists_and_vars() -> None:
    data = {Var("x"): [0.0, 1.0, 2.0], "y": [1.0, 3.0, 5.0]}
    result = minimize("sum((w*x + b - y)^2)", {"w": 0, "b": 0}, "newton", data=data)
    assert result.x == pytest.approx({"w": 2, "b": 1})


def _batched(seed: int | None) -> OptimizeResult:
    return minimize(
        "mean((w*x + b - y)^2)", {"w": 0, "b": 0}, "gd", lr=0.1, steps=40, data=_line_data(), batch_size=3, seed=seed
    )


def test_mini_batches_are_reproducible_by_seed() -> None:
    first, again, other = _batched(7), _batched(7), _batched(8)
    assert first.history == again.history and first.x == again.x
    assert first.history != other.history
    # The history is the objective on all the data, so it starts the same.
    assert first.history[0] == other.history[0] == pytest.approx(np.mean((3 * _line_data()["x"] - 1) ** 2))
    assert first.history[-1] < first.history[0] / 10


def test_a_batch_as_large_as_the_data_is_full_gd() -> None:
    data = _line_data()
    full = minimize("mean((w*x + b - y)^2)", {"w": 0, "b": 0}, "gd", lr=0.1, steps=10, data=data)
    batched = minimize("mean((w*x + b - y)^2)", {"w": 0, "b": 0}, "gd", lr=0.1, steps=10, data=data, batch_size=50)
    assert batched.history == pytest.approx(full.history, rel=1e-12)


def test_logistic_regression_separates_two_clouds() -> None:
    rng = np.random.default_rng(3)
    a = rng.normal([-2, -2], 0.5, size=(30, 2))
    b = rng.normal([2, 2], 0.5, size=(30, 2))
    points = np.vstack([a, b])
    data = {"x1": points[:, 0], "x2": points[:, 1], "y": np.r_[np.zeros(30), np.ones(30)]}
    loss = "mean((sigmoid(w1*x1 + w2*x2 + b) - y)^2)"
    result = minimize(loss, {"w1": 0, "w2": 0, "b": 0}, "adam", lr=0.1, steps=300, data=data)
    assert result.history[0] == pytest.approx(0.25)
    assert result.value < 0.01
    w1, w2, b0 = result.x.values()
    predicted = (w1 * points[:, 0] + w2 * points[:, 1] + b0) > 0
    assert (predicted == data["y"].astype(bool)).all()


# -- callback and progress ------------------------------------------------------------------------


def test_callback_sees_each_step_and_can_stop_the_run() -> None:
    seen = []

    def callback(step: int, x: dict[str, float], value: float) -> bool:
        seen.append((step, x, value))
        return step == 3

    result = minimize(QUADRATIC, {"w": 0.0}, callback=callback)
    assert [s for s, _, _ in seen] == [1, 2, 3]
    assert seen[0][1] == {"w": pytest.approx(0.02)}
    assert [v for _, _, v in seen] == result.history[1:]
    assert (result.steps, result.converged, len(result.history)) == (3, False, 4)
    assert result.message == "stopped by the callback after step 3"


def test_progress_bar_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    minimize(QUADRATIC, {"w": 0.0}, steps=1000, tol=0, progress=True)
    err = capsys.readouterr().err
    assert "1000/1000" in err and "[" + "#" * 30 + "]" in err
    assert err.count("\r") <= 101 and err.endswith("\n")


def test_str_is_readable() -> None:
    text = str(minimize(QUADRATIC, {"w": 0.0}, "newton"))
    assert text.splitlines()[0] == "OptimizeResult (newton, converged, 1 steps)"
    assert "w = 1" in text and "value: 4" in text and "message: converged" in text


# -- errors -----------------------------------------------------------------------------------------

ERRORS = [
    (("w*z", {"w": 1}), {}, "the objective uses z, in neither x0 (parameters) nor data"),
    (("w*x", {"w": 1, "x": 1}), {"data": {"x": [1, 2]}}, "x given both as parameters (x0) and as data"),
    (
        ("mean(w*x - y)", {"w": 1}),
        {"data": {"x": [1, 2], "y": [1, 2, 3]}},
        "the data arrays must all have the same shape: x has shape (2,), y has shape (3,)",
    ),
    (
        (QUADRATIC, {"w": 0}, "sgd"),
        {},
        "unknown method 'sgd'; the methods are gd, momentum, nesterov, adagrad, adam, newton",
    ),
    ((QUADRATIC, {"w": 0}), {"lr": 0}, "lr must be a positive number, got 0"),
    ((QUADRATIC, {"w": 0}), {"lr": -0.1}, "lr must be a positive number, got -0.1"),
    ((QUADRATIC, {"w": 0}), {"steps": -1}, "steps must be a whole number >= 0, got -1"),
    ((QUADRATIC, {"w": 0}), {"batch_size": 2}, "batch_size needs data"),
    (("mean((w*x)^2)", {"w": 0}), {"data": {"x": [1, 2]}, "batch_size": 0}, "batch_size must be a whole number >= 1"),
    (
        ("(w*x - y)^2", {"w": 0}),
        {"data": {"x": [1, 2, 3], "y": [2, 4, 6]}},
        "the objective gives 3 values, one per sample; reduce them with mean(...) or sum(...)",
    ),
    ((QUADRATIC, {"w": math.nan}), {}, "x0['w'] is nan: the start values must be finite"),
    ((QUADRATIC, {"w": math.inf}), {}, "x0['w'] is inf: the start values must be finite"),
    ((QUADRATIC, {"w": "1"}), {}, "x0['w'] must be a real number"),
    ((QUADRATIC, {}), {}, "x0 is empty"),
    ((QUADRATIC, {"w": 10**400}), {}, "x0['w'] is 1000000000000000000000000000000000000000: the start values"),
    ((QUADRATIC, {"w": 1}), {"lr": 10**400}, "lr must be a positive number, got 10000000000000000000000000000"),
    (
        ("mean((w*x - y)^2)", {"w": 0}),
        {"data": {"x": np.zeros(20), "y": np.zeros((20, 1))}},
        "the data arrays must all have the same shape: x has shape (20,), y has shape (20, 1)",
    ),
    (("log(w)", {"w": -1}), {}, "the objective is nan at x0"),
    (("sqrt(w)", {"w": 0}), {}, "the gradient is not finite at x0"),
]


@pytest.mark.parametrize(("args", "kwargs", "message"), ERRORS)
def test_errors_name_the_problem(args: tuple, kwargs: dict, message: str) -> None:
    with pytest.raises(OptimizationError, match=re.escape(message)):
        minimize(*args, **kwargs)


def test_a_diverging_run_says_where_and_suggests_a_smaller_lr() -> None:
    # x <- x - 1.5 * 2x = -2x: x = (-2)^k, and x^2 = 4^512 overflows at step 512.
    with pytest.raises(OptimizationError) as info:
        minimize("x^2", {"x": 1}, lr=1.5, steps=10_000)
    assert str(info.value) == "diverged at step 512: the objective is inf (lr = 1.5; try a smaller lr)"
    assert isinstance(info.value, SymdiffError) and isinstance(info.value, ValueError)


def test_a_diverging_maximization_reports_the_objective() -> None:
    with pytest.raises(OptimizationError, match=r"diverged at step \d+: the objective is -inf \(lr = 1.5; "):
        minimize("-x^2", {"x": 1}, lr=1.5, steps=10_000, maximize=True)
