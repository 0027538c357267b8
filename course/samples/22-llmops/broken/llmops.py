"""LLMOps from scratch (a first draft that does not parse yet)."""

import hashlib

import numpy as np


def percentile(values, q, method="linear"):
    x = np.sort(values)
    h = (len(x) - 1) * (q / 100
    return float(x[int(h)])


def canary_route(request_id, fraction, salt=""):
    digest = hashlib.sha256((salt + request_id).encode()).digest()
    return "canary" if digest[0] / 256 < fraction else "stable"
