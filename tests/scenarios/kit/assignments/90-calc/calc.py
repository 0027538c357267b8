"""Scenario reference: tiny functions the kit's tests grade."""

import numpy as np


def add(a: int, b: int) -> int:
    """Return a + b."""
    raise NotImplementedError


def mean(xs: list[float]) -> float:
    """Arithmetic mean of a non-empty list."""
    raise NotImplementedError


def normalize(xs: list[float]) -> np.ndarray:
    """xs / ||xs||_2 as a float64 array of shape (len(xs),)."""
    raise NotImplementedError


class Counter:
    """Counts up from `start`."""

    def __init__(self, start: int):
        raise NotImplementedError

    def inc(self) -> int:
        """Add one and return the new count."""
        raise NotImplementedError
