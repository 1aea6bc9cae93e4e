"""Pictures: DOT structure, values and gradients on nodes, f beside f', real PNG/SVG/PDF files, errors."""

from __future__ import annotations

import re
import shutil
import struct
import sys
import time
import xml.etree.ElementTree as ET

import pytest

from symdiff import limits
from symdiff.diff import diff
from symdiff.errors import RenderError
from symdiff.functions import cos, sin
from symdiff.nodes import Var, symbols
from symdiff.parse import parse
from symdiff.render import render, to_dot
from symdiff.walk import postorder, size

x, y, z = symbols("x y z")
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz dot is not installed")

_NODE = re.compile(r"^\t(\w+) \[label=(<.*>|\"[^\"]*\"|\S+)[ \]]", re.M)
_EDGE = re.compile(r"^\t(\w+) -> (\w+)(?: \[(.*)\])?$", re.M)


def _nodes(source: str) -> dict[str, str]:
    """id -> label text (HTML tags stripped) for the expression nodes (n0.., t0..)."""
    found = {}
    for name, label in _NODE.findall(source):
        if re.fullmatch(r"[nt]\d+", name):
            if label.startswith("<"):
                label = label[1:-1]  # an HTML label: <...> around the markup
            found[name] = re.sub(r"<[^>]*>", " ", label.strip('"')).split()
    return found


def _edges(source: str) -> list[tuple[str, str, str]]:
    return [(a, b, attrs) for a, b, attrs in _EDGE.findall(source)]


def _heads(source: str) -> dict[str, str]:
    return {name: words[0] for name, words in _nodes(source).items()}


@pytest.mark.parametrize(
    "text",
    ["(x + y)*z", "x^2*y + y + 2", "sin(x)^2 + sin(x)", "(x - y)/(x + y) + max(x, y)", "exp(-x^2/2)/sqrt(2*pi)"],
)
def test_one_node_statement_per_distinct_subexpression(text):
    e = parse(text)
    dag = to_dot(e).source
    assert len(_nodes(dag)) == size(e)
    assert len(_edges(dag)) == sum(len(n.args) for n in postorder(e))
    tree = to_dot(e, tree=True).source
    assert len(_nodes(tree)) == size(e, tree=True)
    assert len(_edges(tree)) == size(e, tree=True) - 1


def test_small_example_exactly():
    src = to_dot((x + y) * z).source
    heads = _heads(src)
    assert sorted(heads.values()) == sorted(["x", "y", "z", "+", "×"])
    edges = sorted((heads[a], heads[b]) for a, b, _ in _edges(src))
    assert edges == sorted([("x", "+"), ("y", "+"), ("+", "×"), ("z", "×")])
    assert "rankdir=LR" in src


def test_shared_node_drawn_once_in_dag_and_per_use_in_tree():
    e = sin(x) * sin(x) + sin(x)  # sin(x)^2 + sin(x): sin(x) used twice
    assert list(_heads(to_dot(e).source).values()).count("sin") == 1
    assert list(_heads(to_dot(e, tree=True).source).values()).count("sin") == 2


def test_kinds_look_different():
    src = to_dot(parse("sin(x) * 3 + y^2")).source
    lines = {line.split(" [")[0].strip(): line for line in src.splitlines() if " [label=" in line}
    heads = _heads(src)
    shapes = {heads[n]: re.search(r"shape=(\w+)", lines[n]).group(1) for n in heads}
    assert shapes["x"] == "ellipse" and shapes["3"] == "box" and shapes["+"] == "circle"
    fills = {heads[n]: re.search(r'fillcolor="([^"]+)"', lines[n]).group(1) for n in heads}
    assert len({fills["x"], fills["3"], fills["+"], fills["sin"]}) == 4


def test_argument_order_is_labelled():
    src = to_dot(parse("x^y + max(x, y) + (x - y)")).source
    heads = _heads(src)
    labelled = {(heads[a], heads[b], re.search(r'label=("[^"]*"|\S+)', attrs).group(1).strip('"'))
                for a, b, attrs in _edges(src) if "label" in attrs}
    assert labelled == {("x", "^", "base"), ("y", "^", "exp"), ("x", "max", "arg 1"), ("y", "max", "arg 2")}
    # subtraction is honest: an Add with a -1 coefficient
    assert "-1" in heads.values()


def test_values_and_gradients_on_the_circuit():
    src = to_dot((x + y) * z, at={"x": -2, "y": 5, "z": -4}, gradients=True, title="a circuit").source
    shown = {" ".join(words) for words in _nodes(src).values()}
    assert shown == {
        "x value -2 grad -4",
        "y value 5 grad -4",
        "z value -4 grad 3",
        "+ value 3 grad -4",
        "× value -12 grad 1",
    }
    assert "a circuit" in src


def test_values_only_and_few_digits():
    src = to_dot(parse("tanh(w*x + b)"), at={"w": -3, "x": 2, "b": 6.881373587019543}).source
    shown = {" ".join(words) for words in _nodes(src).values()}
    assert "tanh value 0.7071" in shown and "b value 6.881" in shown
    assert "grad" not in " ".join(shown)


def test_gradients_need_a_point():
    with pytest.raises(RenderError, match="at="):
        to_dot(x * y, gradients=True)


def test_derivative_beside_function():
    f = parse("x^2*y + y + 2")
    d = diff(f, "x")
    src = to_dot(f, derivative="x").source
    nodes = _nodes(src)
    assert len(nodes) == size([f, d])
    lines = {line.split(" [")[0].strip(): line for line in src.splitlines() if " [label=" in line}
    shared = {nodes[n][0] for n in nodes if "penwidth=3" in lines[n]}
    assert shared == {"x", "y", "2"}  # what df/dx = 2*x*y reuses from f
    dashed = [nodes[n][0] for n in nodes if "dashed" in lines[n]]
    assert dashed == ["×"]  # the one node only df/dx has
    assert re.search(r"\tout0 \[label=f ", src) and re.search(r'\tout1 \[label="df/dx" ', src)
    assert "f = x^2*y + y + 2" in src and "df/dx = 2*x*y" in src


def test_derivative_accepts_a_var_and_values():
    src = to_dot(parse("sin(x)*y"), derivative=x, at={"x": 0, "y": 2}).source
    shown = {" ".join(words) for words in _nodes(src).values()}
    assert "cos value 1" in shown and "× value 0" in shown and "× value 2" in shown


def test_size_limit_names_the_size_and_the_way_out():
    e = x
    for i in range(300):
        e = e + sin(e) * i
    with pytest.raises(RenderError, match=r"over the drawing limit of 500.*max_nodes=.*--max-nodes"):
        to_dot(e)
    assert len(_nodes(to_dot(e, max_nodes=10_000).source)) == size(e)
    with pytest.raises(RenderError, match="max_nodes"):
        to_dot(x, max_nodes=0)
    assert limits.MAX_RENDER_NODES == 500


def test_astronomical_tree_fails_fast():
    e = x
    for _ in range(200):
        e = sin(e) + cos(e)  # the tree doubles per level: about 2^200 nodes, a 600-node DAG
    start = time.perf_counter()
    with pytest.raises(RenderError, match=r"as a tree.*without tree=True"):
        to_dot(e, tree=True, max_nodes=1000)
    assert time.perf_counter() - start < 30  # a hang guard: the tree is never expanded
    assert len(_nodes(to_dot(e, max_nodes=1000).source)) == size(e)


def test_deep_expression_is_refused_without_recursion():
    assert sys.getrecursionlimit() <= 1000
    e = x
    for _ in range(100_000):
        e = sin(e)
    with pytest.raises(RenderError, match="100,001 nodes"):
        to_dot(e)
    with pytest.raises(RenderError, match="100,001 nodes as a tree"):
        render(e, "unused.png", tree=True)


def test_deep_chain_drawn_with_a_raised_limit():
    e = x
    for _ in range(2_000):
        e = sin(e)
    src = to_dot(e, max_nodes=5_000, tree=True, at={"x": 0.5}).source
    assert len(_nodes(src)) == 2_001


@needs_dot
def test_png_has_signature_and_sane_size(tmp_path):
    out = render((x + y) * z, tmp_path / "circuit.png", at={"x": -2, "y": 5, "z": -4}, gradients=True)
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    assert 200 < width < 3000 and 100 < height < 3000


@needs_dot
def test_svg_parses_as_xml(tmp_path):
    out = render(parse("x^2*y + y + 2"), tmp_path / "d.svg", derivative="x", title="f & f'")
    root = ET.parse(out).getroot()
    assert root.tag.endswith("svg")
    texts = {t.text for t in root.iter() if t.tag.endswith("text")}
    assert {"f", "df/dx", "×", "^"} <= texts


@needs_dot
def test_pdf_and_uppercase_suffix(tmp_path):
    assert (render(x * y, tmp_path / "g.pdf")).read_bytes().startswith(b"%PDF")
    assert (render(x * y, tmp_path / "G.PNG")).read_bytes().startswith(b"\x89PNG")


def test_dot_output_without_the_dot_program(tmp_path, monkeypatch):
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    out = render((x + y) * z, tmp_path / "g.dot")
    assert out == tmp_path / "g.dot"
    assert out.read_text() == to_dot((x + y) * z).source
    with pytest.raises(RenderError, match=r"apt-get install graphviz.*brew install graphviz.*graphviz.org/download"):
        render((x + y) * z, tmp_path / "g.png")
    assert not (tmp_path / "g.png").exists()


def test_dot_vanishing_after_the_check_is_still_a_render_error(tmp_path, monkeypatch):
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.setattr(shutil, "which", lambda name: "/usr/bin/dot")  # graphviz then fails to run it
    with pytest.raises(RenderError, match="apt-get install graphviz"):
        render(x * y, tmp_path / "g.svg")


@pytest.mark.parametrize("name", ["g.jpg", "g", "g.png.txt"])
def test_unknown_suffix(tmp_path, name):
    with pytest.raises(RenderError, match=r"\.png, \.svg, \.pdf or \.dot"):
        render(x * y, tmp_path / name)


def test_unwritable_paths(tmp_path):
    with pytest.raises(RenderError, match="does not exist"):
        render(x * y, tmp_path / "missing" / "g.dot")
    (tmp_path / "taken.dot").mkdir()
    with pytest.raises(RenderError, match="cannot write"):
        render(x * y, tmp_path / "taken.dot")


@needs_dot
def test_repr_svg():
    svg = ((x + y) * z)._repr_svg_()
    assert ET.fromstring(svg).tag.endswith("svg")
    big = x
    for i in range(limits.MAX_RENDER_NODES):
        big = big + sin(big) * i
    assert big._repr_svg_() is None


def test_repr_svg_without_dot(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    assert (x * y)._repr_svg_() is None


def test_options_and_text_input():
    src = to_dot("x*y", rankdir="TB", title="Product").source
    assert "rankdir=TB" in src and "Product" in src
    with pytest.raises(RenderError, match="rankdir"):
        to_dot(x, rankdir="sideways")
    with pytest.raises(RenderError, match="not both"):
        to_dot(x, at={"x": 1}, gradients=True, derivative="x")


def test_deterministic_source():
    e = parse("tanh(w*x + b) + w^2")
    assert to_dot(e).source == to_dot(parse(str(e))).source
    assert to_dot(Var("q") + 1).source.count("n0") >= 1


def test_an_undefined_slope_of_a_constant_is_not_drawn():
    # d/d(exponent) of (x - y)^(-1) is log(x - y): undefined at x - y < 0, meaningless for a constant
    source = to_dot(parse("x/(x - y)"), at={"x": 1, "y": 3}, gradients=True).source
    assert "nan" not in source
    node_grads = source.count('">grad ') - source.count('">grad = ')  # less the heading's key
    assert node_grads == size(parse("x/(x - y)")) - 1  # every node but the -1
