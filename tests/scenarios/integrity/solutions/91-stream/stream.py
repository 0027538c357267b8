"""Scenario reference: small functions whose grading must stay honest under attack."""

from typing import Iterable, Iterator


def total(xs: list[float]) -> float:
    """The sum of `xs`."""
    ### BEGIN SOLUTION
    return sum(xs)
    ### END SOLUTION


def mean(xs: list[float]) -> float:
    """Arithmetic mean of a non-empty list."""
    ### BEGIN SOLUTION
    return sum(xs) / len(xs)
    ### END SOLUTION


def running_sums(xs: Iterable[float]) -> Iterator[float]:
    """Yield x0, x0 + x1, ...; pull the k-th item only when the k-th sum is asked for."""
    ### BEGIN SOLUTION
    acc = 0
    for x in xs:
        acc += x
        yield acc
    ### END SOLUTION


def shout(text: str) -> str:
    """`text` upper-cased."""
    ### BEGIN SOLUTION
    return text.upper()
    ### END SOLUTION
