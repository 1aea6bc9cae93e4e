"""The benchmark problems, written once and built in each library.

A problem is a ``Case`` (family, name, JSON parameters). ``prepare(lib, case)``
imports the library, builds the input (untimed) and returns a ``Prepared``: the
function to time and a function that describes its result (the "size" column).
A library that does not offer an operation has no method for the family (or
raises ``NotOffered``): the table says ``n/a``.

The inputs are the same expressions in every library: ``TEXTBOOK`` is evaluated
as Python with each library's functions, and the Rosenbrock, MLP, nested-sin and
product builders take the library's symbols and functions. JAX has no symbolic
expressions; its "derivative" is the jaxpr of ``jax.grad`` (or ``jax.hessian``)
traced by ``jax.make_jaxpr``, which is the symbolic work JAX does before it
compiles; its size is the number of jaxpr equations.
"""

from __future__ import annotations

import functools
import inspect
import operator
import random
import resource
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

#: Classic single-variable derivatives, as Python text over ``x`` (defined for x in (0, 1)).
TEXTBOOK = [
    "x**5", "x**(-3)", "sqrt(x)", "1/sqrt(x)", "sin(x**2)", "cos(3*x + 1)", "tan(x)", "exp(sin(x))",
    "log(cos(x))", "x**x", "atan(1/x)", "sqrt(1 + x**2)", "tanh(x)", "1/(1 + exp(-x))", "x*sin(x)",
    "x**2*exp(x)", "sin(x)*cos(x)", "exp(x)*log(x)", "sin(x)/x", "(x**2 + 1)/(x - 1)", "log(x)/x",
    "exp(x)/(1 + exp(x))", "sin(cos(tan(x)))", "exp(exp(x))", "log(log(x + 3))", "sqrt(sin(x))",
    "(1 + x**2)**10", "(3*x**2 - 2*x + 1)**5", "asin(x)", "acos(x**2)", "atan(x**2 + 1)", "sinh(x)*cosh(x)",
    "log(1 + exp(x))", "exp(-x**2/2)", "x**sin(x)", "sin(x)**cos(x)", "log(sqrt(x**2 + 1) + x)",
    "(x + 1)**2*(x - 2)**3/(x + 3)", "tanh(sin(x)*exp(x))", "sqrt((1 - x)/(1 + x))",
]
FUNCTIONS = ("sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "exp", "log", "sqrt")

#: The XOR data set: (x1, x2, target).
XOR = ((0, 0, 0), (0, 1, 1), (1, 0, 1), (1, 1, 0))
MLP_PARAMS = 17  # 4 hidden units x (2 weights + 1 bias), 4 output weights, 1 output bias
PARSE_VARS = 100


@dataclass(frozen=True)
class Case:
    """One problem: ``params["op"]`` names a series whose later cases are bigger."""

    family: str
    name: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class Prepared:
    """What a library does for a case: ``run()`` is timed, ``describe(result)`` fills the size column."""

    run: Callable[[], Any]
    describe: Callable[[Any], str | int | float] = lambda result: ""


class NotOffered(Exception):
    """The library does not offer this operation."""


def cases(quick: bool) -> list[Case]:
    """Every case of every family, small ones with ``quick``."""
    rosen_grad, rosen_hess = ((10, 100), (10,)) if quick else ((10, 100, 1000, 10_000), (10, 100, 1000))
    deep = (100, 1000) if quick else (100, 1000, 10_000, 100_000)
    product = (20, 100) if quick else (20, 100, 300, 1000)
    parse = (1000,) if quick else (10_000, 100_000)
    mlp_points, rosen_points = (10_000, 10_000) if quick else (1_000_000, 200_000)
    chains, wide = ((2000,), 10_000) if quick else ((2000, 4000, 8000), 100_000)
    return [
        Case("textbook", f"{len(TEXTBOOK)} derivatives", {"op": "diff"}),
        *(Case("rosenbrock", f"gradient n={n:,}", {"op": "gradient", "n": n}) for n in rosen_grad),
        *(Case("rosenbrock", f"hessian n={n:,}", {"op": "hessian", "n": n}) for n in rosen_hess),
        Case("mlp", "gradient", {"op": "gradient"}),
        Case("mlp", "hessian", {"op": "hessian"}),
        *(Case("deep", f"depth {n:,}", {"op": "diff", "n": n}) for n in deep),
        *(Case("product", f"n={n:,}", {"op": "diff", "n": n}) for n in product),
        *(Case("parse", f"{n:,} terms", {"op": "parse", "n": n}) for n in parse),
        Case("eval", f"mlp gradient, {mlp_points:,} points", {"op": "mlp", "points": mlp_points}),
        Case("eval", f"rosenbrock n=100 gradient, {rosen_points:,} points",
             {"op": "rosenbrock", "n": 100, "points": rosen_points}),
        *(Case("cheap", f"rosenbrock n={n:,}", {"op": "rosenbrock", "n": n}) for n in (10, 100, 1000)),
        Case("memory", f"rosenbrock hessian n={rosen_hess[-1]:,}", {"op": "hessian", "n": rosen_hess[-1]}),
        Case("cheap", "mlp", {"op": "mlp"}),
        *(Case("internals", f"chain n={n:,}: {op}", {"op": op, "n": n}) for op in ("gradient", "diff") for n in chains),
        *(Case("internals", f"sum of {wide:,} terms: {op}", {"op": f"sum {op}", "n": wide})
          for op in ("parse", "evaluate", "str")),
        *(Case("internals", f"sin nested {wide:,}: {op}", {"op": f"nested {op}", "n": wide})
          for op in ("parse", "evaluate", "str", "evaluate derivative")),
    ]


# -- the problems, written once over a library's symbols and functions ------------------------


def rosenbrock_terms(xs: Sequence[Any]) -> list[Any]:
    """The terms 100*(x[i+1] - x[i]^2)^2 + (1 - x[i])^2 of the extended Rosenbrock function."""
    return [100 * (xs[i + 1] - xs[i] ** 2) ** 2 + (1 - xs[i]) ** 2 for i in range(len(xs) - 1)]


def rosenbrock_gradient(x: np.ndarray) -> np.ndarray:
    """Hand-written NumPy gradient of the Rosenbrock function; ``x`` has one row per variable."""
    inner = x[1:] - x[:-1] ** 2
    g = np.zeros_like(x)
    g[:-1] = -400 * x[:-1] * inner - 2 * (1 - x[:-1])
    g[1:] += 200 * inner
    return g


def mlp_loss(p: Sequence[Any], tanh: Callable, exp: Callable, samples: Sequence[Sequence[Any]] = XOR) -> Any:
    """Squared loss of a 2-4-1 network (tanh hidden, sigmoid output written as 1/(1 + exp(-z))).

    ``p`` holds the 17 parameters: hidden weights w[j] = p[2j], p[2j+1], hidden biases p[8:12],
    output weights p[12:16], output bias p[16]. ``samples`` are (x1, x2, target): numbers or symbols.
    """
    loss = 0
    for x1, x2, target in samples:
        z = p[16]
        for j in range(4):
            z = z + p[12 + j] * tanh(p[2 * j] * x1 + p[2 * j + 1] * x2 + p[8 + j])
        loss = loss + (1 / (1 + exp(-z)) - target) ** 2
    return loss


def mlp_forward_loss(p: np.ndarray, samples: Sequence[Sequence[float]] = XOR) -> float:
    """The same loss as a NumPy forward pass (the reference for ``mlp_loss``)."""
    data = np.asarray(samples, dtype=float)
    hidden = np.tanh(data[:, :2] @ p[:8].reshape(4, 2).T + p[8:12])
    out = 1 / (1 + np.exp(-(hidden @ p[12:16] + p[16])))
    return float(np.sum((out - data[:, 2]) ** 2))


def nested(f: Callable, x: Any, n: int) -> Any:
    """f(f(...f(x))), n deep."""
    for _ in range(n):
        x = f(x)
    return x


def parse_text(n: int, seed: int = 0) -> str:
    """A sum of ``n`` terms c*x_j^k*sin(x_m) over ``PARSE_VARS`` variables, in Python syntax."""
    rng = random.Random(seed)
    v = PARSE_VARS
    return " + ".join(
        f"{rng.randint(1, 9)}*x{rng.randrange(v)}**{rng.randint(1, 4)}*sin(x{rng.randrange(v)})" for _ in range(n)
    )


def parse_reference(text: str, values: np.ndarray) -> float:
    """Evaluate ``parse_text`` output with NumPy, ``values[j]`` being x_j."""
    return float(eval(text, {"sin": np.sin, **{f"x{j}": values[j] for j in range(PARSE_VARS)}}))


def chain(x: Any, y: Any, n: int) -> Any:
    """((x*x + y)*y + 1)*y ... : alternating sums and products, n deep."""
    for k in range(n):
        x = x * x + y if k % 2 == 0 else (x + 1) * y
    return x


def textbook_namespace(module: Any, x: Any) -> dict[str, Any]:
    """Names for evaluating ``TEXTBOOK`` with ``module``'s functions."""
    return {"x": x, **{name: getattr(module, name) for name in FUNCTIONS}}


def dag_size(roots: Any) -> int:
    """Distinct subexpressions (equal ones once) of SymPy or SymEngine expressions, without recursion."""
    seen, stack = set(), list(roots) if isinstance(roots, (list, tuple)) else [roots]
    while stack:
        node = stack.pop()
        if node not in seen:
            seen.add(node)
            stack.extend(node.args)
    return len(seen)


def _seconds(t: float) -> str:
    return f"compile {t:.3g} s"


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


# -- one class per library: a method per family it offers -------------------------------------


class Symdiff:
    """symdiff: ``diff``, ``gradient``, ``hessian``, ``parse``, ``lambdify``."""

    backend: str | None = None

    def __init__(self) -> None:
        import symdiff

        self.sd = symdiff

    def symbols(self, n: int, name: str = "x") -> list[Any]:
        return [self.sd.Var(f"{name}{i}") for i in range(n)]

    def textbook(self, op: str) -> Prepared:
        sd, x = self.sd, self.sd.Var("x")
        exprs = [eval(text, textbook_namespace(sd, x)) for text in TEXTBOOK]
        return Prepared(lambda: [sd.diff(e, x) for e in exprs], self.count_ops)

    def count_ops(self, results: list[Any]) -> int:
        import sympy

        return sum(sympy.count_ops(self.sd.to_sympy(d, evaluate=False)) for d in results)

    def calculus(self, f: Any, xs: list[Any], op: str) -> Prepared:
        sd = self.sd
        if op == "gradient":
            return Prepared(lambda: sd.gradient(f, xs), sd.size)
        return Prepared(lambda: sd.hessian(f, xs), sd.size)

    def rosenbrock(self, op: str, n: int) -> Prepared:
        xs = self.symbols(n)
        return self.calculus(self.sd.Add(*rosenbrock_terms(xs)), xs, op)

    def mlp(self, op: str) -> Prepared:
        ps = self.symbols(MLP_PARAMS, "p")
        return self.calculus(mlp_loss(ps, self.sd.tanh, self.sd.exp), ps, op)

    def deep(self, op: str, n: int) -> Prepared:
        x = self.sd.Var("x")
        e = nested(self.sd.sin, x, n)
        return Prepared(lambda: self.sd.diff(e, x), self.sd.size)

    def product(self, op: str, n: int) -> Prepared:
        x = self.sd.Var("x")
        e = self.sd.Mul(*(x + i for i in range(1, n + 1)))
        return Prepared(lambda: self.sd.diff(e, x), self.sd.size)

    def parse(self, op: str, n: int) -> Prepared:
        text = parse_text(n)
        return Prepared(lambda: self.sd.parse(text), self.sd.size)

    def eval(self, op: str, points: int, n: int = 0) -> Prepared:
        sd = self.sd
        if op == "mlp":
            ps, (x1, x2, y) = self.symbols(MLP_PARAMS, "p"), self.symbols(3, "u")
            f, args = mlp_loss(ps, sd.tanh, sd.exp, [(x1, x2, y)]), [*ps, x1, x2, y]
            grad, values = sd.gradient(f, ps), mlp_data(points)
        else:
            args = self.symbols(n)
            grad, values = sd.gradient(sd.Add(*rosenbrock_terms(args)), args), list(rosenbrock_data(n, points))
        options = {} if self.backend is None else {"backend": self.backend}
        compile_time, fn = _timed(lambda: sd.lambdify(args, grad, **options))
        return Prepared(lambda: _block(fn(*values)), lambda _: _seconds(compile_time))

    def cheap(self, op: str, n: int = 0) -> Prepared:
        xs = self.symbols(n if op == "rosenbrock" else MLP_PARAMS)
        f = self.sd.Add(*rosenbrock_terms(xs)) if op == "rosenbrock" else mlp_loss(xs, self.sd.tanh, self.sd.exp)
        return Prepared(lambda: self.sd.gradient(f, xs), lambda g: f"{self.sd.size([f, *g]) / self.sd.size(f):.2f}")

    def internals(self, op: str, n: int) -> Prepared:
        sd = self.sd
        x, y = sd.Var("x"), sd.Var("y")
        if op in ("gradient", "diff"):
            e = chain(x, y, n)
            run = (lambda: sd.gradient(e, [x, y])) if op == "gradient" else (lambda: sd.diff(e, x))
            return Prepared(run, sd.size)
        kind, what = op.split(" ", 1)
        if kind == "sum":
            text = "x + " + " ".join(f"{'+' if i % 3 else '-'} {i % 7 + 1}*x{i}" for i in range(n))
            values = {f"x{i}": 0.5 for i in range(n)} | {"x": 1.0}
        else:
            text, values = "sin(" * n + "x" + ")" * n, {"x": 0.5}
        if what == "parse":
            return Prepared(lambda: sd.parse(text), sd.size)
        e = sd.parse(text)
        if what == "str":
            return Prepared(lambda: str(e), len)
        if what == "evaluate derivative":
            e = sd.diff(e, x)
        return Prepared(lambda: sd.evaluate(e, values), lambda _: sd.size(e))


class SymdiffJax(Symdiff):
    """symdiff's ``lambdify(..., backend="jax")``, offered only where ``lambdify`` takes ``backend``."""

    backend = "jax"

    def __init__(self) -> None:
        super().__init__()
        if "backend" not in inspect.signature(self.sd.lambdify).parameters:
            raise NotOffered("symdiff.lambdify has no backend argument")

    textbook = rosenbrock = mlp = deep = product = parse = cheap = internals = None  # type: ignore[assignment]


class Sympy:
    """SymPy: ``diff``, ``hessian``, ``parse_expr``, ``lambdify(cse=True)``."""

    def __init__(self) -> None:
        import sympy

        self.sp = sympy

    def symbols(self, n: int, name: str = "x") -> list[Any]:
        return list(self.sp.symbols(f"{name}0:{n}"))

    def textbook(self, op: str) -> Prepared:
        sp, x = self.sp, self.sp.Symbol("x")
        exprs = [eval(text, textbook_namespace(sp, x)) for text in TEXTBOOK]
        return Prepared(lambda: [sp.diff(e, x) for e in exprs], lambda ds: sum(sp.count_ops(d) for d in ds))

    def calculus(self, f: Any, xs: list[Any], op: str) -> Prepared:
        if op == "gradient":
            return Prepared(lambda: [self.sp.diff(f, v) for v in xs], dag_size)
        return Prepared(lambda: self.sp.hessian(f, xs), lambda h: dag_size(list(h)))

    def rosenbrock(self, op: str, n: int) -> Prepared:
        xs = self.symbols(n)
        return self.calculus(self.sp.Add(*rosenbrock_terms(xs)), xs, op)

    def mlp(self, op: str) -> Prepared:
        ps = self.symbols(MLP_PARAMS, "p")
        return self.calculus(mlp_loss(ps, self.sp.tanh, self.sp.exp), ps, op)

    def deep(self, op: str, n: int) -> Prepared:
        x = self.sp.Symbol("x")
        # Built unevaluated: SymPy's automatic evaluation of sin(...) already recurses too deep at 1,000.
        e = nested(lambda u: self.sp.sin(u, evaluate=False), x, n)
        return Prepared(lambda: self.sp.diff(e, x), dag_size)

    def product(self, op: str, n: int) -> Prepared:
        x = self.sp.Symbol("x")
        e = self.sp.Mul(*(x + i for i in range(1, n + 1)))
        return Prepared(lambda: self.sp.diff(e, x), dag_size)

    def parse(self, op: str, n: int) -> Prepared:
        text = parse_text(n)
        return Prepared(lambda: self.sp.parse_expr(text), dag_size)

    def eval(self, op: str, points: int, n: int = 0) -> Prepared:
        sp = self.sp
        if op == "mlp":
            ps, inputs = self.symbols(MLP_PARAMS, "p"), self.symbols(3, "u")
            args, f, values = [*ps, *inputs], mlp_loss(ps, sp.tanh, sp.exp, [inputs]), mlp_data(points)
        else:
            ps = args = self.symbols(n)
            f, values = sp.Add(*rosenbrock_terms(args)), list(rosenbrock_data(n, points))
        grad = [sp.diff(f, v) for v in ps]
        compile_time, fn = _timed(lambda: sp.lambdify(args, grad, modules="numpy", cse=True))
        return Prepared(lambda: fn(*values), lambda _: _seconds(compile_time))


class Symengine:
    """SymEngine: ``diff`` (a Hessian differentiates the gradient, upper half mirrored), ``sympify``, ``Lambdify``."""

    backend = "lambda"

    def __init__(self) -> None:
        import symengine

        self.se = symengine

    def symbols(self, n: int, name: str = "x") -> list[Any]:
        return [self.se.Symbol(f"{name}{i}") for i in range(n)]

    def textbook(self, op: str) -> Prepared:
        import sympy

        se, x = self.se, self.se.Symbol("x")
        exprs = [eval(text, textbook_namespace(se, x)) for text in TEXTBOOK]
        return Prepared(lambda: [e.diff(x) for e in exprs],
                        lambda ds: sum(sympy.count_ops(sympy.sympify(d)) for d in ds))

    def calculus(self, f: Any, xs: list[Any], op: str) -> Prepared:
        def hessian() -> list[list[Any]]:
            grad = [f.diff(v) for v in xs]
            rows = [[g.diff(v) for v in xs[i:]] for i, g in enumerate(grad)]
            return [[rows[min(i, j)][abs(j - i)] for j in range(len(xs))] for i in range(len(xs))]

        if op == "gradient":
            return Prepared(lambda: [f.diff(v) for v in xs], dag_size)
        return Prepared(hessian, lambda h: dag_size([e for row in h for e in row]))

    def rosenbrock(self, op: str, n: int) -> Prepared:
        xs = self.symbols(n)
        return self.calculus(self.se.Add(*rosenbrock_terms(xs)), xs, op)

    def mlp(self, op: str) -> Prepared:
        ps = self.symbols(MLP_PARAMS, "p")
        return self.calculus(mlp_loss(ps, self.se.tanh, self.se.exp), ps, op)

    def deep(self, op: str, n: int) -> Prepared:
        x = self.se.Symbol("x")
        e = nested(self.se.sin, x, n)
        return Prepared(lambda: e.diff(x), dag_size)

    def product(self, op: str, n: int) -> Prepared:
        x = self.se.Symbol("x")
        e = self.se.Mul(*(x + i for i in range(1, n + 1)))
        return Prepared(lambda: e.diff(x), dag_size)

    def parse(self, op: str, n: int) -> Prepared:
        text = parse_text(n)
        return Prepared(lambda: self.se.sympify(text), dag_size)

    def eval(self, op: str, points: int, n: int = 0) -> Prepared:
        se = self.se
        if op == "mlp":
            ps, inputs = self.symbols(MLP_PARAMS, "p"), self.symbols(3, "u")
            args, f, values = [*ps, *inputs], mlp_loss(ps, se.tanh, se.exp, [inputs]), mlp_data(points)
        else:
            ps = args = self.symbols(n)
            f, values = se.Add(*rosenbrock_terms(args)), list(rosenbrock_data(n, points))
        grad = [f.diff(v) for v in ps]
        # Lambdify takes one array whose last axis holds the arguments: the fixed parameters are repeated.
        stacked = np.column_stack([np.broadcast_to(v, (points,)) for v in values])
        compile_time, fn = _timed(lambda: se.Lambdify(args, grad, cse=True, backend=self.backend))
        return Prepared(lambda: fn(stacked), lambda _: _seconds(compile_time))


class SymengineLLVM(Symengine):
    """SymEngine's ``Lambdify`` with the LLVM backend (eval only)."""

    backend = "llvm"
    textbook = rosenbrock = mlp = deep = product = parse = None  # type: ignore[assignment]


class Casadi:
    """CasADi SX: ``jacobian``, ``gradient``, ``hessian``; a ``Function`` mapped over the points."""

    def __init__(self) -> None:
        import casadi

        self.ca = casadi

    def n_nodes(self, x: Any, outputs: list[Any]) -> int:
        return self.ca.Function("f", [x], outputs).n_nodes()

    def textbook(self, op: str) -> Prepared:
        ca, x = self.ca, self.ca.SX.sym("x")
        exprs = [eval(text, textbook_namespace(ca, x)) for text in TEXTBOOK]
        return Prepared(lambda: [ca.jacobian(e, x) for e in exprs], lambda ds: f"{self.n_nodes(x, ds):,} n_nodes")

    def calculus(self, f: Any, x: Any, op: str) -> Prepared:
        ca = self.ca
        if op == "gradient":
            return Prepared(lambda: ca.gradient(f, x), lambda g: self.n_nodes(x, [g]))
        return Prepared(lambda: ca.hessian(f, x)[0], lambda h: self.n_nodes(x, [h]))

    def rosenbrock(self, op: str, n: int) -> Prepared:
        x = self.ca.SX.sym("x", n)
        return self.calculus(self.ca.sum1(self.ca.vertcat(*rosenbrock_terms([x[i] for i in range(n)]))), x, op)

    def mlp(self, op: str) -> Prepared:
        p = self.ca.SX.sym("p", MLP_PARAMS)
        return self.calculus(mlp_loss([p[i] for i in range(MLP_PARAMS)], self.ca.tanh, self.ca.exp), p, op)

    def deep(self, op: str, n: int) -> Prepared:
        x = self.ca.SX.sym("x")
        e = nested(self.ca.sin, x, n)
        return Prepared(lambda: self.ca.jacobian(e, x), lambda d: self.n_nodes(x, [d]))

    def product(self, op: str, n: int) -> Prepared:
        x = self.ca.SX.sym("x")
        e = functools.reduce(operator.mul, (x + i for i in range(1, n + 1)))
        return Prepared(lambda: self.ca.jacobian(e, x), lambda d: self.n_nodes(x, [d]))

    def eval(self, op: str, points: int, n: int = 0) -> Prepared:
        ca = self.ca
        if op == "mlp":
            p, u = ca.SX.sym("p", MLP_PARAMS), ca.SX.sym("u", 3)
            f = mlp_loss([p[i] for i in range(MLP_PARAMS)], ca.tanh, ca.exp, [[u[0], u[1], u[2]]])
            data = mlp_data(points)
            args, values = [p, u], [np.array(data[:MLP_PARAMS]), np.vstack(data[MLP_PARAMS:])]
        else:
            p = ca.SX.sym("x", n)
            f = ca.sum1(ca.vertcat(*rosenbrock_terms([p[i] for i in range(n)])))
            args, values = [p], [rosenbrock_data(n, points)]
        grad = ca.gradient(f, p)
        # One column per point; the parameters, given as one column, are repeated by map.
        compile_time, fn = _timed(lambda: ca.Function("g", args, [grad]).map(points))
        return Prepared(lambda: fn(*values).full(), lambda _: _seconds(compile_time))

    def cheap(self, op: str, n: int = 0) -> Prepared:
        ca = self.ca
        x = ca.SX.sym("x", n if op == "rosenbrock" else MLP_PARAMS)
        xs = [x[i] for i in range(x.numel())]
        f = ca.sum1(ca.vertcat(*rosenbrock_terms(xs))) if op == "rosenbrock" else mlp_loss(xs, ca.tanh, ca.exp)
        return Prepared(lambda: ca.gradient(f, x), lambda g: f"{self.n_nodes(x, [f, g]) / self.n_nodes(x, [f]):.2f}")


class Jax:
    """JAX (float64): ``make_jaxpr`` of ``grad``/``hessian`` as the symbolic work; ``jit(vmap(grad))`` to evaluate.

    Rosenbrock is written with array slices, as a JAX user would, so its jaxpr does not grow with n.
    """

    def __init__(self) -> None:
        import jax

        jax.config.update("jax_enable_x64", True)
        self.jax, self.jnp = jax, jax.numpy

    def traced(self, fns: list[Callable], x: Any, transform: Callable) -> Prepared:
        make = self.jax.make_jaxpr
        return Prepared(lambda: [make(transform(f))(x) for f in fns],
                        lambda jaxprs: f"{sum(len(j.jaxpr.eqns) for j in jaxprs):,} eqns")

    def textbook(self, op: str) -> Prepared:
        fns = [eval(f"lambda x: {text}", textbook_namespace(self.jnp, None)) for text in TEXTBOOK]
        return self.traced(fns, 0.5, self.jax.grad)

    def rosenbrock_fn(self, x: Any) -> Any:
        return self.jnp.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)

    def rosenbrock(self, op: str, n: int) -> Prepared:
        transform = self.jax.grad if op == "gradient" else self.jax.hessian
        return self.traced([self.rosenbrock_fn], self.jnp.zeros(n), transform)

    def mlp(self, op: str) -> Prepared:
        transform = self.jax.grad if op == "gradient" else self.jax.hessian
        return self.traced([lambda p: mlp_loss(p, self.jnp.tanh, self.jnp.exp)], self.jnp.zeros(MLP_PARAMS), transform)

    def deep(self, op: str, n: int) -> Prepared:
        return self.traced([lambda x: nested(self.jnp.sin, x, n)], 0.5, self.jax.grad)

    def product(self, op: str, n: int) -> Prepared:
        return self.traced([lambda x: functools.reduce(operator.mul, (x + i for i in range(1, n + 1)))], 0.5,
                           self.jax.grad)

    def eval(self, op: str, points: int, n: int = 0) -> Prepared:
        jax, jnp = self.jax, self.jnp
        if op == "mlp":
            data = mlp_data(points)
            p, u = jnp.array(data[:MLP_PARAMS]), jnp.stack([jnp.asarray(v) for v in data[MLP_PARAMS:]], axis=1)
            fn = jax.jit(jax.vmap(jax.grad(lambda p, u: mlp_loss(p, jnp.tanh, jnp.exp, [u])), in_axes=(None, 0)))
            values = [p, u]
        else:
            fn = jax.jit(jax.vmap(jax.grad(self.rosenbrock_fn), in_axes=1, out_axes=1))
            values = [jnp.asarray(rosenbrock_data(n, points))]
        compile_time, _ = _timed(lambda: fn(*values).block_until_ready())
        return Prepared(lambda: fn(*values).block_until_ready(), lambda _: f"first call {compile_time:.3g} s")


class Numpy:
    """Hand-written NumPy (the Rosenbrock gradient only)."""

    def eval(self, op: str, points: int, n: int = 0) -> Prepared:
        if op != "rosenbrock":
            raise NotOffered(op)
        x = rosenbrock_data(n, points)
        return Prepared(lambda: rosenbrock_gradient(x), lambda _: "")


def mlp_data(points: int, seed: int = 1) -> list[Any]:
    """17 fixed parameters (floats), then x1, x2 and the target as arrays of ``points`` samples."""
    rng = np.random.default_rng(seed)
    return [*map(float, rng.normal(size=MLP_PARAMS)), *rng.normal(size=(2, points)), rng.integers(0, 2, points) * 1.0]


def rosenbrock_data(n: int, points: int, seed: int = 2) -> np.ndarray:
    """``points`` random points in [-2, 2]^n, one row per variable."""
    return np.random.default_rng(seed).uniform(-2, 2, size=(n, points))


def _block(result: Any) -> Any:
    """Wait for JAX's asynchronous results (a no-op on NumPy arrays)."""
    for item in result if isinstance(result, (list, tuple)) else [result]:
        getattr(item, "block_until_ready", lambda: None)()
    return result


def memory(self: Any, op: str, n: int) -> Prepared:
    """The Rosenbrock case as the library's ``rosenbrock`` builds it, sized by the peak memory of its first run."""
    return peak_memory(self.rosenbrock(op, n))


for _library in (Symdiff, Sympy, Symengine, Casadi, Jax):  # every library with a rosenbrock family
    _library.memory = memory


def peak_memory(prepared: Prepared) -> Prepared:
    """``prepared`` with the memory its first run added to the process at its peak as its size, in MiB.

    On Linux the resident high-water mark is reset before the run (``/proc/self/clear_refs``),
    so the peak is ``VmHWM`` after the run less ``VmRSS`` before it; elsewhere it is the
    growth of ``ru_maxrss``, which misses a peak below one reached earlier.
    """
    peaks: list[int] = []

    def run() -> Any:
        before = _reset_high_water()
        result = prepared.run()
        if not peaks:
            peaks.append(_high_water() - before)
        return result

    return Prepared(run, lambda result: f"{peaks[0] / 2**20:,.1f} MiB")


def _reset_high_water() -> int:
    """Bytes resident now, with the high-water mark reset to it; the mark so far where it cannot be reset."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return _proc_status("VmRSS")
    except OSError:
        return _max_rss()


def _high_water() -> int:
    try:
        return _proc_status("VmHWM")
    except OSError:
        return _max_rss()


def _proc_status(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024  # the kernel writes kB
    raise OSError(f"no {field} in /proc/self/status")


def _max_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * (1 if sys.platform == "darwin" else 1024)


LIBRARIES: dict[str, type] = {
    "symdiff": Symdiff, "symdiff[jax]": SymdiffJax, "sympy": Sympy, "symengine": Symengine,
    "symengine[llvm]": SymengineLLVM, "casadi": Casadi, "jax": Jax, "numpy": Numpy,
}
#: The module each library needs (to tell "not installed" from "n/a").
MODULES = {"symdiff[jax]": "jax", "symengine[llvm]": "symengine"}


def offers(lib: str, family: str) -> bool:
    """Whether ``lib`` has a method for ``family`` (it may still raise ``NotOffered``)."""
    return callable(getattr(LIBRARIES[lib], family, None))


def prepare(lib: str, case: Case) -> Prepared:
    """Build the case's input in ``lib`` (untimed) and return what to time."""
    if not offers(lib, case.family):
        raise NotOffered(f"{lib} has no {case.family}")
    return getattr(LIBRARIES[lib](), case.family)(**case.params)
