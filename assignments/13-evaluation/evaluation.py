"""Evaluating language models, from scratch: perplexity, multiple choice, BLEU, ROUGE-L, LLM judges.

    logits + labels ----------> causal_lm_nll / perplexity          (what HF's `loss` measures)
    long text --windows-------> strided_nll                         (HF "perplexity of fixed-length models")
    context + choices ---------> encode_pair, continuation_loglikelihood, multiple_choice_metrics
                                                                    (lm-evaluation-harness acc / acc_norm)
    hypotheses + references ---> corpus_bleu, rouge_l                (sacrebleu, rouge-score)
    question + two answers ----> judge_requests, pairwise_verdict, win_rate (LLM-as-a-judge)

Only the standard library and numpy. No model lives here: the logits come in as numpy arrays,
computed by the grader from a tiny Llama; token ids come in as integer arrays or lists.
"""

from __future__ import annotations

import math
import re
from collections import Counter

import numpy as np

IGNORE_INDEX = -100  # a label that is not scored (Hugging Face's convention)

# -----------------------------------------------------------------------------
# negative log-likelihood and perplexity


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """log softmax over the last axis, computed in float64 without overflow.

        log_softmax(x)_i = x_i - max(x) - log(sum_j exp(x_j - max(x)))

    logits: (..., V) float array. Returns a float64 array of the same shape.
    """
    raise NotImplementedError


def causal_lm_nll(logits: np.ndarray, labels: np.ndarray) -> tuple[float, int]:
    """Summed negative log-likelihood of a causal LM and the number of scored tokens.

    logits: (B, T, V) or (T, V) float, the model's outputs on the input ids.
    labels: (B, T) or (T,) int, usually the input ids; IGNORE_INDEX (-100) marks a label that is
    not scored. Shift convention (Hugging Face): the logits at position t predict the label at
    position t + 1, so the first label of each row is never scored:

        nll = - sum_{b, t >= 1, labels[b, t] != -100} log_softmax(logits[b, t - 1])[labels[b, t]]

    Returns (nll as a Python float, n = the number of scored labels as a Python int).
    `model(ids, labels=labels).loss` equals nll / n.
    """
    raise NotImplementedError


def perplexity(logits: np.ndarray, labels: np.ndarray) -> float:
    """exp(nll / n) with (nll, n) = causal_lm_nll(logits, labels): `exp(model(ids, labels=ids).loss)`.

    Raises ValueError when no label is scored (n == 0).
    """
    raise NotImplementedError


# -----------------------------------------------------------------------------
# sliding-window (strided) perplexity


def sliding_windows(seq_len: int, max_length: int, stride: int) -> list[tuple[int, int, int]]:
    """The windows of the Hugging Face guide "Perplexity of fixed-length models".

    Windows start at begin = 0, stride, 2*stride, ...; each ends at end = min(begin + max_length,
    seq_len) and scores only its new tokens: the n_new = end - prev_end last labels of the window,
    where prev_end is the previous window's end (0 for the first window). The loop stops after the
    first window that reaches seq_len.

    Example: sliding_windows(10, 4, 2) -> [(0, 4, 4), (2, 6, 2), (4, 8, 2), (6, 10, 2)]

    Returns a list of (begin, end, n_new). Raises ValueError unless seq_len >= 1 and
    1 <= stride <= max_length.
    """
    raise NotImplementedError


def strided_nll(
    ids: np.ndarray, window_logits: list[np.ndarray], max_length: int, stride: int
) -> tuple[float, int]:
    """Summed NLL of a long sequence scored window by window (the HF guide's sliding window).

    ids: (N,) int, the whole sequence. window_logits[i]: (end_i - begin_i, V), the model's logits
    on ids[begin_i:end_i] for the i-th window of sliding_windows(N, max_length, stride). In window
    i only the last n_new_i labels are scored (the others get IGNORE_INDEX), with
    causal_lm_nll's shift, so the window's first label is never scored.

    Returns (summed nll, number of scored labels) over all windows; exp(nll / n) is the
    guide's perplexity. Raises ValueError when the number of windows or a window's length does
    not match.
    """
    raise NotImplementedError


# -----------------------------------------------------------------------------
# multiple choice (lm-evaluation-harness loglikelihood requests)


def encode_pair(context: str, continuation: str) -> tuple[str, str]:
    """Move the context's trailing whitespace to the front of the continuation (lm-eval's rule).

    encode_pair("Q: 2+2? A: ", "4") -> ("Q: 2+2? A:", " 4")

    Trailing whitespace is what str.rstrip() removes. The tokenizer then sees the space glued to
    the answer, as in the training text.
    """
    raise NotImplementedError


def continuation_loglikelihood(
    logits: np.ndarray, context_ids: list[int], whole_ids: list[int]
) -> tuple[float, bool]:
    """log P(continuation | context) and whether the continuation is the greedy one.

    whole_ids = tokenize(context + continuation) and context_ids = tokenize(context), tokenized
    separately; the continuation tokens are whole_ids[len(context_ids):] (tokenize jointly, then
    split: never tokenize the continuation on its own). logits: (len(whole_ids), V), the model's
    logits on whole_ids. Continuation token t is predicted by logits[t - 1]:

        ll = sum_{t = len(context_ids)}^{len(whole_ids) - 1} log_softmax(logits[t - 1])[whole_ids[t]]

    is_greedy: every continuation token is the argmax of its row (ties go to the lowest id).
    Returns (ll as a Python float, is_greedy as a Python bool). Raises ValueError when the
    context or the continuation is empty (len(context_ids) == 0 or >= len(whole_ids)).
    """
    raise NotImplementedError


def multiple_choice_metrics(
    loglikelihoods: list[list[float]], choices: list[list[str]], gold: list[int]
) -> dict:
    """acc and acc_norm over questions, as lm-evaluation-harness computes them.

    For question q with choice log-likelihoods ll[q][c] and choice strings choices[q][c]:
        pred[q]      = argmax_c ll[q][c]
        pred_norm[q] = argmax_c ll[q][c] / len(choices[q][c])     (length in characters)
    ties go to the lowest index. acc = mean(pred == gold), acc_norm = mean(pred_norm == gold).

    Returns {"acc": float, "acc_norm": float, "pred": list[int], "pred_norm": list[int]}.
    Raises ValueError when there is no question or a choice string is empty.
    """
    raise NotImplementedError


# -----------------------------------------------------------------------------
# BLEU (sacrebleu's corpus_bleu with tokenize="none")


def ngram_counts(tokens: list[str], n: int) -> dict[str, int]:
    """How often each n-gram of `tokens` occurs; empty when len(tokens) < n.

    An n-gram is keyed by its n tokens joined with single spaces (tokens come from str.split(),
    so they contain no whitespace): ngram_counts(["a", "b", "a", "b"], 2) -> {"a b": 2, "b a": 1}.
    """
    raise NotImplementedError


def corpus_bleu(hyps: list[str], refs: list[list[str]], smooth: str = "exp", max_order: int = 4) -> dict:
    """Corpus BLEU of pre-tokenized text, equal to sacrebleu.corpus_bleu(tokenize="none").

    hyps[i] is a hypothesis and refs[i] the non-empty list of its references; tokens are
    str.split() of each string. Over the whole corpus, for n = 1 .. max_order:
        counts[n]  = sum_i sum_g min(count_hyp(g), max_r count_ref_r(g))   (clipped n-gram matches)
        totals[n]  = sum_i number of n-grams of hyp i
    sys_len = total hypothesis tokens; ref_len = sum_i of the reference length closest to
    len(hyp i) (ties: the shorter one). BP = 1 if sys_len >= ref_len, exp(1 - ref_len/sys_len)
    if 0 < sys_len < ref_len, 0 if sys_len == 0.
    precisions[n] = 100 * counts[n] / totals[n]; with smooth="exp", each order with
    counts[n] == 0 < totals[n] gets 100 / (2^k * totals[n]) instead, k = 1, 2, ... counting
    such orders; with smooth="none" such an order's precision is 0. From the first order with
    totals[n] == 0 on, precisions are 0 (sacrebleu stops there). score = BP * exp(mean_n log
    precisions[n]), and 0.0 when any precision is 0 or no n-gram matches at all (then every
    precision is reported as 0).

    Returns {"score", "bp" (floats), "counts", "totals" (lists of max_order ints),
    "precisions" (list of max_order floats, in percent), "sys_len", "ref_len" (ints)}.
    Raises ValueError for an unknown smooth (only "none" and "exp"), len(hyps) != len(refs)
    or a hypothesis without references.
    """
    raise NotImplementedError


# -----------------------------------------------------------------------------
# ROUGE-L (rouge-score's rougeL, no stemming)


def rouge_tokenize(text: str) -> list[str]:
    """rouge-score's default tokenizer without stemming.

    Lowercase, then every run of characters other than a-z and 0-9 separates tokens (so
    "don't" -> ["don", "t"] and "café" -> ["caf"]); empty tokens are dropped.
    """
    raise NotImplementedError


def lcs_length(a: list[str], b: list[str]) -> int:
    """Length of the longest common subsequence of two token lists (dynamic programming)."""
    raise NotImplementedError


def rouge_l(hypothesis: str, reference: str) -> dict:
    """ROUGE-L of one hypothesis against one reference, equal to rouge-score's "rougeL".

    With h = rouge_tokenize(hypothesis), r = rouge_tokenize(reference), L = lcs_length(h, r):
    precision = L / len(h), recall = L / len(r), fmeasure = 2PR / (P + R); all three are 0 when
    h or r is empty, and fmeasure is 0 when P + R == 0.
    (rouge-score's scorer.score(target, prediction) takes the reference first.)

    Returns {"precision": float, "recall": float, "fmeasure": float}.
    """
    raise NotImplementedError


# -----------------------------------------------------------------------------
# pairwise LLM-as-a-judge with position swapping

VERDICTS = ("A", "B", "tie")


def judge_requests(question: str, answer_a: str, answer_b: str) -> list[dict]:
    """The two judge calls of a position-swapped comparison.

    Returns [{"question": question, "first": answer_a, "second": answer_b},
             {"question": question, "first": answer_b, "second": answer_a}]:
    the original order, then the swapped one. The judge answers "A" (the first answer shown is
    better), "B" (the second is) or "tie".
    """
    raise NotImplementedError


def pairwise_verdict(verdict_original: str, verdict_swapped: str) -> str:
    """Reconcile the judge's two verdicts into "A" (answer_a wins), "B" (answer_b wins) or "tie".

    In the swapped call the positions are exchanged, so its verdict is mapped back first
    ("A" -> "B", "B" -> "A", "tie" -> "tie"). If the two verdicts then agree, that is the
    result; if they disagree (a position-biased judge, or one tie), the result is "tie".
    Raises ValueError for a verdict that is not "A", "B" or "tie".
    """
    raise NotImplementedError


def win_rate(verdicts: list[str]) -> float:
    """Win rate of answer A over a list of reconciled verdicts: (#"A" + 0.5 * #"tie") / n.

    Raises ValueError for an empty list or a verdict that is not "A", "B" or "tie".
    """
    raise NotImplementedError
