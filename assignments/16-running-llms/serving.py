"""Serving a language model behind an HTTP API: rate limiting, caching, retries and the app itself.

    client --POST /v1/completions--> [validate: 422] --> [TokenBucket: 429] --> [TTLCache] --> generate()
                                                                                   |
                         200 JSON (OpenAI "text_completion" shape)  or  SSE stream of chunks

Every piece that depends on time takes a `clock` (a function returning seconds as a float) and,
for retries, a `sleep`: the tests drive both, so behaviour is exact and nothing really waits.
"""

from __future__ import annotations

import json
import time
import uuid
from collections import OrderedDict
from typing import Any, Callable

from fastapi import FastAPI, Header
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, Field

Clock = Callable[[], float]

# -----------------------------------------------------------------------------
# rate limiting


class TokenBucket:
    """One token bucket per key: `capacity` tokens at most, refilled at `rate` tokens per second."""

    def __init__(self, capacity: float, rate: float, clock: Clock) -> None:
        """Raise ValueError unless capacity > 0 and rate >= 0."""
        raise NotImplementedError

    def allow(self, key: str, cost: float = 1.0) -> bool:
        """Take `cost` tokens from `key`'s bucket if it holds at least that many.

        now = clock(); a key seen for the first time starts full, with last = now.
        tokens = min(capacity, tokens + max(0, now - last) * rate); last = max(last, now).
        If tokens >= cost: tokens -= cost, return True; else return False (nothing is taken).
        """
        raise NotImplementedError


# -----------------------------------------------------------------------------
# caching


class TTLCache:
    """A least-recently-used cache of at most `maxsize` entries, each valid for `ttl` seconds."""

    def __init__(self, maxsize: int, ttl: float, clock: Clock) -> None:
        """Raise ValueError unless maxsize >= 1 and ttl > 0."""
        raise NotImplementedError

    def get(self, key: Any, default: Any = None) -> Any:
        """The value stored under `key` if it has not expired (clock() < stored_at + ttl), which
        also makes it the most recently used entry; otherwise remove it (if present) and return
        `default`."""
        raise NotImplementedError

    def put(self, key: Any, value: Any) -> None:
        """Store `value` under `key` with stored_at = clock(), as the most recently used entry
        (replacing an older value); then, while more than `maxsize` entries are stored, remove the
        least recently used one (expired or not)."""
        raise NotImplementedError


# -----------------------------------------------------------------------------
# retries


RETRY_STATUSES = (429, 500, 502, 503, 504)


def retry(fn: Callable[[], dict], tries: int = 4, base: float = 0.5, cap: float = 8.0,
          sleep: Callable[[float], Any] = time.sleep) -> dict:
    """Call `fn()` (it returns a response dict with an int "status") until it succeeds.

    An attempt fails when fn raises an Exception or returns a status in RETRY_STATUSES. After the
    k-th failed attempt (k = 1, 2, ...), if k < tries: sleep(delay) and try again, with
    delay = min(cap, max(base * 2 ** (k - 1), retry_after)), where retry_after is the response's
    "retry_after" value when it has one (else 0). After the last attempt: return its response, or
    re-raise its exception. Any other status returns at once. Raise ValueError if tries < 1.
    """
    raise NotImplementedError


# -----------------------------------------------------------------------------
# the app


def create_app(generate: Callable[[str, int], dict], clock: Clock, capacity: float = 5.0, rate: float = 1.0,
               cache_size: int = 64, ttl: float = 30.0) -> FastAPI:
    """A FastAPI app serving POST /v1/completions (see the handout for the exact contract).

    generate(prompt, max_tokens) -> {"tokens": [str, ...], "prompt_tokens": int, "finish_reason": str}.
    One TokenBucket(capacity, rate, clock) keyed by the x-api-key header ("anonymous" without
    one) and one TTLCache(cache_size, ttl, clock) keyed by (model, prompt, max_tokens), per app.
    """
    raise NotImplementedError
