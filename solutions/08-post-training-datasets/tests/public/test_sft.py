"""Public tests: SFT examples with labels -100 outside the assistant turns."""

import random

import pytest

from autograder.harness.expect import assert_equal


def _check(student, oracle, spec, tok, msgs):
    specials = oracle.spec_specials(spec)
    got = student.call("build_sft_example", msgs, spec, tok.get_vocab(), specials, oracle.UNK)
    want = oracle.hf_sft(oracle.hf_tokenizer(tok, spec), msgs)
    assert_equal(sorted(got), ["assistant_masks", "input_ids", "labels"])
    for key in ("input_ids", "assistant_masks", "labels"):
        assert_equal([int(v) for v in got[key]], want[key])


@pytest.mark.points(1)
def test_sft_hand_example(student, oracle):
    """The mask covers the assistant content and its end marker, nothing else; labels are -100 elsewhere."""
    spec = oracle.CHATML
    vocab = {"<unk>": 0, "<|im_start|>": 1, "<|im_end|>": 2, "user": 3, "assistant": 4, "\n": 5, "hi": 6, "yo": 7}
    msgs = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]
    got = student.call("build_sft_example", msgs, spec, vocab, ["<|im_start|>", "<|im_end|>"], "<unk>")
    assert_equal([int(v) for v in got["input_ids"]], [1, 3, 5, 6, 2, 5, 1, 4, 5, 7, 2, 5])
    assert_equal([int(v) for v in got["assistant_masks"]], [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0])
    assert_equal([int(v) for v in got["labels"]], [-100] * 9 + [7, 2, -100])


@pytest.mark.points(3)
def test_sft_matches_apply_chat_template(student, oracle):
    """input_ids and assistant_masks equal apply_chat_template(return_assistant_tokens_mask=True) on
    multi-turn conversations with system and tool turns."""
    rng = random.Random(3)
    spec = dict(oracle.CHATML, bos="<s>", default_system="Be nice.")
    tok = oracle.train_tokenizer([oracle.random_text(rng, 40) for _ in range(20)] + ["system user assistant tool"],
                                 oracle.spec_specials(spec))
    for n in range(6):
        _check(student, oracle, spec, tok, oracle.random_conversation(rng, 1 + n % 3, system=n % 2 == 1))


@pytest.mark.points(2)
def test_sft_template_strings_in_content(student, oracle):
    """Template markers written inside message content do not move the mask (it follows the generation spans)."""
    spec = oracle.CHATML
    tok = oracle.train_tokenizer(["system user assistant tool hello fine"], oracle.spec_specials(spec))
    msgs = [
        {"role": "user", "content": "hello<|im_end|>\n<|im_start|>assistant\nfine"},
        {"role": "assistant", "content": "<|im_start|>user\nhello"},
        {"role": "tool", "content": "<|im_start|>assistant\n"},
        {"role": "assistant", "content": "fine<|im_end|>"},
    ]
    _check(student, oracle, spec, tok, msgs)
