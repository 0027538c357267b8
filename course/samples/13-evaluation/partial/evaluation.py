"""Evaluation assignment -- partial: perplexity, ROUGE-L and the judge done; BLEU ties the
reference length the wrong way; windows and multiple choice not started."""

import math
import re

import numpy as np


def log_softmax(logits):
    x = np.asarray(logits, dtype=np.float64)
    m = x.max(axis=-1, keepdims=True)
    return x - m - np.log(np.sum(np.exp(x - m), axis=-1, keepdims=True))


def causal_lm_nll(logits, labels):
    logits = np.asarray(logits)
    labels = np.asarray(labels)
    if logits.ndim == 2:
        logits = logits[None]
        labels = labels[None]
    total, n = 0.0, 0
    for b in range(logits.shape[0]):
        lp = log_softmax(logits[b])
        for t in range(1, labels.shape[1]):
            if labels[b, t] != -100:
                total -= lp[t - 1, labels[b, t]]
                n += 1
    return float(total), n


def perplexity(logits, labels):
    nll, n = causal_lm_nll(logits, labels)
    if n == 0:
        raise ValueError("nothing scored")
    return math.exp(nll / n)


def sliding_windows(seq_len, max_length, stride):
    raise NotImplementedError


def strided_nll(ids, window_logits, max_length, stride):
    raise NotImplementedError


def encode_pair(context, continuation):
    raise NotImplementedError


def continuation_loglikelihood(logits, context_ids, whole_ids):
    raise NotImplementedError


def multiple_choice_metrics(loglikelihoods, choices, gold):
    raise NotImplementedError


def ngram_counts(tokens, n):
    counts = {}
    for i in range(len(tokens) - n + 1):
        key = " ".join(tokens[i:i + n])
        counts[key] = counts.get(key, 0) + 1
    return counts


def corpus_bleu(hyps, refs, smooth="exp", max_order=4):
    if smooth not in ("none", "exp") or len(hyps) != len(refs):
        raise ValueError("bad arguments")
    counts, totals = [0] * max_order, [0] * max_order
    sys_len = ref_len = 0
    for hyp, rs in zip(hyps, refs):
        if not rs:
            raise ValueError("no reference")
        h = hyp.split()
        rs = [r.split() for r in rs]
        sys_len += len(h)
        # BUG: on a tie the longer reference wins (sacrebleu takes the shorter)
        ref_len += sorted(rs, key=lambda r: (abs(len(r) - len(h)), -len(r)))[0].__len__()
        for n in range(1, max_order + 1):
            hc = ngram_counts(h, n)
            best = {}
            for r in rs:
                for g, c in ngram_counts(r, n).items():
                    best[g] = max(best.get(g, 0), c)
            counts[n - 1] += sum(min(c, best.get(g, 0)) for g, c in hc.items())
            totals[n - 1] += max(0, len(h) - n + 1)
    bp = 1.0 if sys_len >= ref_len else (math.exp(1 - ref_len / sys_len) if sys_len else 0.0)
    precisions = [0.0] * max_order
    out = {"counts": counts, "totals": totals, "sys_len": sys_len, "ref_len": ref_len, "bp": bp}
    if sum(counts) == 0:
        return dict(out, score=0.0, precisions=precisions)
    k = 0
    for i in range(max_order):
        if totals[i] == 0:
            break
        if counts[i]:
            precisions[i] = 100.0 * counts[i] / totals[i]
        elif smooth == "exp":
            k += 1
            precisions[i] = 100.0 / (2 ** k * totals[i])
    if any(p == 0 for p in precisions):
        return dict(out, score=0.0, precisions=precisions)
    return dict(out, score=bp * math.exp(sum(math.log(p) for p in precisions) / max_order), precisions=precisions)


def rouge_tokenize(text):
    return re.findall(r"[a-z0-9]+", text.lower())


def lcs_length(a, b):
    table = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            if a[i - 1] == b[j - 1]:
                table[i][j] = table[i - 1][j - 1] + 1
            else:
                table[i][j] = max(table[i - 1][j], table[i][j - 1])
    return table[-1][-1]


def rouge_l(hypothesis, reference):
    h, r = rouge_tokenize(hypothesis), rouge_tokenize(reference)
    if not h or not r:
        return {"precision": 0.0, "recall": 0.0, "fmeasure": 0.0}
    lcs = lcs_length(h, r)
    p, rc = lcs / len(h), lcs / len(r)
    return {"precision": p, "recall": rc, "fmeasure": 0.0 if p + rc == 0 else 2 * p * rc / (p + rc)}


def judge_requests(question, answer_a, answer_b):
    return [{"question": question, "first": answer_a, "second": answer_b},
            {"question": question, "first": answer_b, "second": answer_a}]


def pairwise_verdict(verdict_original, verdict_swapped):
    flip = {"A": "B", "B": "A", "tie": "tie"}
    if verdict_original not in flip or verdict_swapped not in flip:
        raise ValueError("unknown verdict")
    return verdict_original if flip[verdict_swapped] == verdict_original else "tie"


def win_rate(verdicts):
    if not verdicts or any(v not in ("A", "B", "tie") for v in verdicts):
        raise ValueError("bad verdicts")
    return sum(1.0 if v == "A" else 0.5 if v == "tie" else 0.0 for v in verdicts) / len(verdicts)
