"""Submission results: assembled fail-closed from the harness's records, written as results.json.

`assemble` is the one place that decides a score. Every test collected before
the run must have a result; one without a result counts as failed
("missing"). A second result for one test
id, or a second collection record, is a grader failure (someone else wrote
the file), never resolved by "first wins".
results.json format.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from autograder.harness.feedback import TestRecord
from autograder.outcomes import POLICY_VIOLATION, Category, Failure


@dataclass(frozen=True)
class SubmissionResult:
    assignment: str
    submission: str
    status: str  # graded | error
    score: float
    max_score: float
    tests: tuple[TestRecord, ...]
    message: str = ""
    execution_time: float = 0.0
    content_hash: str = ""
    meta: dict = field(default_factory=dict)
    failure: Failure | None = None  # why there is no trustworthy score; None when graded
    flagged: bool = False  # graded, but broke the import policy: staff review it

    @property
    def full_marks(self) -> bool:
        return self.status == "graded" and self.max_score > 0 and abs(self.score - self.max_score) < 1e-9

    @property
    def graders_fault(self) -> bool:
        """The grader or the sandbox failed: never recorded as a grade; grade it again."""
        return self.failure is not None and self.failure.graders_fault

    def to_json(self) -> dict:
        return {
            "assignment": self.assignment, "submission": self.submission, "status": self.status,
            "score": self.score, "max_score": self.max_score, "message": self.message,
            "execution_time": self.execution_time, "content_hash": self.content_hash, "meta": self.meta,
            "failure": self.failure.value if self.failure else None, "flagged": self.flagged, "tests": [t.to_json() for t in self.tests],
        }


class RecordsError(Exception):
    """The harness's records are unusable (no collection record): a grader failure."""


def read_records(path: Path) -> tuple[list[dict] | None, dict[str, dict], list[str]]:
    """Parse the JSON-lines file the plugin wrote; tolerate a torn last line.

    The plugin writes one collection record and one result per test. A second collection record,
    or a second result for one test id, means someone else wrote to the file: the records are
    refused (RecordsError, a grader failure), never resolved by "first wins"."""
    collected: list[dict] | None = None
    results: dict[str, dict] = {}
    violations: list[str] = []
    if not path.exists():
        return None, results, violations
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue  # a line cut short by a killed process
        if not isinstance(record, dict):
            continue
        if record.get("kind") == "collected":
            if collected is not None:
                raise RecordsError("the records hold two collection records: the file was written by something "
                                   "other than the harness; grade this submission again under Docker and review it")
            collected = record.get("tests", [])
        elif record.get("kind") == "result" and isinstance(record.get("id"), str):
            if record["id"] in results:
                raise RecordsError(f"test {record['id']} has two results in the records: the file was written by "
                                   "something other than the harness; grade this submission again under Docker "
                                   "and review it")
            results[record["id"]] = record
        elif record.get("kind") == "policy" and isinstance(record.get("violations"), list):
            violations += [str(v) for v in record["violations"]]
    return collected, results, violations


def assemble(assignment: str, submission: str, records_path: Path, *, problems: list[str] | None = None,
             execution_time: float = 0.0, content_hash: str = "", meta: dict | None = None,
             session_note: str = "") -> SubmissionResult:
    collected, results, violations = read_records(records_path)
    if collected is None:
        raise RecordsError(
            f"the harness produced no test list for {submission} ({session_note or 'no details'}); "
            "run `llmkit validate " + assignment + "` to check the assignment's tests"
        )
    tests: list[TestRecord] = []
    for entry in collected:
        rec = results.get(entry["id"])
        if rec is not None:
            try:
                tests.append(TestRecord.from_json(rec))
                continue
            except (KeyError, TypeError):
                pass
        tests.append(TestRecord(
            id=entry["id"], name=entry["id"].split("::")[-1], points=float(entry["points"]), score=0.0,
            status="failed", category=Category.MISSING, visibility=entry["visibility"],
            output=f"Checks: {entry.get('doc') or '(no description)'}\nResult: failed: {Category.MISSING.student_text}",
            duration=0.0,
        ))
    score = round(sum(t.score for t in tests), 6)
    max_score = round(sum(t.points for t in tests), 6)
    lines = list(problems or [])
    if session_note:
        lines.append(session_note)
    meta = dict(meta or {})
    if violations:
        meta["policy_violations"] = violations
        lines.insert(0, f"{POLICY_VIOLATION}: {violations[0]}" + (f" (and {len(violations) - 1} more)" if len(violations) > 1 else "")
                     + "; the tests this rule guards score zero, and the submission is flagged for review")
    status, failure = "graded", None
    broken = [t for t in tests if t.category == Category.SANDBOX]
    if broken:
        status, failure = "error", Failure.SANDBOX
        lines.insert(0, f"{Failure.SANDBOX.prefix}: the sandbox could not run {len(broken)} test(s) ({broken[0].output.splitlines()[-1]}); "
                        "the score is incomplete: fix the sandbox and grade this submission again")
    return SubmissionResult(
        assignment=assignment, submission=submission, status=status, score=score, max_score=max_score,
        tests=tuple(tests), message="\n".join(lines), execution_time=round(execution_time, 3),
        content_hash=content_hash, meta=meta, failure=failure, flagged=bool(violations),
    )


def error_result(assignment: str, submission: str, failure: Failure, detail: str, max_score: float = 0.0,
                 content_hash: str = "", meta: dict | None = None) -> SubmissionResult:
    """A submission that could not be graded at all; its message is "<failure's prefix>: <detail>"."""
    return SubmissionResult(assignment=assignment, submission=submission, status="error", score=0.0, max_score=max_score,
                            tests=(), message=f"{failure.prefix}: {detail}", content_hash=content_hash,
                            meta=dict(meta or {}), failure=failure)


GRADESCOPE_VISIBILITY = {"public": "visible"}


def to_gradescope(result: SubmissionResult, hidden_visibility: str = "after_published") -> dict:
    """The Gradescope results.json dictionary for one submission."""
    out = {
        "score": result.score,
        "max_score": result.max_score,
        "execution_time": result.execution_time,
        "output": result.message or ("All tests passed." if result.full_marks else ""),
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": [
            {
                "name": t.name if t.visibility == "public" else f"[hidden] {t.name}",
                "score": t.score,
                "max_score": t.points,
                "status": t.status,
                "visibility": GRADESCOPE_VISIBILITY.get(t.visibility, hidden_visibility),
                "output": t.output,
            }
            for t in result.tests
        ],
    }
    return out


def write_results(result: SubmissionResult, folder: Path, hidden_visibility: str = "after_published") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "results.json"
    tmp = folder / "results.json.tmp"
    tmp.write_text(json.dumps(to_gradescope(result, hidden_visibility), indent=2), encoding="utf-8")
    tmp.replace(path)
    (folder / "llmkit-result.json").write_text(json.dumps(result.to_json(), indent=2), encoding="utf-8")
    return path
