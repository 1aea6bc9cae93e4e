"""Gates: one derivative, four ways (symbolic, finite differences, dual numbers, reverse mode).

The opening of Karpathy's "Hacker's guide to neural networks": how does the
output of a gate change when we nudge one input? For three small gates,

* analytic:  symdiff builds d(gate)/dx as an expression and evaluates it;
* numeric:   a central finite difference, (f(x + h) - f(x - h)) / 2h;
* dual:      the gate evaluated once on dual numbers x + 1ε (``forward_derivative``);
* reverse:   one backward pass over the graph (``backprop``), all inputs at once.

Run: ``.venv/bin/python examples/gates.py`` (``--quick`` changes nothing here: it is fast).
"""

import argparse

import symdiff
from symdiff import backprop, diff, evaluate, parse
from symdiff.dual import Dual, forward_derivative
from symdiff.numeric import numeric_gradient

GATES = [
    ("x*y", {"x": 5, "y": -6}, "x"),
    ("(x+y)^2", {"x": 5, "y": -6}, "x"),
    ("sigmoid(x)", {"x": 0}, "x"),
]


def show(label: str, value: object) -> None:
    print(f"{label:<40} {value}")


def point(at: dict) -> str:
    return ", ".join(f"{name}={value}" for name, value in at.items())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small settings, for the test suite (same output here)")
    parser.parse_args()

    print("== nudge an input and watch the output ==")
    x, y, h = 5.0, -6.0, 1e-4
    show("x*y at x=5, y=-6", f"{x * y:g}")
    show(f"(f(x + h, y) - f(x, y)) / h, h = {h:g}", f"{((x + h) * y - x * y) / h:.4f}")
    show("x*y at x = 5 + 1ε, y = -6", Dual(x, 1) * Dual(y, 0))
    show("sigmoid(0 + 1ε)", symdiff.sigmoid(Dual(0, 1)))

    print("\n== d(gate)/dx four ways ==")
    header = f"{'gate':<12} {'at':<10} {'symbolic d/dx':<28} {'analytic':>9} {'numeric':>11} {'dual':>9} {'reverse':>9}"
    print(header)
    print("-" * len(header))
    for text, at, wrt in GATES:
        f = parse(text)
        derivative = diff(f, wrt)
        analytic = evaluate(derivative, at)
        numeric = numeric_gradient(f, at)[wrt]
        dual = forward_derivative(f, at, wrt)
        reverse = backprop(f, at)[wrt]
        print(f"{text:<12} {point(at):<10} {str(derivative):<28} "
              f"{analytic:>9g} {numeric:>11.6f} {dual:>9g} {reverse:>9g}")


if __name__ == "__main__":
    main()
