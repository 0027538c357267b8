"""The instructors' commands: `release` student copies, `validate` an assignment (and audit its
tests with mutants), build and check the grading `image`s."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from autograder.catalog import Assignment, kit_root, list_assignments, resolve
from autograder.errors import SubmissionError
from autograder.cli.options import add_columns, print_table, sandbox_option
from autograder.sandbox import resolve_backend

console = Console()
err_console = Console(stderr=True)


@click.command()
@click.argument("assignment", required=False)
@click.option("--all", "all_", is_flag=True, help="Release every assignment.")
@click.option("--check", "check_only", is_flag=True, help="Only check that assignments/ is up to date and leaks nothing.")
@click.option("--kit", "kit_dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Write the tree students receive into KIT (llmkit, every released assignment regenerated, a "
                   "student course.toml and README), then scan it for leaks.")
@click.option("--force", is_flag=True, help="With --kit: replace a kit written before (a non-empty KIT is refused otherwise).")
def release(assignment: str | None, all_: bool, check_only: bool, kit_dir: Path | None, force: bool) -> None:
    """Generate assignments/ASSIGNMENT (the student copy) from solutions/ASSIGNMENT, or with --kit the whole student kit."""
    from autograder.authoring.release import build_kit, build_release, check_release

    if kit_dir is not None:
        if assignment or all_ or check_only:
            raise click.UsageError("--kit takes every released assignment; give no ASSIGNMENT, --all or --check with it")
        report = build_kit(kit_dir, force=force)
        for note in report.notes:
            err_console.print(f"[yellow]note:[/] {escape(note)}", highlight=False)
        if report.skipped:
            err_console.print(f"[yellow]note:[/] not released yet, so not in the kit: {', '.join(report.skipped)}",
                              highlight=False)
        if report.leaks:
            for leak in report.leaks:
                err_console.print(f"[bold red]leak:[/] {escape(leak)}", highlight=False, soft_wrap=True)
            err_console.print(f"[bold red]{len(report.leaks)} leak(s) in {kit_dir}: do NOT give it to students[/]",
                              highlight=False)
            sys.exit(1)
        console.print(f"wrote the student kit to {kit_dir}: {report.files} files, {len(report.assignments)} "
                      f"assignment(s) ({', '.join(report.assignments)}); leak scan clean", highlight=False)
        sys.exit(0)
    assignments = _assignments(assignment, all_)
    failed = False
    for t in assignments:
        if t.solution_dir is None:
            raise SubmissionError(f"solutions/{t.id} is missing; release needs the source of truth")
        dest = kit_root() / "assignments" / t.id
        if check_only:
            problems = check_release(t.solution_dir, dest)
            failed |= bool(problems)
            status = "[green]up to date[/]" if not problems else "[red]" + "; ".join(problems) + "[/]"
            console.print(f"{t.id}: {status}", highlight=False)
        else:
            written = build_release(t.solution_dir, dest)
            console.print(f"{t.id}: wrote {len(written)} files to {dest}", highlight=False)
    sys.exit(1 if failed else 0)


def _assignments(assignment: str | None, all_: bool) -> list[Assignment]:
    if all_ == bool(assignment):
        raise click.UsageError("give either an ASSIGNMENT or --all")
    return [resolve(assignment)] if assignment else list_assignments()  # an ASSIGNMENT exactly when not --all


@click.command()
@click.argument("assignment", required=False)
@click.option("--all", "all_", is_flag=True, help="Validate every assignment.")
@click.option("--mutants", is_flag=True,
              help="Run the mutation audit instead: grade mutants of the reference with the hidden suite and "
                   "report the share killed (the bar: at least 90%, authoring.audit.TARGET) and every survivor.")
@click.option("--max-mutants", type=click.IntRange(1), default=None,
              help="Audit a seeded random sample of at most this many mutants per assignment.")
@click.option("-j", "--jobs", type=click.IntRange(1, 64), default=None, help="Parallel mutants (default: cores).")
@sandbox_option("local")
def validate(assignment: str | None, all_: bool, mutants: bool, max_mutants: int | None, jobs: int | None,
             sandbox: str) -> None:
    """Check ASSIGNMENT: reference full marks, starter zero, identical reruns, time budget, clean release."""
    from autograder.authoring.validate import validate_assignment

    failed = grader_failed = False
    sandbox = resolve_backend(sandbox)
    if mutants:
        sys.exit(_mutation_audit(_assignments(assignment, all_), sandbox, max_mutants, jobs or os.cpu_count() or 1))
    for t in _assignments(assignment, all_):
        report = validate_assignment(t, sandbox=sandbox)
        table = Table(title=f"validate {t.id}")
        add_columns(table, ("check", "text"), ("result", "text"), ("detail", "text"))
        for c in report.checks:
            table.add_row(c.name, "[green]ok[/]" if c.ok else "[red]FAIL[/]", c.detail)
        print_table(console, table)
        figs = report.figures
        if figs:
            console.print(f"  {figs.get('tests', 0)} tests ({figs.get('hidden_tests', 0)} hidden), "
                          f"{figs.get('max_score', 0):g} points ({figs.get('hidden_points', 0):g} hidden), "
                          f"suite {figs.get('suite_seconds', 0):.1f} s", highlight=False)
        for problem in report.grader_problems:
            err_console.print(f"[bold red]grader failure:[/] {escape(problem)}", highlight=False, soft_wrap=True)
        failed |= not report.ok
        grader_failed |= report.grader_failed
    sys.exit(4 if grader_failed else 1 if failed else 0)


class _AuditProgress:
    """Progress of a long audit (a torch assignment's takes tens of minutes): a line every
    PROGRESS_EVERY mutants, and each survivor as soon as it is found, so an author can start
    writing the test that kills it."""

    PROGRESS_EVERY = 20

    def __init__(self) -> None:
        import threading
        import time

        self._lock = threading.Lock()
        self._clock = time.monotonic
        self._started = time.monotonic()
        self.graded = 0

    def __call__(self, mutant, killed: bool | None) -> None:
        with self._lock:
            self.graded += 1
            if killed is False:
                console.print(f"  survivor found: {mutant.key}", highlight=False, markup=False)
            if self.graded % self.PROGRESS_EVERY == 0:
                console.print(f"  {self.graded} mutants graded in {self._clock() - self._started:.0f} s", highlight=False)


def _mutation_audit(assignments: list[Assignment], sandbox: str, max_mutants: int | None, jobs: int) -> int:
    """0: every audit meets the target; 1: one falls short; 4: mutants could not be graded (not judged)."""
    from autograder.authoring.audit import TARGET, audit_assignment

    summary = Table(title="mutation audit (hidden suites)")
    add_columns(summary, ("assignment", "id"), *((col, "text") for col in ("mutants", "killed", "survived", "not judged",
                                                                      "equivalent", "score", "time (s)")))
    failed = grader_failed = False
    for t in assignments:
        console.print(f"auditing {t.id} ...", highlight=False)
        report = audit_assignment(t, sandbox=sandbox, jobs=jobs, max_mutants=max_mutants, on_result=_AuditProgress())
        for m in report.survived:
            console.print(f"  survived  {m.key}", highlight=False, markup=False)
        for m, message in report.not_judged:
            err_console.print(f"  [red]not judged[/] {escape(m.key)}: {escape(message)}", highlight=False, soft_wrap=True)
        for line in report.stale:
            err_console.print(f"  [yellow]stale[/]     {escape(line)}", highlight=False)
        if report.grader_failed:
            err_console.print(f"[bold red]{len(report.not_judged)} mutant(s) of {t.id} could not be graded (grader or "
                              "sandbox failure): the audit fails; fix the grader and run it again[/]", highlight=False)
        sampled = f"{report.total} of {report.sampled_from}" if report.total < report.sampled_from - len(report.equivalent) else str(report.total)
        summary.add_row(t.id, sampled, str(len(report.killed)), str(len(report.survived)), str(len(report.not_judged)),
                        str(len(report.equivalent)),
                        f"[{'green' if report.ok else 'red'}]{report.score:.1%}[/]", f"{report.seconds:.0f}")
        failed |= not report.meets_target
        grader_failed |= report.grader_failed
    print_table(console, summary)
    console.print(f"target: at least {TARGET:.0%} of mutants killed", highlight=False)
    return 4 if grader_failed else 1 if failed else 0


@click.group()
def image() -> None:
    """Build and check the Docker grading images (one per assignment environment)."""


_ROOTS_OPTION = click.option(
    "--root", "roots", multiple=True, type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="A kit or course folder whose assignments (solutions/ and assignments/) decide the environments; "
         "repeatable (default: the kit root).")


@image.command("build")
@click.option("--offline/--online", default=True, show_default=True,
              help="offline: Debian base from debootstrap + docker import, packages from a host wheelhouse, "
                   "network off during the build. online: BASE_IMAGE pulled from a registry.")
@click.option("--base-image", default=None, help="Base image (default: llmkit-base:bookworm offline, python:3.11-slim online).")
@_ROOTS_OPTION
@click.option("--unrestricted", is_flag=True,
              help="Also build the image with every runtime dependency (llmkit-grader:cpu), used only by workers "
                   "started without an environment.")
@click.option("--tag", default=None, help="Tag of the unrestricted image (implies --unrestricted; default: llmkit-grader:cpu).")
@click.option("--gpu", is_flag=True, help="Build the GPU images from docker/Dockerfile.gpu (online, on a GPU host).")
@click.option("--mirror", default=None, metavar="URL",
              help="Debian mirror for the offline base's debootstrap (default: the Debian mirror in this host's apt "
                   "sources, else debootstrap's own default).")
def image_build(offline: bool, base_image: str | None, roots: tuple[Path, ...], unrestricted: bool, tag: str | None,
                gpu: bool, mirror: str | None) -> None:
    """Build the worker image of every assignment's environment, from docker/Dockerfile and constraints.txt."""
    from autograder.sandbox.docker import connect
    from autograder.sandbox.image import assignment_environments, build_images, environment_tag

    environments = assignment_environments(roots or [kit_root()])
    for key, assignments in environments.items():
        console.print(f"{environment_tag(key, gpu)}: [{', '.join(key)}] for {', '.join(assignments)}",
                      highlight=False, markup=False)
    client = connect()
    built = build_images(client, list(environments), offline=offline, base_image=base_image, gpu=gpu,
                         unrestricted=unrestricted or tag is not None, unrestricted_tag=tag, mirror=mirror,
                         log=lambda line: console.print(line, highlight=False, markup=False))
    for name, image_id in built.items():
        console.print(f"built {name}: {image_id}", highlight=False)


@image.command("check")
@_ROOTS_OPTION
@click.option("--gpu", is_flag=True, help="Check the GPU images.")
def image_check(roots: tuple[Path, ...], gpu: bool) -> None:
    """Check that an engine answers and that the image of every assignment's environment exists and matches this kit."""
    from autograder.sandbox import SandboxError
    from autograder.sandbox.docker import connect
    from autograder.sandbox.image import assignment_environments, check_image, image_for

    client = connect()
    table = Table(title="llmkit worker images")
    add_columns(table, ("environment", "text"), ("assignments", "text"), ("image", "id"), ("status", "text"))
    problems = []
    for key, assignments in assignment_environments(roots or [kit_root()]).items():
        name = image_for(gpu, key)
        try:
            status = f"up to date ({check_image(client, name, key)[:19]})"
        except SandboxError as exc:
            status = "stale" if "stale" in str(exc) else "missing"
            problems.append(str(exc))
        table.add_row(", ".join(key) or "(standard library)", ", ".join(assignments), name, status)
    name = image_for(gpu)
    try:
        status = f"up to date ({check_image(client, name)[:19]})"
    except SandboxError as exc:
        status = "stale" if "stale" in str(exc) else "not built (needed only by workers without an environment)"
    table.add_row("(unrestricted)", "-", name, status)
    print_table(console, table)
    if problems:
        raise SandboxError("\n".join(problems))


COMMANDS = (release, validate, image,)
