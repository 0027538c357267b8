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


def _enum(values: list) -> dict:
    names = []
    for v in values:
        if type(v) not in (int, float, str, bool, type(None)):
            raise ValueError(f"a Literal value must be int, float, str, bool or None, not {v!r}")
        name = BASIC_TYPES[type(v)]
        if name not in names:
            names.append(name)
    return {"type": names[0] if len(names) == 1 else names, "enum": list(values)}


def _type_schema(hint: Any) -> dict:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is None:
        if hint in BASIC_TYPES:
            return {"type": BASIC_TYPES[hint]}
        raise ValueError(f"unsupported type hint {hint!r}")
    if origin is typing.Union or origin is types.UnionType:
        subs = [_type_schema(a) for a in args if a is not type(None)]
        if len(subs) == 1:
            out = subs[0]
        elif all(set(s) == {"type"} and isinstance(s["type"], str) for s in subs):
            out = {"type": sorted({s["type"] for s in subs})}  # two or more distinct names
        else:
            out = {"anyOf": subs}
        if type(None) in args:
            out["nullable"] = True
        return out
    if origin is typing.Literal:
        return _enum(list(args))
    if origin is list:
        return {"type": "array", "items": _type_schema(args[0])} if args else {"type": "array"}
    if origin is dict:
        out = {"type": "object"}
        if len(args) == 2:
            out["additionalProperties"] = _type_schema(args[1])
        return out
    raise ValueError(f"unsupported type hint {hint!r}")


def _parse_docstring(doc: str) -> tuple[str, dict[str, str], str | None]:
    """(description, {argument: description}, returns or None) of a Google-style docstring."""
    lines = doc.split("\n")
    headers = [i for i, line in enumerate(lines) if line.strip() in SECTIONS]
    first = headers[0] if headers else len(lines)
    description = "\n".join(lines[:first]).strip()
    args: dict[str, str] = {}
    returns = None
    for n, start in enumerate(headers):
        end = headers[n + 1] if n + 1 < len(headers) else len(lines)
        body = lines[start + 1:end]
        header = lines[start].strip()
        if header == "Returns:":
            returns = "\n".join(body).strip()
        elif header == "Args:":
            body = [line for line in body if line.strip()]
            if not body:
                continue
            indent = len(body[0]) - len(body[0].lstrip())
            name = None
            for line in body:
                here = len(line) - len(line.lstrip())
                m = re.match(r"(\w+):\s*(.*)$", line.strip())
                if here <= indent and m:
                    name = m.group(1)
                    args[name] = m.group(2).strip()
                elif name is not None:
                    args[name] = (args[name] + " " + line.strip()).strip()
    return description, args, returns



def function_to_schema(fn: Callable) -> dict:
    """The tool schema of `fn`, equal to `transformers.utils.get_json_schema(fn)`.

    Returns {"type": "function", "function": {"name": ..., "description": ...,
    "parameters": {"type": "object", "properties": {...}, "required": [...]}, "return": {...}}}
    ("required" only if some parameter has no default; "return" only if `fn` has a return type
    hint that converts). Raises ValueError if `fn` has no docstring, a parameter has no type hint
    or no description in the docstring, or a type hint is outside the handout's table.
    """
    doc = inspect.getdoc(fn)
    if not doc:
        raise ValueError(f"{fn.__name__} has no docstring")
    description, arg_docs, returns = _parse_docstring(doc.strip())
    hints = typing.get_type_hints(fn)
    properties: dict[str, dict] = {}
    required: list[str] = []
    for name, param in inspect.signature(fn).parameters.items():
        if name not in hints:
            raise ValueError(f"parameter {name} has no type hint")
        if name not in arg_docs:
            raise ValueError(f"parameter {name} has no description in the docstring")
        prop = _type_schema(hints[name])
        desc = arg_docs[name]
        choices = re.search(r"\(choices:\s*(.*?)\)\s*$", desc, flags=re.IGNORECASE)
        if choices:
            prop["enum"] = [c.strip() if isinstance(c, str) else c for c in json.loads(choices.group(1))]
            desc = desc[:choices.start()].strip()
        prop["description"] = desc
        properties[name] = prop
        if param.default is inspect.Parameter.empty:
            required.append(name)
    parameters: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        parameters["required"] = required
    out: dict[str, Any] = {"name": fn.__name__, "description": description, "parameters": parameters}
    if "return" in hints:
        try:
            ret = _type_schema(hints["return"])
        except ValueError:
            ret = None
        if ret is not None:
            if returns is not None:
                ret["description"] = returns
            out["return"] = ret
    return {"type": "function", "function": out}
