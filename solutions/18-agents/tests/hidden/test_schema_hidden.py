"""Hidden tests of function_to_schema (oracle: transformers.utils.get_json_schema, live)."""

import random

import pytest

from autograder.harness.expect import assert_equal


def schemas_probe(sources):
    """Runs in the worker: the student's function_to_schema of each (source, name)."""
    import toolschema

    out = []
    for source, name in sources:
        namespace = {}
        exec(source, namespace)
        try:
            out.append({"schema": toolschema.function_to_schema(namespace[name])})
        except ValueError:
            out.append({"raised": "ValueError"})
    return out


def _check(student, oracle, sources, what):
    got = student.probe(schemas_probe, sources)
    want = []
    for source, name in sources:
        schema = oracle.get_schema(source, name)
        want.append({"raised": "ValueError"} if schema == "raises" else {"schema": schema})
    assert type(got) is list and len(got) == len(want), "one result per function"
    for g, w in zip(got, want):
        assert_equal(g, w, dtype=True, what=what)


@pytest.mark.points(3)
def test_schema_random_functions(student, oracle):
    """function_to_schema equals get_json_schema on generated typed, documented functions.

    Forty functions: every type of the handout's table, defaults, multi-line descriptions,
    (choices: ...) blocks, Returns/Raises sections, convertible and unconvertible return hints,
    string annotations."""
    rng = random.Random(1818)
    sources = [(oracle.random_tool_source(rng, f"tool_{i}"), f"tool_{i}") for i in range(40)]
    _check(student, oracle, sources, "the schema of a generated function")


WEATHER_LIKE = '''
def forecast(city: str, days: int = 3) -> "dict[str, float]":
    """Forecast the weather.

    Args:
        city:
            The city to forecast,
            by its English name.
        days: How many days ahead.
    """
'''

UNCONVERTIBLE_RETURN = '''
class Report:
    pass

def report(topic: str, verbose: bool = False) -> Report:
    """Write a report.

    A longer explanation,
    on two lines.

    Args:
        topic: What the report is about.
        verbose: Whether to add details.

    Returns:
        The report.

    Raises:
        ValueError: if the topic is empty.
    """
'''

RETURN_DOC_NO_HINT = '''
def ping(host: str, count: int | None = None):
    """Ping a host.

    Args:
        host: The host name. (choices: ["a.example", " b.example "])
        count: Pings to send.

    Returns:
        The round-trip times.
    """
'''


EMPTY_ARGS = '''
def hello() -> str:
    """Say hello.

    Args:

    Returns:
        A greeting.
    """
'''


ARGS_LAYOUT = '''
def wait(seconds: float, note: str = "") -> None:
    """Wait a while.

    Args:

        Arguments follow.
        seconds: How long to wait,
            unit: seconds.
        note: A note

            for the log.
    """
'''


@pytest.mark.points(1)
def test_schema_returns_and_string_annotations(student, oracle):
    """function_to_schema: string annotations, unconvertible return hints, a Returns section without a hint, the layout of the Args section."""
    sources = [(WEATHER_LIKE, "forecast"), (UNCONVERTIBLE_RETURN, "report"), (RETURN_DOC_NO_HINT, "ping"),
               (EMPTY_ARGS, "hello"), (ARGS_LAYOUT, "wait")]
    _check(student, oracle, sources, "a schema")


REFUSED = [
    ('class Point:\n    pass\n\ndef f(p: Point):\n    """Move.\n\n    Args:\n        p: A point.\n    """\n', "f"),
    ('def f(x: set[int]):\n    """Count.\n\n    Args:\n        x: Numbers.\n    """\n', "f"),
    ('def f(x: int, y: int, z):\n    """Add.\n\n    Args:\n        x: A.\n        y: B.\n        z: C.\n    """\n', "f"),
    ('def f(x: int, y: int = 1):\n    """Add.\n\n    Args:\n        x: A.\n        z: C.\n    """\n', "f"),
    ('def f(x: int):\n    """   """\n', "f"),
    ('def f(x: list[object]):\n    """Add.\n\n    Args:\n        x: A.\n    """\n', "f"),
    ('from typing import Literal\n\ndef f(x: Literal[b"a", b"b"]):\n    """Pick.\n\n    Args:\n        x: A.\n    """\n', "f"),
    ("def f():\n    return 1\n", "f"),
    ('def f() -> int:\n    """  \n    """\n', "f"),
]


@pytest.mark.points(1)
def test_schema_refusals(student, oracle):
    """function_to_schema raises ValueError for unsupported hints, missing hints, descriptions or docstrings."""
    _check(student, oracle, REFUSED, "the result for a function that has no schema")
