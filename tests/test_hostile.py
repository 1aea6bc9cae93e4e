"""Untrusted text: no input runs code or touches files; every bad input is a ParseError with a caret.

symdiff reads text with a Lark LALR grammar and builds nodes from the tokens; it never calls
``eval``. These tests throw the injection attempts that break ``eval``-based parsers at
``parse`` and at the command line and check that nothing was executed (a sentinel file is
never created) and that the error points at the offending spot.
"""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys
import time

import pytest

import symdiff
from symdiff import ParseError, UnknownFunctionError, parse
from symdiff.cli import main
from symdiff.nodes import Var


@pytest.fixture
def sentinel(tmp_path):
    path = tmp_path / "pwned"
    yield path
    assert not path.exists(), "an input ran code"


def injections(target) -> list[str]:
    t = str(target)
    return [
        f"__import__('os').system('touch {t}')",
        f'__import__("os").system("touch {t}")',
        f"open('{t}', 'w').write('x')",
        f"exec(\"open('{t}','w')\")",
        "eval('1')",
        "().__class__.__bases__[0].__subclasses__()",
        "x.__class__",
        "x.__class__.__mro__",
        "sin.__globals__",
        "lambda: 0",
        "(lambda x: x)(1)",
        '"string"',
        "'a'",
        "globals()",
        "locals()['x']",
        "`x`",
        f"x; open('{t}', 'w')",
        f"x\nimport os; os.system('touch {t}')",
        "x\nprint(1)",
        "import os",
        "x if y else z",
        "[x for x in y]",
        "{x: y}",
        "x[0]",
        "x @ y",
        "x = 1",
        "x == y",
        "x := 1",
        "f'{x}'",
        "x # comment",
        "x % y",
        "x & y",
        "~x",
        "x << 2",
        "$x",
        "x.y",
        "\\x",
    ]


LOOKALIKES = [
    "х + 1",  # Cyrillic х
    "x + у",  # Cyrillic у
    "ѕin(x)",  # Cyrillic ѕ
    "１２ + x",  # fullwidth digits
    "ｓｉｎ(x)",  # fullwidth letters
    "x − 1",  # unicode minus
    "x – 1",  # en dash
    "x²",  # superscript two
    "x⁻¹",
    "x × y",
    "x ÷ y",
    "π",
    "ℯ^x",
    "½",
    "٣ + x",  # Arabic-Indic digit
    "x\u200b + 1",  # zero-width space
    "\ufeffx",  # byte-order mark
    "x\u00a0+ 1",  # no-break space
    "x\u2028+ 1",  # line separator
]

CONTROL = ["x\x00", "\x00", "x + \x00y", "x\x07", "\x1b[31mx", "x\x08", "x\x7f", "x\x0c+1", "x\x0b+1", "x\x1a"]


def _check_parse_error(text: str) -> ParseError:
    start = time.perf_counter()
    with pytest.raises(ParseError) as info:
        parse(text)
    assert time.perf_counter() - start < 30  # a hang guard: about 5 s on a slow shared machine
    err = info.value
    assert err.line >= 1 and err.column >= 1, str(err)
    assert "^" in err.context, str(err)
    return err


def test_injections_are_parse_errors_and_run_nothing(sentinel):
    for text in injections(sentinel):
        err = _check_parse_error(text)
        assert isinstance(err, (ParseError, UnknownFunctionError))
    assert not sentinel.exists()


def test_injections_through_the_cli_run_nothing(sentinel):
    for text in injections(sentinel):
        commands = (["eval", text], ["simplify", text], ["diff", text, "--wrt", "x"],
                    ["eval", "x", "--at", f"x={text}"])
        for argv in commands:
            out, err = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                status = main(argv)
            assert status == 2 and out.getvalue() == "", (argv, out.getvalue())
            assert err.getvalue().startswith("symdiff: error: ") and err.getvalue().count("\n") == 1, err.getvalue()


def test_injection_in_a_separate_process(sentinel):
    text = f"__import__('os').system('touch {sentinel}')"
    proc = subprocess.run([sys.executable, "-m", "symdiff", "eval", text], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith("symdiff: error: unexpected character")


def test_dunder_names_are_only_names():
    # a name is a variable, whatever it spells: nothing is looked up
    assert parse("__import__") is Var("__import__")
    assert parse("__class__ + os") is Var("__class__") + Var("os")
    with pytest.raises(UnknownFunctionError, match="unknown function '__import__'"):
        parse("__import__(os)")
    with pytest.raises(UnknownFunctionError, match="unknown function 'eval'"):
        parse("eval(x)")


@pytest.mark.parametrize("text", LOOKALIKES)
def test_lookalike_characters_are_refused(text):
    err = _check_parse_error(text)
    assert "unexpected character" in err.reason


@pytest.mark.parametrize("text", CONTROL)
def test_control_characters_and_nul_are_refused(text):
    err = _check_parse_error(text)
    assert "unexpected character" in err.reason
    assert "\x00" not in str(err).splitlines()[0]  # the message line shows the escape, not the byte


@pytest.mark.parametrize("text", ["", " ", "   ", "\n", "\t\n  \r\n", "()", "( )"])
def test_empty_input(text):
    _check_parse_error(text)


def test_very_long_names_are_just_names():
    name = "a" * 1_000_000
    assert parse(name) is Var(name)
    with pytest.raises(UnknownFunctionError):
        parse(name + "(x)")


def test_deeply_nested_parentheses():
    n = 100_000
    start = time.perf_counter()
    assert parse("(" * n + "x" + ")" * n) is Var("x")
    assert time.perf_counter() - start < 60  # a hang guard, not a speed target (benchmarks/)
    for text in ("(" * n + "x" + ")" * (n - 1), "(" * (n - 1) + "x" + ")" * n, "(" * n + ")" * n):
        _check_parse_error(text)


def test_the_cli_reports_deep_and_odd_input_on_one_line():
    for text in ("(" * 50_000 + "x", "x\x00", "х", "", "sin(" * 20_000 + "x"):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = main(["eval", text])
        assert status == 2 and err.getvalue().count("\n") == 1 and "Traceback" not in err.getvalue()


def test_non_str_input_is_a_type_error():
    for value in (b"x", 3, None, ["x"]):
        with pytest.raises(TypeError, match="parse\\(\\) needs a str"):
            parse(value)


def test_parse_never_calls_eval(monkeypatch):
    import builtins

    def forbidden(*args, **kwargs):
        raise AssertionError("eval or exec called")

    monkeypatch.setattr(builtins, "eval", forbidden)
    monkeypatch.setattr(builtins, "exec", forbidden)
    e = parse("sin(x)^2 + 2x*y - 3/4 + e^x + pi")
    assert symdiff.evaluate(e, {"x": 0.5, "y": 1.0}) > 0
    with pytest.raises(ParseError):
        parse("__import__('os')")


# -- regressions found by fuzz/fuzz_pipeline.py -------------------------------------------------
