"""Derivatives as expressions: ``diff`` (forward), ``gradient`` (reverse), ``jacobian``, ``hessian``.

``diff`` applies one rule per node kind, bottom-up over the DAG, memoized per
node for one variable, so the derivative of an N-node DAG adds O(N) nodes.
``gradient`` runs the chain rule the other way, from the output back to the
leaves (``adjoint[child] += adjoint[node] * d node / d child``), and so gets
every partial in one pass that shares one DAG, whatever the number of
variables. ``hessian`` differentiates that shared gradient forward, one
variable at a time with one memo across all its entries.

Function nodes take their partials from the registry (``FunctionSpec.partials``).
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Sequence
from typing import Any

from . import limits
from .canonical import factor_bases, replace_factor
from .errors import DifferentiationError, LimitError
from .functions import log
from .nodes import Add, Call, Const, Expr, Mul, Pow, Var, add, drop_arg, mul, pow_
from .parse import as_input
from .walk import free_vars, gc_paused, postorder

_ZERO = Const(0)
_ONE = Const(1)
_TWO = Const(2)
_MINUS_ONE = Const(-1)


class _Product:
    """The product ``factor * rest`` before it is built; ``rest`` is an Expr or another _Product.

    ``factor`` is an Expr or a tuple of factors: a local partial such as ``2*u`` or
    a product less one factor, merged only into the final product instead of
    being built as a node of its own first.

    The chain rule multiplies one partial onto the derivative below it. Built
    eagerly, each of those products would flatten an ever longer canonical Mul,
    O(depth^2) for sin(sin(...sin(x)...)); kept as a linked list and built
    once, where a sum or the caller needs the expression, the chain is linear.
    """

    __slots__ = ("factor", "rest", "value", "shared", "users")

    def __init__(self, factor: Expr | tuple[Expr, ...], rest: Expr | _Product) -> None:
        self.factor = factor
        self.rest = rest
        self.value: Expr | None = None
        self.shared = False  # the rest of two or more products: built once, then reused
        self.users = False
        if type(rest) is _Product:
            if rest.users:
                rest.shared = True
            rest.users = True


Lazy = Expr | _Product


def _is_zero(d: Lazy) -> bool:
    return type(d) is Const and d.value == 0


Factor = Expr | tuple[Expr, ...]  # a tuple is the product of its (nonzero) factors


def _times(factor: Factor, d: Lazy) -> Lazy:
    if d is _ONE:
        return mul(*factor) if type(factor) is tuple else factor
    if type(factor) is tuple:
        if type(d) is Const:
            return _ZERO if d.value == 0 else mul(*factor, d)
        return _Product(factor, d)
    if type(d) is Const:
        return _ZERO if d.value == 0 else mul(factor, d)
    if type(factor) is Const:
        if factor.value == 0:
            return _ZERO
        if factor is _ONE:
            return d
    return _Product(factor, d)


def _build(d: Lazy) -> Expr:
    """The product as an expression: one canonical Mul for the whole pending chain.

    A cell that is the rest of several chains (say, an adjoint that flows both to a
    variable and further down) is built on the way and kept, so the next chain
    through it stops there instead of walking to the bottom again.
    """
    if type(d) is not _Product:
        return d
    cells = []
    cell: Lazy = d
    while type(cell) is _Product and cell.value is None:
        cells.append(cell)
        cell = cell.rest
    value = cell.value if type(cell) is _Product else cell
    factors: list[Expr] = []
    for cell in reversed(cells):
        if type(cell.factor) is tuple:
            factors.extend(cell.factor)
        else:
            factors.append(cell.factor)
        if cell.shared or cell is d:
            value = cell.value = mul(*factors, value)
            factors = []
    return value


class _Forward:
    """d/d``var`` of any number of roots, sharing one memo (node -> derivative).

    With ``relevant``, the ids of the nodes that contain ``var``, the walk skips
    every other node (its derivative is 0): most of a dense gradient's nodes
    lack any one variable. ``local`` keeps what a node's rule needs whatever the
    variable (a function's partials, a power's u^(c-1), a product's bases), so
    the walks of a Hessian, one per variable, can share it.
    """

    def __init__(self, var: Var, relevant: set[int] | None = None, local: dict[Expr, Any] | None = None) -> None:
        self.var = var
        self.memo: dict[Expr, Lazy] = {}
        self.relevant = relevant
        self.local: dict[Expr, Any] = {} if local is None else local

    def __call__(self, root: Expr) -> Expr:
        memo = self.memo
        relevant = self.relevant
        if relevant is None:
            for node in postorder(root, done=memo):
                memo[node] = self._rule(node, [memo.get(a, _ZERO) for a in node.args])
        elif id(root) in relevant and root not in memo:
            # postorder fused with the rules: a node on the stack is an ancestor
            # of the top, so the memo alone marks what is done (no seen set), and
            # the id test comes first so constants are never hashed
            stack = [(root, iter(root.args))]
            while stack:
                node, children = stack[-1]
                for child in children:
                    if id(child) in relevant and child not in memo:
                        stack.append((child, iter(child.args)))
                        break
                else:
                    stack.pop()
                    memo[node] = self._rule(node, [memo.get(a, _ZERO) for a in node.args])
        return _build(memo.get(root, _ZERO))

    def _rule(self, node: Expr, ds: list[Lazy]) -> Lazy:
        kind = type(node)
        if kind is Var:
            return _ONE if node is self.var else _ZERO
        moving = [i for i, d in enumerate(ds) if type(d) is not Const or d.value != 0]
        if not moving:
            return _ZERO
        if kind is Add:
            # one moving term: pass its derivative on unbuilt, so chains through sums stay linear
            return ds[moving[0]] if len(moving) == 1 else add(*[_build(ds[i]) for i in moving])
        if kind is Mul:
            if len(moving) == 1:
                i = moving[0]
                return _times(_other_factors(node, i), ds[i])
            bases = self.local.get(node)
            if bases is None:
                bases = self.local[node] = factor_bases(node)
            return add(*[_product_rule_term(node, i, _build(ds[i]), bases) for i in moving])
        if kind is Pow:
            if moving == [0]:  # (u^c)' = c*u^(c-1)*u'
                lower = self.local.get(node)
                if lower is None:
                    base, exponent = node.args
                    lower = self.local[node] = (exponent, pow_(base, add(exponent, _MINUS_ONE)))
                return _times(lower, ds[0])
            return _pow_rule(node, ds[0], ds[1])
        if node.fn.reduction:  # linear: d sum(u) = sum(du)
            return node.fn(_build(ds[0]))
        partials = self.local.get(node)
        if partials is None:
            partials = self.local[node] = node.fn.partials(node.args)
        if len(moving) == 1:
            return _times(partials[moving[0]], ds[moving[0]])
        return add(*[mul(partials[i], _build(ds[i])) for i in moving])


def _others(product: Expr, i: int) -> Expr:
    """The product of all factors but the i-th: O(1) beyond a tuple copy (``drop_arg``),
    so the product rule's n terms cost n copies, not n canonical merges."""
    return drop_arg(product, i)


def _other_factors(product: Expr, i: int) -> Factor:
    """The factors but the i-th, unbuilt: they join the product they are multiplied into."""
    rest = product.args[:i] + product.args[i + 1 :]
    return rest[0] if len(rest) == 1 else rest


def _product_rule_term(product: Expr, i: int, d: Expr, bases: dict[Expr, int]) -> Expr:
    """The product with its i-th factor replaced by ``d``: ``drop_arg`` when d is 1
    (O(1) beyond a copy: prod(x + i) has n such terms), else d's factors merged
    into the others, with no node for the other factors alone."""
    if d is _ONE:
        return _others(product, i)
    return replace_factor(product, i, d, bases)


def _pow_rule(node: Expr, db: Lazy, de: Lazy) -> Lazy:
    """(u^v)' when the exponent moves; a constant exponent is ``_rule``'s cached case."""
    base, exponent = node.args
    if _is_zero(db):
        # (c^v)' = c^v*log(c)*v'; 0^v is 0 wherever it is differentiable (v > 0), as in JAX
        return _ZERO if _is_zero(base) else _times(mul(node, log(base)), de)
    # (u^v)' = u^v*(v'*log(u) + v*u'/u)
    return mul(node, add(mul(_build(de), log(base)), mul(exponent, _build(db), pow_(base, -1))))


def _as_var(item: Any) -> Var:
    if type(item) is Var:
        return item
    if isinstance(item, str):
        if not item.strip():
            raise DifferentiationError("cannot differentiate with respect to an empty variable name")
        return Var(item.strip())
    what = str(item) if isinstance(item, Expr) else f"{item!r} ({type(item).__name__})"
    raise DifferentiationError(f"can only differentiate with respect to a variable, not {what}")


def _is_count(item: Any) -> bool:
    return isinstance(item, numbers.Integral) and not isinstance(item, bool)


def _check_count(count: Any, var: Var) -> int:
    if not _is_count(count):
        raise DifferentiationError(f"the order for {var.name} must be an integer, not {count!r}")
    if count < 0:
        raise DifferentiationError(f"the order for {var.name} must be 0 or more, not {count}")
    return int(count)


def _read_spec(expr: Expr, spec: Sequence[Any]) -> list[tuple[Var, int]]:
    """SymPy's ``diff`` arguments as (variable, order) pairs: ``x, 2, y`` or ``(x, 2), y``."""
    if not spec:
        names = free_vars(expr)
        if len(names) > 1:
            raise DifferentiationError(
                f"say which variable to differentiate by: the expression has several ({', '.join(names)})"
            )
        return [(Var(n), 1) for n in names]
    pairs: list[tuple[Var, int]] = []
    i = 0
    while i < len(spec):
        item = spec[i]
        if isinstance(item, tuple) and len(item) == 2:
            var = _as_var(item[0])
            pairs.append((var, _check_count(item[1], var)))
            i += 1
            continue
        if _is_count(item):
            raise DifferentiationError(f"an order ({item}) must follow a variable")
        var = _as_var(item)
        if i + 1 < len(spec) and _is_count(spec[i + 1]):
            pairs.append((var, _check_count(spec[i + 1], var)))
            i += 2
        else:
            pairs.append((var, 1))
            i += 1
    return pairs


def diff(expr: Expr | str, *spec: Any) -> Expr:
    """The derivative, SymPy style: ``diff(f, x)``, ``diff(f, "x", 2)``, ``diff(f, x, y)``.

    >>> from symdiff.nodes import symbols
    >>> x, y = symbols("x y")
    >>> str(diff(x**3 * y, x)), str(diff(x**3 * y, x, 2, y))
    ('3*x^2*y', '6*x')
    """
    expr = as_input(expr)
    if not spec and not free_vars(expr):
        return _ZERO
    pairs = _read_spec(expr, spec)
    total = sum(count for _, count in pairs)
    if total > limits.MAX_ORDER:
        raise LimitError(
            f"a derivative of order {total} is over the limit of {limits.MAX_ORDER} (symdiff.limits.MAX_ORDER)"
        )
    with gc_paused():
        for var, count in pairs:
            for _ in range(count):
                if type(expr) is Const:  # every further derivative is 0
                    return _ZERO
                expr = _Forward(var)(expr)
    return expr


def _var_list(expr: Any, vars: Any) -> list[Var]:
    if vars is None:
        return [Var(n) for n in free_vars(expr)]
    if isinstance(vars, str):
        vars = vars.replace(",", " ").split()
        if not vars:
            raise DifferentiationError("cannot differentiate with respect to an empty variable name")
    elif isinstance(vars, Var) or not isinstance(vars, Iterable):
        vars = [vars]
    return [_as_var(v) for v in vars]


def gradient(expr: Expr | str, vars: Any = None) -> list[Expr]:
    """All first partials, by reverse accumulation in one pass; ``vars`` defaults to ``free_vars``.

    >>> from symdiff.parse import parse
    >>> [str(g) for g in gradient(parse("x^2*y + y + 2"), ["x", "y"])]
    ['2*x*y', 'x^2 + 1']
    >>> [str(g) for g in gradient(parse("mean((w*x - y)^2)"), ["w"])]
    ['mean(2*x*(w*x - y))']
    """
    expr = as_input(expr)
    targets = _var_list(expr, vars)
    # A reduction (sum/mean over samples) is not a per-sample node: its adjoint cannot
    # flow into its argument. Each one's argument gets its own reverse pass, innermost
    # first, and the reduction then acts as a leaf: d sum(u)/dv = sum(du/dv).
    inner: dict[Expr, dict[Var, Expr]] = {}
    with gc_paused():
        order = postorder(expr)
        reductions = [n for n in order if type(n) is Call and n.fn.reduction]
        for node in reductions:
            partials = _reverse(node.args[0], targets, inner)
            inner[node] = {v: node.fn(d) for v, d in partials.items()}
        # without reductions the walk above is the pass's own order: no second walk
        found = _reverse(expr, targets, inner, None if reductions else order)
    return [found.get(v, _ZERO) for v in targets]


def _reverse(root: Expr, targets: list[Var], inner: dict[Expr, dict[Var, Expr]],
             order: list[Expr] | None = None) -> dict[Var, Expr]:
    """d root / d target by one reverse pass that stops at the reductions of ``inner``."""
    if root in inner:
        return dict(inner[root])
    wanted = set(targets)
    if order is None:
        order = postorder(root, done=inner or ())
    # a reduction below leads to a target when its own pass found a partial
    if inner:
        relevant: set[Expr] = _Relevant(inner)
        for node in order:
            if node in wanted or any(a in relevant for a in node.args):
                relevant.add(node)
    else:
        relevant = set()
        add_relevant, disjoint = relevant.add, relevant.isdisjoint
        for node in order:  # isdisjoint runs in C: a generator here was a tenth of the pass
            if node in wanted or not disjoint(node.args):
                add_relevant(node)
    adjoints: dict[Expr, list[Lazy]] = {root: [_ONE]} if root in relevant else {}
    found: dict[Var, list[Lazy]] = {}
    for node in reversed(order):
        parts = adjoints.pop(node, None)
        if parts is None:
            continue
        adjoint = parts[0] if len(parts) == 1 else add(*[_build(p) for p in parts])
        kind = type(node)
        if kind is Var:
            found.setdefault(node, []).append(adjoint)
        elif type(adjoint) is Const and adjoint.value == 0:
            continue  # the parts cancelled
        elif kind is Add:  # every partial is 1: the adjoint flows on as it is
            for child in node.args:
                if child in relevant:
                    adjoints.setdefault(child, []).append(adjoint)
        else:
            for child, partial in _local_partials(node, relevant):
                contribution = _times(partial, adjoint)
                if not _is_zero(contribution):
                    adjoints.setdefault(child, []).append(contribution)
    for reduction, parts in adjoints.items():  # only reductions are left: the leaves of this pass
        adjoint = add(*[_build(p) for p in parts])
        for var, partial in inner[reduction].items():
            found.setdefault(var, []).append(_times(partial, adjoint))
    return {v: _build(parts[0]) if len(parts) == 1 else add(*[_build(p) for p in parts]) for v, parts in found.items()}


class _Relevant(set):
    """The nodes of one pass that lead to a target, and the reductions below it that do (not copied per pass)."""

    def __init__(self, inner: dict[Expr, dict[Var, Expr]]) -> None:
        super().__init__()
        self.inner = inner

    def __contains__(self, node: object) -> bool:
        return set.__contains__(self, node) or bool(self.inner.get(node))


def _local_partials(node: Expr, relevant: set[Expr]) -> list[tuple[Expr, Factor]]:
    """(child, d node / d child) for the children that lead to a wanted variable."""
    args = node.args
    kind = type(node)
    if kind is Mul:
        return [(a, _other_factors(node, i)) for i, a in enumerate(args) if a in relevant]
    if kind is Pow:
        base, exponent = args
        out = []
        if base in relevant:
            if exponent is _TWO:  # (u^2)' = 2*u*u', the square of a residual
                out.append((base, (exponent, base)))
            else:
                out.append((base, (exponent, pow_(base, add(exponent, _MINUS_ONE)))))
        if exponent in relevant and not _is_zero(base):
            out.append((exponent, mul(node, log(base))))
        return out
    if kind is Call:
        partials = node.fn.partials(args)
        return [(a, p) for a, p in zip(args, partials, strict=True) if a in relevant]
    return []


def jacobian(exprs: Iterable[Expr | str], vars: Any = None) -> list[list[Expr]]:
    """One gradient row per expression; ``vars`` defaults to the free variables of them all.

    >>> from symdiff.nodes import symbols
    >>> x, y = symbols("x y")
    >>> [[str(d) for d in row] for row in jacobian([x * y, x + y], [x, y])]
    [['y', 'x'], ['1', '1']]
    """
    if isinstance(exprs, (str, Expr)):
        exprs = [exprs]
    exprs = [as_input(e) for e in exprs]
    targets = _var_list(exprs, vars)
    return [gradient(e, targets) for e in exprs]


def hessian(expr: Expr | str, vars: Any = None) -> list[list[Expr]]:
    """Second partials: the gradient differentiated once more, each (i, j) once and mirrored.

    >>> from symdiff.parse import parse
    >>> [[str(h) for h in row] for row in hessian(parse("x^2*y + y + 2"), ["x", "y"])]
    [['2*y', '2*x'], ['2*x', '0']]
    """
    expr = as_input(expr)
    targets = _var_list(expr, vars)
    with gc_paused():
        return _hessian(gradient(expr, targets), targets)


def _hessian(first: list[Expr], targets: list[Var]) -> list[list[Expr]]:
    # an entry without the variable differentiates to 0: skipping those keeps a
    # sparse Hessian (Rosenbrock: 3 entries per row) linear instead of n^2 walks
    below = _vars_below(first)
    relevant: dict[Var, set[int]] = {var: set() for var in targets}
    for node, vars_ in below.items():
        for var in vars_:
            ids = relevant.get(var)
            if ids is not None:
                ids.add(id(node))
    # the entries of the gradient that contain each variable, without an n^2 scan
    entries: dict[Var, list[int]] = {var: [] for var in targets}
    for i, entry in enumerate(first):
        for var in below[entry]:
            if var in entries:
                entries[var].append(i)
    n = len(targets)
    rows: list[list[Expr]] = [[_ZERO] * n for _ in range(n)]
    local: dict[Expr, Any] = {}
    for j, var in enumerate(targets):
        forward = _Forward(var, relevant[var], local)
        for i in entries[var]:
            if i >= j:
                rows[i][j] = rows[j][i] = forward(first[i])
    return rows


def _vars_below(roots: list[Expr]) -> dict[Expr, frozenset[Var]]:
    """The variables each node depends on; a node that adds none shares its argument's set."""
    below: dict[Expr, frozenset[Var]] = {}
    none: frozenset[Var] = frozenset()
    for node in postorder(roots):
        if type(node) is Var:
            below[node] = frozenset((node,))
            continue
        sets = [below[a] for a in node.args]
        widest = max(sets, key=len, default=none)
        below[node] = widest if all(s <= widest for s in sets) else widest.union(*sets)
    return below
