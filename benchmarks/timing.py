"""The one timing helper the benchmark scripts share: the median of a few runs."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any


def median_time(fn: Callable[[], Any], runs: int = 3) -> tuple[float, Any]:
    """(median seconds over ``runs`` calls of ``fn``, the last result)."""
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result
