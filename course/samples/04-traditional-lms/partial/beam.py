"""Beam search over a next-token model given as data: a table of log-probabilities.

    length_penalty   GNMT's lp(L) = ((5 + L) / 6) ** alpha
    greedy_search    the argmax token at every step
    beam_search      keep the beam_size best prefixes at every step

The "model" is a Markov table `log_probs` with m + 1 dims of size V (m >= 1):
log_probs[c_1, ..., c_m, w] is log P(w | the last m tokens are c_1 .. c_m). A (V, V) table is
a bigram model, (V, V, V) a trigram model. A hypothesis starts with `bos`; to read the
context of a short hypothesis, pad it on the left with bos up to m tokens (as an n-gram LM
pads with n-1 <s>).

What it does not do: batching, sampling, n-gram blocking, or calls to a neural model.
"""

from __future__ import annotations

from torch import Tensor

# -----------------------------------------------------------------------------
# helpers


def length_penalty(length: int, alpha: float) -> float:
    """GNMT length penalty lp(L) = ((5 + L) / 6) ** alpha; lp = 1 when alpha = 0.

    `length` counts the generated tokens (eos included, bos not).
    """
    return ((5 + length) / 6) ** alpha


def next_log_probs(log_probs: Tensor, seq: list[int], bos: int) -> Tensor:
    """The (V,) row of `log_probs` for the next token after `seq` (which starts with bos).

    The context is the last m tokens of [bos] * (m - 1) + seq, m = log_probs.ndim - 1.
    Example (m = 2): seq [bos] -> row log_probs[bos, bos]; seq [bos, 3, 1] -> log_probs[3, 1].
    """
    m = log_probs.ndim - 1
    context = ([bos] * (m - 1) + seq)[-m:]
    return log_probs[tuple(context)]  # (V,)


# -----------------------------------------------------------------------------
# decoding


def greedy_search(log_probs: Tensor, bos: int, eos: int, max_len: int) -> tuple[list[int], float]:
    """Append the most likely next token until eos or max_len generated tokens.

    Ties go to the lowest token id. Returns (seq, score): seq starts with bos and ends with
    eos if eos was generated; score is the sum of the chosen tokens' log-probs (a float).
    """
    seq, score = [bos], 0.0
    for _ in range(max_len):
        row = next_log_probs(log_probs, seq, bos)
        best = max(range(len(row)), key=lambda w: (float(row[w]), -w))  # lowest id on ties
        seq.append(best)
        score += float(row[best])
        if best == eos:
            break
    return seq, score


def beam_search(
    log_probs: Tensor,
    bos: int,
    eos: int,
    beam_size: int,
    max_len: int,
    alpha: float = 0.0,
) -> list[tuple[list[int], float]]:
    """Beam search with a shrinking beam; returns the hypotheses, best first.

    A hypothesis is (seq, s): seq starts with bos, s is the sum of its tokens' log-probs.
    Start with the single live hypothesis ([bos], 0.0) and width = beam_size. At each of at
    most max_len steps:
      1. extend every live hypothesis by every token id 0 .. V-1 (eos and bos included);
      2. rank the candidates by s, highest first, ties broken by the lexicographically
         smaller seq; keep the first `width` of them;
      3. a kept candidate that ends with eos is finished: it leaves the beam and the width
         drops by one; the others are the new live hypotheses.
    After max_len steps (or once the width is 0: nothing is live any more) the live
    hypotheses (no eos, max_len generated tokens) count as finished too.
    Each finished hypothesis gets the score s / length_penalty(len(seq) - 1, alpha), and the
    result lists them as (seq, score) by that score, highest first, ties broken by the
    lexicographically smaller seq. Pruning (step 2) uses the raw s, never the penalized score.
    Raises ValueError if beam_size < 1 or max_len < 1.
    """
    if beam_size < 1 or max_len < 1:
        raise ValueError(f"beam_size and max_len must be >= 1, got {beam_size} and {max_len}")
    live: list[tuple[list[int], float]] = [([bos], 0.0)]
    finished: list[tuple[list[int], float]] = []  # (seq, raw score s)
    width = beam_size
    for _ in range(max_len):
        candidates = []
        for seq, s in live:
            row = next_log_probs(log_probs, seq, bos)  # (V,)
            for w in range(len(row)):
                candidates.append((seq + [w], s + float(row[w])))
        candidates.sort(key=lambda cand: (cand[1], cand[0]), reverse=True)
        live = []
        for seq, s in candidates[:width]:
            if seq[-1] == eos:
                finished.append((seq, s))
            else:
                live.append((seq, s))
        width = beam_size - len(finished)
    finished += live
    scored = [(seq, s / length_penalty(len(seq), alpha)) for seq, s in finished]
    scored.sort(key=lambda hyp: (hyp[1], hyp[0]), reverse=True)
    return scored
