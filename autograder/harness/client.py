"""The trusted side of the worker protocol: what the `student` fixture is made of.

`WorkerSession` owns one worker for a grading session: it starts it lazily,
restarts it after a crash or a timeout, and turns every answer into either a
data value or a `StudentError`. `Student` is the per-test view handed to test
authors (`student.call`, `student.new`, `student.probe`, ...); it carries the
test's deadline, so a hang fails only the test in progress.
"""

from __future__ import annotations

import ast
import inspect
import itertools
import textwrap
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Protocol

from autograder.channel import ChannelClosed, ChannelTimeout
from autograder.outcomes import Category, category_of
from autograder.protocol import Callback, Feed, Handle, ProtocolError, UnsupportedType
from autograder.sandbox.base import Sandbox, SandboxError, WorkerProcess, WorkerSpec

if TYPE_CHECKING:
    from autograder.harness.http import HttpApp

HELLO_TIMEOUT = 120.0  # importing torch in a cold worker can take a while


class StudentError(AssertionError):
    """The student's code did not produce a value.

    `exc_type` is what went wrong: the name of the exception the student's code
    raised (e.g. "ValueError"), or one of the kit's kinds: "ImportError" (the
    submission could not be imported), "NotFound" (no such function, class or
    attribute), "NotData" (returned something that is not data), "Timeout",
    "Crash" (the worker died), "ProtocolError" (garbled answer).
    `category` groups these for reports: exception, import, not_found,
    not_data, timeout, crash, protocol.
    """

    def __init__(self, exc_type: str, message: str, category: Category, traceback: str = "", what: str = ""):
        self.exc_type = exc_type
        self.message = message
        self.category = category
        self.student_traceback = traceback
        self.what = what
        super().__init__(self.describe())

    def describe(self) -> str:
        where = f"{self.what}: " if self.what else ""
        text = f"{where}{self.exc_type}: {self.message}" if self.message else f"{where}{self.exc_type}"
        if self.student_traceback:
            text += "\n" + self.student_traceback.rstrip()
        return text

    def summary(self) -> str:
        """A line that reveals nothing about the test's inputs (for hidden tests)."""
        if self.category == Category.EXCEPTION:
            return f"your code raised {self.exc_type}"
        if self.category == Category.IMPORT:
            return f"{Category.IMPORT.student_text} ({self.exc_type})"
        known = category_of(self.category)
        return known.student_text if known is not None else self.exc_type


class TestOverrun(Exception):
    """The test itself (its own code, not the student's calls) ran past its generous whole-test bound:
    a grader problem (a slow or hung oracle), never charged to the student."""

    __test__ = False


class Deadline:
    """The budget of one test's calls into the student's code.

    Only the time spent waiting for the student's answers is charged (`charge`): the test's own
    work (oracles, fixtures) and starting the worker are not. A separate, generous bound on the
    whole test (`test_seconds`, by default 10 x the budget + 60 s, start-up excluded) catches a test
    whose own code runs away; running past it is a grader problem (`TestOverrun`), not the student's.
    """

    def __init__(self, seconds: float, test_seconds: float | None = None):
        self.seconds = seconds
        self.test_seconds = test_seconds if test_seconds is not None else 10 * seconds + 60
        self.used = 0.0
        self.started = time.monotonic()
        self.excluded = 0.0

    def remaining(self) -> float:
        """What is left of the student's budget."""
        return self.seconds - self.used

    def charge(self, seconds: float) -> None:
        """Time spent waiting for the student's answer."""
        self.used += max(0.0, seconds)

    def extend(self, seconds: float) -> None:
        """Time that counts against nothing (starting the worker and importing the submission)."""
        self.excluded += max(0.0, seconds)

    def test_elapsed(self) -> float:
        return time.monotonic() - self.started - self.excluded

    def overrun(self) -> bool:
        return self.test_elapsed() > self.test_seconds

    def overrun_message(self) -> str:
        return (f"the test itself ran {self.test_elapsed():.1f} s, past its whole-test bound of "
                f"{self.test_seconds:g} s (its own code, not the {self.used:.1f} s spent in your code); "
                "a grader problem")


class WorkerSession:
    """One worker per grading session, restarted whenever a test leaves it broken.

    Two rules keep a verdict honest:
    - a worker that could not start (crash, hang or garbage while importing the submission, or a
      sandbox failure) is not started again: every later test fails at once with the first
      failure's message, so an import-time hang costs one import limit, not one per test;
    - `enter_hidden()` replaces the worker before the first hidden test, and from then on the
      worker's prints are never returned: nothing that saw a hidden input can reach feedback.
    """

    def __init__(self, sandbox: Sandbox, spec: WorkerSpec, import_seconds: float = HELLO_TIMEOUT):
        self.sandbox = sandbox
        self.spec = spec
        self.import_seconds = import_seconds
        self.worker: WorkerProcess | None = None
        self.import_errors: dict[str, dict] = {}
        self.restarts = 0
        self.hidden_seen = False
        self.feeds: dict[int, "HarnessFeed"] = {}
        self.callbacks: dict[int, "HarnessCallback"] = {}
        self._fatal: StudentError | None = None
        self._starting: threading.Thread | None = None
        self._start_error: StudentError | None = None
        self._served = False  # has the current worker answered any request (seen any test's input)?

    def start_in_background(self) -> None:
        """Start the worker now, in a thread, so that it imports the submission while pytest
        collects the tests (whose oracles take seconds to import); the first request waits for it."""
        if self.worker is not None or self._starting is not None or self._fatal is not None:
            return

        def start() -> None:
            try:
                self.worker = self._start()
            except StudentError as exc:  # reported by the first request, as a lazy start would
                self._start_error = exc

        self._starting = threading.Thread(target=start, name="llmkit-worker-start", daemon=True)
        self._starting.start()

    def _join_start(self) -> None:
        if self._starting is not None:
            self._starting.join()
            self._starting = None
            error, self._start_error = self._start_error, None
            if error is not None:
                raise error

    def _start(self) -> WorkerProcess:
        """Start a worker and greet it; a failure is remembered for the rest of the session."""
        try:
            return self._start_once()
        except StudentError as exc:
            self._fatal = exc
            raise

    def _start_once(self) -> WorkerProcess:
        try:
            worker = self.sandbox.start(self.spec)
        except SandboxError as exc:
            # Not the student's fault: grade.py turns this into an error result to regrade.
            raise StudentError("SandboxError", str(exc), Category.SANDBOX) from None
        try:
            worker.channel.send({"op": "hello"})
            answer = worker.channel.recv(timeout=self.import_seconds)
        except ChannelTimeout:
            worker.kill()
            raise StudentError("Timeout", f"the submission took more than {self.import_seconds:g} s to import "
                               "(import time limit); move slow work out of module level", Category.IMPORT) from None
        except (ChannelClosed, ProtocolError) as exc:
            out = worker.output.take(wait=0.5)
            desc = worker.exit_description()
            worker.kill()
            msg = f"the worker {desc} while importing the submission"
            if out.strip():
                msg += f"; it printed:\n{out[-2000:]}"
            raise StudentError("Crash", msg, Category.CRASH) from None
        ok = answer.get("ok") if type(answer) is dict else None
        if type(ok) is not dict:
            worker.kill()
            raise StudentError("ProtocolError", "the worker answered the greeting with something unexpected", Category.PROTOCOL)
        errors = ok.get("import_errors")
        self.import_errors = errors if type(errors) is dict else {}
        return worker

    def enter_hidden(self) -> None:
        """Called before the first hidden test: a fresh worker that has never seen a public test's
        state, and no student output shown from here on (hidden tests report no prints)."""
        if self.hidden_seen:
            return
        self.hidden_seen = True
        if self._starting is not None:
            try:
                self._join_start()
            except StudentError:
                pass  # remembered as fatal
        if self.worker is not None and self._served:
            self.worker.kill()
            self.worker = None
        # a worker no test has used yet (a hidden-only run: a mutation audit, a rerun of the hidden
        # suite) has seen no input and printed nothing to feedback: it serves the hidden tests as is
        self.feeds.clear()
        self.callbacks.clear()

    def fatal_error(self, what: str) -> "StudentError | None":
        """The remembered start-up failure, re-raised for the test at hand."""
        if self._fatal is None:
            return None
        first = self._fatal
        note = " (the worker failed this way when it first started; it is not started again)"
        return StudentError(first.exc_type, first.message + note, first.category, first.student_traceback, what=what)

    def output(self) -> str:
        """What the worker printed since the last call; always empty once hidden inputs were sent."""
        text = self.worker.output.take() if self.worker is not None else ""
        return "" if self.hidden_seen else text

    def kill(self) -> None:
        if self.worker is not None:
            self.worker.kill()
            self.worker = None
            self.restarts += 1

    def restart(self) -> None:
        """End the worker because a test asked for it (`student.restart()`): the next request starts
        a fresh process. Not a failure, so `restarts` (crashes and timeouts) does not count it; a
        worker that could not start stays failed (the next request re-raises that failure)."""
        if self._starting is not None:
            try:
                self._join_start()
            except StudentError:
                pass  # remembered as fatal
        if self.worker is not None:
            self.worker.kill()
            self.worker = None
        self.feeds.clear()
        self.callbacks.clear()

    def close(self) -> None:
        if self._starting is not None:
            self._starting.join()
            self._starting = None
        if self.worker is not None:
            self.worker.kill()
            self.worker = None
        self.sandbox.close()

    def kill_now(self) -> None:
        """From a signal handler: kill the worker and whatever the sandbox still holds, waiting for nothing."""
        worker = self.worker
        if worker is not None:
            worker.kill()
        self.sandbox.close()

    def add_feed(self, feed: "HarnessFeed") -> None:
        self.feeds[feed.id] = feed

    def add_callback(self, callback: "HarnessCallback") -> None:
        self.callbacks[callback.id] = callback

    def _serve_callback(self, payload: Any) -> dict:
        """One call of a harness-side function, recorded and answered here on the trusted side."""
        if type(payload) is not list or len(payload) != 3 or type(payload[0]) is not int:
            return {"error": "malformed callback request"}
        callback = self.callbacks.get(payload[0])
        if callback is None:
            return {"error": "unknown callback (from an earlier test?)"}
        return callback.serve(payload[1], payload[2])

    def _serve_pull(self, feed_id: Any) -> dict:
        """One item of a harness-side iterator, counted here on the trusted side."""
        feed = self.feeds.get(feed_id) if type(feed_id) is int else None
        if feed is None:
            return {"end": None}
        return feed.pull()

    def request(self, message: dict, deadline: "Deadline", what: str) -> Any:
        """Send one request and return the value; raise StudentError for anything else."""
        if self._starting is not None:
            waited = time.monotonic()
            try:
                self._join_start()
            finally:
                deadline.extend(time.monotonic() - waited)  # start-up is not charged to the test
        fatal = self.fatal_error(what)
        if fatal is not None:
            raise fatal
        if self.worker is None:
            started = time.monotonic()
            try:
                self.worker = self._start()
            finally:
                # Starting (and importing the submission) is not charged to the test.
                deadline.extend(time.monotonic() - started)
        worker = self.worker
        self._served = True
        if deadline.overrun():
            raise TestOverrun(deadline.overrun_message())
        remaining = deadline.remaining()
        if remaining <= 0:
            raise StudentError("Timeout", f"your code already used the test's time budget of {deadline.seconds:g} s "
                               "in earlier calls", Category.TIMEOUT, what=what)
        sent = time.monotonic()
        try:
            worker.channel.send(message, where="argument")
            answer = worker.channel.recv(timeout=remaining)
            # Callbacks are answered within the call's budget: the student's code decides how often
            # it calls them, so their time is charged like its own (no way to stall a test for free).
            while type(answer) is dict and len(answer) == 1 and ("pull" in answer or "callback" in answer):
                if "pull" in answer:
                    worker.channel.send(self._serve_pull(answer["pull"]), where="fed item")
                else:
                    worker.channel.send(self._serve_callback(answer["callback"]), where="callback answer")
                answer = worker.channel.recv(timeout=max(remaining - (time.monotonic() - sent), 0.001))
        except UnsupportedType as exc:  # the test passed something the protocol cannot carry
            raise TypeError(f"cannot send {what} to the worker: {exc}") from None
        except ChannelTimeout:
            self.kill()
            raise StudentError(
                "Timeout", f"no answer within the test's time limit of {deadline.seconds:g} s", Category.TIMEOUT, what=what
            ) from None
        except ChannelClosed:
            desc = worker.exit_description()
            self.kill()
            raise StudentError("Crash", f"the worker process {desc}", Category.CRASH, what=what) from None
        except ProtocolError as exc:
            self.kill()
            raise StudentError("ProtocolError", str(exc), Category.PROTOCOL, what=what) from None
        finally:
            deadline.charge(time.monotonic() - sent)
        if type(answer) is not dict or len(answer) != 1:
            self.kill()
            raise StudentError("ProtocolError", "the answer is not a well-formed response", Category.PROTOCOL, what=what)
        if "ok" in answer:
            return answer["ok"]
        err = answer.get("error")
        if type(err) is not dict:
            self.kill()
            raise StudentError("ProtocolError", "the answer is not a well-formed response", Category.PROTOCOL, what=what)
        kind = str(err.get("kind", ""))
        detail = str(err.get("message", ""))
        tb = str(err.get("traceback", ""))
        exc_type = str(err.get("exc_type", ""))[:200]
        if kind == "exception":
            raise StudentError(exc_type or "Exception", detail, Category.EXCEPTION, tb, what=what)
        if kind == "import":
            raise StudentError(
                "ImportError", f"the submission could not be imported: {exc_type}: {detail}", Category.IMPORT, tb, what=what
            )
        if kind == "not_found":
            raise StudentError("NotFound", detail, Category.NOT_FOUND, what=what)
        if kind == "not_data":
            raise StudentError(
                "NotData", f"{detail}. Return plain data (convert objects to lists, dicts, arrays or tensors).",
                Category.NOT_DATA, what=what,
            )
        if kind == "argument":  # the worker could not decode what the test sent: the test's problem
            raise TypeError(f"the worker could not decode the arguments of {what}: {detail}")
        if kind == "too_large":
            raise StudentError("NotData", detail, Category.NOT_DATA, what=what)
        raise StudentError("ProtocolError", f"unexpected error kind {kind!r}", Category.PROTOCOL, what=what)


class HarnessFeed:
    """An iterator that stays in the harness and is lent to the student's code.

    Pass it as an argument (`tok.call_handle("encode_iterable", feed)`): the worker sees an
    ordinary iterator, and every item it draws is pulled from here, so `feed.pulled` counts on
    the trusted side how far the student's code consumed it. Items must be plain data.
    """

    _ids = itertools.count(1)

    def __init__(self, items: Iterable[Any]):
        self.id = next(HarnessFeed._ids)
        self._items = iter(items)
        self.pulled = 0
        self.exhausted = False

    def pull(self) -> dict:
        if self.exhausted:
            return {"end": None}
        try:
            item = next(self._items)
        except StopIteration:
            self.exhausted = True
            return {"end": None}
        self.pulled += 1
        return {"item": item}

    def __repr__(self) -> str:
        return f"<HarnessFeed {self.id}: {self.pulled} pulled>"


class HarnessCallback:
    """A function that stays in the harness and is lent to the student's code.

    Pass it as an argument (or inside a list/dict argument): the worker sees an ordinary callable,
    and every call sends its arguments here, where `fn` answers it. `calls` records the arguments
    of every call **on the trusted side** (count them for a call budget). `fn` receives untrusted
    data: it must check what it is given; an exception it raises reaches the student's code as a
    `HarnessCallbackError` (a RuntimeError) with a one-line message. Its answer must be plain data.
    Its time counts against the call's budget (the student's code decides how often it calls), and
    it cannot be interrupted: keep it fast and bounded on any input.
    """

    _ids = itertools.count(1)

    def __init__(self, fn: Callable[..., Any]):
        self.id = next(HarnessCallback._ids)
        self.fn = fn
        self.calls: list[tuple[list, dict]] = []

    @property
    def count(self) -> int:
        return len(self.calls)

    def serve(self, args: Any, kwargs: Any) -> dict:
        if type(args) is not list or type(kwargs) is not dict or not all(type(k) is str for k in kwargs):
            return {"error": "malformed callback arguments"}
        self.calls.append((args, kwargs))
        try:
            return {"item": self.fn(*args, **kwargs)}
        except Exception as exc:  # noqa: BLE001 - the refusal goes back to the student's code
            return {"error": f"{type(exc).__name__}: {exc}"[:500]}

    def __repr__(self) -> str:
        return f"<HarnessCallback {self.id}: {self.count} calls>"


def _split_target(default_module: str, name: str) -> tuple[str, str]:
    if ":" in name:
        module, _, attr = name.partition(":")
        return module, attr
    return default_module, name


class Remote:
    """A handle to an object that lives in the worker (e.g. the student's Tokenizer)."""

    def __init__(self, student: "Student", handle: Handle, label: str):
        self._student = student
        self.handle = handle
        self._label = label

    def call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        return self._student._request("call", target=self.handle, name=method, args=args, kwargs=kwargs,
                                      what=f"{self._label}.{method}()")

    def call_handle(self, method: str, *args: Any, **kwargs: Any) -> "Remote":
        handle = self._student._request("call", target=self.handle, name=method, args=args, kwargs=kwargs,
                                        returns="handle", what=f"{self._label}.{method}()")
        return Remote(self._student, handle, f"{self._label}.{method}()")

    def iterate(self, method: str, *args: Any, **kwargs: Any) -> list:
        """Call a method that returns an iterator and draw it into a list (in the worker)."""
        return self._student._request("call", target=self.handle, name=method, args=args, kwargs=kwargs,
                                      returns="list", what=f"{self._label}.{method}()")

    def get(self, attribute: str) -> Any:
        return self._student._request("getattr", target=self.handle, name=attribute, what=f"{self._label}.{attribute}")

    def iterator(self) -> "Remote":
        """`iter(obj)` in the worker, kept there: draw items one at a time with `next()`."""
        return self.call_handle("__iter__")

    def next(self) -> Any:
        """`next(obj)` in the worker; the student's StopIteration arrives as a StudentError."""
        return self.call("__next__")

    def __repr__(self) -> str:
        return f"<Remote {self._label}>"


class Student:
    """What a test sees as the `student` fixture. Every call is bounded by the test's deadline."""

    def __init__(self, session: "SessionLike", default_module: str, submission_dir: Path, deadline: Deadline):
        self._session = session
        self.default_module = default_module
        self.submission_dir = Path(submission_dir)
        self.deadline = deadline

    def _request(self, op: str, *, what: str, target: Handle | None = None, name: str = "", module: str = "",
                 args: tuple = (), kwargs: dict | None = None, returns: str = "value", **extra: Any) -> Any:
        message = {"op": op, "name": name, "module": module, "args": list(_unwrap(args)),
                   "kwargs": _unwrap(kwargs or {}), "returns": returns, **extra}
        if target is not None:
            message["target"] = target
        return self._session.request(message, self.deadline, what)

    def call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """Call the student's function `name` ("module:name" for another submitted module)."""
        module, attr = _split_target(self.default_module, name)
        return self._request("call", module=module, name=attr, args=args, kwargs=kwargs, what=f"{attr}()")

    def call_handle(self, name: str, *args: Any, **kwargs: Any) -> Remote:
        """Call `name` and keep its result in the worker; returns a Remote."""
        module, attr = _split_target(self.default_module, name)
        handle = self._request("call", module=module, name=attr, args=args, kwargs=kwargs, returns="handle", what=f"{attr}()")
        return Remote(self, handle, attr)

    def iterate(self, name: str, *args: Any, **kwargs: Any) -> list:
        module, attr = _split_target(self.default_module, name)
        return self._request("call", module=module, name=attr, args=args, kwargs=kwargs, returns="list", what=f"{attr}()")

    def new(self, cls: str, *args: Any, **kwargs: Any) -> Remote:
        """Construct the student's class `cls` in the worker; returns a Remote."""
        return self.call_handle(cls, *args, **kwargs)

    def feed(self, items: Iterable[Any]) -> HarnessFeed:
        """An iterator kept in the harness and lent to the student's code (see HarnessFeed)."""
        feed = HarnessFeed(items)
        self._session.add_feed(feed)
        return feed

    def callback(self, fn: Callable[..., Any]) -> HarnessCallback:
        """A function kept in the harness and lent to the student's code (see HarnessCallback)."""
        callback = HarnessCallback(fn)
        self._session.add_callback(callback)
        return callback

    def http_app(self, factory: str, *args: Any, **kwargs: Any) -> "HttpApp":
        """Build the student's web app (an ASGI app, e.g. FastAPI) in the worker with
        `factory(*args, **kwargs)` and return a client for it: `app.post(path, json=...)` carries
        the request as data and returns an `HttpResponse` (see autograder/harness/http.py)."""
        from autograder.harness.http import http_app

        return http_app(self, factory, *args, **kwargs)

    def probe(self, fn: Callable, *args: Any, **kwargs: Any) -> Any:
        """Run `fn` (a top-level function of the test module) inside the worker; return its data result.

        The probe runs in the student's process, which can rewrite it: use it to reach the
        student's objects, never to decide a verdict on what the student's code did (count pulls
        with `feed`, observe calls through the protocol)."""
        source = textwrap.dedent(inspect.getsource(fn))
        return self._request("probe", name=fn.__name__, source=source, args=args, kwargs=kwargs, what=f"probe {fn.__name__}")

    def restart(self, keep: Iterable[str] = ()) -> None:
        """End the worker now; the next call starts a fresh process that imports the submission anew
        (e.g. to check that a checkpoint saved by one process resumes training in another).

        `keep` names files in the worker's temporary folder (`tmp_path`) to carry across: they are
        read from the old worker, pass through the harness as bytes, and are written into the new
        worker's temporary folder, so the same names work in the local and the Docker sandbox.
        Objects and handles (`Remote`) of the old worker are gone; build them again. Starting the
        new worker is not charged to the test's time budget; moving the files is."""
        names = list(keep)
        for name in names:
            if type(name) is not str or not name or name in (".", "..") or "/" in name or "\\" in name:
                raise ValueError(f"restart(keep=...) takes plain file names in the worker's temporary folder, not {name!r}")
        files = self.probe(_read_tmp_files, names) if names else {}
        if type(files) is not dict or any(type(files.get(n)) is not bytes for n in names):
            raise StudentError("NotData", "the worker did not return the files to keep as bytes", Category.NOT_DATA,
                               what="restart()")
        self._session.restart()
        if names:
            self.probe(_write_tmp_files, {n: files[n] for n in names})

    def tmp_path(self, name: str) -> str:
        """The absolute path of `name` in the current worker's private temporary folder ($TMPDIR: a
        folder of the scratch directory locally, a tmpfs in Docker), where the student's code may
        write. Ask again after `restart()`: a fresh worker may have another folder."""
        return self.probe(_tmp_path, name)

    def source(self, module: str | None = None) -> str:
        """The submitted source of `module` (read here, on the trusted side)."""
        path = self.submission_dir / f"{module or self.default_module}.py"
        return path.read_bytes().decode("utf-8", errors="replace")

    def imports(self, module: str | None = None) -> set[str]:
        """Top-level names of every module the submitted file imports (via an AST scan)."""
        names: set[str] = set()
        try:
            tree = ast.parse(self.source(module))
        except SyntaxError:
            return names
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
            elif isinstance(node, ast.Call) and getattr(node.func, "id", "") == "__import__" and node.args:
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    names.add(first.value.split(".")[0])
        return names


def _tmp_path(name):  # a probe: runs in the worker (see Student.tmp_path)
    import os
    import tempfile
    return os.path.join(tempfile.gettempdir(), name)


def _read_tmp_files(names):  # a probe: runs in the old worker (see Student.restart)
    import os
    import tempfile
    out = {}
    for name in names:
        with open(os.path.join(tempfile.gettempdir(), name), "rb") as f:
            out[name] = f.read()
    return out


def _write_tmp_files(files):  # a probe: runs in the new worker (see Student.restart)
    import os
    import tempfile
    for name, data in files.items():
        with open(os.path.join(tempfile.gettempdir(), name), "wb") as f:
            f.write(data)
    return None


class SessionLike(Protocol):
    """What `Student` needs of a session: send one request, lend a feed or a callback, restart the worker."""

    def request(self, message: dict, deadline: Deadline, what: str) -> Any: ...

    def add_feed(self, feed: HarnessFeed) -> None: ...

    def add_callback(self, callback: HarnessCallback) -> None: ...

    def restart(self) -> None: ...


class GradingSession(SessionLike, Protocol):
    """What the pytest plugin needs of a session: `WorkerSession` (the sandboxed worker) and
    `harness.inprocess.InProcessSession` (the benchmarks' baseline) both provide it."""

    import_errors: dict[str, dict]

    def start_in_background(self) -> None: ...

    def enter_hidden(self) -> None: ...

    def output(self) -> str: ...

    def close(self) -> None: ...

    def kill_now(self) -> None: ...


def _unwrap(value: Any) -> Any:
    """Replace Remote objects inside arguments by their handles."""
    if isinstance(value, Remote):
        return value.handle
    if isinstance(value, HarnessFeed):
        return Feed(value.id)
    if isinstance(value, HarnessCallback):
        return Callback(value.id)
    if type(value) in (list, tuple):
        return type(value)(_unwrap(v) for v in value)
    if type(value) is dict:
        return {k: _unwrap(v) for k, v in value.items()}
    return value
