"""Shared helpers for the serving and constrained-decoding tests (released to students).

Everything the student's code depends on lives here, on the trusted side, and is lent to it
through `student.callback`: a fake clock the test sets, a scripted generate() backend whose calls
are counted here, a recorded sleep(), a flaky endpoint for retries, and a tiny random "language
model" (a numpy table of logits from a seed). The library oracle is `jsonschema`; values only the
handout's own algorithm computes come from fixtures/public/expected_values.json (see tools/).
Tests reach these through the `oracle` fixture (tests run with --import-mode=importlib).
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import jsonschema
import numpy as np
import pytest

from autograder.expected_values import expected_value

TOPIC = Path(__file__).resolve().parents[1]


def expected(name: str):
    """A committed expected value from fixtures/public/expected_values.json (see tools/)."""
    return expected_value(TOPIC, name)


# -- time and backends ----------------------------------------------------------------------------

class FakeClock:
    """A clock the test moves by hand: `clock.now = 3.5`; lend `clock.read` as the clock."""

    def __init__(self, now: float = 1000.0):
        self.now = float(now)

    def read(self) -> float:
        return self.now


def scripted_generate(prompt, max_tokens):
    """A deterministic backend: the prompt's words reversed, cut to max_tokens tokens."""
    if type(prompt) is not str or type(max_tokens) is not int:
        raise TypeError("generate(prompt: str, max_tokens: int)")
    words = prompt.split()
    pieces = [w + " " for w in reversed(words)] + ["<end>"]
    tokens = pieces[:max_tokens]
    return {"tokens": tokens, "prompt_tokens": len(words),
            "finish_reason": "length" if len(pieces) > max_tokens else "stop"}


def flaky(responses):
    """fn() for retry(): returns the scripted responses in order; a string entry is raised as an error."""
    items = list(responses)

    def fn():
        item = items.pop(0)
        if isinstance(item, str):
            raise ConnectionError(item)
        return item
    return fn


def recorder():
    """sleep() that records its delays (lend it with student.callback; read `.calls`)."""
    return lambda seconds: None


def sse_events(chunks: list[bytes]) -> list[str]:
    """The `data:` payload of each chunk; a chunk that is not exactly one event fails."""
    out = []
    for chunk in chunks:
        text = chunk.decode("utf-8")
        assert text.startswith("data: ") and text.endswith("\n\n") and text.count("\n\n") == 1, \
            "each streamed chunk must be exactly one 'data: ...\\n\\n' event"
        out.append(text[len("data: "):-2])
    return out


# -- the tiny random language model ---------------------------------------------------------------

BASE_TOKENS = list('{}[]":,') + list("0123456789") + list("abcdefghijklmnopqrstuvwxyz") + [" "]
DISTRACTORS = ["-", ".", "\n", "\\", "'", "A", "Z", "_", "null", "None", "True", "1e5", "{}", "[]", '""']
FRAGMENTS = ['{"', '":', '",', '"}', ',"', '":"', '":{', '":[', '}}', ']}', '},', '],', '[{', '"]', '["',
             "true", "fa", "lse", "tr", "00", "12", "99", "10", "the", "an", " a", "ing", "er", '"a', 'e"',
             "0,", "1}", "5]", '":1', '":t', '":f']


def make_vocab(seed: int, words: tuple[str, ...] = ()) -> list[str]:
    """A token vocabulary: every single character JSON needs, fragments of JSON syntax and of
    `words` (keys, enum values), distractors no valid text contains, and random short strings.
    Token order is shuffled by `seed`; no token is empty and none repeats."""
    rng = np.random.default_rng(seed)
    tokens = BASE_TOKENS + DISTRACTORS + FRAGMENTS
    for w in words:
        quoted = '"' + w + '"'
        cut = int(rng.integers(1, len(quoted)))
        tokens += [quoted[:cut], quoted[cut:], quoted, w]
    alphabet = list("abcdefghijklmnopqrstuvwxyz0123456789 ")
    for _ in range(40):
        tokens.append("".join(rng.choice(alphabet, size=int(rng.integers(2, 4)))))
    seen: dict[str, None] = {}
    for t in tokens:
        seen.setdefault(t, None)
    out = list(seen)
    order = rng.permutation(len(out))
    return [out[i] for i in order]


class TinyLM:
    """A random 'language model' over `vocab_size` tokens: logits(ids) is a float64 function of
    the last two ids and the position, from tables drawn with `seed`. `bias` adds to chosen
    tokens' logits (e.g. to make the model love '"' or '}')."""

    def __init__(self, vocab_size: int, seed: int, dim: int = 16, bias: dict[int, float] | None = None):
        rng = np.random.default_rng(seed)
        self.embed = rng.standard_normal((vocab_size + 1, dim))
        self.pos = rng.standard_normal((256, dim))
        self.out = rng.standard_normal((dim, vocab_size)) * 2.0
        self.bias = np.zeros(vocab_size)
        for t, b in (bias or {}).items():
            self.bias[t] += b
        self.vocab_size = vocab_size

    def logits(self, ids):
        if type(ids) is not list or any(type(i) is not int or not 0 <= i < self.vocab_size for i in ids):
            raise TypeError("logits_fn takes a list of token ids")
        last = ids[-1] if ids else self.vocab_size
        prev = ids[-2] if len(ids) > 1 else self.vocab_size
        h = np.tanh(self.embed[last] + 0.5 * self.embed[prev] + self.pos[len(ids) % 256])
        return (h @ self.out + self.bias).tolist()


def validates(instance, schema) -> bool:
    """jsonschema's verdict (Draft 2020-12)."""
    try:
        jsonschema.Draft202012Validator(schema).validate(instance)
    except jsonschema.ValidationError:
        return False
    return True


def canonical(instance) -> str:
    """The compact JSON text of an instance (no spaces), keys in the instance's order."""
    return json.dumps(instance, separators=(",", ":"), ensure_ascii=False)


def check_against_schema(text: str, schema: dict) -> None:
    """The text is JSON, jsonschema accepts it, it is compact and its keys follow the schema's order."""
    try:
        instance = json.loads(text)
    except ValueError:
        raise AssertionError("the output is not JSON") from None
    assert validates(instance, schema), "jsonschema rejects the output"
    assert canonical(instance) == text, "the output is not compact JSON"

    def ordered(inst, sch):
        if "properties" in sch:
            assert list(inst) == list(sch["properties"]), "properties are not all present in schema order"
            for k, v in sch["properties"].items():
                ordered(inst[k], v)
        elif sch.get("type") == "array":
            for item in inst:
                ordered(item, sch["items"])
    ordered(instance, schema)


PERSON = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 6},
        "age": {"type": "integer", "minimum": 0, "maximum": 120},
        "admin": {"type": "boolean"},
    },
    "required": ["name", "age", "admin"],
    "additionalProperties": False,
}

ORDER = {
    "type": "object",
    "properties": {
        "item": {"enum": ["tea", "cake", "tart"]},
        "qty": {"type": "integer", "minimum": 1, "maximum": 12},
        "tags": {"type": "array", "items": {"type": "string", "maxLength": 3}, "minItems": 1, "maxItems": 2},
        "ship": {
            "type": "object",
            "properties": {"city": {"type": "string", "minLength": 2, "maxLength": 5},
                           "fast": {"type": "boolean"}},
            "required": ["city", "fast"], "additionalProperties": False,
        },
    },
    "required": ["item", "qty", "tags", "ship"],
    "additionalProperties": False,
}


@pytest.fixture(scope="session")
def oracle():
    return SimpleNamespace(
        expected=expected, FakeClock=FakeClock, scripted_generate=scripted_generate, flaky=flaky,
        recorder=recorder, sse_events=sse_events, make_vocab=make_vocab, TinyLM=TinyLM, validates=validates,
        canonical=canonical, check_against_schema=check_against_schema, PERSON=PERSON, ORDER=ORDER,
    )
