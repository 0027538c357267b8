"""Shared helpers for the 04-traditional-lms tests: oracles for the LSTM, tables for beam search.

Everything here runs on the trusted side. The student's code is reached only through the
`student` fixture. Only library-backed oracles (torch), data and loaders live here: the plain
re-implementations of the handout's decoding (greedy, length penalty, brute-force ranking)
are in tests/hidden/conftest.py, and the public tests read the values they produced from
fixtures/public/expected_values.json (`oracle.expected(...)`). Tests run with
`--import-mode=importlib`, so they reach these helpers through the `oracle` fixture
(`oracle.random_table(...)`) rather than `import conftest`. Seeds are set inside each test;
nothing is downloaded.
"""

from __future__ import annotations

import math
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch

from autograder.expected_values import expected_value

torch.set_num_threads(2)

BOS, EOS, UNK = "<s>", "</s>", "<unk>"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def expected(name: str):
    """A committed expected value from fixtures/public/expected_values.json (see tools/)."""
    return expected_value(FIXTURES.parent, name)


# -----------------------------------------------------------------------------
# n-gram LM helpers


def distribution(lm, vocab, context) -> dict[str, float]:
    """{w: lm.prob(w, context)} for every w of W = vocab + [<unk>, </s>] (remote calls)."""
    return {w: lm.call("prob", w, list(context)) for w in [*vocab, UNK, EOS]}


# -----------------------------------------------------------------------------
# LSTM oracles: torch.nn.LSTMCell / torch.nn.LSTM with copied weights


def randn(*shape, seed: int, dtype=torch.float32, scale: float = 1.0) -> torch.Tensor:
    """A seeded standard-normal tensor (seed local to this call)."""
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(*shape, generator=g, dtype=torch.float64) * scale).to(dtype)


def cell_weights(d_in: int, d_h: int, seed: int, dtype=torch.float32, scale: float = 0.5):
    """Random (W_ih (4H, D), W_hh (4H, H), b_ih (4H,), b_hh (4H,))."""
    return (
        randn(4 * d_h, d_in, seed=seed, dtype=dtype, scale=scale),
        randn(4 * d_h, d_h, seed=seed + 1, dtype=dtype, scale=scale),
        randn(4 * d_h, seed=seed + 2, dtype=dtype, scale=scale),
        randn(4 * d_h, seed=seed + 3, dtype=dtype, scale=scale),
    )


def torch_lstm_cell(x, h, c, W_ih, W_hh, b_ih=None, b_hh=None):
    """torch.nn.LSTMCell with the given weights (bias=False when b_ih is None), in x's dtype."""
    d_h = W_hh.shape[1]
    cell = torch.nn.LSTMCell(x.shape[-1], d_h, bias=b_ih is not None).to(x.dtype)
    with torch.no_grad():
        cell.weight_ih.copy_(W_ih)
        cell.weight_hh.copy_(W_hh)
        if b_ih is not None:
            cell.bias_ih.copy_(b_ih)
            cell.bias_hh.copy_(b_hh)
        return cell(x, (h, c))


def make_lstm(d_in: int, d_h: int, num_layers: int, seed: int, dtype=torch.float32, bias: bool = True):
    """A torch.nn.LSTM(batch_first=True) with seeded weights; returns (module, state_dict copy)."""
    torch.manual_seed(seed)
    module = torch.nn.LSTM(d_in, d_h, num_layers=num_layers, bias=bias, batch_first=True).to(dtype)
    weights = {k: v.detach().clone() for k, v in module.state_dict().items()}
    return module, weights


def torch_lstm(module, x, state=None):
    """module(x, state) without gradients: (output, (h_n, c_n))."""
    with torch.no_grad():
        return module(x, state)


# -----------------------------------------------------------------------------
# beam search: Markov tables and comparing hypotheses


def random_table(vocab_size: int, context_len: int, seed: int, scale: float = 2.0) -> torch.Tensor:
    """A float64 Markov table of shape (V,) * (context_len + 1): log_softmax of seeded noise."""
    g = torch.Generator().manual_seed(seed)
    logits = torch.randn(*([vocab_size] * (context_len + 1)), generator=g, dtype=torch.float64) * scale
    return torch.log_softmax(logits, dim=-1)


def bigram_table(rows: dict[int, dict[int, float]], vocab_size: int, floor: float = 1e-3) -> torch.Tensor:
    """A (V, V) float64 log-prob table from {context: {token: prob}}; unlisted tokens share the
    rest of the mass equally (at least `floor` each), then each row is renormalized."""
    probs = torch.zeros(vocab_size, vocab_size, dtype=torch.float64)
    for c in range(vocab_size):
        given = rows.get(c, {})
        rest = [w for w in range(vocab_size) if w not in given]
        leftover = max(1.0 - sum(given.values()), floor * len(rest))
        for w in range(vocab_size):
            probs[c, w] = given[w] if w in given else leftover / len(rest)
    probs = probs / probs.sum(dim=-1, keepdim=True)
    return probs.log()


def assert_hypotheses_equal(got, expected, tol: float = 1e-9) -> None:
    """Same sequences in the same order, scores within tol."""
    got_seqs = [list(seq) for seq, _ in got]
    exp_seqs = [seq for seq, _ in expected]
    assert got_seqs == exp_seqs, f"sequences differ:\n got      {got_seqs}\n expected {exp_seqs}"
    for (seq, s_got), (_, s_exp) in zip(got, expected):
        assert math.isclose(s_got, s_exp, rel_tol=tol, abs_tol=tol), f"score of {seq}: got {s_got}, expected {s_exp}"


# -----------------------------------------------------------------------------
# the fixture that hands the helpers to the tests


@pytest.fixture(scope="session")
def oracle() -> SimpleNamespace:
    """The helpers of this file as attributes, e.g. `oracle.random_table(6, 1, seed=3)`."""
    return SimpleNamespace(
        BOS=BOS,
        EOS=EOS,
        UNK=UNK,
        distribution=distribution,
        randn=randn,
        cell_weights=cell_weights,
        torch_lstm_cell=torch_lstm_cell,
        make_lstm=make_lstm,
        torch_lstm=torch_lstm,
        random_table=random_table,
        bigram_table=bigram_table,
        expected=expected,
        assert_hypotheses_equal=assert_hypotheses_equal,
    )
