"""symdiff demo: parse, differentiate (gradient, Hessian), print, evaluate, compile, draw.

Run with ``make demo``. Each section prints what a user would type and what
symdiff answers.
"""

from pathlib import Path

import numpy as np

import symdiff
from symdiff import diff, evaluate, gradient, hessian, lambdify, latex, parse, render, size


def show(label: str, value: object) -> None:
    print(f"{label:<34} {value}")


def main() -> None:
    print("== parse and print ==")
    f = parse("x^2*y + y + 2")
    show('parse("x^2*y + y + 2")', f)
    show("repr", repr(f))
    show("latex", latex(f))
    show('parse("2x + 3x - x^2/x")', parse("2x + 3x - x^2/x"))
    show('parse("(x+1)(x-1) / (x+1)")', parse("(x+1)(x-1) / (x+1)"))
    show('parse("-x^2"), parse("2^3^2")', f"{parse('-x^2')}, {parse('2^3^2')}")
    show('parse("e^x * e^y") simplified', symdiff.simplify(parse("e^x * e^y")))

    print("\n== differentiate ==")
    grad = gradient(f, ["x", "y"])
    show("gradient(f, [x, y])", [str(g) for g in grad])
    show("  at x=3, y=4", [evaluate(g, {"x": 3, "y": 4}) for g in grad])
    hess = hessian(f, ["x", "y"])
    show("hessian(f, [x, y])", [[str(h) for h in row] for row in hess])
    show("  at x=3, y=4", [[evaluate(h, {"x": 3, "y": 4}) for h in row] for row in hess])
    show('diff("x^3*y^2", x, 2, y)', diff("x^3*y^2", "x", 2, "y"))
    show('diff("sigmoid(x)", x)', diff("sigmoid(x)", "x"))
    show('diff("tanh(w*x + b)", w)', diff("tanh(w*x + b)", "w"))
    show('diff("x^x", x)', diff("x^x", "x"))
    show("latex of d/dx sqrt(x^2 + 1)", latex(diff("sqrt(x^2 + 1)", "x")))

    print("\n== compile: the function and its gradient share their work ==")
    net = parse("sigmoid(w1*x + b)")
    f_and_grad = lambdify(["w1", "b", "x"], [net, gradient(net, ["w1", "b"])])
    value, (d_w1, d_b) = f_and_grad(0.5, 0.1, 2.0)
    show("f, [df/dw1, df/db] at (.5, .1, 2)", f"{value:.6f}, [{d_w1:.6f}, {d_b:.6f}]")

    print("\n== evaluate ==")
    show("f at x=3, y=4", evaluate(f, {"x": 3, "y": 4}))
    show("(x+y)*z at (-2, 5, -4)", evaluate(parse("(x+y)*z"), {"x": -2, "y": 5, "z": -4}))
    show("sigmoid(0)", evaluate(parse("sigmoid(0)"), {}))
    xs = np.linspace(-2.0, 2.0, 5)
    show("tanh(w*x + b) on an array", evaluate(parse("tanh(w*x + b)"), {"w": 0.5, "x": xs, "b": 0.1}).round(4))

    print("\n== the graph is a DAG: shared subexpressions are one node ==")
    g = parse("sin(x*y) * (x*y) + exp(sin(x*y))")
    show("expression", g)
    show("distinct nodes / as a tree", f"{size(g)} / {size(g, tree=True)}")

    print("\n== pictures (Graphviz) ==")
    out = Path("build/demo")
    out.mkdir(parents=True, exist_ok=True)
    try:
        show("f beside df/dx", render(f, out / "derivative.png", derivative="x"))
        circuit = parse("(x+y)*z")
        show("(x+y)*z, values and gradients", render(circuit, out / "circuit.png", at={"x": -2, "y": 5, "z": -4},
                                                      gradients=True, title="backpropagation through (x + y)*z"))
    except symdiff.RenderError as err:
        print(f"no pictures: {err}")

    print("\n== bad input gets a clear error ==")
    try:
        parse("x +* y")
    except symdiff.ParseError as err:
        print(err)


if __name__ == "__main__":
    main()
