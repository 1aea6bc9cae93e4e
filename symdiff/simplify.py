"""Rewrites beyond the canonical form, each safe: never changing a value where
the input is defined.

A table of small rules, one per node kind, each returning the rewritten node
or ``None``, with its algebra in a comment. The driver rebuilds bottom-up in
one fold per pass (children are simplified before their parent's rules run)
and repeats until the root is the same object, at most ``MAX_PASSES`` times.
Every rule makes the expression strictly smaller or moves numeric factors
inward, so the passes terminate.
"""

from __future__ import annotations

from collections.abc import Callable

from .functions import abs as abs_
from .functions import exp, log, sqrt
from .nodes import Add, Call, Const, Expr, Mul, Pow, add, as_expr, mul, rebuild
from .walk import postorder

MAX_PASSES = 10
#: c*(a + b + ...) is distributed only over sums this short: distributing over
#: every level of 2*(x1 + 2*(x2 + ...)) would rebuild ever longer sums, O(n^2).
MAX_DISTRIBUTE_TERMS = 32
Rule = Callable[[Expr], "Expr | None"]


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


def _exp_of_log(node: Expr) -> Expr | None:
    # exp(log(u)) = u wherever log(u) is defined
    arg = node.args[0] if node.args else None
    if node.fn is exp and type(arg) is Call and arg.fn is log:
        return arg.args[0]
    return None


def _sqrt_of_square(node: Expr) -> Expr | None:
    # sqrt(u^2) = |u|
    arg = node.args[0] if node.args else None
    if node.fn is sqrt and type(arg) is Pow and arg.args[1] == 2:
        return abs_(arg.args[0])
    return None


def _square_of_sqrt(node: Expr) -> Expr | None:
    # sqrt(u)^(2k) = u^k wherever sqrt(u) is defined
    base, power = node.args
    if type(base) is Call and base.fn is sqrt and type(power) is Const and power.value % 2 == 0:
        return Pow(base.args[0], power.value // 2)
    return None


RULES: dict[type, list[Rule]] = {
    Mul: [_merge_exps, _distribute_number],
    Call: [_exp_of_log, _sqrt_of_square],
    Pow: [_square_of_sqrt],
}


def simplify(expr: Expr) -> Expr:
    """A simpler equal expression: canonical form plus the rewrite rules in ``RULES``.

    >>> from symdiff.nodes import symbols
    >>> x, y = symbols("x y")
    >>> str(simplify(2 * (x + y) - 2 * y))
    '2*x'
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
        new = rebuild(node, [memo[a] for a in node.args]) if node.args else node
        for _ in range(MAX_PASSES):
            for rule in RULES.get(type(new), ()):
                changed = rule(new)
                if changed is not None and changed is not new:
                    new = changed
                    break
            else:
                break
        memo[node] = new
    return memo[root]
