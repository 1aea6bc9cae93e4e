"""Compile expressions into NumPy code: ``lambdify``.

One ``walk.postorder`` over all the output expressions together gives every
distinct node once, arguments first; the generated function has one assignment
per operation node (Add, Mul, Pow, Call), in that order, and names the leaves
directly. So work shared between outputs (a function and its gradient) is done
once, and the code is straight-line: no nesting, so depth 100,000 compiles. A
sum or product of more than ``INLINE_OPERANDS`` terms is a running sum, one
short line per chunk of terms, never one long ``a + b + ...`` chain: Python's
compiler recurses on those and fails at a few thousand terms.

The code uses generated names only (``_a0`` arguments, ``_c0`` constants,
``_f0_sin`` kernels, ``_t0`` temporaries), so no variable name (``lambda``,
``np``) can clash; the only text ever ``exec``'d is what this module writes,
with kernels and constants bound in its namespace. A temporary is reused once
its value is dead, so a long chain over big arrays holds few of them.

A program of elementwise operations runs on long arrays a block of rows at a
time (``BLOCK_ELEMENTS`` numbers), so its temporaries stay in the CPU cache and
only the arguments and outputs go through memory; each number is computed by the
same operations either way.

A wrapper checks and converts the arguments to float64, runs the code under
``np.errstate(all="ignore")`` (a domain error gives nan or inf as in NumPy,
never an exception or a warning), broadcasts every output to the common shape
of the arguments and rebuilds the nesting of the input lists. A function with a
reduction (``sum``/``mean`` over the samples, the arrays' common shape) is a
loss over data: its outputs are not broadcast, so a constant partial stays one
number. This module never differentiates or simplifies.
"""

from __future__ import annotations

import itertools
import linecache
import math
import numbers
import weakref
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from .errors import EvaluationError, LimitError, SymdiffError
from .nodes import Add, Call, Const, Expr, Mul, Pow, Var, _make, as_expr
from .walk import postorder

#: An Add or Mul of at most this many operands is written inline as ``a + b + c``;
#: a longer one is a running sum over chunks of that many (see ``_schedule``).
INLINE_OPERANDS = 32

#: Arrays of at least four times this many numbers are computed in blocks of about
#: this many (128 KiB of float64 per temporary), when every operation is elementwise.
BLOCK_ELEMENTS = 16384

#: The docstring of a compiled function shows at most this many outputs, each as
#: text only when it has at most ``_DOC_TREE_NODES`` nodes as a tree.
_DOC_OUTPUTS = 10
_DOC_TREE_NODES = 200

_counter = itertools.count()
_LEAVES = (Var, Const)  # named in the code directly: no statement computes them

# (kind, items): a list or tuple of outputs; an int is the index of one expression.
Template = Any


def lambdify(
    vars: Var | str | Iterable[Var | str], exprs: Any, *, broadcast: bool | None = None, backend: str = "numpy"
) -> Callable[..., Any]:
    """Compile expressions into a fast function of the variables ``vars``, in that order.

    Args:
        vars: the arguments, each a ``Var`` or a name (a single one may be given bare).
        exprs: an expression (or a Python number), or a list or tuple of them, nested
            to any depth.
        broadcast: whether every output is broadcast to the arguments' common
            shape. The default is yes, unless an output uses ``sum`` or ``mean``;
            pass ``False`` for the gradient of a loss over samples, whose partials
            need not mention a reduction (d/db of ``mean(x) + b`` is 1).
        backend: ``"numpy"``, or ``"jax"`` for the same program over ``jax.numpy``,
            compiled with ``jax.jit`` (it returns JAX arrays; JAX computes in float32
            unless ``jax_enable_x64`` is set).

    Returns:
        A function of ``len(vars)`` positional arguments, each a real number or a NumPy
        array (lists are converted); arrays broadcast together. It returns a Python
        ``float`` when every argument is a scalar, else an array of the arguments'
        broadcast shape (a constant output too), nested in lists and tuples as
        ``exprs`` is. If any output uses ``sum`` or ``mean`` (a reduction over the
        samples), no output is broadcast: they are the numbers NumPy computes.
        Shared subexpressions are computed once; domain errors give
        nan or inf as in NumPy. The generated source is in its ``source`` attribute.

    Raises:
        SymdiffError: a bad or repeated variable, an expression that uses a
            variable not among ``vars``, an unknown backend, the jax backend without
            JAX or with a function it has no ``jax.numpy`` kernel for.
        LimitError: an exact constant too large for a float.

    The function raises ``TypeError`` for a wrong number of arguments and
    ``EvaluationError`` for an argument that is not a real number or array.

    >>> from symdiff.nodes import symbols
    >>> x, y = symbols("x y")
    >>> f = lambdify([x, y], [x * y, [x**2, 2]])
    >>> f(3, 4)
    [12.0, [9.0, 2.0]]
    >>> f([1, 2], 1)
    [array([1., 2.]), [array([1., 4.]), array([2., 2.])]]
    """
    if backend not in ("numpy", "jax"):
        raise SymdiffError(f"unknown backend {backend!r}: use 'numpy' or 'jax'")
    jax = _import_jax() if backend == "jax" else None
    names = _arg_names(vars)
    template, roots = _flatten(exprs)
    order = postorder(roots)
    _check_free_vars(order, names)
    order, operands = _share_products(order)
    source, namespace, shown = _generate(names, order, roots, isinstance(template, int), jax, operands)
    filename = f"<symdiff-lambdified-{next(_counter)}>"
    exec(compile(source, filename, "exec"), namespace)
    if broadcast is None:
        broadcast = not any(type(node) is Call and node.fn.reduction for node in order)
    if jax is None:
        blocked = bool(broadcast) and _elementwise(order)
        function = _wrap(namespace["_lambdified"], names, template, broadcast=bool(broadcast), blocked=blocked)
    else:
        function = _wrap_jax(jax, namespace["_lambdified"], names, template, broadcast=bool(broadcast))
    function.__doc__ = _docstring(names, template, shown)
    function.source = source
    function.vars = names
    # Tracebacks through the generated code show its lines; forgotten with the function.
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    weakref.finalize(function, linecache.cache.pop, filename, None)
    return function


# -- inputs -------------------------------------------------------------------------------


def _arg_names(vars: Any) -> tuple[str, ...]:
    if isinstance(vars, (str, Expr)):
        vars = [vars]
    try:
        items = list(vars)
    except TypeError:
        raise TypeError(f"lambdify needs variables (Var, name or list), not {type(vars).__name__}") from None
    names = []
    for item in items:
        if isinstance(item, str):
            if any(c in item for c in " ,\t\n"):
                raise SymdiffError(
                    f"invalid variable name {item!r}: pass several variables as a list, e.g. lambdify(['x', 'y'], e)"
                )
            names.append(Var(item).name)  # Var checks the name
        elif type(item) is Var:
            names.append(item.name)
        elif isinstance(item, Expr):
            raise SymdiffError(f"lambdify arguments must be variables, not the expression {_short_text(item)}")
        else:
            raise TypeError(f"lambdify arguments must be variables (Var or str), not {type(item).__name__}")
    repeated = [name for name, count in Counter(names).items() if count > 1]
    if repeated:
        raise SymdiffError(f"lambdify arguments must be distinct: {_name_list(repeated)} given more than once")
    return tuple(names)


def _flatten(exprs: Any) -> tuple[Template, list[Expr]]:
    """(template, roots): the expressions in order, and their nesting with each replaced by its index."""
    roots: list[Expr] = []
    if not isinstance(exprs, (list, tuple)):
        roots.append(as_expr(exprs))
        return 0, roots
    top = (tuple if isinstance(exprs, tuple) else list, [])
    stack = [(iter(exprs), top[1], id(exprs))]
    open_ids = {id(exprs)}  # the containers being read: one inside itself would never end
    while stack:
        items, out, _ = stack[-1]
        for item in items:
            if isinstance(item, (list, tuple)):
                if id(item) in open_ids:
                    raise SymdiffError("lambdify got a list that contains itself")
                child = (tuple if isinstance(item, tuple) else list, [])
                out.append(child)
                stack.append((iter(item), child[1], id(item)))
                open_ids.add(id(item))
                break
            out.append(len(roots))
            roots.append(as_expr(item))
        else:
            open_ids.discard(stack.pop()[2])
    return top, roots


def _check_free_vars(order: list[Expr], names: tuple[str, ...]) -> None:
    known = set(names)
    missing = sorted({node.name for node in order if type(node) is Var and node.name not in known})
    if missing:
        verb = "which is" if len(missing) == 1 else "which are"
        raise SymdiffError(
            f"expression uses {_name_list(missing)}, {verb} not among the arguments ({_name_list(names)})"
        )


def _name_list(names: Any, limit: int = 10) -> str:
    names = list(names)
    text = ", ".join(names[:limit])
    return text if len(names) <= limit else f"{text}, ... ({len(names)} in all)"


# -- code generation ------------------------------------------------------------------------


def _share_products(order: list[Expr]) -> tuple[list[Expr], dict[int, tuple[Expr, ...]]]:
    """Products that share factors, computed through a shared partial product.

    Canonical products are flat, so the partials of a network's loss each multiply
    the same ``2*t1*t2*t4`` afresh. Two rewrites share that work:

    - a product whose factors include all those of another product in the graph
      (computed anyway) is that product times the rest: ``u0*x6*p12*s`` is
      ``(x6*p12*s) * u0``, one multiplication;
    - among the other products, each one's factors are ordered by how many products
      use them, and a prefix that two products share becomes one product node,
      computed once (a chain: each longer prefix is the shorter one times a factor).
      A canonical product less some factors is canonical, so the prefix nodes are
      ordinary nodes.

    Returns the order with the prefix nodes inserted and every node after the
    operands it reads, and the operands that replace a product's own factors.
    """
    operands = _sub_products(order)
    products = [node for node in order if type(node) is Mul and len(node.args) >= 3 and id(node) not in operands]
    uses = Counter(a for node in products for a in node.args)
    paths: dict[int, list[Expr]] = {}
    trie: dict[int, list[Any]] = {}  # id(factor) -> [products whose path goes through here, the next level]
    for node in products:
        shared = sorted((a for a in node.args if uses[a] >= 2), key=lambda a: -uses[a])
        paths[id(node)] = shared
        level = trie
        for a in shared:
            entry = level.setdefault(id(a), [0, {}])
            entry[0] += 1
            level = entry[1]
    for node in products:
        shared = paths[id(node)]
        k, level = 0, trie  # k: the length of the longest prefix another product shares
        for a in shared:
            entry = level[id(a)]
            if entry[0] < 2:
                break
            k, level = k + 1, entry[1]
        while True:  # that prefix, then that prefix less its last factor, and so on
            if k == len(node.args):  # the whole product is the shared prefix: compute it as it is
                k -= 1
            if k < 2:
                break
            chosen = {id(a) for a in shared[:k]}
            prefix = _make(Mul, tuple(a for a in node.args if id(a) in chosen))
            operands[id(node)] = (prefix, *[a for a in node.args if id(a) not in chosen])
            if id(prefix) in operands:  # already split, as another product's prefix
                break
            node = prefix
    if not operands:
        return order, operands
    # A node reads its arguments, which come first in ``order``; a rewritten one may
    # read a partial product placed later or not at all: place that first.
    out: list[Expr] = []
    placed: set[int] = set()
    for node in order:
        stack = [node]
        while stack:
            top = stack[-1]
            if id(top) in placed:
                stack.pop()
                continue
            needed = [a for a in operands.get(id(top), ()) if id(a) not in placed]
            if needed:
                stack.extend(needed)
                continue
            placed.add(id(top))
            out.append(stack.pop())
    return out, operands


#: A factor in more products than this is not looked at when searching a product's
#: sub-products (a common factor such as 2 would make the search quadratic).
_SUB_PRODUCT_SCAN = 64


def _sub_products(order: list[Expr]) -> dict[int, tuple[Expr, ...]]:
    """Each product of three or more factors that contains the factors of another
    product in ``order``, as (the largest such product, the remaining factors).

    >>> from symdiff.nodes import symbols
    >>> a, b, c = symbols("a b c")
    >>> [(str(p), str(r)) for p, r in _sub_products(postorder([a * b, a * b * c])).values()]
    [('a*b', 'c')]
    """
    muls = [node for node in order if type(node) is Mul]
    containing: dict[int, list[int]] = {}  # id(factor) -> the products (indices into muls) it is in
    for j, node in enumerate(muls):
        for a in node.args:
            containing.setdefault(id(a), []).append(j)
    operands: dict[int, tuple[Expr, ...]] = {}
    for node in muls:
        if len(node.args) < 3:
            continue
        hits: Counter = Counter()
        for a in node.args:
            users = containing[id(a)]
            if len(users) <= _SUB_PRODUCT_SCAN:
                hits.update(users)
        # Canonical factors are distinct: all of a product's factors among ours is a subset.
        size = len(node.args)
        best = max(
            (j for j, count in hits.items() if count == len(muls[j].args) < size), key=lambda j: len(muls[j].args),
            default=None,
        )
        if best is not None:
            inner = set(map(id, muls[best].args))
            operands[id(node)] = (muls[best], *[a for a in node.args if id(a) not in inner])
    return operands


def _generate(
    names: tuple[str, ...],
    order: list[Expr],
    roots: list[Expr],
    single: bool,
    jax: Any = None,
    operands: dict[int, tuple[Expr, ...]] | None = None,
) -> tuple[str, dict[str, Any], list[str]]:
    """(source, namespace, text of the first outputs) of ``_lambdified(_a0, _a1, ...)``.

    With the ``jax`` module, the same program runs over ``jax.numpy`` kernels.
    """
    # the code needs no builtins
    namespace: dict[str, Any] = {"__builtins__": {}, "_pow": np.power if jax is None else jax.numpy.power}
    index = {id(node): i for i, node in enumerate(order)}
    operands = operands or {}
    args = [[index[id(a)] for a in operands.get(id(node), node.args)] for node in order]
    params = {name: f"_a{i}" for i, name in enumerate(names)}
    header = [f"def _lambdified({', '.join(params.values())}):"]
    if names:
        header.append(f"    # {', '.join(f'{p} = {name}' for name, p in params.items())}")

    # slot[i]: the name holding node i's value. Leaves have theirs from the start: a
    # parameter, or a constant in the namespace; operations get a temporary below.
    slot = [""] * len(order)
    kernels: dict[Any, str] = {}  # FunctionSpec -> its name in the namespace
    n_consts = 0
    for i, node in enumerate(order):
        kind = type(node)
        if kind is Var:
            slot[i] = params[node.name]
        elif kind is Const:
            slot[i] = f"_c{n_consts}"
            # a Python float is weakly typed in JAX: it keeps the arguments' precision
            namespace[slot[i]] = _float_const(node) if jax is None else float(_float_const(node))
            header.append(f"    # {slot[i]} = {_const_text(node.value)}")
            n_consts += 1
        elif kind is Call and node.fn not in kernels:
            kernels[node.fn] = f"_f{len(kernels)}_{node.fn.name}"
            namespace[kernels[node.fn]] = node.fn.numpy if jax is None else _jax_kernel(jax, node.fn)
            if node.fn.reduction and "_shape" not in namespace:
                # sum/mean reduce over the samples: their argument broadcast to the arrays' shape
                header.append(f"    _samples = _shape({', '.join(params.values())})")
                namespace["_shape"] = _sample_shape
                namespace["_broadcast"] = np.broadcast_to if jax is None else jax.numpy.broadcast_to

    negated = _negated_terms(order, args, [index[id(root)] for root in roots])
    statements = _schedule(order, args, negated)

    def reads_of(i: int, chunk: int | None) -> list[int]:
        reads = _reads(args[i], chunk)
        if negated and type(order[i]) is Add:  # a negated term reads its own operands
            reads = [b for a in reads for b in (args[a] if a in negated else (a,))]
        return reads

    # last[i]: the statement that reads node i last; outputs live to the end.
    last = [0] * len(order)
    for position, (i, chunk) in enumerate(statements):
        for a in reads_of(i, chunk):
            last[a] = position
        if chunk:
            last[i] = position  # a running sum reads its own partial value
    for root in roots:
        last[index[id(root)]] = len(statements)

    # JAX arrays follow NumPy's rules for ``**``, but two Python-float constants would not: _pow
    numpy_typed = _numpy_typed(order, args) if jax is None else [type(node) is Var for node in order]
    free: list[str] = []
    n_temps = 0
    lines = header
    for position, (i, chunk) in enumerate(statements):
        node, kind = order[i], type(order[i])
        reads = reads_of(i, chunk)
        operands = [slot[a] for a in reads]
        if kind is Add and negated and any(a in negated for a in args[i]):
            expr = _signed_sum(args[i], negated, slot, args)
        elif kind is Add or kind is Mul:
            if chunk:
                operands.insert(0, slot[i])
            expr = (" + " if kind is Add else " * ").join(operands)
        elif kind is Pow:
            base, exp = operands
            # ``**`` with a NumPy operand follows NumPy (nan, inf); two Python floats (from
            # kernels that return them) could give a complex number or raise: np.power.
            typed = numpy_typed[args[i][0]] or numpy_typed[args[i][1]]
            expr = f"{base} ** {exp}" if typed else f"_pow({base}, {exp})"
        elif kind is Call and node.fn.reduction:
            expr = f"{kernels[node.fn]}(_broadcast({operands[0]}, _samples))"
        elif kind is Call:
            expr = f"{kernels[node.fn]}({', '.join(operands)})"
        else:  # pragma: no cover - the node kinds are closed
            raise SymdiffError(f"lambdify cannot compile a {kind.__name__} node")
        # Temporaries read for the last time are free; the result may reuse one.
        for a in set(reads):
            if last[a] == position and type(order[a]) not in _LEAVES:
                free.append(slot[a])
        if not chunk:
            if free:
                slot[i] = free.pop()
            else:
                slot[i] = f"_t{n_temps}"
                n_temps += 1
        lines.append(f"    {slot[i]} = {expr}")
    outputs = [slot[index[id(root)]] for root in roots]
    if single:
        lines.append(f"    return {outputs[0]}")
    else:
        lines.append(f"    return ({''.join(name + ', ' for name in outputs)})")
    shown = [_short_text(r, 200) if _is_small(r) else "<large expression>" for r in roots[:_DOC_OUTPUTS]]
    return "\n".join(lines) + "\n", namespace, shown


def _negated_terms(order: list[Expr], args: list[list[int]], outputs: list[int]) -> set[int]:
    """The products ``-1*u*...`` that a sum subtracts instead: each the term of one
    short sum and read nowhere else, so ``1 - x**2`` is one operation, not two.
    Negation is exact, so ``a - u`` rounds as ``a + -1*u`` does."""
    uses = Counter(outputs)
    for i, node in enumerate(order):
        if type(node) not in _LEAVES:
            uses.update(args[i])
    negated = set()
    for i, node in enumerate(order):
        if type(node) is Add and len(args[i]) <= INLINE_OPERANDS:
            for a in args[i]:
                if type(order[a]) is Mul and uses[a] == 1:
                    first = order[args[a][0]]
                    if type(first) is Const and first.value == -1:
                        negated.add(a)
    return negated


def _signed_sum(terms: list[int], negated: set[int], slot: list[str], args: list[list[int]]) -> str:
    """``a - u * v + b``: the sum of ``terms``, with each negated product as a subtraction."""
    if len(terms) > 1 and terms[0] in negated and terms[1] not in negated:
        terms = [terms[1], terms[0], *terms[2:]]  # b - u, not -u + b; the first sum is exact either way
    parts = []
    for a in terms:
        if a in negated:
            product = " * ".join(slot[b] for b in args[a][1:])
            parts.append(f"- {product}" if parts else f"-{product}")
        else:
            parts.append(f"+ {slot[a]}" if parts else slot[a])
    return " ".join(parts)


def _reads(args: list[int], chunk: int | None) -> list[int]:
    """The nodes a statement reads: all arguments, or those of one chunk of a long sum."""
    return args if chunk is None else args[chunk * INLINE_OPERANDS : (chunk + 1) * INLINE_OPERANDS]


def _schedule(order: list[Expr], args: list[list[int]], inline: set[int] = frozenset()) -> list[tuple[int, int | None]]:
    """The statements in order: ``(i, None)`` computes node i; ``(i, k)`` adds chunk k of a long sum.

    Leaves (variables, constants) and the ``inline`` nodes (written inside the one
    statement that reads them) need no statement. Other nodes are computed where
    ``order`` has them, except a sum or product of more than ``INLINE_OPERANDS``
    operands: it is a running sum, and each chunk of that many operands is added as
    soon as they are all known. So the operands need not all be alive at once
    (100,000 live temporaries make Python's compiler slow) and no line is long. The
    chunks go left to right, so the rounding is that of ``evaluate``'s loop.
    """
    if all(len(a) <= INLINE_OPERANDS for a in args):  # the common case: no running sums
        return [(i, None) for i, node in enumerate(order) if type(node) not in _LEAVES and i not in inline]
    n_chunks = [0] * len(order)
    remaining: dict[tuple[int, int], int] = {}  # (long node, chunk) -> operands not yet known
    member_of: dict[int, list[tuple[int, int]]] = {}  # operand -> the chunks it is in
    for i, node in enumerate(order):
        if len(args[i]) > INLINE_OPERANDS and type(node) in (Add, Mul):
            n_chunks[i] = -(-len(args[i]) // INLINE_OPERANDS)
            for k in range(n_chunks[i]):
                pending = {a for a in _reads(args[i], k) if type(order[a]) not in _LEAVES}  # leaves are known
                remaining[i, k] = len(pending)
                for a in pending:
                    member_of.setdefault(a, []).append((i, k))
    next_chunk = [0] * len(order)
    statements: list[tuple[int, int | None]] = []

    def advance(target: int, known: list[int]) -> None:
        while next_chunk[target] < n_chunks[target] and remaining[target, next_chunk[target]] == 0:
            statements.append((target, next_chunk[target]))
            next_chunk[target] += 1
            if next_chunk[target] == n_chunks[target]:
                known.append(target)  # the whole sum is known: it may be an operand itself

    def learn(known: list[int]) -> None:
        while known:
            for target, k in member_of.get(known.pop(), ()):
                remaining[target, k] -= 1
                advance(target, known)

    for i in range(len(order)):
        if n_chunks[i]:
            known: list[int] = []
            advance(i, known)  # chunks of leaves only are ready at once
            learn(known)
    for i, node in enumerate(order):
        if type(node) not in _LEAVES and not n_chunks[i] and i not in inline:
            statements.append((i, None))
            if i in member_of:
                learn([i])
    return statements


def _numpy_typed(order: list[Expr], args: list[list[int]]) -> list[bool]:
    """Whether each node's value is surely a NumPy scalar or array (arguments and
    constants are float64; Python floats come only from kernels that are not ufuncs)."""
    typed = [False] * len(order)
    for i, node in enumerate(order):
        kind = type(node)
        if kind is Call:
            typed[i] = isinstance(node.fn.numpy, np.ufunc)
        elif kind is Add or kind is Mul:
            typed[i] = any(typed[a] for a in args[i])
        else:  # Var, Const, and Pow, which gives NumPy values either way
            typed[i] = True
    return typed


def _is_small(root: Expr) -> bool:
    """At most ``_DOC_TREE_NODES`` nodes as a tree: small enough to print in a docstring."""
    count, stack = 0, [root]
    while stack:
        count += 1
        if count > _DOC_TREE_NODES:
            return False
        stack.extend(stack.pop().args)
    return True


def _const_text(value: Any) -> str:
    text = repr(value) if isinstance(value, float) else str(value)
    return text if len(text) <= 30 else f"{text[:10]}... ({len(text)} digits)"


def _float_const(node: Const) -> np.float64:
    try:
        return np.float64(float(node.value))
    except OverflowError:
        raise LimitError(
            f"the constant {_short_text(node, 40)} is too large for a float (lambdify computes in double precision)"
        ) from None


def _short_text(node: Expr, limit: int = 80) -> str:
    """The text of a small node, cut to ``limit`` characters; never huge, never raises."""
    try:
        text = str(node) if len(node.args) < 50 else f"<{type(node).__name__} of {len(node.args)} terms>"
    except SymdiffError:  # too large to print
        text = f"<{type(node).__name__}>"
    return text if len(text) <= limit else f"{text[: limit - 20]}... ({len(text)} characters)"


def _docstring(names: tuple[str, ...], template: Template, shown: list[str]) -> str:
    signature = f"lambdified({', '.join(names)})"
    if isinstance(template, int):
        return f"{signature} -> {shown[0]}\n\nCompiled by symdiff.lambdify; the generated code is in .source."
    lines = [f"{signature}: {_count_outputs(template)} expressions compiled by symdiff.lambdify:", ""]
    lines += [f"    [{i}] {text}" for i, text in enumerate(shown)]
    more = _count_outputs(template) - len(shown)
    if more:
        lines.append(f"    ... and {more} more")
    lines += ["", "Results come nested as the expressions were given; the generated code is in .source."]
    return "\n".join(lines)


def _count_outputs(template: Template) -> int:
    count, stack = 0, [template]
    while stack:
        item = stack.pop()
        if isinstance(item, int):
            count += 1
        else:
            stack.extend(item[1])
    return count


# -- the JAX backend ------------------------------------------------------------------------

#: The jax.numpy kernel of each built-in function, by registry name (functions.py
#: holds the NumPy ones). A function missing here cannot be compiled for JAX.
_JAX_KERNELS: dict[str, Callable[[Any], Any]] = {
    "sin": lambda jnp: jnp.sin, "cos": lambda jnp: jnp.cos, "tan": lambda jnp: jnp.tan,
    "asin": lambda jnp: jnp.arcsin, "acos": lambda jnp: jnp.arccos, "atan": lambda jnp: jnp.arctan,
    "sinh": lambda jnp: jnp.sinh, "cosh": lambda jnp: jnp.cosh, "tanh": lambda jnp: jnp.tanh,
    "exp": lambda jnp: jnp.exp, "log": lambda jnp: jnp.log, "sqrt": lambda jnp: jnp.sqrt,
    "abs": lambda jnp: jnp.abs, "sign": lambda jnp: jnp.sign,
    "step": lambda jnp: lambda x: jnp.heaviside(x, 0.0),
    "sigmoid": lambda jnp: lambda x: 1 / (1 + jnp.exp(-x)),
    "relu": lambda jnp: lambda x: jnp.maximum(x, 0.0),
    "softplus": lambda jnp: lambda x: jnp.logaddexp(0.0, x),
    "max": lambda jnp: jnp.maximum, "min": lambda jnp: jnp.minimum,
    "sum": lambda jnp: jnp.sum, "mean": lambda jnp: jnp.mean,
    "pi": lambda jnp: lambda: jnp.pi,
}


def _import_jax() -> Any:
    try:
        import jax
        import jax.numpy  # noqa: F401  (the attribute jax.numpy)
    except ImportError:
        raise SymdiffError("the jax backend needs JAX: pip install 'jax[cpu]'") from None
    return jax


def _jax_kernel(jax: Any, spec: Any) -> Callable[..., Any]:
    from . import functions

    kernel = _JAX_KERNELS.get(spec.name)
    # a user's function, or one registered over a built-in name, has only its NumPy kernel
    if kernel is None or getattr(functions, spec.name, None) is not spec:
        raise SymdiffError(
            f"the jax backend has no jax.numpy kernel for the function {spec.name!r};"
            " use backend='numpy' (the default)"
        )
    return kernel(jax.numpy)


def _wrap_jax(
    jax: Any, inner: Callable[..., Any], names: tuple[str, ...], template: Template, broadcast: bool = True
) -> Callable[..., Any]:
    """``inner`` with its outputs broadcast and nested as the expressions were, under ``jax.jit``."""
    jnp = jax.numpy
    single = isinstance(template, int)

    def lambdified(*args: Any) -> Any:
        out = inner(*args)
        results = [out] if single else list(out)
        if broadcast:
            shape = jnp.broadcast_shapes(*[jnp.shape(a) for a in args]) if args else ()
            results = [jnp.broadcast_to(jnp.asarray(v, dtype=jnp.result_type(float)), shape) for v in results]
        return _fill(template, results)

    lambdified.__name__ = lambdified.__qualname__ = "lambdified"
    compiled = jax.jit(lambdified)
    n = len(names)
    takes = f"takes {n} argument{'' if n == 1 else 's'} ({_name_list(names)})"

    def checked(*args: Any) -> Any:
        if len(args) != n:
            raise TypeError(f"lambdified function {takes} but {len(args)} {'was' if len(args) == 1 else 'were'} given")
        return compiled(*args)

    checked.__name__ = checked.__qualname__ = "lambdified"
    return checked


# -- the compiled function ------------------------------------------------------------------


def _sample_shape(*values: Any) -> tuple[int, ...]:
    return np.broadcast_shapes(*[np.shape(v) for v in values])


def _wrap(
    inner: Callable[..., Any], names: tuple[str, ...], template: Template, broadcast: bool = True, blocked: bool = False
) -> Callable[..., Any]:
    n = len(names)
    takes = f"takes {n} argument{'' if n == 1 else 's'} ({_name_list(names)})"
    single = isinstance(template, int)

    def lambdified(*args: Any) -> Any:
        if len(args) != n:
            raise TypeError(f"lambdified function {takes} but {len(args)} {'was' if len(args) == 1 else 'were'} given")
        values = [_convert(name, value) for name, value in zip(names, args, strict=True)]
        arrays = [v for v in values if type(v) is not np.float64]
        shape = _common_shape(names, values) if arrays and broadcast else None
        with np.errstate(all="ignore"):
            rows = _block_rows(shape) if blocked and shape else 0
            out = _in_blocks(inner, values, shape, rows, single) if rows else inner(*values)
        if single:
            return _finish(out, shape, arrays)
        results = [_finish(v, shape, arrays) for v in out]
        if arrays:
            # One node may be several outputs (a Hessian's mirrored entries): give each its own array.
            seen = {id(a) for a in arrays}
            for i, v in enumerate(results):
                if type(v) is np.ndarray:
                    if id(v) in seen:
                        results[i] = v = v.copy()
                    seen.add(id(v))
        return _fill(template, results)

    lambdified.__name__ = lambdified.__qualname__ = "lambdified"
    return lambdified


def _elementwise(order: list[Expr]) -> bool:
    """Whether every operation computes each number from the same numbers of its
    arguments (no ``sum``, no user kernel that is not a ufunc): rows may be computed apart."""
    from . import functions

    for node in order:
        if type(node) is Call:
            fn = node.fn
            if fn.reduction or not (isinstance(fn.numpy, np.ufunc) or getattr(functions, fn.name, None) is fn):
                return False
    return True


def _block_rows(shape: tuple[int, ...]) -> int:
    """Rows per block for outputs of ``shape``, or 0 when they are not worth splitting."""
    row = math.prod(shape[1:])
    if row == 0 or row > BLOCK_ELEMENTS:
        return 0
    rows = BLOCK_ELEMENTS // row
    return rows if shape[0] >= 4 * rows else 0


def _in_blocks(
    inner: Callable[..., Any], values: list[Any], shape: tuple[int, ...], rows: int, single: bool
) -> Any:
    """``inner``'s outputs of ``shape``, computed ``rows`` rows at a time.

    An argument with all the dimensions and the full first one is sliced; any other
    broadcasts along the first dimension, so it goes whole to every block.
    """
    n = shape[0]
    sliced = [np.ndim(v) == len(shape) and np.shape(v)[0] == n for v in values]
    outputs: list[np.ndarray] = []
    for start in range(0, n, rows):
        block = slice(start, start + rows)
        got = inner(*[v[block] if cut else v for v, cut in zip(values, sliced, strict=True)])
        if single:
            got = (got,)
        if not outputs:
            outputs = [np.empty(shape) for _ in got]
        for output, value in zip(outputs, got, strict=True):
            output[block] = value
    return outputs[0] if single else outputs


def _convert(name: str, value: Any) -> np.float64 | np.ndarray:
    """An argument as a float64 scalar or a float array, as ``evaluate`` accepts them."""
    kind = type(value)
    if kind is float or kind is int:
        return _scalar(name, value)
    if isinstance(value, np.ndarray):
        array = value
    elif isinstance(value, numbers.Real) and not isinstance(value, bool):
        return _scalar(name, value)
    elif isinstance(value, (list, tuple)) or hasattr(value, "__array__"):
        try:
            array = np.asarray(value)
        except (TypeError, ValueError) as err:
            raise EvaluationError(f"the value of {name!r} is not a real array: {err}") from None
    else:
        raise EvaluationError(f"the value of {name!r} must be a real number or array, got {kind.__name__}")
    if array.dtype.kind not in "iufO":  # not bool, complex, text or dates
        raise EvaluationError(f"the value of {name!r} must be a real array, got dtype {array.dtype}")
    if array.dtype.kind == "O":  # Fractions are fine; None or "1.5" would quietly become floats
        for item in array.flat:
            if isinstance(item, bool) or not isinstance(item, numbers.Real):
                raise EvaluationError(f"the value of {name!r} is not a real array: it holds {type(item).__name__}")
    try:
        array = array.astype(np.float64, copy=False)
    except (TypeError, ValueError, OverflowError) as err:
        raise EvaluationError(f"the value of {name!r} is not a real array: {err}") from None
    return array[()] if array.ndim == 0 else array


def _scalar(name: str, value: Any) -> np.float64:
    # float64, not float: its arithmetic gives nan and inf where Python's raises or goes complex.
    try:
        return np.float64(float(value))
    except OverflowError:
        raise EvaluationError(f"the value of {name!r} is too large for a float") from None


def _common_shape(names: tuple[str, ...], values: list[Any]) -> tuple[int, ...]:
    shapes = [np.shape(v) for v in values]
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        described = ", ".join(f"{name} has shape {shape}" for name, shape in zip(names, shapes, strict=True) if shape)
        raise EvaluationError(f"the arguments do not broadcast together: {described}") from None


def _finish(value: Any, shape: tuple[int, ...] | None, arrays: list[np.ndarray]) -> Any:
    """An output as returned: a Python float for scalar arguments, else an array of ``shape``."""
    if shape is None:
        if np.ndim(value) == 0:
            return float(value)
        return value.copy() if any(value is a for a in arrays) else value
    if type(value) is np.ndarray and value.shape == shape and value.dtype == np.float64:
        # A variable's value is the caller's array: never hand it back itself.
        return value.copy() if any(value is a for a in arrays) else value
    if np.ndim(value) == 0:
        return np.full(shape, float(value))
    return np.array(np.broadcast_to(value, shape), dtype=np.float64)


def _fill(template: Template, values: list[Any]) -> Any:
    """``template`` with each index replaced by its value; iterative, any depth."""
    if isinstance(template, int):
        return values[template]
    root: list[Any] = []
    stack = [(template[0], iter(template[1]), root)]
    while stack:
        kind, items, out = stack[-1]
        for item in items:
            if isinstance(item, int):
                out.append(values[item])
            else:
                child: list[Any] = []
                out.append(child)
                stack.append((item[0], iter(item[1]), child))
                break
        else:
            stack.pop()
            if kind is tuple:
                done = tuple(out)
                if not stack:
                    return done
                stack[-1][2][-1] = done  # the parent's last item is this child's list
    return root


__all__ = ["BLOCK_ELEMENTS", "INLINE_OPERANDS", "lambdify"]
