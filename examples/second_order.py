"""Second order: the gradient and Hessian of x^2*y + y + 2 at (3, 4), four ways side by side.

* symbolic: ``gradient`` and ``hessian`` build the derivatives as expressions;
* dual:     forward mode, one pass on dual numbers per direction: ``jvp`` of f
            gives a gradient entry, ``jvp`` of the symbolic gradient a Hessian column;
* reverse:  ``backprop`` of f gives the whole gradient in one pass, ``backprop``
            of each symbolic gradient component one Hessian row;
* numeric:  central finite differences of f, and of each gradient component.

Because derivatives are expressions, "differentiate the gradient" works with any
first-order method: that is how the dual, reverse and numeric columns get their
second derivatives.

Run: ``.venv/bin/python examples/second_order.py`` (``--quick``: the same, it is fast).
"""

import argparse

from symdiff import backprop, evaluate, gradient, hessian, parse
from symdiff.dual import jvp
from symdiff.numeric import numeric_gradient

VARS = ["x", "y"]


def fmt(values) -> str:
    """[24.0, 10.0] -> "[24, 10]", also nested."""
    if isinstance(values, list):
        return "[" + ", ".join(fmt(v) for v in values) + "]"
    return f"{values:g}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small settings, for the test suite (same output here)")
    parser.parse_args()

    f = parse("x^2*y + y + 2")
    at = {"x": 3.0, "y": 4.0}
    grad = gradient(f, VARS)
    hess = hessian(f, VARS)
    print(f"f(x, y) = {f} at (x, y) = (3, 4): f = {evaluate(f, at):g}")

    # one forward pass per direction (x, then y): the slope of f, and of every gradient component at once
    unit = {v: {w: float(w == v) for w in VARS} for v in VARS}
    dual_grad = {v: jvp(f, at, unit[v]) for v in VARS}
    dual_hess = {v: dict(zip(VARS, jvp(grad, at, unit[v]), strict=True)) for v in VARS}  # column v
    # one reverse pass per output: all of f's partials, then all of each gradient component's
    reverse_grad = backprop(f, at)
    reverse_hess = [backprop(g, at) for g in grad]  # row i
    numeric_grad = numeric_gradient(f, at, vars=VARS)
    numeric_hess = [numeric_gradient(g, at, vars=VARS) for g in grad]

    rows = []
    for i, v in enumerate(VARS):
        rows.append((f"df/d{v}", grad[i], evaluate(grad[i], at), dual_grad[v], reverse_grad.get(v, 0.0),
                     numeric_grad[v]))
    for i, v in enumerate(VARS):
        for j, w in enumerate(VARS):
            rows.append((f"d2f/d{v}d{w}", hess[i][j], evaluate(hess[i][j], at), dual_hess[w][v],
                         reverse_hess[i].get(w, 0.0), numeric_hess[i][w]))

    header = f"{'entry':<10} {'expression':<10} {'symbolic':>9} {'dual':>9} {'reverse':>9} {'numeric':>11}"
    print(header)
    print("-" * len(header))
    for name, expr, symbolic, dual, reverse, numeric in rows:
        print(f"{name:<10} {str(expr):<10} {symbolic:>9g} {dual:>9g} {reverse:>9g} {numeric:>11.6f}")

    spread = max(max(r[2:]) - min(r[2:]) for r in rows)
    print(f"{'all four agree within 1e-6':<28} {spread < 1e-6}")
    print(f"{'gradient at (3, 4)':<28} {fmt([evaluate(g, at) for g in grad])}")
    print(f"{'Hessian at (3, 4)':<28} {fmt([[evaluate(h, at) for h in row] for row in hess])}")


if __name__ == "__main__":
    main()
