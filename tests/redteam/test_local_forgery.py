"""Under the local sandbox, a submission cannot forge its records or run the reference.

The local backend is not a security boundary, but two forgeries a red team made under it must gain
nothing: appending "passed" records to the harness's records.jsonl (which once forged a grade on
Gradescope, where the export grades locally as root, and rewrote a concurrent Docker grading's
records), and finding solutions/ through `autograder.__file__` to run the reference.

Defences (see autograder/sandbox/local.py and autograder/results.py): as root the worker runs as
an unprivileged uid and the records file is 0600 in a folder it cannot list; a test id recorded
twice is a grader failure, never "first wins"; the worker imports its own copy of the worker code,
kept outside the kit's tree. In CI (root), the forged records are never written; as a normal user
they are written and refused.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from autograder.catalog import resolve
from autograder.grade import grade_submission

SCENARIO_ROOT = Path(__file__).resolve().parents[1] / "scenarios" / "kit"
REFERENCE = (SCENARIO_ROOT / "solutions" / "90-calc" / "calc.py").read_text()
HONEST_PART = 6.0  # everything but add (1 public + 2 hidden points)

FORGE_RECORDS = '''
import glob, json, os, tempfile
forged = 0
for folder in {folders!r} + [tempfile.gettempdir()]:
    for path in glob.glob(os.path.join(folder, "llmkit-grade-*", "records.jsonl")):
        try:
            with open(path, "a") as fh:
                for name in ("test_add", "test_mean", "test_normalize", "test_counter",
                             "test_add_secret", "test_mean_secret"):
                    for prefix in ("tests/public/test_calc.py", "tests/hidden/test_calc_hidden.py"):
                        fh.write(json.dumps({{"kind": "result", "id": prefix + "::" + name, "name": name,
                                             "points": 2, "score": 2, "status": "passed", "category": "ok",
                                             "visibility": "public", "output": "", "duration": 0}}) + "\\n")
            forged += 1
        except OSError:
            pass
return a + b + 1
'''

RUN_REFERENCE = '''
import importlib.util, pathlib
import autograder
here = pathlib.Path(autograder.__file__).resolve()
for root in list(here.parents)[:4]:
    for ref in list(root.glob("solutions/90-calc/calc.py")) + list(root.glob("tests/scenarios/kit/solutions/90-calc/calc.py")):
        spec = importlib.util.spec_from_file_location("reference_calc", ref)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module.add(a, b)
return a + b + 1
'''


def _with_add_body(body: str) -> str:
    indented = "\n".join("    " + line if line else line for line in body.strip("\n").splitlines())
    start = REFERENCE.index("    ### BEGIN SOLUTION\n    return a + b")
    end = REFERENCE.index("### END SOLUTION", start) + len("### END SOLUTION")
    return REFERENCE[:start] + indented + REFERENCE[end:]


@pytest.fixture(scope="module")
def assignment():
    return resolve("90-calc", root=SCENARIO_ROOT)


def _grade(assignment, source: str, tmp_path: Path, name: str):
    folder = tmp_path / name
    folder.mkdir()
    (folder / "calc.py").write_text(source)
    return grade_submission(assignment=assignment, source=folder, out_dir=tmp_path / f"{name}-out", sandbox="local", name=name)


def test_honest_submission_full_marks(assignment, tmp_path):
    result = _grade(assignment, REFERENCE, tmp_path, "honest")
    assert result.score == 9.0


def test_forged_records_gain_nothing(assignment, tmp_path):
    folders = sorted({os.environ.get("TMPDIR", "/tmp"), "/tmp", "/var/tmp"})
    result = _grade(assignment, _with_add_body(FORGE_RECORDS.format(folders=folders)), tmp_path, "forge")
    if os.geteuid() == 0:  # the worker runs as nobody: the records cannot even be written
        assert result.status == "graded" and result.score == HONEST_PART, result.message
    else:  # same user: written, then refused as a grader failure
        assert result.score <= HONEST_PART
        assert result.status == "graded" and result.score == HONEST_PART or "two results" in result.message


def test_reference_is_out_of_reach(assignment, tmp_path):
    result = _grade(assignment, _with_add_body(RUN_REFERENCE), tmp_path, "reference")
    assert result.status == "graded" and result.score == HONEST_PART, [t.output for t in result.tests if t.status != "passed"]


@pytest.mark.skipif(os.geteuid() != 0, reason="only a root grader drops the worker's privileges")
def test_root_grader_runs_the_worker_unprivileged(assignment, tmp_path):
    whoami = _with_add_body("import os\nreturn os.getuid()")
    folder = tmp_path / "uid"
    folder.mkdir()
    (folder / "calc.py").write_text(whoami)
    from autograder.harness.client import Deadline, Student, WorkerSession
    from autograder.sandbox import get_sandbox
    from autograder.sandbox.base import WorkerSpec

    session = WorkerSession(get_sandbox("local"), WorkerSpec(submission_dir=folder, modules=("calc",),
                                                             packages=("numpy",)))
    try:
        uid = Student(session, "calc", folder, Deadline(30)).call("add", 1, 2)
    finally:
        session.close()
    assert uid != 0
