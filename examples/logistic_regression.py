"""Logistic regression: separate two point clouds with one sigmoid neuron, trained by gradient descent.

The model is ``p = sigmoid(w1*x1 + w2*x2 + b)``, the probability that a point
is in class 1. The loss is the mean log loss over the samples,
``-(y log p + (1 - y) log(1 - p))``, written in the equal, overflow-free form
``softplus(z) - y*z`` with ``z = w1*x1 + w2*x2 + b``. ``x1``, ``x2`` and ``y``
are bound to arrays of samples with ``data=``; ``mean(...)`` averages over
them, and ``minimize`` moves ``w1``, ``w2`` and ``b`` only.

Run: ``.venv/bin/python examples/logistic_regression.py`` (``--quick``: 100 steps instead of 1,000).
"""

import argparse
from pathlib import Path

import numpy as np

from symdiff import evaluate, parse
from symdiff.optimize import minimize

OUT = Path("build/examples")
Z = "w1*x1 + w2*x2 + b"
MODEL = parse(f"sigmoid({Z})")
LOSS = parse(f"mean(softplus({Z}) - y*({Z}))")


def pyplot():
    """matplotlib's pyplot on the file-only Agg backend, or None when matplotlib is not installed."""
    try:
        import matplotlib
    except ImportError:
        return None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def point_clouds(n: int = 50, seed: int = 0) -> dict[str, np.ndarray]:
    """n points of class 0 around (-1.5, -1) and n of class 1 around (1.5, 1.5)."""
    rng = np.random.default_rng(seed)
    points = np.vstack([rng.normal([-1.5, -1.0], 0.8, size=(n, 2)), rng.normal([1.5, 1.5], 0.8, size=(n, 2))])
    return {"x1": points[:, 0], "x2": points[:, 1], "y": np.repeat([0.0, 1.0], n)}


def accuracy(weights: dict[str, float], data: dict[str, np.ndarray]) -> float:
    p = evaluate(MODEL, {**weights, "x1": data["x1"], "x2": data["x2"]})
    return float(np.mean((p > 0.5) == (data["y"] == 1)))


def plot(weights: dict[str, float], data: dict[str, np.ndarray]) -> None:
    plt = pyplot()
    if plt is None:
        print("no plot: matplotlib is not installed (pip install 'symdiff[plot]')")
        return
    fig, ax = plt.subplots(figsize=(6, 5))
    lo, hi = min(data["x1"].min(), data["x2"].min()) - 0.5, max(data["x1"].max(), data["x2"].max()) + 0.5
    grid1, grid2 = np.meshgrid(np.linspace(lo, hi, 200), np.linspace(lo, hi, 200))
    p = evaluate(MODEL, {**weights, "x1": grid1, "x2": grid2})
    shade = ax.contourf(grid1, grid2, p, levels=np.linspace(0, 1, 11), cmap="RdBu", alpha=0.3)
    fig.colorbar(shade, ax=ax, label="p(class 1)")
    for label, color in [(0, "tab:red"), (1, "tab:blue")]:
        mask = data["y"] == label
        ax.scatter(data["x1"][mask], data["x2"][mask], c=color, edgecolors="k", s=25, label=f"class {label}")
    w1, w2, b = weights["w1"], weights["w2"], weights["b"]
    xs = np.array([lo, hi])
    boundary = f"{w1:.2f} x1 + {w2:.2f} x2 {'-' if b < 0 else '+'} {abs(b):.2f} = 0"
    ax.plot(xs, -(w1 * xs + b) / w2, "k-", linewidth=2, label=boundary)
    ax.set(xlim=(lo, hi), ylim=(lo, hi), xlabel="x1", ylabel="x2", title="logistic regression: the learned boundary")
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    path = OUT / "logistic_regression.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    print(f"{'picture':<22} {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100 steps instead of 1,000 (for the test suite)")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    steps, every = (100, 20) if args.quick else (1000, 200)

    data = point_clouds()
    start = {"w1": 0.0, "w2": 0.0, "b": 0.0}
    print(f"model: p = {MODEL}")
    print(f"loss:  {LOSS}")
    print(f"data:  {len(data['y'])} points, two clouds (seed 0); gradient descent, lr 0.5, {steps} steps")
    print(f"{'step':>6}  {'loss':>8}  {'accuracy':>8}")
    print(f"{0:>6}  {evaluate(LOSS, {**start, **data}):>8.4f}  {accuracy(start, data):>8.0%}")

    def report(step: int, weights: dict[str, float], loss: float) -> None:
        if step % every == 0:
            print(f"{step:>6}  {loss:>8.4f}  {accuracy(weights, data):>8.0%}")

    result = minimize(LOSS, start, "gd", lr=0.5, steps=steps, data=data, callback=report)
    w = result.x
    print(f"{'learned':<22} w1 = {w['w1']:.3f}, w2 = {w['w2']:.3f}, b = {w['b']:.3f}")
    print(f"{'final accuracy':<22} {accuracy(w, data):.0%}")
    plot(w, data)


if __name__ == "__main__":
    main()
