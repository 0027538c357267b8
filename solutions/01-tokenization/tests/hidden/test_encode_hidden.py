"""Hidden tests for Tokenizer: another trained vocabulary, random strings drawn from a seed,
hand-chosen merges, overlapping special tokens, invalid UTF-8 and streaming."""

import random

import pytest
from autograder.harness import StudentError
from hypothesis import given, settings
from hypothesis import strategies as st

SPECIALS = ["<|endoftext|>", "<|sep|>"]

# Characters that stress the pre-tokenization classes: ASCII, Unicode spaces (\x1c-\x1f and \x85
# are whitespace for Python's re), combining marks, non-decimal numbers (² ½ Ⅻ), decimal digits of
# other scripts, '_' and apostrophes, CJK, emoji with ZWJ and skin tone.
ALPHABET = (
    list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
    + list(" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\u00a0\u2028\u2029\u3000\u200b")
    + list("'!?.,;:-_()[]{}\"<>|/\\@#$%^&*+=~`")
    + list("éèüßñçøåЖжиΩλ\u0301\u0308²½Ⅻ٣३١東京柿の木今年は豊作です")
    + ["🍎", "🍐", "👍🏽", "👩\u200d💻", "🇯🇵"]
    + ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S", "<|", "|>"]
)


def _random_strings(seed: int, n: int, max_len: int, specials: list[str]) -> list[str]:
    rng = random.Random(seed)
    pieces = ALPHABET + specials
    return ["".join(rng.choice(pieces) for _ in range(rng.randint(0, max_len))) for _ in range(n)]


@pytest.fixture(scope="module")
def hidden_trained(kit):
    """HF's BpeTrainer on the hidden corpora (400 merges, two special tokens), in the handout layout."""
    text = "<|endoftext|>".join([
        kit.read_fixture("orchard.txt", hidden=True),
        kit.read_fixture("synthetic.txt", hidden=True)[:8000],
    ])
    merges = kit.hf_train_merges(text, 256 + len(SPECIALS) + 400, SPECIALS)
    return kit.build_vocab(merges, SPECIALS), merges, list(SPECIALS)


@pytest.mark.points(6)
def test_encode_random_strings_match_tiktoken(student, kit, hidden_trained, credit):
    """encode() of random strings (mixed scripts, Unicode spaces, marks, numbers, emoji, special
    tokens) equals tiktoken's ids; decode() gives each string back (credit: fraction correct).

    300 strings."""
    tok = student.new("Tokenizer", *hidden_trained)
    vocab, _, specials = hidden_trained
    enc = kit.tiktoken_encoding(vocab, specials)
    texts = _random_strings(seed=90210, n=300, max_len=30, specials=specials)
    good = 0
    for text in texts:
        ids = tok.call("encode", text)
        good += ids == enc.encode(text, allowed_special="all") and tok.call("decode", ids) == text
    credit.set(round(good / len(texts), 3))
    assert good == len(texts)


@pytest.mark.points(4)
def test_overlapping_specials_random_strings_match_hf(student, kit, hidden_trained, credit):
    """With overlapping special tokens (some are prefixes of others) given in a scrambled order,
    encode() of random strings equals HF tokenizers' (leftmost-longest) ids.

    Specials "<|a|>", "<|a|><|b|>", "<|b|>", "<|a|><|b|><|a|>"; 150 strings."""
    vocab, merges, _ = hidden_trained
    specials = ["<|a|>", "<|a|><|b|>", "<|b|>", "<|a|><|b|><|a|>"]
    full_vocab = dict(vocab)
    for s in specials:
        full_vocab[len(full_vocab)] = s.encode("utf-8")
    tok = student.new("Tokenizer", vocab, merges, specials)
    hf = kit.hf_tokenizer(full_vocab, merges, specials)
    texts = _random_strings(seed=777, n=150, max_len=20, specials=specials + ["<|a|><|b|>", "<|a|>"] * 3)
    good = sum(tok.call("encode", t) == kit.hf_encode(hf, t) for t in texts)
    credit.set(round(good / len(texts), 3))
    assert good == len(texts)


@pytest.mark.points(3)
def test_encode_follows_merge_order(student, kit):
    """Hand-chosen merges where applying merges in rank order differs from greedy longest match:
    encode() follows the merge order and agrees with HF tokenizers' BPE model; on hand-built
    vocabularies, a missing special token gets the largest id plus one (also when the ids have
    gaps), and a byte string listed under several ids encodes to the smallest of them.

    Merges [(b,c), (a,b), (ab,c), (a,a), (aa,aa)]: "abc" -> [a, bc], "aaa" -> [aa, a],
    "aaaa" -> [aaaa]."""
    merges = [(b"b", b"c"), (b"a", b"b"), (b"ab", b"c"), (b"a", b"a"), (b"aa", b"aa")]
    vocab = kit.build_vocab(merges, [])
    bc, ab, abc, aa, aaaa = 256, 257, 258, 259, 260
    tok = student.new("Tokenizer", vocab, merges)
    assert tok.call("encode", "abc") == [97, bc]
    assert tok.call("encode", "aaa") == [aa, 97]
    assert tok.call("encode", "aaaa") == [aaaa]
    assert tok.call("encode", "ab") == [ab]
    hf = kit.hf_tokenizer(vocab, merges, [])
    for text in ["abc abcabc", "aaaaaaa ab abab", "cab aab abcc", "aaaaa abc"]:
        assert tok.call("encode", text) == kit.hf_encode(hf, text)
    assert abc not in tok.call("encode", "abc abcabc")

    # The handout's id conventions, on vocabularies no oracle accepts (hand-built expectations).
    # A gap in the ids: a missing special token gets max(vocab) + 1, not len(vocab).
    gapped = {**vocab, 300: b"zz"}
    tok = student.new("Tokenizer", gapped, merges, ["<|sep|>"])
    assert tok.call("encode", "<|sep|>") == [301]
    assert tok.call("encode", "ab<|sep|>abc") == [ab, 301, 97, bc]
    assert tok.call("decode", [301, 300]) == "<|sep|>zz"
    # A byte string under several ids (here b"bc" also at 270, inserted before or after 256, and
    # b"ab" also at 250, below its merge id): encoding uses the smallest id.
    for dup in ({270: b"bc", **vocab}, {**vocab, 270: b"bc"}):
        tok = student.new("Tokenizer", dup, merges)
        assert tok.call("encode", "abc") == [97, bc]
        assert tok.call("encode", "bcbc") == [bc, bc]
    dup = {**vocab, 250: b"ab"}  # 250 was the byte b"\xfa": now only under no id
    tok = student.new("Tokenizer", dup, merges)
    assert tok.call("encode", "ab") == [250]


@pytest.mark.points(3)
def test_roundtrip_and_tiktoken_with_special_tokens_hypothesis(student, kit, hidden_trained):
    """Strings built from arbitrary text and special tokens (hypothesis, fixed examples):
    encode() equals tiktoken's ids and decode(encode(s)) == s.

    100 examples."""
    tok = student.new("Tokenizer", *hidden_trained)
    vocab, _, specials = hidden_trained
    enc = kit.tiktoken_encoding(vocab, specials)
    parts = st.one_of(st.text(st.characters(exclude_categories=["Cs"]), max_size=12), st.sampled_from(specials))

    @settings(derandomize=True, max_examples=100, deadline=None, database=None)
    @given(st.lists(parts, max_size=6).map("".join))
    def check(text):
        ids = tok.call("encode", text)
        assert ids == enc.encode(text, allowed_special="all")
        assert tok.call("decode", ids) == text

    check()


@pytest.mark.points(2)
def test_decode_random_ids(student, hidden_trained):
    """decode() of random id sequences (often invalid UTF-8) equals the concatenated bytes
    decoded with errors="replace".

    200 sequences."""
    tok = student.new("Tokenizer", *hidden_trained)
    vocab, _, _ = hidden_trained
    rng = random.Random(5150)
    ids_pool = sorted(vocab)
    for _ in range(200):
        ids = [rng.choice(ids_pool) for _ in range(rng.randint(0, 12))]
        expected = b"".join(vocab[i] for i in ids).decode("utf-8", errors="replace")
        assert tok.call("decode", ids) == expected


@pytest.mark.points(1)
def test_decode_unknown_id_raises_keyerror(student, hidden_trained):
    """decode() of an id that is not in the vocabulary raises KeyError."""
    tok = student.new("Tokenizer", *hidden_trained)
    vocab, _, _ = hidden_trained
    with pytest.raises(StudentError) as info:
        tok.call("decode", [104, 105, max(vocab) + 7])
    assert info.value.exc_type == "KeyError"


@pytest.mark.points(2)
def test_encode_empty_whitespace_and_specials_only(student, kit, hidden_trained):
    """encode("") == []; strings of only whitespace or only special tokens match tiktoken."""
    tok = student.new("Tokenizer", *hidden_trained)
    vocab, _, specials = hidden_trained
    enc = kit.tiktoken_encoding(vocab, specials)
    assert tok.call("encode", "") == []
    for text in ["<|endoftext|>", "<|sep|><|sep|><|endoftext|>", "   ", "\r\n\r\n", " \n \n\n   \t",
                 "<|endoftext|>  <|sep|>\n"]:
        assert tok.call("encode", text) == enc.encode(text, allowed_special="all")


@pytest.mark.points(3)
def test_encode_iterable_hidden(student, kit, hidden_trained):
    """encode_iterable over CRLF lines, empty chunks and chunks with special tokens gives tiktoken's
    ids chunk by chunk, and it reads no chunk beyond the ids drawn."""
    tok = student.new("Tokenizer", *hidden_trained)
    vocab, _, specials = hidden_trained
    enc = kit.tiktoken_encoding(vocab, specials)
    lines = kit.read_fixture("orchard.txt", hidden=True).splitlines(keepends=True)
    chunks = ["", "<|sep|>first chunk", ""] + lines + ["last<|endoftext|>", ""]
    expected = [i for c in chunks for i in enc.encode(c, allowed_special="all")]
    assert tok.iterate("encode_iterable", chunks) == expected
    two = ["Week 9. Snow on the hills.\r\n", "We mended the fences<|sep|>\r\n", "never read"]
    wanted = enc.encode(two[0], allowed_special="all") + enc.encode(two[1], allowed_special="all")
    feed = student.feed(two)  # served by the harness, which counts the chunks pulled
    stream = tok.call_handle("encode_iterable", feed).iterator()
    ids = [stream.next() for _ in wanted]
    assert feed.pulled == 2, f"encode_iterable read {feed.pulled} chunks to yield the ids of the first two"
    assert ids == wanted
