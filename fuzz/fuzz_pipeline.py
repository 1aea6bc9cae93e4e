"""Fuzz the parser and the whole pipeline for a fixed time; every exception that is not a SymdiffError is a finding.

Usage: ``python fuzz/fuzz_pipeline.py --seconds 120`` (``make fuzz FUZZ_SECONDS=120``).

Inputs come from Hypothesis (run in rounds until the time is up, no shrinking): raw text
over an alphabet biased to the grammar, mutated valid text from ``tests/strategies.texts``
and random node graphs from ``tests/strategies.exprs``. Each expression goes through
parse -> str -> parse (must give the same node), latex, repr, diff, gradient, simplify,
evaluate, lambdify, backprop, forward_derivative and to_dot. A crash (any non-SymdiffError
exception) or a broken round trip is recorded once per kind and place, with the smallest
input seen, and saved under ``build/fuzz/findings/``. Exit status 1 when anything was found.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import pathlib
import sys
import time
import traceback
import warnings

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import numpy as np  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from strategies import exprs, texts  # noqa: E402

import symdiff  # noqa: E402
from symdiff import SymdiffError  # noqa: E402

FINDINGS = ROOT / "build" / "fuzz" / "findings"
ALPHABET = "xyz0123456789.+-*/^(),eE pisnclogqrtmaxb_\t\n" + "х−²\x00"
POINT = {"x": 0.7, "y": -1.3, "z": 2.1}


class Stats:
    def __init__(self) -> None:
        self.inputs = 0
        self.parsed = 0
        self.symdiff_errors = 0
        self.findings: dict[str, dict] = {}

    def record(self, kind: str, where: str, source: str, detail: str) -> None:
        key = f"{kind} at {where}"
        old = self.findings.get(key)
        if old is None or len(source) < len(old["input"]):
            self.findings[key] = {"kind": kind, "where": where, "input": source, "detail": detail}


def _where(err: BaseException) -> str:
    frames = [f for f in traceback.extract_tb(err.__traceback__) if "symdiff" in f.filename]
    frame = frames[-1] if frames else traceback.extract_tb(err.__traceback__)[-1]
    return f"{pathlib.Path(frame.filename).name}:{frame.lineno} ({type(err).__name__})"


def _step(stats: Stats, source: str, name: str, fn):
    """Run one stage; a SymdiffError ends the pipeline quietly, anything else is a finding."""
    try:
        return fn()
    except SymdiffError:
        stats.symdiff_errors += 1
        raise
    except Exception as err:  # noqa: BLE001 - this is the point of a fuzzer
        stats.record(f"{name}: {type(err).__name__}", _where(err), source, f"{err!s:.300}")
        raise SymdiffError("finding recorded") from None


def pipeline(stats: Stats, e, source: str) -> None:
    stats.inputs += 1
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            if isinstance(e, str):
                e = _step(stats, source, "parse", lambda: symdiff.parse(e))
                stats.parsed += 1
            text = _step(stats, source, "str", lambda: str(e))
            back = _step(stats, source, "reparse", lambda: symdiff.parse(text))
            if back is not e:
                stats.record("round trip: parse(str(e)) is not e", "printing/parse", source, f"{text!r} -> {back!s}")
            _step(stats, source, "latex", lambda: symdiff.latex(e))
            _step(stats, source, "repr", lambda: repr(e))
            names = symdiff.free_vars(e)
            for stage, fn in [
                ("simplify", lambda: symdiff.simplify(e)),
                ("to_dot", lambda: symdiff.to_dot(e, max_nodes=5000).source),
                ("evaluate", lambda: symdiff.evaluate(e, POINT)),
                ("evaluate arrays", lambda: symdiff.evaluate(e, {k: np.array([v, -v]) for k, v in POINT.items()})),
            ]:
                try:
                    _step(stats, source, stage, fn)
                except SymdiffError:
                    pass
            try:
                value = _step(stats, source, "evaluate", lambda: symdiff.evaluate(e, POINT))
                compiled = _step(stats, source, "lambdify", lambda: symdiff.lambdify(list(names), e))
                got = _step(stats, source, "lambdify call", lambda: compiled(*[POINT[n] for n in names]))
                if not (got == value or math.isclose(got, value, rel_tol=1e-9, abs_tol=1e-12)
                        or (math.isnan(got) and math.isnan(value))):
                    stats.record("lambdify != evaluate", "compile/evaluate", source, f"{got!r} != {value!r}")
            except SymdiffError:
                pass
            for stage, fn in [
                ("backprop", lambda: symdiff.backprop(e, POINT)),
                ("gradient", lambda: symdiff.gradient(e, list(names))),
                ("diff", lambda: symdiff.simplify(symdiff.diff(e, *(names[:1] or ["x"])))),
                ("forward_derivative", lambda: symdiff.forward_derivative(e, POINT, "x")),
                ("to_sympy", lambda: symdiff.to_sympy(e, evaluate=False) if _has_sympy() else None),
            ]:
                try:
                    _step(stats, source, stage, fn)
                except SymdiffError:
                    pass
        except SymdiffError:
            pass


_SYMPY: list[bool] = []


def _has_sympy() -> bool:
    if not _SYMPY:
        try:
            import sympy  # noqa: F401
            _SYMPY.append(True)
        except ImportError:
            _SYMPY.append(False)
    return _SYMPY[0]


@st.composite
def mutated_texts(draw):
    """Valid text with a few characters inserted, deleted or swapped."""
    text = list(draw(texts(max_depth=3)))
    for _ in range(draw(st.integers(0, 3))):
        op = draw(st.sampled_from(["insert", "delete", "swap"]))
        i = draw(st.integers(0, len(text)))
        if op == "insert":
            text.insert(i, draw(st.sampled_from(ALPHABET)))
        elif op == "delete" and text:
            del text[min(i, len(text) - 1)]
        elif text:
            j = draw(st.integers(0, len(text) - 1))
            text[min(i, len(text) - 1)], text[j] = text[j], text[min(i, len(text) - 1)]
    return "".join(text)


INPUTS = st.one_of(
    st.text(alphabet=ALPHABET, max_size=60),
    st.text(max_size=20),
    texts(max_depth=3),
    mutated_texts(),
    exprs(max_leaves=40),
)


def run(seconds: float, examples_per_round: int = 100) -> Stats:
    stats = Stats()
    deadline = time.monotonic() + seconds
    rounds = 0

    @settings(max_examples=examples_per_round, deadline=None, database=None, derandomize=False,
              suppress_health_check=list(HealthCheck), phases=["generate"])
    @given(INPUTS)
    def one(item):
        if time.monotonic() > deadline:
            return
        source = item if isinstance(item, str) else repr(item)
        pipeline(stats, item, source)

    while time.monotonic() < deadline:
        one()
        rounds += 1
    return stats


def report(stats: Stats, seconds: float) -> int:
    FINDINGS.mkdir(parents=True, exist_ok=True)
    print(f"fuzz: {stats.inputs:,} inputs in {seconds:.0f} s ({stats.parsed:,} parsed from text, "
          f"{stats.symdiff_errors:,} clean SymdiffErrors), {len(stats.findings)} finding(s)")
    for key, finding in sorted(stats.findings.items()):
        digest = hashlib.sha1(key.encode()).hexdigest()[:10]
        path = FINDINGS / f"{digest}.json"
        path.write_text(json.dumps(finding, indent=2, ensure_ascii=True) + "\n")
        print(f"  {key}\n    input: {finding['input'][:200]!r}\n    {finding['detail'][:200]}\n    saved: {path}")
    return 1 if stats.findings else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60, help="how long to fuzz (default 60)")
    args = parser.parse_args(argv)
    start = time.monotonic()
    stats = run(args.seconds)
    return report(stats, time.monotonic() - start)


if __name__ == "__main__":
    sys.exit(main())
