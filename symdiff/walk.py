"""Iterative walks over the expression DAG; the only code that knows how to traverse.

Everything else is a fold over ``postorder``: each distinct node is visited
once, children before parents, with an explicit stack, so depth 100,000 works
on the default recursion limit and shared subexpressions cost nothing extra.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Container, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from .nodes import Expr, Var

T = TypeVar("T")


@contextmanager
def gc_paused() -> Iterator[None]:
    """Keep Python's cyclic garbage collector off while a large graph is built.

    Nodes cannot form reference cycles (a node only refers to older ones), so
    the collector finds nothing of ours to free, but each full pass scans the
    whole heap: two of them were 25% of a 10,000-variable gradient. Whatever
    else became cyclic garbage meanwhile is collected after.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def postorder(roots: Expr | Iterable[Expr], done: Container[Expr] = ()) -> list[Expr]:
    """The distinct nodes under ``roots``, each after all of its arguments.

    Nodes in ``done`` (say, a memo filled by an earlier walk) are left out
    together with everything below them that is only reachable through them.

    >>> x = Var("x")
    >>> [str(n) for n in postorder((x + 1) * (x + 1))]
    ['1', 'x', 'x + 1', '2', '(x + 1)^2']
    """
    if isinstance(roots, Expr):
        roots = (roots,)
    seen: set[int] = set()
    order: list[Expr] = []
    for root in roots:
        if id(root) in seen or root in done:
            continue
        seen.add(id(root))
        stack = [(root, iter(root.args))]
        while stack:
            node, children = stack[-1]
            for child in children:
                if id(child) not in seen and child not in done:
                    seen.add(id(child))
                    stack.append((child, iter(child.args)))
                    break
            else:
                stack.pop()
                order.append(node)
    return order


def fold(roots: Expr | Iterable[Expr], visit: Callable[[Expr, list[T]], T]) -> dict[Expr, T]:
    """Compute ``visit(node, results_of_args)`` for every distinct node, bottom-up.

    Returns the memo, keyed by node (identity: nodes are interned).

    >>> x = Var("x")
    >>> memo = fold(x * x + 1, lambda node, kids: 1 + sum(kids))
    >>> memo[x * x + 1]  # x*x is the node x^2: Add(1, Pow(x, 2))
    5
    """
    memo: dict[Expr, T] = {}
    for node in postorder(roots):
        memo[node] = visit(node, [memo[a] for a in node.args])
    return memo


def _flatten(exprs: Any) -> list[Expr]:
    """Expressions from an Expr or arbitrarily nested lists/tuples of them."""
    out: list[Expr] = []
    stack = [exprs]
    while stack:
        item = stack.pop()
        if isinstance(item, Expr):
            out.append(item)
        elif isinstance(item, (list, tuple)):
            stack.extend(reversed(item))
        else:
            raise TypeError(f"expected an expression or a list of them, not {type(item).__name__}")
    return out


def size(exprs: Any, tree: bool = False) -> int:
    """Number of distinct nodes (shared nodes once), or of tree nodes with ``tree=True``.

    Takes an expression or nested lists of them (counted together).

    >>> x = Var("x")
    >>> e = (x + 1) * (x + 1) + x
    >>> size(e), size(e, tree=True)
    (6, 7)
    """
    roots = _flatten(exprs)
    if not tree:
        return len(postorder(roots))
    counts = fold(roots, lambda node, kids: 1 + sum(kids))
    return sum(counts[r] for r in roots)


def free_vars(exprs: Any) -> tuple[str, ...]:
    """The names of the variables that occur, sorted.

    >>> x, y = Var("x"), Var("y")
    >>> free_vars(y * x + 2)
    ('x', 'y')
    """
    return tuple(sorted(n.name for n in postorder(_flatten(exprs)) if type(n) is Var))
