"""Dual numbers: forward-mode automatic differentiation on plain numbers (stub, being written)."""

from __future__ import annotations

from typing import Any


class Dual:
    """A dual number value + eps*ε with ε^2 = 0."""

    __slots__ = ("value", "eps")

    def __init__(self, value: Any, eps: Any = 0.0) -> None:
        self.value = value
        self.eps = eps


def apply_function(spec: Any, args: tuple) -> Dual:
    raise NotImplementedError
