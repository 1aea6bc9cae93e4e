"""Shared fixtures: a seeded random generator, and sin nested 100,000 deep (built once per run)."""

import numpy as np
import pytest

from symdiff.functions import sin
from symdiff.nodes import Var


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20261122)


@pytest.fixture(scope="session")
def nested_sin():
    """sin(sin(...sin(x)...)), 100,000 deep: test_deep.py and test_scale.py both use it."""
    e = Var("x")
    for _ in range(100_000):
        e = sin(e)
    return e
