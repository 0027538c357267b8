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
        ### BEGIN SOLUTION
        if not capacity > 0:
            raise ValueError(f"capacity must be positive, got {capacity}")
        if not rate >= 0:
            raise ValueError(f"rate must be non-negative, got {rate}")
        self.capacity = float(capacity)
        self.rate = float(rate)
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, time of the last refill)
        ### END SOLUTION

    def allow(self, key: str, cost: float = 1.0) -> bool:
        """Take `cost` tokens from `key`'s bucket if it holds at least that many.

        now = clock(); a key seen for the first time starts full, with last = now.
        tokens = min(capacity, tokens + max(0, now - last) * rate); last = max(last, now).
        If tokens >= cost: tokens -= cost, return True; else return False (nothing is taken).
        """
        ### BEGIN SOLUTION
        now = self.clock()
        tokens, last = self._buckets.get(key, (self.capacity, now))
        tokens = min(self.capacity, tokens + max(0.0, now - last) * self.rate)
        last = max(last, now)
        allowed = tokens >= cost
        if allowed:
            tokens -= cost
        self._buckets[key] = (tokens, last)
        return allowed
        ### END SOLUTION


# -----------------------------------------------------------------------------
# caching


class TTLCache:
    """A least-recently-used cache of at most `maxsize` entries, each valid for `ttl` seconds."""

    def __init__(self, maxsize: int, ttl: float, clock: Clock) -> None:
        """Raise ValueError unless maxsize >= 1 and ttl > 0."""
        ### BEGIN SOLUTION
        if maxsize < 1:
            raise ValueError(f"maxsize must be at least 1, got {maxsize}")
        if not ttl > 0:
            raise ValueError(f"ttl must be positive, got {ttl}")
        self.maxsize = maxsize
        self.ttl = ttl
        self.clock = clock
        self._entries: OrderedDict[Any, tuple[Any, float]] = OrderedDict()  # LRU first, MRU last
        ### END SOLUTION

    def get(self, key: Any, default: Any = None) -> Any:
        """The value stored under `key` if it has not expired (clock() < stored_at + ttl), which
        also makes it the most recently used entry; otherwise remove it (if present) and return
        `default`."""
        ### BEGIN SOLUTION
        now = self.clock()
        if key not in self._entries:
            return default
        value, stored_at = self._entries[key]
        if now >= stored_at + self.ttl:
            del self._entries[key]
            return default
        self._entries.move_to_end(key)
        return value
        ### END SOLUTION

    def put(self, key: Any, value: Any) -> None:
        """Store `value` under `key` with stored_at = clock(), as the most recently used entry
        (replacing an older value); then, while more than `maxsize` entries are stored, remove the
        least recently used one (expired or not)."""
        ### BEGIN SOLUTION
        now = self.clock()
        self._entries[key] = (value, now)
        self._entries.move_to_end(key)
        while len(self._entries) > self.maxsize:
            self._entries.popitem(last=False)
        ### END SOLUTION


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
    ### BEGIN SOLUTION
    if tries < 1:
        raise ValueError(f"tries must be at least 1, got {tries}")
    for failures in range(tries):  # failures so far: 0, 1, ...
        last = failures == tries - 1
        retry_after = 0.0
        try:
            response = fn()
        except Exception:
            if last:
                raise
        else:
            if response["status"] not in RETRY_STATUSES or last:
                return response
            retry_after = float(response.get("retry_after", 0.0))
        sleep(min(cap, max(base * 2 ** failures, retry_after)))
    raise AssertionError("unreachable")
    ### END SOLUTION


# -----------------------------------------------------------------------------
# the app


### BEGIN SOLUTION
class CompletionRequest(BaseModel):
    prompt: str = Field(min_length=1)
    max_tokens: int = Field(default=16, ge=1, le=256)
    model: str = "tiny-random"
    stream: bool = False


def _chunk(cid: str, created: int, model: str, text: str, finish: str | None) -> str:
    body = {"id": cid, "object": "text_completion", "created": created, "model": model,
            "choices": [{"index": 0, "text": text, "finish_reason": finish}]}
    return f"data: {json.dumps(body)}\n\n"
### END SOLUTION


def create_app(generate: Callable[[str, int], dict], clock: Clock, capacity: float = 5.0, rate: float = 1.0,
               cache_size: int = 64, ttl: float = 30.0) -> FastAPI:
    """A FastAPI app serving POST /v1/completions (see the handout for the exact contract).

    generate(prompt, max_tokens) -> {"tokens": [str, ...], "prompt_tokens": int, "finish_reason": str}.
    One TokenBucket(capacity, rate, clock) keyed by the x-api-key header ("anonymous" without
    one) and one TTLCache(cache_size, ttl, clock) keyed by (model, prompt, max_tokens), per app.
    """
    ### BEGIN SOLUTION
    limiter = TokenBucket(capacity, rate, clock)
    cache = TTLCache(cache_size, ttl, clock)
    app = FastAPI()

    @app.post("/v1/completions")
    def completions(req: CompletionRequest, x_api_key: str | None = Header(default=None)) -> Any:
        if not limiter.allow(x_api_key if x_api_key is not None else "anonymous"):
            return JSONResponse(status_code=429, content={"error": {
                "type": "rate_limit_exceeded", "message": "too many requests: try again later"}})
        key = (req.model, req.prompt, req.max_tokens)
        result = cache.get(key)
        if result is None:
            result = generate(req.prompt, req.max_tokens)
            cache.put(key, result)
        tokens = list(result["tokens"])
        finish = result["finish_reason"]
        created = int(clock())
        cid = "cmpl-" + uuid.uuid4().hex
        if req.stream:
            def events() -> Any:
                for piece in tokens:
                    yield _chunk(cid, created, req.model, piece, None)
                yield _chunk(cid, created, req.model, "", finish)
                yield "data: [DONE]\n\n"
            return StreamingResponse(events(), media_type="text/event-stream")
        prompt_tokens = int(result["prompt_tokens"])
        return {"id": cid, "object": "text_completion", "created": created, "model": req.model,
                "choices": [{"index": 0, "text": "".join(tokens), "finish_reason": finish}],
                "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": len(tokens),
                          "total_tokens": prompt_tokens + len(tokens)}}

    return app
    ### END SOLUTION
