"""The benchmark problems compute what they claim, and the harness reports failures as results (no timing here)."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pytest

import symdiff as sd

sympy = pytest.importorskip("sympy")

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCH))
import problems  # noqa: E402
import run as harness  # noqa: E402


def _numeric_jacobian(f, x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Central differences of f (vector or scalar valued) at x, one column per coordinate."""
    cols = []
    for i in range(len(x)):
        e = np.zeros_like(x)
        e[i] = h
        cols.append((np.asarray(f(x + e)) - np.asarray(f(x - e))) / (2 * h))
    return np.stack(cols, axis=-1)


def test_textbook_derivatives_agree_with_sympy() -> None:
    assert len(problems.TEXTBOOK) == 40
    ours = problems.Symdiff().textbook("diff").run()
    theirs = problems.Sympy().textbook("diff").run()
    x = sympy.Symbol("x")
    for text, d, s in zip(problems.TEXTBOOK, ours, theirs, strict=True):
        expected = float(s.subs(x, 0.3))
        assert sd.evaluate(d, {"x": 0.3}) == pytest.approx(expected, rel=1e-9), text


def test_rosenbrock_gradient_and_hessian_match_numpy() -> None:
    n, point = 6, np.linspace(-1.2, 1.3, 6)
    xs = [sd.Var(f"x{i}") for i in range(n)]
    f = sd.Add(*problems.rosenbrock_terms(xs))
    at = {f"x{i}": v for i, v in enumerate(point)}
    grad = [sd.evaluate(g, at) for g in sd.gradient(f, xs)]
    np.testing.assert_allclose(grad, problems.rosenbrock_gradient(point), rtol=1e-12)
    hess = [[sd.evaluate(h, at) for h in row] for row in sd.hessian(f, xs)]
    np.testing.assert_allclose(hess, _numeric_jacobian(problems.rosenbrock_gradient, point), rtol=1e-6, atol=1e-6)
    # and the benchmark's own set-up builds that same function
    prepared = problems.Symdiff().rosenbrock("gradient", n)
    assert [sd.evaluate(g, at) for g in prepared.run()] == pytest.approx(grad)


def test_mlp_loss_is_the_numpy_forward_pass(rng: np.random.Generator) -> None:
    p = rng.normal(size=problems.MLP_PARAMS)
    ps = [sd.Var(f"p{i}") for i in range(problems.MLP_PARAMS)]
    loss = problems.mlp_loss(ps, sd.tanh, sd.exp)
    at = {f"p{i}": v for i, v in enumerate(p)}
    assert sd.evaluate(loss, at) == pytest.approx(problems.mlp_forward_loss(p), rel=1e-12)
    grad = [sd.evaluate(g, at) for g in problems.Symdiff().mlp("gradient").run()]
    np.testing.assert_allclose(grad, _numeric_jacobian(problems.mlp_forward_loss, p), rtol=1e-6, atol=1e-8)


def test_product_derivative_is_the_known_formula() -> None:
    n, x = 20, 0.5
    d = problems.Symdiff().product("diff", n).run()
    factors = [x + i for i in range(1, n + 1)]
    assert sd.evaluate(d, {"x": x}) == pytest.approx(math.prod(factors) * sum(1 / f for f in factors), rel=1e-12)


def test_deep_derivative_is_the_chain_rule() -> None:
    d = problems.Symdiff().deep("diff", 50).run()
    value, slope = 0.7, 1.0
    for _ in range(50):
        value, slope = math.sin(value), slope * math.cos(value)
    assert sd.evaluate(d, {"x": 0.7}) == pytest.approx(slope, rel=1e-12)


def test_parse_text_round_trips(rng: np.random.Generator) -> None:
    text = problems.parse_text(300)
    e = sd.parse(text)
    assert sd.parse(str(e)) is e
    values = rng.uniform(-1, 1, size=problems.PARSE_VARS)
    at = {f"x{j}": v for j, v in enumerate(values) if f"x{j}" in sd.free_vars(e)}
    assert sd.evaluate(e, at) == pytest.approx(problems.parse_reference(text, values), rel=1e-10)


def _as_rows(result, rows: int) -> np.ndarray:
    """A gradient over points as (partials, points), whichever way round the library returned it."""
    a = np.asarray(result, dtype=float)
    return a if a.shape[0] == rows else a.T


EVAL_LIBS = ["symdiff", "sympy", "symengine", "symengine[llvm]", "casadi", "jax", "numpy"]


@pytest.mark.parametrize("lib", EVAL_LIBS)
def test_eval_cases_compute_the_gradients(lib: str) -> None:
    if not harness.installed(lib):
        pytest.skip(f"{lib} is not installed (pip install '.[bench]')")
    n, points = 5, 7
    lib_problems = problems.LIBRARIES[lib]
    got = lib_problems().eval("rosenbrock", points=points, n=n).run()
    np.testing.assert_allclose(_as_rows(got, n), problems.rosenbrock_gradient(problems.rosenbrock_data(n, points)),
                               rtol=1e-10)
    if lib == "numpy":
        return
    got = _as_rows(lib_problems().eval("mlp", points=points).run(), problems.MLP_PARAMS)
    data = problems.mlp_data(points)
    p = np.array(data[: problems.MLP_PARAMS])
    for k, sample in enumerate(zip(*data[problems.MLP_PARAMS :], strict=True)):
        expected = _numeric_jacobian(lambda q, s=sample: problems.mlp_forward_loss(q, [s]), p)
        np.testing.assert_allclose(got[:, k], expected, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("lib", ["symengine", "casadi", "jax"])
def test_peers_build_every_family(lib: str) -> None:
    if not harness.installed(lib):
        pytest.skip(f"{lib} is not installed (pip install '.[bench]')")
    peer = problems.LIBRARIES[lib]()
    for family, params in [("textbook", {}), ("rosenbrock", {"n": 4}), ("mlp", {}), ("deep", {"n": 5}),
                           ("product", {"n": 5})]:
        peer_problem = getattr(peer, family)(op="gradient" if family in ("rosenbrock", "mlp") else "diff", **params)
        assert peer_problem.describe(peer_problem.run()) not in ("", None)


def test_peak_memory_is_what_the_first_run_holds_at_its_peak() -> None:
    held = []
    prepared = problems.peak_memory(problems.Prepared(lambda: held.append(np.ones(40 * 2**20 // 8)) or 7))
    assert prepared.run() == 7  # the run's own result
    peak = float(prepared.describe(7).removesuffix(" MiB"))
    assert 38 <= peak <= 60, peak  # 40 MiB of ones, written, so resident
    held.clear()
    prepared.run()
    assert prepared.describe(7) == f"{peak:,.1f} MiB"  # the first run's figure stays
    # every library with a Rosenbrock Hessian has the memory family; its Hessian is the same
    assert [lib for lib in problems.LIBRARIES if problems.offers(lib, "memory")] == [
        "symdiff", "symdiff[jax]", "sympy", "symengine", "symengine[llvm]", "casadi", "jax"
    ]
    memory = problems.Symdiff().memory("hessian", 4)
    rows = memory.run()
    assert rows == problems.Symdiff().rosenbrock("hessian", 4).run()
    assert memory.describe(rows).endswith(" MiB")


FAKE = '''
import os, signal, time
from problems import Case, NotOffered, Prepared

def prepare(lib, case):
    if lib == "absent":
        raise NotOffered(lib)
    if lib == "broken":
        raise ZeroDivisionError
    return Prepared({"fast": lambda: [1, 2, 3], "sleepy": lambda: time.sleep(30),
                     "crashy": lambda: os.kill(os.getpid(), signal.SIGSEGV),
                     "deep": lambda: (lambda f: f(f))(lambda f: f(f))}[lib], len)
'''


def test_runner_reports_timeouts_and_crashes_as_results(tmp_path: Path) -> None:
    (tmp_path / "fake_problems.py").write_text(FAKE)
    env = {"PYTHONPATH": f"{tmp_path}:{BENCH}", "PATH": "/usr/bin:/bin"}
    case = problems.Case("fake", "tiny")
    libs = ["fast", "sleepy", "crashy", "deep", "absent", "broken"]
    results = harness.run_case(case, libs, repeat=2, timeout=1.0, module="fake_problems", env=env)
    assert results["fast"].status == "ok" and len(results["fast"].times) == 2 and results["fast"].size == 3
    assert results["sleepy"].message == "timeout > 1 s"
    assert results["crashy"].message == "crash: SIGSEGV"
    assert results["deep"].message == "error: RecursionError"
    assert results["absent"].message == "n/a"
    assert results["broken"].message == "error: ZeroDivisionError (set-up)"
    text = harness.table("textbook", [("tiny", {"symdiff": results["fast"], **results})], repeat=2)
    assert "| tiny | symdiff |" in text and "| timeout > 1 s |" in text and "1×" in text
