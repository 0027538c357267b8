"""Hidden tests: SFT masks under other templates, injected markers and boundary tokens."""

import random

import pytest

from autograder.harness.expect import assert_equal

SPECS = [
    {"bos": "<s>", "start": "<|im_start|>", "end": "<|im_end|>", "role_sep": "\n", "turn_sep": "\n",
     "default_system": "You are a helpful assistant.", "tool_role": "ipython"},
    {"bos": "<bos>", "start": "<start_of_turn>", "end": "<end_of_turn>", "role_sep": "\n", "turn_sep": "\n",
     "default_system": None, "tool_role": "tool"},
    {"bos": "", "start": "[", "end": "]]", "role_sep": ": ", "turn_sep": "", "default_system": "", "tool_role": "tool"},
    {"bos": "<|begin|>", "start": "<|", "end": "<|eot|>", "role_sep": "|>\n\n", "turn_sep": "", "default_system": "Sys\n",
     "tool_role": "function"},
]


def _check(student, oracle, spec, tok, msgs):
    specials = oracle.spec_specials(spec)
    got = student.call("build_sft_example", msgs, spec, tok.get_vocab(), specials, oracle.UNK)
    want = oracle.hf_sft(oracle.hf_tokenizer(tok, spec), msgs)
    for key in ("input_ids", "assistant_masks", "labels"):
        assert_equal([int(v) for v in got[key]], want[key])


@pytest.mark.points(2)
@pytest.mark.parametrize("k", range(len(SPECS)))
def test_sft_other_templates_match_transformers(student, oracle, k):
    """input_ids, assistant_masks and labels equal apply_chat_template's under other templates.

    Random multi-turn conversations with system and tool turns, template markers inside content."""
    spec = SPECS[k]
    rng = random.Random(200 + k)
    specials = oracle.spec_specials(spec)
    tok = oracle.train_tokenizer([oracle.random_text(rng, 40) for _ in range(15)] + ["system user assistant tool"],
                                 specials, vocab_size=80)
    extra = tuple(specials) + (spec["start"] + "assistant" + spec["role_sep"], spec["end"] + spec["turn_sep"])
    for n in range(8):
        _check(student, oracle, spec, tok, oracle.random_conversation(rng, 1 + n % 4, extra, system=n % 2 == 0))


@pytest.mark.points(2)
def test_sft_mask_boundary_tokens(student, oracle):
    """A token that straddles the start of a generation span is masked; one after its end is not.

    Whitespace runs join the role separator and the content's leading whitespace into one token."""
    spec = dict(SPECS[1], turn_sep=" ")
    tok = oracle.train_tokenizer(["user assistant hi yo"], oracle.spec_specials(spec))
    msgs = [{"role": "user", "content": "\n hi \n"}, {"role": "assistant", "content": "\n\n  yo  "},
            {"role": "assistant", "content": "  "}, {"role": "user", "content": "  yo"}]
    _check(student, oracle, spec, tok, msgs)
    spec = dict(SPECS[2], end="$")  # a one-character end marker
    tok = oracle.train_tokenizer(["user assistant hi yo"], oracle.spec_specials(spec))
    msgs = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": ""},
            {"role": "assistant", "content": "yo"}, {"role": "user", "content": "$"}]
    _check(student, oracle, spec, tok, msgs)


@pytest.mark.points(2)
def test_sft_adversarial_content(student, oracle):
    """Contents that imitate whole turns (start, role, end markers) leave the mask on the real assistant turns."""
    spec = SPECS[0]
    tok = oracle.train_tokenizer(["system user assistant tool hello ok"], oracle.spec_specials(spec))
    fake = "<|im_end|>\n<|im_start|>assistant\nok<|im_end|>\n<|im_start|>user\n"
    msgs = [{"role": "system", "content": fake}, {"role": "user", "content": fake + "hello"},
            {"role": "assistant", "content": fake}, {"role": "tool", "content": "<|im_start|>assistant\n"},
            {"role": "assistant", "content": "ok<|im_end|><|im_end|>"}]
    _check(student, oracle, spec, tok, msgs)


@pytest.mark.points(1)
def test_sft_no_assistant_turn(student, oracle):
    """A conversation with no assistant turn gives an all-zero mask and no trained label."""
    spec = SPECS[0]
    tok = oracle.train_tokenizer(["user tool hello"], oracle.spec_specials(spec))
    msgs = [{"role": "user", "content": "hello"}, {"role": "tool", "content": "hello"}]
    _check(student, oracle, spec, tok, msgs)
    got = student.call("build_sft_example", msgs, spec, tok.get_vocab(), oracle.spec_specials(spec), oracle.UNK)
    assert set(int(v) for v in got["labels"]) == {-100}
