"""RAG retrieval assignment -- work in progress (does not import: a syntax error)."""

import numpy as np


def chunk_text(text, size, overlap=0):
    step = size - overlap
    return [(s, min(s + size, len(text)), text[s:s + size]) for s in range(0, len(text), step)


def reciprocal_rank_fusion(rankings, k=60):
    scores = {}
    for ranking in rankings:
        for rank, doc in enumerate(ranking, start=1):
            scores[doc] = scores.get(doc, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda t: (-t[1], t[0]))
