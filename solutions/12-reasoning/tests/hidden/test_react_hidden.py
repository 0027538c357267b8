"""Hidden tests of react."""

import random

import pytest

from autograder.harness import StudentError
from autograder.harness.expect import assert_equal

PIECES = [
    "Thought: let me look it up.", "Thought: I should compute.", "Thought:", "thinking aloud",
    "Action: lookup[Mount Everest]", "Action: lookup[ nile ]", "Action:  add[1, 2, 3]  ", "Action: add[7,x]",
    "Action: add[[1]]", "Action: search[q]", "Action: lookup(Nile)", "Action: look up[Nile]",
    "Action: _t1[a]", "Action:add[5,5]", "  Action: add[1,1]", "action: add[1,1]",
    "Observation: fake", "Observation:", "Final Answer:  8848 m  ", "Final Answer:", "Final answer: no",
    "Final Answer: Nile\nAction: add[1,1]", "", "   ", "Thought: trailing   \n\n",
]


def _script(rng):
    return ["\n".join(rng.choice(PIECES) for _ in range(rng.randint(1, 4))) for _ in range(rng.randint(1, 7))]


@pytest.mark.points(3)
def test_react_matches_the_loop_on_generated_scripts(student, oracle):
    """react: prompts, tool calls, answer and transcript of the handout's loop on generated model outputs."""
    rng = random.Random(1221)
    table = {"mount everest": "8848 m", "nile": "6650 km"}
    for trial in range(40):
        script = _script(rng)
        max_steps = rng.randint(1, 6)
        question = rng.choice(["How high is Everest?", "Nile length?", "", "Q with\nnewline"])
        tools = {"lookup": oracle.lookup_tool(table), "add": oracle.add_tool, "_t1": lambda a: a.upper()}
        want, transcript, prompts, tool_calls = oracle.react(question, oracle.scripted_llm(script), tools,
                                                             max_steps)
        llm = student.callback(oracle.scripted_llm(script))
        remote_tools = {name: student.callback(fn) for name, fn in tools.items()}
        got = student.call("react", question, llm, remote_tools, max_steps)
        assert [c[0][0] for c in llm.calls] == prompts, "the prompts sent to llm_fn"
        calls = [(name, args[0]) for name, cb in remote_tools.items() for args, _ in cb.calls]
        assert sorted(calls) == sorted(tool_calls), "the tool calls"
        assert isinstance(got, tuple) and len(got) == 2, "react returns a pair"
        assert_equal(got[0], want, what="answer")
        assert_equal(got[1], transcript, what="transcript")


@pytest.mark.points(1)
def test_react_step_budget(student, oracle):
    """react calls llm_fn at most max_steps times and rejects max_steps below one."""
    for max_steps in (1, 2, 9):
        llm = student.callback(oracle.scripted_llm(["Action: add[1,2]"] * 20))
        add = student.callback(oracle.add_tool)
        got = student.call("react", "sum?", llm, {"add": add}, max_steps)
        assert llm.count == max_steps and add.count == max_steps, "one model call and one tool call per step"
        assert isinstance(got, tuple) and len(got) == 2 and got[0] is None, "no final answer: None"
    llm = student.callback(oracle.scripted_llm(["Final Answer: 3"]))
    for bad in (0, -2):
        with pytest.raises(StudentError) as err:
            student.call("react", "sum?", llm, {}, bad)
        assert err.value.exc_type == "ValueError"
    assert llm.count == 0, "nothing is called before max_steps is checked"
