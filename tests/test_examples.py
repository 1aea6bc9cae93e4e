"""Every example runs and prints the numbers it promises."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def run_example(path: Path, *args: str, pythonpath: tuple[str, ...] = ()) -> str:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([*pythonpath, str(ROOT)]))
    done = subprocess.run([sys.executable, str(path), *args], capture_output=True, text=True, cwd=ROOT, env=env,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    return done.stdout


@pytest.fixture(scope="module", autouse=True)
def font_cache():
    """Build matplotlib's font cache first, so that no example logs "building the font cache" on stderr."""
    try:
        from matplotlib import font_manager
    except ImportError:  # the plots then fail their checks: matplotlib is in the 'test' extra
        return
    font_manager.findfont("DejaVu Sans")


def test_every_example_has_a_titled_docstring():
    assert EXAMPLES
    for path in EXAMPLES:
        assert path.read_text().startswith('"""'), path.name


@pytest.mark.parametrize(
    "name, expected_lines, pictures",
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
            ["build/demo/derivative.png", "build/demo/circuit.png"],
        ),
        (
            "custom_function.py",
            [
                "expression: gelu_tanh(2*x) + 1",
                r"latex:      \operatorname{GELU}\left(2 x\right) + 1",
                "at x=0.5:   1.841192",
            ],
            [],
        ),
        (
            "gates.py",
            [
                "x*y at x=5, y=-6                         -30",
                "(f(x + h, y) - f(x, y)) / h, h = 0.0001  -6.0000",
                "x*y at x = 5 + 1ε, y = -6                -30 - 6ε",
                "sigmoid(0 + 1ε)                          0.5 + 0.25ε",
                "gate         at         symbolic d/dx                 analytic     numeric      dual   reverse",
                "x*y          x=5, y=-6  y                                   -6   -6.000000        -6        -6",
                "(x+y)^2      x=5, y=-6  2*(x + y)                           -2   -2.000000        -2        -2",
                "sigmoid(x)   x=0        sigmoid(x)*(1 - sigmoid(x))       0.25    0.250000      0.25      0.25",
            ],
            [],
        ),
        (
            "circuit.py",
            [
                "f at (x, y, z) = (-2, 5, -4)       -12",
                "gradient (df/dx, df/dy, df/dz)     (-4, -4, 3)",
                "f after a step of 0.01 uphill      -11.5924",
                "picture (values and gradients)     build/examples/circuit.png",
                "output at w=(2,-3,-3), x=(-1,-2)   0.73",
                "gradient on w (w0, w1, w2)         (-0.20, -0.39, 0.20)",
                "gradient on x (x0, x1)             (0.39, -0.59)",
                "picture (values and gradients)     build/examples/neuron.png",
                "start at (3, 4)                    99",
                "after 38 steps (lr 0.1)            100.000000",
                "x, y                               3.5000, 3.5000",
            ],
            ["build/examples/circuit.png", "build/examples/neuron.png"],
        ),
        (
            "second_order.py",
            [
                "f(x, y) = x^2*y + y + 2 at (x, y) = (3, 4): f = 42",
                "entry      expression  symbolic      dual   reverse     numeric",
                "df/dx      2*x*y             24        24        24   24.000000",
                "df/dy      x^2 + 1           10        10        10   10.000000",
                "d2f/dxdx   2*y                8         8         8    8.000000",
                "d2f/dxdy   2*x                6         6         6    6.000000",
                "d2f/dydx   2*x                6         6         6    6.000000",
                "d2f/dydy   0                  0         0         0    0.000000",
                "all four agree within 1e-6   True",
                "gradient at (3, 4)           [24, 10]",
                "Hessian at (3, 4)            [[8, 6], [6, 0]]",
            ],
            [],
        ),
        (
            "optimizers.py",
            [
                "gd: J at steps 0, 1, ..., 5        5.0000, 4.6400, 4.4096, 4.2621, 4.1678, 4.1074",
                "gd (lr 0.1)                        minimum 4.000000 at w = 1.000000 (86 steps)",
                "newton (lr 1)                      minimum 4.000000 at w = 1.000000 (1 step)",
                "method          lr  steps to within 1e-6     final objective",
                "gd          0.0018  not within 2,000 steps            0.0132",
                "momentum     0.003  450                             9.97e-07",
                "nesterov    0.0013  1,063                           9.99e-07",
                "adagrad        0.7  not within 2,000 steps           0.00844",
                "adam          0.15  917                             9.78e-07",
                "newton           1  19                              2.82e-07",
                "convergence plot                   build/examples/optimizers.png",
            ],
            ["build/examples/optimizers.png"],
        ),
        (
            "logistic_regression.py",
            [
                "model: p = sigmoid(b + w1*x1 + w2*x2)",
                "  step      loss  accuracy",
                "     0    0.6931       50%",
                "    20    0.0797       99%",
                "   100    0.0415      100%",
                "learned                w1 = 2.411, w2 = 1.793, b = -0.354",
                "final accuracy         100%",
                "picture                build/examples/logistic_regression.png",
            ],
            ["build/examples/logistic_regression.png"],
        ),
        (
            "xor.py",
            [
                "9 parameters, the loss is one graph of 30 nodes",
                "loss before training         0.2829",
                "loss after 300 Adam steps    0.000301",
                " x1  x2  target  prediction  class",
                "  0   0       0       0.020      0",
                "  0   1       1       0.986      1",
                "  1   0       1       0.987      1",
                "  1   1       0       0.021      0",
                "classification errors        0",
            ],
            [],
        ),
    ],
)
def test_example_output(name, expected_lines, pictures):
    for picture in pictures:
        (ROOT / picture).unlink(missing_ok=True)
    text = run_example(ROOT / "examples" / name, "--quick")
    out = text.splitlines()
    for line in expected_lines:
        assert line in out, f"{line!r} not in the output of {name}"
    assert sorted(pictures) == sorted(set(re.findall(r"\S+\.png", text)))  # every picture it names is checked
    for picture in pictures:  # the example wrote the pictures it names, as PNG files
        assert (ROOT / picture).read_bytes()[:8] == PNG_SIGNATURE, picture


def test_plots_without_matplotlib(tmp_path):
    # a stand-in package that fails to import, as when the 'plot' extra is not installed
    (tmp_path / "matplotlib").mkdir()
    (tmp_path / "matplotlib" / "__init__.py").write_text("raise ImportError('No module named matplotlib')\n")
    picture = ROOT / "build" / "examples" / "logistic_regression.png"
    picture.unlink(missing_ok=True)
    out = run_example(ROOT / "examples" / "logistic_regression.py", "--quick", pythonpath=(str(tmp_path),))
    assert out.splitlines()[-1] == "no plot: matplotlib is not installed (pip install 'symdiff[plot]')"
    assert "final accuracy         100%" in out.splitlines()
    assert not picture.exists()


def test_all_examples_are_covered():
    covered = {"demo.py", "custom_function.py", "gates.py", "circuit.py", "second_order.py", "optimizers.py",
               "logistic_regression.py", "xor.py"}
    assert {p.name for p in EXAMPLES} == covered
