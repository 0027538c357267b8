"""Write fixtures/public/expected_values.json: the values public tests compare against that come
from the hidden-only oracles (tests/hidden/conftest.py). Staff-only: release does not ship tools/.

Run from the repository root after changing an oracle or a public test's inputs:
    .venv/bin/python solutions/02-embeddings/tools/make_public_expected.py
Each block rebuilds exactly the inputs of the public test it serves (same seeds, same calls).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from autograder.expected_values import load_conftests, write_expected

TOPIC = Path(__file__).resolve().parents[1]



def main() -> int:
    pub, hid = load_conftests(TOPIC)
    values: dict = {}

    # test_skipgram_pairs_matches_brute_force
    ids = np.random.default_rng(6).integers(20, size=30)
    values["skipgram_pairs_window3"] = {"ids": ids.tolist(), "window": 3,
                                        "pairs": hid.skipgram_pairs_oracle(ids, 3).tolist()}

    # test_cosine_top_k_ties_go_to_lower_id: tie vectors (cosines are multiples of 1/4) and their exact top-9
    keys = pub.tie_vectors(seed=12, n=40, dim=6)
    queries = pub.tie_vectors(seed=13, n=5, dim=6)
    exact = pub.normalize(queries) @ pub.normalize(keys).T
    scores, top = hid.exact_top_k(exact, 9)
    assert (np.diff(scores, axis=1) == 0).any(), "no ties"
    values["cosine_ties_top9"] = {"keys": keys.tolist(), "queries": queries.tolist(),
                                  "scores": scores.tolist(), "ids": top.tolist()}

    # test_ivf_kmeans_matches_sklearn: the stated k-means on 600x8 vectors (12 lists, seed 5, 10 rounds)
    x = np.random.default_rng(14).standard_normal((600, 8))
    values["ivf_kmeans_centroids"] = hid.kmeans_oracle(x, 12, seed=5, n_iter=10).tolist()

    # test_ivf_full_probe_equals_brute_force: exact cosine top-10
    rng = np.random.default_rng(16)
    x, q = rng.standard_normal((800, 10)), rng.standard_normal((25, 10))
    scores, top = hid.exact_top_k(pub.normalize(q) @ pub.normalize(x).T, 10)
    values["ivf_full_probe_top10"] = {"scores": scores.tolist(), "ids": top.tolist()}

    # test_ivf_recall_at_10: the true top-10 ids
    rng = np.random.default_rng(17)
    x, q = rng.standard_normal((5000, 32)), rng.standard_normal((100, 32))
    _, top = hid.exact_top_k(pub.normalize(q) @ pub.normalize(x).T, 10)
    values["ivf_recall_true_top10"] = top.tolist()

    write_expected(TOPIC, values)
    return 0


if __name__ == "__main__":
    sys.exit(main())
