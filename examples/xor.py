"""XOR: a 2-2-1 neural network, written as one expression, trained with Adam.

No line separates XOR's two classes, so one neuron cannot learn it; two tanh
hidden units and a sigmoid output can. The whole network and its loss over the
four samples are a single symdiff expression in the 9 parameters and the data
variables ``x1``, ``x2``, ``y``:

    loss = mean((sigmoid(v1*h1 + v2*h2 + d) - y)^2),  hj = tanh(wj1*x1 + wj2*x2 + cj)

``minimize`` differentiates it once, symbolically, and compiles the result.
The initial weights are drawn with a fixed seed (with some seeds this small
network gets stuck in a local minimum that misclassifies two samples).

Run: ``.venv/bin/python examples/xor.py`` (``--quick``: 300 steps instead of 1,000).
"""

import argparse

import numpy as np

from symdiff import evaluate, parse, size
from symdiff.optimize import minimize

HIDDEN = 2
SEED = 0
SAMPLES = {"x1": np.array([0.0, 0.0, 1.0, 1.0]), "x2": np.array([0.0, 1.0, 0.0, 1.0])}
TARGETS = np.array([0.0, 1.0, 1.0, 0.0])


def network():
    units = [f"tanh(w{j}1*x1 + w{j}2*x2 + c{j})" for j in range(1, HIDDEN + 1)]
    output = parse(f"sigmoid({' + '.join(f'v{j}*{unit}' for j, unit in enumerate(units, 1))} + d)")
    names = [f"w{j}{i}" for j in range(1, HIDDEN + 1) for i in (1, 2)]
    names += [f"c{j}" for j in range(1, HIDDEN + 1)] + [f"v{j}" for j in range(1, HIDDEN + 1)] + ["d"]
    return output, names


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="300 steps instead of 1,000 (for the test suite)")
    args = parser.parse_args()
    steps = 300 if args.quick else 1000

    output, names = network()
    loss = parse(f"mean(({output} - y)^2)")
    data = {**SAMPLES, "y": TARGETS}
    start = dict(zip(names, np.random.default_rng(SEED).normal(0.0, 1.0, len(names)).tolist(), strict=True))

    print(f"network: {output}")
    print(f"{len(names)} parameters, the loss is one graph of {size(loss)} nodes")
    result = minimize(loss, start, "adam", lr=0.1, steps=steps, data=data)
    predictions = evaluate(output, {**result.x, **SAMPLES})
    errors = int(np.sum((predictions > 0.5) != (TARGETS == 1)))

    print(f"{'loss before training':<28} {result.history[0]:.4f}")
    print(f"{f'loss after {result.steps} Adam steps':<28} {result.value:.6f}")
    print(f"{'x1':>3} {'x2':>3} {'target':>7} {'prediction':>11} {'class':>6}")
    for x1, x2, target, p in zip(SAMPLES["x1"], SAMPLES["x2"], TARGETS, predictions, strict=True):
        print(f"{x1:>3g} {x2:>3g} {target:>7g} {p:>11.3f} {int(p > 0.5):>6}")
    print(f"{'classification errors':<28} {errors}")


if __name__ == "__main__":
    main()
