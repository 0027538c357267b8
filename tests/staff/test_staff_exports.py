"""Exports: Canvas and plain CSV from the gradebook, the Gradescope autograder zip run as Gradescope
would, and the nbgrader course source run through nbgrader itself."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import pytest
from staff_helpers import FULL, SUBMISSIONS

from autograder.lms_download import Student
from autograder.gradebook import Gradebook
from autograder.harness.feedback import TestRecord
from autograder.results import SubmissionResult

SECRET = "987654321"
COURSE = """
name = "LLMs"
term = "2027-spring"
[late]
policy = "per_day"
rate = 0.1
[[assignments]]
id = "90-calc"
weight = 1.0
due = 2027-02-01T23:59:00Z
canvas_column = "Calc (4242)"
"""


def _gradebook(path: Path) -> Path:
    """Three roster students: on time (9/9), two days late (9/9), and one with no submission."""
    with Gradebook(path) as book:
        book.upsert_students([Student("s1", "Doe, Jane", "j@u", "1001", "900", "A"),
                              Student("s2", "Roe, Bob", "b@u", "1002", "901", "A"),
                              Student("s3", "Poe, Al", "a@u", "1003", "902", "B")])
        book.upsert_assignment("90-calc", title="Calc", tests_hash="t", test_files={})
        run = book.start_run(assignment_id="90-calc", tests_hash="t", command="grade", kit_version="0",
                             sandbox="local", jobs=1)
        test = TestRecord(id="t::a", name="a", points=9, score=9, status="passed", category="ok",
                          visibility="public", output="", duration=0)
        for student, day in (("s1", 1), ("s2", 3)):
            sub = book.add_submission(student_id=student, assignment_id="90-calc", content_hash=student,
                                      submitted_at=datetime(2027, 2, day, 12, tzinfo=timezone.utc), source="", layout="plain")
            result = SubmissionResult(assignment="90-calc", submission=student, status="graded", score=9, max_score=9,
                                      tests=(test,))
            book.record(run_id=run, submission_id=sub, tests_hash="t", result=result, started_at="", finished_at="")
    return path


def test_canvas_csv_has_the_import_columns_and_late_deductions(tmp_path, cli):
    (tmp_path / "course.toml").write_text(COURSE)
    db = _gradebook(tmp_path / "gb.sqlite")
    result = cli("export", "canvas", "--gradebook", db, "--course", tmp_path / "course.toml", "-o", tmp_path / "c.csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO((tmp_path / "c.csv").read_text())))
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Calc (4242)"]
    assert rows[1][0].strip() == "Points Possible" and rows[1][5] == "9"
    assert rows[2] == ["Doe, Jane", "1001", "900", "s1", "A", "9"]
    assert rows[3][5] == "7.2"  # two started days late at 10% of 9 points per day
    assert rows[4][5] == ""  # no submission: left blank for Canvas


def test_plain_csv_and_grades_table(tmp_path, cli):
    (tmp_path / "course.toml").write_text(COURSE)
    db = _gradebook(tmp_path / "gb.sqlite")
    result = cli("grades", "--format", "csv", "--gradebook", db, "--course", tmp_path / "course.toml")
    rows = {r["student_id"]: r for r in csv.DictReader(io.StringIO(result.output))}
    assert rows["s2"]["90-calc:deduction"] == "1.8" and rows["s2"]["final_percent"] == "80"
    assert rows["s3"]["90-calc:status"] == "missing" and rows["s3"]["final_percent"] == "0"
    table = cli("grades", "--gradebook", db, "--course", tmp_path / "course.toml")
    assert table.exit_code == 0 and "7.2/9 (-1.8)" in table.output


def test_gradescope_zip_runs_the_kit_harness(tmp_path, cli):
    """Unpacked like Gradescope does, run_autograder grades /autograder/submission into results.json."""
    dest = tmp_path / "ag.zip"
    assert cli("export", "gradescope", "90-calc", "-o", dest).exit_code == 0
    again = tmp_path / "again.zip"
    cli("export", "gradescope", "90-calc", "-o", again)
    assert dest.read_bytes() == again.read_bytes()  # deterministic
    root = tmp_path / "autograder"
    with zipfile.ZipFile(dest) as zf:
        names = set(zf.namelist())
        assert {"setup.sh", "run_autograder", "kit/pyproject.toml", "kit/autograder/harness/plugin.py",
                "kit/solutions/90-calc/tests/hidden/test_calc_hidden.py"} <= names
        assert zf.getinfo("run_autograder").external_attr >> 16 & 0o111
        zf.extractall(root / "source")
    (root / "submission").mkdir()
    (root / "submission" / "calc.py").write_bytes((SUBMISSIONS / "full" / "calc.py").read_bytes())
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "LLMKIT_PYTHON": sys.executable}
    env.pop("LLMKIT_ROOT", None)
    proc = subprocess.run(["bash", str(root / "source" / "run_autograder")], env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    results = json.loads((root / "results" / "results.json").read_text())
    assert results["score"] == results["max_score"] == FULL and len(results["tests"]) == 6
    assert all(SECRET not in t["output"] for t in results["tests"])


NBGRADER = Path(sys.executable).parent / "nbgrader"


@pytest.mark.skipif(not NBGRADER.exists(), reason="needs nbgrader: pip install -c constraints.txt -e '.[nbgrader]'")
def test_nbgrader_export_generates_and_autogrades(tmp_path, cli):
    """nbgrader's own generate_assignment strips solutions and hidden tests; autograde gives the
    reference full marks and the starter zero."""
    from autograder.exports.nbgrader import submission_notebook

    course = tmp_path / "course"
    result = cli("export", "nbgrader", "90-calc", "-o", course, "--strict")
    assert result.exit_code == 0, result.output
    env = {**os.environ, "PATH": f"{NBGRADER.parent}{os.pathsep}{os.environ['PATH']}"}

    def nbgrader(*args: str) -> None:
        proc = subprocess.run([str(NBGRADER), *args], cwd=course, env=env, capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stdout + proc.stderr

    nbgrader("generate_assignment", "90-calc", "--force")
    source = course / "source" / "90-calc" / "90-calc.ipynb"
    release = course / "release" / "90-calc" / "90-calc.ipynb"
    assert SECRET in source.read_text() and SECRET not in release.read_text()
    assert "raise NotImplementedError()" in release.read_text() and "np.linalg.norm" not in release.read_text()
    for student, notebook in (("ref", json.loads(source.read_text())), ("starter", json.loads(release.read_text())),
                              ("wrong", submission_notebook(release, {"calc.py": (SUBMISSIONS / "missing_function" / "calc.py").read_text()}))):
        folder = course / "submitted" / student / "90-calc"
        folder.mkdir(parents=True)
        (folder / "90-calc.ipynb").write_text(json.dumps(notebook))
    nbgrader("autograde", "90-calc", "--create")
    from nbgrader.api import Gradebook as NbGradebook

    with NbGradebook(f"sqlite:///{course / 'gradebook.db'}") as book:
        scores = {s.student.id: s.score for s in book.assignment_submissions("90-calc")}
    assert scores["ref"] == FULL and scores["starter"] == 0 and 0 < scores["wrong"] < FULL


def test_grades_json_for_scripts(tmp_path, cli):
    (tmp_path / "course.toml").write_text(COURSE)
    db = _gradebook(tmp_path / "gb.sqlite")
    for args in (("--json",), ("--format", "json")):
        result = cli("grades", *args, "--gradebook", db, "--course", tmp_path / "course.toml")
        assert result.exit_code == 0, result.output
        finals = {f["student_id"]: f for f in json.loads(result.stdout)}
        assert set(finals) == {"s1", "s2", "s3"}
        (late,) = finals["s2"]["assignments"]
        assert late["assignment"] == "90-calc" and late["deduction"] == pytest.approx(1.8)
        assert finals["s3"]["assignments"][0]["status"] == "missing"
