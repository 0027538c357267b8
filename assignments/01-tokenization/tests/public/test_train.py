"""Public tests for train_bpe: hand examples, the vocabulary layout, and HF's BpeTrainer as oracle."""

import pytest
from autograder.harness import StudentError

# merges[i] of the synthetic corpus never meets a tied maximum for i < SYNTHETIC_TIE_FREE,
# so any correct trainer (HF's included) learns the same first SYNTHETIC_TIE_FREE merges.
SYNTHETIC_TIE_FREE = 71


def _insert_specials(text: str, specials: list[str], every: int) -> str:
    """Put a special token before every `every`-th space (a pre-token boundary in synthetic.txt)."""
    pieces = text.split(" ")
    out = [pieces[0]]
    for i, piece in enumerate(pieces[1:], start=1):
        if i % every == 0:
            out.append(specials[(i // every) % len(specials)])
        out.append(" " + piece)
    return "".join(out)


@pytest.mark.points(3)
def test_wikipedia_example(student):
    """The Wikipedia example: "aaabdaaabac" with 3 merges gives aa, aaa, aaab (the tie at step 2 goes
    to the lexicographically greatest pair)."""
    vocab, merges = student.call("train_bpe", "aaabdaaabac", 259, [])
    assert merges == [(b"a", b"a"), (b"aa", b"a"), (b"aaa", b"b")]
    assert vocab[256] == b"aa" and vocab[257] == b"aaa" and vocab[258] == b"aaab"
    assert len(vocab) == 259


@pytest.mark.points(3)
def test_tie_break_hand_example(student):
    """The low/lower/widest/newest corpus: 12 merges by the count, then greatest (a, b) tie rule,
    with GPT2_SPLIT_PATTERN pre-tokens (" low" with its leading space)."""
    text = "low low low low low lower lower widest widest widest newest newest newest newest newest newest"
    _, merges = student.call("train_bpe", text, 256 + 12, [])
    assert merges == [
        (b"s", b"t"), (b"e", b"st"), (b"o", b"w"), (b"l", b"ow"), (b"w", b"est"), (b"n", b"e"),
        (b"ne", b"west"), (b" ", b"newest"), (b" ", b"low"), (b"w", b"i"), (b"wi", b"d"), (b"wid", b"est"),
    ]


@pytest.mark.points(2)
def test_vocab_layout(student, kit):
    """Vocabulary: ids 0..255 are the bytes, then the special tokens in order, then one id per merge
    (the concatenation of the pair), and len(vocab) == vocab_size."""
    text = kit.read_fixture("synthetic.txt")
    specials = ["<|endoftext|>", "<|pad|>"]
    vocab, merges = student.call("train_bpe", text, 256 + 2 + 40, specials)
    assert len(vocab) == 256 + 2 + 40 and len(merges) == 40
    assert sorted(vocab) == list(range(256 + 2 + 40))
    assert all(vocab[i] == bytes([i]) for i in range(256))
    assert vocab[256] == b"<|endoftext|>" and vocab[257] == b"<|pad|>"
    for i, (a, b) in enumerate(merges):
        assert vocab[258 + i] == a + b


@pytest.mark.points(5)
def test_train_matches_hf_trainer(student, kit):
    """On a tie-free synthetic corpus (26 KB), the merges equal those of HF tokenizers' BpeTrainer
    (byte-level, same pre-tokenization), and the vocabulary follows the layout."""
    text = kit.read_fixture("synthetic.txt")
    vocab_size = 256 + SYNTHETIC_TIE_FREE
    expected = kit.hf_train_merges(text, vocab_size, [])
    assert len(expected) == SYNTHETIC_TIE_FREE
    vocab, merges = student.call("train_bpe", text, vocab_size, [])
    assert merges == expected
    assert vocab == kit.build_vocab(expected, [])


@pytest.mark.points(3)
def test_special_tokens_split_text_and_never_merge(student, kit):
    """Special tokens split the training text and never take part in merges: with ~1,400
    "<|endoftext|>" in the corpus, the merges still equal HF's on the text between them."""
    specials = ["<|endoftext|>"]
    text = _insert_specials(kit.read_fixture("synthetic.txt"), specials, every=3)
    vocab_size = 256 + 1 + SYNTHETIC_TIE_FREE
    expected = kit.hf_train_merges(text, vocab_size, specials)
    vocab, merges = student.call("train_bpe", text, vocab_size, specials)
    assert vocab[256] == b"<|endoftext|>"
    assert merges == expected


@pytest.mark.points(1)
def test_vocab_size_too_small_raises(student):
    """vocab_size < 256 + len(special_tokens) raises ValueError."""
    with pytest.raises(StudentError) as info:
        student.call("train_bpe", "hello world", 256, ["<|endoftext|>"])
    assert info.value.exc_type == "ValueError"


@pytest.mark.points(1)
def test_training_stops_when_no_pair_is_left(student):
    """Training stops early when every pre-token is a single token: "ab ab" allows only 2 merges."""
    vocab, merges = student.call("train_bpe", "ab ab", 300, [])
    assert merges == [(b"a", b"b"), (b" ", b"ab")]
    assert len(vocab) == 258
