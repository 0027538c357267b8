"""Write fixtures/public/expected_values.json: the values public tests compare against that come
from the hidden-only oracles (tests/hidden/conftest.py). Staff-only: release does not ship tools/.

Run from the repository root after changing an oracle or a public test's inputs:
    .venv/bin/python solutions/08-post-training-datasets/tools/make_public_expected.py
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

from autograder.expected_values import load_conftests, write_expected

TOPIC = Path(__file__).resolve().parents[1]


def constant(test_file: str, name: str):
    """A module-level constant of a public test module, read from its source."""
    tree = ast.parse((TOPIC / "tests" / "public" / test_file).read_text(encoding="utf-8"))
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and any(getattr(t, "id", None) == name for t in stmt.targets):
            return ast.literal_eval(stmt.value)
    raise SystemExit(f"{name} not found in {test_file}")


def main() -> int:
    pub, hid = load_conftests(TOPIC)
    values: dict = {}

    samples = constant("test_filter.py", "SAMPLES")
    assert not hid.near_threshold(pub, samples, 0.7) and not hid.near_threshold(pub, samples, 0.5)
    assert not hid.near_threshold(pub, samples, 0.9)
    values["filter_public"] = [hid.ref_filter(pub, samples, lo, hi, th)
                               for lo, hi, th in [(2, 12, 0.7), (1, 20, 0.5), (3, 10, 0.9)]]
    values["filter_existing"] = hid.ref_filter(pub, samples, 1, 50, 0.7, existing=["Write a poem about the sea"])

    pool, banned = constant("test_synth.py", "POOL"), constant("test_synth.py", "BANNED")
    cases = []
    for seed, n_new in [(11, 4), (12, 100)]:
        responses = pub.mock_responses(seed, pool, 12, tuple(banned))
        result, drawn = hid.ref_synth_round(pub, pool, responses, n_new, 3, 16, 0.7, banned)
        cases.append({"seed": seed, "n_new": n_new, **result, "drawn": drawn})
    values["synth_public"] = cases

    write_expected(TOPIC, values)
    return 0


if __name__ == "__main__":
    sys.exit(main())
