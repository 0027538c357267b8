"""HTTP carried as data: a test talks to the student's web app (any ASGI app: FastAPI, Starlette)
as a client would, with no socket and no network.

`student.http_app("create_app", *args)` builds the app in the worker from the student's factory
(arguments may be harness callbacks: a clock, a model backend) and returns an `HttpApp`. Each
`app.post(path, json=...)` sends the request (method, path, query, headers, body) as data; in the
worker, `_serve_http` (shipped as a probe: the worker's own code is unchanged) drives the app once
through the ASGI interface, as FastAPI's TestClient does, and returns the status, the headers and
the body messages in order, so a streamed response (SSE) shows its chunk boundaries. Every request
is one protocol call: it has the test's time budget, and a crash or hang fails only that test.

What comes back is untrusted data and is checked here (types, shape) before a test sees it.
"""

from __future__ import annotations

import inspect
import json as _json
import textwrap
from typing import Any
from urllib.parse import urlsplit

from autograder.harness.client import Remote, Student, StudentError
from autograder.outcomes import Category

MAX_CHUNKS = 100_000


class HttpResponse:
    """What the student's app answered: `status_code`, `headers` (lower-case names; repeated
    headers joined by ", "), `header_list` (every (name, value) pair in order), `chunks` (the
    non-empty body messages in the order the app sent them: one for a plain response, one per
    `yield` of a streamed one), `content` (their concatenation), `text`, `json()`."""

    def __init__(self, status_code: int, header_list: list[tuple[str, str]], chunks: list[bytes]):
        self.status_code = status_code
        self.header_list = header_list
        self.chunks = chunks
        headers: dict[str, str] = {}
        for name, value in header_list:
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
        self.headers = headers

    @property
    def content(self) -> bytes:
        return b"".join(self.chunks)

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The body parsed as JSON; a body that is not JSON fails the test (an AssertionError)."""
        try:
            return _json.loads(self.content.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise AssertionError(f"the response body (status {self.status_code}) is not JSON") from None

    def __repr__(self) -> str:
        return f"<HttpResponse {self.status_code}, {len(self.chunks)} chunk(s)>"


class HttpApp:
    """A client for an ASGI app held in the worker (see the module docstring)."""

    def __init__(self, student: Student, app: Remote, label: str = "app"):
        self._student = student
        self.app = app
        self._label = label

    def request(self, method: str, url: str, *, json: Any = None, content: bytes | str | None = None,
                headers: dict[str, str] | None = None) -> HttpResponse:
        """Send one request. `json=` serialises a body and sets content-type: application/json;
        `content=` sends raw bytes (e.g. malformed JSON). `url` is a path with an optional query."""
        parts = urlsplit(url)
        hdrs: dict[str, str] = {"host": "testserver"}
        body = b""
        if json is not None:
            body = _json.dumps(json).encode("utf-8")
            hdrs["content-type"] = "application/json"
        elif content is not None:
            body = content.encode("utf-8") if isinstance(content, str) else bytes(content)
        for name, value in (headers or {}).items():
            hdrs[name.lower()] = value
        if body or method.upper() in ("POST", "PUT", "PATCH"):
            hdrs["content-length"] = str(len(body))
        request = {
            "method": method.upper(),
            "path": parts.path or "/",
            "query": parts.query.encode("latin-1"),
            "headers": [[k.encode("latin-1"), v.encode("latin-1")] for k, v in hdrs.items()],
            "body": body,
        }
        what = f"{self._label}: {method.upper()} {parts.path}"
        answer = self._student._request("probe", name="_serve_http", source=_SERVE_SOURCE,
                                        args=(self.app, request), what=what)
        return _response_from(answer, what)

    def get(self, url: str, **kwargs: Any) -> HttpResponse:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> HttpResponse:
        return self.request("POST", url, **kwargs)

    def __repr__(self) -> str:
        return f"<HttpApp {self._label}>"


def http_app(student: Student, factory: str, *args: Any, **kwargs: Any) -> HttpApp:
    """Build the student's app in the worker (`factory(*args, **kwargs)` must return an ASGI app)."""
    return HttpApp(student, student.call_handle(factory, *args, **kwargs), label=factory.split(":")[-1] + "()")


def _bad(what: str, why: str) -> StudentError:
    return StudentError("NotData", f"the app's answer is not an HTTP response: {why}", Category.NOT_DATA, what=what)


def _response_from(answer: Any, what: str) -> HttpResponse:
    """Check the worker's (untrusted) answer and turn it into an HttpResponse."""
    if type(answer) is not dict:
        raise _bad(what, "not a dict")
    status, raw_headers, raw_chunks = answer.get("status"), answer.get("headers"), answer.get("chunks")
    if type(status) is not int or not 100 <= status <= 599:
        raise _bad(what, "the status is not an int in 100..599")
    if not isinstance(raw_headers, (list, tuple)) or not isinstance(raw_chunks, (list, tuple)) \
            or type(raw_headers) not in (list, tuple) or type(raw_chunks) not in (list, tuple):
        raise _bad(what, "headers or chunks are not lists")
    header_list: list[tuple[str, str]] = []
    for pair in raw_headers:
        if type(pair) not in (list, tuple) or len(pair) != 2 or any(type(x) is not bytes for x in pair):
            raise _bad(what, "a header is not a pair of bytes")
        header_list.append((pair[0].decode("latin-1").lower(), pair[1].decode("latin-1")))
    if len(raw_chunks) > MAX_CHUNKS or any(type(c) is not bytes for c in raw_chunks):
        raise _bad(what, "the body chunks are not bytes")
    return HttpResponse(status, header_list, list(raw_chunks))


# The worker side: a self-contained function (imports inside) whose source is sent as a probe, so the
# worker's code, and with it every grading image, stays as it is. It runs in the worker, never here.
def _serve_http(app: "Any", request: "dict[str, Any]") -> "dict[str, Any]":
    # quoted annotations: the worker runs this source without this module's imports
    import asyncio

    body = request["body"]
    scope = {
        "type": "http", "asgi": {"version": "3.0", "spec_version": "2.4"}, "http_version": "1.1",
        "method": request["method"], "scheme": "http", "path": request["path"],
        "raw_path": request["path"].encode("utf-8"), "query_string": request["query"], "root_path": "",
        "headers": [(k, v) for k, v in request["headers"]],
        "client": ("testclient", 50000), "server": ("testserver", 80), "extensions": {},
    }
    state: dict[str, Any] = {"status": None, "headers": [], "chunks": [], "body_sent": False}

    async def main():
        done = asyncio.Event()

        async def receive():
            if not state["body_sent"]:
                state["body_sent"] = True
                return {"type": "http.request", "body": body, "more_body": False}
            await done.wait()  # a client that stays connected until the response is complete
            return {"type": "http.disconnect"}

        async def send(message):
            kind = message.get("type")
            if kind == "http.response.start":
                if state["status"] is not None:
                    raise RuntimeError("the app started the response twice")
                state["status"] = int(message["status"])
                state["headers"] = [[bytes(k), bytes(v)] for k, v in message.get("headers", [])]
            elif kind == "http.response.body":
                if state["status"] is None:
                    raise RuntimeError("the app sent a body before starting the response")
                chunk = bytes(message.get("body", b""))
                if chunk:
                    state["chunks"].append(chunk)
                if not message.get("more_body", False):
                    done.set()

        await app(scope, receive, send)

    asyncio.run(main())
    if state["status"] is None:
        raise RuntimeError("the app returned without sending a response")
    return {"status": state["status"], "headers": state["headers"], "chunks": state["chunks"]}


_SERVE_SOURCE = textwrap.dedent(inspect.getsource(_serve_http))
