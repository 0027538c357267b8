"""A tool-calling agent: parse the model's tool calls, run them safely, loop until an answer.

The model is a plain function you are given: `llm(messages, tools) -> str`. Its reply either
answers the task or asks for tools with `<tool_call>{"name": ..., "arguments": {...}}</tool_call>`
blocks (the Hermes / Qwen format). The loop runs each call and sends the result back as a `tool`
message carrying the call's `tool_call_id`, then asks the model again (ReAct: reason, act,
observe). Everything the model writes is untrusted text: it is parsed as JSON (never `eval`),
checked against the tool's JSON schema with `jsonschema`, and every failure becomes an error
observation for the model instead of an exception.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import jsonschema

OPEN_TAG = "<tool_call>"
CLOSE_TAG = "</tool_call>"

# The error observations (see the handout); fill in {name} / {message} with str.format.
UNCLOSED = "Error: <tool_call> without </tool_call>"
INVALID_JSON = "Error: the tool call is not valid JSON"
BAD_CALL = 'Error: a tool call is a JSON object with a "name" (string) and "arguments" (object)'
UNKNOWN_TOOL = "Error: unknown tool '{name}'"
INVALID_ARGUMENTS = "Error: invalid arguments for tool '{name}': {message}"
TOOL_FAILED = "Error: tool '{name}' failed: {message}"


def parse_tool_calls(text: str) -> list[dict]:
    """The tool calls in a model reply, in order.

    Each `<tool_call>...</tool_call>` block gives one item: {"name": str, "arguments": dict} if its
    content is a JSON object with a string "name" and an object "arguments", else {"error": msg}
    (INVALID_JSON, BAD_CALL; UNCLOSED for an opening tag without a closing one, which ends the
    scan). A reply without "<tool_call>" has no calls: [].
    """
    raise NotImplementedError


def dispatch(call: dict, tools: list[dict]) -> str:
    """Run one parsed call; return the observation (the content of its tool message).

    `tools` is a list of {"schema": <function_to_schema output>, "fn": callable}. In order: an
    error item gives its error; a name no tool has gives UNKNOWN_TOOL; arguments that fail
    `jsonschema.validate` against the tool's "parameters" give INVALID_ARGUMENTS (the
    ValidationError's .message); else fn(**arguments) is called once, and its result is the
    observation (a str as it is, anything else json.dumps'ed); an exception gives TOOL_FAILED.
    """
    raise NotImplementedError


def run_agent(task: str, llm: Callable[[list[dict], list[dict]], str], tools: list[dict],
              max_steps: int) -> tuple[str | None, list[dict]]:
    """The agent loop. Returns (answer, messages); answer is None after max_steps replies with calls.

    messages starts as [{"role": "user", "content": task}]. Each step calls llm(messages, schemas)
    once (schemas: the tools' "schema" dicts, in order), appends {"role": "assistant", "content":
    reply}; a reply without tool calls ends the run with answer reply.strip(); else every call is
    dispatched in order and answered by {"role": "tool", "tool_call_id": "call_K", "content": obs},
    K counting the calls of the whole run from 0. max_steps < 1 raises ValueError.
    """
    raise NotImplementedError
