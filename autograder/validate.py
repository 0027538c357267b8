"""Check that an assignment is fit to release and grade.

For one topic: the manifest loads; the committed student copy equals a fresh
release and leaks nothing hidden; every test carries points and a docstring;
there are public and hidden tests; the reference scores full marks; the
generated starter scores zero; two reference runs give identical verdicts;
the whole suite with the reference fits the manifest's time budget.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from autograder.catalog import Topic
from autograder.grade import grade_submission
from autograder.release import build_release, check_release
from autograder.results import SubmissionResult


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str = ""


@dataclass
class ValidationReport:
    topic: str
    checks: list[Check] = field(default_factory=list)
    figures: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    def add(self, name: str, ok: bool, detail: str = "") -> None:
        self.checks.append(Check(name, ok, detail))


def _verdicts(result: SubmissionResult) -> dict[str, tuple[str, float]]:
    return {t.id: (t.status, t.score) for t in result.tests}


def _failing(result: SubmissionResult, limit: int = 8) -> str:
    bad = [f"{t.id} ({t.category})" for t in result.tests if t.status != "passed"]
    more = f" and {len(bad) - limit} more" if len(bad) > limit else ""
    return "; ".join(bad[:limit]) + more


def validate_topic(topic: Topic, *, sandbox: str = "local") -> ValidationReport:
    report = ValidationReport(topic=topic.id)
    sol = topic.solution_dir
    if sol is None:
        report.add("solution folder present", False, f"solutions/{topic.id} is missing; validate needs the reference")
        return report
    limits = topic.manifest.limits

    if topic.assignment_dir is None:
        report.add("student copy up to date", False, f"assignments/{topic.id} is missing; run `llmkit release {topic.id}`")
    else:
        problems = check_release(sol, topic.assignment_dir)
        report.add("student copy up to date, no leaks", not problems, "; ".join(problems[:6]))

    for kind in ("public", "hidden"):
        files = list((sol / "tests" / kind).glob("test_*.py")) if (sol / "tests" / kind).is_dir() else []
        report.add(f"{kind} tests present", bool(files), "" if files else f"add tests/{kind}/test_*.py")

    with tempfile.TemporaryDirectory(prefix="llmkit-validate-") as tmp:
        tmp = Path(tmp)
        first = grade_submission(topic=topic, source=sol, out_dir=tmp / "ref1", sandbox=sandbox, name="reference")
        report.figures["suite_seconds"] = first.execution_time
        report.figures["max_score"] = first.max_score
        report.figures["tests"] = len(first.tests)
        report.figures["hidden_tests"] = sum(t.visibility == "hidden" for t in first.tests)
        report.figures["hidden_points"] = sum(t.points for t in first.tests if t.visibility == "hidden")
        if first.status != "graded":
            report.add("reference scores full marks", False, first.message)
            return report
        unpointed = [t.id for t in first.tests if t.points <= 0]
        report.add("every test has points", not unpointed, ", ".join(unpointed[:6]))
        undocumented = [t.id for t in first.tests if "Checks: (no description)" in t.output]
        report.add("every test has a docstring", not undocumented, ", ".join(undocumented[:6]))
        report.add("reference scores full marks", first.full_marks,
                   f"{first.score:g} / {first.max_score:g}" + ("" if first.full_marks else f"; failing: {_failing(first)}"))
        report.add("suite within its time budget", first.execution_time <= limits.suite_seconds,
                   f"{first.execution_time:.1f} s of {limits.suite_seconds:g} s")

        second = grade_submission(topic=topic, source=sol, out_dir=tmp / "ref2", sandbox=sandbox, name="reference")
        differ = [tid for tid, v in _verdicts(first).items() if _verdicts(second).get(tid) != v]
        report.add("two runs give identical verdicts", not differ, ", ".join(differ[:6]))

        starter_dir = tmp / "starter"
        build_release(sol, starter_dir)
        starter = grade_submission(topic=topic, source=starter_dir, out_dir=tmp / "starter-out", sandbox=sandbox,
                                   name="starter")
        passing = [t.id for t in starter.tests if t.score > 0]
        report.add("starter scores zero", starter.status == "graded" and starter.score == 0,
                   f"{starter.score:g} / {starter.max_score:g}" + (f"; scoring: {', '.join(passing[:6])}" if passing else ""))
    return report
