"""Hidden tests of parse_tool_calls, dispatch and run_agent (scripted models, recording tools)."""

import json
import random

import pytest

from autograder.harness import StudentError
from autograder.harness.expect import assert_equal

HOSTILE = [
    "<tool_call>__import__('os').system('echo pwned')</tool_call>",
    "<tool_call>{'name': 'lookup', 'arguments': {'key': 'n'}}</tool_call>",
    '<tool_call>{"name": "lookup", "arguments": {"key": True}}</tool_call>',
    '<tool_call>{"name": "lookup", "arguments": {"key": (1).__class__}}</tool_call>',
    '<tool_call>dict(name="lookup", arguments={})</tool_call>',
    "<tool_call></tool_call>",
    "<tool_call>   </tool_call>",
    '<tool_call>{"name": "lookup", "arguments": {"key": "n"}}</tool_call><tool_call>',
    '<TOOL_CALL>{"name": "lookup", "arguments": {}}</TOOL_CALL>',
    '</tool_call><tool_call>{"name": "a", "arguments": {}}</tool_call>',
    '<tool_call><tool_call>{"name": "a", "arguments": {}}</tool_call></tool_call>',
    '<tool_call>{"name": "a", "arguments": []}</tool_call>',
    '<tool_call>{"name": "a", "arguments": {}} {"name": "b", "arguments": {}}</tool_call>',
    '<tool_call>{"name": ["a"], "arguments": {}}</tool_call>',
    '<tool_call>"{\\"name\\": \\"a\\", \\"arguments\\": {}}"</tool_call>',
    '<tool_call>{"name": "\\u00e9t\\u00e9", "arguments": {"x": [1, {"y": null}], "z": 1e3}, "extra": 1}</tool_call>',
    '<tool_call>{"name": "a", "arguments": {"x": -Infinity}}</tool_call>',
    '<tool_call>{"name": "a", "arguments": {}, "name": "b"}</tool_call>',
]


@pytest.mark.points(2)
def test_parse_hostile_blocks(student, oracle):
    """parse_tool_calls: Python instead of JSON, code payloads, nested and unbalanced tags, odd JSON values."""
    for text in HOSTILE:
        assert_equal(student.call("agent:parse_tool_calls", text), oracle.parse(text), dtype=True,
                     what="the parsed calls of a hostile reply")


@pytest.mark.points(1)
def test_parse_generated_replies(student, oracle):
    """parse_tool_calls on generated replies with valid, malformed and unclosed blocks."""
    rng = random.Random(18)
    for i in range(40):
        text = oracle.random_reply(rng, final=(i % 5 == 0))
        assert_equal(student.call("agent:parse_tool_calls", text), oracle.parse(text), dtype=True,
                     what="the parsed calls of a reply")


def _tools(student, oracle):
    lent = {n: student.callback(fn) for n, fn in oracle.HIDDEN_TOOLS.items()}
    tools = [{"schema": oracle.get_json_schema(fn), "fn": lent[n]} for n, fn in oracle.HIDDEN_TOOLS.items()]
    return tools, lent


@pytest.mark.points(2)
def test_dispatch_validates_and_reports(student, oracle):
    """dispatch: jsonschema errors, results of every JSON type, failing tools; a tool runs only on valid arguments."""
    tools, lent = _tools(student, oracle)
    expected_calls = {n: [] for n in lent}
    for name, arg_list in oracle.ARGS.items():
        for args in arg_list:
            call = {"name": name, "arguments": args}
            want, ran = oracle.dispatch(call, oracle.HIDDEN_TOOLS)
            got = student.call("agent:dispatch", call, tools)
            assert_equal(got, want, dtype=True, what="an observation")
            if ran:
                expected_calls[name].append(([], args))
    for name in lent:
        assert lent[name].calls == expected_calls[name], "each tool called once per valid call, with keyword arguments"


@pytest.mark.points(3)
def test_run_agent_generated_scripts(student, oracle):
    """run_agent on generated adversarial scripts: messages, answer, what the model saw, tool calls, step budget.

    Scripts mix valid, malformed, unknown, unclosed and invalid-argument calls, several calls per
    reply, answers written next to calls, and final replies; max_steps sometimes cuts them."""
    rng = random.Random(4242)
    for trial in range(12):
        steps = rng.randint(1, 5)
        replies = [oracle.random_reply(rng, final=False) for _ in range(steps - 1)]
        replies.append(oracle.random_reply(rng, final=rng.random() < 0.8))
        max_steps = rng.choice([steps, steps + 1, max(1, steps - 1)])
        replies += [oracle.random_reply(rng, final=False) for _ in range(max_steps - len(replies))]
        tools, lent = _tools(student, oracle)
        order = rng.sample(range(len(tools)), len(tools))
        tools = [tools[i] for i in order]
        fake = oracle.scripted_llm(replies)
        task = f"Task {trial}: use the tools."
        answer, messages = student.call("agent:run_agent", task, student.callback(fake), tools, max_steps)
        want_answer, want_messages, want_seen, want_called = oracle.run(task, replies, oracle.HIDDEN_TOOLS, max_steps)
        assert_equal(answer, want_answer, dtype=True, what="answer")
        assert_equal(messages, want_messages, dtype=True, what="messages")
        schemas = [t["schema"] for t in tools]
        assert fake.state["seen"] == [(s, schemas) for s in want_seen], "the conversations and tools sent to the model"
        for name in lent:
            assert lent[name].calls == want_called[name], "the tool calls"


@pytest.mark.points(1)
def test_run_agent_never_answers(student, oracle):
    """run_agent: a model that never stops calling tools is called exactly max_steps times; call ids count on."""
    tools, lent = _tools(student, oracle)
    two = oracle.call_text("lookup", {"key": "n"}) + oracle.call_text("lookup", {"key": "pi"})
    fake = oracle.scripted_llm([two] * 7 + ["late answer"])
    answer, messages = student.call("agent:run_agent", "loop", student.callback(fake), tools, 7)
    assert_equal(answer, None, what="answer")
    assert fake.state["k"] == 7 and lent["lookup"].count == 14, "model and tool calls within max_steps"
    ids = [m.get("tool_call_id") for m in messages if m["role"] == "tool"]
    assert_equal(ids, [f"call_{i}" for i in range(14)], what="tool_call_ids")
    assert_equal(len(messages), 1 + 7 * 3, what="number of messages")
    fake = oracle.scripted_llm(["  \n"])
    answer, messages = student.call("agent:run_agent", "x", student.callback(fake), tools, 1)
    assert_equal(answer, "", what="an empty final answer")
    assert_equal(messages, [{"role": "user", "content": "x"}, {"role": "assistant", "content": "  \n"}],
                 dtype=True, what="messages")
    for bad in (0, -2):
        fake = oracle.scripted_llm(["a"])
        with pytest.raises(StudentError) as err:
            student.call("agent:run_agent", "x", student.callback(fake), tools, bad)
        assert err.value.exc_type == "ValueError" and fake.state["k"] == 0, "max_steps < 1 raises ValueError"
