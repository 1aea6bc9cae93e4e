"""Benchmark symdiff against SymPy, SymEngine, CasADi and JAX on the same problems.

Run ``make bench`` (or ``make bench ARGS=--quick``), or directly::

    .venv/bin/python benchmarks/run.py [--quick] [--family NAME ...] [--repeat N] [--timeout S] [--install]

Each (library, case) runs in its own subprocess (a "worker"): it builds the input
untimed, then times one run each time the parent asks. The parent asks the
libraries in turn, rotating the order every repetition, so a slow spell of the
shared machine hits them all alike; the time shown is the median. A worker that
does not answer within ``--timeout`` seconds (for its set-up, or for any one run)
is killed and shows ``timeout > S s``; one that raises shows ``error: Name``; one
that dies shows ``crash: SIGSEGV`` (or its exit code). A library whose runs add up
to more than half the timeout is not repeated further, and after a timeout the
larger cases of the same series are not run. The tables go to stdout and, with the
machine and the versions, to ``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import importlib.metadata
import importlib.util
import json
import os
import platform
import re
import select
import shlex
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PEERS = ("sympy", "symengine", "casadi", "jax")
CORE = ("symdiff", *PEERS)
FAMILIES: dict[str, tuple[tuple[str, ...], str, str]] = {
    # family: (libraries, size column, what is timed and what the size is)
    "textbook": (CORE, "size", "Differentiate 40 classic one-variable functions (all 40 timed together). Size: "
                 "`sympy.count_ops` of the 40 derivatives (symdiff via `to_sympy(d, evaluate=False)`, SymEngine "
                 "via `sympy.sympify`); CasADi: `n_nodes` of one SX Function of all 40; JAX: equations in the 40 "
                 "jaxprs of `jax.grad`."),
    "rosenbrock": (CORE, "size", "Extended Rosenbrock sum 100*(x[i+1] - x[i]^2)^2 + (1 - x[i])^2: symdiff "
                   "`gradient`/`hessian`; SymPy `[diff(f, v) for v in xs]`/`hessian`; SymEngine `diff` (Hessian: "
                   "the gradient differentiated, upper half mirrored); CasADi SX `gradient`/`hessian`; JAX "
                   "`make_jaxpr(grad(f))`/`make_jaxpr(hessian(f))` with f written on arrays. Size: distinct "
                   "nodes (symdiff `size`; SymPy/SymEngine distinct subexpressions; CasADi `n_nodes` of an SX "
                   "Function; JAX jaxpr equations)."),
    "mlp": (CORE, "size", "Squared loss of a 2-4-1 network (tanh hidden units, sigmoid output written as "
            "1/(1 + exp(-z))) over the 4 XOR samples, one expression in its 17 parameters: gradient and "
            "Hessian, timed and sized as for rosenbrock."),
    "deep": (CORE, "size", "d/dx sin(sin(...sin(x))), nested n deep. Size as for rosenbrock."),
    "product": (CORE, "size", "d/dx (x + 1)(x + 2)...(x + n). Size as for rosenbrock."),
    "parse": (CORE, "size", "Parse a generated sum of c*x_j**k*sin(x_m) terms over 100 variables from text "
              "(`symdiff.parse`, `sympy.parse_expr`, `symengine.sympify`); like terms collect, so the size "
              "(distinct nodes) is below the term count."),
    "eval": (("symdiff", "symdiff[jax]", "sympy", "symengine", "symengine[llvm]", "casadi", "jax", "numpy"),
             "compile", "Evaluate a compiled gradient on many points; only the evaluation is timed, the compile "
             "(or JAX's first call) is shown once. mlp: the per-sample loss as a function of the 17 parameters "
             "(fixed numbers) and the inputs x1, x2 and target (arrays), its gradient in the parameters. "
             "rosenbrock: n = 100 variables, one array per variable; 200,000 points in the full run, not "
             "1,000,000: eight libraries hold their inputs and outputs at once, 1.6 GB each at a million. "
             "symdiff `lambdify`; SymPy `lambdify(cse=True)`; SymEngine `Lambdify(cse=True)` with its default "
             "and its LLVM backend (one array of all the arguments); CasADi a `Function` `map`ped over the "
             "points, result converted to NumPy; JAX `jit(vmap(grad))` (float64); hand-written NumPy."),
    "cheap": (("symdiff", "casadi"), "size(f, grad)/size(f)", "The cheap-gradient ratio: the size of f together "
              "with all its partials over the size of f (symdiff `size([f, *grad]) / size(f)`, CasADi "
              "`n_nodes` of an SX Function with outputs [f, grad] over that of [f]). Time: building the "
              "gradient."),
    "memory": (CORE, "peak memory", "The Rosenbrock Hessian, built as in the rosenbrock family, with the "
               "memory its first run added to the worker process at its peak (Linux: the resident high-water "
               "mark, reset before the run, less the resident size before it). Time as for rosenbrock."),
    "internals": (("symdiff",), "size", "symdiff alone, what `calculus.py` and `parse_eval.py` measured: "
                  "gradient and diff of alternating sums and products (time should double with n), parse, "
                  "evaluate and str of a long sum and a deep nesting. Size: nodes (str: characters)."),
}


@dataclass
class Result:
    """The outcome of one (library, case): times of the runs done, or why there are none."""

    status: str  # ok, timeout, error, crash, n/a, not installed, not run
    message: str = ""
    times: list[float] = field(default_factory=list)
    size: Any = ""

    @property
    def median(self) -> float | None:
        return statistics.median(self.times) if self.status == "ok" and self.times else None


# -- the worker: one library, one case, in its own process ----------------------------------------


def worker_main(spec: dict[str, Any]) -> None:
    """Prepare the case, say ``ready``, then time one run per ``run`` line read from stdin."""
    proto = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # whatever the libraries print goes to stderr, never into the protocol
    sys.stdout = sys.stderr

    def send(**message: Any) -> None:
        proto.write(json.dumps(message) + "\n")
        proto.flush()

    problems = importlib.import_module(spec["module"])
    try:
        prepared = problems.prepare(spec["lib"], problems.Case(**spec["case"]))
    except problems.NotOffered as e:
        return send(status="n/a", message=str(e))
    except Exception as e:
        return send(status="error", message=f"{type(e).__name__} (set-up)")
    send(status="ready")
    size = None
    for line in sys.stdin:
        if line.strip() != "run":
            break
        try:
            start = time.perf_counter()
            result = prepared.run()
            seconds = time.perf_counter() - start
        except Exception as e:
            return send(status="error", message=type(e).__name__)
        if size is None:
            try:
                size = prepared.describe(result)
            except Exception as e:
                size = f"? ({type(e).__name__})"
        del result
        send(status="ok", seconds=seconds, size=size)


class Worker:
    """The parent's handle on a worker process; every request has a deadline."""

    def __init__(self, lib: str, case: Any, module: str, env: dict[str, str] | None) -> None:
        spec = {"lib": lib, "case": {"family": case.family, "name": case.name, "params": case.params},
                "module": module}
        self.stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--worker", json.dumps(spec)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.stderr, env=env)
        self.buffer = b""

    def request(self, command: str | None, timeout: float) -> dict[str, Any]:
        """Send ``command`` (if any) and read the reply line, or report a timeout or a crash."""
        if command is not None:
            try:
                self.proc.stdin.write(command.encode() + b"\n")
                self.proc.stdin.flush()
            except BrokenPipeError:
                return self._crash()
        deadline = time.monotonic() + timeout
        fd = self.proc.stdout.fileno()
        while b"\n" not in self.buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
                self.close(kill=True)
                return {"status": "timeout"}
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                return self._crash()
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return json.loads(line)

    def _crash(self) -> dict[str, Any]:
        code = self.proc.wait()
        if code < 0:
            return {"status": "crash", "message": signal.Signals(-code).name}
        self.stderr.seek(0)
        lines = self.stderr.read().decode(errors="replace").strip().splitlines()
        last = f": {lines[-1][:60]}" if lines else ""
        return {"status": "crash", "message": f"exit code {code}{last}"}

    def close(self, kill: bool = False) -> None:
        """Stop the worker: close its input and let it end, or kill it (at once with ``kill``, or if it hangs)."""
        if not kill and self.proc.poll() is None:
            try:
                self.proc.stdin.close()
                self.proc.wait(timeout=5)
            except (BrokenPipeError, subprocess.TimeoutExpired):
                pass
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout, self.stderr):
            try:
                stream.close()
            except BrokenPipeError:
                pass


def run_case(case: Any, libs: list[str], repeat: int, timeout: float, module: str = "problems",
             env: dict[str, str] | None = None) -> dict[str, Result]:
    """Time ``case`` in each library, one worker each, alternating libraries between repetitions."""
    results: dict[str, Result] = {}
    workers: dict[str, Worker] = {}
    for lib in libs:  # set-up one at a time: it is not timed, but it must not slow the others' runs
        worker = Worker(lib, case, module, env)
        reply = worker.request(None, timeout)
        if reply["status"] == "ready":
            workers[lib], results[lib] = worker, Result("ok")
        else:
            worker.close()
            results[lib] = _failure(reply, timeout, " (set-up)")
    for rep in range(repeat):
        active = list(workers)
        for lib in active[rep % max(len(active), 1):] + active[:rep % max(len(active), 1)]:
            reply = workers[lib].request("run", timeout)
            if reply["status"] != "ok":
                results[lib] = _failure(reply, timeout)
            else:
                results[lib].times.append(reply["seconds"])
                results[lib].size = reply["size"]
            if reply["status"] != "ok" or sum(results[lib].times) > timeout / 2:
                workers.pop(lib).close()
    for worker in workers.values():
        worker.close()
    return results


def _failure(reply: dict[str, Any], timeout: float, where: str = "") -> Result:
    if reply["status"] == "timeout":
        return Result("timeout", f"timeout > {timeout:g} s{where}")
    if reply["status"] == "n/a":
        return Result("n/a", "n/a")
    return Result(reply["status"], f"{reply['status']}: {reply.get('message', '')}")


# -- tables --------------------------------------------------------------------------------------


def format_seconds(t: float) -> str:
    """1.23 s, 45.6 ms, 789 µs."""
    for unit, scale in (("s", 1), ("ms", 1e-3), ("µs", 1e-6)):
        if t >= scale:
            return f"{t / scale:.3g} {unit}"
    return f"{t * 1e9:.3g} ns"


def format_ratio(r: float) -> str:
    return f"{r:,.0f}×" if r >= 100 else f"{r:.3g}×"


def table(family: str, rows: list[tuple[str, dict[str, Result]]], repeat: int) -> str:
    """One Markdown table: a row per (case, library), ratios against symdiff's median."""
    size_label = FAMILIES[family][1]
    lines = [f"| case | library | time (median) | {size_label} | peer/symdiff |", "|---|---|--:|--:|--:|"]
    for case_name, results in rows:
        base = results.get("symdiff", Result("n/a")).median
        for i, (lib, r) in enumerate(results.items()):
            if r.median is None:
                time_cell, ratio = r.message or r.status, "—"
            else:
                runs = "" if len(r.times) == repeat else f" ({len(r.times)} of {repeat} runs)"
                time_cell = format_seconds(r.median) + runs
                ratio = "1" if lib == "symdiff" else (format_ratio(r.median / base) if base else "—")
            size = f"{r.size:,}" if isinstance(r.size, int) else str(r.size)
            lines.append(f"| {case_name if i == 0 else ''} | {lib} | {time_cell} | {size} | {ratio} |")
    return "\n".join(lines)


def section(family: str, rows: list[tuple[str, dict[str, Result]]], repeat: int) -> str:
    return f"## {family}\n\n{FAMILIES[family][2]}\n\n{table(family, rows, repeat)}\n"


# -- the machine, the versions, the peers ----------------------------------------------------------


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def installed(lib: str) -> bool:
    """Whether the module ``lib`` needs can be imported (without importing it)."""
    module = {"symdiff[jax]": "jax", "symengine[llvm]": "symengine"}.get(lib, lib)
    return importlib.util.find_spec(module) is not None


def lambdify_has_backend() -> bool:
    import inspect

    import symdiff

    return "backend" in inspect.signature(symdiff.lambdify).parameters


def bench_extra() -> list[str]:
    """The requirements of the ``bench`` extra in pyproject.toml."""
    text = (ROOT / "pyproject.toml").read_text()
    try:
        import tomllib
    except ImportError:  # Python 3.10: the extra is one line, bench = ["a", "b[c]"]
        match = re.search(r"^bench\s*=\s*\[(.*)\]\s*$", text, re.M)
        return re.findall(r'"([^"]+)"', match.group(1)) if match else []
    return tomllib.loads(text)["project"]["optional-dependencies"].get("bench", [])


def install_peers() -> None:
    """pip-install each peer on its own; one that fails is reported and left out."""
    for requirement in bench_extra():
        done = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                               requirement], capture_output=True, text=True)
        status = "ok" if done.returncode == 0 else "FAILED, its rows will read 'not installed'"
        print(f"install {requirement}: {status}", file=sys.stderr)
        if done.returncode:
            print(done.stderr.strip()[-500:], file=sys.stderr)


def header(command: str, repeat: int, timeout: float) -> str:
    versions = ", ".join(f"{d} {version(d)}" for d in ("symdiff", "numpy", "sympy", "symengine", "casadi", "jax",
                                                         "jaxlib"))
    return (f"# symdiff benchmarks\n\n"
            f"- date: {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}\n"
            f"- machine: {cpu_model()}, {os.cpu_count()} cores ({platform.system()} {platform.release()})\n"
            f"- Python {platform.python_version()}; {versions}\n"
            f"- command: `{command}`\n"
            f"- median of {repeat} runs per (library, case), libraries alternating between runs; each in its "
            f"own subprocess, limited to {timeout:g} s for the set-up and for each run (no more runs once they add "
            f"up to {timeout / 2:g} s); peer/symdiff > 1 means symdiff is faster\n")


# -- main ----------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes and 3 runs: about two minutes")
    parser.add_argument("--family", action="append", choices=list(FAMILIES), help="run only these (repeatable)")
    parser.add_argument("--repeat", type=int, help="runs per (library, case); default 5, 3 with --quick")
    parser.add_argument("--timeout", type=float, help="seconds for a set-up or a run; default 60, 20 with --quick")
    parser.add_argument("--output", type=Path, default=HERE / "RESULTS.md", help="where the tables go")
    parser.add_argument("--install", action="store_true", help="first pip-install the peers of the bench extra")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker_main(json.loads(args.worker))
    if args.install:
        install_peers()
    repeat = args.repeat or (3 if args.quick else 5)
    timeout = args.timeout or (20 if args.quick else 60)
    python = os.path.relpath(sys.executable) if sys.executable.startswith(os.getcwd()) else sys.executable
    command = shlex.join([python, os.path.relpath(__file__), *sys.argv[1:]])
    if os.environ.get("MAKELEVEL"):
        command = f"make bench: {command}"

    sys.path.insert(0, str(HERE))
    import problems

    families = args.family or list(FAMILIES)
    sections, timed_out = [], {}
    start = time.monotonic()
    for family in families:
        libs = [lib for lib in FAMILIES[family][0] if lib != "symdiff[jax]" or lambdify_has_backend()]
        rows = []
        for case in (c for c in problems.cases(args.quick) if c.family == family):
            print(f"[{time.monotonic() - start:6.0f} s] {family}: {case.name}", file=sys.stderr, flush=True)
            series = (family, case.params.get("op"))
            results = {lib: (Result("not installed", "not installed") if not installed(lib) else
                             Result("n/a", "n/a") if not problems.offers(lib, family) else
                             Result("not run", f"not run (timeout at {timed_out[series, lib]})")
                             if (series, lib) in timed_out else None) for lib in libs}
            todo = [lib for lib, r in results.items() if r is None]
            results.update(run_case(case, todo, repeat, timeout))
            for lib in todo:
                if results[lib].status == "timeout":
                    timed_out[series, lib] = case.name
            rows.append((case.name, results))
        sections.append(section(family, rows, repeat))
        print(f"\n{sections[-1]}", flush=True)
    elapsed = f"\nTotal wall time: {time.monotonic() - start:.0f} s.\n"
    args.output.write_text(header(command, repeat, timeout) + "\n" + "\n".join(sections) + elapsed)
    shown = os.path.relpath(args.output) if str(args.output.resolve()).startswith(os.getcwd()) else args.output
    print(f"{elapsed.strip()} Wrote {shown}.", file=sys.stderr)


if __name__ == "__main__":
    main()
