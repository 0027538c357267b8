"""Fill the report templates from the gradebook and write them as static HTML files.

`write_reports` writes OUT/ASSIGNMENT/index.html (staff: plots, pass rates, error
categories) and OUT/ASSIGNMENT/students/<id>.html (one per student: public tests
in full, hidden tests as what they check and how they failed). The staff page
is for staff only; hand each student only their own page.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from autograder import __version__
from autograder.lms_download import safe_label
from autograder.course import Course
from autograder.gradebook import Gradebook
from autograder.harness.feedback import TestRecord
from autograder.late import final_grades
from autograder.reports.plots import bars, histogram
from autograder.reports.summary import StaffSummary, summarize


@dataclass(frozen=True)
class HiddenLine:
    name: str
    checks: str
    result: str
    points: float
    score: float
    status: str


def _env() -> Environment:
    env = Environment(loader=PackageLoader("autograder.reports", "templates"),
                      autoescape=select_autoescape(["html", "j2"]), trim_blocks=True, lstrip_blocks=True)
    env.filters["page"] = lambda student: urllib.parse.quote(safe_label(str(student)) + ".html")
    return env


def _hidden_line(t: TestRecord) -> HiddenLine:
    """Only the 'Checks:' and 'Result:' lines of a hidden test's feedback, whatever else it holds."""
    lines = t.output.splitlines()
    checks = next((ln[len("Checks: "):] for ln in lines if ln.startswith("Checks: ")), "(no description)")
    result = next((ln[len("Result: "):] for ln in lines if ln.startswith("Result: ")), t.status)
    return HiddenLine(t.name, checks, result, t.points, t.score, t.status)


def _stamp() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def staff_html(summary: StaffSummary, rows: list, *, links: bool = True) -> str:
    hi = max(summary.runtimes, default=1.0) or 1.0
    score_plot = histogram(list(summary.percents), lo=0, hi=100, bins=10, label="score (% of max)", unit="%")
    runtime_plot = histogram(list(summary.runtimes), lo=0, hi=hi, bins=10, label="grading time (s)", unit="s")
    pass_plot = bars([(t.test_id.split("::")[-1], 100 * t.pass_rate) for t in summary.tests],
                     label="pass rate (%)", maximum=100, unit="%")
    return _env().get_template("staff.html.j2").render(
        s=summary, rows=rows, links=links, score_plot=score_plot, runtime_plot=runtime_plot, pass_plot=pass_plot,
        kit_version=__version__, generated=_stamp())


def student_html(*, assignment: str, title: str, student: dict, row, tests: list[TestRecord], late=None) -> str:
    return _env().get_template("student.html.j2").render(
        assignment=assignment, title=title, student=student, row=row, late=late,
        public=[t for t in tests if t.visibility == "public"],
        hidden=[_hidden_line(t) for t in tests if t.visibility != "public"],
        kit_version=__version__, generated=_stamp())


def write_reports(*, gradebook: Path, assignment: str, out: Path, title: str = "", course: Course | None = None,
                  students: list[str] | None = None, staff: bool = True) -> list[Path]:
    """Write the staff page and the student pages of `assignment`; return the files written."""
    with Gradebook(gradebook) as book:
        rows = book.current(assignment)
        known = book.assignment(assignment)
        title = title or (known["title"] if known else assignment)
        tests_of = {r.grade_id: book.test_results(r.grade_id) for r in rows if r.grade_id is not None}
        people = {s["id"]: s for s in book.students()}
        finals = {}
        if course is not None and course.assignment(assignment) is not None:
            all_rows = book.current()
            for f in final_grades(course, all_rows, [people[r.student_id] for r in rows]):
                finals[f.student_id] = next(g for g in f.assignments if g.assignment == assignment)
    folder = out / assignment
    (folder / "students").mkdir(parents=True, exist_ok=True)
    written = []
    if staff:
        page = folder / "index.html"
        page.write_text(staff_html(summarize(assignment, title, rows, tests_of), rows), encoding="utf-8")
        written.append(page)
    for r in rows:
        if students and r.student_id not in students:
            continue
        page = folder / "students" / f"{safe_label(r.student_id)}.html"
        page.write_text(student_html(assignment=assignment, title=title, student=people[r.student_id], row=r,
                                     tests=tests_of.get(r.grade_id, []) if r.grade_id is not None else [], late=finals.get(r.student_id)),
                        encoding="utf-8")
        written.append(page)
    return written
