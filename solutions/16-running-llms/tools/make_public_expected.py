"""Write fixtures/public/expected_values.json: the greedy masked paths the public constrained-decoding
test compares against, from the hidden-only oracle (tests/hidden/conftest.py). Staff-only.

Run from the repository root:
    .venv/bin/python solutions/16-running-llms/tools/make_public_expected.py
"""

from __future__ import annotations

from pathlib import Path

from autograder.expected_values import load_conftests, write_expected

TOPIC = Path(__file__).resolve().parents[1]
PERSON_WORDS = ("name", "age", "admin")
ORDER_WORDS = ("item", "qty", "tags", "ship", "city", "fast", "tea", "cake", "tart")


def main() -> int:
    pub, hid = load_conftests(TOPIC)
    greedy = {}
    for name, schema, words in [("person", pub.PERSON, PERSON_WORDS), ("order", pub.ORDER, ORDER_WORDS)]:
        for seed in range(4):
            vocab = pub.make_vocab(seed, words)
            greedy[f"{name}/{seed}"] = hid.greedy_decode(pub.TinyLM(len(vocab), seed).logits, vocab, schema)
    write_expected(TOPIC, {"greedy_ids": greedy})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
