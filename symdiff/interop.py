"""Conversion to and from SymPy (an optional extra: ``pip install 'symdiff[sympy]'``).

This module owns the one table between symdiff's function names and SymPy
(``_TO_SYMPY``); it never differentiates or evaluates. SymPy is imported inside
the two functions, so ``import symdiff`` does not import it.

The table, symdiff name -> SymPy:

================================  =======================================  ===========
symdiff                           SymPy                                    read back
================================  =======================================  ===========
sin cos tan asin acos atan        ``sin`` ... ``atan``                     yes
sinh cosh tanh exp log            ``sinh`` ... ``log``                     yes
abs, sign                         ``Abs``, ``sign``                        yes
max(a, b), min(a, b)              ``Max``, ``Min`` (n-ary read back as     yes
                                  nested binary calls)
step(u)                           ``Heaviside(u, 0)`` (step(0) = 0)        yes
sqrt(u)                           ``sqrt(u)``, which is ``Pow(u, 1/2)``    as ``u^(1/2)``
sigmoid(u)                        ``1/(1 + exp(-u))``                      as that
relu(u)                           ``Max(u, 0)``                            as ``max(u, 0)``
softplus(u)                       ``log(1 + exp(u))``                      as that
pi, e                             ``pi``, ``E``                            yes
a user's function ``f``           ``Function("f")(...)``                   if registered
================================  =======================================  ===========

A variable becomes a plain ``Symbol(name)`` (no assumptions), the symbol users
write and compare with; SymPy then treats it as complex, so it leaves
``sqrt(x**2)`` or ``log(exp(x))`` alone. For real assumptions, substitute:
``s.subs({Symbol("x"): Symbol("x", real=True)})``. Reading back, any ``Symbol``
becomes a ``Var`` of its name whatever its assumptions.

``from_sympy(to_sympy(e)) == e`` holds when SymPy's automatic evaluation leaves
the expression in the form symdiff builds (``sin(x)*y + 1``), but not for
sigmoid, relu, softplus and sqrt (read back as their definitions above), nor
for max and min, whose arguments SymPy sorts and deduplicates (``max(y, x)``
comes back as ``max(x, y)``, ``max(x, x)`` as ``x``), nor where SymPy rewrites
(``2*(x + 1)`` becomes ``2*x + 2``, ``sin(-x)`` becomes ``-sin(x)``). With
``evaluate=False`` SymPy keeps the other nodes as given, and the round trip holds.

Both conversions are iterative, memoized on the node. SymPy's own automatic
evaluation is recursive, though (``Expr.is_number`` walks the whole argument),
so ``to_sympy`` with ``evaluate=True`` fails on nested calls a few hundred deep
(``sin`` about 330, ``sigmoid`` about 80) with a ``SymdiffError`` saying so;
``evaluate=False`` builds unevaluated SymPy nodes at any depth, except under
``max``, ``min`` and ``relu``: SymPy's ``Max``/``Min`` sort their arguments
recursively even then. It also skips
SymPy's numeric evaluation of constants, which on extreme ones (an exponent of
``1e9``) can take very long.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from . import functions, limits
from .errors import ArityError, LimitError, SymdiffError, UnknownFunctionError
from .nodes import Add, Const, Expr, Mul, Pow, Var, add, as_expr, mul, pow_
from .walk import postorder

if TYPE_CHECKING:
    import sympy

#: symdiff function name -> SymPy. A string names a SymPy function class, used to
#: build the call and read back to the same name (invertible); a callable
#: ``(sympy, *args)`` is a definition and is not read back, except ``step``, read
#: back from ``Heaviside(u, 0)`` by ``_read_heaviside``.
_TO_SYMPY: dict[str, str | Callable[..., Any]] = {
    "sin": "sin",
    "cos": "cos",
    "tan": "tan",
    "asin": "asin",
    "acos": "acos",
    "atan": "atan",
    "sinh": "sinh",
    "cosh": "cosh",
    "tanh": "tanh",
    "exp": "exp",
    "log": "log",
    "abs": "Abs",
    "sign": "sign",
    "max": "Max",
    "min": "Min",
    "sqrt": lambda sp, u: sp.sqrt(u),  # Pow(u, 1/2) in SymPy
    "step": lambda sp, u: sp.Heaviside(u, 0),  # step(0) = 0
    "sigmoid": lambda sp, u: 1 / (1 + sp.exp(-u)),
    "relu": lambda sp, u: sp.Max(u, 0),
    "softplus": lambda sp, u: sp.log(1 + sp.exp(u)),
    "pi": lambda sp: sp.pi,
}

#: Read back n-ary SymPy Max/Min as nested binary calls.
_NARY = ("max", "min")


def _import_sympy() -> Any:
    try:
        import sympy
    except ImportError:
        raise SymdiffError("SymPy conversion needs SymPy: pip install 'symdiff[sympy]'") from None
    return sympy


def to_sympy(e: Expr | int | float | Fraction, *, evaluate: bool = True) -> sympy.Expr:
    """The SymPy expression for ``e``.

    Args:
        e: a symdiff expression or a real number.
        evaluate: let SymPy evaluate automatically, giving ordinary SymPy
            expressions; ``False`` keeps unevaluated nodes (needed beyond a few
            hundred nested calls, where SymPy's evaluation recurses too deep).

    Returns:
        A SymPy expression: variables are plain ``Symbol``s; functions follow the
        table in the module docstring; an unmapped function ``f`` is
        ``sympy.Function("f")``.

    Raises:
        SymdiffError: SymPy is missing, its evaluation recursed too deep, or it
            refused a node (``Max`` of the complex number ``(-2)^(1/2)``).

    >>> from symdiff import parse
    >>> to_sympy(parse("x^2*sin(y) + 1/3"))
    x**2*sin(y) + 1/3
    >>> to_sympy(parse("sigmoid(x)"))
    1/(1 + exp(-x))
    """
    sp = _import_sympy()
    e = as_expr(e)
    undefined: dict[str, Any] = {}
    memo: dict[Expr, Any] = {}
    with sp.evaluate(evaluate):
        try:
            for node in postorder(e):
                memo[node] = _build(sp, node, [memo[a] for a in node.args], undefined)
        except RecursionError:
            # Not ours: SymPy's automatic evaluation recurses over the argument.
            hint = (
                "; pass evaluate=False to build it unevaluated"
                if evaluate
                else " even with evaluate=False (SymPy's Max and Min, from max, min and relu, sort their arguments"
                " recursively)"
            )
            raise SymdiffError(f"SymPy recursed too deep on this expression{hint}") from None
    return memo[e]


def _build(sp: Any, node: Expr, args: list, undefined: dict[str, Any]) -> Any:
    kind = type(node)
    if kind is Const:
        value = node.value
        if isinstance(value, int):
            return sp.Integer(value)
        if isinstance(value, Fraction):
            return sp.Rational(value.numerator, value.denominator)
        return sp.Float(value)
    if kind is Var:
        return sp.Symbol(node.name)
    if kind is Add:
        return sp.Add(*args)
    if kind is Mul:
        return sp.Mul(*args)
    if kind is Pow:
        if sp.core.parameters.global_parameters.evaluate and _huge_power(sp, *args):
            # SymPy would compute the exact number (2^(2^64): a MemoryError, 9^9^9: minutes), and
            # would do so even for an unevaluated Pow as soon as a Mul around it evaluates
            raise LimitError(
                f"SymPy would compute {_excerpt(args[0])}^{_excerpt(args[1])} exactly, a number of over "
                f"{limits.MAX_CONST_BITS:,} bits (symdiff.limits.MAX_CONST_BITS); "
                "pass evaluate=False to keep it unevaluated"
            )
        return sp.Pow(*args)
    name = node.fn.name
    entry = _TO_SYMPY.get(name)
    try:
        if isinstance(entry, str):
            return getattr(sp, entry)(*args)
        if entry is not None:
            return entry(sp, *args)
    except ValueError as err:  # e.g. Max of a complex number such as (-2)^(1/2)
        raise SymdiffError(f"SymPy cannot build {name}({', '.join(map(_excerpt, args))}): {err}") from None
    fn = undefined.get(name)
    if fn is None:
        fn = undefined[name] = sp.Function(name)
    return fn(*args)


def _huge_power(sp: Any, base: Any, exp: Any) -> bool:
    """``base^exp`` is a number whose exact value would have more than ``symdiff.limits.MAX_CONST_BITS`` bits."""
    if not (isinstance(base, sp.Rational) and exp.is_number):
        return False
    size = max(abs(base.p), abs(base.q))
    if size <= 1:  # 0, 1 and -1 to any power stay small
        return False
    if isinstance(exp, sp.Rational):
        magnitude: float = abs(exp.p) // exp.q
    else:  # irrational (2^pi: small), or left unevaluated because it is huge itself (9^9^9)
        try:
            magnitude = float(abs(exp.evalf(15)))
        except (TypeError, ValueError, OverflowError):
            return True
    return not magnitude * size.bit_length() <= limits.MAX_CONST_BITS  # NaN counts as huge


def from_sympy(s: sympy.Basic | int | float | Fraction) -> Expr:
    """The symdiff expression for a SymPy expression (or a plain real number).

    Symbols become variables, SymPy numbers exact constants (``Float`` a float),
    ``E`` and ``pi`` the constants ``e`` and ``pi``, and functions come back by the
    table in the module docstring. An undefined function ``f(...)`` becomes the
    registered symdiff function ``f`` of the same arity.

    Raises:
        UnknownFunctionError: an undefined function that symdiff does not know.
        ArityError: one registered with another number of arguments.
        SymdiffError: anything else symdiff has no counterpart for (``I``,
            ``oo``, ``nan``, ``Integral``, ``Derivative``, ``Piecewise``,
            relations, ``Heaviside`` with ``H0`` other than 0, ...).

    >>> import sympy
    >>> x, y = sympy.symbols("x y")
    >>> str(from_sympy(sympy.Max(x, y, 0) + sympy.exp(x) / 2))
    'exp(x)/2 + max(max(0, x), y)'
    """
    sp = _import_sympy()
    if not isinstance(s, sp.Basic):
        if isinstance(s, numbers.Real) and not isinstance(s, bool):
            return as_expr(s)
        raise TypeError(f"from_sympy needs a SymPy expression or a real number, not {type(s).__name__}")
    read = _reader(sp)
    # Keyed by id (the root keeps every node alive): a dict keyed by the SymPy node
    # would compare equal-hash nodes with SymPy's ==, which recurses over the tree.
    memo: dict[int, Expr] = {}
    kids, make = read(s)
    stack = [[s, kids, make, 0]]
    while stack:
        frame = stack[-1]
        node, kids, make, i = frame
        while i < len(kids) and id(kids[i]) in memo:
            i += 1
        if i < len(kids):
            frame[3] = i + 1
            stack.append([kids[i], *read(kids[i]), 0])
            continue
        stack.pop()
        memo[id(node)] = make([memo[id(k)] for k in kids])
    return memo[id(s)]


Reading = tuple[tuple, Callable[[list[Expr]], Expr]]


def _reader(sp: Any) -> Callable[[Any], Reading]:
    """``read(node) -> (children to convert, make(converted children) -> Expr)``.

    Unsupported nodes fail here, before their children are visited, so the
    error names the outermost unsupported node.
    """
    back = {getattr(sp, entry): name for name, entry in _TO_SYMPY.items() if isinstance(entry, str)}
    applied_undef = sp.core.function.AppliedUndef

    def read(s: Any) -> Reading:
        kind = type(s)
        name = back.get(kind)
        if name is not None:
            if name in _NARY:
                return s.args, lambda a: _nested(name, a)
            return s.args, lambda a: functions.call(name, *a)
        if kind is sp.Add:
            return s.args, lambda a: add(*a)
        if kind is sp.Mul:
            return s.args, lambda a: mul(*a)
        if kind is sp.Pow:
            return s.args, lambda a: pow_(*a)
        if isinstance(s, sp.Symbol):
            return (), lambda a: Var(s.name)
        if isinstance(s, sp.Integer):
            return (), lambda a: Const(int(s))
        if isinstance(s, sp.Rational):
            return (), lambda a: Const(Fraction(int(s.p), int(s.q)))
        if isinstance(s, sp.Float):
            value = float(s)
            if not math.isfinite(value):
                raise SymdiffError(f"SymPy Float {_excerpt(s)} is outside the float range")
            return (), lambda a: Const(value)
        if s is sp.E or s is sp.pi:
            constant = functions.lookup_constant("e" if s is sp.E else "pi")
            return (), lambda a: constant
        if kind is sp.Heaviside:
            return _read_heaviside(sp, s)
        if isinstance(s, applied_undef):
            spec = _registered(kind.__name__, len(s.args))
            return s.args, lambda a: functions.call(spec, *a)
        raise SymdiffError(f"symdiff has no counterpart for SymPy {kind.__name__}: {_excerpt(s)}")

    return read


def _nested(name: str, args: list[Expr]) -> Expr:
    """``max(a, b, c)`` as ``max(max(a, b), c)``: SymPy's Max and Min are n-ary."""
    if not args:
        raise SymdiffError(f"SymPy {name.title()}() has no arguments")
    out = args[0]
    for a in args[1:]:
        out = functions.call(name, out, a)
    return out


def _read_heaviside(sp: Any, s: Any) -> Reading:
    # symdiff's step is Heaviside(u, 0); SymPy's default H0 is 1/2.
    if len(s.args) == 2 and isinstance(s.args[1], sp.Number) and s.args[1].is_zero:
        return s.args[:1], lambda a: functions.call("step", a[0])
    h0 = f"H0 = {_excerpt(s.args[1])}" if len(s.args) == 2 else "no H0"
    raise SymdiffError(
        f"symdiff has no counterpart for SymPy Heaviside with {h0}: symdiff's step(u) is Heaviside(u, 0)"
    )


def _registered(name: str, arity: int) -> functions.FunctionSpec:
    spec = functions.REGISTRY.get(name)
    if spec is None:
        raise UnknownFunctionError(
            f"SymPy function {name!r} is not a symdiff function; register it with symdiff.register_function"
        )
    if spec.arity != arity:
        raise ArityError(f"SymPy function {name!r} has {arity} arguments, symdiff's {name!r} takes {spec.arity}")
    return spec


def _excerpt(s: Any, limit: int = 80) -> str:
    try:
        text = str(s)
    except RecursionError:
        return "(too deep to print)"
    except ValueError:  # an integer over Python's 4300-digit str() limit
        return "(a number too long to print)"
    return text if len(text) <= limit else text[: limit - 3] + "..."


__all__ = ["from_sympy", "to_sympy"]
