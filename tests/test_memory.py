"""The intern table holds nodes weakly: what nobody uses any more is freed."""

from __future__ import annotations

import gc

from symdiff import nodes
from symdiff.diff import gradient, hessian
from symdiff.nodes import Var, add


def _rosenbrock(n: int):
    xs = [Var(f"m{i}") for i in range(n)]
    return add(*[100 * (xs[i + 1] - xs[i] ** 2) ** 2 + (1 - xs[i]) ** 2 for i in range(n - 1)]), xs


def test_dropped_expressions_leave_the_intern_table():
    gc.collect()
    before = len(nodes._table)
    f, xs = _rosenbrock(300)
    g = gradient(f, xs)
    h = hessian(f, xs[:20])
    assert len(nodes._table) > before + 3000
    del f, xs, g, h
    gc.collect()
    assert len(nodes._table) == before


def test_a_kept_node_keeps_only_what_it_uses():
    gc.collect()
    before = len(nodes._table)
    f, xs = _rosenbrock(50)
    keep = gradient(f, xs)[0]
    del f, xs
    gc.collect()
    from symdiff.walk import size

    assert len(nodes._table) <= before + size(keep)
