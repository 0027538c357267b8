"""The llmkit pytest plugin: markers, the `student` and `credit` fixtures, per-test results.

Registered through the `pytest11` entry point, so a student running plain
`pytest` in an assignment folder gets exactly the harness the grader uses.
It stays inert for tests that use neither fixture nor marker.

Hooks appear in lifecycle order: options -> configure -> collection ->
per-test reports -> terminal summary -> unconfigure. When `--llmkit-results`
is given, every collected test id is written first and each result is
appended (and flushed) as soon as the test ends, so a grader that dies
mid-run loses nothing already decided and the missing tests fail closed.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from autograder.harness.client import Deadline, GradingSession, Student, StudentError, TestOverrun, WorkerSession
from autograder.harness.feedback import TestRecord, hidden_feedback, public_feedback, visibility_of
from autograder.manifest import Manifest, find_assignment_dir, load_manifest
from autograder.outcomes import Category
from autograder.sandbox import get_sandbox
from autograder.sandbox.base import Limits, WorkerSpec

if TYPE_CHECKING:
    from autograder.policy import Violation

POINTS_HELP = "points(n): the test is worth n points (required on every graded test)"
LIMITS_HELP = ("limits(seconds=s, test_seconds=t): wall-clock budget of the student's calls in this test (only the "
               "time spent waiting for the student's answers counts); test_seconds bounds the whole test "
               "(default 10 x s + 60; running past it is a grader problem)")


@dataclass
class Settings:
    submission: Path | None
    sandbox: str
    results: Path | None
    gpu: str | None = None
    scratch: Path | None = None
    sessions: dict[Path, GradingSession] = field(default_factory=dict)  # assignment dir -> session
    violations: dict[Path, list[Violation]] = field(default_factory=dict)  # assignment dir -> policy violations
    manifests: dict[Path, Manifest] = field(default_factory=dict)  # assignment dir -> Manifest
    records: list[TestRecord] = field(default_factory=list)


SETTINGS = pytest.StashKey[Settings]()
RECORD = pytest.StashKey[dict]()
CREDIT = pytest.StashKey["Credit"]()


class Credit:
    """Partial credit: `credit.set(0.5)` makes the test worth half its points."""

    def __init__(self) -> None:
        self.fraction: float | None = None

    def set(self, fraction: float) -> None:
        if not 0.0 <= float(fraction) <= 1.0:
            raise ValueError(f"credit fraction must be within [0, 1], got {fraction}")
        self.fraction = float(fraction)


# -- options and configuration ------------------------------------------------

def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("llmkit", "llmkit grading harness")
    group.addoption("--llmkit-submission", default=None,
                    help="folder holding the submitted files (default: the assignment folder itself)")
    group.addoption("--llmkit-sandbox", default="local", choices=("local", "docker", "inprocess"),
                    help="where student code runs (inprocess is for benchmarks only: no isolation)")
    group.addoption("--llmkit-results", default=None,
                    help="append per-test results as JSON lines to this file")
    group.addoption("--llmkit-gpu", default=None,
                    help="GPU device index given to the worker (set by the grader's GPU pool)")
    group.addoption("--llmkit-scratch", default=None,
                    help="folder for the sandbox's scratch copies of the submission (default: the temp folder); "
                         "the grader passes one it deletes whatever happens")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", POINTS_HELP)
    config.addinivalue_line("markers", LIMITS_HELP)
    sub = config.getoption("--llmkit-submission")
    results = config.getoption("--llmkit-results")
    config.stash[SETTINGS] = Settings(
        submission=Path(sub).resolve() if sub else None,
        sandbox=config.getoption("--llmkit-sandbox"),
        results=Path(results) if results else None,
        gpu=config.getoption("--llmkit-gpu"),
        scratch=Path(config.getoption("--llmkit-scratch")) if config.getoption("--llmkit-scratch") else None,
    )
    _clean_up_on_sigterm(config)


def _clean_up_on_sigterm(config: pytest.Config) -> None:
    """A grader that stops this session with SIGTERM (its timeout) gets the workers and their
    containers removed before the process ends; results already written stay written."""
    if threading.current_thread() is not threading.main_thread():
        return

    def stop(signum, frame) -> None:
        settings = config.stash.get(SETTINGS, None)
        for session in list(settings.sessions.values()) if settings else []:
            try:
                session.kill_now()
            except Exception:
                pass
        os._exit(128 + signum)

    signal.signal(signal.SIGTERM, stop)


def _write(settings: Settings, record: dict) -> None:
    if settings.results is None:
        return
    # 0600: only the grader's uid may read or append (a worker runs as another uid under root)
    fd = os.open(settings.results, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with open(fd, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(record) + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def _is_graded(item: pytest.Item) -> bool:
    return item.get_closest_marker("points") is not None or "student" in getattr(item, "fixturenames", ())


def _points(item: pytest.Item) -> float:
    marker = item.get_closest_marker("points")
    if marker is None or not marker.args:
        return 0.0
    return float(marker.args[0])


def _doc(item: pytest.Item) -> str:
    doc = getattr(getattr(item, "function", None), "__doc__", None) or ""
    return " ".join(doc.strip().split("\n\n")[0].split())


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    """Public tests run before hidden ones (order otherwise kept), so the worker that prints
    public feedback has never seen a hidden input; the hidden suite gets a fresh worker."""
    items.sort(key=lambda item: visibility_of(item.nodeid) == "hidden")


def pytest_collection_finish(session: pytest.Session) -> None:
    settings = session.config.stash[SETTINGS]
    tests = [
        {"id": item.nodeid, "points": _points(item), "visibility": visibility_of(item.nodeid), "doc": _doc(item)}
        for item in session.items if _is_graded(item)
    ]
    _write(settings, {"kind": "collected", "tests": tests, "time": time.time()})


# -- fixtures -----------------------------------------------------------------

def _assignment(settings: Settings, path: Path) -> tuple[Path, Manifest]:
    folder = find_assignment_dir(path.parent)
    if folder is None:
        raise pytest.UsageError(f"{path}: no manifest.toml in this folder or above; the student fixture needs one")
    if folder not in settings.manifests:
        settings.manifests[folder] = load_manifest(folder)
    return folder, settings.manifests[folder]


def _violations(settings: Settings, folder: Path, manifest: Manifest) -> list:
    """The submission's import-policy violations (checked once, here on the trusted side, over
    every submitted file together); recorded once so results.json and the staff report show them."""
    if folder not in settings.violations:
        from autograder.policy import check_policy

        found = []
        if manifest.policy:
            submission = settings.submission or folder
            sources = {}
            for name in manifest.submission.files:
                path = submission / name
                if path.is_file():
                    sources[name] = path.read_bytes().decode("utf-8", errors="surrogateescape")
            found = check_policy(sources, manifest.policy)
        settings.violations[folder] = found
        if found:
            _write(settings, {"kind": "policy", "violations": [v.message() for v in found]})
    return settings.violations[folder]


def _policy_hits(settings: Settings, item: pytest.Item) -> list:
    """Violations whose rule guards this test (such a test scores zero whatever it observed)."""
    from autograder.policy import guarded

    folder = find_assignment_dir(Path(str(item.path)).parent)
    if folder is None:
        return []
    folder, manifest = _assignment(settings, folder / "manifest.toml")
    return guarded(item.nodeid, _violations(settings, folder, manifest))


def _session(settings: Settings, folder: Path, manifest: Manifest) -> GradingSession:
    if folder not in settings.sessions:
        submission = settings.submission or folder
        if settings.sandbox == "inprocess":
            from autograder.harness.inprocess import InProcessSession

            settings.sessions[folder] = InProcessSession(submission, manifest.modules)
        else:
            spec = WorkerSpec(
                submission_dir=submission,
                modules=manifest.modules,
                limits=Limits(memory_mb=manifest.limits.memory_mb),
                gpu_device=settings.gpu,
                packages=manifest.environment.packages,
                banned=tuple(sorted({name for rule in manifest.policy for name in rule.banned_names})),
            )
            sandbox = get_sandbox(settings.sandbox, gpu=settings.gpu is not None, scratch_root=settings.scratch)
            settings.sessions[folder] = WorkerSession(sandbox, spec, import_seconds=manifest.limits.import_seconds)
    return settings.sessions[folder]


@pytest.fixture
def student(request: pytest.FixtureRequest):
    """The student's code, reached through the sandboxed worker (see docs/authoring.md)."""
    settings = request.config.stash[SETTINGS]
    folder, manifest = _assignment(settings, request.path)
    session = _session(settings, folder, manifest)
    if visibility_of(request.node.nodeid) == "hidden":
        session.enter_hidden()
    marker = request.node.get_closest_marker("limits")
    seconds = float(marker.kwargs.get("seconds", manifest.limits.test_seconds)) if marker else manifest.limits.test_seconds
    test_seconds = marker.kwargs.get("test_seconds") if marker else None
    deadline = Deadline(seconds, float(test_seconds) if test_seconds is not None else None)
    request.node.stash.setdefault(RECORD, {})["deadline"] = deadline
    yield Student(session, manifest.modules[0], settings.submission or folder, deadline)
    request.node.stash.setdefault(RECORD, {})["printed"] = session.output()


@pytest.fixture
def device(request: pytest.FixtureRequest) -> str:
    """The torch device the student's code should use: "cuda" when the grader gave this run a GPU
    (the worker then sees exactly that one, as device 0), else "cpu". Tests of `gpu = "optional"`
    assignments pass it to the student's functions, so one test runs on either."""
    return "cuda" if request.config.stash[SETTINGS].gpu is not None else "cpu"


@pytest.fixture
def credit(request: pytest.FixtureRequest) -> Credit:
    """Partial credit for the current test."""
    value = Credit()
    request.node.stash[CREDIT] = value
    return value


# -- results ------------------------------------------------------------------

@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    if not _is_graded(item):
        return report
    state = item.stash.setdefault(RECORD, {})
    if report.when == "call" or (report.when == "setup" and not report.passed):
        state["phase_report"] = (report.outcome, call.excinfo, call.duration)
        state["phase"] = report.when
    if report.when == "teardown":
        _finish(item, report, state)
    return report


def _finish(item: pytest.Item, teardown_report: pytest.TestReport, state: dict) -> None:
    settings = item.config.stash[SETTINGS]
    points = _points(item)
    visibility = visibility_of(item.nodeid)
    outcome, excinfo, duration = state.get("phase_report", ("skipped", None, 0.0))
    credit = item.stash.get(CREDIT, None)
    fraction = credit.fraction if credit is not None else None
    printed = state.get("printed", "")
    hits = _policy_hits(settings, item)
    if hits:
        status, category, score = "failed", Category.POLICY, 0.0
        text = f"Checks: {_doc(item) or '(no description)'}\nResult: failed: {hits[0].message()}"
        record = TestRecord(id=item.nodeid, name=item.name, points=points, score=0.0, status=status,
                            category=category, visibility=visibility, output=text, duration=round(duration, 4))
        settings.records.append(record)
        _write(settings, {"kind": "result", **record.to_json()})
        return
    if outcome == "passed" and teardown_report.passed:
        status, category = "passed", Category.OK
        score = points * (1.0 if fraction is None else fraction)
    else:
        status = "failed"
        score = points * (fraction or 0.0)
        if outcome == "skipped":
            category = Category.SKIPPED
        elif excinfo is None:
            category = Category.ERROR
        elif isinstance(excinfo.value, StudentError):
            category = excinfo.value.category
        elif state.get("phase") == "setup":
            category = Category.SETUP  # a fixture of the test failed: not the student's doing
        elif isinstance(excinfo.value, AssertionError):
            category = Category.WRONG
        else:
            category = Category.ERROR
        if category in (Category.WRONG, Category.ERROR) and _import_failed(settings, item):
            category = Category.IMPORT  # e.g. pytest.raises(StudentError) met an import error instead
        deadline = state.get("deadline")
        if (excinfo is not None and isinstance(excinfo.value, TestOverrun)) or (deadline is not None and deadline.overrun()):
            category = Category.SETUP  # the test's own code ran away: a grader problem, never the student's
    if visibility == "hidden":
        output = hidden_feedback(_doc(item), status, category, excinfo)
    else:
        output = public_feedback(_doc(item), status, category, excinfo, printed, test_path=str(item.path))
    record = TestRecord(
        id=item.nodeid, name=item.name, points=points, score=round(score, 6), status=status,
        category=category, visibility=visibility, output=output, duration=round(duration, 4),
    )
    settings.records.append(record)
    _write(settings, {"kind": "result", **record.to_json()})


def _import_failed(settings: Settings, item: pytest.Item) -> bool:
    folder = find_assignment_dir(Path(str(item.path)).parent)
    session = settings.sessions.get(folder) if folder is not None else None
    return bool(session is not None and session.import_errors)


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    settings = config.stash[SETTINGS]
    if not settings.records:
        return
    from autograder.harness.feedback import format_table

    terminalreporter.write_sep("=", "llmkit score")
    terminalreporter.write_line(format_table(settings.records))


def pytest_sessionstart(session: pytest.Session) -> None:
    """Start the worker of each assignment on the command line before collection: the worker
    imports the submission while pytest imports the test modules and their oracles."""
    config = session.config
    settings = config.stash.get(SETTINGS, None)
    if settings is None or settings.sandbox == "inprocess" or config.option.collectonly:
        return
    for arg in config.args:
        path = Path(arg.split("::")[0])
        folder = find_assignment_dir(path if path.is_dir() else path.parent)
        if folder is None or folder in settings.sessions:
            continue
        try:
            folder, manifest = _assignment(settings, folder / "manifest.toml")
            _session(settings, folder, manifest).start_in_background()
        except Exception:  # a broken manifest or sandbox is reported by the first test that needs it
            continue


def pytest_unconfigure(config: pytest.Config) -> None:
    settings = config.stash.get(SETTINGS, None)
    if settings is None:
        return
    for session in settings.sessions.values():
        session.close()
    if settings.results is not None:
        _write(settings, {"kind": "finished", "time": time.time()})
