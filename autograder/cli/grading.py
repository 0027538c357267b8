"""Grading without a gradebook: `grade` some submissions, `demo` the course's sample submissions."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from autograder.catalog import kit_root, list_assignments, resolve
from autograder.cli.options import add_columns, grading_setup, print_json, print_table, sandbox_option

console = Console()
err_console = Console(stderr=True)


def summary_table(results, title: str) -> Table:
    table = Table(title=title)
    right = {"justify": "right"}
    add_columns(table, ("submission", "id"), ("status", "text"), ("score", "text", right), ("max", "text", right),
                ("failed tests", "text", right), ("time (s)", "text", right), ("message", "text"))
    for r in results:
        failed = sum(t.status != "passed" for t in r.tests)
        table.add_row(r.submission, r.status, f"{r.score:g}", f"{r.max_score:g}", str(failed),
                      f"{r.execution_time:.1f}", (r.message.splitlines() or [""])[0][:90])
    return table


def summary_json(results, out_root: Path) -> list[dict]:
    """The grade summary for scripts: one entry per submission."""
    return [{"assignment": r.assignment, "submission": r.submission, "status": r.status, "score": r.score,
             "max_score": r.max_score, "failed_tests": sum(t.status != "passed" for t in r.tests),
             "execution_time": r.execution_time, "message": r.message,
             "results": str(out_root / r.assignment / r.submission / "results.json")} for r in results]


@click.command()
@click.argument("assignment")
@click.argument("submissions", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-j", "--jobs", type=click.IntRange(1, 256), default=None, help="Parallel submissions (default: cores).")
@click.option("-o", "--out", type=click.Path(path_type=Path), default=Path("graded"), show_default=True,
              help="Results go to OUT/ASSIGNMENT/SUBMISSION/results.json.")
@click.option("--public-only", is_flag=True, help="Run only the public tests.")
@click.option("--gpus", default="auto", show_default=True,
              help="GPUs for assignments with gpu = optional|required: auto (all found), none, or indices like 0,1. "
                   "Each job gets one device.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON (for scripts) instead of a table.")
@sandbox_option(None)
def grade(assignment: str, submissions: tuple[Path, ...], jobs: int | None, out: Path, public_only: bool, gpus: str,
          as_json: bool, sandbox: str) -> None:
    """Grade SUBMISSIONS (zips or folders) of ASSIGNMENT; one results.json each, then a summary table."""
    from autograder.grade import grade_batch

    t = resolve(assignment)
    if t.solution_dir is None:
        err_console.print(f"[yellow]warning:[/] solutions/{t.id} is missing: grading with the public tests only")
    sandbox, jobs = grading_setup(sandbox, jobs)
    results = grade_batch(assignment=t, sources=list(submissions), out_root=out, sandbox=sandbox, jobs=jobs,
                          suite="public" if public_only else "all", gpus=gpus)
    if as_json:
        print_json(summary_json(results, out))
    else:
        print_table(console, summary_table(results, f"{t.id}: {len(results)} submission(s), results in {out / t.id}"))
    if any(r.graders_fault for r in results):
        sys.exit(4)


@click.command()
@click.option("-o", "--out", type=click.Path(path_type=Path), default=Path("graded"), show_default=True)
@click.option("-j", "--jobs", type=click.IntRange(1, 256), default=None, help="Parallel submissions (default: cores).")
@sandbox_option(None)
def demo(out: Path, jobs: int | None, sandbox: str) -> None:
    """Grade the sample submissions in course/samples/ and print one score table."""
    from autograder.grade import grade_batch

    samples_root = kit_root() / "course" / "samples"
    sandbox, jobs = grading_setup(sandbox, jobs, allow_fallback=True)
    console.print(f"sandbox: {sandbox}", highlight=False)
    table = Table(title=f"llmkit demo: sample submissions graded ({sandbox} sandbox)")
    add_columns(table, ("assignment", "id"), ("sample", "id"), *((col, "text") for col in ("status", "score", "max", "time (s)")))
    failures = False
    for t in list_assignments():
        folder = samples_root / t.id
        if not folder.is_dir():
            continue
        sources = sorted(p for p in folder.iterdir() if p.is_dir() or p.suffix == ".zip")
        console.print(f"grading {len(sources)} sample(s) of {t.id} ...", highlight=False)
        for r in grade_batch(assignment=t, sources=sources, out_root=out, sandbox=sandbox, jobs=jobs):
            table.add_row(t.id, r.submission, r.status, f"{r.score:g}", f"{r.max_score:g}", f"{r.execution_time:.1f}")
            failures |= r.graders_fault
    print_table(console, table)
    console.print(f"results.json files are under {out}/", highlight=False)
    sys.exit(4 if failures else 0)


COMMANDS = (grade, demo,)
