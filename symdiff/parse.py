"""Text to expressions: grammar loading, the LALR parser and its error messages.

Owns ``parse`` and the translation of lark's errors into ``ParseError`` with a
caret excerpt. The syntax lives in ``grammar/symdiff.lark`` alone; this module
only builds nodes through the canonical constructors while lark parses (no parse
tree, no recursion), so 100,000-deep nesting works on the default recursion
limit. It never lists function names (the registry does) and never ``eval``s.
"""

from __future__ import annotations

import functools
import math
import re
import sys
from importlib import resources
from pathlib import Path

from lark import Lark, Token, Transformer
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from . import functions, limits
from .errors import ArityError, LimitError, ParseError, UnknownFunctionError
from .nodes import Const, Expr, Var, add, as_expr, mul, pow_
from .walk import gc_paused

#: Caret excerpts of longer source lines show a window around the spot.
_EXCERPT_WIDTH = 72

_MINUS_ONE = Const(-1)


def load_grammar() -> str:
    """The text of ``symdiff.lark``: from the installed package, else from the checkout.

    >>> "?start" in load_grammar()
    True
    """
    packaged = None
    try:
        packaged = resources.files("symdiff") / "grammar" / "symdiff.lark"
        if packaged.is_file():
            return packaged.read_text(encoding="utf-8")
    except (ModuleNotFoundError, OSError):
        pass
    # An editable install or a plain checkout keeps the file beside the package.
    checkout = Path(__file__).resolve().parent.parent / "grammar" / "symdiff.lark"
    if checkout.is_file():
        return checkout.read_text(encoding="utf-8")
    raise FileNotFoundError(f"symdiff grammar not found; looked in {packaged} and {checkout}")


# -- building nodes during the parse -------------------------------------------
#
# A chain of + and - (or of *, / and implicit products) collects its operands
# in a private list and builds the canonical node once, when the chain becomes
# an operand of something else or the result. Folding ``add(add(a, b), c)`` at
# every operator would rebuild the sum each time: quadratic on long inputs.


class _Terms(list):
    """Terms of a + / - chain still being read."""

    __slots__ = ()


class _Factors(list):
    """Factors of a * / / / implicit product chain still being read."""

    __slots__ = ()


def _done(value: Expr | list) -> Expr:
    kind = type(value)
    if kind is _Terms:
        return add(*value)
    if kind is _Factors:
        return mul(*value)
    return value


class _LocatedError(Exception):
    """A user error found in a callback; ``parse`` adds the caret excerpt."""

    def __init__(self, cls: type[ParseError], reason: str, token: Token, detail: str = ""):
        super().__init__(reason)
        self.cls, self.reason, self.token, self.detail = cls, reason, token, detail


def _term(left: Expr | list, right: Expr) -> _Terms:
    if type(left) is _Terms:
        left.append(right)
        return left
    return _Terms((_done(left), right))


def _factor(left: Expr | list, right: Expr) -> _Factors:
    if type(left) is _Factors:
        left.append(right)
        return left
    return _Factors((_done(left), right))


class _Build(Transformer):
    """Lark callbacks, one per aliased rule of the grammar, plus NUMBER.

    Each takes the list of kept children (plain methods, no ``v_args``: its
    wrappers cost a frame per call, and on 100,000 operands that shows).
    """

    def NUMBER(self, token: Token) -> Const:  # noqa: N802 (lark calls terminal callbacks by name)
        text = str(token)
        if "." in text or "e" in text or "E" in text:
            value = float(text)
            if not math.isfinite(value):
                raise _LocatedError(ParseError, "number too large", token, "it overflows a float")
            return Const(value)
        digits = limits.MAX_INT_DIGITS
        python = sys.get_int_max_str_digits() or digits  # a program may have lowered Python's
        if len(text) > min(digits, python):
            where = "symdiff.limits.MAX_INT_DIGITS" if digits <= python else "sys.get_int_max_str_digits()"
            raise _LocatedError(ParseError, "number too long", token,
                           f"{len(text):,} digits, the limit is {min(digits, python):,} ({where})")
        value = int(text)
        if value.bit_length() > limits.MAX_CONST_BITS:
            raise _LocatedError(ParseError, "number too large", token,
                           f"it has more than {limits.MAX_CONST_BITS:,} bits (symdiff.limits.MAX_CONST_BITS)")
        return Const(value)

    def var(self, children: list) -> Expr:
        name = str(children[0])
        constant = functions.lookup_constant(name)
        return constant if constant is not None else Var(name)

    def call(self, children: list) -> Expr:
        name = children[0]
        args = children[1] if len(children) > 1 else []
        try:
            spec = functions.lookup(str(name))
        except UnknownFunctionError as exc:
            # "unknown function 'foo'; known functions: ..." reads best with the position in the middle
            reason, _, known = exc.reason.partition("; ")
            raise _LocatedError(UnknownFunctionError, reason, name, known) from None
        if len(args) != spec.arity:
            try:
                functions.call(spec, *args)  # the registry words the arity message
            except ArityError as exc:
                raise _LocatedError(ArityError, exc.reason, name) from None
        return functions.call(spec, *args)

    def args(self, children: list) -> list[Expr]:
        return [_done(item) for item in children]

    def paren(self, children: list) -> Expr:
        return _done(children[0])

    # The right operand of + and - may be a product chain; that of * / ^ and
    # of an implicit product never is (a chain inside parentheses is closed by
    # ``paren``), so those skip _done.
    def add(self, children: list) -> _Terms:
        return _term(children[0], _done(children[1]))

    def sub(self, children: list) -> _Terms:
        return _term(children[0], -_done(children[1]))

    def mul(self, children: list) -> _Factors:
        return _factor(children[0], children[1])

    def div(self, children: list) -> _Factors:
        return _factor(children[0], pow_(children[1], _MINUS_ONE))

    def neg(self, children: list) -> Expr:
        return -children[0]

    def pow(self, children: list) -> Expr:
        return pow_(children[0], children[1])


@functools.cache
def _parser() -> Lark:
    # Built once (about 20 ms); lark's LALR loop is iterative, and with
    # transformer= the callbacks above run at each reduction: no tree is kept.
    return Lark(load_grammar(), parser="lalr", transformer=_Build())


# -- the public entry point ----------------------------------------------------


def parse(text: str) -> Expr:
    """Read an expression written in calculator syntax.

    ``+ - * /``, powers with ``^`` or ``**`` (right-associative, tighter than
    unary minus), implicit products such as ``2x`` and ``(x+1)(x-1)``, calls
    of registered functions, and the constants ``pi`` and ``e``.

    Args:
        text: the expression; it may span several lines.

    Returns:
        The canonical expression node.

    Raises:
        ParseError: bad syntax, with line, column and a caret excerpt
            (``UnknownFunctionError`` and ``ArityError`` for bad calls), or
            parentheses nested deeper than ``symdiff.limits.MAX_PAREN_DEPTH``.
        LimitError: input longer than ``symdiff.limits.MAX_INPUT_CHARS``.
        TypeError: ``text`` is not a str.

    >>> from symdiff.nodes import Var
    >>> parse("2x + x") is 3 * Var("x")
    True
    """
    if not isinstance(text, str):
        raise TypeError(f"parse() needs a str, not {type(text).__name__}")
    if len(text) > limits.MAX_INPUT_CHARS:
        raise LimitError(
            f"input is {len(text):,} characters long; the limit is MAX_INPUT_CHARS = {limits.MAX_INPUT_CHARS:,}"
            " (symdiff.limits.MAX_INPUT_CHARS)"
        )
    if not text.strip(" \t\r\n"):
        raise _error(ParseError, "empty expression", text, 1, 1)
    _check_nesting(text)
    try:
        with gc_paused():
            return _done(_parser().parse(text))
    except _LocatedError as exc:
        raise _error(exc.cls, exc.reason, text, exc.token.line, exc.token.column, exc.detail) from None
    except UnexpectedCharacters as exc:
        raise _error(ParseError, f"unexpected character {exc.char!r}", text, exc.line, exc.column) from None
    except UnexpectedToken as exc:
        raise _token_error(exc, text) from None
    except UnexpectedInput as exc:  # not raised by LALR today; kept so lark never leaks out
        raise _error(ParseError, "syntax error", text, max(exc.line, 1), max(exc.column, 1)) from None


def _check_nesting(text: str) -> None:
    """``ParseError`` at the first ``(`` deeper than ``symdiff.limits.MAX_PAREN_DEPTH``."""
    limit = limits.MAX_PAREN_DEPTH
    if text.count("(") <= limit:  # the usual case, at C speed
        return
    depth = 0
    for match in _PARENS.finditer(text):
        depth += 1 if match.group() == "(" else -1
        if depth > limit:
            offset = match.start()
            line = text.count("\n", 0, offset) + 1
            column = offset - text.rfind("\n", 0, offset)
            raise _error(ParseError, "parentheses nest too deeply", text, line, column,
                         f"the limit is {limit:,} levels (symdiff.limits.MAX_PAREN_DEPTH)")


_PARENS = re.compile(r"[()]")


# -- error messages ------------------------------------------------------------

_WORDS = {
    "NUMBER": "a number",
    "NAME": "a name",
    "LPAR": "'('",
    "RPAR": "')'",
    "COMMA": "','",
    "PLUS": "'+'",
    "MINUS": "'-'",
    "STAR": "'*'",
    "SLASH": "'/'",
    "_POW": "'^'",
    "$END": "end of input",
}
_OPERATORS = frozenset({"PLUS", "MINUS", "STAR", "SLASH", "_POW"})
_ORDER = ["NUMBER", "NAME", "LPAR", "sign", "RPAR", "COMMA", "PLUS", "MINUS", "STAR", "SLASH", "_POW",
          "operator", "$END"]
_GROUP_WORDS = {"sign": "a unary sign", "operator": "an operator"}



def as_input(value: object) -> Expr:
    """What the calculus and drawing functions accept: text (parsed), an Expr or a number.

    >>> as_input("x + x") is as_input(2 * Var("x"))
    True
    """
    return parse(value) if isinstance(value, str) else as_expr(value)

def _token_error(exc: UnexpectedToken, text: str) -> ParseError:
    token = exc.token
    if token.type == "$END":
        # lark puts $END at the last token; point just past the input instead.
        body = text.rstrip(" \t\r\n")
        line = body.count("\n") + 1
        column = len(body) - (body.rfind("\n") + 1) + 1
        what = "end of input"
    else:
        line, column = token.line, token.column
        value = str(token) if len(token) <= 20 else str(token)[:20] + "..."
        kind = {"NAME": "name ", "NUMBER": "number "}.get(token.type, "")
        what = f"{kind}{value!r}"
    return _error(ParseError, f"unexpected {what}", text, line, column, _expectation(_accepted(text, token)))


def _accepted(text: str, bad: Token) -> set[str]:
    """The terminals that could have stood where ``bad`` is.

    lark's own ``expected`` is read after LALR's default reductions (states are
    shared between contexts), so at ``(x+1`` it lists only ``')' '+' '-'``.
    Replaying the parse up to the bad token and asking before feeding it gives
    the exact set. Only runs on the error path.
    """
    cursor = _parser().parse_interactive(text)
    try:
        for token in cursor.iter_parse():
            if bad.type != "$END" and token.start_pos == bad.start_pos:
                break
    except UnexpectedInput:
        pass  # the lexer refused the bad token itself: the cursor stands just before it
    return cursor.accepts()


def _expectation(names: set[str] | frozenset[str]) -> str:
    """``{'RPAR', 'PLUS', ...}`` as words: "expected ')' or an operator"."""
    names = set(names)
    if _OPERATORS <= names:
        # After a complete operand, a name or '(' could only continue an
        # implicit product or a call; "an operator" says enough.
        names -= _OPERATORS | {"NAME", "LPAR"}
        names.add("operator")
    elif {"PLUS", "MINUS"} <= names and names & {"NUMBER", "NAME"}:
        names -= {"PLUS", "MINUS"}
        names.add("sign")
    words = [_GROUP_WORDS.get(n) or _WORDS.get(n, n) for n in _ORDER if n in names]
    words += sorted(_WORDS.get(n, n) for n in names if n not in _ORDER)
    if not words:
        return ""
    if len(words) == 1:
        return f"expected {words[0]}"
    return f"expected {', '.join(words[:-1])} or {words[-1]}"


def _error(cls: type[ParseError], reason: str, text: str, line: int, column: int, detail: str = "") -> ParseError:
    """``cls`` with position and caret excerpt; ``detail`` follows the position."""
    return cls(reason, line, column, _excerpt(text, line, column), hint=detail)


def _excerpt(text: str, line: int, column: int) -> str:
    """The source line (a window of it, if long) and a caret line under ``column``."""
    lines = text.split("\n")
    source = lines[line - 1] if 0 < line <= len(lines) else ""
    spot = column - 1
    start, end = 0, len(source)
    if len(source) > _EXCERPT_WIDTH:
        start = min(max(0, spot - _EXCERPT_WIDTH // 2), len(source) - _EXCERPT_WIDTH)
        end = start + _EXCERPT_WIDTH
    shown = "".join(_visible(ch) for ch in source[start:end])
    prefix = "..." if start > 0 else ""
    suffix = "..." if end < len(source) else ""
    return f"{prefix}{shown}{suffix}\n{' ' * (len(prefix) + spot - start)}^"


def _visible(ch: str) -> str:
    # One character out per character in, so the caret stays aligned; control
    # characters (NUL, line separators) would corrupt the message otherwise.
    if ch.isprintable():
        return ch
    return " " if ch in "\t\r" else "?"
