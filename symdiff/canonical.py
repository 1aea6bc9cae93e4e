"""Canonical constructors: ``add``, ``mul``, ``pow_`` and ``rebuild``.

They normalize cheaply, the way SymPy's automatic evaluation does: flatten,
fold exact constants (bounded by ``symdiff.limits.MAX_CONST_BITS``), drop identities, collect
like terms and like factors, and sort arguments by the nodes' deterministic
key, in O(n log n) for n arguments. Anything more expensive belongs in
``simplify.py``.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

from . import limits
from .errors import LimitError
from .nodes import (
    Add,
    Call,
    Const,
    Expr,
    Mul,
    Number,
    Pow,
    Var,
    _check_size,
    _make,
    _sorted,
    as_expr,
    call,
    symbols,  # noqa: F401  (the doctests use it)
)

_ONE = Const(1)
_MINUS_ONE = Const(-1)
_MINUS_ONE_FLOAT = Const(-1.0)
_PLAIN_FACTOR = (Var, Add, Pow, Call)
_NODE_KINDS = frozenset((Const, Var, Add, Mul, Pow, Call))


def _coefficient(value: Number) -> Number:
    """The numeric factor of a product: -1.0 is -1, since -1.0*x has no other print form than -x."""
    return -1 if value == -1 else value


def _with_coeff(coeff: Number, factors: tuple) -> Expr:
    """``coeff`` times the product of ``factors`` (canonical, without a coefficient)."""
    if coeff == 1:
        return factors[0] if len(factors) == 1 else _make(Mul, factors)
    return _make(Mul, (Const(_coefficient(coeff)),) + factors)


def add(*terms: Any) -> Expr:
    """The canonical sum of ``terms``: flattened, like terms collected, sorted.

    >>> x, y = symbols("x y")
    >>> str(add(x, y, x, 2, -2))
    '2*x + y'
    """
    if len(terms) == 2 and type(terms[0]) is Const and type(terms[1]) is Const:
        return Const(_tidy(_exact_sum([terms[0].value, terms[1].value])))
    consts: list[Number] = []
    # Like terms are found by their factors less the coefficient, as a tuple:
    # building ``x*y`` from ``3*x*y`` just to look it up made a node per term.
    # factors -> [coefficient, the original term]; once merged: [[coefficients], None]
    coeffs: dict[tuple, list] = {}
    for term in terms:
        if type(term) not in _NODE_KINDS:
            term = as_expr(term)
        for part in term.args if type(term) is Add else (term,):
            kind = type(part)
            if kind is Const:
                consts.append(part.value)
                continue
            if kind is Mul:
                args = part.args
                if type(args[0]) is Const:
                    coeff, rest = args[0].value, args[1:]
                else:
                    coeff, rest = 1, args
            else:
                coeff, rest = 1, (part,)
            seen = coeffs.get(rest)
            if seen is None:
                coeffs[rest] = [coeff, part]
            elif seen[1] is not None:
                seen[0], seen[1] = [seen[0], coeff], None
            else:
                seen[0].append(coeff)
    out = []
    for rest, (coeff, orig) in coeffs.items():
        if orig is not None:
            out.append(orig)
            continue
        total = _tidy(_exact_sum(coeff))
        if total != 0:
            out.append(_with_coeff(total, rest))
    const = _tidy(_exact_sum(consts)) if consts else 0
    if not out:
        return Const(const)
    if const != 0:
        out.append(Const(const))
    if len(out) == 1:
        return out[0]
    return _make(Add, _sorted(out))


def mul(*factors: Any) -> Expr:
    """The canonical product of ``factors``: like factors merged, coefficient first.

    >>> x = Var("x")
    >>> str(mul(x, 3, x ** -1, x))
    '3*x'
    """
    if len(factors) == 2:
        fast = _mul_const_term(*factors)
        if fast is not None:
            return fast
    elif len(factors) == 1:
        return as_expr(factors[0])
    else:
        fast = _mul_consts_and_term(factors)
        if fast is not None:
            return fast
    consts: list[Number] = []
    # base -> the one factor seen with that base; bases seen twice or more also
    # collect all their factors in ``like``. A factor alone with its base is
    # already canonical and goes out as it is, without being rebuilt.
    single: dict[Expr, Expr] = {}
    like: dict[Expr, list[Expr]] = {}
    for factor in factors:
        if type(factor) not in _NODE_KINDS:
            factor = as_expr(factor)
        for part in factor.args if type(factor) is Mul else (factor,):
            kind = type(part)
            if kind is Const:
                consts.append(part.value)
                continue
            base = part.args[0] if kind is Pow else part
            first = single.get(base)
            if first is None:
                single[base] = part
            else:
                like.setdefault(base, [first]).append(part)
    if 0 in consts:
        return Const(_tidy(_exact_prod(consts)))
    out: list[Expr] = []
    new_base = False  # a merged factor whose base is not the one it was merged under
    for base, part in single.items():
        parts = like.get(base)
        if parts is None:
            out.append(part)
            continue
        factor = _merged(base, parts)
        kind = type(factor)
        if kind is Const:
            consts.append(factor.value)
        elif kind is Mul:
            # (x*y)^n distributed, or a folded root like 2^(3/2) = 2*2^(1/2):
            # fold its coefficient, keep its other factors (already merged).
            if type(factor.args[0]) is Const:
                consts.append(factor.args[0].value)
                out.extend(factor.args[1:])
            else:
                out.extend(factor.args)
            new_base = True
        else:
            out.append(factor)
            if (factor.args[0] if kind is Pow else factor) is not base:
                new_base = True
    if new_base and _has_like_factors(out):  # (x^a)^n folded to x^(a*n) may meet x
        return mul(*consts, *out)
    return _product(consts, out)


def _product(consts: list[Number], factors: list[Expr]) -> Expr:
    """The product of numbers and of factors with distinct bases: folded, sorted, interned."""
    coeff = _tidy(_exact_prod(consts)) if consts else 1
    if coeff == 0 or not factors:
        return Const(coeff)
    coeff = _coefficient(coeff)
    if len(factors) == 1 and coeff == 1:
        return factors[0]
    args = _sorted(factors)
    return _make(Mul, args if coeff == 1 else (Const(coeff),) + args)


def _merged(base: Expr, parts: list[Expr]) -> Expr:
    """The product of ``parts``, all powers of ``base``: base^(sum of exponents)."""
    kind = type(base)
    if len(parts) == 2 and (kind is Var or kind is Add or (kind is Call and not _is_e(base))):
        # the common merge, u^a*u^b with small integers a, b (u*u, u^2/u): no general pow_
        a, b = map(_small_int_exponent, parts)
        if a is not None and b is not None:
            n = a + b
            if n == 0:
                return _ONE
            return base if n == 1 else _make(Pow, (base, Const(n)))
    numeric: list[Number] = []
    symbolic: list[Expr] = []
    for p in parts:
        if type(p) is not Pow:
            numeric.append(1)
        elif type(p.args[1]) is Const:
            numeric.append(p.args[1].value)
        else:
            symbolic.append(p.args[1])
    number = _exact_sum(numeric) if numeric else 0
    total = add(number, *symbolic) if symbolic else Const(_tidy(number))
    return pow_(base, total)


def _small_int_exponent(factor: Expr) -> int | None:
    if type(factor) is not Pow:
        return 1
    exp = factor.args[1]
    if type(exp) is Const and type(exp.value) is int and -_SMALL < exp.value < _SMALL:
        return exp.value
    return None


def factor_bases(product: Expr) -> dict[Expr, int]:
    """Where each base sits among a canonical product's factors, for ``replace_factor``.

    >>> x, y = symbols("x y")
    >>> factor_bases(3 * x**2 * y) == {x: 1, y: 2}
    True
    """
    return {(f.args[0] if type(f) is Pow else f): i for i, f in enumerate(product.args) if type(f) is not Const}


def replace_factor(product: Expr, i: int, d: Expr, bases: dict[Expr, int]) -> Expr:
    """``mul`` of ``product``'s factors with the i-th replaced by ``d``: the product rule's term.

    The other factors are canonical already (distinct bases, in order), so only
    the factors of ``d`` are merged into them, O(len(d)) lookups in ``bases``
    (from ``factor_bases(product)``) instead of a merge of every factor.

    >>> x, y = symbols("x y")
    >>> p = 3 * x**2 * y
    >>> str(replace_factor(p, 2, 2 * x, factor_bases(p)))
    '6*x^3'
    """
    args = product.args
    rest: list[Expr | None] = list(args)
    rest[i] = None
    consts: list[Number] = []
    if type(args[0]) is Const:
        consts.append(args[0].value)
        rest[0] = None
    new: list[Expr] = []
    for part in d.args if type(d) is Mul else (d,):
        kind = type(part)
        if kind is Const:
            consts.append(part.value)
            continue
        base = part.args[0] if kind is Pow else part
        j = bases.get(base)
        if j is None or j == i:
            new.append(part)
            continue
        factor = _merged(base, [args[j], part])
        kind = type(factor)
        if kind is Const:
            consts.append(factor.value)
            rest[j] = None
        elif kind is Mul or (factor.args[0] if kind is Pow else factor) is not base:
            return mul(*args[:i], *args[i + 1 :], d)  # a new base may meet another factor
        else:
            rest[j] = factor
    out = [f for f in rest if f is not None]
    out += new
    return _product(consts, out)


# Exact ints below this many bits skip the size check: their sum or product of
# two stays far under limits.MAX_CONST_BITS. Most folding is of small ints (2*x, -1*u).
_SMALL = 1 << 62


def _exact_sum(values: list[Number]) -> Number:
    """The sum whatever the order: floats are added exactly, then rounded once."""
    if len(values) == 1:
        return values[0]
    if len(values) == 2:
        a, b = values
        if type(a) is int and type(b) is int and -_SMALL < a < _SMALL and -_SMALL < b < _SMALL:
            return a + b
    for v in values:
        if type(v) is float:
            return _round(sum(Fraction(v) for v in values))
    return _check_size(sum(values))


def _exact_prod(values: list[Number]) -> Number:
    """The product whatever the order: floats are multiplied exactly, then rounded once."""
    if len(values) == 1:
        return values[0]
    if len(values) == 2:
        a, b = values
        if type(a) is int and type(b) is int and -_SMALL < a < _SMALL and -_SMALL < b < _SMALL:
            return a * b
    for v in values:
        if type(v) is float:
            return _round(math.prod(Fraction(v) for v in values))
    return _check_size(math.prod(values))


def _round(exact: Fraction) -> float:
    try:
        return float(exact)
    except OverflowError:
        raise LimitError("a constant overflowed the float range while folding") from None


def _mul_const_term(a: Any, b: Any) -> Expr | None:
    """``c*t`` for a constant and one node: the common case (``-x``, ``2*x``,
    ``2*(3*x*y)``) without the general merging; None when it does not apply."""
    if type(b) is Const:
        a, b = b, a
    if type(a) is not Const:
        return None
    kind = type(b)
    if kind is Const:
        return Const(_tidy(_exact_prod([a.value, b.value])))
    if kind is Mul:
        # a canonical product keeps its order: only the coefficient changes
        rest = b.args
        value = a.value
        if type(rest[0]) is Const:
            value = _tidy(_exact_prod([value, rest[0].value]))
            rest = rest[1:]
        if value == 0:
            return Const(_tidy(value))
        if value == 1:
            return rest[0] if len(rest) == 1 else _make(Mul, rest)
        return _make(Mul, (Const(_coefficient(value)),) + rest)
    if kind not in _PLAIN_FACTOR:
        return None
    value = a.value
    if value == 0:
        return Const(_tidy(value))
    if value == 1:
        return b
    coeff = _coefficient(value)
    return _make(Mul, (a if coeff is value else Const(coeff), b))


def _mul_consts_and_term(factors: tuple) -> Expr | None:
    """Constants times one node (``2*u*100``, from the chain rule): the constants
    folded, then ``_mul_const_term``; None when it does not apply."""
    term = None
    values = []
    for f in factors:
        if type(f) is Const:
            values.append(f.value)
        elif term is None and type(f) in _NODE_KINDS:
            term = f
        else:
            return None
    if term is None:
        return None
    if type(term) is Mul and type(term.args[0]) is Const and float in map(type, values):
        return None  # floats round once over all the constants: the general path
    return _mul_const_term(Const(_tidy(_exact_prod(values))), term)


def _has_like_factors(factors: list[Expr]) -> bool:
    seen = set()
    for f in factors:
        base = f.args[0] if type(f) is Pow else f
        if base in seen:
            return True
        seen.add(base)
    return False


def pow_(base: Any, exp: Any) -> Expr:
    """The canonical power ``base ** exp``.

    Folds exact constants (within ``symdiff.limits.MAX_CONST_BITS``), ``x^0 = 1``, ``x^1 = x``,
    ``(x^a)^n = x^(a*n)`` and ``(x*y)^n = x^n*y^n`` for integer ``n``.

    >>> str(pow_(Var("x") ** 2, 3))
    'x^6'
    """
    base, exp = as_expr(base), as_expr(exp)
    if exp is _MINUS_ONE_FLOAT and type(base) is not Const:
        exp = _MINUS_ONE  # x^-1.0 is 1/x, as x^1.0 is x (a constant base folds to a float)
    # (x^a)^n = x^(a*n): a loop, so nesting depth costs no recursion
    while type(base) is Pow and _is_int(exp):
        base, exp = base.args[0], mul(base.args[1], exp)
    if type(base) is Mul and _is_int(exp):
        return _distribute_int_power(base, exp)
    if type(exp) is Const:
        n = exp.value
        if n == 0:
            return Const(1 if not isinstance(n, float) else 1.0)
        if n == 1:
            return base
        if type(base) is Const:
            folded = _fold_pow(base.value, n)
            if folded is not None:
                return folded
    if type(base) is Const and base.value == 1:
        return base
    if type(base) is Call and _is_e(base):
        return call("exp", exp)  # e^u is exp(u)
    return _make(Pow, (base, exp))


def _is_e(node: Call) -> bool:
    return node.fn.name == "exp" and node.args[0] is _ONE


def _is_int(exp: Expr) -> bool:
    return type(exp) is Const and type(exp.value) is int


def _distribute_int_power(base: Expr, exp: Expr) -> Expr:
    """``(x*y)^n = x^n*y^n`` for integer n, with a work list instead of recursion."""
    factors: list[Expr] = []
    work = [(f, exp) for f in base.args]
    while work:
        b, e = work.pop()
        while type(b) is Pow and _is_int(e):
            b, e = b.args[0], mul(b.args[1], e)
        if type(b) is Mul and _is_int(e):
            work.extend((f, e) for f in b.args)
        else:
            factors.append(pow_(b, e))
    return mul(*factors)


def _fold_pow(b: Number, n: Number) -> Expr | None:
    """``b ** n`` as a Const when it is real, finite and small; else None."""
    if isinstance(b, float) or isinstance(n, float):
        try:
            if (b == 0 and n < 0) or (b < 0 and not float(n).is_integer()):
                return None
            value = float(b) ** float(n)
        except (OverflowError, ZeroDivisionError):
            return None
        return Const(value) if math.isfinite(value) else None
    if b == 0:
        return Const(0) if n > 0 else None
    if isinstance(n, int):
        bits_per_power = math.log2(max(abs(b.numerator), b.denominator, 2))
        if abs(n) > limits.MAX_CONST_BITS or abs(n) * bits_per_power > limits.MAX_CONST_BITS:
            return None
        return Const(Fraction(b) ** n)
    # rational exponent: fold only exact roots, 8^(2/3) = 4; b^(7/2) = b^3 * b^(1/2)
    if b < 0:
        return None
    whole, frac = divmod(n, 1)
    root = _exact_root(Fraction(b), frac.denominator)
    if root is not None:
        return _fold_pow(root, n.numerator)
    if whole != 0:
        outer = _fold_pow(b, int(whole))
        if outer is None:
            return None
        return mul(outer, _make(Pow, (Const(b), Const(frac))))
    return None


def _exact_root(value: Fraction, q: int) -> Fraction | None:
    """The exact q-th root of a non-negative rational, or None if it is irrational."""
    num, den = _int_root(value.numerator, q), _int_root(value.denominator, q)
    if num is None or den is None:
        return None
    return Fraction(num, den)


def _int_root(n: int, q: int) -> int | None:
    if n in (0, 1):
        return n
    bits = n.bit_length()
    if q >= bits or bits > limits.MAX_CONST_BITS:
        return None  # 2**q > n: no integer root but 0 and 1
    # Newton's method on integers: exact for any size, no float overflow.
    r = 1 << (bits // q + 1)
    while True:
        nxt = ((q - 1) * r + n // r ** (q - 1)) // q
        if nxt >= r:
            break
        r = nxt
    return r if r**q == n else None


def _tidy(value: Number) -> Number:
    if type(value) is int:
        return value
    if isinstance(value, Fraction) and value.denominator == 1:
        return value.numerator
    if isinstance(value, float):
        if not math.isfinite(value):
            raise LimitError("a constant overflowed the float range while folding")
        return value + 0.0
    return value


def rebuild(node: Expr, args: tuple[Expr, ...] | list[Expr]) -> Expr:
    """The canonical node of ``node``'s kind over new ``args``; ``rebuild(n, n.args) is n``.

    >>> x, y = symbols("x y")
    >>> rebuild(x + y, (x, x)) is 2 * x
    True
    """
    kind = type(node)
    if kind is Add:
        return add(*args)
    if kind is Mul:
        return mul(*args)
    if kind is Pow:
        return pow_(*args)
    if kind is Call:
        return call(node.fn, *args)
    return node
