"""Circuits: backpropagation through (x + y)*z and a sigmoid neuron, then gradient ascent.

Karpathy's "Hacker's guide to neural networks", with symdiff doing the calculus:

1. the circuit ``(x + y)*z`` at (-2, 5, -4): its value, every input's gradient
   from one reverse pass (``backprop``), one small step along the gradient, and
   the graph drawn with each node's value and gradient;
2. the neuron ``sigmoid(w0*x0 + w1*x1 + w2)`` at w = (2, -3, -3), x = (-1, -2):
   output 0.73 and the gradients on the weights and the inputs;
3. ``100 - (x - y)^2`` climbed from (3, 4) with ``minimize(..., maximize=True)``.

Run: ``.venv/bin/python examples/circuit.py`` (``--quick``: the same, it is fast).
"""

import argparse
from pathlib import Path

import symdiff
from symdiff import backprop, evaluate, parse
from symdiff.optimize import minimize

OUT = Path("build/examples")


def show(label: str, value: object) -> None:
    print(f"{label:<34} {value}")


def numbers(values, digits: int) -> str:
    return "(" + ", ".join(f"{v:.{digits}f}" for v in values) + ")"


def draw(expr, name: str, at: dict, title: str) -> None:
    try:
        path = symdiff.render(expr, OUT / name, at=at, gradients=True, title=title)
    except symdiff.RenderError as err:  # no Graphviz `dot`: say so, no picture
        print(f"no picture: {err}")
    else:
        show("picture (values and gradients)", path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small settings, for the test suite (same output here)")
    parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)

    print("== the circuit (x + y)*z ==")
    circuit = parse("(x + y)*z")
    at = {"x": -2.0, "y": 5.0, "z": -4.0}
    grad = backprop(circuit, at)
    show("f at (x, y, z) = (-2, 5, -4)", f"{evaluate(circuit, at):g}")
    show("gradient (df/dx, df/dy, df/dz)", numbers(grad.values(), 0))
    step = 0.01
    nudged = {name: value + step * grad[name] for name, value in at.items()}
    show(f"f after a step of {step} uphill", f"{evaluate(circuit, nudged):.4f}")
    draw(circuit, "circuit.png", at, "backpropagation through (x + y)*z")

    print("\n== a sigmoid neuron ==")
    neuron = parse("sigmoid(w0*x0 + w1*x1 + w2)")
    at = {"w0": 2.0, "w1": -3.0, "w2": -3.0, "x0": -1.0, "x1": -2.0}
    grad = backprop(neuron, at)
    show("output at w=(2,-3,-3), x=(-1,-2)", f"{evaluate(neuron, at):.2f}")
    show("gradient on w (w0, w1, w2)", numbers([grad["w0"], grad["w1"], grad["w2"]], 2))
    show("gradient on x (x0, x1)", numbers([grad["x0"], grad["x1"]], 2))
    draw(neuron, "neuron.png", at, "a sigmoid neuron")

    print("\n== gradient ascent on 100 - (x - y)^2 ==")
    result = minimize("100 - (x - y)^2", {"x": 3.0, "y": 4.0}, "gd", lr=0.1, maximize=True)
    show("start at (3, 4)", f"{result.history[0]:g}")
    show(f"after {result.steps} steps (lr 0.1)", f"{result.value:.6f}")
    show("x, y", f"{result.x['x']:.4f}, {result.x['y']:.4f}")


if __name__ == "__main__":
    main()
