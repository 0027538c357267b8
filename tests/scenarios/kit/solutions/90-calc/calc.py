"""Scenario reference: tiny functions the kit's tests grade."""

import numpy as np


def add(a: int, b: int) -> int:
    """Return a + b."""
    ### BEGIN SOLUTION
    return a + b
    ### END SOLUTION


def mean(xs: list[float]) -> float:
    """Arithmetic mean of a non-empty list."""
    ### BEGIN SOLUTION
    return sum(xs) / len(xs)
    ### END SOLUTION


def normalize(xs: list[float]) -> np.ndarray:
    """xs / ||xs||_2 as a float64 array of shape (len(xs),)."""
    ### BEGIN SOLUTION
    arr = np.asarray(xs, dtype=np.float64)
    return arr / np.linalg.norm(arr)
    ### END SOLUTION


class Counter:
    """Counts up from `start`."""

    def __init__(self, start: int):
        ### BEGIN SOLUTION
        self.n = start
        ### END SOLUTION

    def inc(self) -> int:
        """Add one and return the new count."""
        ### BEGIN SOLUTION
        self.n += 1
        return self.n
        ### END SOLUTION
