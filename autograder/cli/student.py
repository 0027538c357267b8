"""The students' commands: `list` the assignments, `check` your work with the public tests, `submit` it."""

from __future__ import annotations

import hashlib
import json
import sys
import time
import zipfile
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from autograder import __version__
from autograder.catalog import kit_root, list_assignments, resolve
from autograder.errors import SubmissionError
from autograder.cli.options import add_columns, print_json, print_table, sandbox_option
from autograder.sandbox import resolve_backend

console = Console()
err_console = Console(stderr=True)


@click.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the assignments as JSON (for scripts).")
def list_cmd(as_json: bool) -> None:
    """List the assignments of this kit."""
    from autograder.course import COURSE_FILE, load_course

    assignments = list_assignments()
    course_path = kit_root() / COURSE_FILE
    schedule = {}
    if course_path.is_file():
        course = load_course(course_path, [t.id for t in assignments])
        schedule = {a.id: a for a in course.assignments}
    if as_json:
        print_json([{"assignment": t.id, "title": t.manifest.title, "phase": t.manifest.phase, "gpu": t.manifest.gpu,
                     "submit": list(t.manifest.submission.files), "released": t.assignment_dir is not None,
                     "due": schedule[t.id].due.isoformat() if t.id in schedule else None,
                     "weight": schedule[t.id].weight if t.id in schedule else None} for t in assignments])
        return
    table = Table(title=f"Assignments in {kit_root()}")
    add_columns(table, ("assignment", "id"), ("title", "text", {"max_width": 60}), ("phase", "text"), ("gpu", "text"), ("submit", "text"),
                ("released", "text"), ("due", "text"), ("weight", "text"))
    for t in assignments:
        entry = schedule.get(t.id)
        table.add_row(t.id, t.manifest.title, str(t.manifest.phase), t.manifest.gpu,
                      ", ".join(t.manifest.submission.files), "yes" if t.assignment_dir else "no",
                      entry.due.isoformat() if entry else "-", f"{entry.weight:g}" if entry else "-")
    print_table(console, table)


def _print_feedback(result, verbose: bool) -> None:
    for t in result.tests:
        mark = "[green]PASS[/]" if t.status == "passed" else "[red]FAIL[/]"
        console.print(f"{mark} {t.score:g}/{t.points:g}  {escape(t.id)}", highlight=False, soft_wrap=True)
        if t.status != "passed" or verbose:
            for line in t.output.splitlines():
                console.print(f"      {line}", highlight=False, markup=False, soft_wrap=True)
    if result.message:
        console.print(f"[yellow]{escape(result.message)}[/]", highlight=False)
    if result.tests:
        print_table(console, results_table(result))
    console.print(f"[bold]Score: {result.score:g} / {result.max_score:g}[/]", highlight=False)


def _reason(test) -> str:
    """The one-line reason of a test's result (the "Result:" line of its feedback)."""
    for line in test.output.splitlines():
        if line.startswith("Result: "):
            return line[len("Result: "):].removeprefix("failed: ")
    return test.status


def results_table(result) -> Table:
    """One row per test (test, points, status, reason): where to start, at a glance."""
    table = Table(title=f"{result.assignment}: {result.score:g} / {result.max_score:g}")
    add_columns(table, ("test", "id"), ("points", "text", {"justify": "right"}), ("status", "text"),
                ("reason", "text", {"max_width": 70}))
    for t in result.tests:
        status = "[green]passed[/]" if t.status == "passed" else "[red]failed[/]"
        table.add_row(escape(t.id), f"{t.score:g}/{t.points:g}", status,
                      escape("" if t.status == "passed" else _reason(t)))
    return table


@click.command()
@click.argument("assignment")
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option("-v", "--verbose", is_flag=True, help="Show feedback for passing tests too.")
@sandbox_option("local")
def check(assignment: str, path: Path | None, verbose: bool, sandbox: str) -> None:
    """Run the public tests of ASSIGNMENT on your work (PATH, default: the assignment folder).

    PATH may be a notebook (.ipynb): it is converted exactly as the grader converts it (tagged cells,
    definitions of other cells; see the notebook's first cell) and the converted files are shown.
    Uses the same harness and worker as the grader, so what you see here is what
    the public part of grading sees.
    """
    from autograder.grade import grade_submission

    t = resolve(assignment)
    sandbox = resolve_backend(sandbox)
    path = path or t.assignment_dir or t.source_dir
    out = kit_root() / ".llmkit" / "check" / t.id
    result = grade_submission(assignment=t, source=path, out_dir=out, sandbox=sandbox, suite="public", name=path.name)
    _print_feedback(result, verbose)
    if (out / "converted").is_dir():
        console.print(f"Converted from the notebook (what the grader grades): {out / 'converted'}", highlight=False)
    sys.exit(check_exit_code(result))


def check_exit_code(result) -> int:
    """The README's table: 4 the grader (sandbox, harness) failed, 3 the submission was refused,
    1 some test failed, 0 full marks."""
    if result.graders_fault:
        return 4
    if result.status == "error":
        return 3
    return 0 if result.full_marks else 1


@click.command()
@click.argument("assignment")
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Zip to write (default: ASSIGNMENT-submission.zip).")
def submit(assignment: str, path: Path | None, output: Path | None) -> None:
    """Zip exactly the files ASSIGNMENT asks for, with a manifest of their hashes.

    PATH (default: the assignment folder) may be a notebook (.ipynb): the zip then holds the files converted
    from it, exactly as the grader converts a notebook, and the conversion's notes are printed."""
    t = resolve(assignment)
    path = path or t.assignment_dir or Path.cwd()
    output = output or Path.cwd() / f"{t.id}-submission.zip"
    files = {}
    notebook = None
    if path.suffix.lower() == ".ipynb" and path.is_file():
        from autograder.notebooks import NotebookError, convert, missing_hint

        try:
            conversion = convert(path.read_bytes(), t.manifest.submission.files, path.name)
        except NotebookError as exc:
            raise SubmissionError(str(exc)) from None
        for note in conversion.notes:
            err_console.print(f"[yellow]note:[/] {escape(note)}", highlight=False, soft_wrap=True)
        missing = [n for n in t.manifest.submission.files if n not in conversion.files]
        if missing:
            raise SubmissionError("; ".join(missing_hint(n, t.manifest.submission.files) for n in missing))
        files = {name: text.encode("utf-8") for name, text in conversion.files.items()}
        notebook = {"name": path.name, "sha256": hashlib.sha256(path.read_bytes()).hexdigest(), "notes": conversion.notes}
    for name in t.manifest.submission.files if notebook is None else ():
        src = path / name
        if not src.is_file() or src.is_symlink():
            raise SubmissionError(f"{src}: missing (or not a plain file); ASSIGNMENT {t.id} needs: {', '.join(t.manifest.submission.files)}")
        files[name] = src.read_bytes()
    meta = {"assignment": t.id, "kit_version": __version__, "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "files": {n: hashlib.sha256(d).hexdigest() for n, d in files.items()}}
    if notebook is not None:
        meta["converted_from"] = notebook
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
        zf.writestr("submission.json", json.dumps(meta, indent=2))
    console.print(f"Wrote {output} with {', '.join(files)}", highlight=False)


COMMANDS = (list_cmd, check, submit,)
