"""symdiff: symbolic differentiation on interned expression graphs.

>>> import symdiff
>>> f = symdiff.parse("x^2*y + y + 2")
>>> symdiff.evaluate(f, {"x": 3, "y": 4})
42.0
"""

# nodes first: canonical.py and nodes.py import each other, and nodes must start
from .nodes import Add, Call, Const, Expr, Mul, Pow, Var, symbols

# isort: split
from .autodiff import backprop, forward_backward
from .compile import lambdify
from .diff import diff, gradient, hessian, jacobian
from .dual import Dual, forward_derivative, jvp
from .errors import (
    ArityError,
    DifferentiationError,
    EvaluationError,
    LimitError,
    OptimizationError,
    ParseError,
    RegistryError,
    RenderError,
    SymdiffError,
    UnknownFunctionError,
)
from .evaluate import evaluate
from .functions import (
    FunctionSpec,
    abs,
    acos,
    asin,
    atan,
    cos,
    cosh,
    exp,
    log,
    max,
    mean,
    min,
    register_function,
    relu,
    sigmoid,
    sign,
    sin,
    sinh,
    softplus,
    sqrt,
    step,
    sum,
    tan,
    tanh,
)
from .interop import from_sympy, to_sympy
from .numeric import check_gradient, numeric_gradient
from .optimize import minimize
from .parse import parse
from .printing import latex
from .render import render, to_dot
from .simplify import simplify
from .walk import free_vars, size

__version__ = "0.1.0"

__all__ = [
    "Add", "ArityError", "Call", "Const", "DifferentiationError", "Dual", "EvaluationError", "Expr", "FunctionSpec",
    "LimitError", "Mul", "OptimizationError", "ParseError", "Pow", "RegistryError", "RenderError", "SymdiffError",
    "UnknownFunctionError", "Var",
    "abs", "acos", "asin", "atan", "backprop", "check_gradient", "cos", "cosh", "diff", "evaluate", "exp",
    "forward_backward", "forward_derivative", "free_vars", "from_sympy", "gradient", "hessian", "jacobian", "jvp",
    "lambdify", "latex", "log", "max", "mean", "min", "minimize", "numeric_gradient", "parse", "register_function",
    "relu", "render", "sigmoid", "sign", "simplify", "sin", "sinh", "size", "softplus", "sqrt", "step", "sum",
    "symbols", "tan", "tanh", "to_dot", "to_sympy",
]
