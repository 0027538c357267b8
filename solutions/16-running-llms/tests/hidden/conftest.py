"""Hidden-only oracles (never released): a recursive-descent reading of the handout's accepted
JSON text, the greedy masked decoder built on it, and the token-bucket / TTL-LRU rules written
out plainly, so hidden tests compare against live values. The `oracle` fixture extends the
shared one of tests/conftest.py."""

from __future__ import annotations

import functools
from types import SimpleNamespace

import pytest


class _Partial(Exception):
    """The text ended while still valid."""


class _Bad(Exception):
    """No accepted text continues this way."""


@functools.lru_cache(maxsize=None)
def _int_prefix_ok(p: str, lo: int, hi: int) -> bool:
    return any(str(n).startswith(p) for n in range(lo, hi + 1))


def _lit(s: str, i: int, text: str) -> int:
    for c in text:
        if i == len(s):
            raise _Partial
        if s[i] != c:
            raise _Bad
        i += 1
    return i


def _options(s: str, i: int, options: list[str]) -> int:
    rest = s[i:]
    for o in options:
        if rest.startswith(o):
            return i + len(o)
    if any(o.startswith(rest) for o in options):
        raise _Partial
    raise _Bad


def _value(schema: dict, s: str, i: int) -> int:
    if "enum" in schema:
        return _options(s, i, ['"' + v + '"' for v in schema["enum"]])
    kind = schema["type"]
    if kind == "boolean":
        return _options(s, i, ["true", "false"])
    if kind == "string":
        i = _lit(s, i, '"')
        n = 0
        while True:
            if i == len(s):
                raise _Partial
            c = s[i]
            if c == '"':
                if n < schema.get("minLength", 0):
                    raise _Bad
                return i + 1
            if c not in "abcdefghijklmnopqrstuvwxyz0123456789 " or n == schema["maxLength"]:
                raise _Bad
            n += 1
            i += 1
    if kind == "integer":
        j = i
        while j < len(s) and s[j] in "0123456789":
            j += 1
        digits = s[i:j]
        lo, hi = schema["minimum"], schema["maximum"]
        if len(digits) > 1 and digits[0] == "0":
            raise _Bad
        if digits and not _int_prefix_ok(digits, lo, hi):
            raise _Bad
        if j == len(s):
            raise _Partial
        if not digits or not lo <= int(digits) <= hi:
            raise _Bad
        return j
    if kind == "array":
        i = _lit(s, i, "[")
        lo, hi = schema.get("minItems", 0), schema["maxItems"]
        if i == len(s):
            raise _Partial
        if s[i] == "]":
            if lo > 0:
                raise _Bad
            return i + 1
        if hi == 0:
            raise _Bad
        n = 0
        while True:
            i = _value(schema["items"], s, i)
            n += 1
            if i == len(s):
                raise _Partial
            if s[i] == "]" and n >= lo:
                return i + 1
            if s[i] == "," and n < hi:
                i += 1
                continue
            raise _Bad
    if kind == "object":
        names = list(schema["properties"])
        if not names:
            return _lit(s, i, "{}")
        for k, name in enumerate(names):
            i = _lit(s, i, ("{" if k == 0 else ",") + '"' + name + '":')
            i = _value(schema["properties"][name], s, i)
        return _lit(s, i, "}")
    raise ValueError(kind)


def status(schema: dict, text: str) -> str:
    """'complete', 'viable' (a proper prefix of an accepted text) or 'bad'."""
    try:
        end = _value(schema, text, 0)
    except _Partial:
        return "viable"
    except _Bad:
        return "bad"
    return "complete" if end == len(text) else "bad"


def greedy_decode(logits_fn, vocab: list[str], schema: dict, max_tokens: int = 256) -> list[int]:
    """The handout's greedy masked decoding: highest logit among viable tokens (ties: lowest id)."""
    ids: list[int] = []
    text = ""
    while len(ids) < max_tokens:
        logits = logits_fn(list(ids))
        for t in sorted(range(len(vocab)), key=lambda t: (-logits[t], t)):
            st = status(schema, text + vocab[t])
            if st != "bad":
                break
        else:
            raise ValueError("no token allowed")
        ids.append(t)
        text += vocab[t]
        if st == "complete":
            return ids
    raise ValueError("not complete")


class Bucket:
    """The handout's token bucket, plainly."""

    def __init__(self, capacity, rate):
        self.capacity, self.rate, self.state = capacity, rate, {}

    def allow(self, key, now, cost=1.0):
        tokens, last = self.state.get(key, (self.capacity, now))
        tokens = min(self.capacity, tokens + max(0.0, now - last) * self.rate)
        ok = tokens >= cost
        self.state[key] = (tokens - cost if ok else tokens, max(last, now))
        return ok


class LruTtl:
    """The handout's TTL + LRU cache, plainly (a list of keys, least recently used first)."""

    def __init__(self, maxsize, ttl):
        self.maxsize, self.ttl, self.order, self.data = maxsize, ttl, [], {}

    def get(self, key, now, default=None):
        if key not in self.data:
            return default
        value, at = self.data[key]
        self.order.remove(key)
        if now >= at + self.ttl:
            del self.data[key]
            return default
        self.order.append(key)
        return value

    def put(self, key, value, now):
        if key in self.data:
            self.order.remove(key)
        self.data[key] = (value, now)
        self.order.append(key)
        while len(self.order) > self.maxsize:
            del self.data[self.order.pop(0)]


@pytest.fixture(scope="session")
def oracle(oracle):
    return SimpleNamespace(**vars(oracle), status=status, greedy_decode=greedy_decode, Bucket=Bucket, LruTtl=LruTtl)


def random_text(schema: dict, rng) -> str:
    """A random accepted text of `schema` (compact, schema order), drawn with `rng` (random.Random)."""
    if "enum" in schema:
        return '"' + rng.choice(schema["enum"]) + '"'
    kind = schema["type"]
    if kind == "boolean":
        return rng.choice(["true", "false"])
    if kind == "string":
        n = rng.randint(schema.get("minLength", 0), schema["maxLength"])
        return '"' + "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789 ") for _ in range(n)) + '"'
    if kind == "integer":
        return str(rng.randint(schema["minimum"], schema["maximum"]))
    if kind == "array":
        n = rng.randint(schema.get("minItems", 0), schema["maxItems"])
        return "[" + ",".join(random_text(schema["items"], rng) for _ in range(n)) + "]"
    parts = ['"' + k + '":' + random_text(v, rng) for k, v in schema["properties"].items()]
    return "{" + ",".join(parts) + "}"


def obj(**props) -> dict:
    return {"type": "object", "properties": props, "required": list(props), "additionalProperties": False}


def s(lo: int, hi: int) -> dict:
    return {"type": "string", "minLength": lo, "maxLength": hi}


def i(lo: int, hi: int) -> dict:
    return {"type": "integer", "minimum": lo, "maximum": hi}


B = {"type": "boolean"}

HIDDEN_SCHEMAS = {
    "ticket": obj(
        level={"enum": ["low", "lower", "high", "urgent"]},
        code=i(100, 250),
        owner=obj(team={"enum": ["ml", "ops"]}, oncall=B, seat=i(7, 7)),
        notes={"type": "array", "items": s(2, 4), "minItems": 0, "maxItems": 3},
    ),
    "batch": obj(
        jobs={"type": "array", "items": obj(id=i(0, 9999), ok=B, kind={"enum": ["a", "ab", "abc"]}),
              "minItems": 1, "maxItems": 2},
        label=s(3, 3),
        meta=obj(),
        empty={"type": "array", "items": i(0, 5), "maxItems": 0},
    ),
    "reading": obj(
        unit={"enum": ["c"]},
        value=i(0, 0),
        when=obj(day=i(1, 31), month=i(1, 12), year=i(1990, 2030)),
        flags={"type": "array", "items": B, "minItems": 2, "maxItems": 4},
        name=s(0, 5),
        alias={"type": "string", "maxLength": 2},
        extra={"type": "array", "items": i(3, 4), "maxItems": 2},
    ),
}


def words_of(schema: dict) -> tuple:
    """Keys and enum values of a schema (the vocabulary gets fragments of them)."""
    out: list[str] = []
    if "enum" in schema:
        out += schema["enum"]
    for k, v in schema.get("properties", {}).items():
        out.append(k)
        out += words_of(v)
    if "items" in schema:
        out += words_of(schema["items"])
    return tuple(dict.fromkeys(out))


@pytest.fixture(scope="session")
def hidden(oracle):
    return SimpleNamespace(random_text=random_text, HIDDEN_SCHEMAS=HIDDEN_SCHEMAS, words_of=words_of, obj=obj, s=s, i=i, B=B)
