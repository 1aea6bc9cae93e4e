"""Expression nodes: immutable and interned.

Every node is built through a constructor that returns the existing node when
an equal one exists (hash-consing), so structural equality is identity and a
repeated subexpression is one object. This module owns the node classes, the
intern table, the deterministic argument order and the operator sugar; the
normalizing constructors (``add``, ``mul``, ``pow_``) live in ``canonical.py``.
It never walks a graph: that is ``walk.py``'s job.
"""

from __future__ import annotations

import hashlib
import math
import numbers
import operator
import re
import weakref
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from . import limits
from .errors import LimitError, SymdiffError

if TYPE_CHECKING:
    from .functions import FunctionSpec

Number = int | float | Fraction

_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")

class _Ref(weakref.ref):
    """A weak reference that knows its table key. Unlike ``weakref.KeyedRef``,
    whose ``__new__`` and ``__init__`` are Python code, it is made in C: one
    is made per new node."""

    __slots__ = ("key",)


# key -> weak reference to the node: a node lives as long as something outside
# the table uses it. A plain dict of weak references keeps lookups in C (a
# WeakValueDictionary's get is Python code, the hot path of every constructor).
_table: dict[tuple, _Ref] = {}


def _forget(ref: _Ref) -> None:
    if _table.get(ref.key) is ref:
        del _table[ref.key]


def _lookup(key: tuple) -> Expr | None:
    ref = _table.get(key)
    return None if ref is None else ref()


def _remember(key: tuple, node: Expr) -> None:
    _table[key] = ref = _Ref(node, _forget)
    ref.key = key


def _text_digest(text: str) -> int:
    """A hash of ``text`` that is the same in every process (str hash is salted)."""
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


class Expr:
    """Base class of all expression nodes.

    Nodes are immutable and interned: build them with ``Const``, ``Var``,
    ``Add``, ``Mul``, ``Pow``, ``Call`` or the operators, never by mutation.

    >>> x, y = symbols("x y")
    >>> (x + y) * 2 is 2 * (y + x)
    True
    """

    __slots__ = ("args", "_digest", "_key", "__weakref__")

    args: tuple[Expr, ...]
    _digest: int
    # (rank, lead name, -degree, digest): the canonical argument order.
    _key: tuple

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} nodes are immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} nodes are immutable")

    def __copy__(self) -> Expr:
        return self

    def __deepcopy__(self, memo: dict) -> Expr:
        return self

    def __reduce__(self):
        from .parse import parse

        return (parse, (str(self),))

    # -- operators: sugar over add, mul and pow ------------------------------
    def __add__(self, other: Any) -> Expr:
        other = _coerce(other)
        return NotImplemented if other is None else add(self, other)

    def __radd__(self, other: Any) -> Expr:
        other = _coerce(other)
        return NotImplemented if other is None else add(other, self)

    def __sub__(self, other: Any) -> Expr:
        other = _coerce(other)
        return NotImplemented if other is None else add(self, mul(_MINUS_ONE, other))

    def __rsub__(self, other: Any) -> Expr:
        other = _coerce(other)
        return NotImplemented if other is None else add(other, mul(_MINUS_ONE, self))

    def __mul__(self, other: Any) -> Expr:
        other = _coerce(other)
        return NotImplemented if other is None else mul(self, other)

    def __rmul__(self, other: Any) -> Expr:
        other = _coerce(other)
        return NotImplemented if other is None else mul(other, self)

    def __truediv__(self, other: Any) -> Expr:
        other = _coerce(other)
        return NotImplemented if other is None else mul(self, pow_(other, _MINUS_ONE))

    def __rtruediv__(self, other: Any) -> Expr:
        other = _coerce(other)
        return NotImplemented if other is None else mul(other, pow_(self, _MINUS_ONE))

    def __pow__(self, other: Any) -> Expr:
        other = _coerce(other)
        return NotImplemented if other is None else pow_(self, other)

    def __rpow__(self, other: Any) -> Expr:
        other = _coerce(other)
        return NotImplemented if other is None else pow_(other, self)

    def __neg__(self) -> Expr:
        return mul(_MINUS_ONE, self)

    def __pos__(self) -> Expr:
        return self

    # -- text ------------------------------------------------------------------
    def __str__(self) -> str:
        from .printing import to_str

        return to_str(self)

    def __repr__(self) -> str:
        from .printing import to_repr

        return to_repr(self)

    def _repr_latex_(self) -> str:
        from .printing import latex

        return f"${latex(self)}$"

    def _repr_svg_(self) -> str | None:
        """The DAG as SVG for Jupyter; None (text fallback) without ``dot`` or when too big."""
        try:
            from .render import repr_svg

            return repr_svg(self)
        except Exception:  # a display hook must never raise
            return None


class Const(Expr):
    """A numeric constant: an exact ``int`` or ``Fraction``, or a finite ``float``.

    >>> Const(4) / 6
    Const(Fraction(2, 3))
    """

    __slots__ = ("value",)
    value: Number

    def __new__(cls, value: Any) -> Const:
        if type(value) in _PLAIN_NUMBERS:
            # the common case: an int or float already in the table needs no checks
            # (-0.0 finds 0.0; NaN, infinities and huge ints are never stored)
            ref = _table.get((Const, type(value), value))  # _lookup, inlined: the hottest call
            if ref is not None:
                node = ref()
                if node is not None:
                    return node
        value = _as_number(value)
        key = (Const, type(value), value)
        node = _lookup(key)
        if node is None:
            node = object.__new__(Const)
            # Not hash(value): hash(-1) == hash(-2), and ties would make the order
            # depend on argument order.
            digest = _text_digest(f"{type(value).__name__}:{_digits(value)}")
            _init(node, (), digest, (0, "", 0, digest), value=value)
            _remember(key, node)
        return node

    # A constant compares equal to the Python number it holds, like SymPy's.
    def __eq__(self, other: object) -> bool:
        if other is self:
            return True
        if isinstance(other, Expr):
            return False
        if isinstance(other, numbers.Real) and not isinstance(other, bool):
            return self.value == other
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        result = self.__eq__(other)
        return result if result is NotImplemented else not result

    def __hash__(self) -> int:
        return hash(self.value)

    def __float__(self) -> float:
        return float(self.value)

    def __int__(self) -> int:
        return int(self.value)


class Var(Expr):
    """A variable, named like a Python identifier.

    >>> Var("w_12") is Var("w_12")
    True
    """

    __slots__ = ("name",)
    name: str

    def __new__(cls, name: str) -> Var:
        key = (Var, name)
        node = _lookup(key)
        if node is None:
            _check_var_name(name)
            node = object.__new__(Var)
            digest = hash((1, _text_digest(name)))
            _init(node, (), digest, (1, name, -1, digest), name=name)
            _remember(key, node)
        return node


class Add(Expr):
    """A sum of two or more terms; ``Add(*terms)`` returns the canonical sum.

    >>> x = Var("x")
    >>> Add(x, 2 * x, 1)
    Add(Const(1), Mul(Const(3), Var('x')))
    """

    __slots__ = ()

    def __new__(cls, *terms: Any) -> Expr:
        return add(*terms)


class Mul(Expr):
    """A product of two or more factors, numeric coefficient first.

    >>> x = Var("x")
    >>> Mul(x, x, 3)
    Mul(Const(3), Pow(Var('x'), Const(2)))
    """

    __slots__ = ()

    def __new__(cls, *factors: Any) -> Expr:
        return mul(*factors)


class Pow(Expr):
    """``base ** exp``; division is ``Pow(.., -1)``.

    >>> Pow(Var("x"), 0)
    Const(1)
    """

    __slots__ = ()

    def __new__(cls, base: Any, exp: Any) -> Expr:
        return pow_(base, exp)

    @property
    def base(self) -> Expr:
        return self.args[0]

    @property
    def exp(self) -> Expr:
        return self.args[1]


class Call(Expr):
    """A call of a registered function; ``fn`` is its ``FunctionSpec``.

    >>> from symdiff.functions import lookup
    >>> Call(lookup("sin"), Var("x")).fn.name
    'sin'
    """

    __slots__ = ("fn",)
    fn: FunctionSpec

    def __new__(cls, fn: FunctionSpec | str, *args: Any) -> Expr:
        return call(fn, *args)


def _init(node: Expr, args: tuple, digest: int, key: tuple, **fields: Any) -> None:
    set_ = object.__setattr__
    set_(node, "args", args)
    set_(node, "_digest", digest)
    set_(node, "_key", key)
    for name, value in fields.items():
        set_(node, name, value)


def _check_var_name(name: object) -> None:
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise SymdiffError(f"invalid variable name {name!r}: use letters, digits and _, not starting with a digit")
    from .functions import lookup_constant

    if lookup_constant(name) is not None:
        raise SymdiffError(f"invalid variable name {name!r}: it names a constant")


_PLAIN_NUMBERS = (int, float)


def _as_number(value: Any) -> Number:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"Const needs a real number, not {type(value).__name__}")
    if isinstance(value, numbers.Rational):
        frac = value if isinstance(value, (int, Fraction)) else Fraction(int(value.numerator), int(value.denominator))
        return _check_size(int(frac) if frac.denominator == 1 else frac)
    value = float(value)
    if not math.isfinite(value):
        raise LimitError(f"constant {value} is not a finite number")
    return value + 0.0  # -0.0 becomes 0.0, so there is one zero


def _coerce(value: Any) -> Expr | None:
    """An operand for an operator: Expr as is, a real number as Const, else None."""
    if isinstance(value, Expr):
        return value
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return Const(value)
    return None


def as_expr(value: Any) -> Expr:
    """Turn an Expr or a real number into an Expr; raise TypeError otherwise.

    >>> as_expr(2.5)
    Const(2.5)
    """
    expr = _coerce(value)
    if expr is None:
        raise TypeError(f"expected an expression or a number, not {type(value).__name__}")
    return expr


def _make(cls: type, args: tuple, digest: int | None = None, degree: Any = None) -> Expr:
    """The interned node ``cls(args)`` for arguments already in canonical form.

    ``digest`` and ``degree`` (the -degree of a product's sort key) may be given
    when they are known from a related node, as ``drop_arg`` knows them.
    """
    key = (cls, args)
    ref = _table.get(key)
    node = None if ref is None else ref()
    if node is None:
        node = object.__new__(cls)
        if digest is None:
            digest = _sum_digest(cls, args) if cls is not Pow else hash((4, args[0]._digest, args[1]._digest))
        set_ = object.__setattr__
        set_(node, "args", args)
        set_(node, "_digest", digest)
        set_(node, "_key", _sort_key(cls, args, digest, degree))
        _table[key] = ref = _Ref(node, _forget)
        ref.key = key
    return node


_TAGS = {Add: 2, Mul: 3, Pow: 4}
_DIGEST = operator.attrgetter("_digest")
_KEY = operator.attrgetter("_key")
_NEG_DEGREE = operator.itemgetter(2)  # a sort key holds -degree
_MASK = (1 << 64) - 1


def _sum_digest(cls: type, args: tuple) -> int:
    # A sum over the (sorted, canonical) arguments, each mixed by hashing it in a
    # 1-tuple so regrouping does not collide (x*y + z vs x + y*z). Unlike a hash of
    # the whole tuple it drops one argument in O(1): the product rule builds n
    # products of n - 1 factors each.
    return (_TAGS[cls] + sum(map(hash, zip(map(_DIGEST, args))))) & _MASK


def _mixed(node: Expr) -> int:
    return hash((node._digest,))


def drop_arg(node: Expr, i: int) -> Expr:
    """A canonical sum or product less its i-th argument, in O(1) beyond the tuple copy.

    A canonical product less one factor is canonical (its factors keep distinct
    bases and their order), so it needs no merging, and its digest and degree
    follow from the node's own.

    >>> x, y = symbols("x y")
    >>> str(drop_arg(3 * x * y, 1))
    '3*y'
    """
    args = node.args
    rest = args[:i] + args[i + 1 :]
    if len(rest) == 1:
        return rest[0]
    gone = args[i]
    digest = (node._digest - _mixed(gone)) & _MASK
    degree = node._key[2]
    if type(node) is Mul and type(degree) is int and type(gone._key[2]) is int:
        degree = degree - gone._key[2] if type(gone) is not Const else degree
    else:
        degree = None  # a float degree is summed again: subtracting could round differently
    return _make(type(node), rest, digest, degree)


def _degree(node: Expr) -> Any:
    return -node._key[2]


def _sort_key(cls: type, args: tuple, digest: int, degree: Any = None) -> tuple:
    # Terms sort by their leading variable, then by falling degree, functions
    # after powers of variables: x^2*y + y + 2, x + sin(x), x*(x + 1).
    # Degrees are ints while every exponent is, so a product's degree is exact.
    if cls is Pow:
        base, exp = args
        rank, lead, _, _ = base._key
        if rank == 0:
            rank = 2
        if isinstance(exp, Const):
            n = exp.value
            degree = _degree(base) * (n if type(n) is int else _clamp(n))
        else:
            degree = _degree(base)
        return (rank, lead, -degree, digest)
    # map over attrgetter/itemgetter keeps these O(n) sums in C: the product
    # rule builds n products of n - 1 factors, so a Python loop here was O(n^2).
    if cls is Mul:
        rest = args[1:] if type(args[0]) is Const else args
        lead = rest[0]._key
        if degree is None:
            degree = sum(map(_NEG_DEGREE, map(_KEY, rest)))
        return (lead[0], lead[1], degree, digest)
    if cls is Add:
        rest = args[1:] if type(args[0]) is Const else args
        return (2, rest[0]._key[1], min(map(_NEG_DEGREE, map(_KEY, rest))), digest)
    raise AssertionError(cls)


def _clamp(value: Number) -> float:
    try:
        return float(value)
    except OverflowError:  # only the order uses it; any huge number sorts alike
        return 1e308 if value > 0 else -1e308


def _sorted(nodes: list[Expr]) -> tuple:
    nodes.sort(key=_KEY)
    return tuple(nodes)


def call(fn: FunctionSpec | str, *args: Any) -> Expr:
    """The canonical call of a registered function (see ``functions.call``).

    >>> str(call("sin", Var("x")))
    'sin(x)'
    """
    from .functions import call as _call

    return _call(fn, *args)


def _digits(value: Any) -> str:
    """``repr(value)``, or hexadecimal where Python's int-to-str digit limit refuses it."""
    try:
        return repr(value)
    except ValueError:  # sys.set_int_max_str_digits: hex has no limit
        if isinstance(value, Fraction):
            return f"{value.numerator:#x}/{value.denominator:#x}"
        return f"{value:#x}"


def make_call(spec: FunctionSpec, args: tuple[Expr, ...]) -> Expr:
    """The interned Call node, with no folding; ``functions.call`` decides when."""
    key = (Call, spec, args)
    node = _lookup(key)
    if node is None:
        node = object.__new__(Call)
        digest = hash((5, spec.digest) + tuple(a._digest for a in args))
        _init(node, args, digest, (3, spec.name, 0, digest), fn=spec)
        _remember(key, node)
    return node


def _check_size(value: Number) -> Number:
    if not isinstance(value, float):
        top = value if isinstance(value, int) else max(abs(value.numerator), value.denominator)
        bits = abs(top).bit_length()
        if bits > limits.MAX_CONST_BITS:
            raise LimitError(
                f"an exact constant of {bits} bits is over the limit of {limits.MAX_CONST_BITS} bits"
                " (symdiff.limits.MAX_CONST_BITS)"
            )
    return value


def symbols(names: str) -> tuple[Var, ...]:
    """Variables from a space- or comma-separated string of names.

    >>> x, y = symbols("x y")
    >>> y.name
    'y'
    """
    parts = [p for p in re.split(r"[\s,]+", names) if p]
    if not parts:
        raise SymdiffError("symbols() needs at least one name")
    return tuple(Var(p) for p in parts)


_MINUS_ONE = Const(-1)

# The operators and the Add/Mul/Pow constructors live in canonical.py, which
# needs the classes above: import it last.
from .canonical import add, mul, pow_, rebuild  # noqa: E402

__all__ = [
    "Add", "Call", "Const", "Expr", "Mul", "Pow", "Var", "add", "as_expr", "call",
    "drop_arg", "make_call", "mul", "pow_", "rebuild", "symbols",
]
