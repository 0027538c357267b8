"""Write fixtures/public/expected_values.json: the values public tests compare against that come
from the hidden-only oracles (tests/hidden/conftest.py). Staff-only: release does not ship tools/.

Run from the repository root after changing an oracle, the public corpus or a public test's inputs:
    .venv/bin/python solutions/17-rag/tools/make_public_expected.py
"""

from __future__ import annotations

import ast
import importlib.util
import json
import sys
from pathlib import Path

TOPIC = Path(__file__).resolve().parents[1]
OUT = TOPIC / "fixtures" / "public" / "expected_values.json"


def load(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def public_queries() -> list[str]:
    """QUERIES of tests/public/test_bm25.py, read from its source (the test module needs pytest's harness)."""
    tree = ast.parse((TOPIC / "tests" / "public" / "test_bm25.py").read_text(encoding="utf-8"))
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and any(getattr(t, "id", None) == "QUERIES" for t in stmt.targets):
            return ast.literal_eval(stmt.value)
    raise SystemExit("QUERIES not found in tests/public/test_bm25.py")


def main() -> int:
    pub = load(TOPIC / "tests" / "conftest.py", "public_conftest")
    hid = load(TOPIC / "tests" / "hidden" / "conftest.py", "hidden_conftest")
    values: dict = {"_about": "Written by tools/make_public_expected.py from the hidden-only oracles; do not edit by hand."}

    # test_bm25_top_k_public_corpus: top-k of rank_bm25's scores (ties to the lower id), k = 1, 3, 7
    corpus = [pub.tokenize(d) for d in pub.load_docs("public")]
    ref = pub.bm25_oracle(corpus)
    top = {}
    for query in public_queries():
        scores = ref.get_scores(pub.tokenize(query))
        pub.assert_separated(scores)
        top[query] = {str(k): hid.expected_top_k(scores, k) for k in (1, 3, 7)}
    values["bm25_public_top_k"] = top

    OUT.write_text(json.dumps(values, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
