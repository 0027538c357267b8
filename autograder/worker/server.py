"""The student worker: runs inside the sandbox, loads the student's files, serves calls.

It answers requests from the harness one at a time:

- ``hello``: report which submitted modules imported and why others did not;
- ``call``: call a function of a student module, or a method of an object the
  worker holds, and return the result as data, as a new handle, or as a list
  drawn from an iterator;
- ``getattr``: read an attribute of a held object as data;
- ``probe``: run a small function written by the test author beside the
  student's code and return what it returns;
- ``release``: forget a held object.

Results go back through `autograder.protocol`, which carries data only; a
result of any other type becomes a ``not_data`` error naming the type. Nothing
here is trusted: the student's code runs in this process and may change any of
it. The harness treats every answer as untrusted data.
"""

from __future__ import annotations

import importlib.util
import itertools
import os
import sys
import traceback
from types import FrameType, ModuleType
from typing import Any, Callable

from autograder.channel import Channel, ChannelClosed
from autograder.protocol import Callback, Feed, Handle, ProtocolError, UnsupportedType

MAX_ITEMS = 1_000_000  # cap on items drawn from a returned iterator
MAX_TRACEBACK_CHARS = 4000


class _FeedIterator:
    """The worker's view of an iterator that lives in the harness (a `Feed`).

    Each `next()` sends `{"pull": id}` and waits for `{"item": value}` or `{"end": None}`. The
    harness counts the pulls itself, so what a test measures about laziness cannot be rewritten
    by code running in this process.
    """

    def __init__(self, channel: Channel, feed_id: int):
        self._channel = channel
        self._id = feed_id
        self._done = False

    def __iter__(self) -> "_FeedIterator":
        return self

    def __next__(self) -> Any:
        if self._done:
            raise StopIteration
        _flush_prints()
        self._channel.send({"pull": self._id})
        answer = self._channel.recv()
        if type(answer) is dict and "item" in answer:
            return answer["item"]
        self._done = True
        raise StopIteration


class HarnessCallbackError(RuntimeError):
    """The harness-side function behind a callback refused the call (e.g. bad arguments)."""


class _CallbackFunction:
    """The worker's view of a function that lives in the harness (a `Callback`).

    Each call sends `{"callback": [id, args, kwargs]}` and waits for `{"item": value}` or
    `{"error": message}`. The harness records the calls itself, so a call count or budget a test
    checks cannot be rewritten by code running in this process.
    """

    def __init__(self, channel: Channel, callback_id: int):
        self._channel = channel
        self._id = callback_id

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        _flush_prints()
        try:
            self._channel.send({"callback": [self._id, list(args), kwargs]}, where="callback argument")
        except UnsupportedType as exc:
            raise TypeError(f"a harness callback takes plain data: {exc}") from None
        answer = self._channel.recv()
        if type(answer) is dict and "item" in answer:
            return answer["item"]
        raise HarnessCallbackError(str(answer.get("error", "the harness refused the call"))
                                   if type(answer) is dict else "the harness refused the call")


class _Objects:
    """Objects the worker holds for the harness, named by integer handles."""

    def __init__(self, open_feed: Callable[[int], Any] | None = None,
                 open_callback: Callable[[int], Any] | None = None) -> None:
        self._items: dict[int, Any] = {}
        self._ids = itertools.count(1)
        self.open_feed = open_feed  # Feed id -> the iterator the student's code sees
        self.open_callback = open_callback  # Callback id -> the callable the student's code sees

    def add(self, obj: Any) -> Handle:
        hid = next(self._ids)
        self._items[hid] = obj
        return Handle(hid)

    def get(self, handle: Handle) -> Any:
        try:
            return self._items[handle.id]
        except KeyError:
            raise _NotFound(f"handle {handle.id} is unknown (released, or from a worker that was restarted)") from None

    def release(self, handle: Handle) -> None:
        self._items.pop(handle.id, None)

    def resolve(self, value: Any) -> Any:
        """Replace handles inside arguments by the objects they name."""
        if type(value) is Handle:
            return self.get(value)
        if type(value) is Feed and self.open_feed is not None:
            return self.open_feed(value.id)
        if type(value) is Callback and self.open_callback is not None:
            return self.open_callback(value.id)
        if type(value) is list:
            return [self.resolve(v) for v in value]
        if type(value) is tuple:
            return tuple(self.resolve(v) for v in value)
        if type(value) is dict:
            return {k: self.resolve(v) for k, v in value.items()}
        return value


def _student_traceback(exc: BaseException, submission_dir: str) -> str:
    """The traceback limited to frames in the student's own files (not the kit's)."""
    frames = [
        f for f in traceback.extract_tb(exc.__traceback__)
        if not f.filename.startswith("<") and os.path.abspath(f.filename).startswith(submission_dir + os.sep)
    ]
    lines = traceback.format_list(frames) + traceback.format_exception_only(type(exc), exc)
    text = "".join(lines)
    return text[-MAX_TRACEBACK_CHARS:]


def _error(kind: str, message: str, exc_type: str = "", tb: str = "") -> dict:
    return {"error": {"kind": kind, "exc_type": exc_type, "message": message[:MAX_TRACEBACK_CHARS], "traceback": tb}}


class Worker:
    def __init__(self, channel: Channel | None, submission_dir: str, modules: list[str]):
        """`channel` is None only in-process (harness/inprocess.py), which serves no channel
        and lends feeds itself."""
        self.channel = channel
        self.submission_dir = os.path.abspath(submission_dir)
        self.module_names = modules
        self.modules: dict[str, ModuleType] = {}
        self.import_errors: dict[str, dict] = {}
        self.objects = _Objects(None if channel is None else (lambda feed_id: _FeedIterator(channel, feed_id)),
                                None if channel is None else (lambda cb_id: _CallbackFunction(channel, cb_id)))

    # -- loading -------------------------------------------------------------
    def load_modules(self, allowed: tuple[str, ...] | None = None) -> None:
        """Import the submitted modules. `allowed`: the distributions the assignment lets the
        student's code import (None: no restriction); a missing module they import gets a message
        saying what is allowed."""
        # subtle: the submission folder goes at the END of sys.path, so a file
        # named random.py or json.py can never shadow the standard library.
        sys.path.append(self.submission_dir)
        if allowed is not None:
            sys.meta_path.append(_ImportGuard(self.submission_dir, allowed, self.module_names))
        for name in self.module_names:
            path = os.path.join(self.submission_dir, name + ".py")
            if not os.path.isfile(path):
                self.import_errors[name] = {
                    "exc_type": "FileNotFoundError",
                    "message": f"{name}.py is missing from the submission",
                    "traceback": "",
                }
                continue
            try:
                spec = importlib.util.spec_from_file_location(name, path)
                if spec is None or spec.loader is None:
                    raise ImportError(f"{name}.py cannot be loaded as a module")
                module = importlib.util.module_from_spec(spec)
                sys.modules[name] = module
                spec.loader.exec_module(module)
            except BaseException as exc:  # SyntaxError, ImportError, SystemExit...
                sys.modules.pop(name, None)
                self.import_errors[name] = {
                    "exc_type": type(exc).__name__,
                    "message": str(exc),
                    "traceback": _student_traceback(exc, self.submission_dir),
                }
            else:
                self.modules[name] = module
        torch = sys.modules.get("torch")
        if torch is not None:
            torch.set_num_threads(int(os.environ.get("LLMKIT_THREADS", "2")))

    # -- requests ------------------------------------------------------------
    def _lookup(self, module: str, name: str) -> Any:
        if module not in self.modules:
            if module in self.import_errors:
                err = self.import_errors[module]
                raise _ImportFailed(err)
            raise _NotFound(f"module {module!r} is not part of the submission")
        obj: Any = self.modules[module]
        for part in name.split("."):
            if not hasattr(obj, part):
                raise _NotFound(f"{module}.py has no attribute {name!r}")
            obj = getattr(obj, part)
        return obj

    def _shape_result(self, result: Any, returns: str) -> Any:
        if returns == "handle":
            return self.objects.add(result)
        if returns == "list":
            return list(itertools.islice(iter(result), MAX_ITEMS))
        return result

    def handle(self, request: dict) -> dict:
        op = request.get("op")
        if op == "hello":
            return {"ok": {
                "python": sys.version.split()[0],
                "modules": sorted(self.modules),
                "import_errors": self.import_errors,
            }}
        if op == "release":
            self.objects.release(request["handle"])
            return {"ok": None}
        try:
            if op == "call":
                target = request.get("target")
                if target is not None:
                    obj = self.objects.get(target)
                    fn = getattr(obj, request["name"], None)
                    if fn is None:
                        raise _NotFound(f"{type(obj).__name__} object has no attribute {request['name']!r}")
                else:
                    fn = self._lookup(request["module"], request["name"])
                if not callable(fn):
                    raise _NotFound(f"{request['name']!r} is not callable")
                args = self.objects.resolve(request.get("args", []))
                kwargs = self.objects.resolve(request.get("kwargs", {}))
                result = self._shape_result(fn(*args, **kwargs), request.get("returns", "value"))
            elif op == "getattr":
                obj = self.objects.get(request["target"])
                if not hasattr(obj, request["name"]):
                    raise _NotFound(f"{type(obj).__name__} object has no attribute {request['name']!r}")
                result = getattr(obj, request["name"])
            elif op == "probe":
                namespace: dict[str, Any] = {"__name__": "llmkit_probe"}
                exec(compile(request["source"], "<probe>", "exec"), namespace)
                args = self.objects.resolve(request.get("args", []))
                kwargs = self.objects.resolve(request.get("kwargs", {}))
                result = self._shape_result(namespace[request["name"]](*args, **kwargs), request.get("returns", "value"))
            else:
                return _error("protocol", f"unknown operation {op!r}")
        except _ImportFailed as exc:
            err = exc.args[0]
            return _error("import", err["message"], err["exc_type"], err["traceback"])
        except _NotFound as exc:
            return _error("not_found", str(exc))
        except BaseException as exc:  # the student's code raised (SystemExit included)
            return _error("exception", str(exc), type(exc).__name__, _student_traceback(exc, self.submission_dir))
        return {"ok": result}

    def serve(self) -> None:
        channel = self.channel
        if channel is None:
            raise RuntimeError("serve() needs a channel; an in-process worker is driven through handle()")
        while True:
            try:
                request = channel.recv()
            except ChannelClosed:
                return
            except ProtocolError as exc:  # the frame was read whole; its content is not for this worker
                channel.send(_error("argument", str(exc)))
                continue
            response = self.handle(request) if type(request) is dict else _error("protocol", "request is not a dict")
            _flush_prints()
            try:
                channel.send(response, where="result")
            except UnsupportedType as exc:
                message = str(exc).replace("result['ok']", "the returned value", 1)
                channel.send(_error("not_data", message))
            except ProtocolError as exc:
                channel.send(_error("too_large", str(exc)))
            except Exception as exc:  # encoding ran student code (a tensor subclass, say) that raised
                channel.send(_error("not_data", f"the returned value could not be encoded "
                                                     f"({type(exc).__name__}: {exc})"))


def _flush_prints() -> None:
    """Push what the student printed into the captured pipe before answering."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass


class PolicyError(RuntimeError):
    """A banned callable was called (the assignment's import policy)."""


def stub_banned_names(names: list[str]) -> list[str]:
    """Replace each banned callable (e.g. torch.nn.functional.scaled_dot_product_attention) by a stub
    that raises PolicyError, before the student's modules load; returns the names replaced.

    A deterrent with a clear message, not the boundary: the static check on the trusted side
    decides the verdict. Modules and names whose package is not installed are left alone."""
    replaced = []
    for name in names:
        parts = name.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            try:
                owner: Any = importlib.import_module(".".join(parts[:cut]))
            except Exception:  # not installed (e.g. outside this environment), or no such module
                continue
            try:
                for attr in parts[cut:-1]:
                    owner = getattr(owner, attr)
                target = getattr(owner, parts[-1])
            except AttributeError:
                break
            if isinstance(target, ModuleType) or not callable(target):
                break
            try:
                setattr(owner, parts[-1], _policy_stub(name))
                replaced.append(name)
            except (AttributeError, TypeError):
                pass
            break
    return replaced


def _policy_stub(name: str) -> Callable[..., Any]:
    def banned(*args: Any, **kwargs: Any) -> Any:
        raise PolicyError(f"{name} is not allowed in this assignment (see 'Allowed imports' in the handout)")

    banned.__name__ = banned.__qualname__ = name.rsplit(".", 1)[-1]
    return banned


class _ImportFailed(Exception):
    pass


class _NotFound(Exception):
    pass


class _ImportGuard:
    """Last on sys.meta_path: a top-level module that no other finder found, imported by the
    student's code, fails with a message saying what the assignment allows. It only explains: the
    module is absent from the worker's environment anyway. Imports made by libraries (an optional
    dependency probed with try/except) and `importlib.util.find_spec` probes behave as usual."""

    def __init__(self, submission_dir: str, allowed: tuple[str, ...], own_modules: list[str]):
        self.submission_dir = submission_dir
        self.own_modules = set(own_modules)
        parts = ["the standard library", *sorted({a.strip().lower() for a in allowed if a.strip()})]
        self.what = (parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]) + " only"

    def _student_importer(self) -> str | None:
        """The student's file doing this import, or None when it is not the student's code."""
        frame: FrameType | None = sys._getframe(2)
        while frame is not None:
            filename = frame.f_code.co_filename
            if filename == "<frozen importlib.util>" or (
                    os.path.basename(os.path.dirname(filename)) == "importlib" and os.path.basename(filename) == "util.py"):
                return None  # importlib.util.find_spec: a probe, which must keep returning None
            if filename.startswith("<frozen importlib") or os.path.basename(os.path.dirname(filename)) == "importlib":
                frame = frame.f_back  # the import system itself, importlib.import_module
                continue
            path = os.path.abspath(filename)
            if path.startswith(self.submission_dir + os.sep):
                return os.path.relpath(path, self.submission_dir)
            return None
        return None

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> None:
        if path is not None or "." in fullname or fullname in self.own_modules:
            return None
        if fullname in sys.stdlib_module_names:
            return None
        importer = self._student_importer()
        if importer is None:
            return None
        raise ModuleNotFoundError(
            f"{importer} imports {fullname!r}, which this assignment does not allow: the worker has "
            f"{self.what} (see 'Allowed imports' in the handout)", name=fullname)


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(description="llmkit student worker (started by a sandbox backend)")
    parser.add_argument("--read-fd", type=int, help="protocol input (default with --stdio: stdin)")
    parser.add_argument("--write-fd", type=int, help="protocol output (default with --stdio: stdout)")
    parser.add_argument("--stdio", action="store_true",
                        help="speak the protocol on stdin/stdout and send the student's prints to stderr "
                             "(used inside containers, where no extra descriptors can be passed)")
    parser.add_argument("--dir", required=True, help="folder holding the submitted files")
    parser.add_argument("--modules", default="", help="comma-separated module names to import")
    parser.add_argument("--max-bytes", type=int, default=64 * 1024 * 1024)
    parser.add_argument("--banned", default="",
                        help="comma-separated qualified names the assignment's policy bans; replaced by stubs")
    parser.add_argument("--allowed", default=None,
                        help="comma-separated distributions the student's code may import besides the standard "
                             "library (the manifest's [environment] packages); absent: no restriction")
    opts = parser.parse_args(argv)
    if opts.stdio:
        # subtle: keep private copies of stdin/stdout for the protocol, then point
        # fd 0 at /dev/null and fd 1 at stderr, so print() can never corrupt a frame.
        read_fd, write_fd = os.dup(0), os.dup(1)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.dup2(2, 1)
        os.close(devnull)
    elif opts.read_fd is None or opts.write_fd is None:
        parser.error("give --read-fd and --write-fd, or --stdio")
    else:
        read_fd, write_fd = opts.read_fd, opts.write_fd
    channel = Channel(read_fd, write_fd, opts.max_bytes)
    worker = Worker(channel, opts.dir, [m for m in opts.modules.split(",") if m])
    os.chdir(worker.submission_dir)
    stub_banned_names([n for n in opts.banned.split(",") if n])
    worker.load_modules(None if opts.allowed is None else tuple(a for a in opts.allowed.split(",") if a))
    worker.serve()
