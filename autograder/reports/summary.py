"""Numbers for the staff report: score distribution, pass rate per test, runtimes, error categories.

Pure: gradebook rows and per-test records in, a frozen summary out.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass

from autograder.harness.feedback import TestRecord
from autograder.outcomes import Failure, category_of


@dataclass(frozen=True)
class TestStat:
    test_id: str
    name: str
    visibility: str
    points: float
    attempts: int
    passed: int
    mean_score: float

    @property
    def pass_rate(self) -> float:
        return self.passed / self.attempts if self.attempts else 0.0


@dataclass(frozen=True)
class StaffSummary:
    assignment: str
    title: str
    submissions: int
    graded: int
    errors: int
    ungraded: int
    full_marks: int
    max_score: float
    mean_percent: float
    median_percent: float
    percents: tuple[float, ...]
    runtimes: tuple[float, ...]
    tests: tuple[TestStat, ...]  # most failed first
    categories: tuple[tuple[str, int], ...]  # failing-test categories, most frequent first
    error_kinds: tuple[tuple[str, int], ...]  # why submissions could not be graded at all
    flagged: tuple[str, ...] = ()  # student ids whose submission broke the import policy: review them


def error_kind(failure: Failure | None, message: str) -> str:
    """A short, student-independent label for why a submission could not be graded: the failure's
    name, and for a refusal the gist of the reason (quoted names and numbers blanked)."""
    if failure is None:
        return "unknown"
    if failure is Failure.REFUSED:
        first = (message.splitlines() or [""])[0]
        text = first.removeprefix(failure.prefix + ":").split(":", 1)[-1]
        text = re.sub(r"'[^']*'|\"[^\"]*\"|\d+", "…", text)
        return "refused:" + text.split(";")[0]
    return failure.prefix


def summarize(assignment: str, title: str, rows: list, tests_of: dict[int, list[TestRecord]]) -> StaffSummary:
    graded = [r for r in rows if r.status == "graded"]
    maximum = max((r.max_score for r in rows), default=0.0)
    percents = tuple(100.0 * r.score / maximum if maximum else 0.0 for r in rows if r.status in ("graded", "error"))
    stats: dict[str, dict] = {}
    categories: dict[str, int] = {}
    for r in graded:
        for t in tests_of.get(r.grade_id, []):
            s = stats.setdefault(t.id, {"name": t.name, "visibility": t.visibility, "points": t.points,
                                        "attempts": 0, "passed": 0, "score": 0.0})
            s["attempts"] += 1
            s["passed"] += t.status == "passed"
            s["score"] += t.score
            if t.status != "passed":
                known = category_of(t.category)
                label = known.staff_label if known is not None else t.category
                categories[label] = categories.get(label, 0) + 1
    tests = sorted((TestStat(test_id=k, name=v["name"], visibility=v["visibility"], points=v["points"],
                             attempts=v["attempts"], passed=v["passed"], mean_score=v["score"] / v["attempts"])
                    for k, v in stats.items()), key=lambda s: (s.pass_rate, s.test_id))
    kinds: dict[str, int] = {}
    for r in rows:
        if r.status == "error":
            kind = error_kind(r.failure, r.message)
            kinds[kind] = kinds.get(kind, 0) + 1
    return StaffSummary(
        assignment=assignment, title=title, submissions=len(rows), graded=len(graded),
        errors=sum(r.status == "error" for r in rows), ungraded=sum(r.status == "ungraded" for r in rows),
        full_marks=sum(r.status == "graded" and maximum > 0 and abs(r.score - maximum) < 1e-9 for r in rows),
        max_score=maximum, mean_percent=statistics.fmean(percents) if percents else 0.0,
        median_percent=statistics.median(percents) if percents else 0.0, percents=percents,
        runtimes=tuple(r.execution_time for r in graded), tests=tuple(tests),
        categories=tuple(sorted(categories.items(), key=lambda kv: (-kv[1], kv[0]))),
        error_kinds=tuple(sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0]))),
        flagged=tuple(sorted({str(r.student_id) for r in rows if r.flagged})))
