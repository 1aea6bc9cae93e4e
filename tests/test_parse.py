"""The parser: precedence table, implicit products, errors with carets, huge inputs."""

import importlib
import sys
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lark import Lark

from symdiff import functions as F
from symdiff import limits
from symdiff.errors import ArityError, LimitError, ParseError, SymdiffError, UnknownFunctionError
from symdiff.limits import MAX_CONST_BITS, MAX_INPUT_CHARS
from symdiff.nodes import Add, Call, Const, Mul, Var, add, mul, pow_
from symdiff.parse import load_grammar, parse

# The module itself: `symdiff.parse` the attribute is the function (the package re-exports it).
parse_module = importlib.import_module("symdiff.parse")

a, b, c, x, y = (Var(n) for n in "abcxy")
PI = F.lookup_constant("pi")
E = F.lookup_constant("e")


def neg(e):
    return mul(-1, e)


def div(p, q):
    return mul(p, pow_(q, -1))


TABLE = [
    # associativity and precedence
    ("a-b-c", add(a, neg(b), neg(c))),
    ("a-(b-c)", add(a, neg(add(b, neg(c))))),
    ("a/b/c", mul(a, pow_(b, -1), pow_(c, -1))),
    ("a/(b/c)", div(a, div(b, c))),
    ("a+b*c", add(a, mul(b, c))),
    ("(a+b)*c", mul(add(a, b), c)),
    ("-x^2", neg(pow_(x, 2))),
    ("-x**2", neg(pow_(x, 2))),
    ("(-x)^2", pow_(neg(x), 2)),
    ("2^3^2", Const(512)),
    ("(2^3)^2", Const(64)),
    ("x^y^2", pow_(x, pow_(y, 2))),
    ("x^-2", pow_(x, -2)),
    ("x^-y^2", pow_(x, neg(pow_(y, 2)))),
    ("x**2", pow_(x, 2)),
    ("x**y^2", pow_(x, pow_(y, 2))),
    ("+x", x),
    ("--x", x),
    ("-+-x", x),
    ("x*-y", neg(mul(x, y))),
    ("x^2*y", mul(pow_(x, 2), y)),
    # implicit multiplication, at the precedence of *
    ("2x", mul(2, x)),
    ("2 x", mul(2, x)),
    ("3(x+1)", mul(3, add(x, 1))),
    ("(x+1)(x-1)", mul(add(x, 1), add(x, -1))),
    ("(x+1)x", mul(add(x, 1), x)),
    ("2sin(x)", mul(2, F.call("sin", x))),
    ("sin(x)cos(x)", mul(F.call("sin", x), F.call("cos", x))),
    ("sin(x)(x+1)", mul(F.call("sin", x), add(x, 1))),
    ("2pi", mul(2, PI)),
    ("1/2x", mul(Fraction(1, 2), x)),
    ("x/2y", mul(Fraction(1, 2), x, y)),
    ("2x^2", mul(2, pow_(x, 2))),
    ("2(x+1)^2", mul(2, pow_(add(x, 1), 2))),
    ("x^2 y", mul(pow_(x, 2), y)),
    ("-2x", neg(mul(2, x))),
    ("2(x)y^-1", mul(2, x, pow_(y, -1))),
    ("2 -x", add(2, neg(x))),
    ("xy", Var("xy")),
    ("2x1", mul(2, Var("x1"))),
    # numbers
    ("12", Const(12)),
    ("1.5e-3", Const(1.5e-3)),
    ("2E+10", Const(2e10)),
    (".5", Const(0.5)),
    ("5.", Const(5.0)),
    ("2e3", Const(2000.0)),
    ("0007", Const(7)),
    # names, constants and calls
    ("w_12 + theta", add(Var("w_12"), Var("theta"))),
    ("_x", Var("_x")),
    ("pi", PI),
    ("e", E),
    ("pi()", PI),
    ("2e", mul(2, E)),
    ("e^x", F.call("exp", x)),
    ("max(x, y + 1)", F.call("max", x, add(y, 1))),
    ("sin(cos(x))", F.call("sin", F.call("cos", x))),
    ("sin", Var("sin")),
    # whitespace, including several lines
    ("  x\t+\n  2 *\r\n y  ", add(x, mul(2, y))),
    ("x +\n  y\n", add(x, y)),
    ("2x + x", mul(3, x)),
]


@pytest.mark.parametrize(("text", "expected"), TABLE, ids=[t for t, _ in TABLE])
def test_table(text, expected):
    assert parse(text) is expected


def test_integer_is_exact_and_decimals_are_floats():
    assert type(parse("12").value) is int
    for text in ("1.0", "1.5e-3", ".5", "5.", "1e3", "2E+10"):
        assert type(parse(text).value) is float, text
    assert parse("10^30") is Const(10**30)


def test_call_builds_a_call_node():
    result = parse("tanh(2x)")
    assert type(result) is Call and result.fn is F.lookup("tanh") and result.args == (mul(2, x),)


# -- errors ------------------------------------------------------------------


def caret_column(err: ParseError) -> int:
    """The 1-based column of the caret in the last line of the message."""
    last = str(err).splitlines()[-1]
    assert set(last) <= {" ", "^"} and last.count("^") == 1, last
    return last.index("^") + 1


ERRORS = [
    # (text, class, message (first line of str(err)), excerpt line, line, column)
    ("", ParseError, "empty expression at line 1, column 1", "", 1, 1),
    ("  \n\t ", ParseError, "empty expression at line 1, column 1", "  ", 1, 1),
    ("(x+1", ParseError, "unexpected end of input at line 1, column 5; expected ')' or an operator", "(x+1", 1, 5),
    ("x+1)", ParseError, "unexpected ')' at line 1, column 4; expected an operator or end of input", "x+1)", 1, 4),
    ("x +* y", ParseError,
     "unexpected '*' at line 1, column 4; expected a number, a name, '(' or a unary sign", "x +* y", 1, 4),
    ("x y", ParseError, "unexpected name 'y' at line 1, column 3; expected an operator or end of input", "x y", 1, 3),
    ("2 3", ParseError, "unexpected number '3' at line 1, column 3; expected an operator or end of input", "2 3", 1, 3),
    ("(x+1)2", ParseError,
     "unexpected number '2' at line 1, column 6; expected an operator or end of input", "(x+1)2", 1, 6),
    ("f(x y", ParseError, "unexpected name 'y' at line 1, column 5; expected ')', ',' or an operator", "f(x y", 1, 5),
    ("sin(", ParseError,
     "unexpected end of input at line 1, column 5; expected a number, a name, '(', a unary sign or ')'", "sin(", 1, 5),
    ("x = 3", ParseError, "unexpected character '=' at line 1, column 3", "x = 3", 1, 3),
    ("x..y", ParseError, "unexpected character '.' at line 1, column 2", "x..y", 1, 2),
    ("x\x00y", ParseError, "unexpected character '\\x00' at line 1, column 2", "x?y", 1, 2),
    ("2·x", ParseError, "unexpected character '·' at line 1, column 2", "2·x", 1, 2),
    ("θ + 1", ParseError, "unexpected character 'θ' at line 1, column 1", "θ + 1", 1, 1),
    ("__import__('os')", ParseError,
     "unexpected character \"'\" at line 1, column 12", "__import__('os')", 1, 12),
    ("1e999", ParseError, "number too large at line 1, column 1; it overflows a float", "1e999", 1, 1),
    ("x + 2e400x", ParseError, "number too large at line 1, column 5; it overflows a float", "x + 2e400x", 1, 5),
    ("x +\n  y z", ParseError, "unexpected name 'z' at line 2, column 5; expected an operator or end of input",
     "  y z", 2, 5),
    ("x +\n  2 *\n", ParseError,
     "unexpected end of input at line 2, column 6; expected a number, a name, '(' or a unary sign", "  2 *", 2, 6),
    ("foo(x)", UnknownFunctionError, "unknown function 'foo' at line 1, column 1; known functions: ", "foo(x)", 1, 1),
    ("x + e(2)", UnknownFunctionError, "unknown function 'e' at line 1, column 5; known functions: ", "x + e(2)", 1, 5),
    ("sin(x, y)", ArityError, "function 'sin' takes 1 argument, got 2 at line 1, column 1", "sin(x, y)", 1, 1),
    ("1 + sin()", ArityError, "function 'sin' takes 1 argument, got 0 at line 1, column 5", "1 + sin()", 1, 5),
    ("max(x)", ArityError, "function 'max' takes 2 arguments, got 1 at line 1, column 1", "max(x)", 1, 1),
    ("x*\n pi(1)", ArityError, "function 'pi' takes 0 arguments, got 1 at line 2, column 2", " pi(1)", 2, 2),
]


@pytest.mark.parametrize(("text", "cls", "message", "source", "line", "column"), ERRORS,
                         ids=[repr(e[0]) for e in ERRORS])
def test_errors(text, cls, message, source, line, column):
    with pytest.raises(cls) as info:
        parse(text)
    err = info.value
    assert type(err) is cls
    assert isinstance(err, ValueError) and isinstance(err, SymdiffError)
    first, excerpt, caret = str(err).split("\n")
    assert first.startswith(message) if message.endswith(": ") else first == message
    assert excerpt == source
    assert (err.line, err.column) == (line, column)
    assert caret_column(err) == column
    assert err.context == f"{excerpt}\n{caret}"
    assert err.__cause__ is None and (err.__context__ is None or err.__suppress_context__)  # no lark chain


def test_unknown_function_lists_the_known_ones():
    with pytest.raises(UnknownFunctionError) as info:
        parse("foo(x)")
    known = str(info.value).splitlines()[0].split("known functions: ")[1].split(", ")
    assert known == sorted(F.REGISTRY) and "sin" in known and "max" in known


def test_number_too_long():
    digits = "7" * 5000
    with pytest.raises(ParseError) as info:
        parse(f"x + {digits}")
    err = info.value
    first, excerpt, _ = str(err).split("\n")
    assert first == ("number too long at line 1, column 5; "
                     "5,000 digits, the limit is 4,300 (symdiff.limits.MAX_INT_DIGITS)")
    # a long line is cut to a window around the spot, the caret still under it
    assert excerpt.startswith("x + 777") and excerpt.endswith("...") and len(excerpt) < 100
    assert caret_column(err) == 5
    assert parse("7" * 100) is Const(int("7" * 100))


def test_integer_over_the_constant_bit_limit(monkeypatch):
    monkeypatch.setattr(limits, "MAX_CONST_BITS", 64)  # today 4,000 digits fit the real limit
    assert parse(str(2**64 - 1)) is Const(2**64 - 1)
    with pytest.raises(ParseError) as info:
        parse(f"x + {2**64}")
    assert str(info.value).splitlines()[0] == (
        "number too large at line 1, column 5; it has more than 64 bits (symdiff.limits.MAX_CONST_BITS)")


def test_long_line_excerpt_is_a_window_around_the_spot():
    text = "x + " * 1000 + "y y" + " + x" * 1000
    with pytest.raises(ParseError) as info:
        parse(text)
    err = info.value
    _, excerpt, caret = str(err).split("\n")
    assert err.column == 4003
    assert excerpt.startswith("...") and excerpt.endswith("...") and len(excerpt) == 72 + 6
    spot = caret.index("^")
    assert excerpt[spot] == "y" and excerpt[spot - 2] == "y"


def test_errors_from_constant_folding_propagate_unchanged():
    n = MAX_CONST_BITS - 10  # 2^n folds; its square does not fit
    with pytest.raises(LimitError, match="MAX_CONST_BITS"):
        parse(f"2^{n} * 2^{n}")
    with pytest.raises(LimitError, match="overflowed the float range"):
        parse("1e300 * 1e300")
    tower = parse("9^9^9^9")  # too big to fold: stays an unevaluated power
    assert tower is pow_(9, pow_(9, 387420489))


def test_input_limit_and_type():
    text = "x" * (MAX_INPUT_CHARS + 1)
    with pytest.raises(LimitError) as info:
        parse(text)
    assert "20,000,001 characters" in str(info.value) and "MAX_INPUT_CHARS" in str(info.value)
    for bad in (b"x + 1", None, 3, ["x"]):
        with pytest.raises(TypeError, match="needs a str"):
            parse(bad)


# -- huge inputs on the default recursion limit -------------------------------

N = 100_000


def test_limit_is_untouched():
    assert sys.getrecursionlimit() <= 1000


def test_deep_calls():
    result = parse("sin(" * N + "x" + ")" * N)
    sin = F.lookup("sin")
    depth = 0
    while type(result) is Call:
        assert result.fn is sin
        result, depth = result.args[0], depth + 1
    assert result is x and depth == N


def test_deep_parentheses_and_signs():
    assert parse("(" * N + "x" + ")" * N) is x
    assert parse("-" * N + "x") is x
    assert parse("-" * (N + 1) + "x") is neg(x)
    # the error path replays the parse: it must be iterative too
    with pytest.raises(ParseError) as info:
        parse("(" * N + "x")
    assert info.value.column == N + 2 and "expected ')' or an operator" in str(info.value)


def test_nesting_beyond_the_limit_is_refused_where_it_starts(monkeypatch):
    monkeypatch.setattr(limits, "MAX_PAREN_DEPTH", 3)
    assert parse("sin((x))") is F.lookup("sin")(x)  # a call's own parenthesis counts: 3 levels
    with pytest.raises(ParseError) as info:
        parse("(((x)))*y +\n  ((((y))))")
    err = info.value
    assert str(err) == ("parentheses nest too deeply at line 2, column 6; the limit is 3 levels "
                        "(symdiff.limits.MAX_PAREN_DEPTH)\n  ((((y))))\n     ^")
    assert parse("(((x)))*((y)) + (((y)))") is x * y + y  # 3 levels, many times: fine
    with pytest.raises(ParseError, match="column 16;"):
        parse("sin((x))+sin((((x))))")


def test_long_sum():
    ops = ["+", "+ 2*", "-"]
    text = "x0" + "".join(f" {ops[i % 3]} x{i}" for i in range(1, N))
    result = parse(text)
    assert type(result) is Add and len(result.args) == N
    coeffs = {1: 0, 2: 0, -1: 0}
    for term in result.args:
        coeffs[term.args[0].value if type(term) is Mul else 1] += 1
    assert coeffs == {1: N - 2 * (N // 3), 2: N // 3, -1: N // 3}
    assert neg(Var("x2")) in result.args and mul(2, Var("x1")) in result.args and Var("x3") in result.args


def test_long_product():
    # implicit products of parentheses, then divisions: one Mul of N + 1 factors
    text = "2" + "".join(f"(x{i})" for i in range(N // 2)) + "".join(f"/y{i}" for i in range(N // 2))
    result = parse(text)
    assert len(result.args) == N + 1 and result.args[0] is Const(2)
    assert Var("x5") in result.args and pow_(Var("y7"), -1) in result.args


# -- grammar -----------------------------------------------------------------


def test_grammar_has_no_conflicts():
    pytest.importorskip("interegular", reason="strict=True needs lark[interegular]")
    parser = Lark(load_grammar(), parser="lalr", strict=True)
    assert parser.parse("2x^2 y + sin(x)cos(x) - 1/2x").data == "sub"


def test_grammar_never_lists_function_names():
    grammar = load_grammar()
    assert Path(parse_module.__file__).parent.parent.joinpath("grammar", "symdiff.lark").read_text() == grammar
    for name in F.REGISTRY:
        assert f'"{name}"' not in grammar


def test_new_function_needs_no_grammar_change():
    F.register_function("cube_test", 1, lambda u: u**3, deriv=lambda u: [3 * u**2], replace=True)
    try:
        assert parse("2cube_test(x)").args[1] is F.call("cube_test", x)
    finally:
        del F.REGISTRY["cube_test"]


class _FakeResources:
    def __init__(self, root):
        self.root = root

    def files(self, package):
        return self.root


def test_grammar_loader_prefers_the_package_then_the_checkout(tmp_path, monkeypatch):
    (tmp_path / "grammar").mkdir()
    (tmp_path / "grammar" / "symdiff.lark").write_text("// packaged copy\n", encoding="utf-8")
    monkeypatch.setattr(parse_module, "resources", _FakeResources(tmp_path))
    assert load_grammar() == "// packaged copy\n"
    monkeypatch.setattr(parse_module, "resources", _FakeResources(tmp_path / "nowhere"))
    assert "?start" in load_grammar()
    monkeypatch.setattr(parse_module, "__file__", str(tmp_path / "site" / "symdiff" / "parse.py"))
    with pytest.raises(FileNotFoundError) as info:
        load_grammar()
    assert str(tmp_path / "nowhere" / "grammar" / "symdiff.lark") in str(info.value)
    assert str(tmp_path / "site" / "grammar" / "symdiff.lark") in str(info.value)


# -- properties ----------------------------------------------------------------

small = st.integers(min_value=0, max_value=10**6)


@given(st.lists(st.tuples(st.sampled_from("+-"), small), min_size=1, max_size=30))
def test_integer_sums_fold_exactly(terms):
    text = " ".join(f"{sign} {value}" for sign, value in terms)
    assert parse(text) is Const(sum(v if s == "+" else -v for s, v in terms))


@given(st.integers(min_value=1, max_value=99), st.sampled_from(["x", "(x+1)", "sin(x)", "pi", "y^2"]))
def test_implicit_product_equals_explicit(n, operand):
    assert parse(f"{n}{operand}") is parse(f"{n}*{operand}")
    assert parse(f"({operand}){operand}") is parse(f"({operand})*{operand}")
