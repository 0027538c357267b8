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

### BEGIN SOLUTION
_PRETOKENIZE = re.compile(GPT2_SPLIT_PATTERN)


def _split_on_special(text: str, special_tokens: list[str]) -> list[str]:
    """Split text around special tokens; the special tokens themselves are kept as pieces.

    Longest match wins: the alternation lists longer tokens first, so at a position
    where both "<|eot|>" and "<|eot|><|eot|>" match, the longer one is taken.
    Example: ("a<|eot|>b", ["<|eot|>"]) -> ["a", "<|eot|>", "b"]
    """
    if not special_tokens:
        return [text]
    by_length = sorted(special_tokens, key=len, reverse=True)
    pattern = "(" + "|".join(re.escape(tok) for tok in by_length) + ")"
    # subtle: re.split with a capturing group keeps the separators (at odd positions).
    return [piece for piece in re.split(pattern, text) if piece]


def _pair_counts(word_counts: dict[tuple[bytes, ...], int]) -> dict[tuple[bytes, bytes], int]:
    """Count adjacent pairs over all words, each word weighted by its frequency.

    Example: {(b"a", b"a", b"a"): 2} -> {(b"a", b"a"): 4}  (overlapping pairs count)
    """
    counts: dict[tuple[bytes, bytes], int] = {}
    for word, freq in word_counts.items():
        for pair in zip(word, word[1:]):
            counts[pair] = counts.get(pair, 0) + freq
    return counts


def _merge_word(word: tuple[bytes, ...], pair: tuple[bytes, bytes]) -> tuple[bytes, ...]:
    """Replace every occurrence of `pair` in `word`, scanning left to right.

    Example: ((b"a", b"a", b"a"), (b"a", b"a")) -> (b"aa", b"a")
    """
    merged: list[bytes] = []
    i = 0
    while i < len(word):
        if i + 1 < len(word) and (word[i], word[i + 1]) == pair:
            merged.append(word[i] + word[i + 1])
            i += 2
        else:
            merged.append(word[i])
            i += 1
    return tuple(merged)


### END SOLUTION


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
    ### BEGIN SOLUTION
    n_merges = vocab_size - 256 - len(special_tokens)
    if n_merges < 0:
        raise ValueError(
            f"vocab_size={vocab_size} is too small: it must be at least 256 bytes "
            f"+ {len(special_tokens)} special tokens = {256 + len(special_tokens)}"
        )
    vocab: dict[int, bytes] = {i: bytes([i]) for i in range(256)}
    for tok in special_tokens:
        vocab[len(vocab)] = tok.encode("utf-8")

    # Pre-tokenize once; BPE then works on the distinct pre-tokens with their counts.
    word_counts: dict[tuple[bytes, ...], int] = {}  # (b"t", b"h", b"e") -> count
    for chunk in _split_on_special(text, special_tokens):
        if chunk in special_tokens:
            continue  # special tokens never take part in merges
        for pretoken in _PRETOKENIZE.findall(chunk):
            word = tuple(bytes([b]) for b in pretoken.encode("utf-8"))
            word_counts[word] = word_counts.get(word, 0) + 1

    merges: list[tuple[bytes, bytes]] = []
    for _ in range(n_merges):
        counts = _pair_counts(word_counts)
        if not counts:
            break  # every pre-token is a single token: nothing left to merge
        # most frequent pair; on ties the lexicographically greatest (a, b)
        best = max(counts, key=lambda pair: (counts[pair], pair))
        merges.append(best)
        vocab[len(vocab)] = best[0] + best[1]
        new_counts: dict[tuple[bytes, ...], int] = {}
        for word, freq in word_counts.items():
            new_word = _merge_word(word, best)
            new_counts[new_word] = new_counts.get(new_word, 0) + freq
        word_counts = new_counts
    return vocab, merges
    ### END SOLUTION


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
        ### BEGIN SOLUTION
        self.vocab = dict(vocab)  # id -> bytes
        self.special_tokens = list(special_tokens or [])
        for tok in self.special_tokens:
            if tok.encode("utf-8") not in self.vocab.values():
                self.vocab[max(self.vocab) + 1] = tok.encode("utf-8")
        # bytes -> id; if a byte string appears under several ids, the smallest id wins
        self.token_to_id: dict[bytes, int] = {}
        for idx in sorted(self.vocab):
            self.token_to_id.setdefault(self.vocab[idx], idx)
        self.ranks = {pair: rank for rank, pair in enumerate(merges)}  # (a, b) -> rank
        ### END SOLUTION

    def _encode_pretoken(self, pretoken: bytes) -> list[int]:
        """BPE inside one pre-token: repeatedly merge the adjacent pair with the
        lowest merge rank (all its occurrences, left to right) until no adjacent
        pair is a merge. Example (merges [(b"a", b"a")]): b"aaa" -> ids of [b"aa", b"a"]."""
        ### BEGIN SOLUTION
        parts = [bytes([b]) for b in pretoken]
        while len(parts) >= 2:
            pairs = [p for p in zip(parts, parts[1:]) if p in self.ranks]
            if not pairs:
                break
            best = min(pairs, key=lambda pair: self.ranks[pair])
            parts = list(_merge_word(tuple(parts), best))
        return [self.token_to_id[part] for part in parts]
        ### END SOLUTION

    def encode(self, text: str) -> list[int]:
        """Text -> token ids. Special tokens (longest match first) map to their own id;
        every other piece is pre-tokenized with GPT2_SPLIT_PATTERN and each pre-token's
        UTF-8 bytes are BPE-encoded on their own. encode("") == []."""
        ### BEGIN SOLUTION
        ids: list[int] = []
        for chunk in _split_on_special(text, self.special_tokens):
            if chunk in self.special_tokens:
                ids.append(self.token_to_id[chunk.encode("utf-8")])
                continue
            for pretoken in _PRETOKENIZE.findall(chunk):
                ids.extend(self._encode_pretoken(pretoken.encode("utf-8")))
        return ids
        ### END SOLUTION

    def encode_iterable(self, iterable: Iterable[str]) -> Iterator[int]:
        """Lazily yield the ids of encode(chunk) for each chunk of `iterable` in turn.

        Chunks are encoded independently. The next chunk is pulled from the iterable
        only after every id of the previous chunk has been yielded, so memory stays
        bounded by one chunk (e.g. iterate over the lines of a large file)."""
        ### BEGIN SOLUTION
        for chunk in iterable:
            yield from self.encode(chunk)
        ### END SOLUTION

    def decode(self, ids: list[int]) -> str:
        """Token ids -> text: concatenate the bytes of the ids and decode them as UTF-8,
        replacing invalid bytes with U+FFFD exactly as bytes.decode("utf-8",
        errors="replace") does. An id not in the vocabulary raises KeyError."""
        ### BEGIN SOLUTION
        data = b"".join(self.vocab[idx] for idx in ids)
        return data.decode("utf-8", errors="replace")
        ### END SOLUTION
