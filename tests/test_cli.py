"""The symdiff command, end to end: outputs, help, and one-line errors with exit 2."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

import symdiff
from symdiff.cli import main, parse_assignments


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
    ],
)
def test_commands_print_results(capsys, argv, expected):
    status, out, err = run(capsys, *argv)
    assert (status, out, err) == (0, expected, "")


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
    ],
)
def test_errors_are_one_line_with_exit_status_2(capsys, argv, message):
    status, out, err = run(capsys, *argv)
    assert status == 2
    assert out == ""
    assert err.startswith("symdiff: error: ")
    assert message in err
    assert err.count("\n") == 1


@pytest.mark.parametrize("argv", [["--help"], ["eval", "--help"], ["simplify", "--help"]])
def test_help_everywhere(capsys, argv):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: symdiff")
    assert "example" in out or "COMMAND" in out


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
