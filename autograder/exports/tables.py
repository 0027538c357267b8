"""Final grades as CSV text: Canvas's gradebook import format, and a plain per-student table.

Pure functions: final grades in, CSV text out. Canvas matches rows on `ID`
(the Canvas user id), else `SIS User ID` / `SIS Login ID`, and columns on the
assignment name exactly as Canvas shows it (set `canvas_column` in
course.toml, e.g. "Tokenization (123456)"). Scores are points after the late
deduction; the "Points Possible" row is the one Canvas puts in its own exports.
"""

from __future__ import annotations

import csv
import io

from autograder.course import Course
from autograder.late import FinalGrade

CANVAS_FIXED = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")


def _fmt(value: float) -> str:
    return f"{value:.4f}".rstrip("0").rstrip(".") if value == value else ""


def canvas_column(course: Course, assignment_id: str) -> str:
    entry = course.assignment(assignment_id)
    if entry is None:
        return assignment_id
    return entry.canvas_column or entry.title or assignment_id


def canvas_csv(course: Course, finals: list[FinalGrade]) -> str:
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\n")
    out.writerow([*CANVAS_FIXED, *(canvas_column(course, a.id) for a in course.assignments)])
    maxima: dict[str, float] = {}
    for f in finals:
        for g in f.assignments:
            maxima[g.assignment] = max(maxima.get(g.assignment, 0.0), g.max_score)
    out.writerow(["    Points Possible", "", "", "", "", *(_fmt(maxima.get(a.id, 0.0)) for a in course.assignments)])
    for f in finals:
        scores = {g.assignment: g for g in f.assignments}
        out.writerow([f.name or f.student_id, f.canvas_id, f.sis_id, f.student_id, f.section,
                      *(_fmt(scores[a.id].score) if scores[a.id].status != "missing" else "" for a in course.assignments)])
    return buf.getvalue()


def plain_csv(course: Course, finals: list[FinalGrade]) -> str:
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\n")
    header = ["student_id", "name", "email", "section"]
    for a in course.assignments:
        header += [f"{a.id}:{k}" for k in ("status", "raw", "max", "late_minutes", "slip_days", "deduction", "score")]
    out.writerow(header + ["final_percent", "letter", "slip_days_left"])
    for f in finals:
        row: list[object] = [f.student_id, f.name, f.email, f.section]
        for g in f.assignments:
            row += [g.status, _fmt(g.raw), _fmt(g.max_score), _fmt(g.late_minutes), g.slip_days_used,
                    _fmt(g.deduction), _fmt(g.score)]
        out.writerow(row + [_fmt(f.percent), f.letter, "" if f.slip_days_left is None else f.slip_days_left])
    return buf.getvalue()
