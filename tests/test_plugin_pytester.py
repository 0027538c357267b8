"""Black-box tests of the pytest plugin (autograder/harness/plugin.py), run the way grade.py runs it.

Each test writes a tiny assignment into pytester's temporary folder (manifest.toml, a student
module, tests/public and tests/hidden), runs pytest in a subprocess with only the llmkit plugin
(`-p autograder.harness.plugin`, plugin autoloading off, the local sandbox) and reads the JSON-lines
records file the plugin writes, as autograder/results.py does.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from autograder.grade import PYTEST_INI
from autograder.results import assemble, read_records

pytest_plugins = ["pytester"]

MANIFEST = """\
id = "99-tiny"
title = "Tiny assignment of the plugin's own tests"
phase = 1
topic = 1

[submission]
files = ["tiny.py"]

[limits]
test_seconds = 5
memory_mb = 2048
suite_seconds = 60
"""

STUDENT = """\
import time

def add(a, b):
    print("add was called")
    return a + b

def wrong(a, b):
    return a - b

def boom():
    raise ValueError("student says no")

def slow():
    time.sleep(30)
    return 1

def shout(text):
    print("SECRET-HIDDEN-PRINT " + text)
    return text.upper()
"""

PUBLIC = '''\
import pytest

@pytest.mark.points(2)
def test_add(student):
    """add() adds two numbers."""
    assert student.call("add", 2, 3) == 5

@pytest.mark.points(1)
def test_wrong(student):
    """wrong() also adds."""
    assert student.call("wrong", 2, 3) == 5

@pytest.mark.points(1)
def test_exception(student):
    """boom() returns quietly."""
    assert student.call("boom") is None

@pytest.mark.points(1)
def test_not_found(student):
    """missing() exists."""
    assert student.call("missing") == 1

@pytest.mark.points(1)
@pytest.mark.limits(seconds=0.5)
def test_timeout(student):
    """slow() answers within half a second."""
    assert student.call("slow") == 1

@pytest.mark.points(4)
def test_partial(student, credit):
    """Three of four checks pass: three quarters of the points."""
    credit.set(0.75)
    assert student.call("add", 1, 1) == 2
'''

HIDDEN = '''\
import pytest

@pytest.mark.points(3)
def test_hidden_shout(student):
    """shout() upper-cases its input."""
    assert student.call("shout", "abc") == "ABC"

@pytest.mark.points(1)
def test_hidden_wrong(student):
    """shout() upper-cases, hidden edition."""
    assert student.call("shout", "xyz") == "nope"
'''


def _assignment(pytester: pytest.Pytester, *, student: str = STUDENT, public: str = PUBLIC,
                hidden: str = HIDDEN) -> Path:
    base = pytester.path / "99-tiny"
    (base / "tests" / "public").mkdir(parents=True)
    (base / "tests" / "hidden").mkdir(parents=True)
    (base / "manifest.toml").write_text(MANIFEST, encoding="utf-8")
    (base / "tiny.py").write_text(student, encoding="utf-8")
    (base / "tests" / "public" / "test_public.py").write_text(public, encoding="utf-8")
    (base / "tests" / "hidden" / "test_hidden.py").write_text(hidden, encoding="utf-8")
    return base


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """The environment grade.run_suite gives the session: no plugin but llmkit's."""
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    return monkeypatch


def _run(pytester: pytest.Pytester, base: Path, *paths: str, options: tuple[str, ...] = ()) -> tuple[pytest.RunResult, Path]:
    """Run the suite as grade.run_suite does: the plugin alone, its ini file, the local sandbox."""
    records = pytester.path / "records.jsonl"
    result = pytester.runpytest_subprocess(
        *(str(base / p) for p in (paths or ("tests/public", "tests/hidden"))),
        "-p", "autograder.harness.plugin", "-c", str(PYTEST_INI), "--rootdir", str(base),
        "--llmkit-submission", str(base), "--llmkit-results", str(records), "--llmkit-sandbox", "local",
        *options, timeout=120,
    )
    return result, records


def _lines(records: Path) -> list[dict]:
    return [json.loads(line) for line in records.read_text(encoding="utf-8").splitlines() if line.strip()]


def _results(records: Path) -> dict[str, dict]:
    return {r["name"]: r for r in _lines(records) if r["kind"] == "result"}


def test_categories_scores_and_order(pytester: pytest.Pytester, env: pytest.MonkeyPatch) -> None:
    base = _assignment(pytester)
    result, records = _run(pytester, base)
    assert result.ret == 1, result.stdout.str()
    lines = _lines(records)
    assert lines[0]["kind"] == "collected" and lines[-1]["kind"] == "finished"
    collected = [t["id"] for t in lines[0]["tests"]]
    assert len(collected) == 8
    # public tests run (and are listed) before hidden ones
    assert [t["visibility"] for t in lines[0]["tests"]] == ["public"] * 6 + ["hidden"] * 2
    order = [r["name"] for r in lines if r["kind"] == "result"]
    assert order.index("test_hidden_shout") > max(order.index(n) for n in ("test_add", "test_partial"))

    res = _results(records)
    assert (res["test_add"]["status"], res["test_add"]["category"], res["test_add"]["score"]) == ("passed", "ok", 2.0)
    assert res["test_wrong"]["category"] == "wrong" and res["test_wrong"]["score"] == 0.0
    assert res["test_exception"]["category"] == "exception"
    assert "student says no" in res["test_exception"]["output"]
    assert res["test_not_found"]["category"] == "not_found"
    assert res["test_timeout"]["category"] == "timeout"  # @pytest.mark.limits(seconds=0.5)
    assert res["test_partial"]["status"] == "passed" and res["test_partial"]["score"] == 3.0  # credit.set(0.75)
    assert res["test_hidden_shout"]["score"] == 3.0 and res["test_hidden_wrong"]["category"] == "wrong"
    assert {r["visibility"] for n, r in res.items() if n.startswith("test_hidden")} == {"hidden"}

    # public feedback carries the student's prints; hidden feedback carries none, and no hidden input
    assert "add was called" in res["test_add"]["output"]
    for name in ("test_hidden_shout", "test_hidden_wrong"):
        assert "SECRET-HIDDEN-PRINT" not in res[name]["output"]
        assert "xyz" not in res[name]["output"] and "nope" not in res[name]["output"]
    assert "SECRET-HIDDEN-PRINT" not in records.read_text(encoding="utf-8")

    summary = assemble("99-tiny", "s1", records)
    assert summary.score == 2.0 + 3.0 + 3.0 and summary.max_score == 14.0


def test_import_error_fails_every_test_with_import(pytester: pytest.Pytester, env: pytest.MonkeyPatch) -> None:
    base = _assignment(pytester, student="def add(a, b):\n    return a +\n")
    _, records = _run(pytester, base, "tests/public")
    res = _results(records)
    assert len(res) == 6
    assert {r["category"] for r in res.values()} == {"import"}
    assert {r["status"] for r in res.values()} == {"failed"}
    # a failed test keeps only the credit it set before failing (test_partial: 0.75 x 4)
    assert {n: r["score"] for n, r in res.items() if r["score"]} == {"test_partial": 3.0}
    assert "SyntaxError" in res["test_add"]["output"]


def test_a_session_killed_mid_run_fails_closed(pytester: pytest.Pytester, env: pytest.MonkeyPatch) -> None:
    """A grader process killed during a test writes no result for it (nor for the tests after
    it); assemble() turns every test without a result into a failed `missing` one."""
    public = PUBLIC + textwrap.dedent('''
        @pytest.mark.points(5)
        def test_zz_killed(student):
            """The grading session dies here."""
            import os, signal
            student.call("add", 1, 1)
            os.kill(os.getpid(), signal.SIGKILL)
        ''')
    base = _assignment(pytester, public=public)
    result, records = _run(pytester, base)
    assert result.ret != 0
    lines = _lines(records)
    assert lines[-1]["kind"] != "finished"
    res = _results(records)
    assert "test_add" in res and "test_zz_killed" not in res and "test_hidden_shout" not in res
    collected, results, _ = read_records(records)
    assert collected is not None and len(collected) == 9 and len(results) == 6

    summary = assemble("99-tiny", "s1", records)
    by_name = {t.name: t for t in summary.tests}
    for name in ("test_zz_killed", "test_hidden_shout", "test_hidden_wrong"):
        assert (by_name[name].status, by_name[name].category, by_name[name].score) == ("failed", "missing", 0.0)
    assert by_name["test_add"].score == 2.0
    assert summary.max_score == 19.0


def test_device_fixture_names_the_device_the_grader_gave(pytester: pytest.Pytester, env: pytest.MonkeyPatch) -> None:
    """`device` is "cpu" without a GPU and "cuda" when the GPU pool hands the run a device."""
    public = 'import pytest\n\n@pytest.mark.points(1)\ndef test_device(device):\n    print("DEVICE=" + device)\n    assert device == "cpu"\n'
    base = _assignment(pytester, public=public, hidden="")
    _, records = _run(pytester, base, "tests/public")
    assert _results(records)["test_device"]["status"] == "passed"
    _, records = _run(pytester, base, "tests/public", options=("--llmkit-gpu", "0"))
    assert _results(records)["test_device"]["category"] == "wrong"  # device == "cuda" there


RESTART_STUDENT = """\
import os

COUNT = 0
PROCESS = os.urandom(8).hex()  # a new one per process (a pid repeats across containers: each worker is pid 6)

def bump():
    global COUNT
    COUNT += 1
    return [PROCESS, COUNT]

def save(path, text):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)

def load(path):
    with open(path, encoding="utf-8") as f:
        return f.read()

class Box:
    def value(self):
        return 7
"""

RESTART_PUBLIC = '''\
import pytest
from autograder.harness import StudentError

@pytest.mark.points(1)
def test_restart_gives_a_fresh_process_and_keeps_files(student):
    """restart() replaces the worker; files named in keep= cross to the new one."""
    pid, count = student.call("bump")
    assert student.call("bump") == [pid, 2]
    box = student.new("Box")
    path = student.tmp_path("state.txt")
    student.call("save", path, "saved by the first worker")
    student.restart(keep=["state.txt"])
    new_pid, new_count = student.call("bump")
    assert new_pid != pid and new_count == 1          # a new process: module state is fresh
    assert student.call("load", student.tmp_path("state.txt")) == "saved by the first worker"
    with pytest.raises(StudentError) as err:          # handles of the old worker are gone
        box.call("value")
    assert err.value.exc_type == "NotFound"
    student.restart()                                  # nothing kept: the file is gone too
    with pytest.raises(StudentError) as err:
        student.call("load", student.tmp_path("state.txt"))
    assert err.value.exc_type == "FileNotFoundError"

@pytest.mark.points(1)
def test_keep_refuses_paths(student):
    """keep= takes plain file names of the worker's temporary folder."""
    with pytest.raises(ValueError):
        student.restart(keep=["../escape.txt"])

@pytest.mark.points(1)
def test_keep_of_a_missing_file_fails_the_test(student):
    """A file to keep that the student's code never wrote fails like the student's exception."""
    with pytest.raises(StudentError) as err:
        student.restart(keep=["never-written.bin"])
    assert err.value.exc_type == "FileNotFoundError"
'''


def test_restart_starts_a_fresh_worker_and_carries_kept_files(pytester: pytest.Pytester, env: pytest.MonkeyPatch) -> None:
    """`student.restart(keep=...)`: a fresh worker process on the next call (module state, handles
    gone), the named files of the worker's temporary folder carried across as bytes."""
    base = _assignment(pytester, student=RESTART_STUDENT, public=RESTART_PUBLIC, hidden="")
    result, records = _run(pytester, base, "tests/public")
    res = _results(records)
    assert {n: r["status"] for n, r in res.items()} == {
        "test_restart_gives_a_fresh_process_and_keeps_files": "passed",
        "test_keep_refuses_paths": "passed",
        "test_keep_of_a_missing_file_fails_the_test": "passed",
    }, result.stdout.str()


def test_inprocess_session_refuses_restart(tmp_path: Path) -> None:
    """The in-process session (benchmarks) cannot restart a process: it says so instead of pretending."""
    from autograder.harness.client import Deadline, Student
    from autograder.harness.inprocess import InProcessSession

    (tmp_path / "tiny.py").write_text(RESTART_STUDENT, encoding="utf-8")
    session = InProcessSession(tmp_path, ("tiny",))
    student = Student(session, "tiny", tmp_path, Deadline(5))
    assert student.call("bump")[1] == 1
    with pytest.raises(RuntimeError, match="in-process"):
        student.restart()


def test_restart_carries_kept_files_in_docker_too(pytester: pytest.Pytester, env: pytest.MonkeyPatch, docker_ready) -> None:
    """The same restart test in the Docker sandbox, where the submission folder is read-only and the
    temporary folder is a tmpfs that dies with its container: kept files still cross."""
    base = _assignment(pytester, student=RESTART_STUDENT, public=RESTART_PUBLIC, hidden="")
    result, records = _run(pytester, base, "tests/public", options=("--llmkit-sandbox", "docker"))
    assert {r["status"] for r in _results(records).values()} == {"passed"}, result.stdout.str()
    assert len(_results(records)) == 3
