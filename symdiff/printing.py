"""Printers: ``str`` (infix text the parser reads back), ``repr`` (node structure) and LaTeX.

This module owns turning nodes into strings and nothing else: it never builds or
rewrites nodes. It undoes the canonical form of ``nodes.py`` for display:
``Add(x, Mul(-1, y))`` prints ``x - y``, ``Mul(x, Pow(y, -1))`` prints ``x/y``,
and the constant term of a sum, stored first, prints last.

Every printer is an emitter with an explicit work stack: an item is either a
string fragment, appended to one output list, or a node with a context, which
expands into more items. The list is joined once at the end. There is no
recursion (depth 100,000 prints on the default recursion limit) and no
memoized string per node (that would be quadratic on long chains). A heavily
shared DAG can be exponentially large as a tree, so ``to_str`` and ``latex``
first count the tree and refuse beyond ``symdiff.limits.MAX_TREE_NODES``; ``to_repr`` never
raises and shows a summary instead.
"""

from __future__ import annotations

import functools
import re
import string
from collections.abc import Callable
from fractions import Fraction
from typing import Any

from . import limits
from .errors import LimitError
from .nodes import Add, Call, Const, Expr, Mul, Pow, Var
from .walk import fold

# Contexts: where a node is printed decides its parentheses.
_TOP = 0  # anywhere a whole expression may stand: top level, call argument, exponent braces
_FACTOR = 1  # a factor of a product
_BASE = 2  # the base of a power
_EXPO = 3  # the exponent of a power (text only; LaTeX braces it)
_NEG = 4  # the negation of a negative Const or Mul, after a ``-`` printed by the caller
_DEN = 5  # a denominator factor ``(_DEN, base, k)``: prints ``base^k`` for k > 0

# A separator in a LaTeX product: `` \cdot `` before a digit, else a space. It is
# resolved after emission, when the next fragment is known.
_SEP = object()


# -- shared helpers --------------------------------------------------------------


def _tree_size(e: Expr) -> tuple[int, int]:
    """(nodes as a tree, distinct nodes); Python ints, so 2**200 is fine."""
    if not isinstance(e, Expr):
        raise TypeError(f"expected an expression, not {type(e).__name__}")
    memo = fold(e, lambda node, kids: 1 + sum(kids))
    return memo[e], len(memo)


def _check_size(e: Expr, what: str) -> None:
    tree, distinct = _tree_size(e)
    if tree > limits.MAX_TREE_NODES:
        raise LimitError(
            f"expression is too large to print as {what}: {tree:,} nodes as a tree ({distinct:,} distinct); "
            f"the limit is symdiff.limits.MAX_TREE_NODES = {limits.MAX_TREE_NODES:,}"
        )


def _int_text(v: int) -> str:
    try:
        return str(v)
    except ValueError:  # past Python's int-to-str digit limit
        raise LimitError(f"an integer constant of {v.bit_length():,} bits is too long to print") from None


def _is_neg_const(node: Expr) -> bool:
    return type(node) is Const and node.value < 0


def _is_plain_number(node: Expr) -> bool:
    """A non-negative int or float constant: needs no parentheses as a base or exponent."""
    return type(node) is Const and type(node.value) is not Fraction and node.value >= 0


def _neg_exp(node: Expr) -> bool:
    """A power with a negative constant exponent (LaTeX prints it as a fraction)."""
    return type(node) is Pow and type(node.args[1]) is Const and node.args[1].value < 0


def _is_e(node: Expr) -> bool:
    """``exp(1)``, printed as the constant ``e``."""
    if type(node) is not Call or node.fn.name != "exp":
        return False
    arg = node.args[0]
    return type(arg) is Const and type(arg.value) is int and arg.value == 1


def _is_negative_term(node: Expr) -> bool:
    """A term that prints with a leading minus: a negative Const or coefficient."""
    if type(node) is Const:
        return node.value < 0
    return type(node) is Mul and type(node.args[0]) is Const and node.args[0].value < 0


def _text_den(node: Expr) -> bool:
    """A power that text prints as a division ``1/base^k``: a negative constant exponent,
    except for a constant base, which would fold with other constants when read back
    (``1/(2*0)`` is ``1/0``), so ``Pow(0, -1)`` stays ``0^(-1)``.
    """
    return _neg_exp(node) and type(node.args[0]) is not Const


def _split_mul(
    node: Expr, negate: bool, in_den: Callable[[Expr], bool]
) -> tuple[bool, Any, int, list[Expr], list[Expr]]:
    """(negative, |numerator coefficient|, denominator int, numerator factors, denominator powers)."""
    args = node.args
    if type(args[0]) is Const:
        coeff, rest = args[0].value, args[1:]
    else:
        coeff, rest = 1, args
    if negate:
        coeff = -coeff
    negative = coeff < 0
    if negative:
        coeff = -coeff
    p, q = (coeff.numerator, coeff.denominator) if type(coeff) is Fraction else (coeff, 1)
    # sums last, as people write them: sigmoid(x)*(1 - sigmoid(x)), 2*x*(x + 1)
    num = [f for f in rest if not in_den(f) and type(f) is not Add] + [f for f in rest if type(f) is Add]
    den = [f for f in rest if in_den(f)]
    return negative, p, q, num, den


def _factor_needs_parens(node: Expr) -> bool:
    """A sum, product, negative or fractional constant as a factor, in text and LaTeX alike."""
    kind = type(node)
    return kind is Add or kind is Mul or (kind is Const and (node.value < 0 or type(node.value) is Fraction))


def _sum_parts(node: Add) -> list:
    """Work items of a sum, text and LaTeX alike: terms joined by ' + ', negative ones by ' - '."""
    parts: list = []
    for i, term in enumerate(_sum_terms(node)):
        if _is_negative_term(term):
            parts += [" - " if i else "-", (_NEG, term)]
        else:
            parts += [" + ", (_TOP, term)] if i else [(_TOP, term)]
    return parts


def _sum_terms(node: Expr) -> tuple[Expr, ...]:
    # The constant is stored first (sort rank 0); print it last, unless every
    # term before it is negative: a positive term leads, as in 1 - tanh(x)^2.
    args = node.args
    terms = args[1:] + args[:1] if type(args[0]) is Const else args
    if _is_negative_term(terms[0]):
        for i, term in enumerate(terms):
            if not _is_negative_term(term):
                return (term, *terms[:i], *terms[i + 1 :])
    return terms


def _run(root: Expr, expand: Callable[[tuple], Any], var_text: Callable[[str], str]) -> list:
    """Drive an emitter: pop items, append strings, expand node items in place.

    A variable never needs parentheses, so its text is appended directly (a fast path).
    """
    out: list = []
    append = out.append
    stack: list = [(_TOP, root)]
    pop, extend = stack.pop, stack.extend
    while stack:
        item = pop()
        if type(item) is str:
            append(item)
        elif type(item) is tuple:
            if len(item) == 2 and type(item[1]) is Var:
                append(var_text(item[1].name))
                continue
            parts = expand(item)
            if type(parts) is str:
                append(parts)
            else:
                parts.reverse()
                extend(parts)
        else:
            append(item)
    return out


# -- infix text --------------------------------------------------------------------


def _num_text(v: Any) -> str:
    if type(v) is float:
        return repr(v)
    if type(v) is Fraction:
        return f"{_int_text(v.numerator)}/{_int_text(v.denominator)}"
    return _int_text(v)


def _text_parens(node: Expr, ctx: int) -> bool:
    kind = type(node)
    if ctx == _FACTOR:
        return _factor_needs_parens(node)
    if ctx == _BASE:
        return not (kind is Var or kind is Call or _is_plain_number(node))
    if ctx == _EXPO:
        # ^ is right-associative: x^y^z is x^(y^z); a power that prints as 1/.. needs parentheses
        return not (kind is Var or kind is Call or _is_plain_number(node) or (kind is Pow and not _text_den(node)))
    return False


def _text_expand(item: tuple) -> Any:
    ctx = item[0]
    if ctx == _DEN:
        _, base, k = item
        if k == 1:
            paren = (
                type(base) in (Add, Mul)
                or _is_neg_const(base)
                or _neg_exp(base)
                or (type(base) is Const and type(base.value) is Fraction)
            )
            return ["(", (_TOP, base), ")"] if paren else [(_TOP, base)]
        exp_text = f"({_num_text(k)})" if type(k) is Fraction else _num_text(k)
        return [(_BASE, base), "^" + exp_text]
    node = item[1]
    if ctx == _NEG:
        if type(node) is Const:
            return _num_text(-node.value)
        return _text_mul(node, True)
    if ctx != _TOP and _text_parens(node, ctx):
        return ["(", (_TOP, node), ")"]
    kind = type(node)
    if kind is Var:
        return node.name
    if kind is Const:
        return _num_text(node.value)
    if kind is Add:
        return _sum_parts(node)
    if kind is Mul:
        return _text_mul(node, False)
    if kind is Pow:
        base, exp = node.args
        if _text_den(node):
            return ["1/", (_DEN, base, -exp.value)]
        return [(_BASE, base), "^", (_EXPO, exp)]
    if kind is Call:
        if _is_e(node):
            return "e"
        if not node.args:
            return node.fn.name
        parts = [node.fn.name + "("]
        for i, arg in enumerate(node.args):
            if i:
                parts.append(", ")
            parts.append((_TOP, arg))
        parts.append(")")
        return parts
    raise TypeError(f"cannot print {kind.__name__}")


def _text_mul(node: Expr, negate: bool) -> list:
    negative, p, q, num, den = _split_mul(node, negate, _text_den)
    parts: list = ["-"] if negative else []
    # an int coefficient 1 is implied; a float 1.0 is not (x*1.0 would fold to x)
    if not num or type(p) is not int or p != 1:
        parts.append(_num_text(p))
    for f in num:
        if len(parts) > (1 if negative else 0):
            parts.append("*")
        parts.append((_FACTOR, f))
    dens: list = [_int_text(q)] if q != 1 else []
    dens += [(_DEN, f.args[0], -f.args[1].value) for f in den]
    if dens:
        parts.append("/")
        if len(dens) == 1:
            parts.append(dens[0])
        else:
            parts.append("(")
            for i, d in enumerate(dens):
                if i:
                    parts.append("*")
                parts.append(d)
            parts.append(")")
    return parts


def to_str(e: Expr) -> str:
    """Infix text that ``parse`` reads back to the same node; ``str(e)`` calls it.

    Args:
        e: the expression.

    Returns:
        Text with ``+ - * / ^``, calls ``name(a, b)``, ``pi`` and ``e``.

    Raises:
        LimitError: the expression has more than ``symdiff.limits.MAX_TREE_NODES`` nodes as a tree.

    >>> from symdiff.nodes import symbols
    >>> x, y = symbols("x y")
    >>> to_str(x**2 * y - 2 / x + 1)
    'x^2*y - 2/x + 1'
    """
    _check_size(e, "text")
    return "".join(_run(e, _text_expand, str))


# -- repr ---------------------------------------------------------------------------


def _repr_expand(item: tuple) -> Any:
    node = item[1]
    kind = type(node)
    if kind is Const:
        value = node.value
        return f"Const({value!r})" if type(value) is not int else f"Const({_int_text(value)})"
    if kind is Var:
        return f"Var({node.name!r})"
    if kind is Call:
        parts: list = [f"Call({node.fn.name!r}"]
        for arg in node.args:
            parts += [", ", (_TOP, arg)]
    else:
        parts = [kind.__name__ + "("]
        for i, arg in enumerate(node.args):
            if i:
                parts.append(", ")
            parts.append((_TOP, arg))
    parts.append(")")
    return parts


def _var_repr(name: str) -> str:
    return f"Var({name!r})"


def to_repr(e: Expr) -> str:
    """The node structure written as constructor calls, as a tree; ``repr(e)`` calls it.

    Never raises: an expression over ``symdiff.limits.MAX_TREE_NODES`` as a tree shows a summary.

    >>> from symdiff.nodes import Var
    >>> to_repr(2 + 3 * Var("x"))
    "Add(Const(2), Mul(Const(3), Var('x')))"
    """
    tree, distinct = _tree_size(e)
    if tree <= limits.MAX_TREE_NODES:
        try:
            return "".join(_run(e, _repr_expand, _var_repr))
        except LimitError:
            pass  # a constant too long to print: fall through to the summary
    return f"<Expr: {distinct} distinct nodes, {tree} as a tree; too large to show>"


# -- LaTeX --------------------------------------------------------------------------

_GREEK = frozenset(
    (
        "alpha",
        "beta",
        "gamma",
        "delta",
        "epsilon",
        "varepsilon",
        "zeta",
        "eta",
        "theta",
        "vartheta",
        "iota",
        "kappa",
        "lambda",
        "mu",
        "nu",
        "xi",
        "pi",
        "varpi",
        "rho",
        "varrho",
        "sigma",
        "varsigma",
        "tau",
        "upsilon",
        "phi",
        "varphi",
        "chi",
        "psi",
        "omega",
        "Gamma",
        "Delta",
        "Theta",
        "Lambda",
        "Xi",
        "Pi",
        "Sigma",
        "Upsilon",
        "Phi",
        "Psi",
        "Omega",
    )
)
_SUBSCRIPT_RE = re.compile(r"([A-Za-z][A-Za-z0-9]*?)_([A-Za-z0-9]+)\Z")
_DIGITS_RE = re.compile(r"([A-Za-z]+)([0-9]+)\Z")
_TEMPLATES: dict[tuple[str, int], list] = {}


def _latex_word(word: str) -> str:
    if len(word) == 1 or word.isdigit():
        return word
    if word in _GREEK:
        return "\\" + word
    return r"\mathrm{" + word.replace("_", r"\_") + "}"


@functools.lru_cache(maxsize=4096)
def _latex_name(name: str) -> str:
    """``x``, ``\\alpha``, ``x_{1}``, ``w_{12}``, ``\\theta_{1}``, ``\\mathrm{rate}``."""
    match = _SUBSCRIPT_RE.match(name) or _DIGITS_RE.match(name)
    if match:
        base, sub = match.groups()
        return f"{_latex_word(base)}_{{{_latex_word(sub)}}}"
    return _latex_word(name)


def _latex_num(v: Any) -> str:
    if type(v) is Fraction:
        sign = "-" if v < 0 else ""
        return rf"{sign}\frac{{{_int_text(abs(v.numerator))}}}{{{_int_text(v.denominator)}}}"
    if type(v) is float:
        text = repr(v)
        if "e" in text:
            mantissa, power = text.split("e")
            return rf"{mantissa} \cdot 10^{{{int(power)}}}"
        return text
    return _int_text(v)


def _template(spec_latex: str, arity: int) -> list:
    """A LaTeX template split once into literal pieces and argument indices.

    A field that names no argument (``{hyp2}`` from an unescaped name) is kept as
    literal text, so a slightly wrong template still prints; an unbalanced one prints as is.
    """
    key = (spec_latex, arity)
    pieces = _TEMPLATES.get(key)
    if pieces is None:
        pieces = []
        auto = 0
        try:
            parsed = list(string.Formatter().parse(spec_latex))
        except ValueError:
            parsed = [(spec_latex, None, None, None)]
        for literal, field, spec, conversion in parsed:
            if literal:
                pieces.append(literal)
            if field is None:
                continue
            if field == "":
                field, auto = str(auto), auto + 1
            if field.isdigit() and int(field) < arity:
                pieces.append(int(field))
            else:
                extra = (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "")
                pieces.append("{" + field + extra + "}")
        _TEMPLATES[key] = pieces
    return pieces


def _latex_parens(node: Expr, ctx: int) -> bool:
    kind = type(node)
    if ctx == _FACTOR:
        return _factor_needs_parens(node)
    if ctx == _BASE:
        if kind is Var:
            return False
        if kind is Call:
            return "^" in node.fn.latex  # e^{x} as a base would be a double superscript
        if kind is Const:
            return not _is_plain_number(node) or "e" in repr(node.value)
        return True
    return False


def _latex_expand(item: tuple) -> Any:
    ctx = item[0]
    if ctx == _DEN:
        _, base, k = item
        if k == 1:
            return [(_FACTOR, base)]
        if k == Fraction(1, 2):
            return [r"\sqrt{", (_TOP, base), "}"]
        return [(_BASE, base), "^{" + _latex_num(k) + "}"]
    node = item[1]
    if ctx == _NEG:
        if type(node) is Const:
            return _latex_num(-node.value)
        return _latex_mul(node, True)
    if ctx != _TOP and _latex_parens(node, ctx):
        return [r"\left(", (_TOP, node), r"\right)"]
    kind = type(node)
    if kind is Var:
        return _latex_name(node.name)
    if kind is Const:
        return _latex_num(node.value)
    if kind is Add:
        return _sum_parts(node)
    if kind is Mul:
        return _latex_mul(node, False)
    if kind is Pow:
        base, exp = node.args
        if type(exp) is Const and exp.value < 0:
            k = -exp.value
            return [r"\frac{1}{", (_TOP, base) if k == 1 else (_DEN, base, k), "}"]
        if type(exp) is Const and exp.value == Fraction(1, 2) and type(exp.value) is Fraction:
            return [r"\sqrt{", (_TOP, base), "}"]
        return [(_BASE, base), "^{", (_TOP, exp), "}"]
    if kind is Call:
        if _is_e(node):
            return "e"
        return [p if type(p) is str else (_TOP, node.args[p]) for p in _template(node.fn.latex, len(node.args))]
    raise TypeError(f"cannot print {kind.__name__}")


def _latex_product(items: list) -> list:
    out: list = []
    for i, it in enumerate(items):
        if i:
            out.append(_SEP)
        out.append(it)
    return out


def _latex_mul(node: Expr, negate: bool) -> list:
    negative, p, q, num, den = _split_mul(node, negate, _neg_exp)
    nums: list = [_latex_num(p)] if not num or type(p) is not int or p != 1 else []
    nums += [(_FACTOR, f) for f in num]
    dens: list = [_int_text(q)] if q != 1 else []
    dens += [(_DEN, f.args[0], -f.args[1].value) for f in den]
    parts: list = ["-"] if negative else []
    if not dens:
        return parts + _latex_product(nums)
    # a lone sum needs no parentheses inside \frac{..}{..}
    if len(nums) == 1 and type(nums[0]) is tuple:
        nums = [(_TOP, nums[0][1])]
    if len(dens) == 1 and type(dens[0]) is tuple and dens[0][2] == 1:
        dens = [(_TOP, dens[0][1])]
    return [*parts, r"\frac{", *_latex_product(nums), "}{", *_latex_product(dens), "}"]


def _resolve_separators(out: list) -> list:
    """Turn each product separator into `` \\cdot `` before a digit and a space otherwise."""
    for i, frag in enumerate(out):
        if frag is _SEP:
            j = i + 1
            while j < len(out) and (out[j] is _SEP or out[j] == ""):
                j += 1
            nxt = out[j] if j < len(out) else ""
            out[i] = r" \cdot " if nxt[:1].isdigit() else " "
    return out


def latex(e: Expr) -> str:
    """LaTeX for ``e``, without surrounding ``$``; ``Expr._repr_latex_`` wraps it.

    Args:
        e: the expression.

    Returns:
        LaTeX math: ``\\frac`` for quotients, ``\\sqrt`` for square roots, the
        registry's template for each call, Greek letters and subscripts for names.

    Raises:
        LimitError: the expression has more than ``symdiff.limits.MAX_TREE_NODES`` nodes as a tree.

    >>> from symdiff.nodes import symbols
    >>> alpha, x1 = symbols("alpha x1")
    >>> print(latex(alpha * x1**2 / 3))
    \\frac{\\alpha x_{1}^{2}}{3}
    """
    _check_size(e, "LaTeX")
    return "".join(_resolve_separators(_run(e, _latex_expand, _latex_name)))
