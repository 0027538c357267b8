"""Hidden tests: rendering and tokenizing under other templates and inputs."""

import random

import pytest

from autograder.harness import StudentError
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


@pytest.mark.points(2)
@pytest.mark.parametrize("k", range(len(SPECS)))
def test_render_other_templates_match_jinja(student, oracle, k):
    """render_chat equals Jinja2 and apply_chat_template under other template specs.

    Random multi-turn conversations with and without system/tool turns, generation prompt on and off."""
    spec = SPECS[k]
    rng = random.Random(100 + k)
    fast = oracle.hf_tokenizer(oracle.train_tokenizer(["x"], oracle.spec_specials(spec)), spec)
    extra = tuple(oracle.spec_specials(spec)) + ("{{ x }}", "{% if %}")
    for n in range(8):
        msgs = oracle.random_conversation(rng, 1 + n % 3, extra, system=n % 2 == 0)
        agp = n % 3 == 0
        got = student.call("render_chat", msgs, spec, agp)
        assert_equal(got, oracle.jinja_render(spec, msgs, agp))
        assert_equal(got, fast.apply_chat_template(msgs, tokenize=False, add_generation_prompt=agp))


@pytest.mark.points(2)
def test_render_edge_cases(student, oracle):
    """Empty conversations, a lone system turn, empty contents and assistant-first chats render as Jinja2 does."""
    cases = [[], [{"role": "system", "content": ""}], [{"role": "assistant", "content": ""}],
             [{"role": "tool", "content": "t"}, {"role": "user", "content": ""}],
             [{"role": "user", "content": "a"}, {"role": "system", "content": "late system"}]]
    for spec in SPECS:
        for msgs in cases:
            for agp in (False, True):
                assert_equal(student.call("render_chat", msgs, spec, agp), oracle.jinja_render(spec, msgs, agp))


@pytest.mark.points(1)
def test_render_unknown_role_anywhere(student, oracle):
    """An unknown role raises ValueError even late in the conversation."""
    msgs = [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}, {"role": "function", "content": "c"}]
    with pytest.raises(StudentError) as info:
        student.call("render_chat", msgs, SPECS[0], False)
    assert info.value.exc_type == "ValueError"


@pytest.mark.points(3)
def test_encode_matches_tokenizers_other_specials(student, oracle):
    """encode equals the trained tokenizer on texts full of special tokens, unknown words and non-ASCII characters."""
    rng = random.Random(7)
    for spec in SPECS:
        specials = oracle.spec_specials(spec)
        tok = oracle.train_tokenizer([oracle.random_text(rng, 30) for _ in range(10)], specials, vocab_size=60)
        vocab = tok.get_vocab()
        for n in range(6):
            text = oracle.random_text(rng, 4 + 5 * n, extra=tuple(specials) + ("ü", "日本", "\r", "_"))
            ids, offsets = student.call("encode", text, vocab, specials, oracle.UNK)
            want_ids, want_offsets = oracle.hf_encode(tok, text)
            assert_equal([int(i) for i in ids], want_ids)
            assert_equal([tuple(int(x) for x in o) for o in offsets], want_offsets)


@pytest.mark.points(2)
def test_encode_overlapping_special_tokens(student, oracle):
    """Overlapping special tokens: leftmost match first, then the longest there, as tokenizers does."""
    specials = ["<|", "<|a|>", "|>", "a|>x", "<<"]
    tok = oracle.train_tokenizer(["a b x <"], specials)
    vocab = tok.get_vocab()
    for text in ["<|a|>x", "<<|a|>", "x<|a|>x|>", "<|a|<|a|>|>", "<", "", "a|>x<|", "<<<|"]:
        ids, offsets = student.call("encode", text, vocab, specials, oracle.UNK)
        want_ids, want_offsets = oracle.hf_encode(tok, text)
        assert_equal([int(i) for i in ids], want_ids)
        assert_equal([tuple(int(x) for x in o) for o in offsets], want_offsets)
    specials = ["#", "##x"]  # one-character special tokens, also as the last character
    tok = oracle.train_tokenizer(["a b x"], specials)
    vocab = tok.get_vocab()
    for text in ["ab#", "#", "a##", "##x#", "x##x"]:
        ids, offsets = student.call("encode", text, vocab, specials, oracle.UNK)
        want_ids, want_offsets = oracle.hf_encode(tok, text)
        assert_equal([int(i) for i in ids], want_ids)
        assert_equal([tuple(int(x) for x in o) for o in offsets], want_offsets)
