"""Resource bounds: every hostile size ends quickly in a value or a clear error naming its limit.

Each limit is a constant of ``symdiff.limits``, read at use time and named in the error message:

=============================================  ==================================================
``symdiff.limits.MAX_CONST_BITS`` (14,000)      exact constants made by folding; bigger powers
                                                stay unevaluated (``9^9^9^9``), bigger results of
                                                sums and products raise ``LimitError``
``symdiff.limits.MAX_INPUT_CHARS``              the length of the text ``parse`` reads
``symdiff.limits.MAX_INT_DIGITS`` (4,300)       the digits of an integer literal (Python's own
                                                int-to-str limit)
``symdiff.limits.MAX_PAREN_DEPTH`` (200,000)    how deeply ``parse`` lets parentheses nest
``symdiff.limits.MAX_ORDER`` (1,000)            the total order of one ``diff`` call
``symdiff.limits.MAX_TREE_NODES``               the tree size ``str`` and ``latex`` print
``symdiff.limits.MAX_RENDER_NODES`` (500)       the nodes ``to_dot``/``render`` draw (``max_nodes=``)
=============================================  ==================================================

The cases that could hang or exhaust memory run in a subprocess under an address-space
limit of about 1.5 GB and a timeout, and must end in one clean ``symdiff: error:`` line.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import os
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import symdiff
from symdiff import (
    DifferentiationError,
    EvaluationError,
    LimitError,
    ParseError,
    RenderError,
    diff,
    evaluate,
    latex,
    parse,
    to_dot,
)
from symdiff.nodes import Const, Pow, Var, symbols

x, y = symbols("x y")
MEMORY_LIMIT = 1_500_000_000  # bytes of address space for the subprocess cases
TIMEOUT = 20  # seconds


def _limited() -> None:  # runs in the child before exec
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def _run(args: list[str]) -> subprocess.CompletedProcess:
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, *args], preexec_fn=_limited, capture_output=True, text=True,
                          timeout=TIMEOUT, env=env)


def run_cli(*argv: str) -> subprocess.CompletedProcess:
    """``python -m symdiff ARGV`` under the memory limit and the timeout."""
    return _run(["-m", "symdiff", *argv])


def run_code(code: str) -> subprocess.CompletedProcess:
    """Python ``code`` under the memory limit and the timeout."""
    return _run(["-c", code])


def assert_clean_error(proc: subprocess.CompletedProcess, message: str) -> None:
    """Exit 2 with exactly one ``symdiff: error:`` line that contains ``message``; no traceback."""
    assert "Traceback" not in proc.stderr and "MemoryError" not in proc.stderr, proc.stderr[-2000:]
    assert proc.returncode == 2, (proc.returncode, proc.stderr[-2000:])
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("symdiff: error: "), proc.stderr
    assert message in lines[0], lines[0]


SLACK = 10


class quick:
    """``with quick(1.0): ...`` fails when the block takes longer than the given seconds."""

    def __init__(self, seconds: float):
        # A hang guard, not a speed target (those are in benchmarks/): the bounded
        # work takes well under ``seconds`` on a fast machine, the unbounded would take
        # hours, and the slack keeps a slow shared CI machine from failing in between.
        self.seconds = seconds * SLACK

    def __enter__(self):
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        elapsed = time.perf_counter() - self.start
        if exc[0] is None:
            assert elapsed < self.seconds, f"took {elapsed:.2f} s, over {self.seconds} s"


# -- folding huge exact constants -------------------------------------------------------------


@pytest.mark.parametrize("text, base, shown", [
    ("9^9^9^9", 9, "9^9^387420489"),
    ("10^100000", 10, "10^100000"),
    ("2^(2^64)", 2, "2^18446744073709551616"),
    ("2^(-2^64)", 2, "2^(-18446744073709551616)"),
])
def test_huge_powers_stay_unevaluated(text, base, shown):
    with quick(1.0):
        e = parse(text)
    assert type(e) is Pow and e.args[0] is Const(base)
    assert str(e) == shown
    assert parse(str(e)) is e
    assert diff(e * x, x) is e  # a constant factor, never folded


def test_limit_constant_is_documented_and_used():
    assert symdiff.limits.MAX_CONST_BITS == 14_000
    with quick(1.0), pytest.raises(LimitError, match=r"over the limit of 14000 bits \(symdiff.limits.MAX_CONST_BITS\)"):
        parse("x + 2^10000*2^5000")
    with pytest.raises(LimitError, match=r"symdiff.limits.MAX_CONST_BITS"):
        Const(10**5000)
    with pytest.raises(LimitError, match=r"symdiff.limits.MAX_CONST_BITS"):
        x * 10**5000


def test_the_constant_limit_is_configurable(monkeypatch):
    monkeypatch.setattr(symdiff.limits, "MAX_CONST_BITS", 64)
    with pytest.raises(LimitError, match="over the limit of 64 bits"):
        parse("x + 2^64*3")


@pytest.mark.parametrize("text", ["9^9^9^9", "2^(2^64)", "10^100000"])
def test_evaluating_a_huge_power_is_an_evaluation_error_scalar_and_inf_in_arrays(text):
    e = parse(text) * x
    with quick(1.0), pytest.raises(EvaluationError, match="overflows"):
        evaluate(e, {"x": 1.0})
    with np.errstate(over="ignore"):
        got = evaluate(e, {"x": np.array([1.0, -1.0])})
    np.testing.assert_array_equal(got, [np.inf, -np.inf])


@pytest.mark.parametrize("text", ["9^9^9^9", "2^(2^64)", "x^(9^9^9)*2^(2^64)"])
def test_to_sympy_of_a_huge_power_is_refused_or_kept_unevaluated(text):
    pytest.importorskip("sympy")
    with quick(5.0), pytest.raises(LimitError, match=r"pass evaluate=False.*|.*MAX_CONST_BITS"):
        symdiff.to_sympy(parse(text))
    assert symdiff.to_sympy(parse(text), evaluate=False).free_symbols <= {symdiff.to_sympy(x)}


# -- exponents that would expand ---------------------------------------------------------------


def test_many_derivatives_of_a_huge_power_end_quickly():
    e = parse("x^(10^9)")
    with quick(2.0):
        d = diff(e, x, 50)
    assert type(d.args[1]) is Pow and d.args[1].args[1] is Const(10**9 - 50)
    assert d.args[0] is Const(np.prod([10**9 - k for k in range(50)], dtype=object))
    with quick(5.0), pytest.raises(LimitError, match=r"over the limit of 14000 bits \(symdiff.limits.MAX_CONST_BITS\)"):
        diff(e, x, 1000)  # the coefficient 10^9 * (10^9 - 1) * ... has about 29,900 bits


def test_a_symbolic_huge_exponent_differentiates_without_folding():
    e = parse("x^(9^9^9)")
    with quick(2.0):
        d = diff(e, x, 3)
    assert "9^9^9" in str(d) or "9^387420489" in str(d)


def test_derivative_order_over_max_order():
    assert symdiff.limits.MAX_ORDER == 1000
    message = r"a derivative of order 1001 is over the limit of 1000 \(symdiff.limits.MAX_ORDER\)"
    with quick(1.0), pytest.raises(LimitError, match=message):
        diff(x**2, x, 1001)
    with pytest.raises(LimitError, match=r"symdiff.limits.MAX_ORDER"):
        diff(x * y, x, 600, y, 401)
    with pytest.raises(LimitError, match=r"symdiff.limits.MAX_ORDER"):
        diff(x, x, 10**100)


def test_derivative_order_limit_is_configurable(monkeypatch):
    monkeypatch.setattr(symdiff.limits, "MAX_ORDER", 3)
    with pytest.raises(LimitError, match="order 4 is over the limit of 3"):
        diff(x**9, x, 4)


# -- input length -------------------------------------------------------------------------------


def test_input_over_max_input_chars():
    n = symdiff.limits.MAX_INPUT_CHARS
    message = r"the limit is MAX_INPUT_CHARS = .* \(symdiff.limits.MAX_INPUT_CHARS\)"
    with quick(2.0), pytest.raises(LimitError, match=message):
        parse("x" * (n + 1))


def test_input_limit_is_configurable(monkeypatch):
    monkeypatch.setattr(symdiff.limits, "MAX_INPUT_CHARS", 10)
    assert parse("x + y + 12") is x + y + 12
    with pytest.raises(LimitError, match="input is 11 characters long; the limit is MAX_INPUT_CHARS = 10"):
        parse("x + y + 123")


# -- a shared DAG whose tree is astronomically large --------------------------------------------


def _doubling(levels: int):
    """x_{k+1} = x_k*(x_k + 1): 2 more distinct nodes per level, twice the tree."""
    e = Var("x0")
    for _ in range(levels):
        e = e * (e + 1)
    return e


def test_printing_a_shared_dag_hits_max_tree_nodes():
    e = _doubling(200)
    assert symdiff.size(e) == 2 * 200 + 2
    assert symdiff.size(e, tree=True) > 10**60
    with quick(1.0):
        with pytest.raises(LimitError, match=r"too large to print as text: .* nodes as a tree \(402 distinct\); "
                                             r"the limit is symdiff.limits.MAX_TREE_NODES = 5,000,000"):
            str(e)
        with pytest.raises(LimitError, match=r"too large to print as LaTeX: .*symdiff.limits.MAX_TREE_NODES"):
            latex(e)
        assert repr(e).startswith("<Expr: 402 distinct nodes")  # repr never raises
    # evaluation and differentiation walk the DAG: fine
    assert -1 < evaluate(e, {"x0": -0.5}) < 0
    assert symdiff.size(diff(e, "x0")) < 100 * symdiff.size(e)  # x_k is flattened into x_{k+1}: k + 2 factors


def test_tree_limit_is_configurable(monkeypatch):
    monkeypatch.setattr(symdiff.limits, "MAX_TREE_NODES", 20)
    assert parse(str(_doubling(2))) is _doubling(2)
    with pytest.raises(LimitError, match="MAX_TREE_NODES = 20"):
        str(_doubling(3))


def test_drawing_a_shared_dag_hits_max_render_nodes(tmp_path):
    assert symdiff.limits.MAX_RENDER_NODES == 500
    e = _doubling(300)  # 602 distinct nodes
    with quick(1.0), pytest.raises(RenderError, match=r"the graph has 602 nodes, over the drawing limit of 500: "
                                                      r"raise it with max_nodes="):
        to_dot(e)
    with quick(1.0), pytest.raises(RenderError, match=r"nodes as a tree, over the drawing limit of 10,000"):
        to_dot(e, tree=True, max_nodes=10_000)
    with pytest.raises(RenderError, match="drawing limit of 500"):
        symdiff.render(e, tmp_path / "g.dot")
    assert not (tmp_path / "g.dot").exists()
    with quick(5.0):
        graph = to_dot(e, max_nodes=1000)
    assert "n601 [" in graph.source and "n602" not in graph.source


def test_render_limit_is_configurable(monkeypatch):
    monkeypatch.setattr(symdiff.limits, "MAX_RENDER_NODES", 3)
    to_dot(x + 1)
    with pytest.raises(RenderError, match="drawing limit of 3"):
        to_dot(x + y + 1)


# -- Python's int-to-str digit limit -------------------------------------------------------------


def test_huge_integer_literals():
    with quick(1.0), pytest.raises(ParseError, match=r"number too long at line 1, column 1; 5,000 digits, the limit "
                                                     r"is 4,300 \(symdiff.limits.MAX_INT_DIGITS\)"):
        parse("1" * 5000)
    with pytest.raises(ParseError,
                       match=r"number too large .* more than 14,000 bits \(symdiff.limits.MAX_CONST_BITS\)"):
        parse("9" * 4300)
    with quick(1.0), pytest.raises(ParseError, match="number too long"):
        parse("x + " + "7" * 1_000_000)
    e = parse("9" * 4200)  # the biggest literals print and read back
    assert parse(str(e)) is e


@pytest.mark.parametrize("run", [
    lambda v: evaluate(x * 2, {"x": v}),
    lambda v: symdiff.lambdify([x], x * 2)(v),
    lambda v: symdiff.backprop(x * 2, {"x": v}),
    lambda v: symdiff.forward_derivative(x * 2, {"x": v}, "x"),
    lambda v: symdiff.numeric_gradient(x * 2, {"x": v}),
    lambda v: symdiff.check_gradient(x * 2, {"x": v}),
    lambda v: symdiff.Dual(v, 1),
], ids=["evaluate", "lambdify", "backprop", "forward_derivative", "numeric_gradient", "check_gradient", "Dual"])
def test_huge_ints_passed_as_values(run):
    with pytest.raises(EvaluationError, match="too large for a float"):
        run(10**5000)


def test_huge_ints_passed_to_minimize():
    # found here: repr(10**5000) in the error message raised ValueError (fixed in optimize.py)
    with pytest.raises(symdiff.OptimizationError, match="x0\\['x'\\] is an integer of 16,610 bits"):
        symdiff.minimize("x^2", {"x": 10**5000})
    with pytest.raises(symdiff.OptimizationError, match="lr must be a positive number, got an integer of"):
        symdiff.minimize("x^2", {"x": 1}, lr=10**5000)
    with pytest.raises(symdiff.OptimizationError, match="steps must be a whole number >= 0, got an integer of"):
        symdiff.minimize("x^2", {"x": 1}, steps=-(10**5000))


def test_a_lowered_python_digit_limit_is_still_a_symdiff_error():
    old = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(640)
    try:
        big = parse("10^700")  # built exactly; only printing it needs the digits
        assert big.value == 10**700
        with pytest.raises(LimitError, match="^an integer constant of 2,326 bits is too long to print"):
            str(big)
        with pytest.raises(ParseError, match=r"700 digits, the limit is 640 \(sys.get_int_max_str_digits\(\)\)"):
            parse("1" * 700)
    finally:
        sys.set_int_max_str_digits(old)


# -- overflow to inf in evaluation ---------------------------------------------------------------


@pytest.mark.parametrize("text, at, message", [
    ("exp(x)", {"x": 1000.0}, r"exp\(1000.0\) overflows a float"),
    ("x*y", {"x": 1e200, "y": 1e200}, "a product overflows to infinity"),
    ("x + y", {"x": 1.7e308, "y": 1.7e308}, "a sum overflows to infinity"),
    ("x^y", {"x": 10.0, "y": 400.0}, "overflows"),
    ("cosh(x)", {"x": 1e4}, "overflows"),
])
def test_overflow_is_an_evaluation_error_for_scalars_and_inf_for_arrays(text, at, message):
    e = parse(text)
    with pytest.raises(EvaluationError, match=message):
        evaluate(e, at)
    arrays = {k: np.array([v, 1.0]) for k, v in at.items()}
    with np.errstate(over="ignore"):
        got = evaluate(e, arrays)
        compiled = symdiff.lambdify(sorted(at), e)(*[arrays[k] for k in sorted(at)])
    assert got[0] == np.inf and np.isfinite(got[1])
    np.testing.assert_array_equal(got, compiled)


# -- the dangerous cases, under a memory limit and a timeout --------------------------------------


@pytest.mark.parametrize("argv, message", [
    (["eval", "9^9^9^9"], "9^387420489 overflows"),
    (["eval", "2^(2^64)*x", "--at", "x=1"], "overflows"),
    (["simplify", "x + 10^4200*10^4200"], "symdiff.limits.MAX_CONST_BITS"),
    (["diff", "x^(10^9)", "--order", "1000"], "symdiff.limits.MAX_CONST_BITS"),
    (["diff", "x^2", "--order", "1001"], "symdiff.limits.MAX_ORDER"),
    (["eval", "1" * 100_000], "symdiff.limits.MAX_INT_DIGITS"),
    (["eval", "x", "--at", "x=10^5000"], "10^5000 overflows"),
    (["eval", "exp(exp(exp(x)))", "--at", "x=10"], "overflows"),
    (["simplify", "(" * 60_000 + "x" + ")" * 59_999], "unexpected end of input"),
    (["render", "x0*(x0+1)", "-o", "/nonexistent-dir/g.png"], "does not exist"),
])
def test_dangerous_cli_cases_end_in_one_clean_line(argv, message):
    assert_clean_error(run_cli(*argv), message)


@pytest.mark.parametrize("code, expected", [
    ("print(type(symdiff.parse('9^9^9^9')).__name__)", "Pow"),
    ("print(symdiff.to_sympy(symdiff.parse('x^(9^9^9)*2^(2^64)'), evaluate=False).func.__name__)", "Mul"),
    ("e = symdiff.Var('x0')\nfor _ in range(300): e = e*(e+1)\nprint(symdiff.size(e, tree=True) > 10**90)", "True"),
    ("e = symdiff.parse('x^(10^9)')\nprint(symdiff.size(symdiff.diff(e, 'x', 400)))", "5"),
])
def test_dangerous_api_cases_stay_within_memory(code, expected):
    proc = run_code("import symdiff\n" + code)
    assert "MemoryError" not in proc.stderr and proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == expected


@pytest.mark.parametrize("code, error, message", [
    ("symdiff.to_sympy(symdiff.parse('2^(2^64)'))", "LimitError", "pass evaluate=False"),
    ("symdiff.to_sympy(symdiff.parse('3*9^9^9 + x'))", "LimitError", "pass evaluate=False"),
    ("symdiff.diff(symdiff.parse('x^(10^9)'), 'x', 1000)", "LimitError", "MAX_CONST_BITS"),
    ("symdiff.parse('(' * 1_000_000 + 'x' + ')' * 1_000_000)", "ParseError",
     "parentheses nest too deeply at line 1, column 200001; the limit is 200,000 levels"),
    ("symdiff.parse('x' * (10**8))", "LimitError", "MAX_INPUT_CHARS"),
])
def test_dangerous_api_cases_end_in_a_symdiff_error(code, error, message):
    wrapped = (
        "import symdiff\n"
        "try:\n"
        f"    {code}\n"
        "except symdiff.SymdiffError as err:\n"
        "    print(type(err).__name__, str(err).splitlines()[0])\n"
    )
    proc = run_code(wrapped)
    assert "MemoryError" not in proc.stderr and "Traceback" not in proc.stderr, proc.stderr[-2000:]
    assert proc.returncode == 0
    assert proc.stdout.startswith(error) and message in proc.stdout


def test_differentiation_errors_are_quick_and_clear():
    with pytest.raises(DifferentiationError, match="the order for x must be 0 or more, not -1"):
        diff(x, x, -1)


# -- the names the messages give ---------------------------------------------------------------

_NAMED_LIMIT = re.compile(r"\bsymdiff(?:\.\w+)*\.MAX_[A-Z_]+\b")


def _to_sympy_of(text: str):
    pytest.importorskip("sympy")
    return symdiff.to_sympy(parse(text))


def _cli_order(text: str) -> int:
    return importlib.import_module("symdiff.cli")._order(text)


# (limit, a low value, a call that the low value refuses and the default allows, the error)
_LOWERED = [
    ("MAX_CONST_BITS", 64, lambda: x + Const(2) ** 64 * 3, LimitError),
    ("MAX_CONST_BITS", 64, lambda: parse(str(2**64)), ParseError),
    ("MAX_CONST_BITS", 64, lambda: _to_sympy_of("2^100"), LimitError),
    ("MAX_INPUT_CHARS", 10, lambda: parse("x + y + 123"), LimitError),
    ("MAX_INT_DIGITS", 5, lambda: parse("123456"), ParseError),
    ("MAX_PAREN_DEPTH", 2, lambda: parse("(((x)))"), ParseError),
    ("MAX_ORDER", 3, lambda: diff(x**9, x, 4), LimitError),
    ("MAX_ORDER", 3, lambda: _cli_order("4"), argparse.ArgumentTypeError),
    ("MAX_TREE_NODES", 20, lambda: str(_doubling(3)), LimitError),
]


@pytest.mark.parametrize("name, low, call, error", _LOWERED,
                         ids=["fold", "literal", "to_sympy", "input", "digits", "parens", "order", "cli-order", "tree"])
def test_limits_are_reachable_by_the_names_the_messages_give(monkeypatch, name, low, call, error):
    call()  # the default limit allows it
    monkeypatch.setattr(symdiff.limits, name, low)  # and setting symdiff.limits.NAME takes effect at once
    with pytest.raises(error) as info:
        call()
    named = _NAMED_LIMIT.findall(str(info.value))
    assert named == [f"symdiff.limits.{name}"], str(info.value)
    module, _, attr = named[0].rpartition(".")
    assert getattr(importlib.import_module(module), attr) == low
    # and by attribute access from the package, as a user types it (a function of the same name
    # as its module, e.g. ``symdiff.diff``, would fail here)
    assert functools.reduce(getattr, named[0].split(".")[1:], symdiff) == low


def test_every_limit_path_in_the_source_resolves():
    """Messages, help texts and docstrings never name a limit by a path that does not exist."""
    names = set()
    for path in sorted(Path(symdiff.__file__).parent.glob("*.py")):
        names.update(_NAMED_LIMIT.findall(path.read_text()))
    assert names >= {f"symdiff.limits.{n}" for n in symdiff.limits.__all__}
    for name in names:
        value = functools.reduce(getattr, name.split(".")[1:], symdiff)
        assert isinstance(value, int) and value > 0, name


def test_the_old_copies_are_gone():
    for module in ("nodes", "parse", "diff", "printing", "render"):
        leftovers = [n for n in vars(importlib.import_module(f"symdiff.{module}")) if n.startswith("MAX_")]
        assert leftovers == [], (module, leftovers)


def test_the_limits_module_is_reachable_after_import_symdiff():
    proc = run_code("import symdiff\nprint(symdiff.limits.MAX_ORDER, symdiff.limits.MAX_RENDER_NODES)")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.split() == ["1000", "500"]
