"""The ``symdiff`` command: a thin argparse front end over the public API.

Any ``SymdiffError`` or bad option ends in one line on stderr and exit status
2, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import __version__
from .errors import SymdiffError
from .evaluate import evaluate
from .nodes import Expr
from .parse import parse
from .printing import latex
from .simplify import simplify


class _Usage(SymdiffError):
    """A bad command line (argparse's own complaints included)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise _Usage(f"{message} (see '{self.prog} --help')")


def parse_assignments(text: str) -> dict[str, float]:
    """``"x=3,y=pi/2"`` -> ``{"x": 3.0, "y": 1.5707963267948966}``; values may be constant expressions.

    >>> parse_assignments("x=3, y=-1/2")
    {'x': 3.0, 'y': -0.5}
    """
    values: dict[str, float] = {}
    for item in text.split(","):
        name, eq, value = item.partition("=")
        name, value = name.strip(), value.strip()
        if not eq or not name or not value:
            raise _Usage(f"malformed assignment {item.strip()!r} in {text!r}: expected name=value, e.g. x=3,y=4")
        if name in values:
            raise _Usage(f"variable {name!r} is given twice in {text!r}")
        expr = parse(value)
        if not isinstance(expr, Expr) or _free(expr):
            raise _Usage(f"the value of {name!r} must be a number, got {value!r}")
        values[name] = float(evaluate(expr, {}))
    return values


def _free(expr: Expr) -> tuple[str, ...]:
    from .walk import free_vars

    return free_vars(expr)


def _format(value: float) -> str:
    return f"{value + 0.0:.15g}"  # + 0.0 turns -0.0 into 0.0


def _cmd_eval(args: argparse.Namespace) -> str:
    expr = parse(args.expr)
    values = parse_assignments(",".join(args.at)) if args.at else {}
    return _format(evaluate(expr, values))


def _cmd_simplify(args: argparse.Namespace) -> str:
    expr = simplify(parse(args.expr))
    return latex(expr) if args.latex else str(expr)


def build_parser() -> argparse.ArgumentParser:
    """The argparse parser of the ``symdiff`` command (documented by ``--help``)."""
    parser = _Parser(
        prog="symdiff",
        description="Symbolic differentiation on expression graphs. Expressions use + - * / ^ "
        "(or **), implicit products like 2x, and functions such as sin, exp, log, sigmoid, max.",
    )
    parser.add_argument("--version", action="version", version=f"symdiff {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    p = sub.add_parser("eval", help="evaluate an expression at a point",
                       description="Evaluate EXPR with the variables given by --at.",
                       epilog='example: symdiff eval "x^2*y + y + 2" --at x=3,y=4')
    p.add_argument("expr", metavar="EXPR", help="the expression, e.g. 'x^2*y + y + 2'")
    p.add_argument("--at", metavar="X=V,...", action="append",
                   help="variable values, e.g. x=3,y=4 (values may be pi/2 etc.); may be repeated")
    p.set_defaults(run=_cmd_eval)

    p = sub.add_parser("simplify", help="print an expression in simplified canonical form",
                       description="Parse EXPR and print it simplified (like terms and factors "
                       "collected, constants folded).",
                       epilog='example: symdiff simplify "2x + 3x - x^2/x"')
    p.add_argument("expr", metavar="EXPR", help="the expression")
    p.add_argument("--latex", action="store_true", help="print LaTeX instead of text")
    p.set_defaults(run=_cmd_simplify)
    return parser


def _protect_negative_expressions(argv: Sequence[str], parser: argparse.ArgumentParser) -> list[str]:
    # argparse takes "-x^2" for an option; a leading space keeps it positional
    # (the grammar ignores the space). Real options are all spelled out.
    options = {"-h", "--help", "--version", "--at", "--latex"}
    out = []
    for token in argv:
        if token.startswith("-") and token not in options and not token.startswith("--") and len(token) > 1:
            token = " " + token
        out.append(token)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 2 on any error).

    >>> main(["eval", "x^2*y + y + 2", "--at", "x=3,y=4"])
    42
    0
    """
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = parser.parse_args(_protect_negative_expressions(argv, parser))
        print(args.run(args))
    except SymdiffError as err:
        message = str(err).splitlines()[0] if str(err) else type(err).__name__
        print(f"symdiff: error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("symdiff: interrupted", file=sys.stderr)
        return 130
    return 0
