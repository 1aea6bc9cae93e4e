"""Register your own function: one call, and parse, evaluate and print know it.

``gelu_tanh`` (the tanh approximation of GELU) is defined by its float kernel,
its NumPy kernel and its derivative written with symdiff's own nodes.
"""

import math

import numpy as np

import symdiff
from symdiff import Const, evaluate, latex, parse, tanh

C = math.sqrt(2 / math.pi)


def gelu_scalar(u: float) -> float:
    return 0.5 * u * (1 + math.tanh(C * (u + 0.044715 * u**3)))


def gelu_numpy(u: np.ndarray) -> np.ndarray:
    return 0.5 * u * (1 + np.tanh(C * (u + 0.044715 * u**3)))


def gelu_partial(u):
    inner = Const(C) * (u + Const(0.044715) * u**3)
    t = tanh(inner)
    return [Const(0.5) * (1 + t) + Const(0.5) * u * (1 - t**2) * Const(C) * (1 + Const(3 * 0.044715) * u**2)]


symdiff.register_function(
    "gelu_tanh", 1, gelu_scalar, gelu_numpy, deriv=gelu_partial, latex=r"\operatorname{{GELU}}\left({0}\right)"
)

f = parse("gelu_tanh(2x) + 1")
print("expression:", f)
print("latex:     ", latex(f))
print("at x=0.5:  ", round(evaluate(f, {"x": 0.5}), 6))
print("on arrays: ", evaluate(f, {"x": np.array([-1.0, 0.0, 1.0])}).round(6))
