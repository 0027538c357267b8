"""Hidden-only oracles and generators for the 18-agents tests (never released).

- `random_tool_source(rng)`: source text of a random typed, documented function in the handout's
  subset (types, defaults, multi-line descriptions, (choices: ...), Returns/Raises sections,
  `from __future__ import annotations`); its oracle is get_json_schema (tests/conftest.py).
- `parse_oracle`, `dispatch_oracle`, `run_oracle`: hand-written versions of the handout's rules
  for the agent (jsonschema is called live for argument validation).
- Harness tools with varied result types, and generators of adversarial model replies.
"""

from __future__ import annotations

import json
import random
from types import SimpleNamespace
from typing import Literal, Optional

import jsonschema
import pytest
from transformers.utils import get_json_schema

UNCLOSED = "Error: <tool_call> without </tool_call>"
INVALID_JSON = "Error: the tool call is not valid JSON"
BAD_CALL = 'Error: a tool call is a JSON object with a "name" (string) and "arguments" (object)'

# -- random tool functions ---------------------------------------------------------------------

TYPES = ["int", "float", "str", "bool", "list", "dict", "list[int]", "list[str]", "dict[str, float]",
         "Optional[int]", "str | None", "int | float", "Union[int, str]", 'Literal["low", "high"]',
         "Literal[1, 2, 3]", 'Literal["x", 2]', "list[list[int]]", "Optional[list[str]]",
         "Union[list[int], str]", "dict[str, list[int]]", "bool | None", "float | str | None"]
RETURNS = [None, "int", "str", "list[str]", "dict", "object", "None", "Optional[float]"]
WORDS = ("the value to use for this call and a few more words about units items "
         "rows names a an of in with per each when if not more than zero").split()
NAMES = ["query", "limit", "city", "unit", "count", "items", "flag", "scale", "labels", "target",
         "mode", "depth", "weights", "tag", "offset", "text"]


def _sentence(rng: random.Random, n: int) -> str:
    words = [rng.choice(WORDS) for _ in range(n)]
    return (words[0].capitalize() + " " + " ".join(words[1:])).rstrip() + rng.choice([".", "", ":", " (max 10)."])


def random_tool_source(rng: random.Random, name: str) -> str:
    params = rng.sample(NAMES, rng.randint(1, 5))
    n_required = rng.randint(0, len(params))
    lines = []
    if rng.random() < 0.3:
        lines.append("from __future__ import annotations")
    lines.append("from typing import Literal, Optional, Union")
    sig = []
    for i, p in enumerate(params):
        t = rng.choice(TYPES)
        sig.append(f"{p}: {t}" + ("" if i < n_required else " = None"))
    ret = rng.choice(RETURNS)
    lines.append(f"def {name}({', '.join(sig)})" + (f" -> {ret}" if ret else "") + ":")
    doc = ['    """' + _sentence(rng, rng.randint(3, 8))]
    if rng.random() < 0.5:
        doc += ["", "    " + _sentence(rng, rng.randint(3, 9)), "    " + _sentence(rng, 4)]
    doc += ["", "    Args:"]
    for p in params:
        first = _sentence(rng, rng.randint(2, 6))
        if rng.random() < 0.15:
            doc += [f"        {p}:", "            " + first]
        else:
            doc.append(f"        {p}: {first}")
        for _ in range(rng.choice([0, 0, 1, 2])):
            doc.append("            " + _sentence(rng, rng.randint(2, 5)).lower())
        if rng.random() < 0.2:
            choice = rng.choice(['["a", "b"]', '[" left ", "right"]', "[1, 2, 3]", '["only"]'])
            doc[-1] += rng.choice([" ", "  ", ""]) + f"({rng.choice(['choices', 'Choices'])}: {choice})"
    if rng.random() < 0.6:
        doc += ["", "    Returns:", "        " + _sentence(rng, rng.randint(2, 6))]
    if rng.random() < 0.2:
        doc += ["", "    Raises:", "        ValueError: " + _sentence(rng, 3)]
    doc.append('    """')
    lines += doc
    lines.append("    return None")
    return "\n".join(lines) + "\n"


# -- the agent rules, written again ------------------------------------------------------------

def parse_oracle(text: str) -> list[dict]:
    out: list[dict] = []
    rest = text
    while "<tool_call>" in rest:
        after = rest.split("<tool_call>", 1)[1]
        if "</tool_call>" not in after:
            out.append({"error": UNCLOSED})
            break
        payload, rest = after.split("</tool_call>", 1)
        try:
            obj = json.loads(payload)
        except json.JSONDecodeError:
            out.append({"error": INVALID_JSON})
            continue
        ok = isinstance(obj, dict) and isinstance(obj.get("name"), str) and isinstance(obj.get("arguments"), dict)
        out.append({"name": obj["name"], "arguments": obj["arguments"]} if ok else {"error": BAD_CALL})
    return out


def dispatch_oracle(call: dict, specs: dict) -> tuple[str, bool]:
    """(observation, whether the tool was called); specs: name -> python function."""
    if "error" in call:
        return call["error"], False
    name, args = call["name"], call["arguments"]
    if name not in specs:
        return f"Error: unknown tool '{name}'", False
    errors = jsonschema.Draft202012Validator(get_json_schema(specs[name])["function"]["parameters"]).iter_errors(args)
    best = jsonschema.exceptions.best_match(errors)
    if best is not None:
        return f"Error: invalid arguments for tool '{name}': {best.message}", False
    try:
        result = specs[name](**args)
    except Exception as exc:  # noqa: BLE001
        return f"Error: tool '{name}' failed: {type(exc).__name__}: {exc}", True
    return (result if type(result) is str else json.dumps(result)), True


def run_oracle(task: str, replies: list[str], specs: dict, max_steps: int):
    """(answer, messages, conversations the model saw (message lists), tool calls per tool)."""
    messages = [{"role": "user", "content": task}]
    seen, called = [], {n: [] for n in specs}
    k = 0
    for step in range(max_steps):
        seen.append(json.loads(json.dumps(messages)))
        reply = replies[step]
        messages.append({"role": "assistant", "content": reply})
        calls = parse_oracle(reply)
        if not calls:
            return reply.strip(), messages, seen, called
        for call in calls:
            obs, ran = dispatch_oracle(call, specs)
            if ran:
                called[call["name"]].append(([], call["arguments"]))
            messages.append({"role": "tool", "tool_call_id": f"call_{k}", "content": obs})
            k += 1
    return None, messages, seen, called


# -- hidden tools ----------------------------------------------------------------------------

def lookup(key: str):
    """Look a key up in the store.

    Args:
        key: The key.
    """
    table = {"n": 7, "pi": 3.5, "ok": True, "none": None, "list": [1, "two", 3.0], "map": {"b": 1, "a": [2]},
             "text": "plain text", "empty": ""}
    if key == "boom":
        raise KeyError("boom")
    return table.get(key, f"no entry for {key}")


def set_alarm(hour: int, minute: int = 0, label: Optional[str] = None,
              days: list[Literal["mon", "tue", "wed"]] = []) -> str:
    """Set an alarm.

    Args:
        hour: The hour, 0 to 23.
        minute: The minute.
        label: A label for the alarm.
        days: The days it repeats on.
    """
    if not 0 <= hour < 24:
        raise ValueError(f"no hour {hour}")
    return f"alarm {hour:02d}:{minute:02d} {label or ''} {','.join(days)}".strip()


def scale(values: list[float], factor: float = 2.0, mode: str = "mul") -> list[float]:
    """Scale numbers.

    Args:
        values: The numbers.
        factor: The factor.
        mode: How to scale. (choices: ["mul", "add"])
    """
    return [v * factor if mode == "mul" else v + factor for v in values]


HIDDEN_TOOLS = {"lookup": lookup, "set_alarm": set_alarm, "scale": scale}

# arguments a model might write, per tool: valid ones and wrong ones
ARGS = {
    "lookup": [{"key": k} for k in ["n", "pi", "ok", "none", "list", "map", "text", "empty", "zzz", "boom"]]
    + [{"key": 3}, {}, {"key": "n", "extra": 1}, {"key": None}],
    "set_alarm": [{"hour": 7}, {"hour": 23, "minute": 59, "label": "x"}, {"hour": 6, "days": ["mon", "wed"]},
                  {"hour": 25}, {"hour": "7"}, {"hour": 7.0}, {"hour": True}, {"minute": 3},
                  {"hour": 7, "days": ["sun"]}, {"hour": 7, "label": None}, {"hour": 7, "days": "mon"}],
    "scale": [{"values": [1, 2.5]}, {"values": [], "factor": 3}, {"values": [1], "mode": "add"},
              {"values": [1], "mode": "pow"}, {"values": ["1"]}, {"values": 1}, {"factor": 2},
              {"values": [1], "factor": "2"}],
}


def random_block(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.55:
        name = rng.choice(list(ARGS))
        return "<tool_call>" + json.dumps({"name": name, "arguments": rng.choice(ARGS[name])},
                                          indent=rng.choice([None, 2])) + "</tool_call>"
    if r < 0.65:
        return "<tool_call>" + json.dumps({"name": rng.choice(["search", "Lookup", ""]), "arguments": {}}) + "</tool_call>"
    return "<tool_call>" + rng.choice([
        '{"name": "lookup", "arguments": {"key": "n"},}', "{'name': 'lookup', 'arguments': {'key': 'n'}}",
        '{"name": "lookup", "arguments": "{\\"key\\": \\"n\\"}"}', '{"name": "lookup"}', '["lookup", {}]',
        '{"name": null, "arguments": {}}', "", "lookup(key='n')", '{"name": "lookup", "arguments": {"key": True}}',
        "__import__('os').getcwd()", '{"arguments": {"key": "n"}, "name": "lookup", "id": "call_99"}',
    ]) + "</tool_call>"


def random_reply(rng: random.Random, final: bool) -> str:
    if final:
        return rng.choice(["", "  ", "\n"]) + rng.choice(["42", "The answer is 42.", "Done: </tool_call> ok",
                                                           "I will not call <tool-call> anything", ""]) + rng.choice(["", " \n"])
    parts = [rng.choice(["", "Thinking. ", "Final answer: 42\n", "Let me call tools.\n"])]
    for _ in range(rng.choice([1, 1, 2, 3])):
        parts.append(random_block(rng) + rng.choice(["", "\n", " and "]))
    if rng.random() < 0.08:
        parts.append('<tool_call>{"name": "lookup", "arguments": {"key": "n"}}')  # never closed
    return "".join(parts)


@pytest.fixture(scope="session")
def oracle(kit) -> SimpleNamespace:
    return SimpleNamespace(**vars(kit), random_tool_source=random_tool_source, parse=parse_oracle,
                           dispatch=dispatch_oracle, run=run_oracle, HIDDEN_TOOLS=HIDDEN_TOOLS, ARGS=ARGS,
                           random_block=random_block, random_reply=random_reply,
                           UNCLOSED=UNCLOSED, INVALID_JSON=INVALID_JSON, BAD_CALL=BAD_CALL)
