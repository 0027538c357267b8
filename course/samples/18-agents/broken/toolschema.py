"""Tool definitions: the JSON schema of a typed, documented Python function.

A chat model that calls tools is shown each tool as a JSON schema: its name, what it does, and
the parameters it takes (`transformers` renders these into the prompt through the chat template).
`function_to_schema` builds that schema from an ordinary Python function: the parameter types come
from its type hints, the descriptions from its Google-style docstring. The result must equal what
`transformers.utils.get_json_schema` returns, for the subset of types and docstrings in the handout.
"""

from __future__ import annotations

import inspect
import json
import re
import types
import typing
from collections.abc import Callable
from typing import Any

# The JSON schema of the plain types (see the handout's table).
BASIC_TYPES: dict[Any, str] = {
    int: "integer",
    float: "number",
    str: "string",
    bool: "boolean",
    type(None): "null",
    list: "array",
    dict: "object",
}

# The lines that start a docstring section.
SECTIONS = ("Args:", "Returns:", "Raises:")


def function_to_schema(fn: Callable) -> dict:
    """The tool schema of `fn`, equal to `transformers.utils.get_json_schema(fn)`.

    Returns {"type": "function", "function": {"name": ..., "description": ...,
    "parameters": {"type": "object", "properties": {...}, "required": [...]}, "return": {...}}}
    ("required" only if some parameter has no default; "return" only if `fn` has a return type
    hint that converts). Raises ValueError if `fn` has no docstring, a parameter has no type hint
    or no description in the docstring, or a type hint is outside the handout's table.
    """
    raise NotImplementedError
