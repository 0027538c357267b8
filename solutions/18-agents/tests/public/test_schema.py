"""Public tests of function_to_schema: the oracle is transformers.utils.get_json_schema.

The tool functions travel as source text: the test defines the function on its side (for the
oracle) and in your process (student.probe), where your function_to_schema receives it.
"""

import pytest

from autograder.harness.expect import assert_equal

BASIC = '''
def convert(amount: float, currency: str, rounded: bool, digits: int) -> float:
    """Convert an amount of money to another currency.

    Uses today's exchange rate.

    Args:
        amount: How much money.
        currency: The target currency code.
        rounded: Whether to round the result.
        digits: How many digits to keep
            after the decimal point.

    Returns:
        The converted amount.
    """
    return amount
'''

RICHER = '''
from typing import Literal, Optional

def book(city: str, nights: int = 1, guests: list[str] = [], budget: Optional[float] = None,
         room: Literal["single", "double"] = "single", extras: dict[str, int] = {},
         meal: str = "none", rating: int | float = 3) -> None:
    """Book a hotel room.

    Args:
        city: Where to stay.
        nights: How many nights.
        guests: The guests' names.
        budget: The most to pay per night, if any.
        room: The room type.
        extras: Extra items and how many of each.
        meal: The meal plan. (choices: ["none", "breakfast", "half board"])
        rating: The lowest star rating.
    """
'''

NO_DOC = '''
def f(x: int):
    return x
'''

NO_HINT = '''
def f(x: int, y):
    """Add.

    Args:
        x: The first.
        y: The second.
    """
'''

NO_DESCRIPTION = '''
def f(x: int, y: int):
    """Add.

    Args:
        x: The first.
    """
'''


@pytest.mark.points(2)
def test_schema_basic_types(student, kit):
    """function_to_schema: int, float, str, bool, descriptions, required and the return."""
    got = student.probe(kit.schema_probe, BASIC, "convert")
    assert_equal(got, {"schema": kit.get_schema(BASIC, "convert")}, what="schema of convert")


@pytest.mark.points(2)
def test_schema_defaults_containers_optional_and_choices(student, kit):
    """function_to_schema: defaults, list[T], dict[str, T], Optional, Literal, unions and (choices: ...)."""
    got = student.probe(kit.schema_probe, RICHER, "book")
    assert_equal(got, {"schema": kit.get_schema(RICHER, "book")}, what="schema of book")


@pytest.mark.points(1)
def test_schema_refuses_undocumented_functions(student, kit):
    """function_to_schema raises ValueError without a docstring, a type hint or an argument description."""
    for source in (NO_DOC, NO_HINT, NO_DESCRIPTION):
        assert kit.get_schema(source, "f") == "raises"
        assert_equal(student.probe(kit.schema_probe, source, "f"), {"raised": "ValueError"}, what="result")
