"""The completions app, driven as an HTTP client would (student.http_app: requests and responses
cross as data). The clock and generate() are harness callbacks: calls are counted here."""

import json

import pytest

from autograder.harness.expect import assert_equal


def _app(student, oracle, **kwargs):
    clock = oracle.FakeClock(1700000000.5)
    backend = student.callback(oracle.scripted_generate)
    app = student.http_app("create_app", backend, student.callback(clock.read), **kwargs)
    return app, backend, clock


@pytest.mark.points(3)
def test_completion_response_shape(student, oracle):
    """200 with the OpenAI text_completion shape: id, object, created, model, choices, usage."""
    app, backend, _ = _app(student, oracle)
    resp = app.post("/v1/completions", json={"prompt": "one two three", "max_tokens": 8, "model": "m1"})
    assert resp.status_code == 200
    body = resp.json()
    assert isinstance(body.get("id"), str) and body["id"].startswith("cmpl-")
    assert_equal({k: body.get(k) for k in ("object", "created", "model")},
                 {"object": "text_completion", "created": 1700000000, "model": "m1"})
    assert_equal(body.get("choices"), [{"index": 0, "text": "three two one <end>", "finish_reason": "stop"}])
    assert_equal(body.get("usage"), {"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7})
    assert backend.calls == [(["one two three", 8], {})]


@pytest.mark.points(2)
def test_validation_errors_are_422(student, oracle):
    """Missing or empty prompt, max_tokens out of range: 422, and generate() is never called."""
    app, backend, _ = _app(student, oracle)
    for body in [{}, {"prompt": ""}, {"prompt": "hi", "max_tokens": 0}, {"prompt": "hi", "max_tokens": 257}]:
        assert app.post("/v1/completions", json=body).status_code == 422
    assert backend.count == 0


@pytest.mark.points(3)
def test_rate_limit_429_per_key(student, oracle):
    """capacity 2, rate 1/s per x-api-key: the third request at the same instant is a 429."""
    app, backend, clock = _app(student, oracle, capacity=2.0, rate=1.0)
    codes = [app.post("/v1/completions", json={"prompt": f"p{i}"}, headers={"x-api-key": "k1"}).status_code
             for i in range(3)]
    assert_equal(codes, [200, 200, 429])
    denied = app.post("/v1/completions", json={"prompt": "p"}, headers={"x-api-key": "k1"})
    assert denied.json().get("error", {}).get("type") == "rate_limit_exceeded"
    assert app.post("/v1/completions", json={"prompt": "p"}, headers={"x-api-key": "k2"}).status_code == 200
    clock.now += 1.0
    assert app.post("/v1/completions", json={"prompt": "p9"}, headers={"x-api-key": "k1"}).status_code == 200
    assert backend.count == 4


@pytest.mark.points(3)
def test_cache_hits_skip_the_backend(student, oracle):
    """The same (model, prompt, max_tokens) is generated once while cached; the TTL expires it."""
    app, backend, clock = _app(student, oracle, capacity=100.0, ttl=30.0)
    first = app.post("/v1/completions", json={"prompt": "a b"}).json()
    again = app.post("/v1/completions", json={"prompt": "a b"}).json()
    assert_equal(again["choices"], first["choices"])
    assert backend.count == 1
    app.post("/v1/completions", json={"prompt": "a b", "max_tokens": 1})     # another key
    assert backend.count == 2
    clock.now += 30.0
    app.post("/v1/completions", json={"prompt": "a b"})
    assert backend.count == 3


@pytest.mark.points(3)
def test_streamed_chunks_concatenate_to_the_text(student, oracle):
    """stream=true: one SSE event per chunk, one per token, a final one with finish_reason, then [DONE]."""
    app, _, _ = _app(student, oracle)
    resp = app.post("/v1/completions", json={"prompt": "x y z w", "max_tokens": 3, "stream": True})
    assert resp.status_code == 200 and resp.headers.get("content-type", "").startswith("text/event-stream")
    events = oracle.sse_events(resp.chunks)
    assert events[-1] == "[DONE]"
    data = [json.loads(e) for e in events[:-1]]
    assert_equal([d["choices"][0]["text"] for d in data], ["w ", "z ", "y ", ""])
    assert_equal([d["choices"][0]["finish_reason"] for d in data], [None, None, None, "length"])
    assert len({d["id"] for d in data}) == 1 and all(d["object"] == "text_completion" for d in data)
