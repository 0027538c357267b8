"""Shared helpers for the 01-tokenization tests: data, conventions and the library oracles.

Everything here runs on the trusted side; bpe.py never sees it. The oracles:
- `tiktoken.Encoding` built offline from merge ranks (no download);
- HF `tokenizers`: a `BpeTrainer` for training and a `BPE(vocab, merges)` model for encoding.

tiktoken (Rust regex) and tokenizers (Oniguruma) read `\\w`, `\\d` and `\\s` slightly
differently from Python's `re`. So the oracles get GPT2_SPLIT_PATTERN with every class
spelled out as explicit code-point ranges, computed from Python's `re` itself: all three
engines then split every string into exactly the same pre-tokens.

tiktoken applies BPE by the rank of the *concatenated* bytes of two adjacent parts (and takes
a whole pre-token that is in the vocabulary as one token). That equals the merge-list BPE of
the handout for vocabularies from real training runs on ordinary text, and the tests use it
only there (the reference agrees with it on every string they send). With contrived merges
such as [(b, c), (a, b), (ab, c)] the two differ on "abc"; such cases are compared with HF's
BPE model, which applies the merge list itself.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
import tiktoken
from tokenizers import AddedToken, Regex
from tokenizers import Tokenizer as HFTokenizer
from tokenizers import models, pre_tokenizers, trainers

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"

# Exactly the pattern of the handout (and of the starter bpe.py).
GPT2_SPLIT_PATTERN = r"""'(?:[sdmt]|ll|ve|re)| ?[^\W\d]+| ?\d+| ?[^\s\w]+|\s+(?!\S)|\s+"""

# -- data ---------------------------------------------------------------------

def read_fixture(name: str, hidden: bool = False) -> str:
    """Text of fixtures/public/<name> (or fixtures/hidden/<name>), decoded as UTF-8, newlines kept as is."""
    folder = FIXTURES / ("hidden" if hidden else "public")
    return (folder / name).read_bytes().decode("utf-8")


def split_on_special(text: str, special_tokens: list[str]) -> list[str]:
    """The chunks of text between special tokens (longest match first); the specials are dropped."""
    if not special_tokens:
        return [text]
    alternation = "|".join(re.escape(t) for t in sorted(special_tokens, key=len, reverse=True))
    return [chunk for chunk in re.split(alternation, text) if chunk]


def build_vocab(merges: list[tuple[bytes, bytes]], special_tokens: list[str]) -> dict[int, bytes]:
    """The handout's vocabulary layout: 256 bytes, then the special tokens, then one id per merge."""
    vocab = {i: bytes([i]) for i in range(256)}
    for tok in special_tokens:
        vocab[len(vocab)] = tok.encode("utf-8")
    for a, b in merges:
        vocab[len(vocab)] = a + b
    return vocab


# -- the pre-tokenization pattern for other regex engines ----------------------

@functools.lru_cache(maxsize=None)
def explicit_pattern() -> str:
    """GPT2_SPLIT_PATTERN with \\w-, \\d- and \\s-based classes replaced by explicit ranges.

    The ranges are read off Python's `re` over every code point (surrogates excluded), so a
    Rust-regex or Oniguruma engine running this pattern splits text as `re` does.
    """
    every_char = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF)

    def ranges(cls: str) -> list[tuple[int, int]]:
        return [(ord(m.group()[0]), ord(m.group()[-1])) for m in re.finditer(cls + "+", every_char)]

    def char_class(rs: list[tuple[int, int]], negate: bool = False) -> str:
        body = "".join(f"\\x{{{a:X}}}" if a == b else f"\\x{{{a:X}}}-\\x{{{b:X}}}" for a, b in rs)
        return "[" + ("^" if negate else "") + body + "]"

    letter, digit, space, other = (ranges(c) for c in (r"[^\W\d]", r"\d", r"\s", r"[^\s\w]"))
    s, not_s = char_class(space), char_class(space, negate=True)
    return (f"'(?:[sdmt]|ll|ve|re)| ?{char_class(letter)}+| ?{char_class(digit)}+"
            f"| ?{char_class(other)}+|{s}+(?!{not_s})|{s}+")


# -- tiktoken -------------------------------------------------------------------

def tiktoken_encoding(vocab: dict[int, bytes], special_tokens: list[str]) -> tiktoken.Encoding:
    """A tiktoken Encoding with the same ids as `vocab` (no duplicate byte strings allowed).

    Do not use it with overlapping special tokens: tiktoken does not promise longest match.
    """
    special_ids = {tok: i for i, b in vocab.items() for tok in special_tokens if b == tok.encode("utf-8")}
    ranks = {b: i for i, b in vocab.items() if i not in special_ids.values()}
    if len(ranks) + len(special_ids) != len(vocab):
        raise ValueError("vocab has duplicate byte strings; tiktoken needs a one-to-one vocabulary")
    return tiktoken.Encoding("bpe-test", pat_str=explicit_pattern(), mergeable_ranks=ranks,
                             special_tokens=special_ids)


# -- HF tokenizers ----------------------------------------------------------------

def _bytes_to_unicode() -> dict[int, str]:
    """GPT-2's byte -> printable character table used by HF's ByteLevel pre-tokenizer."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = list(bs)
    extra = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + extra)
            extra += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


BYTE_TO_CHAR = _bytes_to_unicode()
CHAR_TO_BYTE = {c: b for b, c in BYTE_TO_CHAR.items()}


def to_hf(token: bytes) -> str:
    return "".join(BYTE_TO_CHAR[b] for b in token)


def from_hf(token: str) -> bytes:
    return bytes(CHAR_TO_BYTE[c] for c in token)


def _hf_pre_tokenizer():
    return pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(explicit_pattern()), behavior="isolated"),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
    ])


def hf_train_merges(text: str, vocab_size: int, special_tokens: list[str]) -> list[tuple[bytes, bytes]]:
    """Merges learned by HF's BpeTrainer on `text` (split at the special tokens first).

    HF breaks ties in pair counts differently from the handout, so compare with it only on
    corpora whose training never meets a tied maximum.
    """
    tok = HFTokenizer(models.BPE())
    tok.pre_tokenizer = _hf_pre_tokenizer()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size, special_tokens=list(special_tokens), min_frequency=0,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False,
    )
    tok.train_from_iterator(split_on_special(text, special_tokens), trainer)
    merges = json.loads(tok.to_str())["model"]["merges"]
    pairs = [m.split(" ") if isinstance(m, str) else m for m in merges]
    return [(from_hf(a), from_hf(b)) for a, b in pairs]


def hf_tokenizer(vocab: dict[int, bytes], merges: list[tuple[bytes, bytes]], special_tokens: list[str]) -> HFTokenizer:
    """An HF BPE tokenizer with the same ids as `vocab`; special tokens match longest-first."""
    hf_vocab = {to_hf(b): i for i, b in vocab.items()}
    if len(hf_vocab) != len(vocab):
        raise ValueError("vocab has duplicate byte strings")
    tok = HFTokenizer(models.BPE(vocab=hf_vocab, merges=[(to_hf(a), to_hf(b)) for a, b in merges]))
    tok.pre_tokenizer = _hf_pre_tokenizer()
    tok.add_special_tokens([AddedToken(t, special=True, normalized=False) for t in special_tokens])
    return tok


def hf_encode(tok: HFTokenizer, text: str) -> list[int]:
    return tok.encode(text, add_special_tokens=False).ids


# -- fixtures -------------------------------------------------------------------------

@pytest.fixture(scope="session")
def kit():
    """The helpers above, for test modules (which cannot import conftest by name)."""
    return SimpleNamespace(
        read_fixture=read_fixture, split_on_special=split_on_special, build_vocab=build_vocab,
        tiktoken_encoding=tiktoken_encoding,
        hf_train_merges=hf_train_merges, hf_tokenizer=hf_tokenizer, hf_encode=hf_encode,
        pattern=GPT2_SPLIT_PATTERN,
    )


ENCODE_SPECIALS = ["<|endoftext|>"]


@pytest.fixture(scope="session")
def trained():
    """(vocab, merges, special_tokens): HF's BpeTrainer on fixtures/public/corpus.txt,
    300 merges, laid out as in the handout. Independent of the student's train_bpe."""
    text = read_fixture("corpus.txt")
    merges = hf_train_merges(text, 256 + len(ENCODE_SPECIALS) + 300, ENCODE_SPECIALS)
    return build_vocab(merges, ENCODE_SPECIALS), merges, list(ENCODE_SPECIALS)
