"""Shared fakes and oracles for the 18-agents tests (released: nothing here implements the handout).

Everything here runs on the trusted side.
- `get_schema(source, name)`: the oracle of function_to_schema, transformers.utils.get_json_schema
  on the function that `source` (Python source text) defines.
- `schema_probe`: runs in the worker (student.probe): defines the function from the same source
  text there and returns the student's function_to_schema of it (functions cannot cross the
  protocol; their source text can).
- `scripted_llm(script)`: a fake chat model lent with student.callback; its k-th call returns
  script[k] (a str, or a function of the messages), and it records a copy of every conversation
  it was sent, so the test sees what reached the model.
- Tools: plain functions with type hints and docstrings; the tests give the student their
  get_json_schema and lend the function itself with student.callback, which records every call.
"""

from __future__ import annotations

import copy
import json
from types import SimpleNamespace

import pytest
from transformers.utils import get_json_schema


def define(source: str, name: str):
    """The function `name` that the (test author's) source text defines."""
    namespace: dict = {}
    exec(source, namespace)  # noqa: S102 - trusted test source, never student text
    return namespace[name]


def get_schema(source: str, name: str) -> dict | str:
    """get_json_schema of the function, or "raises" if get_json_schema refuses it."""
    try:
        return get_json_schema(define(source, name))
    except Exception:  # noqa: BLE001 - DocstringParsingException, TypeHintParsingException
        return "raises"


def schema_probe(source, name):
    """Runs in the worker: the student's function_to_schema of the function defined by `source`."""
    import toolschema

    namespace = {}
    exec(source, namespace)
    try:
        return {"schema": toolschema.function_to_schema(namespace[name])}
    except ValueError:
        return {"raised": "ValueError"}


def scripted_llm(script):
    """A fake model: its k-th call returns script[k] (or script[k](messages) if callable).

    Past the end of the script it raises, which reaches the student's code as a RuntimeError.
    `llm.seen` (on the fake) holds a deep copy of (messages, tools) of every call."""
    state = {"k": 0, "seen": []}

    def llm(messages, tools):
        if type(messages) is not list or type(tools) is not list:
            raise TypeError("llm(messages: list, tools: list)")
        k = state["k"]
        state["k"] += 1
        state["seen"].append(copy.deepcopy((messages, tools)))
        if k >= len(script):
            raise IndexError("the scripted model has no more replies")
        reply = script[k]
        return reply(messages) if callable(reply) else reply
    llm.state = state
    return llm


def call_text(name, arguments) -> str:
    """One tool-call block, as a model writes it."""
    return "<tool_call>" + json.dumps({"name": name, "arguments": arguments}) + "</tool_call>"


# -- tools (harness side) ------------------------------------------------------------------------

def get_weather(city: str, unit: str = "celsius") -> dict:
    """Get the current weather in a city.

    Args:
        city: The city, e.g. "Paris".
        unit: The temperature unit. (choices: ["celsius", "fahrenheit"])

    Returns:
        The temperature and the conditions.
    """
    temp = {"paris": 18, "oslo": 4, "cairo": 31}.get(city.lower(), 20)
    if unit == "fahrenheit":
        temp = temp * 9 // 5 + 32
    return {"city": city, "temperature": temp, "unit": unit}


def add(a: int, b: int) -> int:
    """Add two integers.

    Args:
        a: The first integer.
        b: The second integer.
    """
    return a + b


def divide(a: float, b: float) -> float:
    """Divide a by b.

    Args:
        a: The dividend.
        b: The divisor.
    """
    return a / b


def search(query: str, limit: int = 3, tags: list[str] | None = None) -> list[str]:
    """Search the notes.

    Args:
        query: What to look for.
        limit: At most this many results.
        tags: Only notes with one of these tags.
    """
    return [f"note {i}: {query}" for i in range(limit)]


TOOLS = {"get_weather": get_weather, "add": add, "divide": divide, "search": search}


@pytest.fixture
def make_tools(student):
    """make_tools("add", "divide") -> (tools for the student, {name: callback}) with fresh recorders."""
    def make(*names):
        lent = {name: student.callback(TOOLS[name]) for name in names}
        return [{"schema": get_json_schema(TOOLS[n]), "fn": lent[n]} for n in names], lent
    return make


@pytest.fixture(scope="session")
def kit() -> SimpleNamespace:
    return SimpleNamespace(define=define, get_schema=get_schema, schema_probe=schema_probe,
                           scripted_llm=scripted_llm, call_text=call_text, TOOLS=TOOLS,
                           get_json_schema=get_json_schema)
