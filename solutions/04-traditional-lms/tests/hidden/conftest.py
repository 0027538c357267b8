"""Hidden-only oracles for the 04-traditional-lms tests (never released).

Plain re-implementations of what the handout asks the student to write for decoding: the
context row of a Markov table, greedy decoding, the GNMT length penalty, and brute-force
enumeration of every complete hypothesis (the exact ranking a large enough beam must return).
They stay out of the released tests/conftest.py (which keeps the torch LSTM oracles, the table
generators and the source checks); the public tests use values these produced once instead
(fixtures/public/expected_values.json, written by tools/make_public_expected.py).

This `oracle` fixture extends the one of tests/conftest.py with these helpers, so hidden tests
call `oracle.brute_force(...)` and `oracle.random_table(...)` alike.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch


def context_row(table: torch.Tensor, seq: list[int], bos: int) -> torch.Tensor:
    m = table.ndim - 1
    return table[tuple(([bos] * m + seq)[-m:])]


def greedy(table: torch.Tensor, bos: int, eos: int, max_len: int) -> tuple[list[int], float]:
    """Greedy decoding (ties -> lowest id) and its summed log-prob."""
    seq, score = [bos], 0.0
    for _ in range(max_len):
        row = context_row(table, seq, bos)
        best = int(torch.argmax(row))  # first maximum = lowest id
        seq.append(best)
        score += float(row[best])
        if best == eos:
            break
    return seq, score


def lp(length: int, alpha: float) -> float:
    """GNMT length penalty ((5 + L) / 6) ** alpha."""
    return ((5 + length) / 6) ** alpha


def brute_force(table: torch.Tensor, bos: int, eos: int, max_len: int, alpha: float = 0.0) -> list[tuple[list[int], float]]:
    """Every complete hypothesis (ends at its first eos, or has max_len tokens and no eos),
    scored log P / lp(len, alpha), best first (ties: lexicographically smaller seq)."""
    out = []

    def expand(seq, s):
        row = context_row(table, seq, bos)
        for w in range(table.shape[-1]):
            seq2, s2 = seq + [w], s + float(row[w])
            if w == eos or len(seq2) - 1 == max_len:
                out.append((seq2, s2 / lp(len(seq2) - 1, alpha)))
            else:
                expand(seq2, s2)

    expand([bos], 0.0)
    out.sort(key=lambda hyp: (-hyp[1], hyp[0]))
    return out


HIDDEN_HELPERS = dict(greedy=greedy, lp=lp, brute_force=brute_force)


@pytest.fixture(scope="session")
def oracle(oracle) -> SimpleNamespace:
    """tests/conftest.py's `oracle` plus the hidden-only helpers above."""
    return SimpleNamespace(**vars(oracle), **HIDDEN_HELPERS)
