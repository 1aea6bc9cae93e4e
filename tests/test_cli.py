"""The symdiff command, end to end: outputs, help, and one-line errors with exit 2."""

import json
import os
import re
import shlex
import subprocess
import sys
import types
from pathlib import Path

import pytest

import symdiff
from symdiff.cli import _json_number, _latex_number, main, parse_assignments


def run(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["eval", "x^2*y + y + 2", "--at", "x=3,y=4"], "42\n"),
        (["eval", "(x+y)*z", "--at", "x=-2,y=5,z=-4"], "-12\n"),
        (["eval", "-x^2", "--at", "x=3"], "-9\n"),
        (["eval", "2^3^2"], "512\n"),
        (["eval", "-x", "--at", "x=0"], "0\n"),
        (["eval", "sigmoid(0)"], "0.5\n"),
        (["eval", "sin(x)", "--at", "x=pi/2"], "1\n"),
        (["eval", "x/3", "--at", "x = 1, y = 2"], "0.333333333333333\n"),
        (["eval", "x*y", "--at", "x=3", "--at", "y=4"], "12\n"),
        (["simplify", "2x + 3x - x^2/x"], "4*x\n"),
        (["simplify", "x^2*y + y + 2"], "x^2*y + y + 2\n"),
        (["simplify", "2(x + y) - 2y"], "2*x\n"),
        (["simplify", "-(x+1)"], "-x - 1\n"),
        (["simplify", "x^2*y + y + 2", "--latex"], "x^{2} y + y + 2\n"),
        (["simplify", "e^x*e^y", "--latex"], "e^{x + y}\n"),
        (["diff", "(x+y)^2", "--wrt", "x", "--at", "x=5,y=-6"], "df/dx = 2*(x + y) = -2\n"),
        (["diff", "sigmoid(x)", "--wrt", "x"], "df/dx = sigmoid(x)*(1 - sigmoid(x))\n"),
        (["diff", "sigmoid(x)", "--at", "x=0"], "df/dx = sigmoid(x)*(1 - sigmoid(x)) = 0.25\n"),
        (["diff", "x^x", "--wrt", "x"], "df/dx = x^x*(log(x) + 1)\n"),
        (["diff", "x^3", "--wrt", "x", "--order", "2"], "d^2f/dx^2 = 6*x\n"),
        (["diff", "x^3", "--order", "2", "--at", "x=3"], "d^2f/dx^2 = 6*x = 18\n"),
        (["diff", "x^3", "--order", "0"], "f = x^3\n"),
        (["diff", "x^3", "--order", "1000"], "d^1000f/dx^1000 = 0\n"),
        (["diff", "0^x", "--at", "x=2"], "df/dx = 0 = 0\n"),
        (["diff", "-x^3", "--wrt", "x"], "df/dx = -3*x^2\n"),
        (["diff", "x^2*y + y + 2", "--wrt", "x,y"], "d^2f/dx dy = 2*x\n"),
        (["diff", "x^2*y", "--wrt", "x, x ,y", "--at", "x=1,y=1"], "d^3f/dx^2 dy = 2 = 2\n"),
        (["diff", "x*y", "--wrt", "z"], "df/dz = 0\n"),
        (["diff", "x1^3", "--order", "2"], "d^2f/dx1^2 = 6*x1\n"),
        (["diff", "sigmoid(x)", "--at", "x=0", "--latex"],
         r"\frac{\partial f}{\partial x} = \sigma\left(x\right) \left(1 - \sigma\left(x\right)\right) = 0.25" "\n"),
        (["diff", "x^2*y", "--wrt", "x,x,y", "--latex"], r"\frac{\partial^{3} f}{\partial x^{2} \partial y} = 2" "\n"),
        (["diff", "alpha^2", "--latex"], r"\frac{\partial f}{\partial \alpha} = 2 \alpha" "\n"),
        (["grad", "x^2*y + y + 2", "--wrt", "x,y", "--at", "x=3,y=4"], "df/dx = 2*x*y = 24\ndf/dy = x^2 + 1 = 10\n"),
        (["grad", "x^2*y + y + 2"], "df/dx = 2*x*y\ndf/dy = x^2 + 1\n"),
        (["grad", "x^2*y + y + 2", "--wrt", "y,x,z"], "df/dy = x^2 + 1\ndf/dx = 2*x*y\ndf/dz = 0\n"),
        (["grad", "x^2*y + y + 2", "--at", "x=3,y=4", "--latex"],
         r"\frac{\partial f}{\partial x} = 2 x y = 24" "\n" r"\frac{\partial f}{\partial y} = x^{2} + 1 = 10" "\n"),
        (["grad", "x^2*y", "--at", "x=1e-200,y=3", "--latex"],
         r"\frac{\partial f}{\partial x} = 2 x y = 6 \cdot 10^{-200}" "\n"
         r"\frac{\partial f}{\partial y} = x^{2} = 0" "\n"),
        (["hessian", "x^2*y + y + 2"], "H(x, y) = [[2*y, 2*x], [2*x, 0]]\n"),
        (["hessian", "x^2*y + y + 2", "--wrt", "x,y", "--at", "x=3,y=4"],
         "H(x, y) = [[2*y, 2*x], [2*x, 0]] = [[8, 6], [6, 0]]\n"),
        (["hessian", "x^2*y + y + 2", "--wrt", "y,x"], "H(y, x) = [[0, 2*x], [2*x, 2*y]]\n"),
        (["hessian", "x^3", "--at", "x=-1"], "H(x) = [[6*x]] = [[-6]]\n"),
        (["hessian", "x^2*y + y + 2", "--at", "x=3,y=4", "--latex"],
         r"H(x, y) = \begin{pmatrix} 2 y & 2 x \\ 2 x & 0 \end{pmatrix} = \begin{pmatrix} 8 & 6 \\ 6 & 0 \end{pmatrix}"
         "\n"),
        (["hessian", "alpha*x1", "--latex"], r"H(\alpha, x_{1}) = \begin{pmatrix} 0 & 1 \\ 1 & 0 \end{pmatrix}" "\n"),
    ],
)
def test_commands_print_results(capsys, argv, expected):
    status, out, err = run(capsys, *argv)
    assert (status, out, err) == (0, expected, "")


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["diff", "(x+y)^2", "--wrt", "x", "--at", "x=5,y=-6", "--json"],
         {"expression": "(x + y)^2", "wrt": ["x"], "order": 1, "derivative": "2*(x + y)",
          "at": {"x": 5.0, "y": -6.0}, "value": -2.0}),
        (["diff", "sigmoid(x)", "--json"],
         {"expression": "sigmoid(x)", "wrt": ["x"], "order": 1, "derivative": "sigmoid(x)*(1 - sigmoid(x))"}),
        (["diff", "x^3", "--order", "2", "--json"],
         {"expression": "x^3", "wrt": ["x"], "order": 2, "derivative": "6*x"}),
        (["diff", "x^2*y", "--wrt", "x,y", "--at", "x=2,y=0", "--json"],
         {"expression": "x^2*y", "wrt": ["x", "y"], "order": 2, "derivative": "2*x", "at": {"x": 2.0, "y": 0.0},
          "value": 4.0}),
        (["grad", "x^2*y + y + 2", "--wrt", "x,y", "--at", "x=3,y=4", "--json"],
         {"expression": "x^2*y + y + 2", "wrt": ["x", "y"], "gradient": ["2*x*y", "x^2 + 1"],
          "at": {"x": 3.0, "y": 4.0}, "values": [24.0, 10.0]}),
        (["grad", "x^2", "--json"], {"expression": "x^2", "wrt": ["x"], "gradient": ["2*x"]}),
        (["hessian", "x^2*y + y + 2", "--json"],
         {"expression": "x^2*y + y + 2", "wrt": ["x", "y"], "hessian": [["2*y", "2*x"], ["2*x", "0"]]}),
        (["hessian", "x^2*y + y + 2", "--at", "x=3,y=4", "--json"],
         {"expression": "x^2*y + y + 2", "wrt": ["x", "y"], "hessian": [["2*y", "2*x"], ["2*x", "0"]],
          "at": {"x": 3.0, "y": 4.0}, "values": [[8.0, 6.0], [6.0, 0.0]]}),
    ],
)
def test_json_output_is_one_object(capsys, argv, expected):
    status, out, err = run(capsys, *argv)
    assert (status, err) == (0, "")
    assert out.count("\n") == 1
    assert json.loads(out) == expected
    assert list(json.loads(out)) == list(expected)  # keys in a fixed order


def test_non_finite_values_stay_valid_json():
    # the scalar evaluator reports overflow and domain errors, so these only guard the formatting
    assert [_json_number(v) for v in (float("nan"), float("inf"), -float("inf"), -0.0, 1.5)] == [
        "nan", "inf", "-inf", 0.0, 1.5]
    assert [_latex_number(v) for v in (float("nan"), float("inf"), -float("inf"), 2.5e20, -0.0)] == [
        r"\mathrm{NaN}", r"\infty", r"-\infty", r"2.5 \cdot 10^{20}", "0"]


@pytest.mark.parametrize(
    "argv, message",
    [
        (["eval", "x +* y"], "unexpected '*' at line 1, column 4; expected a number, a name, '(' or a unary sign"),
        (["eval", "(x+1"], "unexpected end of input at line 1, column 5; expected ')' or an operator"),
        (["eval", "foo(x)"], "unknown function 'foo' at line 1, column 1; known functions: abs, acos"),
        (["eval", "sin(x, y)"], "function 'sin' takes 1 argument, got 2 at line 1, column 1"),
        (["eval", "__import__('os')"], "unexpected character \"'\" at line 1, column 12"),
        (["eval", ""], "empty expression at line 1, column 1"),
        (["eval", "log(x)", "--at", "x=0"], "log is undefined at 0.0 (log of a non-positive number)"),
        (["eval", "x + y", "--at", "x=1"], "no value given for variable 'y'"),
        (["eval", "x", "--at", "x=3,x=4"], "variable 'x' is given twice in 'x=3,x=4'"),
        (["eval", "x", "--at", "x=3", "--at", "x=4"], "variable 'x' is given twice in 'x=3,x=4'"),
        (["eval", "x", "--at", "x3"], "malformed assignment 'x3' in 'x3': expected name=value, e.g. x=3,y=4"),
        (["eval", "x", "--at", "x=y"], "the value of 'x' must be a number, got 'y'"),
        (["frobnicate"], "argument COMMAND: invalid choice: 'frobnicate'"),
        ([], "the following arguments are required: COMMAND (see 'symdiff --help')"),
        (["eval"], "the following arguments are required: EXPR (see 'symdiff eval --help')"),
        (["eval", "x", "--bogus"], "unrecognized arguments: --bogus"),
        (["hessian", "foo(x)"], "unknown function 'foo' at line 1, column 1; known functions: abs, acos"),
    ],
)
def test_errors_are_one_line_with_exit_status_2(capsys, argv, message):
    status, out, err = run(capsys, *argv)
    assert status == 2
    assert out == ""
    assert err.startswith("symdiff: error: ")
    assert message in err
    assert err.count("\n") == 1


def _see(command: str = "") -> str:
    return f"(see 'symdiff {command + ' ' if command else ''}--help')"


@pytest.mark.parametrize(
    "argv, message",
    [
        (["diff", "x^3", "--order", "-1"],
         "argument --order: expected a whole number 0 or more, got '-1' " + _see("diff")),
        (["diff", "x^3", "--order", "1.5"],
         "argument --order: expected a whole number 0 or more, got '1.5' " + _see("diff")),
        (["diff", "x^3", "--order", "1001"],
         "argument --order: an order over 1000 is refused (symdiff.limits.MAX_ORDER) " + _see("diff")),
        (["diff", "x^3", "--order", "99999999999999999999999"],
         "argument --order: an order over 1000 is refused (symdiff.limits.MAX_ORDER) " + _see("diff")),
        (["diff", "x*y", "--wrt", "x,y", "--order", "2"],
         "argument --order: give a single --wrt variable with --order; for a mixed partial repeat the names, "
         "e.g. --wrt x,x,y"),
        (["diff", "x", "--wrt", "2x"], "argument --wrt: '2x' is not a variable name " + _see("diff")),
        (["grad", "x", "--wrt", "x,2x"], "argument --wrt: '2x' is not a variable name in 'x,2x' " + _see("grad")),
        (["diff", "x", "--wrt", "pi"], "argument --wrt: 'pi' is not a variable name " + _see("diff")),
        (["hessian", "x", "--wrt", "x+y"], "argument --wrt: 'x+y' is not a variable name " + _see("hessian")),
        (["diff", "x", "--wrt", ""],
         "argument --wrt: no variable names given; expected names separated by commas, e.g. x,y "
         + _see("diff")),
        (["grad", "x", "--wrt", "x,,y"], "argument --wrt: empty variable name in 'x,,y' " + _see("grad")),
        (["grad", "x*y", "--wrt", "x,y,x"], "argument --wrt: variable 'x' is listed twice"),
        (["hessian", "x*y", "--wrt", "y,y"], "argument --wrt: variable 'y' is listed twice"),
        (["diff", "x +* y"], "unexpected '*' at line 1, column 4; expected a number, a name, '(' or a unary sign"),
        (["grad", "sin(x"], "unexpected end of input at line 1, column 6; expected ')', ',' or an operator"),
        (["diff", "x^2*y", "--wrt", "x", "--at", "x=3"], "no value given for variable 'y'"),
        (["grad", "x^2*y", "--at", "y=3"], "no value given for variable 'x'"),
        (["hessian", "x^2*y + z", "--at", "x=1,y=2"], "no value given for variable 'z'"),
        (["diff", "x^2", "--at", "x=1,x=2"], "variable 'x' is given twice in 'x=1,x=2'"),
        (["diff", "sqrt(x)", "--at", "x=0"], "division by zero: 1/sqrt(x) at base 0"),
        (["diff", "x*y"], "EXPR has several variables (x, y); say which to differentiate by with --wrt, e.g. --wrt x"),
        (["diff", "3"], "EXPR has no variables; say which to differentiate by with --wrt, e.g. --wrt x"),
        (["grad", "pi + 1"], "EXPR has no variables; say which to differentiate by with --wrt, e.g. --wrt x"),
        (["hessian", "2"], "EXPR has no variables; say which to differentiate by with --wrt, e.g. --wrt x"),
        (["grad", "x", "--latex", "--json"],
         "argument --json: not allowed with argument --latex " + _see("grad")),
        (["diff"], "the following arguments are required: EXPR " + _see("diff")),
        (["simplify", "x", "--wrt", "x"], "unrecognized arguments: --wrt x " + _see()),
    ],
)
def test_calculus_errors_exact(capsys, argv, message):
    status, out, err = run(capsys, *argv)
    assert (status, out, err) == (2, "", f"symdiff: error: {message}\n")


@pytest.mark.parametrize(
    "argv",
    [["--help"], ["eval", "--help"], ["simplify", "--help"], ["diff", "--help"], ["grad", "--help"],
     ["hessian", "--help"], ["render", "--help"], ["diff", "x", "-h"]],
)
def test_help_everywhere(capsys, argv):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: symdiff")
    assert "example" in out or "COMMAND" in out


@pytest.mark.parametrize("command", ["diff", "grad", "hessian"])
def test_help_examples_are_true(capsys, command):
    with pytest.raises(SystemExit):
        main([command, "--help"])
    help_text = capsys.readouterr().out
    examples = help_text.split("\nexample")[1].split("  $ ")[1:]
    assert examples
    for example in examples:
        argv, *expected = example.strip().splitlines()
        assert run(capsys, *shlex.split(argv)[1:]) == (0, "".join(line.strip() + "\n" for line in expected), "")


def test_parse_assignments_takes_constant_expressions():
    assert parse_assignments("x=3, y=-1/2, t=2pi") == {"x": 3.0, "y": -0.5, "t": 2 * 3.141592653589793}


def _commands() -> list[list[str]]:
    commands = [[sys.executable, "-m", "symdiff"]]
    script = Path(sys.executable).parent / "symdiff"
    if sys.prefix != sys.base_prefix:  # in the project's venv the console script must exist
        assert script.exists(), f"console script missing: {script}"
        commands.append([str(script)])
    return commands


@pytest.mark.parametrize("command", _commands(), ids=lambda c: Path(c[-1]).name)
def test_real_process_ok_and_error(command, tmp_path):
    # the package under test, wherever it is imported from (venv install or checkout)
    env = dict(os.environ, PYTHONPATH=str(Path(symdiff.__file__).resolve().parents[1]))
    ok = subprocess.run(command + ["eval", "x^2*y + y + 2", "--at", "x=3,y=4"],
                        capture_output=True, text=True, cwd=tmp_path, env=env, timeout=60)
    assert (ok.returncode, ok.stdout, ok.stderr) == (0, "42\n", "")
    bad = subprocess.run(command + ["eval", "x +* y"], capture_output=True, text=True, cwd=tmp_path, env=env,
                         timeout=60)
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr.startswith("symdiff: error: unexpected '*'") and "Traceback" not in bad.stderr
    assert bad.stderr.count("\n") == 1


def test_real_process_grad():
    env = dict(os.environ, PYTHONPATH=str(Path(symdiff.__file__).resolve().parents[1]))
    argv = [sys.executable, "-m", "symdiff", "grad", "x^2*y + y + 2", "--wrt", "x,y", "--at", "x=3,y=4"]
    ok = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=60)
    assert (ok.returncode, ok.stdout, ok.stderr) == (0, "df/dx = 2*x*y = 24\ndf/dy = x^2 + 1 = 10\n", "")
    as_json = subprocess.run(argv + ["--json"], capture_output=True, text=True, env=env, timeout=60)
    assert as_json.returncode == 0
    assert json.loads(as_json.stdout)["values"] == [24.0, 10.0]
    bad = subprocess.run(argv[:5] + ["--at", "x=3"], capture_output=True, text=True, env=env, timeout=60)
    assert (bad.returncode, bad.stdout, bad.stderr) == (2, "", "symdiff: error: no value given for variable 'y'\n")


# -- render -----------------------------------------------------------------------------


def test_render_writes_the_picture(capsys, tmp_path):
    path = tmp_path / "circuit.png"
    status, out, err = run(capsys, "render", "(x+y)*z", "--at", "x=-2,y=5,z=-4", "--gradients", "-o", str(path))
    assert (status, out, err) == (0, f"wrote {path}\n", "")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_render_options_reach_the_picture(capsys, tmp_path):
    path = tmp_path / "graph.dot"
    assert run(capsys, "render", "x^2*y + y + 2", "--derivative", "x", "--title", "My title", "-o", str(path))[0] == 0
    source = path.read_text()
    assert source.startswith("digraph") and "My title" in source and "df/dx" in source
    assert run(capsys, "render", "-x*sin(x)", "--output", str(path))[0] == 0  # a leading '-' stays EXPR
    assert path.read_text().count("label=x ") == 1  # the DAG draws x once
    assert run(capsys, "render", "-x*sin(x)", "--tree", "--output", str(path))[0] == 0
    assert path.read_text().count("label=x ") == 2  # the tree draws x once per use


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["render", "(x+y)*z", "-o", "c.xyz"],
         "cannot tell the picture format from 'c.xyz' (suffix '.xyz'): use .png, .svg, .pdf or .dot"),
        (["render", "(x+y)*z", "--gradients", "-o", "c.png"],
         "gradients need a point: pass at={'x': ..., ...} with the variable values (--at on the command line)"),
        (["render", "sin(x)", "--max-nodes", "1", "-o", "s.svg"],
         "the graph has 2 nodes, over the drawing limit of 1: raise it with max_nodes= (--max-nodes on the command "
         "line) if you really want this picture"),
        (["render", "sin(x)", "--max-nodes", "0", "-o", "s.svg"],
         "argument --max-nodes: expected a whole number 1 or more, got '0' (see 'symdiff render --help')"),
        (["render", "x*y", "--at", "x=1", "-o", "s.svg"], "no value given for variable 'y'"),
        (["render", "x+", "-o", "s.svg"],
         "unexpected end of input at line 1, column 3; expected a number, a name, '(' or a unary sign"),
    ],
)
def test_render_errors(capsys, argv, message):
    assert run(capsys, *argv) == (2, "", f"symdiff: error: {message}\n")


def test_render_without_dot_says_how_to_install(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    status, out, err = run(capsys, "render", "x", "-o", str(tmp_path / "x.png"))
    assert status == 2 and "apt-get install graphviz" in err and "brew install graphviz" in err


# -- check and minimize -------------------------------------------------------------------


def test_check_prints_the_table(capsys):
    status, out, err = run(capsys, "check", "x^2*y + y + 2", "--at", "x=3,y=4")
    assert (status, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == "var   symbolic     reverse      numeric      rel.err(rev)  rel.err(num)"
    assert lines[1].startswith("x     24           24           24.000000    0  ")
    assert lines[2].startswith("y     10           10           10.000000    0  ")
    assert lines[3:] == ["all agree within 1e-06"]


def test_check_mismatch_exits_1(capsys):
    status, out, err = run(capsys, "check", "step(x) + relu(x)", "--at", "x=0")  # kinks: conventions vs quotients
    assert (status, err) == (1, "")
    assert out.splitlines()[-1] == "MISMATCH: rel.err 1.0e+00 of the numeric slope of x exceeds 1e-06"
    # a tolerance loose enough, and a step small enough, still cannot hide a kink; a smooth point passes
    assert run(capsys, "check", "step(x) + relu(x)", "--at", "x=0", "--rtol", "0.5")[0] == 1
    assert run(capsys, "check", "step(x) + relu(x)", "--at", "x=1", "--h", "1e-4", "--rtol", "1e-9")[0] == 0


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["check", "x*y", "--at", "x=1"], "no value given for variable 'y'"),
        (["check", "x", "--at", "x=1", "--h", "0"], "the step h must be a positive finite number, got 0.0"),
        (["check", "x", "--at", "x=1", "--h", "-1e-6"], "the step h must be a positive finite number, got -1e-06"),
        (["check", "x", "--at", "x=1", "--rtol", "abc"],
         "argument --rtol: invalid float value: 'abc' (see 'symdiff check --help')"),
        (["check", "log(x)", "--at", "x=0"], "log is undefined at 0.0 (log of a non-positive number)"),
        (["minimize", "x^2", "--from", "x3"], "malformed assignment 'x3' in 'x3': expected name=value, e.g. x=3,y=4"),
        (["minimize", "x^2 + y", "--from", "x=1"], "no value given for variable 'y'"),
        (["minimize", "x^2"], "the following arguments are required: --from (see 'symdiff minimize --help')"),
        (["minimize", "x^2", "--from", "x=1", "--method", "bfgs"],
         "argument --method: invalid choice: 'bfgs' (choose from 'gd', 'momentum', 'nesterov', 'adagrad', 'adam', "
         "'newton') (see 'symdiff minimize --help')"),
        (["minimize", "x^2", "--from", "x=1", "--steps", "-1"],
         "argument --steps: expected a whole number 0 or more, got '-1' (see 'symdiff minimize --help')"),
        (["minimize", "x^2", "--from", "x=1", "--lr", "-0.1"], "lr must be a positive number, got -0.1"),
    ],
)
def test_check_and_minimize_errors(capsys, argv, message):
    assert run(capsys, *argv) == (2, "", f"symdiff: error: {message}\n")


def test_minimize_newton(capsys):
    argv = ["minimize", "w^2 - 2*w + 5", "--from", "w=0", "--method", "newton"]
    status, out, err = run(capsys, *argv)
    assert (status, err) == (0, "")
    lines = out.splitlines()
    assert lines[:2] == ["w = 1", "value = 4"]
    assert re.fullmatch(r"steps = \d+ \(converged\)", lines[2])


def test_minimize_maximize(capsys):
    status, out, err = run(capsys, "minimize", "100 - (x-y)^2", "--from", "x=3,y=4", "--maximize")
    assert (status, err) == (0, "")
    values = dict(line.split(" = ", 1) for line in out.splitlines())
    assert list(values) == ["x", "y", "value", "steps"]
    assert float(values["x"]) == pytest.approx(float(values["y"]), abs=1e-6)
    assert float(values["x"]) + float(values["y"]) == pytest.approx(7)  # gradient steps keep x + y
    assert float(values["value"]) == pytest.approx(100)
    assert values["steps"].endswith(" (converged)")


def test_minimize_reports_no_convergence(capsys):
    status, out, err = run(capsys, "minimize", "x^2", "--from", "x=1", "--steps", "3", "--lr", "0.25", "--tol", "0")
    assert (status, err) == (0, "")
    assert out.splitlines()[:2] == ["x = 0.125", "value = 0.015625"]  # x halves each step
    assert out.splitlines()[2] == (
        "steps = 3 (stopped after 3 steps (the limit), not converged: max |gradient| = 0.25 > tol = 0)"
    )


def test_minimize_passes_the_options(capsys, monkeypatch):
    import symdiff.optimize

    seen = {}

    def fake(expr, x0, **options):
        seen.update(expr=str(expr), x0=x0, **options)
        return types.SimpleNamespace(x={"a": 0.5, "b": -0.0}, value=1e-20, history=[], steps=7, converged=False,
                                     message="stopped early")

    monkeypatch.setattr(symdiff.optimize, "minimize", fake)
    argv = ["minimize", "(a-b)^2", "--from", "b=2", "--from", "a=1", "--method", "adam", "--lr", "0.5", "--steps",
            "7", "--tol", "1e-3", "--maximize"]
    assert run(capsys, *argv) == (0, "a = 0.5\nb = 0\nvalue = 1e-20\nsteps = 7 (stopped early)\n", "")
    assert seen == {"expr": "(a - b)^2", "x0": {"b": 2.0, "a": 1.0}, "method": "adam", "lr": 0.5, "steps": 7,
                    "tol": 1e-3, "maximize": True}
    run(capsys, "minimize", "a", "--from", "a=1")
    assert (seen["method"], seen["lr"], seen["steps"], seen["tol"], seen["maximize"]) == ("gd", None, 1000, 1e-8, False)


@pytest.mark.parametrize("command", ["check", "minimize"])
def test_check_and_minimize_help_examples_are_true(capsys, command):
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    help_text = capsys.readouterr().out
    examples = help_text.split("\nexample")[1].split("\n\n")[0].split("  $ ")[1:]
    assert examples
    for example in examples:
        argv, *expected = example.strip().splitlines()
        assert run(capsys, *shlex.split(argv)[1:]) == (0 if command == "minimize" or "all agree" in example else 1,
                                                        "".join(line.strip() + "\n" for line in expected), "")
