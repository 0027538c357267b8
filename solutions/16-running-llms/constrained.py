"""JSON-constrained decoding: make any language model, even a random one, emit valid JSON.

At every step the decoder masks the vocabulary: a token is allowed only when the text so far plus
the token is still a prefix of some JSON text the schema accepts. Greedy decoding then picks the
allowed token with the highest logit. Because every allowed step keeps a valid completion
reachable, the output is valid by construction, whatever the model prefers.

The schema language (a subset of JSON Schema) and the exact JSON text it accepts (compact, every
property present in schema order) are in the handout.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

STRING_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789 ")

### BEGIN SOLUTION
# A parser state is a tuple of frames, the innermost last; () means a complete value was read.
# Frames: ("lit", text)             text still to be matched exactly
#         ("value", schema)         a value of `schema` that has not started
#         ("choice", suffixes)      one of several literal texts (enum, boolean), what is left of each
#         ("str", n, lo, hi)        inside a string after its opening quote, n characters read
#         ("int", digits, lo, hi)   an integer; digits read so far
#         ("arr", schema, n)        inside an array after n items (n >= 1), expecting ',' or ']'
#         ("arr0", schema)          just after '['


def _int_viable(digits: str, lo: int, hi: int) -> bool:
    """Is there an integer n in [lo, hi] whose decimal form starts with `digits`?"""
    if digits == "0":
        return lo <= 0 <= hi
    p = int(digits)
    for k in range(len(str(hi)) - len(digits) + 1):
        if p * 10 ** k <= hi and (p + 1) * 10 ** k - 1 >= lo:
            return True
    return False


def _expand(schema: dict) -> tuple:
    """The frames (innermost last) of a value of `schema` that has not started."""
    if "enum" in schema:
        return (("choice", tuple('"' + v + '"' for v in schema["enum"])),)
    kind = schema["type"]
    if kind == "boolean":
        return (("choice", ("true", "false")),)
    if kind == "string":
        return (("str", -1, schema.get("minLength", 0), schema["maxLength"]),)
    if kind == "integer":
        return (("int", "", schema["minimum"], schema["maximum"]),)
    if kind == "array":
        return (("arr0", schema),)
    # an object: '{"k1":' v1 ',"k2":' v2 ... '}', pushed innermost last
    frames: list[tuple] = [("lit", "}")]
    names = list(schema["properties"])
    for i in range(len(names) - 1, -1, -1):
        frames.append(("value", schema["properties"][names[i]]))
        frames.append(("lit", ("{" if i == 0 else ",") + '"' + names[i] + '":'))
    if not names:
        frames.append(("lit", "{"))
    return tuple(frames)


def _step(state: tuple, ch: str) -> tuple | None:
    """The state after reading `ch`, or None when no accepted text continues this way."""
    while True:
        if not state:
            return None
        top, rest = state[-1], state[:-1]
        kind = top[0]
        if kind == "value":
            state = rest + _expand(top[1])
            continue
        if kind == "lit":
            if top[1][0] != ch:
                return None
            return rest + (("lit", top[1][1:]),) if len(top[1]) > 1 else rest
        if kind == "choice":
            left = tuple(s[1:] for s in top[1] if s[0] == ch)
            if not left:
                return None
            if "" in left:  # quoted enum values and true/false are prefix-free: this one is done
                return rest
            return rest + (("choice", left),)
        if kind == "str":
            _, n, lo, hi = top
            if n < 0:
                return rest + (("str", 0, lo, hi),) if ch == '"' else None
            if ch == '"':
                return rest if n >= lo else None
            if ch in STRING_CHARS and n < hi:
                return rest + (("str", n + 1, lo, hi),)
            return None
        if kind == "int":
            _, digits, lo, hi = top
            if ch in "0123456789":
                if digits == "0" or not _int_viable(digits + ch, lo, hi):
                    return None
                return rest + (("int", digits + ch, lo, hi),)
            if digits and lo <= int(digits) <= hi:
                state = rest  # the integer ended; `ch` belongs to what follows
                continue
            return None
        if kind == "arr0":
            schema = top[1]
            if ch != "[":
                return None
            if schema["maxItems"] == 0:
                return rest + (("lit", "]"),)
            state = rest + (("arr1", schema),)
            return state
        if kind == "arr1":  # after '[' with at least one item allowed
            schema = top[1]
            if ch == "]" and schema.get("minItems", 0) == 0:
                return rest
            state = rest + (("arr", schema, 1), ("value", schema["items"]))
            continue
        if kind == "arr":
            _, schema, n = top
            if ch == "," and n < schema["maxItems"]:
                return rest + (("arr", schema, n + 1), ("value", schema["items"]))
            if ch == "]" and n >= schema.get("minItems", 0):
                return rest
            return None
        raise ValueError(f"unknown parser frame {kind!r}")


def _feed(state: tuple | None, text: str) -> tuple | None:
    for ch in text:
        state = _step(state, ch) if state is not None else None
    return state
### END SOLUTION


def is_viable(schema: dict, text: str) -> bool:
    """True when `text` is a prefix of (or equal to) some JSON text that `schema` accepts."""
    ### BEGIN SOLUTION
    return _feed((("value", schema),), text) is not None
    ### END SOLUTION


def is_complete(schema: dict, text: str) -> bool:
    """True when `text` is exactly a JSON text that `schema` (an object schema) accepts."""
    ### BEGIN SOLUTION
    return _feed((("value", schema),), text) == ()
    ### END SOLUTION


def constrained_json(logits_fn: Callable[[list[int]], Sequence[float]], vocab: list[str], schema: dict,
                     max_tokens: int = 256) -> list[int]:
    """Greedy decoding under the schema's mask; returns the generated token ids.

    Each step calls logits_fn(ids so far) once, keeps the tokens t with is_viable(schema, text +
    vocab[t]), and appends the allowed token with the highest logit (ties: the lowest id). Stops as
    soon as the text is complete. ValueError as soon as a step allows no token, or when the text
    is not complete after max_tokens tokens.
    """
    ### BEGIN SOLUTION
    state: tuple = (("value", schema),)
    ids: list[int] = []
    while len(ids) < max_tokens:
        logits = logits_fn(list(ids))
        best, best_state = -1, None
        for t, piece in enumerate(vocab):
            if best >= 0 and not logits[t] > logits[best]:
                continue
            nxt = _feed(state, piece)
            if nxt is not None:
                best, best_state = t, nxt
        if best_state is None:
            raise ValueError("no token of the vocabulary keeps the text valid")
        ids.append(best)
        state = best_state
        if state == ():
            return ids
    raise ValueError(f"the JSON text is not complete after {max_tokens} tokens")
    ### END SOLUTION
