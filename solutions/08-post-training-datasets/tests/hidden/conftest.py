"""Hidden-only oracles for the post-training-data tests (never released).

Plain re-implementations of the handout's rules that no library implements exactly: the
keep-first ROUGE-L filter, the counts of a self-instruct round and the position ids of a packed
row. ROUGE-L itself always comes from rouge-score (tests/conftest.py's `oracle.rouge_l`). They stay
out of the released tests/conftest.py; the public tests use values these produced once instead
(fixtures/public/expected_values.json, written by tools/make_public_expected.py).

This `oracle` fixture extends the one of tests/conftest.py with these helpers.
"""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest


def ref_filter(base, samples: list[str], min_words: int, max_words: int, threshold: float,
               existing: list[str] | None = None) -> list[int]:
    """Keep-first filter: length in rouge tokens, then ROUGE-L F (rouge-score) <= threshold
    against every existing text and every sample kept so far."""
    pool = list(existing or [])
    kept = []
    for i, s in enumerate(samples):
        if not min_words <= len(base.rouge_tokens(s)) <= max_words:
            continue
        if max((base.rouge_l(p, s) for p in pool), default=0.0) > threshold:
            continue
        kept.append(i)
        pool.append(s)
    return kept


def ref_parse(response: str) -> list[str]:
    lines = (re.sub(r"^\d+[.)]", "", line.strip()).strip() for line in response.splitlines())
    return [line for line in lines if line]


def ref_synth_round(base, pool, responses, n_new, min_words, max_words, threshold, banned):
    """(result dict, number of responses drawn) of the handout's round."""
    counts = {"generated": 0, "length": 0, "keyword": 0, "duplicate": 0, "kept": 0}
    kept: list[str] = []
    drawn = 0
    if n_new == 0:
        return {"instructions": kept, "counts": counts}, 0
    for response in responses:
        drawn += 1
        for cand in ref_parse(response):
            counts["generated"] += 1
            toks = base.rouge_tokens(cand)
            if len(toks) < min_words or len(toks) > max_words:
                counts["length"] += 1
            elif set(toks) & set(banned):
                counts["keyword"] += 1
            elif max((base.rouge_l(p, cand) for p in list(pool) + kept), default=0.0) > threshold:
                counts["duplicate"] += 1
            else:
                counts["kept"] += 1
                kept.append(cand)
                if len(kept) == n_new:
                    return {"instructions": kept, "counts": counts}, drawn
    return {"instructions": kept, "counts": counts}, drawn


def ref_position_ids(docs: list[list[int]], seq_len: int) -> list[list[int]]:
    """Per row: 0 at the row's first token and at every document's first token, +1 otherwise; 0 on padding."""
    starts = []
    for d in docs:
        starts += [True] + [False] * len(d)  # the document's tokens, then its EOS
    rows = []
    for r in range(0, len(starts), seq_len):
        row, p = [], 0
        for j, s in enumerate(starts[r:r + seq_len]):
            p = 0 if (s or j == 0) else p + 1
            row.append(p)
        rows.append(row + [0] * (seq_len - len(row)))
    return rows


def near_threshold(base, samples: list[str], threshold: float, gap: float = 1e-6) -> bool:
    """Whether any pair of samples scores within `gap` of the threshold (test data avoids it)."""
    return any(abs(base.rouge_l(a, b) - threshold) < gap for i, a in enumerate(samples) for b in samples[:i])


@pytest.fixture
def oracle(oracle) -> SimpleNamespace:
    """tests/conftest.py's `oracle` plus the hidden-only helpers above."""
    return SimpleNamespace(
        **vars(oracle),
        ref_filter=lambda *a, **k: ref_filter(oracle, *a, **k),
        ref_synth_round=lambda *a, **k: ref_synth_round(oracle, *a, **k),
        ref_parse=ref_parse, ref_position_ids=ref_position_ids,
        near_threshold=lambda *a, **k: near_threshold(oracle, *a, **k),
    )
