"""Every example runs and prints the numbers it promises."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))


def run_example(path: Path) -> str:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    return done.stdout


def test_every_example_has_a_titled_docstring():
    assert EXAMPLES
    for path in EXAMPLES:
        assert path.read_text().startswith('"""'), path.name


@pytest.mark.parametrize(
    "name, expected_lines",
    [
        (
            "demo.py",
            [
                'parse("x^2*y + y + 2")             x^2*y + y + 2',
                "latex                              x^{2} y + y + 2",
                'parse("2x + 3x - x^2/x")           4*x',
                'parse("-x^2"), parse("2^3^2")      -x^2, 512',
                'parse("e^x * e^y") simplified      exp(x + y)',
                "f at x=3, y=4                      42.0",
                "(x+y)*z at (-2, 5, -4)             -12.0",
                "sigmoid(0)                         0.5",
                "distinct nodes / as a tree         7 / 13",
                "   ^",
            ],
        ),
        (
            "custom_function.py",
            [
                "expression: gelu_tanh(2*x) + 1",
                r"latex:      \operatorname{GELU}\left(2 x\right) + 1",
                "at x=0.5:   1.841192",
            ],
        ),
    ],
)
def test_example_output(name, expected_lines):
    out = run_example(ROOT / "examples" / name).splitlines()
    for line in expected_lines:
        assert line in out, f"{line!r} not in the output of {name}"


def test_all_examples_are_covered():
    covered = {"demo.py", "custom_function.py"}
    assert {p.name for p in EXAMPLES} == covered
