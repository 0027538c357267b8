"""Staff commands for TAs and instructors: batch intake, gradebook-backed bulk grading, regrades,
final grades, exports, HTML reports and term set-up. A thin click layer: each command calls one
library function and prints what it returns.

Exit codes are the kit's: 0 success
(for `bulk`/`regrade`: every submission got a result, whatever its score), 3 bad input, 4 the
grader itself failed (a crash of the grader, a full disk, an unwritable gradebook).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn, 
                           TimeRemainingColumn)
from rich.table import Table

from autograder.cli.options import add_columns, engine_options, engine_setup, grading_setup, print_table, sandbox_option
from autograder.sandbox import BACKENDS

console = Console()
err_console = Console(stderr=True)

_gradebook_option = click.option(
    "--gradebook", type=click.Path(path_type=Path), default=None,
    help="The term's SQLite gradebook (default: .llmkit/gradebook/<term>.sqlite under the kit).")
_course_option = click.option(
    "--course", "course_path", type=click.Path(path_type=Path), default=None,
    help="course.toml (default: course/course.toml under the kit).")
_jobs_option = click.option("-j", "--jobs", type=click.IntRange(1, 256), default=None,
                            help="Submissions graded in parallel (default: the number of cores).")
_out_option = click.option("-o", "--out", type=click.Path(path_type=Path), default=Path("graded"), show_default=True,
                           help="Results go to OUT/ASSIGNMENT/<student>/ (results.json, grader.log, llmkit.log).")
_gpus_option = click.option("--gpus", default="auto", show_default=True,
                            help="GPU assignments: auto, none, or device indices like 0,1 (one device per job).")


def _course(path: Path | None):
    from autograder.catalog import kit_root, list_assignments
    from autograder.course import COURSE_FILE, load_course

    return load_course(path or kit_root() / COURSE_FILE, [t.id for t in list_assignments()] if path is None else None)


class _Bar:
    """A rich progress bar with ETA and running counts (graded / full marks / errors / skipped)."""

    def __init__(self, title: str):
        self.counts = {"graded": 0, "full": 0, "error": 0, "skipped": 0, "failure": 0}
        self.progress = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                                 TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
                                 TextColumn("{task.fields[counts]}"), console=err_console, transient=False)
        self.title = title
        self.task: TaskID | None = None  # set by the "start" event
        self.nodes: dict[str, int] = {}  # --engine ray: submissions graded per node

    def __call__(self, kind: str, outcome, total: int) -> None:
        if kind == "start":
            self.task = self.progress.add_task(self.title, total=total, counts="")
            return
        state = outcome.state if outcome.state in self.counts else "skipped"
        self.counts[state] += 1
        self.counts["full"] += bool(outcome.result and outcome.result.full_marks)
        if getattr(outcome, "node", ""):
            self.nodes[outcome.node] = self.nodes.get(outcome.node, 0) + 1
        c = self.counts
        text = (f"graded {c['graded']} · full {c['full']} · errors {c['error']} · skipped {c['skipped']}"
                + (f" · [red]grader failures {c['failure']}[/]" if c["failure"] else "")
                + ("".join(f" · {escape(n)} {k}" for n, k in sorted(self.nodes.items())) if self.nodes else ""))
        if self.task is not None:
            self.progress.update(self.task, advance=1, counts=text)

    def __enter__(self):
        self.progress.start()
        return self

    def __exit__(self, *exc):
        self.progress.stop()


def _summary(report) -> None:
    table = Table(title=f"{report.assignment}: run {report.run_id}, {len(report.outcomes)} submission(s) in "
                        f"{report.seconds:.1f} s; gradebook {report.gradebook}")
    right = {"justify": "right"}
    add_columns(table, ("student", "id"), ("state", "text"), ("score", "text", right), ("failed tests", "text", right),
                ("time (s)", "text", right), ("note", "text"))
    for o in report.outcomes:
        r = o.result
        score = f"{r.score:g}/{r.max_score:g}" if r else "-"
        failed = str(sum(t.status != "passed" for t in r.tests)) if r else "-"
        note = o.note or (r.message.splitlines()[0][:100] if r and r.message else "")
        table.add_row(o.student, o.state, score, failed, f"{o.seconds:.1f}", escape(note))
    print_table(console, table)
    for o in report.outcomes:
        if o.state == "failure":
            err_console.print(f"[red]grader failure[/] for {escape(o.student)}: {escape(o.note)}", highlight=False,
                              soft_wrap=True)
    console.print(f"graded {report.count('graded')}, full marks {report.full_marks}, errors {report.count('error')}, "
                  f"skipped {report.count('skipped') + report.count('busy')}, grader failures {report.count('failure')}; "
                  f"results in {report.out_dir}", highlight=False, soft_wrap=True)
    nodes: dict[str, int] = {}
    for o in report.outcomes:
        if o.node:
            nodes[o.node] = nodes.get(o.node, 0) + 1
    if nodes:
        console.print("per node: " + ", ".join(f"{n} {k}" for n, k in sorted(nodes.items())), highlight=False,
                      markup=False, soft_wrap=True)


def _reconcile_notes(report) -> None:
    for entry in report.unknown:
        err_console.print(f"[yellow]unknown student:[/] {escape(entry.key)} ({escape(str(entry.source.name))}) "
                          "is not on the roster; not graded", highlight=False, soft_wrap=True)
    if report.missing:
        err_console.print(f"[yellow]no submission from {len(report.missing)} roster student(s):[/] "
                          + escape(", ".join(s.id for s in report.missing)), highlight=False, soft_wrap=True)
    for note in report.problems:
        err_console.print(f"[yellow]note:[/] {escape(note)}", highlight=False, soft_wrap=True)


def _exit_for(report) -> None:
    if report.fatal:
        err_console.print(f"[bold red]error:[/] {escape(report.fatal)}", highlight=False, soft_wrap=True)
    sys.exit(4 if report.grader_failed else 0)


@click.command("intake")
@click.argument("batch", type=click.Path(path_type=Path))
@click.option("--roster", type=click.Path(path_type=Path), default=None, help="Roster CSV (id, name, email, canvas_id, ...).")
@click.option("--layout", type=click.Choice(("auto", "canvas", "gradescope", "plain")), default="auto", show_default=True)
def intake_cmd(batch: Path, roster: Path | None, layout: str) -> None:
    """List the submissions in BATCH (Canvas, Gradescope or plain folder/zip) without grading them."""
    import tempfile

    from autograder.lms_download import load_roster, open_batch, reconcile

    with tempfile.TemporaryDirectory(prefix="llmkit-intake-") as work:
        found = open_batch(batch, Path(work), layout=layout)
        matched = reconcile(found, load_roster(roster) if roster else None)
        table = Table(title=f"{batch}: {found.layout} layout, {len(matched.entries)} submission(s)")
        add_columns(table, ("student", "id"), ("from batch", "id"), ("name", "text"), ("submitted (UTC)", "text"),
                    ("late flag", "text"), ("source", "id"))
        for e in matched.entries:
            table.add_row(e.student_id, e.key, e.name, e.submitted_at.strftime("%Y-%m-%d %H:%M") if e.submitted_at else "?",
                          "LATE" if e.late_flag else "", e.source.name)
        print_table(console, table)
        for e in matched.unknown:
            console.print(f"unknown student: {e.key} ({e.name or e.source.name})", highlight=False, markup=False, soft_wrap=True)
        for s in matched.missing:
            console.print(f"no submission: {s.id} {s.name}", highlight=False, markup=False, soft_wrap=True)
        for note in found.problems + matched.duplicates:
            console.print(f"note: {note}", highlight=False, markup=False, soft_wrap=True)


@click.command("bulk")
@click.argument("assignment")
@click.argument("batch", type=click.Path(path_type=Path))
@click.option("--roster", type=click.Path(path_type=Path), default=None,
              help="Roster CSV; submissions of unknown students are reported and not graded.")
@click.option("--layout", type=click.Choice(("auto", "canvas", "gradescope", "plain")), default="auto", show_default=True)
@click.option("--force", is_flag=True, help="Grade again even what is already graded with the same tests.")
@click.option("--public-only", is_flag=True, help="Run only the public tests.")
@_gradebook_option
@_jobs_option
@_out_option
@sandbox_option(None)
@_gpus_option
@engine_options
def bulk_cmd(assignment: str, batch: Path, roster: Path | None, layout: str, force: bool, public_only: bool,
             gradebook: Path | None, jobs: int | None, out: Path, sandbox: str, gpus: str, engine: str | None,
             address: str | None) -> None:
    """Grade a whole BATCH of ASSIGNMENT into the gradebook; rerun it to resume after a crash.

    Each submission is recorded as soon as it is graded; one already graded with the same
    tests is skipped (unless --force), so a rerun grades only what is missing.
    """
    from autograder.bulk import bulk_grade
    from autograder.catalog import resolve

    t = resolve(assignment)
    sandbox, jobs = grading_setup(sandbox, jobs)
    engine, address = engine_setup(engine, address)
    with _Bar(f"grading {t.id}" + (" on Ray" if engine == "ray" else "")) as bar:
        report = bulk_grade(assignment=t, batch=batch, gradebook=gradebook, out=out, roster=roster, layout=layout,
                            jobs=jobs, sandbox=sandbox, suite="public" if public_only else "all", force=force,
                            gpus=gpus, engine=engine, address=address, on_event=bar)
    _summary(report)
    _reconcile_notes(report)
    _exit_for(report)


@click.command("regrade")
@click.argument("assignment")
@click.option("--dry-run", is_flag=True, help="Only say what changed and who would be regraded.")
@click.option("--all", "all_", is_flag=True, help="Regrade every latest submission, changed tests or not.")
@_gradebook_option
@_jobs_option
@_out_option
@sandbox_option(None)
@_gpus_option
@engine_options
def regrade_cmd(assignment: str, dry_run: bool, all_: bool, gradebook: Path | None, jobs: int | None, out: Path,
                sandbox: str, gpus: str, engine: str | None, address: str | None) -> None:
    """Regrade ASSIGNMENT after its tests changed: only latest submissions graded with other tests."""
    from autograder.bulk import regrade
    from autograder.catalog import resolve

    t = resolve(assignment)
    sandbox, jobs = grading_setup(sandbox, jobs) if not dry_run else (sandbox or "local", jobs)
    engine, address = engine_setup(engine, address)
    with _Bar(f"regrading {t.id}" + (" on Ray" if engine == "ray" else "")) as bar:
        plan, report = regrade(assignment=t, gradebook=gradebook, out=out, jobs=jobs, sandbox=sandbox, force=all_,
                               dry_run=dry_run, gpus=gpus, engine=engine, address=address, on_event=bar)
    changed = ", ".join(plan.changed_files) or "none since the last run"
    console.print(f"changed test files: {changed}", highlight=False, markup=False, soft_wrap=True)
    console.print(f"{len(plan.stale)} submission(s) to regrade" + (": " + ", ".join(r.student_id for r in plan.stale)
                                                                   if dry_run and plan.stale else ""), highlight=False, soft_wrap=True)
    for student in plan.unavailable:
        err_console.print(f"[yellow]cannot regrade {escape(student)}:[/] the gradebook keeps no files for the "
                          "submission and its source is gone; grade the batch again with `llmkit bulk`")
    if report is not None:
        _summary(report)
        _exit_for(report)


@click.command("grades")
@click.option("--format", "fmt", type=click.Choice(("table", "csv", "canvas", "json")), default="table", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Same as --format json: the final grades as JSON (for scripts).")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None, help="Write to this file instead of stdout.")
@_gradebook_option
@_course_option
def grades_cmd(fmt: str, as_json: bool, output: Path | None, gradebook: Path | None, course_path: Path | None) -> None:
    """Final grades: latest submissions, late policy and weights from course.toml."""
    from autograder.bulk import default_gradebook
    from autograder.exports.tables import canvas_csv, plain_csv
    from autograder.gradebook import Gradebook
    from autograder.late import final_grades

    course = _course(course_path)
    with Gradebook(gradebook or default_gradebook()) as book:
        finals = final_grades(course, book.current(), book.students())
    if as_json:
        fmt = "json"
    if fmt == "table":
        table = Table(title=f"{course.name} {course.term}: final grades")
        add_columns(table, ("student", "id"))
        for a in course.assignments:
            add_columns(table, (f"{a.id} ({a.weight:g})", "id", {"justify": "right"}))
        for col in ("final %", "letter", "slip days left"):
            add_columns(table, (col, "text", {"justify": "right"}))
        for f in finals:
            cells = [f"{g.score:g}/{g.max_score:g}" + (f" (-{g.deduction:g})" if g.deduction else "")
                     if g.status != "missing" else "missing" for g in f.assignments]
            table.add_row(f.student_id, *cells, f"{f.percent:.2f}", f.letter,
                          "" if f.slip_days_left is None else str(f.slip_days_left))
        print_table(console, table)
        return
    if fmt == "json":
        import dataclasses
        import json

        text = json.dumps([dataclasses.asdict(f) for f in finals], indent=2, default=str) + "\n"
    else:
        text = canvas_csv(course, finals) if fmt == "canvas" else plain_csv(course, finals)
    if output:
        output.write_text(text, encoding="utf-8")
        console.print(f"wrote {output}", highlight=False, soft_wrap=True)
    else:
        click.echo(text, nl=False)


@click.group("export")
def export_group() -> None:
    """Export grades (Canvas CSV, plain CSV) or an assignment (Gradescope zip, nbgrader source)."""


@export_group.command("canvas")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=Path("canvas-grades.csv"), show_default=True)
@_gradebook_option
@_course_option
def export_canvas(output: Path, gradebook: Path | None, course_path: Path | None) -> None:
    """The Canvas gradebook import CSV (points after late deductions)."""
    from click import get_current_context

    get_current_context().invoke(grades_cmd, fmt="canvas", output=output, gradebook=gradebook, course_path=course_path)


@export_group.command("csv")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=Path("grades.csv"), show_default=True)
@_gradebook_option
@_course_option
def export_csv(output: Path, gradebook: Path | None, course_path: Path | None) -> None:
    """A plain CSV: raw score, lateness, deduction and score per assignment, final percentage and letter."""
    from click import get_current_context

    get_current_context().invoke(grades_cmd, fmt="csv", output=output, gradebook=gradebook, course_path=course_path)


@export_group.command("gradescope")
@click.argument("assignment")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="Zip to write (default: ASSIGNMENT-gradescope-autograder.zip).")
@click.option("--sandbox", type=click.Choice(BACKENDS), default="local", show_default=True,
              help="The backend run_autograder uses on Gradescope (its container has no Docker engine: local).")
def export_gradescope(assignment: str, output: Path | None, sandbox: str) -> None:
    """The Gradescope autograder zip (setup.sh, run_autograder) that runs this kit's harness on ASSIGNMENT."""
    from autograder.catalog import resolve
    from autograder.exports.gradescope import build_autograder_zip

    t = resolve(assignment)
    path = build_autograder_zip(assignment=t, dest=output or Path(f"{t.id}-gradescope-autograder.zip"), sandbox=sandbox)
    console.print(f"wrote {path}: upload it as the Gradescope autograder (it holds the hidden tests: staff only)",
                  highlight=False, soft_wrap=True)


@export_group.command("nbgrader")
@click.argument("assignment")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=Path("nbgrader-course"), show_default=True,
              help="The nbgrader course folder to write (source/ASSIGNMENT/ASSIGNMENT.ipynb, nbgrader_config.py).")
@click.option("--course-id", default="llmkit", show_default=True)
@click.option("--strict", is_flag=True, help="Fail (exit 1) when some tests cannot be exported.")
def export_nbgrader_cmd(assignment: str, output: Path, course_id: str, strict: bool) -> None:
    """An nbgrader course source for ASSIGNMENT (solution and hidden-test regions); then `nbgrader generate_assignment`."""
    from autograder.catalog import resolve
    from autograder.exports.nbgrader import export_nbgrader

    result = export_nbgrader(assignment=resolve(assignment), dest=output, course_id=course_id)
    console.print(f"wrote {result.notebook}: {len(result.tests)} tests, {result.points:g} points", highlight=False, soft_wrap=True)
    for line in result.skipped:
        err_console.print(f"[yellow]left out:[/] {escape(line)}", highlight=False, soft_wrap=True)
    sys.exit(1 if strict and result.skipped else 0)


@click.command("report")
@click.argument("assignment")
@click.option("-o", "--out", type=click.Path(path_type=Path), default=Path("reports"), show_default=True,
              help="Pages go to OUT/ASSIGNMENT/index.html (staff) and OUT/ASSIGNMENT/students/<id>.html.")
@click.option("--student", "students", multiple=True, help="Only these students' pages (repeatable).")
@click.option("--no-staff", is_flag=True, help="Skip the staff page.")
@_gradebook_option
@_course_option
def report_cmd(assignment: str, out: Path, students: tuple[str, ...], no_staff: bool, gradebook: Path | None,
               course_path: Path | None) -> None:
    """Static HTML reports of ASSIGNMENT from the gradebook: per student, and for staff with plots."""
    from autograder.bulk import default_gradebook
    from autograder.catalog import kit_root, resolve
    from autograder.course import COURSE_FILE
    from autograder.reports import write_reports

    t = resolve(assignment)
    course = _course(course_path) if course_path or (kit_root() / COURSE_FILE).is_file() else None
    written = write_reports(gradebook=gradebook or default_gradebook(), assignment=t.id, out=out,
                            title=t.manifest.title, course=course, students=list(students) or None, staff=not no_staff)
    console.print(f"wrote {len(written)} page(s) under {out / t.id}", highlight=False, soft_wrap=True)


@click.group("course")
def course_group() -> None:
    """Term management: check course.toml, start a new term."""


@course_group.command("check")
@click.argument("path", required=False, type=click.Path(path_type=Path))
def course_check(path: Path | None) -> None:
    """Validate course.toml (default: course/course.toml): every mistake names the file, key and fix."""
    course = _course(path)
    console.print(f"{path or 'course/course.toml'}: ok ({course.name} {course.term}, {len(course.assignments)} "
                  f"assignments, late policy {course.late.policy}, {len(course.extensions)} extension(s))",
                  highlight=False, soft_wrap=True)


@course_group.command("init")
@click.argument("term")
@click.option("--from", "source", type=click.Path(path_type=Path), default=None,
              help="The previous term's course.toml (default: course/course.toml).")
@click.option("--shift-days", type=int, default=None, help="Move every deadline by this many days.")
@click.option("--first-due", type=click.DateTime(("%Y-%m-%d",)), default=None,
              help="Shift so that the first deadline falls on this date (same local time of day).")
@click.option("--name", default=None, help="New course name (default: unchanged).")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="Where to write the new course.toml (default: overwrite --from after keeping a copy).")
@click.option("--gradebook", type=click.Path(path_type=Path), default=None,
              help="Create the new term's empty gradebook here (default: .llmkit/gradebook/TERM.sqlite).")
def course_init(term: str, source: Path | None, shift_days: int | None, first_due, name: str | None,
                output: Path | None, gradebook: Path | None) -> None:
    """Start TERM from the previous term's course.toml: deadlines shifted, extensions dropped, fresh gradebook."""
    from autograder.catalog import kit_root
    from autograder.course import COURSE_FILE, init_term
    from autograder.gradebook import Gradebook

    source = source or kit_root() / COURSE_FILE
    if (shift_days is None) == (first_due is None):
        raise click.UsageError("give exactly one of --shift-days N or --first-due YYYY-MM-DD")
    book = gradebook or kit_root() / ".llmkit" / "gradebook" / f"{term}.sqlite"
    if book.exists():
        raise click.UsageError(f"{book} already exists; a new term starts with a fresh gradebook: pass another --gradebook")
    written = init_term(source=source, term=term, days=shift_days, first_due=first_due and first_due.date(),
                        name=name, output=output)
    Gradebook(book).close()
    console.print(f"wrote {written} and an empty gradebook {book}", highlight=False, soft_wrap=True)


COMMANDS = (intake_cmd, bulk_cmd, regrade_cmd, grades_cmd, export_group, report_cmd, course_group)
