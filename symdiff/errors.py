"""The one error hierarchy of symdiff.

Every error a user can trigger is a :class:`SymdiffError`; the CLI prints its
message on one line and exits with status 2. Errors about bad input values are
also ``ValueError`` so that generic ``except ValueError`` handlers keep working.
"""

from __future__ import annotations


class SymdiffError(Exception):
    """Base class of every error raised by symdiff on bad input."""


class ParseError(SymdiffError, ValueError):
    """Text that is not a valid expression.

    Carries ``line`` and ``column`` (1-based), ``context`` (the offending line
    with a caret under the spot) and ``hint`` (what was expected, in words);
    ``str(err)`` reads "reason at line L, column C; hint" then the context.
    """

    def __init__(self, message: str, line: int = 0, column: int = 0, context: str = "", hint: str = ""):
        self.reason = message
        self.line = line
        self.column = column
        self.context = context
        self.hint = hint
        text = message
        if line:
            text = f"{message} at line {line}, column {column}"
        if hint:
            text = f"{text}; {hint}"
        if context:
            text = f"{text}\n{context}"
        super().__init__(text)


class UnknownFunctionError(ParseError):
    """A call to a function name that is not registered."""


class ArityError(ParseError):
    """A call with the wrong number of arguments."""


class EvaluationError(SymdiffError, ValueError):
    """A numeric evaluation that cannot produce a real number (missing variable, domain)."""


class DifferentiationError(SymdiffError, ValueError):
    """A bad differentiation request (unknown variable kind, negative order)."""


class RegistryError(SymdiffError, ValueError):
    """A bad function registration (duplicate name, bad arity, missing kernel)."""


class RenderError(SymdiffError):
    """A drawing that cannot be produced (missing Graphviz, too big, bad path)."""


class LimitError(SymdiffError, ValueError):
    """A resource bound was hit (input too long, constant too large, ...)."""


class OptimizationError(SymdiffError, ValueError):
    """An optimization that cannot go on: diverged, non-finite values, a bad setting."""
