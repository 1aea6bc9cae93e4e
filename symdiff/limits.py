"""Resource limits: every bound that turns a hostile size into a clear error, in one place.

Each limit is a plain module constant, read when it is used, so a program may change it at any
time (``symdiff.limits.MAX_ORDER = 5``, or pytest's ``monkeypatch.setattr(symdiff.limits,
"MAX_ORDER", 5)``) and the next call obeys. Every error message that a limit causes names it by
this path, ``symdiff.limits.MAX_...``.

======================  ===========  ===================================================  ================
Limit                   Default      What it bounds                                       Error raised
======================  ===========  ===================================================  ================
``MAX_CONST_BITS``      14,000       exact constants, made by folding or given; a         ``LimitError``
                                     bigger power stays unevaluated (``9^9^9^9``)         (``ParseError``
                                                                                          for a literal)
``MAX_INPUT_CHARS``     20,000,000   the length of the text ``parse`` reads               ``LimitError``
``MAX_INT_DIGITS``      4,300        the digits of an integer literal                     ``ParseError``
``MAX_PAREN_DEPTH``     200,000      how deeply ``parse`` lets parentheses nest           ``ParseError``
``MAX_ORDER``           1,000        the total order of one ``diff`` call                 ``LimitError``
``MAX_TREE_NODES``      5,000,000    the size, as a tree, that ``str`` and ``latex``      ``LimitError``
                                     print (``repr`` shows a summary instead)
``MAX_RENDER_NODES``    500          the nodes ``to_dot``/``render`` draw unless          ``RenderError``
                                     ``max_nodes=`` says otherwise
======================  ===========  ===================================================  ================

>>> import symdiff
>>> symdiff.limits.MAX_ORDER
1000
"""

# This module imports nothing from symdiff: every other module may import it.

#: Exact constants stay below this many bits (about 4,200 decimal digits, under
#: Python's int-to-str limit of 4,300); a bigger power is kept
#: unevaluated as ``Pow(Const, Const)`` instead of hanging on the arithmetic.
MAX_CONST_BITS = 14_000

#: Longer input raises ``LimitError`` before lexing.
MAX_INPUT_CHARS = 20_000_000

#: An integer literal with more digits is refused (int() of it would be slow).
MAX_INT_DIGITS = 4_300  # Python's int-to-str limit; MAX_CONST_BITS then bounds the value

#: Parentheses nest at most this deep in ``parse`` input: twice the 100,000-deep
#: nesting symdiff promises, while a million-deep input (about 20 s of LALR
#: steps on a slow machine) is refused at once, at the first level too deep.
MAX_PAREN_DEPTH = 200_000

#: The highest total order ``diff`` takes: each order can multiply the size of the
#: result (exp(x^2) has a polynomial factor of growing degree), so a huge order
#: would run for hours instead of failing.
MAX_ORDER = 1000

#: The largest expression, counted as a tree (shared nodes once per use), that
#: ``to_str`` and ``latex`` print; beyond it they raise ``LimitError``.
MAX_TREE_NODES = 5_000_000

#: The most nodes ``to_dot``/``render`` draw unless ``max_nodes=`` says otherwise.
MAX_RENDER_NODES = 500

__all__ = [
    "MAX_CONST_BITS",
    "MAX_INPUT_CHARS",
    "MAX_INT_DIGITS",
    "MAX_ORDER",
    "MAX_PAREN_DEPTH",
    "MAX_RENDER_NODES",
    "MAX_TREE_NODES",
]
