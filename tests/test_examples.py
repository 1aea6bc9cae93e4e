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
                "gradient(f, [x, y])                ['2*x*y', 'x^2 + 1']",
                "  at x=3, y=4                      [24.0, 10.0]",
                "hessian(f, [x, y])                 [['2*y', '2*x'], ['2*x', '0']]",
                "  at x=3, y=4                      [[8.0, 6.0], [6.0, 0.0]]",
                'diff("sigmoid(x)", x)              sigmoid(x)*(1 - sigmoid(x))',
                'diff("x^x", x)                     x^x*(log(x) + 1)',
                "f, [df/dw1, df/db] at (.5, .1, 2)  0.750260, [0.374740, 0.187370]",
                "f beside df/dx                     build/demo/derivative.png",
                "(x+y)*z, values and gradients      build/demo/circuit.png",
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
    pictures = [ROOT / "build" / "demo" / p for p in ("derivative.png", "circuit.png")] if name == "demo.py" else []
    for picture in pictures:
        picture.unlink(missing_ok=True)
    out = run_example(ROOT / "examples" / name).splitlines()
    for line in expected_lines:
        assert line in out, f"{line!r} not in the output of {name}"
    for picture in pictures:  # the demo wrote the pictures it names, as PNG files
        assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_all_examples_are_covered():
    covered = {"demo.py", "custom_function.py"}
    assert {p.name for p in EXAMPLES} == covered
