"""Regression tests for the five verdict-integrity holes an outside red team found under Docker.

1. an empty array passed `== pytest.approx(scalar)`            -> test_empty_arrays_score_nothing
2. probes running in the worker could be rewritten               -> test_laziness_is_counted_by_the_harness
3. hidden inputs leaked through public tests' printed output     -> test_hidden_inputs_never_reach_feedback
4. an import-time hang was paid for once per test                -> test_import_hang_costs_one_import_limit
5. a session stopped by its timeout left its container and copy  -> test_session_timeout_leaves_nothing,
                                                                    test_sigkilled_session_is_swept_next_start

Each runs under the Docker sandbox (CI requires an engine: see tests/conftest.py), on the
91-stream scenario (standard library only) or 90-calc (numpy).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

import autograder.grade as grade
from autograder.catalog import resolve
from autograder.grade import PYTEST_INI, grade_submission
from autograder.sandbox.docker import LABEL, DockerSandbox

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
STREAM = (SCENARIOS / "integrity" / "solutions" / "91-stream" / "stream.py").read_text()
CALC = (SCENARIOS / "kit" / "solutions" / "90-calc" / "calc.py").read_text()
OVERHEAD_SECONDS = 30


@pytest.fixture(scope="module")
def stream_assignment():
    return resolve("91-stream", root=SCENARIOS / "integrity")


@pytest.fixture(scope="module")
def calc_assignment():
    return resolve("90-calc", root=SCENARIOS / "kit")


def _grade(assignment, source: str, tmp_path: Path, name: str, module: str, sandbox: str = "docker"):
    folder = tmp_path / name
    folder.mkdir()
    (folder / f"{module}.py").write_text(source)
    return grade_submission(assignment=assignment, source=folder, out_dir=tmp_path / f"{name}-out", sandbox=sandbox, name=name)


def _labelled(client) -> list:
    return client.containers.list(all=True, filters={"label": f"{LABEL}=1"})


def test_reference_scores_full_marks(docker_ready, stream_assignment, tmp_path):
    result = _grade(stream_assignment, STREAM, tmp_path, "honest", "stream")
    assert result.score == result.max_score == 10, [t.output for t in result.tests if t.status != "passed"]


def test_empty_arrays_score_nothing(docker_ready, calc_assignment, tmp_path):
    """mean() returning np.empty(0) used to pass `== pytest.approx(2.0)`: all([]) is True."""
    attack = CALC.replace("return sum(xs) / len(xs)", "return np.empty(0)")
    result = _grade(calc_assignment, attack, tmp_path, "empty", "calc")
    failed = {t.name: t.output for t in result.tests if t.status != "passed"}
    assert set(failed) == {"test_mean", "test_mean_secret"}, failed
    assert result.score == 9 - 1 - 2
    assert "shape" in failed["test_mean"] or "scalar" in failed["test_mean"]


FORGER = STREAM.replace('''    acc = 0
    for x in xs:
        acc += x
        yield acc''', '''    import builtins
    real_compile = builtins.compile

    def forged(source, *args, **kwargs):  # what rewrote the old in-worker probes
        return real_compile(str(source).replace("len(pulled)", "1"), *args, **kwargs)

    builtins.compile = forged
    items = iter(xs)
    ahead = [next(items), next(items)]  # reads ahead: not lazy
    acc = 0
    for x in ahead + list(__import__("itertools").islice(items, 20)):
        acc += x
        yield acc''')


def test_laziness_is_counted_by_the_harness(docker_ready, stream_assignment, tmp_path):
    """A generator that reads ahead and patches compile() loses the laziness points: the harness
    serves the items and counts the pulls itself."""
    result = _grade(stream_assignment, FORGER, tmp_path, "forger", "stream")
    failed = {t.name for t in result.tests if t.status != "passed"}
    assert failed == {"test_running_sums_lazy"}
    assert result.score == 8


REMEMBERER = STREAM.replace('"""Scenario reference', '''SEEN = []


def _remember(*values):
    """Keep every argument ever received, in memory and in /tmp, and print all of it."""
    SEEN.extend(repr(v) for v in values)
    try:
        with open("/tmp/seen.txt", "a") as fh:
            fh.write("\\n".join(SEEN) + "\\n")
        with open("/tmp/seen.txt") as fh:
            print(fh.read())
    except OSError:
        pass
    print("remembered:", SEEN)


"""Scenario reference''', 1).replace('    """The sum of `xs`."""', '    """The sum of `xs`."""\n    _remember(xs)').replace(
    '    """Arithmetic mean of a non-empty list."""', '    """Arithmetic mean of a non-empty list."""\n    _remember(xs)').replace(
    '    """`text` upper-cased."""', '    """`text` upper-cased."""\n    _remember(text)')


def test_hidden_inputs_never_reach_feedback(docker_ready, stream_assignment, tmp_path):
    """A submission that remembers every input and prints it in every call shows no hidden input
    anywhere in its results: public tests run first, the hidden suite gets a fresh worker, and
    hidden tests show no output."""
    result = _grade(stream_assignment, REMEMBERER, tmp_path, "remember", "stream")
    assert result.score == 10
    text = (tmp_path / "remember-out" / "results.json").read_text()
    assert "remembered:" in text  # public output is shown...
    for secret in ("731913", "104729", "611953", "violet armadillo", "VIOLET ARMADILLO"):
        assert secret not in text, f"hidden input {secret!r} leaked into results.json"  # ...hidden inputs never
    public = [t for t in result.tests if t.visibility == "public"]
    assert public and all("armadillo" not in t.output.lower() for t in public)


def test_import_hang_costs_one_import_limit(docker_ready, stream_assignment, tmp_path):
    """An import that never ends fails every test with the first failure's message, within the
    import limit plus overhead (it used to be retried per test until the session timeout)."""
    hang = "import time\ntime.sleep(3600)\n" + STREAM
    started = time.monotonic()
    result = _grade(stream_assignment, hang, tmp_path, "hang", "stream")
    elapsed = time.monotonic() - started
    limit = stream_assignment.manifest.limits.import_seconds
    assert result.score == 0 and len(result.tests) == 7
    assert all("import" in t.output for t in result.tests), [t.output for t in result.tests]
    assert elapsed < limit + OVERHEAD_SECONDS, f"{elapsed:.1f} s for an import hang with a {limit:g} s import limit"
    assert _labelled(docker_ready) == []


def _session_cmd(assignment, submission: Path, records: Path, scratch: Path) -> list[str]:
    base = assignment.source_dir
    return [sys.executable, "-m", "pytest", str(base / "tests"), "-p", "autograder.harness.plugin",
            "-c", str(PYTEST_INI), "--rootdir", str(base), "--llmkit-submission", str(submission),
            "--llmkit-results", str(records), "--llmkit-sandbox", "docker", "--llmkit-scratch", str(scratch)]


def _wait_for(predicate, seconds: float = 60.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.25)
    return False


def test_session_timeout_leaves_nothing(docker_ready, stream_assignment, tmp_path, monkeypatch):
    """The grader's session timeout stops pytest: its container and the scratch copy go with it."""
    monkeypatch.setattr(grade, "session_timeout", lambda assignment: 6.0)
    slow = STREAM
    for doc in ('"""The sum of `xs`."""', '"""Arithmetic mean of a non-empty list."""', '"""`text` upper-cased."""'):
        slow = slow.replace(doc, doc + "\n    __import__('time').sleep(3.5)")
    private_tmp = tmp_path / "tmp"  # this grading's own temp dir: other gradings on the machine don't count
    private_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private_tmp))
    result = _grade(stream_assignment, slow, tmp_path, "slow", "stream")
    assert "ran past" in json.dumps(result.to_json())
    assert _labelled(docker_ready) == []
    assert list(private_tmp.iterdir()) == [], "the grading left its work folder or scratch copy behind"


def test_sigkilled_session_is_swept_next_start(docker_ready, stream_assignment, tmp_path):
    """A session killed with SIGKILL leaves a container and a scratch copy; both are private while
    they exist, and the next sandbox start removes them."""
    submission = tmp_path / "sub"
    submission.mkdir()
    (submission / "stream.py").write_text("import time\ntime.sleep(3600)\n" + STREAM)
    scratch = tmp_path / "scratch"
    env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    proc = subprocess.Popen(_session_cmd(stream_assignment, submission, tmp_path / "records.jsonl", scratch),
                            cwd=stream_assignment.source_dir, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
                            start_new_session=True, env=env)
    try:
        mine = {"label": [f"{LABEL}=1", f"llmkit.pid={proc.pid}"]}
        assert _wait_for(lambda: docker_ready.containers.list(all=True, filters=mine)), "no worker container started"
        copies = list(scratch.glob("llmkit-docker-*"))
        assert copies and all(c.stat().st_mode & 0o077 == 0 for c in copies), "scratch copies must be private"
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert docker_ready.containers.list(all=True, filters=mine), "the SIGKILL should have left the container"
    DockerSandbox(scratch_root=scratch).close()
    assert docker_ready.containers.list(all=True, filters=mine) == []
    assert list(scratch.glob("llmkit-docker-*")) == []
