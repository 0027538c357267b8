"""Public tests: chat-template rendering and the tokenizer."""

import random

import pytest

from autograder.harness import StudentError
from autograder.harness.expect import assert_equal

QWEN_LIKE = {"bos": "<s>", "start": "<|im_start|>", "end": "<|im_end|>", "role_sep": "\n", "turn_sep": "\n",
             "default_system": "You are a helpful assistant.", "tool_role": "tool"}

CONVERSATION = [
    {"role": "system", "content": "Answer briefly."},
    {"role": "user", "content": "What is the weather in Paris?"},
    {"role": "assistant", "content": "Let me check."},
    {"role": "tool", "content": "{\"temp\": 21}"},
    {"role": "assistant", "content": "It is 21 degrees."},
]


@pytest.mark.points(2)
def test_render_chatml_matches_jinja_and_transformers(student, oracle):
    """render_chat equals the Jinja2 rendering of the ChatML template and apply_chat_template."""
    spec = oracle.CHATML
    fast = oracle.hf_tokenizer(oracle.train_tokenizer(["hello"], oracle.spec_specials(spec)), spec)
    for agp in (False, True):
        got = student.call("render_chat", CONVERSATION, spec, agp)
        assert_equal(got, oracle.jinja_render(spec, CONVERSATION, agp))
        assert_equal(got, fast.apply_chat_template(CONVERSATION, tokenize=False, add_generation_prompt=agp))
    assert_equal(student.call("render_chat", CONVERSATION[:2], spec),
                 "<|im_start|>system\nAnswer briefly.<|im_end|>\n<|im_start|>user\nWhat is the weather in Paris?<|im_end|>\n")


@pytest.mark.points(2)
def test_render_default_system_bos_and_tool_role(student, oracle):
    """bos first, the default system turn when the first message is not a system one, the tool role name."""
    spec = dict(QWEN_LIKE, tool_role="ipython")
    rng = random.Random(1)
    for n in range(6):
        msgs = oracle.random_conversation(rng, 1 + n % 3, system=n % 2 == 0)
        for agp in (False, True):
            assert_equal(student.call("render_chat", msgs, spec, agp), oracle.jinja_render(spec, msgs, agp))
    assert_equal(student.call("render_chat", [], spec, True),
                 "<s><|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>assistant\n")


@pytest.mark.points(1)
def test_render_rejects_unknown_role(student, oracle):
    """A role outside system/user/assistant/tool raises ValueError."""
    with pytest.raises(StudentError) as info:
        student.call("render_chat", [{"role": "robot", "content": "hi"}], oracle.CHATML)
    assert info.value.exc_type == "ValueError"


@pytest.mark.points(2)
def test_encode_matches_tokenizers(student, oracle):
    """encode gives the ids and character offsets of the trained tokenizers tokenizer."""
    rng = random.Random(2)
    spec = QWEN_LIKE
    specials = oracle.spec_specials(spec)
    tok = oracle.train_tokenizer([oracle.random_text(rng, 30) for _ in range(20)], specials)
    vocab = tok.get_vocab()
    for n in range(8):
        text = oracle.random_text(rng, 5 + 3 * n, extra=tuple(specials))
        ids, offsets = student.call("encode", text, vocab, specials, oracle.UNK)
        want_ids, want_offsets = oracle.hf_encode(tok, text)
        assert_equal([int(i) for i in ids], want_ids)
        assert_equal([tuple(int(x) for x in o) for o in offsets], want_offsets)


@pytest.mark.points(1)
def test_encode_hand_example(student):
    """Special tokens leftmost-longest, then letter/digit runs, whitespace runs and single other characters."""
    vocab = {"<unk>": 0, "<a>": 1, "<a><b>": 2, "hi": 3, " ": 4, "!": 5, "\n\n": 6}
    ids, offsets = student.call("encode", "hi <a><b>!<a>\n\nyo", vocab, ["<a>", "<a><b>"], "<unk>")
    assert_equal([int(i) for i in ids], [3, 4, 2, 5, 1, 6, 0])
    assert_equal([tuple(o) for o in offsets], [(0, 2), (2, 3), (3, 9), (9, 10), (10, 13), (13, 15), (15, 17)])
