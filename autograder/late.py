"""Late penalties and final course grades, from course.toml and the gradebook's current grades.

Pure functions over plain values: no files, no SQL. The rules:

- the deadline is the assignment's `due`, replaced by a student's extension
  (`hours` added, or a new `due`); work up to `grace_minutes` past it is on time;
- `per_hour` / `per_day`: each started hour/day late costs `rate` of the
  assignment's points, at most `cap` of them, and never below zero (Canvas's
  "deduct X% per day, lowest grade Y%");
- `slip_days`: each student has `slip_days` for the term, spent on whole started
  days late in deadline order; days beyond them cost `rate` per day (capped);
- a missing submission scores zero; an unknown submission time counts as on time;
- the final grade is the weight-averaged percentage over the course's
  assignments, with an optional letter from `letters`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from autograder.course import Course, LatePolicy
from autograder.errors import ConfigError


@dataclass(frozen=True)
class AssignmentGrade:
    assignment: str
    status: str  # graded | error | ungraded | missing
    raw: float
    max_score: float
    late_minutes: float
    slip_days_used: int
    deduction: float  # points taken off
    score: float  # after the deduction

    @property
    def percent(self) -> float:
        return 100.0 * self.score / self.max_score if self.max_score > 0 else 0.0


@dataclass(frozen=True)
class FinalGrade:
    student_id: str
    name: str
    email: str
    canvas_id: str
    sis_id: str
    section: str
    assignments: tuple[AssignmentGrade, ...]
    percent: float
    letter: str
    slip_days_left: int | None


def deadline(course: Course, assignment_id: str, student_id: str) -> datetime:
    """The student's own deadline for the assignment (the latest of their extensions, if any)."""
    entry = course.assignment(assignment_id)
    if entry is None:
        raise ConfigError(f"course.toml has no assignment {assignment_id!r}; add an [[assignments]] entry for it")
    due = entry.due
    best = due
    for ext in course.extensions:
        if ext.student == student_id and ext.assignment in (assignment_id, "*"):
            if ext.due is not None:
                mine = ext.due
            elif ext.hours is not None:
                mine = due + timedelta(hours=ext.hours)
            else:  # the course model accepts no such extension
                continue
            best = max(best, mine)
    return best


def minutes_late(submitted_at: datetime | None, due: datetime, policy: LatePolicy) -> float:
    """Minutes past the deadline beyond the grace period; 0 when on time or the time is unknown."""
    if submitted_at is None:
        return 0.0
    late = (submitted_at - due).total_seconds() / 60.0
    return late if late > policy.grace_minutes else 0.0


def started_units(minutes: float, unit_minutes: float) -> int:
    return math.ceil(minutes / unit_minutes - 1e-9) if minutes > 0 else 0


def deduction_fraction(minutes: float, policy: LatePolicy, slip_left: int) -> tuple[float, int]:
    """(fraction of the points lost, slip days spent) for work `minutes` late."""
    if minutes <= 0 or policy.policy == "none":
        return 0.0, 0
    if policy.policy == "per_hour":
        return min(policy.cap, policy.rate * started_units(minutes, 60)), 0
    days = started_units(minutes, 24 * 60)
    spent = min(days, slip_left) if policy.policy == "slip_days" else 0
    return min(policy.cap, policy.rate * (days - spent)), spent


def final_grades(course: Course, rows, students) -> list[FinalGrade]:
    """Final grades for `students` (dicts with id, name, email, canvas_id, sis_id, section) from the
    gradebook's current `rows` (GradeRow-like: student_id, assignment_id, status, score, max_score,
    submitted_at)."""
    by_key = {(r.student_id, r.assignment_id): r for r in rows}
    points: dict[str, float] = {}
    for r in rows:
        if r.max_score > 0:
            points[r.assignment_id] = max(points.get(r.assignment_id, 0.0), r.max_score)
    order = sorted(course.assignments, key=lambda a: a.due)
    total_weight = sum(a.weight for a in course.assignments) or 1.0
    out = []
    for s in students:
        slip_left = course.late.slip_days
        uses_slip = False
        grades = {}
        for a in order:
            policy = course.policy_for(a.id)
            uses_slip |= policy.policy == "slip_days"
            row = by_key.get((s["id"], a.id))
            maximum = points.get(a.id, 0.0)
            if row is None:
                grades[a.id] = AssignmentGrade(a.id, "missing", 0.0, maximum, 0.0, 0, 0.0, 0.0)
                continue
            late = minutes_late(row.submitted_at, deadline(course, a.id, s["id"]), policy)
            fraction, spent = deduction_fraction(late, policy, slip_left)
            slip_left -= spent
            deduction = min(row.score, fraction * maximum)
            grades[a.id] = AssignmentGrade(a.id, row.status, row.score, maximum, round(late, 2), spent,
                                           round(deduction, 6), round(row.score - deduction, 6))
        listed = tuple(grades[a.id] for a in course.assignments)
        percent = sum(a.weight * grades[a.id].percent for a in course.assignments) / total_weight
        out.append(FinalGrade(
            student_id=s["id"], name=s.get("name", ""), email=s.get("email", ""), canvas_id=s.get("canvas_id", ""),
            sis_id=s.get("sis_id", ""), section=s.get("section", ""), assignments=listed,
            percent=round(percent, 4), letter=letter_for(course, percent),
            slip_days_left=slip_left if uses_slip else None))
    return out


def letter_for(course: Course, percent: float) -> str:
    for letter, floor in sorted(course.letters.items(), key=lambda kv: -kv[1]):
        if percent + 1e-9 >= floor:
            return letter
    return ""
