"""Hidden tests for train_bpe: other corpora (multibyte, CRLF, tie-rich), other vocab sizes,
HF's BpeTrainer where no tie occurs, and a trusted step-by-step trainer where ties do."""

import random
from collections import Counter

import pytest
from autograder.harness import StudentError

HIDDEN_SYNTHETIC_TIE_FREE = 79  # the first 79 merges of fixtures/hidden/synthetic.txt meet no tied maximum


def _insert_specials(text: str, specials: list[str], every: int) -> str:
    """Put a special token before every `every`-th space (a pre-token boundary in synthetic.txt)."""
    pieces = text.split(" ")
    out = [pieces[0]]
    for i, piece in enumerate(pieces[1:], start=1):
        if i % every == 0:
            out.append(specials[(i // every) % len(specials)])
        out.append(" " + piece)
    return "".join(out)


def _trusted_merges(kit, text: str, vocab_size: int, specials: list[str]) -> list[tuple[bytes, bytes]]:
    """A plain, independent trainer following the handout: recount everything at every step,
    take the pair with the largest count, ties to the greatest (a, b), merge left to right."""
    import re

    words: Counter = Counter()
    for chunk in kit.split_on_special(text, specials):
        for piece in re.findall(kit.pattern, chunk):
            words[tuple(bytes([b]) for b in piece.encode("utf-8"))] += 1
    merges = []
    while len(merges) < vocab_size - 256 - len(specials):
        counts: Counter = Counter()
        for word, n in words.items():
            for i in range(len(word) - 1):
                counts[word[i], word[i + 1]] += n
        if not counts:
            break
        top = max(counts.values())
        pair = max(p for p, c in counts.items() if c == top)
        merges.append(pair)
        merged: Counter = Counter()
        for word, n in words.items():
            out, i = [], 0
            while i < len(word):
                if word[i:i + 2] == pair:
                    out.append(pair[0] + pair[1])
                    i += 2
                else:
                    out.append(word[i])
                    i += 1
            merged[tuple(out)] += n
        words = merged
    return merges


def _random_words(seed: int, alphabet: str, n_words: int, max_len: int) -> str:
    rng = random.Random(seed)
    words = ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, max_len))) for _ in range(n_words)]
    seps = [" ", " ", " ", ", ", ". ", "\n", "  "]
    return "".join(w + rng.choice(seps) for w in words)


@pytest.mark.points(6)
def test_train_matches_hf_hidden_corpus(student, kit):
    """On another tie-free synthetic corpus (with 2- and 3-byte UTF-8 letters), the merges equal
    those of HF tokenizers' BpeTrainer and the vocabulary follows the layout.

    38 KB."""
    text = kit.read_fixture("synthetic.txt", hidden=True)
    vocab_size = 256 + HIDDEN_SYNTHETIC_TIE_FREE
    expected = kit.hf_train_merges(text, vocab_size, [])
    assert len(expected) == HIDDEN_SYNTHETIC_TIE_FREE
    vocab, merges = student.call("train_bpe", text, vocab_size, [])
    assert merges == expected
    assert vocab == kit.build_vocab(expected, [])


@pytest.mark.points(4)
def test_train_matches_hf_with_two_special_tokens(student, kit):
    """With two special tokens scattered through the hidden synthetic corpus, the special tokens get
    the ids right after the bytes, in order, and the merges equal HF's on the text between them.

    Ids 256 and 257."""
    specials = ["<|sep|>", "<|endoftext|>"]
    text = _insert_specials(kit.read_fixture("synthetic.txt", hidden=True), specials, every=4)
    vocab_size = 256 + 2 + HIDDEN_SYNTHETIC_TIE_FREE
    expected = kit.hf_train_merges(text, vocab_size, specials)
    vocab, merges = student.call("train_bpe", text, vocab_size, specials)
    assert merges == expected
    assert vocab == kit.build_vocab(expected, specials)


@pytest.mark.points(5)
def test_train_tie_rich_random_corpus(student, kit):
    """A corpus of random words over a tiny alphabet (ties at almost every step): the merges follow
    the count-then-greatest-pair rule exactly.

    3 letters, 60 merges."""
    text = _random_words(seed=31337, alphabet="abc", n_words=400, max_len=5)
    vocab, merges = student.call("train_bpe", text, 256 + 60, [])
    expected = _trusted_merges(kit, text, 256 + 60, [])
    assert merges == expected
    assert vocab == kit.build_vocab(expected, [])


@pytest.mark.points(3)
def test_train_tie_rich_multibyte_corpus(student, kit):
    """Random words over accented letters and digits that share UTF-8 lead bytes: ties between byte
    pairs are broken by the greatest (a, b).

    Letters é è ê à ç 1 2, 40 merges."""
    text = _random_words(seed=4242, alphabet="éèêàç12", n_words=250, max_len=4)
    _, merges = student.call("train_bpe", text, 256 + 40, [])
    assert merges == _trusted_merges(kit, text, 256 + 40, [])


@pytest.mark.points(2)
def test_tie_break_small_hand_cases(student, kit):
    """Small corpora where the tie rule decides every merge, including ones where comparing pairs
    differs from comparing concatenations: the merges follow the greatest-pair rule.

    "ab ba" gives (b, a), (a, b), (" ", ba); and two more."""
    _, merges = student.call("train_bpe", "ab ba", 256 + 3, [])
    assert merges == [(b"b", b"a"), (b"a", b"b"), (b" ", b"ba")]
    for text in [" aaa az", "zy zzy yz z"]:
        _, merges = student.call("train_bpe", text, 256 + 5, [])
        assert merges == _trusted_merges(kit, text, 256 + 5, [])


@pytest.mark.points(4)
def test_train_natural_text_with_crlf(student, kit):
    """A natural English text with CRLF line ends, digits, CJK and emoji, and one special token:
    the merges equal the trusted trainer's (ties included).

    150 merges."""
    specials = ["<|endoftext|>"]
    paragraphs = kit.read_fixture("orchard.txt", hidden=True).split("\r\n\r\n")
    text = "<|endoftext|>".join(paragraphs)
    vocab, merges = student.call("train_bpe", text, 256 + 1 + 150, specials)
    expected = _trusted_merges(kit, text, 256 + 1 + 150, specials)
    assert merges == expected
    assert vocab == kit.build_vocab(expected, specials)


@pytest.mark.points(3)
def test_train_other_vocab_sizes(student, kit):
    """Several vocabulary sizes on the natural text: len(vocab) == vocab_size, and each merge list
    equals the trusted trainer's (so smaller ones are prefixes of larger ones).

    256 + 1 + 10, + 60 and + 200."""
    specials = ["<|endoftext|>"]
    text = kit.read_fixture("orchard.txt", hidden=True)
    longest = _trusted_merges(kit, text, 256 + 1 + 200, specials)
    for n in (10, 60, 200):
        vocab, merges = student.call("train_bpe", text, 256 + 1 + n, specials)
        assert len(vocab) == 256 + 1 + n
        assert merges == longest[:n]


@pytest.mark.points(2)
def test_train_edge_cases(student):
    """Empty text, text made only of special tokens, and a vocab_size with no room for merges
    all give no merges and a vocabulary of the bytes plus the special tokens."""
    base = {i: bytes([i]) for i in range(256)}
    for text, size in [("", 300), ("<|eot|><|eot|><|eot|>", 300), ("plenty of pairs here", 257)]:
        vocab, merges = student.call("train_bpe", text, size, ["<|eot|>"])
        assert merges == []
        assert vocab == {**base, 256: b"<|eot|>"}


@pytest.mark.points(3)
@pytest.mark.limits(seconds=20)
def test_train_45kb_400_merges_in_time(student, kit):
    """Training a few hundred merges on tens of KB of text with a special token finishes within
    the test's time limit and gives the trusted trainer's merges.

    400 merges on 45 KB within 20 s."""
    specials = ["<|endoftext|>"]
    text = "<|endoftext|>".join([
        kit.read_fixture("synthetic.txt", hidden=True),
        kit.read_fixture("orchard.txt", hidden=True),
        kit.read_fixture("corpus.txt"),
    ])
    _, merges = student.call("train_bpe", text, 256 + 1 + 400, specials)
    assert merges == _trusted_merges(kit, text, 256 + 1 + 400, specials)


@pytest.mark.points(1)
def test_vocab_size_one_short_raises(student):
    """vocab_size one below the bytes plus the special tokens (with and without special tokens),
    and 0, all raise ValueError."""
    for size, specials in [(258, ["<|a|>", "<|b|>", "<|c|>"]), (255, []), (0, ["<|eot|>"])]:
        with pytest.raises(StudentError) as info:
            student.call("train_bpe", "some text, some more text", size, specials)
        assert info.value.exc_type == "ValueError", (size, specials)
