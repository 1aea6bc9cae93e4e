"""sum and mean over samples: values, derivatives, gradients, backprop and lambdify agree."""

import numpy as np
import pytest

import symdiff
from symdiff import backprop, diff, evaluate, gradient, hessian, lambdify, parse

X = np.array([1.0, 2.0, 3.0, -0.5])
Y = 3 * X - 1
DATA = {"x": X, "y": Y}


def test_reductions_broadcast_over_the_samples():
    assert evaluate(parse("sum(x)"), DATA) == 5.5
    assert evaluate(parse("mean(x)"), DATA) == 1.375
    assert evaluate(parse("sum(b)"), {"b": 2, **DATA}) == 8.0  # b counts once per sample
    assert evaluate(parse("sum(b)"), {"b": 2}) == 2.0  # plain numbers are one sample
    assert evaluate(parse("mean(2)"), DATA) == 2.0


def test_reductions_never_fold():
    assert str(parse("sum(1)")) == "sum(1)"
    assert str(parse("sum(2.5) + mean(0)")) == "mean(0) + sum(2.5)"
    assert str(diff(parse("sum(b)"), "b")) == "sum(1)"
    assert evaluate(diff(parse("sum(b)"), "b"), DATA) == 4.0


def test_derivatives_pass_through_reductions():
    loss = parse("mean((w*x + b - y)^2)")
    assert [str(g) for g in gradient(loss, ["w", "b"])] == ["mean(2*x*(b + w*x - y))", "mean(2*(b + w*x - y))"]
    assert [str(diff(loss, v)) for v in ("w", "b")] == [str(g) for g in gradient(loss, ["w", "b"])]
    assert [[str(h) for h in row] for row in hessian(loss, ["w", "b"])] == [
        ["mean(2*x^2)", "mean(2*x)"],
        ["mean(2*x)", "mean(2)"],
    ]


@pytest.mark.parametrize(
    "text",
    [
        "mean((w*x + b - y)^2)",
        "sum(b) + b*mean(x)",
        "w*sum(w*x) + exp(mean(w*x))*b",
        "mean(sigmoid(w*x + b)*y) + log(1 + sum(b^2*x^2))",
        "mean(x*sum(w*x))",
    ],
)
def test_symbolic_reverse_and_numeric_gradients_agree(text):
    expr = parse(text)
    point = {"w": 0.7, "b": -0.3, **DATA}
    params = ["b", "w"]
    symbolic = [evaluate(g, point) for g in gradient(expr, params)]
    compiled = lambdify(["w", "b", "x", "y"], gradient(expr, params))(0.7, -0.3, X, Y)
    reverse = backprop(expr, point)
    h = 1e-6
    numeric = [
        (evaluate(expr, {**point, v: point[v] + h}) - evaluate(expr, {**point, v: point[v] - h})) / (2 * h)
        for v in params
    ]
    assert compiled == pytest.approx(symbolic, rel=1e-12)
    assert [reverse.get(v, 0.0) for v in params] == pytest.approx(symbolic, rel=1e-12)
    assert numeric == pytest.approx(symbolic, rel=1e-6)


def test_backprop_gives_data_gradients_per_sample():
    grads = backprop(parse("mean((w*x - y)^2)"), {"w": 2.0, **DATA})
    np.testing.assert_allclose(grads["x"], 2 * (2 * X - Y) * 2 / 4)
    # the symbolic slope in x moves every sample together: the sum of those
    assert evaluate(diff(parse("mean((w*x - y)^2)"), "x"), {"w": 2.0, **DATA}) == pytest.approx(grads["x"].sum())


def test_lambdify_does_not_broadcast_a_loss_and_its_gradient():
    loss = parse("mean((w*x + b - y)^2)")
    f = lambdify(["w", "b", "x", "y"], [loss, gradient(loss, ["w", "b"]), diff(loss, "b", 2)])
    value, (dw, db), d2b = f(3.0, -1.0, X, Y)
    assert (value, dw, db, d2b) == (0.0, 0.0, 0.0, 2.0)
    assert type(d2b) is float


def test_reductions_are_exported_and_print():
    assert symdiff.sum(symdiff.Var("x")) is parse("sum(x)")
    assert symdiff.latex(parse("mean(x^2) + sum(x)")) == r"\operatorname{mean}\left(x^{2}\right) + \sum\left(x\right)"


def test_unused_values_are_ignored_without_a_reduction():
    assert np.array_equal(evaluate(parse("x + 1"), {"x": np.zeros(3), "b": np.zeros(4)}), np.ones(3))
    assert evaluate(parse("x + 1"), {"x": 1.0, "b": [1, [2, 3]]}) == 2.0
    assert backprop(parse("x*y"), {"x": 2.0, "y": 3.0, "junk": ["a"]}) == {"x": 3.0, "y": 2.0}
    message = r"^the arrays given do not broadcast together: x \(4,\), z \(3,\)$"
    with pytest.raises(symdiff.EvaluationError, match=message):
        evaluate(parse("sum(x)"), {"x": X, "z": np.zeros(3)})


def test_gradient_is_linear_in_the_number_of_reductions():
    w, x = symdiff.Var("w"), symdiff.Var("x")
    e = w * x
    for _ in range(100_000):
        e = symdiff.mean(e * w + x)
    (g,) = gradient(e, ["w"])
    assert symdiff.size(g) < 10 * symdiff.size(e)
    # numbers small enough to keep: w = 0.5 halves each level
    small = w * x
    for _ in range(30):
        small = symdiff.mean(small * w + x)
    point = {"w": 0.5, "x": np.array([0.1, 0.2])}
    h = 1e-6
    numeric = (evaluate(small, {**point, "w": 0.5 + h}) - evaluate(small, {**point, "w": 0.5 - h})) / (2 * h)
    assert evaluate(gradient(small, ["w"])[0], point) == pytest.approx(numeric, rel=1e-7)


def test_lambdify_broadcast_can_be_chosen():
    (g,) = gradient(parse("mean(x) + w"), ["w"])
    assert str(g) == "1"
    assert lambdify(["w", "x"], [g], broadcast=False)(2.0, X) == [1.0]
    assert np.array_equal(lambdify(["w", "x"], [g])(2.0, X)[0], np.ones(4))


def test_zero_to_the_zero_has_slope_zero_in_every_mode():
    at = {"x": 0.0, "y": 0.0}
    assert backprop(parse("x^y"), at) == {"x": 0.0, "y": 0.0}
    assert symdiff.forward_derivative("x^y", at, "x") == 0.0
    arrays = {"x": np.array([0.0, 1.0]), "y": np.array([0.0, 1.0])}
    assert np.array_equal(backprop(parse("sum(x^y)"), arrays)["x"], [0.0, 1.0])
    assert np.array_equal(symdiff.forward_derivative("x^y", arrays, "x"), [0.0, 1.0])
