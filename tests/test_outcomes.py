"""One grading path, one set of outcomes: regression tests of issue 9.

Time budgets charge only the student's calls; the mutation audit fails on grader failures; exit
codes follow the README's table; student feedback shows the test's own frames; tables never
truncate ids and take --json.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from autograder.catalog import resolve
from autograder.cli import main
from autograder.grade import grade_submission
from autograder.harness.client import Deadline

SCENARIOS = Path(__file__).parent / "scenarios"
SCENARIO_ROOT = SCENARIOS / "kit"
SUBMISSIONS = SCENARIOS / "submissions"

SLOW_ORACLE = '''
import time

import pytest


@pytest.mark.points(1)
@pytest.mark.limits(seconds=1)
def test_slow_oracle_then_student(student):
    """add is checked after an oracle that takes longer than the student's budget."""
    time.sleep(1.5)  # the test's own work: not charged to the student
    assert student.call("add", 2, 3) == 5
    time.sleep(0.3)
    assert student.call("add", 1, 1) == 2


@pytest.mark.points(1)
@pytest.mark.limits(seconds=1, test_seconds=0.5)
def test_runaway_oracle(student):
    """The test's own code runs past its whole-test bound."""
    time.sleep(1.0)
    assert student.call("add", 2, 3) == 5
'''


@pytest.fixture(scope="module")
def slow_kit(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("slowkit")
    sol = root / "solutions" / "90-calc"
    shutil.copytree(SCENARIO_ROOT / "solutions" / "90-calc", sol)
    shutil.rmtree(sol / "tests" / "hidden")
    for f in (sol / "tests" / "public").glob("test_*.py"):
        f.unlink()
    (sol / "tests" / "public" / "test_slow.py").write_text(SLOW_ORACLE)
    return root


# -- 1. the test's own time is not charged to the student ----------------------

def test_deadline_charges_only_the_students_calls():
    d = Deadline(1.0)
    time.sleep(0.2)
    assert d.remaining() == 1.0  # the test's own time
    d.charge(0.4)
    assert abs(d.remaining() - 0.6) < 1e-9
    assert d.test_seconds == 70 and not d.overrun()
    short = Deadline(1.0, test_seconds=0.05)
    short.extend(10)  # worker start-up excluded from the whole-test bound too
    time.sleep(0.1)
    assert not short.overrun()


def test_slow_oracle_does_not_fail_a_correct_submission(slow_kit, tmp_path):
    assignment = resolve("90-calc", root=slow_kit)
    result = grade_submission(assignment=assignment, source=SUBMISSIONS / "full", out_dir=tmp_path / "out", suite="public")
    tests = {t.name: t for t in result.tests}
    slow = tests["test_slow_oracle_then_student"]
    assert slow.status == "passed", slow.output
    runaway = tests["test_runaway_oracle"]
    assert runaway.status == "failed" and runaway.category == "setup", runaway.output
    assert "whole-test bound" in runaway.output and "not caused by your code" in runaway.output


# -- 2. the mutation audit fails when mutants cannot be graded -----------------

def _broken_sandbox(monkeypatch):
    """Every grading fails the way a missing Docker engine does: a sandbox failure, status error."""
    import autograder.authoring.audit as audit
    from autograder.outcomes import Failure
    from autograder.results import error_result

    def grade(*, assignment, name=None, **kw):
        return error_result(assignment.id, name or "mutant", Failure.SANDBOX, "no Docker engine answers")

    monkeypatch.setattr(audit, "grade_submission", grade)


def test_audit_with_a_failing_sandbox_judges_nothing_and_fails(monkeypatch):
    from autograder.authoring.audit import audit_assignment

    _broken_sandbox(monkeypatch)
    report = audit_assignment(resolve("90-calc", root=SCENARIO_ROOT), jobs=1, max_mutants=5)
    assert report.total == 5
    assert not report.killed and not report.survived
    assert len(report.not_judged) == 5 and all("Sandbox failure" in msg for _, msg in report.not_judged)
    assert report.grader_failed and not report.ok
    kept = [Path(msg.rsplit("(kept: ", 1)[1].rstrip(")")) for _, msg in report.not_judged]
    assert all(folder.is_dir() for folder in kept)  # the author can read what went wrong
    for folder in kept:
        shutil.rmtree(folder)


def test_a_grading_session_that_pytest_ends_with_an_internal_error_names_it(tmp_path):
    """pytest exit code 3 (a harness bug, found under load in mutation audits) is a grader failure
    whose message quotes the INTERNALERROR line, not only 'see grader.log'."""
    from autograder.grade import session_error_line

    log = tmp_path / "grader.log"
    log.write_text("collected 3 items\nINTERNALERROR> Traceback (most recent call last):\n"
                   "INTERNALERROR>   File \"x.py\", line 1\nINTERNALERROR> KeyError: 'nodeid'\nINTERNALERROR>\n")
    assert session_error_line(log) == "INTERNALERROR> KeyError: 'nodeid'"
    log.write_text("1 failed\nsomething else ended it\n")
    assert session_error_line(log) == "something else ended it"
    assert session_error_line(tmp_path / "missing.log") == "no log"


def test_validate_mutants_with_a_failing_sandbox_is_exit_4(run, monkeypatch):
    _broken_sandbox(monkeypatch)
    result = run("validate", "90", "--mutants", "--max-mutants", "3", "-j", "1")
    assert result.exit_code == 4, result.output
    assert "not judged" in result.output and "could not be graded" in result.output


def test_validate_mutants_reports_progress_and_each_survivor_as_found(run, monkeypatch):
    """A torch assignment's audit runs for tens of minutes: the author sees progress, and each
    survivor as soon as it is found, before the final table."""
    import autograder.authoring.audit as audit
    from autograder.cli.authoring import _AuditProgress
    from autograder.results import SubmissionResult

    def grade(*, assignment, name=None, **kw):  # every mutant keeps full marks: all survive
        return SubmissionResult(assignment=assignment.id, submission="mutant", status="graded", score=1, max_score=1,
                                tests=())

    monkeypatch.setattr(audit, "grade_submission", grade)
    monkeypatch.setattr(_AuditProgress, "PROGRESS_EVERY", 2)
    result = run("validate", "90", "--mutants", "--max-mutants", "4", "-j", "1")
    assert result.exit_code == 1, result.output
    assert result.output.count("survivor found: ") == 4
    assert "2 mutants graded in" in result.output and "4 mutants graded in" in result.output
    assert result.output.index("survivor found") < result.output.index("mutation audit (hidden suites)")


# -- 3. --mutants on a student copy --------------------------------------------

def test_validate_mutants_on_a_student_copy_is_exit_3(run, tmp_path, monkeypatch):
    root = tmp_path / "student-kit"
    root.mkdir()
    (root / "assignments").symlink_to(SCENARIO_ROOT / "assignments")
    monkeypatch.setenv("LLMKIT_ROOT", str(root))
    result = run("validate", "90", "--mutants")
    assert result.exit_code == 3, result.output
    assert "solutions/90-calc is missing" in result.output and "Traceback" not in result.output


# -- 4. exit codes follow the README's table -----------------------------------

@pytest.fixture
def run(monkeypatch, tmp_path):
    monkeypatch.setenv("LLMKIT_ROOT", str(SCENARIO_ROOT))
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(main, [str(a) for a in args], catch_exceptions=False)

    return invoke


def _failing_preflight(monkeypatch):
    import autograder.grade as grade
    from autograder.sandbox import SandboxError

    def preflight(*args, **kwargs):
        raise SandboxError("no Docker engine answers (pretend)")

    monkeypatch.setattr(grade, "preflight", preflight)


def test_exit_0_success(run):
    assert run("check", "90", SUBMISSIONS / "full").exit_code == 0


def test_exit_1_check_found_failing_tests(run):
    assert run("check", "90", SUBMISSIONS / "wrong_shape").exit_code == 1


def test_exit_2_usage_error(run):
    assert run("check", "90", "--no-such-option").exit_code == 2
    assert run("validate").exit_code == 2  # neither ASSIGNMENT nor --all


def test_exit_3_bad_input(run, tmp_path):
    assert run("check", "nope").exit_code == 3
    assert run("check", "90", tmp_path / "nothing-here").exit_code == 3  # refused submission


def test_exit_4_check_on_a_sandbox_failure(run, monkeypatch):
    _failing_preflight(monkeypatch)
    result = run("check", "90", SUBMISSIONS / "full")
    assert result.exit_code == 4, result.output
    assert "Sandbox failure" in result.output


def test_exit_4_validate_on_a_sandbox_failure(run, monkeypatch):
    _failing_preflight(monkeypatch)
    result = run("validate", "90")
    assert result.exit_code == 4, result.output


# -- 5. student feedback shows the test's own frames, and a table --------------

def test_check_feedback_shows_the_assertion_not_the_harness(run):
    result = run("check", "90", SUBMISSIONS / "wrong_shape")
    out = result.output
    assert result.exit_code == 1
    assert "_pytest" not in out and "pluggy" not in out and "autograder/harness" not in out
    assert "tests/public/test_calc.py:" in out and "in test_normalize" in out and "E   " in out
    # the closing table: test, points, status, reason, one row per test with the full id
    assert "reason" in out and "status" in out
    row = next(line for line in out.splitlines() if "tests/public/test_calc.py::test_normalize" in line and "│" in line)
    assert "0/2" in row and "failed" in row and "wrong result" in row
    assert out.rstrip().splitlines()[-1].startswith("Score:")


def test_public_feedback_cuts_to_the_test_files_frames(tmp_path):
    from _pytest._code import ExceptionInfo

    from autograder.harness.feedback import public_feedback

    test_file = tmp_path / "test_x.py"
    test_file.write_text("def helper():\n    assert 1 == 2, 'one is not two'\n\n\ndef test_x():\n    helper()\n")
    namespace: dict = {}
    exec(compile(test_file.read_text(), str(test_file), "exec"), namespace)

    def harness():  # stands in for pytest's runner frames
        namespace["test_x"]()

    try:
        harness()
    except AssertionError:
        excinfo = ExceptionInfo.from_current()
    text = public_feedback("doc", "failed", "wrong", excinfo, "", test_path=str(test_file))
    assert "one is not two" in text and "test_x.py:6: in test_x" in text and "test_x.py:2: in helper" in text
    assert "in harness" not in text


# -- 6. tables never truncate ids; --json for scripts --------------------------

LONG_ID = "91-a-rather-long-assignment-identifier-for-tables"


@pytest.fixture
def long_kit(tmp_path, monkeypatch):
    root = tmp_path / "longkit"
    sol = root / "solutions" / LONG_ID
    shutil.copytree(SCENARIO_ROOT / "solutions" / "90-calc", sol)
    manifest = sol / "manifest.toml"
    manifest.write_text(manifest.read_text().replace('id = "90-calc"', f'id = "{LONG_ID}"')
                        .replace('title = "Scenario assignment used by the kit\'s own tests"',
                                 'title = "' + "A long title that may wrap " * 4 + '"'))
    monkeypatch.setenv("LLMKIT_ROOT", str(root))
    return root


def test_list_prints_whole_ids_when_not_a_terminal(run, long_kit):
    result = run("list")
    assert result.exit_code == 0
    assert LONG_ID in result.output and "…" not in result.output
    line = next(line for line in result.output.splitlines() if LONG_ID in line)
    assert "submit" not in line and "calc.py" in line


def test_list_json(run, long_kit):
    result = run("list", "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert [d["assignment"] for d in data] == [LONG_ID] and data[0]["submit"] == ["calc.py"]


def test_grade_summary_whole_ids_and_json(run, long_kit, tmp_path):
    sub = tmp_path / "a-submission-folder-with-a-long-name-from-the-lms-export"
    shutil.copytree(SUBMISSIONS / "full", sub)
    result = run("grade", LONG_ID, sub, "--sandbox", "local", "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert sub.name in result.output and "…" not in result.output
    result = run("grade", LONG_ID, sub, "--sandbox", "local", "--out", tmp_path / "out", "--json")
    assert result.exit_code == 0
    (entry,) = json.loads(result.stdout)  # the local sandbox's warning goes to stderr
    assert entry["submission"] == sub.name and entry["assignment"] == LONG_ID
    assert entry["score"] == entry["max_score"] == 9 and entry["status"] == "graded"
    assert Path(entry["results"]).is_file()


def test_validate_names_why_a_verdict_changed_between_two_runs():
    """A flaky test is found by its reason: validate's determinism check names the failing run,
    its category and the last line of its message, not only the test's id."""
    from autograder.authoring.validate import _differing_verdicts
    from autograder.harness.feedback import TestRecord
    from autograder.results import SubmissionResult

    def run(status: str, category: str, output: str) -> SubmissionResult:
        record = TestRecord(id="tests/public/test_a.py::test_one", name="test_one", points=2,
                            score=2 if status == "passed" else 0, status=status, category=category,
                            visibility="public", output=output, duration=0.1)
        same = TestRecord(id="tests/public/test_a.py::test_two", name="test_two", points=1, score=1,
                          status="passed", category="passed", visibility="public", output="", duration=0.1)
        return SubmissionResult(assignment="x", submission="ref", status="graded", score=record.score + 1,
                                max_score=3, tests=(record, same))

    differ = _differing_verdicts(run("passed", "passed", ""),
                                 run("failed", "crash", "Traceback...\nRuntimeError: can't start new thread"))
    assert differ == ["tests/public/test_a.py::test_one [run 2 failed (crash): RuntimeError: can't start new thread]"]
    assert _differing_verdicts(run("passed", "passed", ""), run("passed", "passed", "")) == []
