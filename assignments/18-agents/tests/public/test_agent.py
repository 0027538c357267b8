"""Public tests of parse_tool_calls, dispatch and run_agent (scripted model, recording tools)."""

import json

import jsonschema
import pytest

from autograder.harness import StudentError
from autograder.harness.expect import assert_equal

UNCLOSED = "Error: <tool_call> without </tool_call>"
INVALID_JSON = "Error: the tool call is not valid JSON"
BAD_CALL = 'Error: a tool call is a JSON object with a "name" (string) and "arguments" (object)'


@pytest.mark.points(2)
def test_parse_tool_calls(student):
    """parse_tool_calls: calls in order, malformed JSON, bad shapes, an unclosed tag, no calls."""
    text = ('I will check both.\n<tool_call>\n{"name": "add", "arguments": {"a": 1, "b": 2}}\n</tool_call>'
            '<tool_call>{"name": "get_weather", "arguments": {"city": "Oslo"}}</tool_call> done')
    assert_equal(student.call("agent:parse_tool_calls", text),
                 [{"name": "add", "arguments": {"a": 1, "b": 2}},
                  {"name": "get_weather", "arguments": {"city": "Oslo"}}], dtype=True, what="two calls")
    text = ("<tool_call>{'name': 'add', 'arguments': {'a': 1}}</tool_call>"     # Python, not JSON
            '<tool_call>["add", {"a": 1}]</tool_call>'                            # not an object
            '<tool_call>{"name": "add"}</tool_call>'                              # no arguments
            '<tool_call>{"name": "add", "arguments": {"a": 1}}'                   # never closed
            '</tool_call_> <tool_call>{"name": "x", "arguments": {}}</tool_call>')
    assert_equal(student.call("agent:parse_tool_calls", text),
                 [{"error": INVALID_JSON}, {"error": BAD_CALL}, {"error": BAD_CALL}, {"error": INVALID_JSON}],
                 dtype=True, what="malformed calls")
    assert_equal(student.call("agent:parse_tool_calls", '{"a": 2} <tool_call>{"name": "add",'),
                 [{"error": UNCLOSED}], dtype=True, what="an unclosed tag")
    assert_equal(student.call("agent:parse_tool_calls", "The answer is 4. </tool_call>"), [], what="no calls")


@pytest.mark.points(2)
def test_dispatch(student, make_tools, kit):
    """dispatch: results as str or JSON, unknown tools, jsonschema errors and failing tools as observations."""
    tools, lent = make_tools("get_weather", "add", "divide")
    obs = student.call("agent:dispatch", {"name": "add", "arguments": {"a": 2, "b": 40}}, tools)
    assert_equal(obs, "42", what="add's observation")
    obs = student.call("agent:dispatch", {"name": "get_weather", "arguments": {"city": "Paris"}}, tools)
    assert_equal(obs, json.dumps(kit.TOOLS["get_weather"]("Paris")), what="get_weather's observation")
    obs = student.call("agent:dispatch", {"name": "mul", "arguments": {"a": 2}}, tools)
    assert_equal(obs, "Error: unknown tool 'mul'", what="unknown tool")
    obs = student.call("agent:dispatch", {"error": INVALID_JSON}, tools)
    assert_equal(obs, INVALID_JSON, what="an error item")
    bad = {"a": 2, "b": "40"}
    try:
        jsonschema.validate(bad, kit.get_json_schema(kit.TOOLS["add"])["function"]["parameters"])
    except jsonschema.ValidationError as exc:
        message = exc.message
    obs = student.call("agent:dispatch", {"name": "add", "arguments": bad}, tools)
    assert_equal(obs, f"Error: invalid arguments for tool 'add': {message}", what="invalid arguments")
    obs = student.call("agent:dispatch", {"name": "get_weather", "arguments": {"city": "Oslo", "unit": "kelvin"}}, tools)
    assert obs.startswith("Error: invalid arguments for tool 'get_weather': "), "an enum violation"
    obs = student.call("agent:dispatch", {"name": "divide", "arguments": {"a": 1, "b": 0}}, tools)
    assert_equal(obs, "Error: tool 'divide' failed: ZeroDivisionError: division by zero", what="a failing tool")
    assert lent["add"].calls == [([], {"a": 2, "b": 40})], "add called once, with keyword arguments"
    assert lent["get_weather"].count == 1 and lent["divide"].count == 1, "tools called only with valid arguments"


@pytest.mark.points(2)
def test_run_agent_parallel_calls_then_answer(student, make_tools, kit):
    """run_agent: parallel calls, tool messages with tool_call_id, what the model saw, the answer."""
    tools, lent = make_tools("get_weather", "add")
    first = ("Let me look both up.\n" + kit.call_text("get_weather", {"city": "Paris"})
             + kit.call_text("get_weather", {"city": "Cairo", "unit": "fahrenheit"}))
    second = kit.call_text("add", {"a": 18, "b": 87})
    third = "  Paris is 18 C, Cairo is 87 F; together 105.\n"
    fake = kit.scripted_llm([first, second, third])
    answer, messages = student.call("agent:run_agent", "Weather in Paris and Cairo?", student.callback(fake), tools, 5)
    want = [
        {"role": "user", "content": "Weather in Paris and Cairo?"},
        {"role": "assistant", "content": first},
        {"role": "tool", "tool_call_id": "call_0", "content": json.dumps(kit.TOOLS["get_weather"]("Paris"))},
        {"role": "tool", "tool_call_id": "call_1",
         "content": json.dumps(kit.TOOLS["get_weather"]("Cairo", "fahrenheit"))},
        {"role": "assistant", "content": second},
        {"role": "tool", "tool_call_id": "call_2", "content": "105"},
        {"role": "assistant", "content": third},
    ]
    assert_equal(answer, "Paris is 18 C, Cairo is 87 F; together 105.", what="answer")
    assert_equal(messages, want, dtype=True, what="messages")
    schemas = [t["schema"] for t in tools]
    assert fake.state["seen"] == [(want[:1], schemas), (want[:4], schemas), (want[:6], schemas)], \
        "the conversations sent to the model"
    assert lent["get_weather"].calls == [([], {"city": "Paris"}), ([], {"city": "Cairo", "unit": "fahrenheit"})]
    assert lent["add"].calls == [([], {"a": 18, "b": 87})], "the tool calls"


@pytest.mark.points(2)
def test_run_agent_errors_continue_and_max_steps(student, make_tools, kit):
    """run_agent: malformed and unknown calls become observations, the loop goes on, max_steps ends it."""
    tools, lent = make_tools("add")
    script = ['<tool_call>{"name": "add", "arguments": {"a": 1, "b": 2},}</tool_call>',
              kit.call_text("multiply", {"a": 2, "b": 3}),
              "The answer is 3. " + kit.call_text("add", {"a": 1, "b": 2}),
              "3"]
    fake = kit.scripted_llm(script)
    answer, messages = student.call("agent:run_agent", "1 + 2?", student.callback(fake), tools, 3)
    assert_equal(answer, None, what="answer after max_steps")
    assert_equal([m["content"] for m in messages],
                 ["1 + 2?", script[0], INVALID_JSON, script[1], "Error: unknown tool 'multiply'", script[2], "3"],
                 what="message contents")
    assert_equal([m.get("tool_call_id") for m in messages], [None, None, "call_0", None, "call_1", None, "call_2"],
                 what="tool_call_ids")
    assert fake.state["k"] == 3 and lent["add"].count == 1, "three model calls (max_steps), one tool call"
    with pytest.raises(StudentError) as err:
        student.call("agent:run_agent", "1 + 2?", student.callback(kit.scripted_llm(["3"])), tools, 0)
    assert err.value.exc_type == "ValueError", "max_steps < 1 raises ValueError"
