"""The ``symdiff`` command: a thin argparse front end over the public API.

Any ``SymdiffError`` or bad option ends in one line on stderr and exit status
2, never a traceback. ``check`` exits with 1 when the gradients disagree.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Callable, Sequence
from typing import Any

from . import __version__, limits
from .diff import diff, gradient, hessian
from .errors import EvaluationError, SymdiffError
from .evaluate import evaluate
from .nodes import Expr, Var
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


def _latex_number(value: float) -> str:
    if not math.isfinite(value):
        return r"\mathrm{NaN}" if math.isnan(value) else ("-" if value < 0 else "") + r"\infty"
    mantissa, e, power = _format(value).partition("e")
    return rf"{mantissa} \cdot 10^{{{int(power)}}}" if e else mantissa


def _json_number(value: float) -> float | str:
    # strict JSON has no NaN or Infinity: those become the strings "nan", "inf", "-inf"
    return value + 0.0 if math.isfinite(value) else _format(value)


def _nested(fn: Callable[[Any], Any], item: Any) -> Any:
    """``fn`` applied to every entry of an item, a list or a matrix (lists of lists)."""
    if isinstance(item, list):
        return [_nested(fn, x) for x in item]
    return fn(item)


def _show(item: Any, style: str) -> str:
    """An expression or a number, or a matrix of them, as text (``[[a, b], [c, d]]``) or LaTeX (``pmatrix``)."""
    if isinstance(item, list):
        if style == "latex":
            rows = r" \\ ".join(" & ".join(_show(x, style) for x in row) for row in item)
            return rf"\begin{{pmatrix}} {rows} \end{{pmatrix}}"
        return "[" + ", ".join(_show(x, style) for x in item) + "]"
    if isinstance(item, Expr):
        return latex(item) if style == "latex" else str(item)
    return _latex_number(item) if style == "latex" else _format(item)


def _var_names(text: str) -> list[str]:
    """The value of ``--wrt``: variable names separated by commas (argparse ``type``)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("no variable names given; expected names separated by commas, e.g. x,y")
    names = [item.strip() for item in text.split(",")]
    where = f" in {text.strip()!r}" if len(names) > 1 else ""
    for name in names:
        if not name:
            raise argparse.ArgumentTypeError(f"empty variable name{where}")
        try:
            ok = type(parse(name)) is Var  # the grammar's NAME, and not a constant such as pi or e
        except SymdiffError:
            ok = False
        if not ok:
            raise argparse.ArgumentTypeError(f"{name!r} is not a variable name{where}")
    return names


def _order(text: str) -> int:
    """The value of ``--order`` (argparse ``type``)."""
    text = text.strip()
    if not text.isdecimal():
        raise argparse.ArgumentTypeError(f"expected a whole number 0 or more, got {text!r}")
    limit = limits.MAX_ORDER
    if len(text.lstrip("0")) > len(str(limit)) or int(text) > limit:
        raise argparse.ArgumentTypeError(f"an order over {limit} is refused (symdiff.limits.MAX_ORDER)")
    return int(text)


def _read_wrt(args: argparse.Namespace, expr: Expr, *, mixed: bool) -> list[str]:
    """``--wrt``, or by default the free variables (``mixed``: diff's one variable, repeats allowed)."""
    if args.wrt is None:
        names = list(_free(expr))
        if not names or (mixed and len(names) > 1):
            which = f"several variables ({', '.join(names)})" if names else "no variables"
            raise _Usage(f"EXPR has {which}; say which to differentiate by with --wrt, e.g. --wrt x")
        return names
    if not mixed:
        for i, name in enumerate(args.wrt):
            if name in args.wrt[:i]:
                raise _Usage(f"argument --wrt: variable {name!r} is listed twice")
    return args.wrt


def _read_point(args: argparse.Namespace, expr: Expr, items: list[str] | None = None) -> dict[str, float] | None:
    """The ``--at`` values, or ``items`` (None without them); every variable of ``expr`` must have one."""
    items = args.at if items is None else items
    if not items:
        return None
    point = parse_assignments(",".join(items))
    for name in _free(expr):
        if name not in point:
            raise EvaluationError(f"no value given for variable {name!r}")
    return point


def _style(args: argparse.Namespace) -> str:
    return "latex" if args.latex else "text"


def _label(steps: Sequence[str], style: str) -> str:
    """The name of a derivative of f, one variable name per differentiation, in text or LaTeX.

    >>> _label(["x"], "text"), _label(["x", "x", "y"], "text"), _label([], "text")
    ('df/dx', 'd^3f/dx^2 dy', 'f')
    >>> print(_label(["x", "y"], "latex"))
    \\frac{\\partial^{2} f}{\\partial x \\partial y}
    """
    runs: list[list[Any]] = []
    for name in steps:
        if runs and runs[-1][0] == name:
            runs[-1][1] += 1
        else:
            runs.append([name, 1])
    n = len(steps)
    if not n:
        return "f"
    if style == "latex":
        top = r"\partial f" if n == 1 else rf"\partial^{{{n}}} f"
        bottom = " ".join(rf"\partial {latex(Var(v))}" + (f"^{{{k}}}" if k > 1 else "") for v, k in runs)
        return rf"\frac{{{top}}}{{{bottom}}}"
    top = "df" if n == 1 else f"d^{n}f"
    return top + "/" + " ".join(f"d{v}" + (f"^{k}" if k > 1 else "") for v, k in runs)


def _report(args: argparse.Namespace, expr: Expr, wrt: list[str], names: str | list[str], result: Any,
            key: str, extra: dict[str, Any] | None = None) -> str:
    """The output of diff, grad and hessian: ``NAME = RESULT`` lines (plus `` = VALUE`` with ``--at``) or JSON.

    ``result`` is an expression, a list or a matrix of them; ``names`` is its one
    name, or one name per entry of a list (one line each). The JSON object has the
    result under ``key`` and, with ``--at``, ``"at"`` and ``"value"`` or ``"values"``.
    """
    point = _read_point(args, expr)
    values = None if point is None else _nested(lambda e: evaluate(e, point), result)
    if args.json:
        out: dict[str, Any] = {"expression": str(expr), "wrt": wrt, **(extra or {}), key: _nested(str, result)}
        if point is not None:
            out["at"] = {name: _json_number(v) for name, v in point.items()}
            out["value" if isinstance(result, Expr) else "values"] = _nested(_json_number, values)
        return json.dumps(out, allow_nan=False)
    style = _style(args)
    if isinstance(names, str):  # one line for the whole result
        names, result, values = [names], [result], None if values is None else [values]
    return "\n".join(
        f"{name} = {_show(item, style)}" + ("" if values is None else f" = {_show(values[i], style)}")
        for i, (name, item) in enumerate(zip(names, result, strict=True))
    )


def _cmd_eval(args: argparse.Namespace) -> str:
    expr = parse(args.expr)
    return _format(evaluate(expr, _read_point(args, expr) or {}))


def _cmd_simplify(args: argparse.Namespace) -> str:
    expr = simplify(parse(args.expr))
    return latex(expr) if args.latex else str(expr)


def _cmd_diff(args: argparse.Namespace) -> str:
    expr = parse(args.expr)
    wrt = _read_wrt(args, expr, mixed=True)
    if args.order is not None and len(wrt) > 1:
        raise _Usage("argument --order: give a single --wrt variable with --order; "
                     "for a mixed partial repeat the names, e.g. --wrt x,x,y")
    steps = wrt * (1 if args.order is None else args.order)
    derivative = diff(expr, *steps) if steps else expr  # diff(expr) alone would pick a variable itself
    return _report(args, expr, wrt, _label(steps, _style(args)), derivative, "derivative", {"order": len(steps)})


def _cmd_grad(args: argparse.Namespace) -> str:
    expr = parse(args.expr)
    wrt = _read_wrt(args, expr, mixed=False)
    labels = [_label([v], _style(args)) for v in wrt]
    return _report(args, expr, wrt, labels, gradient(expr, wrt), "gradient")


def _cmd_hessian(args: argparse.Namespace) -> str:
    expr = parse(args.expr)
    wrt = _read_wrt(args, expr, mixed=False)
    names = ", ".join(_show(Var(v), _style(args)) for v in wrt)
    return _report(args, expr, wrt, f"H({names})", hessian(expr, wrt), "hessian")


def _cmd_render(args: argparse.Namespace) -> str:
    from .render import render  # graphviz is only needed here

    expr = parse(args.expr)
    path = render(expr, args.output, at=_read_point(args, expr), gradients=args.gradients,
                  derivative=args.derivative, tree=args.tree, title=args.title, max_nodes=args.max_nodes)
    return f"wrote {path}"


def _cmd_check(args: argparse.Namespace) -> tuple[str, int]:
    from .numeric import check_gradient

    expr = parse(args.expr)
    check = check_gradient(expr, _read_point(args, expr) or {}, h=args.h, rtol=args.rtol)
    return str(check), 0 if check.ok else 1


def _cmd_minimize(args: argparse.Namespace) -> str:
    from .optimize import minimize

    expr = parse(args.expr)
    start = _read_point(args, expr, args.start) or {}
    result = minimize(expr, start, method=args.method, lr=args.lr, steps=args.steps, tol=args.tol,
                      maximize=args.maximize)
    state = "converged" if result.converged else result.message
    lines = [f"{name} = {_format(value)}" for name, value in result.x.items()]  # in --from order
    return "\n".join([*lines, f"value = {_format(result.value)}", f"steps = {result.steps} ({state})"])


def _positive(text: str, least: int = 1) -> int:
    """A whole number ``least`` (1) or more (argparse ``type``)."""
    text = text.strip()
    if not text.isdecimal() or len(text) > 9 or int(text) < least:
        raise argparse.ArgumentTypeError(f"expected a whole number {least} or more, got {text!r}")
    return int(text)


def _count(text: str) -> int:
    """A whole number 0 or more (argparse ``type``)."""
    return _positive(text, least=0)


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

    _calculus_parser(sub, "diff", "print a derivative", _cmd_diff, _DIFF_HELP, mixed=True)
    _calculus_parser(sub, "grad", "print the gradient (all first partial derivatives)", _cmd_grad, _GRAD_HELP)
    _calculus_parser(sub, "hessian", "print the Hessian matrix (all second partial derivatives)", _cmd_hessian,
                     _HESSIAN_HELP)

    p = sub.add_parser("render", help="draw the expression graph with Graphviz",
                       description="Draw EXPR as a graph (each shared subexpression once) to the file given by "
                       "-o; the suffix picks the format: .png, .svg, .pdf or .dot.",
                       epilog=_RENDER_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("expr", metavar="EXPR", help="the expression, e.g. '(x+y)*z'")
    p.add_argument("-o", "--output", metavar="PATH", required=True, help="the file to write, e.g. graph.png")
    p.add_argument("--at", metavar="X=V,...", action="append",
                   help="show each node's value at this point, e.g. x=-2,y=5,z=-4; may be repeated")
    p.add_argument("--gradients", action="store_true",
                   help="with --at, also show d(EXPR)/d(node) at every node (backpropagation)")
    p.add_argument("--derivative", metavar="X", help="draw EXPR and its derivative by X in one picture")
    p.add_argument("--tree", action="store_true", help="draw a tree: a shared node once per use")
    p.add_argument("--title", metavar="TEXT", help="a title above the picture")
    p.add_argument("--max-nodes", metavar="N", type=_positive,
                   help="refuse graphs with more nodes than this (default: symdiff.limits.MAX_RENDER_NODES)")
    p.set_defaults(run=_cmd_render)

    p = sub.add_parser("check", help="check the gradient against reverse mode and finite differences",
                       description="Compare, for each variable of EXPR at the --at point, the symbolic gradient "
                       "(evaluated), reverse mode (backprop) and central differences. Relative errors are "
                       "|a - b| / max(|a|, |b|, 1), against the symbolic value. Exit status 0 when all agree "
                       "within --rtol, 1 on a mismatch.",
                       epilog=_CHECK_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("expr", metavar="EXPR", help="the expression, e.g. 'x^2*y + y + 2'")
    p.add_argument("--at", metavar="X=V,...", action="append",
                   help="the point, e.g. x=3,y=4 (values may be pi/2 etc.); may be repeated")
    p.add_argument("--h", metavar="F", type=float, default=1e-6,
                   help="the absolute finite-difference step (default 1e-6)")
    p.add_argument("--rtol", metavar="F", type=float, default=1e-6,
                   help="largest relative error accepted (default 1e-6)")
    p.set_defaults(run=_cmd_check)

    p = sub.add_parser("minimize", help="minimize (or maximize) an expression numerically",
                       description="Minimize EXPR starting from the --from point, with gradients from symdiff; "
                       "prints the variables at the end, the value there and the number of steps.",
                       epilog=_MINIMIZE_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("expr", metavar="EXPR", help="the expression, e.g. 'w^2 - 2*w + 5'")
    p.add_argument("--from", dest="start", metavar="X=V,...", action="append", required=True,
                   help="the starting point, e.g. x=3,y=4; may be repeated")
    p.add_argument("--method", choices=_METHODS, default="gd",
                   help="the algorithm (default gd, gradient descent; newton uses the Hessian)")
    p.add_argument("--lr", metavar="F", type=float, help="learning rate (default: the method's own)")
    p.add_argument("--steps", metavar="N", type=_count, default=1000, help="at most N steps (default 1000)")
    p.add_argument("--tol", metavar="F", type=float, default=1e-8, help="convergence tolerance (default 1e-8)")
    p.add_argument("--maximize", action="store_true", help="maximize EXPR instead")
    p.set_defaults(run=_cmd_minimize)
    return parser


_METHODS = ["gd", "momentum", "nesterov", "adagrad", "adam", "newton"]

_CHECK_HELP = """
example:
  $ symdiff check "x^2*y + y + 2" --at x=3,y=4
  var   symbolic     reverse      numeric      rel.err(rev)  rel.err(num)
  x     24           24           24.000000    0             0
  y     10           10           10.000000    0             5.3e-10
  all agree within 1e-06
"""

_MINIMIZE_HELP = """
examples:
  $ symdiff minimize "w^2 - 2*w + 5" --from w=0 --method newton
  w = 1
  value = 4
  steps = 1 (converged)
  $ symdiff minimize "4 - (x-1)^2 - 2*(y+2)^2" --from x=0,y=0 --maximize --method newton
  x = 1
  y = -2
  value = 4
  steps = 1 (converged)

Without --method, plain gradient descent (gd) with the method's default --lr.
"""


_RENDER_HELP = """
examples:
  $ symdiff render "(x+y)*z" --at x=-2,y=5,z=-4 --gradients -o circuit.png
  wrote circuit.png
  $ symdiff render "x^2*y + y + 2" --derivative x -o derivative.svg
  wrote derivative.svg

Pictures need the Graphviz 'dot' program; .dot output works without it.
"""


_OUTPUT_HELP = """
output: f stands for EXPR; df/dx is its derivative by x, d^2f/dx^2 the second,
  d^2f/dx dy the derivative by x and then by y. Each result is one line
  NAME = RESULT, or NAME = RESULT = VALUE with --at (numbers as 'symdiff eval'
  prints them). --latex prints the same lines in LaTeX. --json prints one JSON
  object instead, with the keys
    {keys}
  Numbers are JSON numbers, except NaN and infinities: "nan", "inf", "-inf".
"""
_DIFF_HELP = (
    "Differentiate EXPR by the --wrt variable(s), --order times (default once).",
    _OUTPUT_HELP.format(keys='"expression", "wrt", "order" (the total), "derivative"; with --at "at", "value"')
    + """
examples:
  $ symdiff diff "x^3" --order 2
  d^2f/dx^2 = 6*x
  $ symdiff diff "(x+y)^2" --wrt x --at x=5,y=-6
  df/dx = 2*(x + y) = -2
  $ symdiff diff "x^2*y" --wrt x,y
  d^2f/dx dy = 2*x
""",
)
_GRAD_HELP = (
    "Differentiate EXPR by each --wrt variable (default: all its variables, sorted), one line each.",
    _OUTPUT_HELP.format(keys='"expression", "wrt", "gradient"; with --at "at", "values" (lists in --wrt order)')
    + """
example:
  $ symdiff grad "x^2*y + y + 2" --at x=3,y=4
  df/dx = 2*x*y = 24
  df/dy = x^2 + 1 = 10
""",
)
_HESSIAN_HELP = (
    "The matrix of second partial derivatives of EXPR, H(x, y) with rows and columns in --wrt order "
    "(default: all its variables, sorted). Text prints it as a list of rows, LaTeX as a pmatrix.",
    _OUTPUT_HELP.format(keys='"expression", "wrt", "hessian"; with --at "at", "values" (lists of rows)')
    + """
example:
  $ symdiff hessian "x^2*y + y + 2" --at x=3,y=4
  H(x, y) = [[2*y, 2*x], [2*x, 0]] = [[8, 6], [6, 0]]
""",
)


def _calculus_parser(sub: Any, name: str, summary: str, run: Callable[[argparse.Namespace], str],
                     help_text: tuple[str, str], mixed: bool = False) -> argparse.ArgumentParser:
    """A subcommand with the options of diff, grad and hessian: EXPR, --wrt (--order), --at, --latex | --json."""
    description, epilog = help_text
    p = sub.add_parser(name, help=summary, description=description, epilog=epilog,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("expr", metavar="EXPR", help="the expression, e.g. 'x^2*y + y + 2'")
    p.add_argument("--wrt", metavar="X,...", type=_var_names,
                   help="variables separated by commas" + (", applied in turn (a mixed partial)" if mixed else "")
                   + "; default: the variables of EXPR" + (" (if it has just one)" if mixed else ""))
    if mixed:
        p.add_argument("--order", metavar="N", type=_order, help="differentiate N times (default 1; 0 gives EXPR)")
    p.add_argument("--at", metavar="X=V,...", action="append",
                   help="also evaluate at this point, e.g. x=3,y=4 (values may be pi/2 etc.); may be repeated")
    style = p.add_mutually_exclusive_group()
    style.add_argument("--latex", action="store_true", help="print LaTeX instead of text")
    style.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(run=run)
    return p


def _protect_negative_expressions(argv: Sequence[str], parser: argparse.ArgumentParser) -> list[str]:
    # argparse takes "-x^2" for an option; a leading space keeps it positional
    # (the grammar ignores the space). Real options are all spelled out.
    options = {"-h", "--help", "--version", "--at", "--latex", "-o"}
    out = []
    for token in argv:
        if token.startswith("-") and token not in options and not token.startswith("--") and len(token) > 1:
            token = " " + token
        out.append(token)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 1 a failed check, 2 on any error).

    >>> main(["eval", "x^2*y + y + 2", "--at", "x=3,y=4"])
    42
    0
    """
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = parser.parse_args(_protect_negative_expressions(argv, parser))
        result = args.run(args)  # the output text, or (text, exit status) for a command that can fail a check
        text, status = result if isinstance(result, tuple) else (result, 0)
        print(text)
    except SymdiffError as err:
        message = str(err).splitlines()[0] if str(err) else type(err).__name__
        print(f"symdiff: error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("symdiff: interrupted", file=sys.stderr)
        return 130
    return status
