"""Time diff, gradient and hessian, and measure how big the derivatives get.

Run: ``.venv/bin/python benchmarks/calculus.py`` (medians of 3 runs). SymPy, when
installed, is timed on the same expressions in the same run, so the ratios are
comparable even on a noisy machine; cases SymPy would take minutes on are left out.
"""

from __future__ import annotations

from timing import median_time

import symdiff
from symdiff import Var, diff, gradient, hessian, size

try:
    import sympy
except ImportError:  # an optional peer
    sympy = None


def rosenbrock(n: int):
    xs = [Var(f"x{i}") for i in range(n)]
    return sum(100 * (xs[i + 1] - xs[i] ** 2) ** 2 + (1 - xs[i]) ** 2 for i in range(n - 1)), xs


def versus_sympy(label: str, ours: float, theirs_fn) -> str:
    if sympy is None or theirs_fn is None:
        return f"{label}: symdiff {ours * 1e3:9.2f} ms"
    theirs, _ = median_time(theirs_fn)
    return f"{label}: symdiff {ours * 1e3:9.2f} ms, SymPy {theirs * 1e3:9.2f} ms, SymPy/symdiff {theirs / ours:7.1f}x"


def main() -> None:
    f = symdiff.parse("x^2*y + y + 2")
    t, _ = median_time(lambda: (gradient(f, ["x", "y"]), hessian(f, ["x", "y"])))
    sx, sy = (sympy.symbols("x y") if sympy else (None, None))
    sf = sx**2 * sy + sy + 2 if sympy else None
    print(versus_sympy("x^2*y + y + 2, gradient + hessian", t,
                       sympy and (lambda: ([sympy.diff(sf, v) for v in (sx, sy)], sympy.hessian(sf, (sx, sy))))))

    print("\nextended Rosenbrock, gradient by reverse accumulation:")
    for n in (10, 100, 1000):
        f, xs = rosenbrock(n)
        t, g = median_time(lambda f=f, xs=xs: gradient(f, xs))
        alone, together = size(g) / size(f), size([f, g]) / size(f)
        theirs = None
        if sympy and n <= 100:
            sxs = sympy.symbols(f"x0:{n}")
            sf = sum(100 * (sxs[i + 1] - sxs[i] ** 2) ** 2 + (1 - sxs[i]) ** 2 for i in range(n - 1))
            theirs = lambda sf=sf, sxs=sxs: [sympy.diff(sf, v) for v in sxs]  # noqa: E731
        print(versus_sympy(f"  n={n:>5}: size(f)={size(f):>5}, size(gradient)/size(f)={alone:.2f}, "
                           f"size(f with gradient)/size(f)={together:.2f}",
                           t, theirs))
    f, xs = rosenbrock(10)
    t, h = median_time(lambda: hessian(f, xs))
    print(f"  n=   10 hessian: {t * 1e3:.2f} ms, size {size(h)}")

    x, y = Var("x"), Var("y")
    print("\nchains of sums and products ((x*x + y + 1)*y)*x + y ...: time should double with n")
    for n in (4000, 8000, 16000):
        chain = x
        for k in range(n):
            chain = chain * x + y if k % 2 == 0 else (chain + 1) * y
        t_grad, _ = median_time(lambda chain=chain: gradient(chain, [x, y]))
        t_diff, _ = median_time(lambda chain=chain: diff(chain, x))
        print(f"  n={n:>6}: gradient by x and y {t_grad:.2f} s, diff by x {t_diff:.2f} s")

    deep = x
    for _ in range(100_000):
        deep = symdiff.sin(deep)
    t, d = median_time(lambda: diff(deep, x))
    t_eval, _ = median_time(lambda: symdiff.evaluate(d, {"x": 0.5}))
    print(f"\nsin nested 100,000 deep: diff {t:.2f} s (size {size(d):,}), evaluate the derivative {t_eval:.2f} s")


if __name__ == "__main__":
    main()
