"""Pictures of expression graphs with Graphviz: the DAG, values and gradients, f beside f'.

``to_dot`` builds a ``graphviz.Digraph`` (DOT text; no Graphviz program needed)
and ``render`` writes it as PNG, SVG, PDF or DOT. Each distinct node is drawn
once, so reuse is visible; ``tree=True`` draws one box per use instead. Data
flows left to right, from the variables to the output. Subtraction and
division are drawn as they are stored: ``Add`` with a ``-1`` coefficient and
``Pow(.., -1)``. Node ids are ``n0, n1, ...`` in topological order, so the DOT
text is the same in every run.

Node values and adjoints come from ``autodiff.forward_backward`` (one forward,
one reverse pass). Every drawing is bounded: the node count is checked before
anything is built, against ``symdiff.limits.MAX_RENDER_NODES`` or ``max_nodes=``.
"""

from __future__ import annotations

import html
import math
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import graphviz

from . import limits
from .autodiff import forward_backward, values
from .diff import _as_var, diff
from .errors import RenderError
from .nodes import Add, Call, Const, Expr, Mul, Pow, Var
from .parse import as_input
from .printing import to_str
from .walk import postorder, size

_FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf", ".dot": "dot"}
_NO_DOT = (
    "the Graphviz 'dot' program is not installed (or not on PATH), so only .dot output works; "
    "install Graphviz: 'apt-get install graphviz' (Debian/Ubuntu), 'brew install graphviz' (macOS), "
    "or see https://graphviz.org/download/"
)
_FONT = "Helvetica"
_VALUE_COLOR = "#1f4fa0"  # dark blue, as in micrograd's pictures
_GRAD_COLOR = "#c0392b"  # red
_SHARED_COLOR = "#8e24aa"  # purple: nodes that f and df/dx share
_OP_TEXT = {Add: "+", Mul: "×", Pow: "^"}
_STYLES = {
    "var": {"shape": "ellipse", "style": "filled", "fillcolor": "#d9f2d0", "color": "#3a7d2c"},
    "const": {"shape": "box", "style": "filled", "fillcolor": "#eeeeee", "color": "#888888"},
    "op": {"shape": "circle", "style": "filled", "fillcolor": "#fff2cc", "color": "#b8860b"},
    "call": {"shape": "box", "style": "filled,rounded", "fillcolor": "#dbe8f7", "color": "#2f5f9e"},
}


def _limit(max_nodes: Any) -> int:
    if max_nodes is None:
        return limits.MAX_RENDER_NODES
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1:
        raise RenderError(f"max_nodes must be a positive integer, not {max_nodes!r}")
    return max_nodes


def _check_size(roots: list[Expr], tree: bool, limit: int) -> None:
    count = size(roots, tree=tree)  # a memoized count: fine for an astronomically large tree
    if count > limit:
        shape = " as a tree" if tree else ""
        hint = "; drawing the DAG (without tree=True) is smaller" if tree and size(roots) <= limit else ""
        raise RenderError(
            f"the graph has {count:,} nodes{shape}, over the drawing limit of {limit:,}: raise it with "
            f"max_nodes= (--max-nodes on the command line) if you really want this picture{hint}"
        )


def _num(value: float) -> str:
    """A value for the picture: 4 significant digits."""
    if math.isnan(value):
        return "nan"
    if value == 0:
        return "0"  # never "-0"
    return f"{value:.4g}"


def _kind(node: Expr) -> str:
    kind = type(node)
    if kind is Var:
        return "var"
    if kind is Const or (kind is Call and not node.args):  # pi is a named constant
        return "const"
    if kind is Call:
        return "call"
    return "op"


def _text(node: Expr) -> str:
    kind = type(node)
    if kind is Var:
        return node.name
    if kind is Call:
        return to_str(node) if not node.args else node.fn.name
    if kind is Const:
        text = to_str(node)
        if len(text) > 14:  # a huge exact constant or a long float: abbreviate, the picture is not the place
            text = _num(float(node.value)) if isinstance(node.value, float) else f"{text[:5]}…{text[-5:]}"
        return text
    return _OP_TEXT[kind]


def _edge_labels(node: Expr) -> list[str | None]:
    """Labels for the argument edges where argument order matters."""
    if type(node) is Pow:
        return ["base", "exp"]
    if type(node) is Call and len(node.args) > 1:
        return [f"arg {i + 1}" for i in range(len(node.args))]
    return [None] * len(node.args)


def _edge_attrs(label: str | None) -> dict[str, str]:
    # a mid-edge label: dot makes room for it (head/tail labels overlap nodes on short edges)
    return {"label": label} if label else {}


class _Drawing:
    """The state of one ``to_dot`` call: styles, annotations and derivative marks."""

    def __init__(
        self,
        vals: Mapping[Expr, float] | None,
        grads: Mapping[Expr, float] | None,
        shared: set[Expr],
        only_d: set[Expr],
    ) -> None:
        self.vals = vals
        self.grads = grads
        self.shared = shared
        self.only_d = only_d

    def attrs(self, node: Expr) -> dict[str, str]:
        attrs = dict(_STYLES[_kind(node)])
        attrs["label"] = self.label(node)
        if self.vals is not None and attrs["shape"] == "circle":
            attrs["margin"] = "0"  # three lines in a circle: keep it from growing huge
        if node in self.shared:
            attrs["color"] = _SHARED_COLOR
            attrs["penwidth"] = "3"
        elif node in self.only_d:
            attrs["style"] += ",dashed"
            attrs["penwidth"] = "1.5"
        return attrs

    def label(self, node: Expr) -> str:
        text = _text(node)
        if self.vals is None:
            return text
        rows = [f"<b>{html.escape(text)}</b>"]
        rows.append(f'<font point-size="11" color="{_VALUE_COLOR}">value {_num(self.vals[node])}</font>')
        # a constant's slope is only noise when it is undefined (the exponent -1 of a negative base)
        if self.grads is not None and not (type(node) is Const and not math.isfinite(self.grads[node])):
            rows.append(f'<font point-size="11" color="{_GRAD_COLOR}">grad {_num(self.grads[node])}</font>')
        cells = "".join(f"<tr><td>{row}</td></tr>" for row in rows)
        return f'<<table border="0" cellborder="0" cellspacing="0" cellpadding="1">{cells}</table>>'


def to_dot(
    expr: Expr | str,
    *,
    at: Mapping[Any, float] | None = None,
    gradients: bool = False,
    derivative: str | Var | None = None,
    tree: bool = False,
    title: str | None = None,
    rankdir: str = "LR",
    max_nodes: int | None = None,
) -> graphviz.Digraph:
    """The expression as a Graphviz graph, each distinct node drawn once.

    Args:
        expr: the expression (or its text).
        at: variable values; each node then shows its value (dark blue).
        gradients: also show d(output)/d(node) on each node (red); needs ``at``.
        derivative: a variable ``x``: draw f and df/dx together, the nodes they
            share drawn once with a thick purple border, df/dx's own nodes dashed.
        tree: draw one box per use of a node (a tree) instead of the DAG.
        title: a line of text above the picture.
        rankdir: ``"LR"`` (inputs left, output right), ``"TB"``, ``"RL"`` or ``"BT"``.
        max_nodes: the most nodes to draw (default ``symdiff.limits.MAX_RENDER_NODES``); over it,
            ``RenderError``, checked before anything is built.

    >>> from symdiff.nodes import symbols
    >>> x, y = symbols("x y")
    >>> print(to_dot(x * y + 1).source.count("->"))
    4
    """
    expr = as_input(expr)
    limit = _limit(max_nodes)
    if rankdir not in ("LR", "RL", "TB", "BT"):
        raise RenderError(f"rankdir must be one of LR, RL, TB, BT, not {rankdir!r}")
    if gradients and at is None:
        raise RenderError(
            "gradients need a point: pass at={'x': ..., ...} with the variable values (--at on the command line)"
        )
    if gradients and derivative is not None:
        raise RenderError("draw either gradients or a derivative, not both in one picture")
    roots = [expr]
    _check_size(roots, tree, limit)
    if derivative is not None:
        var = _as_var(derivative)
        roots.append(diff(expr, var))
        _check_size(roots, tree, limit)

    vals = grads = None
    if at is not None:
        if gradients:
            vals, grads = forward_backward(expr, at)
        else:
            vals = {}
            for root in roots:
                vals.update(values(root, at))
    shared: set[Expr] = set()
    only_d: set[Expr] = set()
    if derivative is not None:
        in_f = set(postorder(roots[0]))
        in_d = set(postorder(roots[1]))
        shared = in_f & in_d
        only_d = in_d - in_f
    drawing = _Drawing(vals, grads, shared, only_d)

    graph = graphviz.Digraph(
        name="symdiff",
        graph_attr={"rankdir": rankdir, "fontname": _FONT, "nodesep": "0.3", "ranksep": "0.4", "pad": "0.25"},
        node_attr={"fontname": _FONT, "fontsize": "14", "margin": "0.1,0.05", "height": "0.4"},
        edge_attr={"fontname": _FONT, "fontsize": "11", "fontcolor": "#555555", "color": "#666666",
                   "arrowsize": "0.7"},
    )
    heading = _heading(expr, roots, title, at, gradients, derivative)
    if heading:
        graph.attr(label=heading, labelloc="t", labeljust="c", fontsize="14")
    ids = _draw_tree(graph, roots, drawing) if tree else _draw_dag(graph, roots, drawing)
    if derivative is not None:
        name = _as_var(derivative).name
        for i, text in enumerate(["f", f"df/d{name}"]):
            graph.node(f"out{i}", text, shape="plaintext", fontsize="16", fontname=f"{_FONT} Bold")
            graph.edge(ids[i], f"out{i}", penwidth="2", color="#333333")
    return graph


def _draw_dag(graph: graphviz.Digraph, roots: list[Expr], drawing: _Drawing) -> list[str]:
    ids: dict[Expr, str] = {}
    order = postorder(roots)
    for i, node in enumerate(order):
        ids[node] = f"n{i}"
        graph.node(ids[node], **drawing.attrs(node))
    for node in order:
        for child, label in zip(node.args, _edge_labels(node), strict=True):
            graph.edge(ids[child], ids[node], **_edge_attrs(label))
    return [ids[r] for r in roots]


def _draw_tree(graph: graphviz.Digraph, roots: list[Expr], drawing: _Drawing) -> list[str]:
    """One node per use: an explicit stack of (node, parent id, edge label)."""
    root_ids = []
    count = 0
    for root in roots:
        stack: list[tuple[Expr, str | None, str | None]] = [(root, None, None)]
        root_ids.append(f"t{count}")
        while stack:
            node, parent, label = stack.pop()
            name = f"t{count}"
            count += 1
            graph.node(name, **drawing.attrs(node))
            if parent is not None:
                graph.edge(name, parent, **_edge_attrs(label))
            stack.extend(reversed([(c, name, lab) for c, lab in zip(node.args, _edge_labels(node), strict=True)]))
    return root_ids


def _heading(
    expr: Expr, roots: list[Expr], title: str | None, at: Mapping[Any, float] | None, gradients: bool,
    derivative: str | Var | None,
) -> str:
    """The HTML label above the picture: title, formulas, colour key."""
    lines = []
    if title:
        lines.append(f'<font point-size="18"><b>{html.escape(title)}</b></font>')
    if derivative is not None:
        name = _as_var(derivative).name
        for text, root in (("f", roots[0]), (f"df/d{name}", roots[1])):
            formula = _short_str(root)
            if formula:
                lines.append(html.escape(f"{text} = {formula}"))
        lines.append(
            f'<font color="{_SHARED_COLOR}">thick purple border: a node shared by f and df/d{name}</font>'
            f" · dashed border: only in df/d{name}"
        )
    if at is not None:
        names = {(k.name if isinstance(k, Var) else k): v for k, v in at.items()}
        used = [n.name for n in postorder(expr) if type(n) is Var]
        point = ", ".join(f"{n} = {_num(float(names[n]))}" for n in sorted(used) if n in names)
        key = f'<font color="{_VALUE_COLOR}">value</font>'
        if gradients:
            key += f' and <font color="{_GRAD_COLOR}">grad = d(output)/d(node)</font>'
        lines.append(f"{key} at {html.escape(point)}" if point else key)
    if not lines:
        return ""
    return "<" + "<br/>".join(lines) + '<br/><font point-size="6"> </font>>'  # a small gap below


def _short_str(e: Expr) -> str:
    if size(e) > 60:
        return ""
    try:
        text = to_str(e)
    except Exception:  # too large to print: the picture shows it anyway
        return ""
    return text if len(text) <= 90 else ""


def render(
    expr: Expr | str,
    path: str | Path,
    *,
    at: Mapping[Any, float] | None = None,
    gradients: bool = False,
    derivative: str | Var | None = None,
    tree: bool = False,
    title: str | None = None,
    rankdir: str = "LR",
    max_nodes: int | None = None,
) -> Path:
    """Draw ``expr`` to ``path``; the suffix picks the format: .png, .svg, .pdf or .dot.

    Takes the keywords of ``to_dot``. ``.dot`` writes the DOT text and needs no
    Graphviz program; the other formats run ``dot``, and its absence is a
    ``RenderError`` that says how to install Graphviz. Returns the path.

    >>> import tempfile, pathlib
    >>> from symdiff.parse import parse
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     render(parse("(x + y)*z"), pathlib.Path(folder) / "g.dot").read_text().startswith("digraph")
    True
    """
    path = Path(path)
    fmt = _FORMATS.get(path.suffix.lower())
    if fmt is None:
        shown = f"suffix {path.suffix!r}" if path.suffix else "no suffix"
        raise RenderError(f"cannot tell the picture format from {path.name!r} ({shown}): use .png, .svg, .pdf or .dot")
    if not path.parent.is_dir():
        raise RenderError(f"cannot write {path}: the directory {path.parent} does not exist")
    graph = to_dot(expr, at=at, gradients=gradients, derivative=derivative, tree=tree, title=title,
                   rankdir=rankdir, max_nodes=max_nodes)
    data = graph.source.encode() if fmt == "dot" else _run_dot(graph, fmt)
    try:
        path.write_bytes(data)
    except OSError as err:
        raise RenderError(f"cannot write {path}: {err.strerror or err}") from None
    return path


def _run_dot(graph: graphviz.Digraph, fmt: str) -> bytes:
    if shutil.which("dot") is None:
        raise RenderError(_NO_DOT)
    try:
        return graph.pipe(format=fmt, quiet=True)
    except graphviz.ExecutableNotFound:
        raise RenderError(_NO_DOT) from None
    except graphviz.CalledProcessError as err:
        detail = (err.stderr or b"").decode(errors="replace").strip().splitlines()
        raise RenderError(f"Graphviz dot failed: {detail[-1] if detail else err}") from None


def repr_svg(expr: Expr) -> str | None:
    """SVG text of the DAG for Jupyter, or None (no ``dot``, too big, any failure)."""
    try:
        if shutil.which("dot") is None or size(expr) > limits.MAX_RENDER_NODES:
            return None
        return _run_dot(to_dot(expr), "svg").decode()
    except Exception:  # a display hook must never raise: Jupyter falls back to text
        return None


__all__ = ["render", "to_dot"]
