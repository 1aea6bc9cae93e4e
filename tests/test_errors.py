"""The error hierarchy: every mistake a user can make ends in a SymdiffError subclass with a clear message.

Library calls raise the class named here; the command line prints one line on stderr,
``symdiff: error: ...``, and exits with status 2, never with a traceback. A wrong Python
*type* for an argument (``parse(3)``, ``lambdify`` called with too many arguments) is a
``TypeError``, as everywhere in Python; a wrong *value* is a ``SymdiffError``.
"""

from __future__ import annotations

import contextlib
import io
import shutil

import numpy as np
import pytest

import symdiff
from symdiff import (
    ArityError,
    DifferentiationError,
    EvaluationError,
    LimitError,
    OptimizationError,
    ParseError,
    RegistryError,
    RenderError,
    SymdiffError,
    UnknownFunctionError,
    Var,
    diff,
    evaluate,
    lambdify,
    parse,
)
from symdiff.cli import main

x, y = symdiff.symbols("x y")


def test_hierarchy():
    for cls in (ParseError, EvaluationError, DifferentiationError, RegistryError, LimitError, OptimizationError):
        assert issubclass(cls, SymdiffError) and issubclass(cls, ValueError)
    assert issubclass(UnknownFunctionError, ParseError) and issubclass(ArityError, ParseError)
    assert issubclass(RenderError, SymdiffError)


# -- parsing -----------------------------------------------------------------------------------


def test_parse_error_has_position_and_caret():
    with pytest.raises(ParseError) as info:
        parse("x +* y")
    err = info.value
    assert (err.line, err.column) == (1, 4)
    assert str(err) == ("unexpected '*' at line 1, column 4; expected a number, a name, '(' or a unary sign\n"
                        "x +* y\n   ^")


def test_unknown_function_and_arity():
    with pytest.raises(UnknownFunctionError, match=r"unknown function 'foo' at line 1, column 5; known functions: abs"):
        parse("1 + foo(x)")
    with pytest.raises(ArityError, match=r"function 'sin' takes 1 argument, got 2 at line 1, column 1"):
        parse("sin(x, y)")
    with pytest.raises(ArityError, match=r"function 'max' takes 2 arguments, got 1"):
        parse("max(x)")
    with pytest.raises(ArityError, match=r"function 'pi' takes 0 arguments, got 1"):
        parse("pi(x)")
    with pytest.raises(ArityError):
        symdiff.sin(x, y)


# -- evaluation --------------------------------------------------------------------------------


@pytest.mark.parametrize("text, at, message", [
    ("x*y", {"x": 1.0}, "no value given for variable 'y'"),
    ("log(x)", {"x": -1.0}, r"log is undefined at -1.0"),
    ("sqrt(x)", {"x": -1.0}, r"sqrt is undefined at -1.0"),
    ("asin(x)", {"x": 2.0}, "asin is undefined at 2.0"),
    ("x^0.5", {"x": -1.0}, r"x\^0.5 is not real: negative base -1.0 to the power 0.5"),
    ("x^(1/3)", {"x": -8.0}, "not real"),
    ("1/x", {"x": 0.0}, "division by zero"),
    ("x", {"x": "abc"}, "the value of 'x' must be a real number or array, got str"),
    ("x", {"x": 1j}, "the value of 'x' must be a real number or array, got complex"),
    ("x", {"x": None}, "got NoneType"),
])
def test_evaluation_errors(text, at, message):
    with pytest.raises(EvaluationError, match=message):
        evaluate(parse(text), at)


def test_values_that_are_not_a_mapping():
    with pytest.raises(EvaluationError, match="^the values must map variable names to numbers, not a list$"):
        evaluate(x, [1.0])


def test_complex_arrays_are_refused():
    with pytest.raises(EvaluationError, match="the value of 'x'"):
        evaluate(x + 1, {"x": np.array([1j])})


# -- differentiation ---------------------------------------------------------------------------


@pytest.mark.parametrize("spec, error, message", [
    ((x, -1), DifferentiationError, "the order for x must be 0 or more, not -1"),
    ((1.5,), DifferentiationError, r"can only differentiate with respect to a variable, not 1.5 \(float\)"),
    ((None,), DifferentiationError, r"not None \(NoneType\)"),
    ((3,), DifferentiationError, r"an order \(3\) must follow a variable"),
    (("x+y",), SymdiffError, "invalid variable name 'x\\+y'"),
    ((x + y,), DifferentiationError, "variable"),
    ((x, 1001), LimitError, "symdiff.limits.MAX_ORDER"),
])
def test_bad_variables_and_orders(spec, error, message):
    with pytest.raises(error, match=message):
        diff(x * y, *spec)


def test_numeric_derivative_errors():
    with pytest.raises(DifferentiationError, match="unknown finite-difference method 'foo'"):
        symdiff.numeric_gradient("x^2", {"x": 1}, method="foo")
    with pytest.raises(DifferentiationError, match="the step h must be a positive finite number, got 0"):
        symdiff.numeric_gradient("x^2", {"x": 1}, h=0)
    with pytest.raises(DifferentiationError, match="not 3 \\(int\\)"):
        symdiff.forward_derivative("x^2", {"x": 1}, 3)
    with pytest.raises(EvaluationError, match="no value given for variable 'y'"):
        symdiff.backprop("x^2*y", {"x": 1})


# -- lambdify ----------------------------------------------------------------------------------


def test_lambdify_errors():
    f = lambdify(["x", "y"], x * y)
    with pytest.raises(TypeError, match=r"lambdified function takes 2 arguments \(x, y\) but 1 was given"):
        f(1)
    with pytest.raises(TypeError, match="but 3 were given"):
        f(1, 2, 3)
    with pytest.raises(SymdiffError, match=r"expression uses y, which is not among the arguments \(x\)"):
        lambdify(["x"], x * y)
    with pytest.raises(SymdiffError, match="lambdify arguments must be distinct: x given more than once"):
        lambdify(["x", "x"], x)
    with pytest.raises(EvaluationError, match="the value of 'x' is too large for a float"):
        f(10**400, 1)


# -- rendering ---------------------------------------------------------------------------------


def test_render_size_path_and_format(tmp_path):
    e = x * y + 1
    with pytest.raises(RenderError, match=r"cannot tell the picture format from 'g.xyz' \(suffix '.xyz'\)"):
        symdiff.render(e, tmp_path / "g.xyz")
    with pytest.raises(RenderError, match=r"\(no suffix\): use .png, .svg, .pdf or .dot"):
        symdiff.render(e, tmp_path / "g")
    with pytest.raises(RenderError, match="the directory .* does not exist"):
        symdiff.render(e, tmp_path / "missing" / "g.dot")
    (tmp_path / "a.dot").mkdir()  # the path is a directory: cannot be written
    with pytest.raises(RenderError, match="cannot write .*a.dot"):
        symdiff.render(e, tmp_path / "a.dot")
    with pytest.raises(RenderError, match="cannot write /proc/g.dot"):
        symdiff.render(e, "/proc/g.dot")
    with pytest.raises(RenderError, match="max_nodes must be a positive integer, not 0"):
        symdiff.to_dot(e, max_nodes=0)
    with pytest.raises(RenderError, match="rankdir must be one of"):
        symdiff.to_dot(e, rankdir="XX")
    with pytest.raises(RenderError, match="gradients need a point"):
        symdiff.to_dot(e, gradients=True)
    with pytest.raises(RenderError, match="over the drawing limit of 2"):
        symdiff.to_dot(e, max_nodes=2)
    assert list(tmp_path.iterdir()) == [tmp_path / "a.dot"]


def test_missing_dot_program(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no dot anywhere on PATH
    assert shutil.which("dot") is None
    with pytest.raises(RenderError, match=r"the Graphviz 'dot' program is not installed .*apt-get install graphviz"):
        symdiff.render(x * y, tmp_path / "g.png")
    assert symdiff.render(x * y, tmp_path / "g.dot").read_text().startswith("digraph")  # .dot needs no program
    assert not (tmp_path / "g.png").exists()


# -- optimization ------------------------------------------------------------------------------


def test_optimization_errors():
    diverged = r"diverged at step \d+: the objective is -inf \(lr = 10; try a smaller lr\)"
    with pytest.raises(OptimizationError, match=diverged):
        symdiff.minimize("-x^2", {"x": 1}, lr=10, steps=1000)
    with pytest.raises(OptimizationError, match="the objective is nan at x0"):
        symdiff.minimize("log(x)", {"x": -1})
    with pytest.raises(OptimizationError, match="unknown method 'foo'"):
        symdiff.minimize("x^2", {"x": 1}, method="foo")
    with pytest.raises(OptimizationError, match="x0 is empty"):
        symdiff.minimize("x^2", {})
    with pytest.raises(OptimizationError, match="x0\\['x'\\] is nan"):
        symdiff.minimize("x^2", {"x": float("nan")})
    with pytest.raises(OptimizationError, match="lr must be a positive number, got nan"):
        symdiff.minimize("x^2", {"x": 1}, lr=float("nan"))


# -- registry ----------------------------------------------------------------------------------


def test_registry_errors():
    with pytest.raises(RegistryError, match="function 'sin' is already registered"):
        symdiff.register_function("sin", 1, lambda u: u)


# -- no raw Python errors through public functions ---------------------------------------------


@pytest.mark.parametrize("call", [
    lambda: parse("x" * 100 + "(" * 5000),
    lambda: symdiff.Var("1x"),
    lambda: symdiff.Var(""),
    lambda: symdiff.Const(float("nan")),
    lambda: symdiff.Const(float("inf")),
    lambda: evaluate(parse("x^y"), {"x": -8.0, "y": 1 / 3}),
    lambda: evaluate(parse("exp(exp(x))"), {"x": 800.0}),
    lambda: evaluate(parse("tan(x)"), {"x": float("inf")}),
    lambda: symdiff.backprop("sqrt(x)", {"x": 0.0}),
    lambda: symdiff.backprop("x^y", {"x": -1.0, "y": 0.5}),
    lambda: symdiff.forward_derivative("abs(x)^0.5", {"x": 0.0}, "x"),
    lambda: symdiff.numeric_gradient("log(x)", {"x": 0.0}),
    lambda: symdiff.check_gradient("log(x)", {"x": -1.0}),
    lambda: symdiff.minimize("x^2", {"x": 1e308}, method="newton"),
    lambda: symdiff.minimize("x^2", {"x": 1}, steps=-(10**5000)),
    lambda: symdiff.Dual(float("inf"), 1.0),
    lambda: symdiff.Dual(1.0, 0.0) ** symdiff.Dual(-1.0, 0.0) ** 0.5,
    lambda: symdiff.from_sympy(__import__("sympy").zoo),
    lambda: symdiff.to_sympy(parse("2^(2^64)")),
], ids=lambda c: "")
def test_no_raw_python_error_escapes(call):
    try:
        call()
    except SymdiffError:
        pass  # a clear error, or ...
    # ... a value: either way no KeyError, RecursionError, OverflowError, IndexError, ValueError, ...


def test_no_bare_assert_guards_user_input():
    import ast
    import pathlib

    for path in pathlib.Path(symdiff.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Assert):
                # the one left is an internal invariant (newton always compiles the Hessian)
                assert path.name == "optimize.py" and "h is not None" in ast.unparse(node), (path, node.lineno)


# -- the command line --------------------------------------------------------------------------


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(list(argv))
    return status, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("argv, message", [
    (["eval", "x", "--at", "x"], "malformed assignment 'x' in 'x': expected name=value, e.g. x=3,y=4"),
    (["eval", "x", "--at", "=3"], "malformed assignment '=3'"),
    (["eval", "x", "--at", "x=1,,y=2"], "malformed assignment ''"),
    (["eval", "x", "--at", ""], "malformed assignment ''"),
    (["eval", "x", "--at", "x=y"], "the value of 'x' must be a number, got 'y'"),
    (["eval", "x", "--at", "x=1e999"], "number too large at line 1, column 1; it overflows a float"),
    (["eval", "x", "--at", "x=1,x=2"], "variable 'x' is given twice in 'x=1,x=2'"),
    (["eval", "x", "--at", "x=1", "--at", "x=2"], "variable 'x' is given twice"),
    (["grad", "x*y", "--wrt", "x,x"], "argument --wrt: variable 'x' is listed twice"),
    (["hessian", "x*y", "--wrt", "x,y", "--at", "x=1"], "no value given for variable 'y'"),
    (["frob", "x"], "argument COMMAND: invalid choice: 'frob'"),
    ([], "the following arguments are required: COMMAND"),
    (["eval"], "the following arguments are required: EXPR (see 'symdiff eval --help')"),
    (["render", "x"], "the following arguments are required: -o/--output"),
    (["minimize", "x^2"], "the following arguments are required: --from"),
    (["eval", "x", "--bogus"], "unrecognized arguments: --bogus"),
    (["diff", "x", "--order", "-1"], "argument --order: expected a whole number 0 or more, got '-1'"),
    (["diff", "x", "--order", "two"], "argument --order: expected a whole number"),
    (["diff", "x", "--order", "99999"], "an order over 1000 is refused (symdiff.limits.MAX_ORDER)"),
    (["diff", "x", "--wrt", "1x"], "invalid variable name '1x'"),
    (["diff", "x*y"], "EXPR has several variables (x, y); say which to differentiate by with --wrt"),
    (["grad", "x", "--latex", "--json"], "not allowed with argument"),
    (["minimize", "x^2", "--from", "x=1", "--method", "sgd"], "argument --method: invalid choice: 'sgd'"),
    (["minimize", "x^2", "--from", "x=1", "--lr", "abc"], "argument --lr: invalid float value: 'abc'"),
    (["minimize", "-x^2", "--from", "x=1", "--lr", "10"], "diverged at step"),
    (["check", "x", "--at", "x=1", "--h", "0"], "the step h must be a positive finite number"),
    (["render", "x", "-o", "/tmp/g.xyz"], "cannot tell the picture format"),
    (["render", "x", "-o", "/tmp/g.dot", "--max-nodes", "0"],
     "argument --max-nodes: expected a whole number 1 or more"),
    (["eval", "x +* y"], "unexpected '*' at line 1, column 4; expected a number, a name, '(' or a unary sign"),
    (["eval", "foo(x)"], "unknown function 'foo'"),
    (["eval", "log(x)", "--at", "x=-1"], "log is undefined at -1.0"),
    (["eval", "1" * 5000], "symdiff.limits.MAX_INT_DIGITS"),
])
def test_cli_errors_are_one_line_with_status_2(argv, message):
    status, out, err = run(*argv)
    assert status == 2, (status, out, err)
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("symdiff: error: ") and "Traceback" not in err, err
    assert message in err, err


def test_cli_missing_dot(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    status, _, err = run("render", "x*y", "-o", str(tmp_path / "g.svg"))
    assert status == 2 and err.startswith("symdiff: error: the Graphviz 'dot' program is not installed")
    assert err.count("\n") == 1


def test_cli_help_and_version_exit_0():
    for argv in (["--help"], ["eval", "--help"], ["--version"]):
        with pytest.raises(SystemExit) as info, contextlib.redirect_stdout(io.StringIO()):
            main(argv)
        assert info.value.code == 0


def test_var_keys_and_str_keys_are_both_accepted():
    assert symdiff.backprop(x * y, {Var("x"): 2.0, "y": 3.0}) == {"x": 3.0, "y": 2.0}
