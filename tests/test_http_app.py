"""HTTP carried as data (`student.http_app`): a test drives the student's ASGI app as a client
would, through the protocol, with harness callbacks as the app's dependencies."""

import pytest

from autograder.harness.client import Deadline, Student, StudentError, WorkerSession
from autograder.harness.http import HttpResponse, _response_from
from autograder.sandbox.base import WorkerSpec
from autograder.sandbox.local import LocalSandbox

APP = '''
from fastapi import FastAPI, Header
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel


class Echo(BaseModel):
    text: str
    n: int = 1


def create_app(backend, clock):
    app = FastAPI()

    @app.post("/echo")
    def echo(req: Echo, x_key: str = Header(default="anon")):
        if req.n > 3:
            return JSONResponse(status_code=429, content={"error": "slow down"}, headers={"retry-after": "1"})
        return {"text": backend(req.text) * req.n, "key": x_key, "t": clock()}

    @app.get("/stream")
    def stream(parts: int = 3):
        def events():
            for i in range(parts):
                yield f"data: {i}\\n\\n"
        return StreamingResponse(events(), media_type="text/event-stream")

    @app.get("/boom")
    def boom():
        raise ValueError("broken handler")

    return app
'''


@pytest.fixture
def student(tmp_path):
    (tmp_path / "webapp.py").write_text(APP)
    session = WorkerSession(LocalSandbox(), WorkerSpec(submission_dir=tmp_path, modules=("webapp",),
                                                       packages=("fastapi",)))
    yield Student(session, "webapp", tmp_path, Deadline(120))
    session.close()


def test_requests_and_responses_cross_as_data(student):
    backend = student.callback(lambda s: s.upper())
    clock = student.callback(lambda: 12.5)
    app = student.http_app("create_app", backend, clock)
    resp = app.post("/echo", json={"text": "ab", "n": 2}, headers={"X-Key": "k1"})
    assert isinstance(resp, HttpResponse)
    assert resp.status_code == 200 and resp.headers["content-type"] == "application/json"
    assert resp.json() == {"text": "ABAB", "key": "k1", "t": 12.5}
    assert backend.calls == [(["ab"], {})] and clock.count == 1  # counted on the trusted side
    # validation (422), a status chosen by the app with its headers (429), malformed JSON, 404
    assert app.post("/echo", json={"n": 1}).status_code == 422
    limited = app.post("/echo", json={"text": "x", "n": 4})
    assert limited.status_code == 429 and limited.headers["retry-after"] == "1"
    assert app.post("/echo", content=b"{not json", headers={"content-type": "application/json"}).status_code == 422
    assert app.get("/nowhere").status_code == 404
    assert backend.count == 1


def test_streamed_chunks_keep_their_boundaries(student):
    app = student.http_app("create_app", student.callback(str), student.callback(lambda: 0.0))
    resp = app.get("/stream?parts=4")
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/event-stream")
    assert resp.chunks == [f"data: {i}\n\n".encode() for i in range(4)]
    assert resp.text == "".join(f"data: {i}\n\n" for i in range(4))


def test_an_exception_in_the_app_reaches_the_test_as_student_error(student):
    app = student.http_app("create_app", student.callback(str), student.callback(lambda: 0.0))
    with pytest.raises(StudentError) as err:
        app.get("/boom")
    assert err.value.exc_type == "ValueError"
    assert app.get("/stream?parts=1").chunks == [b"data: 0\n\n"]  # the same app goes on serving


@pytest.mark.parametrize("answer", [
    None, [], {"status": "200", "headers": [], "chunks": []}, {"status": 99, "headers": [], "chunks": []},
    {"status": 200, "headers": [["a", "b"]], "chunks": []}, {"status": 200, "headers": [], "chunks": ["x"]},
    {"status": 200, "headers": {}, "chunks": []},
])
def test_untrusted_answers_are_checked(answer):
    with pytest.raises(StudentError) as err:
        _response_from(answer, "app: GET /")
    assert err.value.exc_type == "NotData"


def test_json_of_a_non_json_body_is_an_assertion():
    resp = HttpResponse(200, [("content-type", "text/plain")], [b"hello"])
    with pytest.raises(AssertionError):
        resp.json()
    assert resp.content == b"hello" and resp.headers == {"content-type": "text/plain"}
