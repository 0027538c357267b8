"""Public tests of react (the handout's worked example and format rules)."""

import pytest

from autograder.harness import StudentError
from autograder.harness.expect import assert_equal

INVALID = 'Invalid format: give "Action: tool[argument]" or "Final Answer: answer"'


@pytest.mark.points(2)
def test_react_worked_example(student, kit):
    """react: the handout's worked example, prompts, tool calls, answer and transcript."""
    script = [
        "Thought: I need the capital first.\nAction: lookup[France]\nObservation: Paris (made up)",
        "Thought: Now add.\nAction: add[2, 40]",
        "Thought: Done.\nFinal Answer: Paris, 42\n",
    ]
    llm = student.callback(kit.scripted_llm(script))
    lookup = student.callback(kit.lookup_tool({"france": "Paris is the capital of France."}))
    add = student.callback(kit.add_tool)
    answer, transcript = student.call("react", "Capital of France, and 2 + 40?", llm,
                                      {"lookup": lookup, "add": add}, 5)
    t0 = "Question: Capital of France, and 2 + 40?\n"
    t1 = t0 + "Thought: I need the capital first.\nAction: lookup[France]\nObservation: Paris is the capital of France.\n"
    t2 = t1 + "Thought: Now add.\nAction: add[2, 40]\nObservation: 42\n"
    t3 = t2 + "Thought: Done.\nFinal Answer: Paris, 42\n"
    assert [c[0][0] for c in llm.calls] == [t0, t1, t2], "the prompts sent to llm_fn"
    assert lookup.calls == [(["France"], {})] and add.calls == [(["2, 40"], {})], "the tool calls"
    assert_equal(answer, "Paris, 42", what="answer")
    assert_equal(transcript, t3, what="transcript")


@pytest.mark.points(1)
def test_react_invalid_unknown_and_max_steps(student, kit):
    """react: an invalid format, an unknown tool and running out of steps."""
    script = ["Thought: hmm", "Action: search[x]", "Action: add 1, 2", "Final Answer: late"]
    llm = student.callback(kit.scripted_llm(script))
    add = student.callback(kit.add_tool)
    answer, transcript = student.call("react", "Q?", llm, {"add": add}, 3)
    want = ("Question: Q?\nThought: hmm\nObservation: " + INVALID + "\n"
            "Action: search[x]\nObservation: Unknown tool: search\n"
            "Action: add 1, 2\nObservation: " + INVALID + "\n")
    assert_equal(answer, None, what="answer")
    assert_equal(transcript, want, what="transcript")
    assert llm.count == 3 and add.count == 0, "llm_fn calls (max_steps) or tool calls"
    with pytest.raises(StudentError) as err:
        student.call("react", "Q?", llm, {}, 0)
    assert err.value.exc_type == "ValueError"
