"""Byte-level BPE (work in progress)."""

import re

GPT2_SPLIT_PATTERN = r"""'(?:[sdmt]|ll|ve|re)| ?[^\W\d]+| ?\d+| ?[^\s\w]+|\s+(?!\S)|\s+"""


def train_bpe(text, vocab_size, special_tokens):
    vocab = {i: bytes([i]) for i in range(256)}
    merges = []
    for _ in range(vocab_size - 256 - len(special_tokens))
        counts = {}
    return vocab, merges


class Tokenizer:
    def __init__(self, vocab, merges, special_tokens=None):
        self.vocab = vocab
