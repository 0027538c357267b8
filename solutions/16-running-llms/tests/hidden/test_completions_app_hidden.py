"""Hidden: the completions app on other requests, limits, cache settings and streams."""

import json
import random

import pytest

from autograder.harness.expect import assert_equal

URL = "/v1/completions"


def _app(student, oracle, now=1234.75, **kwargs):
    clock = oracle.FakeClock(now)
    backend = student.callback(oracle.scripted_generate)
    app = student.http_app("create_app", backend, student.callback(clock.read), **kwargs)
    return app, backend, clock


@pytest.mark.points(2)
def test_response_shape_defaults_and_length_finish(student, oracle):
    """Defaults (model, max_tokens), usage counts, finish_reason 'length', created as an int."""
    app, backend, _ = _app(student, oracle)
    body = app.post(URL, json={"prompt": " ".join(f"w{k}" for k in range(20))}).json()
    assert backend.calls == [([" ".join(f"w{k}" for k in range(20)), 16], {})]
    assert_equal({k: body.get(k) for k in ("object", "created", "model")},
                 {"object": "text_completion", "created": 1234, "model": "tiny-random"})
    assert_equal(body["choices"], [{"index": 0, "text": "".join(f"w{k} " for k in range(19, 3, -1)),
                                    "finish_reason": "length"}])
    assert_equal(body["usage"], {"prompt_tokens": 20, "completion_tokens": 16, "total_tokens": 36})
    body = app.post(URL, json={"prompt": "solo", "max_tokens": 256, "model": "x", "extra": [1]}).json()
    assert_equal((body["model"], body["choices"][0]["finish_reason"], body["usage"]["completion_tokens"]),
                 ("x", "stop", 2))
    body = app.post(URL, json={"prompt": "solo", "max_tokens": 1}).json()
    assert_equal((body["choices"][0]["text"], body["usage"]), ("solo ", {"prompt_tokens": 1, "completion_tokens": 1,
                                                                         "total_tokens": 2}))


@pytest.mark.points(2)
def test_invalid_requests_are_422_and_take_no_token(student, oracle):
    """Malformed bodies and out-of-range fields get the validation error status; they take no rate-limit token and never reach generate()."""
    app, backend, _ = _app(student, oracle, capacity=1.0, rate=0.0)
    bad = [{"prompt": 5}, {"prompt": ["a"]}, {"prompt": ""}, {"prompt": "a", "max_tokens": 0}, {"prompt": "a", "max_tokens": 257}, {"prompt": "a", "max_tokens": "many"}, {"prompt": "a", "max_tokens": 2.5},
           {"prompt": "a", "max_tokens": -3}, {"prompt": "a", "stream": "maybe"}, {"max_tokens": 3}, [1, 2]]
    codes = [app.post(URL, json=b).status_code for b in bad]
    codes.append(app.post(URL, content=b'{"prompt": "a"', headers={"content-type": "application/json"}).status_code)
    assert_equal(codes, [422] * len(codes))
    assert backend.count == 0
    assert_equal([app.post(URL, json={"prompt": "ok"}).status_code, app.post(URL, json={"prompt": "ok"}).status_code],
                 [200, 429])


@pytest.mark.points(3)
def test_rate_limit_follows_the_bucket_rule(student, oracle):
    """Each request's status follows the token bucket of its key (x-api-key, else 'anonymous') as time moves."""
    app, backend, clock = _app(student, oracle, capacity=2.0, rate=0.5)
    ref = oracle.Bucket(2.0, 0.5)
    rng = random.Random(11)
    got, want, generated = [], [], set()
    for step in range(30):
        clock.now += rng.choice([0.0, 0.0, 0.5, 1.0, 2.0])
        key = rng.choice(["k1", "k2", None])
        headers = {"x-api-key": key} if key is not None else {}
        resp = app.post(URL, json={"prompt": f"p {step}"}, headers=headers)
        got.append(resp.status_code)
        ok = ref.allow(key if key is not None else "anonymous", clock.now)
        want.append(200 if ok else 429)
        if resp.status_code == 429:
            err = resp.json().get("error")
            assert type(err) is dict and err.get("type") == "rate_limit_exceeded" and type(err.get("message")) is str
        if ok:
            generated.add(step)
    assert_equal(got, want)
    assert backend.count == len(generated)


@pytest.mark.points(3)
def test_cache_lru_and_ttl_through_the_app(student, oracle):
    """Cache keyed by (model, prompt, max_tokens), LRU eviction at cache_size, expiry at ttl: backend calls counted."""
    app, backend, clock = _app(student, oracle, capacity=1000.0, cache_size=2, ttl=10.0)
    ref = oracle.LruTtl(2, 10.0)
    rng = random.Random(3)
    misses = 0
    for _ in range(40):
        clock.now += rng.choice([0.0, 1.0, 2.5, 4.0])
        req = {"prompt": rng.choice(["a", "b", "c d"]), "max_tokens": rng.choice([2, 3])}
        if rng.random() < 0.3:
            req["model"] = "other"
        if rng.random() < 0.3:
            req["stream"] = True
        key = (req.get("model", "tiny-random"), req["prompt"], req["max_tokens"])
        if ref.get(key, clock.now) is None:
            misses += 1
            ref.put(key, True, clock.now)
        assert app.post(URL, json=req).status_code == 200
        assert backend.count == misses, "generate() calls do not follow the cache rule"


@pytest.mark.points(3)
def test_stream_events_and_text(student, oracle):
    """Streamed: one event per chunk, per token, then finish_reason, then the end marker; the text equals the non-streamed one."""
    app, backend, clock = _app(student, oracle, now=99.9, capacity=50.0)
    for prompt, max_tokens, finish in [("a b c d e f", 10, "stop"), ("q r s", 2, "length"), ("z", 1, "length")]:
        resp = app.post(URL, json={"prompt": prompt, "max_tokens": max_tokens, "stream": True, "model": "s1"})
        assert resp.status_code == 200 and resp.headers.get("content-type", "").startswith("text/event-stream")
        events = oracle.sse_events(resp.chunks)
        assert events[-1] == "[DONE]"
        data = [json.loads(e) for e in events[:-1]]
        tokens = oracle.scripted_generate(prompt, max_tokens)["tokens"]
        assert_equal([d["choices"] for d in data],
                     [[{"index": 0, "text": t, "finish_reason": None}] for t in tokens]
                     + [[{"index": 0, "text": "", "finish_reason": finish}]])
        assert_equal({(d["id"], d["object"], d["created"], d["model"]) for d in data},
                     {(data[0]["id"], "text_completion", 99, "s1")})
        assert data[0]["id"].startswith("cmpl-")
        plain = app.post(URL, json={"prompt": prompt, "max_tokens": max_tokens, "model": "s1"}).json()
        assert "".join(d["choices"][0]["text"] for d in data) == plain["choices"][0]["text"]
    assert backend.count == 3


@pytest.mark.points(1)
def test_apps_do_not_share_state(student, oracle):
    """Each create_app() has its own limiter and cache."""
    app1, backend1, _ = _app(student, oracle, capacity=1.0, rate=0.0)
    app2, backend2, _ = _app(student, oracle, capacity=1.0, rate=0.0)
    assert_equal([app1.post(URL, json={"prompt": "a"}).status_code, app2.post(URL, json={"prompt": "a"}).status_code,
                  app1.post(URL, json={"prompt": "a"}).status_code], [200, 200, 429])
    assert (backend1.count, backend2.count) == (1, 1)
