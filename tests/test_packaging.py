"""Packaging: the grammar ships inside the wheel and an installed wheel parses."""

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import symdiff
from symdiff.parse import load_grammar

ROOT = Path(__file__).resolve().parents[1]


def test_grammar_loads_through_the_public_loader():
    text = load_grammar()
    assert text == (ROOT / "grammar" / "symdiff.lark").read_text(encoding="utf-8")
    rules = [line for line in text.splitlines() if not line.lstrip().startswith("//")]
    assert any(line.startswith("call:") for line in rules)
    assert not any(name in line for line in rules for name in ("sin", "exp", "sigmoid"))  # names live in the registry


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    pytest.importorskip("hatchling", reason="hatchling is in the test extra: pip install -e '.[test]'")
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet", "-w", str(out),
         str(ROOT)],
        check=True, capture_output=True, timeout=300,
    )
    (built,) = out.glob("symdiff-*.whl")
    return built


def test_wheel_contains_the_grammar_and_the_package(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "symdiff/grammar/symdiff.lark" in names
    assert "symdiff/parse.py" in names and "symdiff/__init__.py" in names
    assert not any(n.startswith("tests/") for n in names)


def test_installed_wheel_parses_from_another_folder(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--quiet", "--target", str(target), str(wheel)],
        check=True, capture_output=True, timeout=300,
    )
    code = (
        "import symdiff, sys; "
        "print(symdiff.__file__); "
        "print(symdiff.evaluate(symdiff.parse('x^2*y + y + 2'), {'x': 3, 'y': 4}))"
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=elsewhere, timeout=60,
                         env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"})
    assert run.returncode == 0, run.stderr
    location, value = run.stdout.splitlines()
    assert Path(location).is_relative_to(target)  # the wheel's copy, not the checkout
    assert value == "42.0"
    assert symdiff.__version__ == "0.1.0"
