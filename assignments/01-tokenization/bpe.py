"""Byte-level BPE tokenization: training and a tokenizer with special tokens.

What this module does:
- `train_bpe` learns a byte-level BPE vocabulary and merge list from a string.
- `Tokenizer` encodes text to token ids and decodes ids back to text, with
  special tokens (longest match wins) and a lazy `encode_iterable`.

What it does not do: normalization (NFC, lowercasing), saving/loading files,
or speed tricks. It is the small, readable version (minbpe / CS336 A1 style).

Pipeline of `encode` (train_bpe prepares the vocabulary for the same pipeline):
    text --split on special tokens--> chunks
         --regex pre-tokenization (GPT2_SPLIT_PATTERN)--> pre-tokens
         --UTF-8--> bytes --BPE merges, inside each pre-token--> token ids
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

# The pre-tokenization pattern: GPT-2's pattern written for the standard `re` module.
# GPT-2 uses \p{L} (letters) and \p{N} (numbers), which `re` does not support, so:
#   [^\W\d]  "word characters that are not decimal digits": letters (and '_', and
#            numeric characters such as '²' that are not decimal digits)
#   \d       decimal digits (Unicode category Nd)
#   [^\s\w]  everything that is neither whitespace nor a word character
# Alternatives are tried left to right at each position (contractions first).
GPT2_SPLIT_PATTERN = r"""'(?:[sdmt]|ll|ve|re)| ?[^\W\d]+| ?\d+| ?[^\s\w]+|\s+(?!\S)|\s+"""


def train_bpe(
    text: str, vocab_size: int, special_tokens: list[str]
) -> tuple[dict[int, bytes], list[tuple[bytes, bytes]]]:
    """Train a byte-level BPE tokenizer on `text`.

    Vocabulary layout: ids 0..255 are the single bytes (id i is bytes([i])), then the
    special tokens in the given order (their UTF-8 bytes), then one id per merge in
    the order the merges were learned. Number of merges = vocab_size - 256 -
    len(special_tokens); training stops earlier if no adjacent pair is left.

    One merge step: count every adjacent pair (a, b) inside every pre-token, weighted
    by how often the pre-token occurs; pick the pair with the largest count, ties broken
    by the lexicographically greatest pair (compare a, then b, as bytes); replace
    every occurrence left to right by the new token a + b.

    Raises ValueError if vocab_size < 256 + len(special_tokens).
    Returns (vocab: id -> bytes, merges: list of (a, b) in learning order).
    """
    raise NotImplementedError


class Tokenizer:
    """Encode text to ids and decode ids to text with a trained BPE vocabulary.

    vocab:          id -> bytes (as returned by train_bpe)
    merges:         list of (a, b) byte pairs; earlier merges have priority
    special_tokens: strings that are never split; a special token whose UTF-8 bytes
                    are not a value of `vocab` is added with the next free id
                    (max id + 1), in the given order.
    """

    def __init__(
        self,
        vocab: dict[int, bytes],
        merges: list[tuple[bytes, bytes]],
        special_tokens: list[str] | None = None,
    ) -> None:
        raise NotImplementedError

    def _encode_pretoken(self, pretoken: bytes) -> list[int]:
        """BPE inside one pre-token: repeatedly merge the adjacent pair with the
        lowest merge rank (all its occurrences, left to right) until no adjacent
        pair is a merge. Example (merges [(b"a", b"a")]): b"aaa" -> ids of [b"aa", b"a"]."""
        raise NotImplementedError

    def encode(self, text: str) -> list[int]:
        """Text -> token ids. Special tokens (longest match first) map to their own id;
        every other piece is pre-tokenized with GPT2_SPLIT_PATTERN and each pre-token's
        UTF-8 bytes are BPE-encoded on their own. encode("") == []."""
        raise NotImplementedError

    def encode_iterable(self, iterable: Iterable[str]) -> Iterator[int]:
        """Lazily yield the ids of encode(chunk) for each chunk of `iterable` in turn.

        Chunks are encoded independently. The next chunk is pulled from the iterable
        only after every id of the previous chunk has been yielded, so memory stays
        bounded by one chunk (e.g. iterate over the lines of a large file)."""
        raise NotImplementedError

    def decode(self, ids: list[int]) -> str:
        """Token ids -> text: concatenate the bytes of the ids and decode them as UTF-8,
        replacing invalid bytes with U+FFFD exactly as bytes.decode("utf-8",
        errors="replace") does. An id not in the vocabulary raises KeyError."""
        raise NotImplementedError
