"""Canonical constructors: ``add``, ``mul``, ``pow_`` and ``rebuild``.

They normalize cheaply, the way SymPy's automatic evaluation does: flatten,
fold exact constants (bounded by ``MAX_CONST_BITS``), drop identities, collect
like terms and like factors, and sort arguments by the nodes' deterministic
key, in O(n log n) for n arguments. Anything more expensive belongs in
``simplify.py``.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

from .errors import LimitError
from .nodes import (
    MAX_CONST_BITS,
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
_PLAIN_FACTOR = (Var, Add, Pow, Call)


def _split_coeff(term: Expr) -> tuple[Number, Expr]:
    """``3*x*y`` -> ``(3, x*y)``; a term without a numeric factor has 1."""
    if type(term) is Mul and type(term.args[0]) is Const:
        rest = term.args[1:]
        return term.args[0].value, (rest[0] if len(rest) == 1 else _make(Mul, rest))
    return 1, term


def _with_coeff(coeff: Number, term: Expr) -> Expr:
    if coeff == 1:
        return term
    if type(term) is Mul:
        return _make(Mul, (Const(coeff),) + term.args)
    return _make(Mul, (Const(coeff), term))


def add(*terms: Any) -> Expr:
    """The canonical sum of ``terms``: flattened, like terms collected, sorted.

    >>> x, y = symbols("x y")
    >>> str(add(x, y, x, 2, -2))
    '2*x + y'
    """
    const: Number = 0
    # rest -> [coefficient, the original term while it is the only one]
    coeffs: dict[Expr, list] = {}
    for term in terms:
        term = as_expr(term)
        for part in term.args if type(term) is Add else (term,):
            if type(part) is Const:
                const = _check_size(const + part.value)
                continue
            coeff, rest = _split_coeff(part)
            seen = coeffs.get(rest)
            if seen is None:
                coeffs[rest] = [coeff, part]
            else:
                seen[0] += coeff
                seen[1] = None
    out = [
        orig if orig is not None else _with_coeff(_tidy(c), t)
        for t, (c, orig) in coeffs.items()
        if c != 0
    ]
    const = _tidy(const)
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
    coeff: Number = 1
    num_exp: dict[Expr, Number] = {}
    sym_exp: dict[Expr, list[Expr]] = {}
    pending = list(factors)
    while pending:
        factor = as_expr(pending.pop())
        for part in factor.args if type(factor) is Mul else (factor,):
            kind = type(part)
            if kind is Const:
                coeff = _check_size(coeff * part.value)
            elif kind is Pow:
                base, exp = part.args
                if type(exp) is Const:
                    num_exp[base] = num_exp.get(base, 0) + exp.value
                else:
                    sym_exp.setdefault(base, []).append(exp)
            else:
                num_exp[part] = num_exp.get(part, 0) + 1
    if coeff == 0:
        return Const(_tidy(coeff))
    out: list[Expr] = []
    for base in list(num_exp) + [b for b in sym_exp if b not in num_exp]:
        exps = sym_exp.get(base, [])
        total = add(num_exp.get(base, 0), *exps) if exps else Const(_tidy(num_exp[base]))
        factor = pow_(base, total)
        kind = type(factor)
        if kind is Const:
            coeff = _check_size(coeff * factor.value)
        elif kind is Mul:
            # (x*y)^n distributed, or a folded root like 2^(3/2) = 2*2^(1/2):
            # fold its coefficient, keep its other factors (already merged).
            if type(factor.args[0]) is Const:
                coeff = _check_size(coeff * factor.args[0].value)
                out.extend(factor.args[1:])
            else:
                out.extend(factor.args)
        else:
            out.append(factor)
    coeff = _tidy(coeff)
    if coeff == -1:
        coeff = -1  # -1.0*x is -x: the float adds nothing but a print form
    if coeff == 0:
        return Const(coeff)
    if not out:
        return Const(coeff)
    if len(out) == 1 and coeff == 1:
        return out[0]
    if _has_like_factors(out):
        return mul(coeff, *out)
    args = _sorted(out)
    return _make(Mul, args if coeff == 1 else (Const(coeff),) + args)


def _mul_const_term(a: Any, b: Any) -> Expr | None:
    """``c*t`` for a constant and one node that is not a product: the common case
    (``-x``, ``2*x``) without the general merging; None when it does not apply."""
    if type(b) is Const:
        a, b = b, a
    if type(a) is not Const or type(b) not in _PLAIN_FACTOR:
        return None
    value = a.value
    if value == 0:
        return Const(_tidy(value))
    if value == 1:
        return b
    return _make(Mul, (_MINUS_ONE if value == -1 else a, b))


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

    Folds exact constants (within ``MAX_CONST_BITS``), ``x^0 = 1``, ``x^1 = x``,
    ``(x^a)^n = x^(a*n)`` and ``(x*y)^n = x^n*y^n`` for integer ``n``.

    >>> str(pow_(Var("x") ** 2, 3))
    'x^6'
    """
    base, exp = as_expr(base), as_expr(exp)
    if type(exp) is Const:
        n = exp.value
        if n == 0:
            return Const(1 if not isinstance(n, float) else 1.0)
        if n == 1:
            return base
        if n == -1 and isinstance(n, float):
            exp = _MINUS_ONE  # x^-1.0 is 1/x, as x^1.0 is x
        if type(base) is Const:
            folded = _fold_pow(base.value, n)
            if folded is not None:
                return folded
        elif isinstance(n, int):
            if type(base) is Pow:
                return pow_(base.args[0], mul(base.args[1], exp))
            if type(base) is Mul:
                return mul(*[pow_(f, exp) for f in base.args])
    if type(base) is Const and base.value == 1:
        return base
    if type(base) is Call and base.fn.name == "exp" and base.args[0] is _ONE:
        from .functions import call as _call  # e^u is exp(u)

        return _call("exp", exp)
    return _make(Pow, (base, exp))


def _fold_pow(b: Number, n: Number) -> Expr | None:
    """``b ** n`` as a Const when it is real, finite and small; else None."""
    if isinstance(b, float) or isinstance(n, float):
        if b == 0 and n < 0:
            return None
        if b < 0 and not float(n).is_integer():
            return None
        try:
            value = float(b) ** float(n)
        except (OverflowError, ZeroDivisionError):
            return None
        return Const(value) if math.isfinite(value) else None
    if b == 0:
        return Const(0) if n > 0 else None
    if isinstance(n, int):
        if abs(n) * math.log2(max(abs(b.numerator), b.denominator, 2)) > MAX_CONST_BITS:
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
    def root(n: int) -> int | None:
        if n.bit_length() > MAX_CONST_BITS:
            return None
        r = round(n ** (1.0 / q)) if n < 2**1000 else None
        if r is None:
            return None
        for cand in (r - 1, r, r + 1):
            if cand >= 0 and cand**q == n:
                return cand
        return None

    num, den = root(value.numerator), root(value.denominator)
    if num is None or den is None:
        return None
    return Fraction(num, den)


def _tidy(value: Number) -> Number:
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
