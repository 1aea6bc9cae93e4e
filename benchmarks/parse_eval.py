"""Time parse, evaluate and str on a 100,000-term sum and a 100,000-deep nesting.

Run: ``.venv/bin/python benchmarks/parse_eval.py`` (medians of 3 runs; the
suite against peer libraries arrives with the performance issue).
"""

import sys

from timing import median_time

import symdiff

N = 100_000


def main() -> None:
    text = "x + " + " ".join(f"{'+' if i % 3 else '-'} {i % 7 + 1}*x{i}" for i in range(N))
    values = {f"x{i}": 0.5 for i in range(N)} | {"x": 1.0}
    t_parse, wide = median_time(lambda: symdiff.parse(text))
    t_eval, _ = median_time(lambda: symdiff.evaluate(wide, values))
    t_str, _ = median_time(lambda: str(wide))
    print(f"sum of {len(wide.args):,} terms ({len(text):,} chars): "
          f"parse {t_parse:.2f} s, evaluate {t_eval:.3f} s, str {t_str:.3f} s")

    deep_text = "sin(" * N + "x" + ")" * N
    t_parse, deep = median_time(lambda: symdiff.parse(deep_text))
    t_eval, _ = median_time(lambda: symdiff.evaluate(deep, {"x": 0.5}))
    t_str, _ = median_time(lambda: str(deep))
    print(f"sin nested {N:,} deep: parse {t_parse:.2f} s, evaluate {t_eval:.3f} s, str {t_str:.3f} s "
          f"(recursion limit {sys.getrecursionlimit()}, medians of 3)")


if __name__ == "__main__":
    main()
