"""Optimizers: gradient descent on a parabola, then six methods race down the Rosenbrock valley.

``minimize`` builds the gradient (and for Newton the Hessian) symbolically once,
compiles it, and then steps with NumPy only. First J(w) = w^2 - 2w + 5 from
w = 0, whose minimum is 4 at w = 1. Then the Rosenbrock function
(1 - x)^2 + 100 (y - x^2)^2 from the classic start (-1.2, 1): a curved, narrow
valley where plain gradient descent crawls. Each method gets about the largest
learning rate with which it still settles (found by trying a few); the table
counts the steps until the objective is within 1e-6 of its minimum 0, and a
plot shows the objective per step on a log scale.

Run: ``.venv/bin/python examples/optimizers.py`` (``--quick``: at most 2,000 steps per method).
"""

import argparse
from pathlib import Path

from symdiff.optimize import minimize

OUT = Path("build/examples")
ROSENBROCK = "(1 - x)^2 + 100*(y - x^2)^2"
START = {"x": -1.2, "y": 1.0}
TARGET = 1e-6
# method -> learning rate (Newton: the first step its line search tries)
RATES = {"gd": 0.0018, "momentum": 0.003, "nesterov": 0.0013, "adagrad": 0.7, "adam": 0.15, "newton": 1.0}


def show(label: str, value: object) -> None:
    print(f"{label:<34} {value}")


def pyplot():
    """matplotlib's pyplot on the file-only Agg backend, or None when matplotlib is not installed."""
    try:
        import matplotlib
    except ImportError:
        return None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def parabola() -> None:
    print("== J(w) = w^2 - 2w + 5 from w = 0 ==")
    for method, lr in [("gd", 0.1), ("newton", 1.0)]:
        result = minimize("w^2 - 2*w + 5", {"w": 0.0}, method, lr=lr)
        if method == "gd":
            show("gd: J at steps 0, 1, ..., 5", ", ".join(f"{value:.4f}" for value in result.history[:6]))
        steps = f"{result.steps} step{'s' * (result.steps != 1)}"
        show(f"{method} (lr {lr:g})", f"minimum {result.value:.6f} at w = {result.x['w']:.6f} ({steps})")


def race(steps: int) -> dict[str, list[float]]:
    print(f"\n== Rosenbrock {ROSENBROCK} from (-1.2, 1), at most {steps:,} steps ==")
    header = f"{'method':<10} {'lr':>7}  {'steps to within 1e-6':<24} {'final objective':>15}"
    print(header)
    print("-" * len(header))
    histories = {}
    for method, lr in RATES.items():
        # the callback stops the run once the objective is within TARGET of the minimum
        result = minimize(ROSENBROCK, START, method, lr=lr, steps=steps, tol=0.0,
                          callback=lambda step, x, value: value <= TARGET)
        reached = result.history[-1] <= TARGET
        needed = f"{result.steps:,}" if reached else f"not within {steps:,} steps"
        print(f"{method:<10} {lr:>7g}  {needed:<24} {result.value:>15.3g}")
        histories[method] = result.history
    return histories


def plot(histories: dict[str, list[float]], steps: int) -> None:
    plt = pyplot()
    if plt is None:
        print("no plot: matplotlib is not installed (pip install 'symdiff[plot]')")
        return
    fig, ax = plt.subplots(figsize=(8, 5))
    for method, history in histories.items():
        ax.plot(range(len(history)), history, label=f"{method} (lr {RATES[method]:g})", linewidth=1.5)
    ax.axhline(TARGET, color="gray", linestyle="--", linewidth=1)
    ax.set_yscale("log")
    ax.set_xscale("symlog", linthresh=10)
    ax.set_xlim(0, steps)
    ax.set_xlabel("step (log scale past 10)")
    ax.set_ylabel("objective (log scale)")
    ax.set_title("Rosenbrock from (-1.2, 1); a run stops once within 1e-6 of the minimum")
    ax.legend()
    fig.tight_layout()
    path = OUT / "optimizers.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    print()
    show("convergence plot", path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="at most 2,000 steps per method (for the test suite)")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    steps = 2_000 if args.quick else 20_000
    parabola()
    plot(race(steps), steps)


if __name__ == "__main__":
    main()
