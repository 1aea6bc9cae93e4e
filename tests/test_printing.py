"""Printers: exact text, repr and LaTeX; deep and wide inputs; the tree-size guard.

Built from constructors only, so these tests do not depend on the parser.
"""

from __future__ import annotations

import sys
import time

import pytest

from symdiff import functions as F
from symdiff import limits
from symdiff.errors import LimitError
from symdiff.nodes import Add, Const, Fraction, Mul, Pow, Var, make_call, symbols
from symdiff.printing import latex, to_repr, to_str
from symdiff.walk import size

x, y, z = symbols("x y z")
PI = F.lookup_constant("pi")
E = F.lookup_constant("e")
half = Fraction(1, 2)

TEXT_CASES = [
    (x**2 * y + y + 2, "x^2*y + y + 2"),
    (2 * x * y, "2*x*y"),
    (x**2 + 1, "x^2 + 1"),
    (x - y, "x - y"),
    (-x + y, "y - x"),
    (x - 3, "x - 3"),
    (-x, "-x"),
    (-2 * x, "-2*x"),
    (Mul(-1, x + 1), "-(x + 1)"),
    (-((x + 1) ** 2), "-(x + 1)^2"),
    (-(x * y), "-x*y"),
    (y - (x + 1), "y - (x + 1)"),
    (x / y, "x/y"),
    (x * y**-1, "x/y"),
    (1 / x, "1/x"),
    (-1 / x, "-1/x"),
    (1 / x**2, "1/x^2"),
    (2 / x, "2/x"),
    (x / (y * z), "x/(y*z)"),
    (x / y**2, "x/y^2"),
    (x / 2, "x/2"),
    (Mul(Fraction(1, 2), x), "x/2"),
    (-x / 2, "-x/2"),
    (2 * x / 3, "2*x/3"),
    (2 * x / (3 * y), "2*x/(3*y)"),
    (1 / (2 * x), "1/(2*x)"),
    (-1 / (2 * x), "-1/(2*x)"),
    (x - y / 2, "x - y/2"),
    (1 / (x + 1), "1/(x + 1)"),
    (1 / (x + 1) ** 2, "1/(x + 1)^2"),
    ((x + 1) ** 2, "(x + 1)^2"),
    ((x + 1) * (x - 1), "(x - 1)*(x + 1)"),
    (x * (x + 1), "x*(x + 1)"),
    (x**half, "x^(1/2)"),
    (x ** Fraction(2, 3), "x^(2/3)"),
    (x ** Fraction(-1, 2), "1/x^(1/2)"),
    (x**-1.5, "1/x^1.5"),
    (x**2.5, "x^2.5"),
    (x**half / y, "x^(1/2)/y"),
    ((x * y) ** half, "(x*y)^(1/2)"),
    (1 / (x * y) ** half, "1/(x*y)^(1/2)"),
    (x ** (2 * y), "x^(2*y)"),
    (x ** (y + 1), "x^(y + 1)"),
    (x ** (-y), "x^(-y)"),
    (x ** (1 / y), "x^(1/y)"),
    (x ** (y**z), "x^y^z"),
    (Pow(Pow(x, y), z), "(x^y)^z"),
    (Pow(-x, y), "(-x)^y"),
    (Const(-2) ** x, "(-2)^x"),
    (Const(Fraction(2, 3)) ** x, "(2/3)^x"),
    (Const(2) ** x, "2^x"),
    (Const(2.5) ** x, "2.5^x"),
    (Const(2) ** x / 2, "2^x/2"),
    (Const(2) ** half, "2^(1/2)"),
    (Const(2) ** Fraction(3, 2), "2*2^(1/2)"),
    (F.sin(x) ** 2, "sin(x)^2"),
    (x ** F.sin(y), "x^sin(y)"),
    (x**E, "x^e"),
    (F.max(x, y), "max(x, y)"),
    (F.sin(2 * x), "sin(2*x)"),
    (F.exp(-x), "exp(-x)"),
    (x + F.sin(x), "x + sin(x)"),
    (PI, "pi"),
    (PI**2, "pi^2"),
    (2 * PI, "2*pi"),
    (E, "e"),
    (F.exp(x), "exp(x)"),
    (E**x, "exp(x)"),
    (F.sigmoid(x) * (1 - F.sigmoid(x)), "sigmoid(x)*(1 - sigmoid(x))"),
    (x - 2 * y, "x - 2*y"),
    (x - half, "x - 1/2"),
    (x + half, "x + 1/2"),
    (-2 * x + 1, "1 - 2*x"),
    (z - x**2 - y, "z - x^2 - y"),
    (-x - y, "-x - y"),
    (1 - F.tanh(x) ** 2, "1 - tanh(x)^2"),
    (2 * x * (x + 1) * F.sin(y), "2*x*sin(y)*(x + 1)"),
    (x * y - z, "x*y - z"),
    (x - 2.5, "x - 2.5"),
    (y - 0.5 * x, "y - 0.5*x"),
    (Const(Fraction(2, 3)), "2/3"),
    (Const(Fraction(-2, 3)), "-2/3"),
    (Const(0.5), "0.5"),
    (Const(-2.5), "-2.5"),
    (Const(1e-05), "1e-05"),
    (Const(1e300), "1e+300"),
    (Const(2.0), "2.0"),
    (Const(7), "7"),
    (Const(-7), "-7"),
    (Const(10**40), "10000000000000000000000000000000000000000"),
    (1e-05 * x, "1e-05*x"),
    (-0.5 * x, "-0.5*x"),
    (0.5 / x, "0.5/x"),
    # -1.0 is normalized to -1 by the constructors, so these print as divisions and minus signs
    (Mul(-1.0, x), "-x"),
    (x + Mul(-1.0, y), "x - y"),
    (Pow(x, -1.0), "1/x"),
    (y * Pow(x, -1.0), "y/x"),
    (Pow(Pow(x, 2), -1.0), "1/x^2"),
    (x**-2.0, "1/x^2.0"),
    ((x * y) ** -1.5, "1/(x*y)^1.5"),
    # a constant base keeps its negative exponent: 1/(2*0) would fold to 1/0
    (Pow(Const(0), -1), "0^(-1)"),
    (Mul(half, Pow(Const(0), -1)), "0^(-1)/2"),
    (x / Const(0), "x*0^(-1)"),
    (Pow(Const(-2), Fraction(-1, 2)), "(-2)^(-1/2)"),
    (3 * Pow(Const(2), -100000), "3*2^(-100000)"),
]


@pytest.mark.parametrize(("expr", "text"), TEXT_CASES, ids=[t for _, t in TEXT_CASES])
def test_str(expr, text):
    assert to_str(expr) == text
    assert str(expr) == text


def test_constant_term_prints_last_but_is_stored_first():
    e = x - 3
    assert type(e.args[0]) is Const
    assert str(e) == "x - 3"


REPR_CASES = [
    (2 + 3 * x, "Add(Const(2), Mul(Const(3), Var('x')))"),
    (Const(Fraction(2, 3)), "Const(Fraction(2, 3))"),
    (Const(0.5), "Const(0.5)"),
    (1 / x, "Pow(Var('x'), Const(-1))"),
    (F.sin(x), "Call('sin', Var('x'))"),
    (F.max(x, 2), "Call('max', Var('x'), Const(2))"),
    (PI, "Call('pi')"),
    (E, "Call('exp', Const(1))"),
    (x - y, "Add(Var('x'), Mul(Const(-1), Var('y')))"),
]


@pytest.mark.parametrize(("expr", "text"), REPR_CASES, ids=[t for _, t in REPR_CASES])
def test_repr(expr, text):
    assert to_repr(expr) == text
    assert repr(expr) == text


LATEX_CASES = [
    (x**2 * y + y + 2, "x^{2} y + y + 2"),
    (2 * x * y, "2 x y"),
    (x - y, "x - y"),
    (-x + y, "y - x"),
    (x - 3, "x - 3"),
    (-2 * x, "-2 x"),
    (Mul(-1, x + 1), r"-\left(x + 1\right)"),
    ((x + 1) * (x - 1), r"\left(x - 1\right) \left(x + 1\right)"),
    (x / y, r"\frac{x}{y}"),
    (1 / x, r"\frac{1}{x}"),
    (1 / x**2, r"\frac{1}{x^{2}}"),
    (x / (y * z), r"\frac{x}{y z}"),
    (x / 2, r"\frac{x}{2}"),
    (-x / 2, r"-\frac{x}{2}"),
    (2 * x / (3 * y), r"\frac{2 x}{3 y}"),
    (1 / (x + 1), r"\frac{1}{x + 1}"),
    ((x + 1) / y, r"\frac{x + 1}{y}"),
    (x / (x + 1) ** 2, r"\frac{x}{\left(x + 1\right)^{2}}"),
    ((x + 1) ** 2, r"\left(x + 1\right)^{2}"),
    (x ** (y + 1), "x^{y + 1}"),
    (x ** (-y), "x^{-y}"),
    (x ** (y**z), "x^{y^{z}}"),
    (Pow(Pow(x, y), z), r"\left(x^{y}\right)^{z}"),
    (Const(-2) ** x, r"\left(-2\right)^{x}"),
    (Const(Fraction(2, 3)) ** x, r"\left(\frac{2}{3}\right)^{x}"),
    (x**half, r"\sqrt{x}"),
    ((x + 1) ** half, r"\sqrt{x + 1}"),
    (x ** Fraction(-1, 2), r"\frac{1}{\sqrt{x}}"),
    (y / x**half, r"\frac{y}{\sqrt{x}}"),
    (x ** Fraction(2, 3), r"x^{\frac{2}{3}}"),
    (Const(2) ** Fraction(3, 2), r"2 \sqrt{2}"),
    (2 * Const(3) ** x, r"2 \cdot 3^{x}"),
    (F.sin(x) ** 2, r"\sin\left(x\right)^{2}"),
    (F.exp(x) ** y, r"\left(e^{x}\right)^{y}"),
    (F.exp(2 * x), "e^{2 x}"),
    (E, "e"),
    (PI, r"\pi"),
    (2 * PI, r"2 \pi"),
    (F.max(x, y), r"\max\left(x, y\right)"),
    (F.sqrt(x + 1), r"\sqrt{x + 1}"),
    (F.abs(x), r"\left|x\right|"),
    (F.sigmoid(x) * (1 - F.sigmoid(x)), r"\sigma\left(x\right) \left(1 - \sigma\left(x\right)\right)"),
    (Const(Fraction(2, 3)), r"\frac{2}{3}"),
    (x - half, r"x - \frac{1}{2}"),
    (Const(Fraction(-2, 3)), r"-\frac{2}{3}"),
    (Const(0.5), "0.5"),
    (Const(1.5e-7), r"1.5 \cdot 10^{-7}"),
    (Const(0.0015), "0.0015"),
    (Const(1e300), r"1 \cdot 10^{300}"),
    (x - 1.5e-7, r"x - 1.5 \cdot 10^{-7}"),
    (Var("alpha") * Var("beta"), r"\alpha \beta"),
    (Var("Gamma") + Var("omega"), r"\Gamma + \omega"),
    (Var("x1"), "x_{1}"),
    (Var("w_12"), "w_{12}"),
    (Var("theta_1"), r"\theta_{1}"),
    (Var("x_i"), "x_{i}"),
    (Var("x_max"), r"x_{\mathrm{max}}"),
    (Var("rate"), r"\mathrm{rate}"),
    (Var("a_b_c"), r"\mathrm{a\_b\_c}"),
    (Var("x1") ** 2, "x_{1}^{2}"),
    (Mul(-1.0, x), "-x"),
    (Pow(x, -1.0), r"\frac{1}{x}"),
    (Mul(half, Pow(Const(0), -1)), r"\frac{1}{2 \cdot 0}"),
]


@pytest.mark.parametrize(("expr", "text"), LATEX_CASES, ids=[t for _, t in LATEX_CASES])
def test_latex(expr, text):
    assert latex(expr) == text


def test_latex_call_templates():
    assert latex(F.relu(2 * x)) == r"\operatorname{relu}\left(2 x\right)"
    assert latex(F.exp(F.exp(x))) == "e^{e^{x}}"
    # a spec outside the registry, so other tests that walk REGISTRY do not see it
    two = F.FunctionSpec("two", 2, max, max, None, r"\mathrm{{two}}\left({0}; {1}\right)", (-1.0, 1.0), None)
    assert latex(make_call(two, (x, y**2))) == r"\mathrm{two}\left(x; y^{2}\right)"
    assert str(make_call(two, (x, y))) == "two(x, y)"
    # a field that names no argument prints as literal text
    odd = F.FunctionSpec("odd", 1, abs, abs, None, r"\operatorname{odd}\left({0}\right)", (-1.0, 1.0), None)
    assert latex(make_call(odd, (x,))) == r"\operatorname{odd}\left(x\right)"


def test_not_an_expression():
    with pytest.raises(TypeError, match="expected an expression"):
        to_str(2)


def test_repr_latex_wraps_in_dollars():
    assert (x**2)._repr_latex_() == "$x^{2}$"


# -- deep and wide inputs, on the default recursion limit -----------------------

N = 100_000


def test_recursion_limit_is_default():
    assert sys.getrecursionlimit() <= 1000


def test_deep_call_chain():
    e = x
    for _ in range(N):
        e = F.sin(e)
    text = to_str(e)
    assert text.startswith("sin(sin(")
    assert len(text) == 5 * N + 1
    assert text[4 * N :] == "x" + ")" * N
    tex = latex(e)
    assert tex.startswith(r"\sin\left(\sin\left(")
    assert len(tex) == len(r"\sin\left(\right)") * N + 1
    assert repr(e).startswith("Call('sin', Call('sin', ")


def test_deep_power_chain():
    e = x
    for _ in range(N):
        e = (e + 1) ** 2
    text = to_str(e)
    assert text.startswith("(" * N + "x + 1)^2 + 1)^2")
    assert text.endswith(" + 1)^2")
    assert len(text) == len("x") + N * len("( + 1)^2")
    assert latex(e).endswith(r" + 1\right)^{2}")


def test_wide_sum():
    terms = [Var(f"x{i}") for i in range(N)]
    e = Add(*terms)
    start = time.perf_counter()
    text = to_str(e)
    elapsed = time.perf_counter() - start
    assert text.startswith("x0 + x1 + ")
    assert text.count(" + ") == N - 1
    assert elapsed < 5  # about 0.1 s; generous for slow machines
    assert latex(e).startswith("x_{0} + x_{1} + ")


# -- the tree-size guard ----------------------------------------------------------


def _exploding(n):
    """Each step uses the previous node twice: 3n + 1 distinct nodes, about 2^(n+1) as a tree."""
    e = x
    for _ in range(n):
        e = F.sin(e) + F.cos(e)
    return e


def test_size_guard_str_and_latex():
    e = _exploding(60)
    tree, distinct = size(e, tree=True), size(e)
    assert tree > 2**60 and distinct == 181
    message = (
        f"expression is too large to print as text: {tree:,} nodes as a tree ({distinct} distinct); "
        "the limit is symdiff.limits.MAX_TREE_NODES = 5,000,000"
    )
    with pytest.raises(LimitError) as info:
        str(e)
    assert str(info.value) == message
    with pytest.raises(LimitError, match="too large to print as LaTeX"):
        latex(e)


def test_size_guard_repr_never_raises():
    e = _exploding(60)
    tree, distinct = size(e, tree=True), size(e)
    assert repr(e) == f"<Expr: {distinct} distinct nodes, {tree} as a tree; too large to show>"


def test_size_guard_reads_the_module_limit(monkeypatch):
    e = _exploding(3)
    assert str(e).startswith("cos(cos(cos(x) + sin(x)) + ")
    monkeypatch.setattr(limits, "MAX_TREE_NODES", 10)
    with pytest.raises(LimitError, match="MAX_TREE_NODES = 10"):
        str(e)
    assert repr(e).endswith("too large to show>")


def test_shared_subexpression_prints_each_use():
    s = F.sin(x)
    assert str(s * (s + 1)) == "sin(x)*(sin(x) + 1)"
