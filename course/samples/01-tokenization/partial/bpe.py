"""My BPE tokenizer (minbpe-style, token ids instead of bytes)."""

import re

GPT2_SPLIT_PATTERN = r"""'(?:[sdmt]|ll|ve|re)| ?[^\W\d]+| ?\d+| ?[^\s\w]+|\s+(?!\S)|\s+"""


def get_stats(ids, counts=None):
    """[1, 2, 3, 1, 2] -> {(1, 2): 2, (2, 3): 1, (3, 1): 1}"""
    counts = {} if counts is None else counts
    for pair in zip(ids, ids[1:]):
        counts[pair] = counts.get(pair, 0) + 1
    return counts


def merge(ids, pair, idx):
    out = []
    i = 0
    while i < len(ids):
        if i < len(ids) - 1 and ids[i] == pair[0] and ids[i + 1] == pair[1]:
            out.append(idx)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    return out


def split_special(text, special_tokens):
    if not special_tokens:
        return [text]
    pattern = "(" + "|".join(re.escape(s) for s in special_tokens) + ")"
    return [p for p in re.split(pattern, text) if p]


def train_bpe(text, vocab_size, special_tokens):
    n_merges = vocab_size - 256 - len(special_tokens)
    if n_merges < 0:
        raise ValueError("vocab_size too small")
    vocab = {i: bytes([i]) for i in range(256)}
    for s in special_tokens:
        vocab[len(vocab)] = s.encode("utf-8")
    chunks = []
    for part in split_special(text, special_tokens):
        if part in special_tokens:
            continue
        chunks += [list(p.encode("utf-8")) for p in re.findall(GPT2_SPLIT_PATTERN, part)]
    merges = []
    for _ in range(n_merges):
        stats = {}
        for ids in chunks:
            get_stats(ids, stats)
        if not stats:
            break
        pair = max(stats, key=stats.get)  # most frequent pair
        idx = len(vocab)
        vocab[idx] = vocab[pair[0]] + vocab[pair[1]]
        merges.append((vocab[pair[0]], vocab[pair[1]]))
        chunks = [merge(ids, pair, idx) for ids in chunks]
    return vocab, merges


class Tokenizer:
    def __init__(self, vocab, merges, special_tokens=None):
        self.vocab = dict(vocab)
        self.special_tokens = special_tokens or []
        for s in self.special_tokens:
            if s.encode("utf-8") not in self.vocab.values():
                self.vocab[max(self.vocab) + 1] = s.encode("utf-8")
        self.inverse = {b: i for i, b in self.vocab.items()}
        self.merges = {}
        for a, b in merges:
            self.merges[(self.inverse[a], self.inverse[b])] = self.inverse[a + b]

    def _encode_chunk(self, text_bytes):
        ids = list(text_bytes)
        while len(ids) >= 2:
            stats = get_stats(ids)
            pair = min(stats, key=lambda p: self.merges.get(p, float("inf")))
            if pair not in self.merges:
                break
            ids = merge(ids, pair, self.merges[pair])
        return ids

    def encode(self, text):
        ids = []
        for part in split_special(text, self.special_tokens):
            if part in self.special_tokens:
                ids.append(self.inverse[part.encode("utf-8")])
            else:
                for piece in re.findall(GPT2_SPLIT_PATTERN, part):
                    ids.extend(self._encode_chunk(piece.encode("utf-8")))
        return ids

    def encode_iterable(self, iterable):
        ids = []
        for chunk in iterable:
            ids.extend(self.encode(chunk))
        return iter(ids)

    def decode(self, ids):
        return b"".join(self.vocab[i] for i in ids).decode("utf-8", errors="replace")
