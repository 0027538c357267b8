"""Hidden-only oracles for the 13-evaluation tests (never released).

The pieces of the handout's own algorithms that the oracles need around the libraries: the
window loop of the Hugging Face guide "Perplexity of fixed-length models", the guide's NLL over
those windows (HF's loss on each window with the old labels set to -100), and lm-evaluation-
harness's argmax rules for acc / acc_norm. The public tests read the values these produced once
(fixtures/public/expected_values.json, written by tools/make_public_expected.py).

This `oracle` fixture extends the one of tests/conftest.py with these helpers.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

IGNORE_INDEX = -100


def guide_windows(seq_len: int, max_length: int, stride: int) -> list[tuple[int, int, int]]:
    """The loop of the HF guide: (begin, end, trg_len) per window."""
    out = []
    prev_end_loc = 0
    for begin_loc in range(0, seq_len, stride):
        end_loc = min(begin_loc + max_length, seq_len)
        trg_len = end_loc - prev_end_loc
        out.append((begin_loc, end_loc, trg_len))
        prev_end_loc = end_loc
        if end_loc == seq_len:
            break
    return out


def guide_strided(model, ids: np.ndarray, max_length: int, stride: int, hf_forward) -> tuple[float, int, list]:
    """The guide's summed NLL: HF's loss on each window, target_ids[:-trg_len] = -100, times its count.

    Returns (total, count, the logits of each window), one forward pass per window.
    """
    total, count, window_logits = 0.0, 0, []
    for begin, end, trg_len in guide_windows(len(ids), max_length, stride):
        window = np.asarray(ids[begin:end])
        target = window.copy()
        target[:-trg_len] = IGNORE_INDEX
        logits, loss, n = hf_forward(model, window, target)
        window_logits.append(logits)
        if n > 0:
            total += loss * n
            count += n
    return total, count, window_logits


def lm_eval_mc(lls: list[list[float]], choices: list[list[str]], gold: list[int]) -> dict:
    """lm-evaluation-harness's multiple_choice process_results (acc, acc_norm by characters)."""
    pred = [int(np.argmax(ll)) for ll in lls]
    pred_norm = [int(np.argmax(np.array(ll) / np.array([float(len(c)) for c in cs]))) for ll, cs in zip(lls, choices)]
    return {
        "acc": float(np.mean([p == g for p, g in zip(pred, gold)])),
        "acc_norm": float(np.mean([p == g for p, g in zip(pred_norm, gold)])),
        "pred": pred,
        "pred_norm": pred_norm,
    }


HIDDEN_HELPERS = dict(
    guide_windows=guide_windows,
    guide_strided=guide_strided,
    lm_eval_mc=lm_eval_mc,
)


@pytest.fixture(scope="session")
def oracle(oracle) -> SimpleNamespace:
    """tests/conftest.py's `oracle` plus the hidden-only helpers above."""
    return SimpleNamespace(**vars(oracle), **HIDDEN_HELPERS)
