"""Rewrites beyond the canonical form, each safe: never changing a value where
the input is defined (the result may be defined on a larger set). In floats
the exception is overflow: ``2*(x - y)`` at x = y = 1e308 is 0, while its
distributed form ``2*x - 2*y`` overflows; rewriting cannot see values.

A table of small rules, one list per node kind, each returning the rewritten
node or ``None``, with its algebra in a comment. The driver rebuilds bottom-up
in one fold per pass (children are simplified before their parent's rules run)
and repeats until the root is the same object, at most ``MAX_PASSES`` times.

Why it terminates: every rule makes the expression smaller, moves numeric
factors inward (``_distribute_number``) or trades a power for a named
function (``sqrt``, ``sigmoid``) that no rule turns back. Common factors are
only ever pulled out of sums, and numbers never are, so distributing a number
and factoring cannot undo each other: ``2*x*y + 2*x*z`` ends as
``x*(2*y + 2*z)``. Every rule costs time linear in the size of its node.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

from .errors import LimitError
from .functions import abs as abs_
from .functions import cos, cosh, exp, log, sigmoid, sin, sinh, sqrt
from .nodes import Add, Call, Const, Expr, Mul, Number, Pow, add, as_expr, mul, pow_, rebuild
from .walk import postorder

MAX_PASSES = 10
#: c*(a + b + ...) is distributed only over sums this short: distributing over
#: every level of 2*(x1 + 2*(x2 + ...)) would rebuild ever longer sums, O(n^2).
MAX_DISTRIBUTE_TERMS = 32
#: Squares of sin/cos/sinh/cosh looked at per term by ``_pythagoras``: each costs
#: a copy of the term's other factors, so a bound keeps the rule linear.
MAX_SQUARES_PER_TERM = 4
Rule = Callable[[Expr], "Expr | None"]

_ONE = Const(1)
_MINUS_ONE = Const(-1)
_TWO = Const(2)
# f: (its partner g, s) for sin(u)^2 + cos(u)^2 = 1 (s = 1) and cosh(u)^2 - sinh(u)^2 = 1 (s = -1)
_PYTHAGORAS = {sin: (cos, 1), cos: (sin, 1), cosh: (sinh, -1), sinh: (cosh, -1)}


def _coeff_factors(term: Expr) -> tuple[Const, tuple[Expr, ...]]:
    """``3*x*y`` -> ``(Const(3), (x, y))``; a term that is not a product is its one factor."""
    if type(term) is Mul:
        if type(term.args[0]) is Const:
            return term.args[0], term.args[1:]
        return _ONE, term.args
    return _ONE, (term,)


def _term(coeff: Number, factors: tuple[Expr, ...]) -> Expr:
    """The term ``coeff*factors``, without the general ``mul`` for the cheap cases."""
    if not factors or coeff == 0:
        return Const(coeff)
    if len(factors) == 1 and coeff == 1:
        return factors[0]
    return mul(Const(coeff), *factors)


def _power_of(factor: Expr) -> tuple[Expr, Number]:
    """``x^(3/2)`` -> ``(x, 3/2)`` for a positive exact exponent; any other factor,
    ``x^x`` and ``1/x`` included, is one opaque base to the power 1."""
    if type(factor) is Pow:
        power = factor.args[1]
        if type(power) is Const and type(power.value) in (int, Fraction) and power.value > 0:
            return factor.args[0], power.value
    return factor, 1


def _powers(factors: tuple[Expr, ...]) -> dict[Expr, Number]:
    out: dict[Expr, Number] = {}
    for f in factors:
        base, power = _power_of(f)
        out[base] = out.get(base, 0) + power
    return out


# -- Mul --------------------------------------------------------------------------


def _merge_exps(node: Expr) -> Expr | None:
    # exp(a)*exp(b)*rest = exp(a + b)*rest
    exps = [f for f in node.args if type(f) is Call and f.fn is exp]
    if len(exps) < 2:
        return None
    rest = [f for f in node.args if not (type(f) is Call and f.fn is exp)]
    return mul(exp(add(*[f.args[0] for f in exps])), *rest)


def _distribute_number(node: Expr) -> Expr | None:
    # c*(a + b) = c*a + c*b, so like terms can meet in the enclosing sum
    if (
        len(node.args) == 2
        and type(node.args[0]) is Const
        and type(node.args[1]) is Add
        and len(node.args[1].args) <= MAX_DISTRIBUTE_TERMS
    ):
        coeff = node.args[0]
        return add(*[mul(coeff, term) for term in node.args[1].args])
    return None


# -- Add --------------------------------------------------------------------------


def _pythagoras(node: Expr) -> Expr | None:
    # a*R*sin(u)^2 + b*R*cos(u)^2 = m*R + (a - m)*R*sin(u)^2 + (b - m)*R*cos(u)^2, m the one of a, b
    # nearer 0 (a, b of one sign); likewise a*R*cosh(u)^2 + b*R*sinh(u)^2 with cosh^2 - sinh^2 = 1
    waiting: dict[tuple, tuple[int, Number, Expr]] = {}  # (f, u, R) -> (term index, coefficient, f(u)^2)
    used: set[int] = set()
    new_terms: list[Expr] = []
    for i, term in enumerate(node.args):
        coeff, factors = _coeff_factors(term)
        coeff = coeff.value
        seen = 0
        for k, square in enumerate(factors):
            fn = square.args[0].fn if type(square) is Pow and type(square.args[0]) is Call else None
            if fn not in _PYTHAGORAS or square.args[1] is not _TWO:
                continue
            seen += 1
            if seen > MAX_SQUARES_PER_TERM:
                break
            u, rest = square.args[0].args[0], factors[:k] + factors[k + 1:]
            partner, sign = _PYTHAGORAS[fn]
            other = waiting.get((partner, u, rest))
            if other is not None and other[0] not in used and coeff * other[1] * sign > 0:
                j, b, other_square = other
                if fn in (cos, sinh):  # name the pair f(u)^2 + s*g(u)^2 = 1 with f sin or cosh
                    coeff, b, square, other_square = b, coeff, other_square, square
                m = coeff if abs(coeff) <= abs(b) else b * sign
                new_terms += [
                    _term(m, rest), _term(coeff - m, (square, *rest)), _term(b - sign * m, (other_square, *rest))
                ]
                used.update((i, j))
                break
            mine = waiting.get((fn, u, rest))
            if mine is None or mine[0] in used:
                waiting[(fn, u, rest)] = (i, coeff, square)
    if not used:
        return None
    return add(*[t for i, t in enumerate(node.args) if i not in used], *new_terms)


def _common_factor(node: Expr) -> Expr | None:
    # a*c + b*c = c*(a + b) for every factor c (not a number) of all terms; x^2*y + x^3 = x^2*(y + x)
    terms = node.args
    if type(terms[0]) is Const:  # constants sort first; a constant term has no common factor
        return None
    powers = [_powers(_coeff_factors(terms[0])[1])]
    common = powers[0]
    for term in terms[1:]:
        mine = _powers(_coeff_factors(term)[1])
        # intersect from the smaller side: O(total factors) over the whole sum
        small, large = (common, mine) if len(common) <= len(mine) else (mine, common)
        common = {b: min(common[b], mine[b]) for b in small if b in large}
        if not common:
            return None
        powers.append(mine)
    quotients = []
    for term, mine in zip(terms, powers, strict=True):
        coeff, factors = _coeff_factors(term)
        parts = [f for f in factors if _power_of(f)[0] not in common]
        parts += [pow_(b, mine[b] - p) for b, p in common.items() if mine[b] != p]
        quotients.append(_term(coeff.value, tuple(parts)) if len(parts) < 2 else mul(coeff, *parts))
    return mul(*[b if p == 1 else pow_(b, p) for b, p in common.items()], add(*quotients))


# -- Call -------------------------------------------------------------------------


def _exp_of_log(node: Expr) -> Expr | None:
    # exp(log(u)) = u wherever log(u) is defined
    arg = node.args[0] if node.args else None
    if node.fn is exp and type(arg) is Call and arg.fn is log:
        return arg.args[0]
    return None


def _exp_of_scaled_log(node: Expr) -> Expr | None:
    # exp(c*log(u)) = u^c for a number c, wherever log(u) is defined (u > 0)
    arg = node.args[0] if node.args else None
    if node.fn is exp and type(arg) is Mul and len(arg.args) == 2 and type(arg.args[0]) is Const:
        inner = arg.args[1]
        if type(inner) is Call and inner.fn is log:
            return pow_(inner.args[0], arg.args[0])
    return None


def _sqrt_of_square(node: Expr) -> Expr | None:
    # sqrt(u^2) = |u|
    arg = node.args[0] if node.args else None
    if node.fn is sqrt and type(arg) is Pow and arg.args[1] == 2:
        return abs_(arg.args[0])
    return None


# -- Pow --------------------------------------------------------------------------


def _square_of_sqrt(node: Expr) -> Expr | None:
    # sqrt(u)^(2k) = u^k wherever sqrt(u) is defined
    base, power = node.args
    if type(base) is Call and base.fn is sqrt and type(power) is Const and power.value % 2 == 0:
        return Pow(base.args[0], power.value // 2)
    return None


def _half_power_as_root(node: Expr) -> Expr | None:
    # u^(k/2) = sqrt(u)^k for odd k: both need u >= 0 (u > 0 for k < 0). The result's
    # exponent is odd, so _square_of_sqrt (even exponents) never turns it back.
    base, power = node.args
    if type(power) is Const and type(power.value) is Fraction and power.value.denominator == 2:
        root = sqrt(base)
        return root if power.value.numerator == 1 else pow_(root, power.value.numerator)
    return None


def _sigmoid(node: Expr) -> Expr | None:
    # (1 + exp(v))^(-n) = sigmoid(-v)^n for n >= 1, since sigmoid(u) = 1/(1 + exp(-u))
    base, power = node.args
    if type(base) is Add and len(base.args) == 2 and type(power) is Const and type(power.value) is int:
        one, term = base.args
        if power.value < 0 and type(one) is Const and one.value == 1 and type(term) is Call and term.fn is exp:
            v = term.args[0]
            # -v without the general mul when v is -u
            neg = v.args[1] if type(v) is Mul and len(v.args) == 2 and v.args[0] is _MINUS_ONE else mul(_MINUS_ONE, v)
            return sigmoid(neg) if power.value == -1 else pow_(sigmoid(neg), -power.value)
    return None


RULES: dict[type, list[Rule]] = {
    Mul: [_merge_exps, _distribute_number],
    Add: [_pythagoras, _common_factor],
    Call: [_exp_of_log, _exp_of_scaled_log, _sqrt_of_square],
    Pow: [_square_of_sqrt, _half_power_as_root, _sigmoid],
}


def simplify(expr: Expr) -> Expr:
    """A simpler equal expression: canonical form plus the rewrite rules in ``RULES``.

    >>> from symdiff.nodes import symbols
    >>> x, y = symbols("x y")
    >>> str(simplify(2 * (x + y) - 2 * y))
    '2*x'
    >>> str(simplify(x**x * log(x) + x**x))
    'x^x*(log(x) + 1)'
    """
    expr = as_expr(expr)
    for _ in range(MAX_PASSES):
        result = _one_pass(expr)
        if result is expr:
            break
        expr = result
    return expr


def _one_pass(root: Expr) -> Expr:
    memo: dict[Expr, Expr] = {}
    for node in postorder(root):
        args = [memo[a] for a in node.args]
        # rebuild(node, node.args) is node: skip the canonical constructor when no child changed
        new = rebuild(node, args) if any(a is not b for a, b in zip(args, node.args, strict=True)) else node
        for _ in range(MAX_PASSES):
            for rule in RULES.get(type(new), ()):
                try:
                    changed = rule(new)
                except LimitError:  # a constant the rewrite would fold is too large: keep the node
                    changed = None
                if changed is not None and changed is not new:
                    new = changed
                    break
            else:
                break
        memo[node] = new
    return memo[root]
