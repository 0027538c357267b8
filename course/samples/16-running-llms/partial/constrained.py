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


def is_viable(schema: dict, text: str) -> bool:
    """True when `text` is a prefix of (or equal to) some JSON text that `schema` accepts."""
    raise NotImplementedError


def is_complete(schema: dict, text: str) -> bool:
    """True when `text` is exactly a JSON text that `schema` (an object schema) accepts."""
    raise NotImplementedError


def constrained_json(logits_fn: Callable[[list[int]], Sequence[float]], vocab: list[str], schema: dict,
                     max_tokens: int = 256) -> list[int]:
    """Greedy decoding under the schema's mask; returns the generated token ids.

    Each step calls logits_fn(ids so far) once, keeps the tokens t with is_viable(schema, text +
    vocab[t]), and appends the allowed token with the highest logit (ties: the lowest id). Stops as
    soon as the text is complete. ValueError when no token is allowed, or when the text is not
    complete after max_tokens tokens.
    """
    raise NotImplementedError
