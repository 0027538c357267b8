"""Evaluation assignment -- work in progress (does not import: a syntax error)."""

import math

import numpy as np


def perplexity(logits, labels):
    lp = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    nll = -lp[np.arange(len(labels) - 1), labels[1:]].sum(
    return math.exp(nll / (len(labels) - 1))


def pairwise_verdict(verdict_original, verdict_swapped):
    return verdict_original
