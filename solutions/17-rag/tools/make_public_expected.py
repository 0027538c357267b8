"""Write fixtures/public/expected_values.json: the values public tests compare against that come
from the hidden-only oracles (tests/hidden/conftest.py). Staff-only: release does not ship tools/.

Run from the repository root after changing an oracle, the public corpus or a public test's inputs:
    .venv/bin/python solutions/17-rag/tools/make_public_expected.py
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

from autograder.expected_values import load_conftests, write_expected

TOPIC = Path(__file__).resolve().parents[1]



def public_queries() -> list[str]:
    """QUERIES of tests/public/test_bm25.py, read from its source (the test module needs pytest's harness)."""
    tree = ast.parse((TOPIC / "tests" / "public" / "test_bm25.py").read_text(encoding="utf-8"))
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and any(getattr(t, "id", None) == "QUERIES" for t in stmt.targets):
            return ast.literal_eval(stmt.value)
    raise SystemExit("QUERIES not found in tests/public/test_bm25.py")


def main() -> int:
    pub, hid = load_conftests(TOPIC)
    values: dict = {}

    # test_bm25_top_k_public_corpus: top-k of rank_bm25's scores (ties to the lower id), k = 1, 3, 7
    corpus = [pub.tokenize(d) for d in pub.load_docs("public")]
    ref = pub.bm25_oracle(corpus)
    top = {}
    for query in public_queries():
        scores = ref.get_scores(pub.tokenize(query))
        pub.assert_separated(scores)
        top[query] = {str(k): hid.expected_top_k(scores, k) for k in (1, 3, 7)}
    values["bm25_public_top_k"] = top

    write_expected(TOPIC, values)
    return 0


if __name__ == "__main__":
    sys.exit(main())
