"""The `llmkit` command line: a thin click layer over the library functions.

Exit codes (the same for every command):
  0  success (for `grade`: every submission got a result, whatever its score)
  1  `check` found failing tests, or `validate` / `release --check` found problems
  2  usage error (unknown option, missing argument)
  3  bad input: unknown topic, malformed manifest or course.toml, refused submission,
     `validate --mutants` on a copy without solutions/
  4  the grader itself failed: a sandbox or harness failure (in `check` too), or mutants of a
     mutation audit that could not be graded ("not judged")
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
import zipfile
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from autograder import __version__
from autograder.catalog import Topic, kit_root, list_topics, resolve
from autograder.errors import KitError, SubmissionError
from autograder.cli_options import add_columns, grading_setup, print_json, print_table, sandbox_option
from autograder.sandbox import resolve_backend

console = Console()
err_console = Console(stderr=True)


def _fail(exc: KitError) -> None:
    err_console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
    sys.exit(exc.exit_code)


class KitGroup(click.Group):
    """Turns our own exceptions into a clear message and a documented exit code."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except KitError as exc:
            _fail(exc)


@click.group(cls=KitGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="llmkit")
def main() -> None:
    """llmkit: LLM engineering assignments and a sandboxed autograder.

    Students: `llmkit check TOPIC`, then `llmkit submit TOPIC`.
    TAs: `llmkit grade TOPIC SUBMISSION...`. Instructors: `llmkit release`, `llmkit validate`.
    """
    _stop_sessions_on_sigterm()


def _stop_sessions_on_sigterm() -> None:
    """SIGTERM (a scheduler's stop, `kill`) forwards the stop to every grading session in flight, whose
    harness removes its workers and containers; the interrupted submissions get a grader-failure
    result (grade again), and the command exits 143 after its cleanup has run."""
    import signal

    def stop(signum, frame) -> None:
        from autograder.grade import STOPPING, stop_running_sessions

        STOPPING.set()
        stop_running_sessions()
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop)


@main.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the assignments as JSON (for scripts).")
def list_cmd(as_json: bool) -> None:
    """List the assignments of this kit."""
    from autograder.course import COURSE_FILE, load_course

    topics = list_topics()
    course_path = kit_root() / COURSE_FILE
    schedule = {}
    if course_path.is_file():
        course = load_course(course_path, [t.id for t in topics])
        schedule = {a.id: a for a in course.assignments}
    if as_json:
        print_json([{"topic": t.id, "title": t.manifest.title, "phase": t.manifest.phase, "gpu": t.manifest.gpu,
                     "submit": list(t.manifest.submission.files), "released": t.assignment_dir is not None,
                     "due": schedule[t.id].due.isoformat() if t.id in schedule else None,
                     "weight": schedule[t.id].weight if t.id in schedule else None} for t in topics])
        return
    table = Table(title=f"Assignments in {kit_root()}")
    add_columns(table, ("topic", "id"), ("title", "text", {"max_width": 60}), ("phase", "text"), ("gpu", "text"), ("submit", "text"),
                ("released", "text"), ("due", "text"), ("weight", "text"))
    for t in topics:
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
    table = Table(title=f"{result.topic}: {result.score:g} / {result.max_score:g}")
    add_columns(table, ("test", "id"), ("points", "text", {"justify": "right"}), ("status", "text"),
                ("reason", "text", {"max_width": 70}))
    for t in result.tests:
        status = "[green]passed[/]" if t.status == "passed" else "[red]failed[/]"
        table.add_row(escape(t.id), f"{t.score:g}/{t.points:g}", status,
                      escape("" if t.status == "passed" else _reason(t)))
    return table


@main.command()
@click.argument("topic")
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option("-v", "--verbose", is_flag=True, help="Show feedback for passing tests too.")
@sandbox_option("local")
def check(topic: str, path: Path | None, verbose: bool, sandbox: str) -> None:
    """Run the public tests of TOPIC on your work (PATH, default: the assignment folder).

    PATH may be a notebook (.ipynb): it is converted exactly as the grader converts it (tagged cells,
    definitions of other cells; see the notebook's first cell) and the converted files are shown.
    Uses the same harness and worker as the grader, so what you see here is what
    the public part of grading sees.
    """
    from autograder.grade import grade_submission

    t = resolve(topic)
    sandbox = resolve_backend(sandbox)
    path = path or t.assignment_dir or t.source_dir
    out = kit_root() / ".llmkit" / "check" / t.id
    result = grade_submission(topic=t, source=path, out_dir=out, sandbox=sandbox, suite="public", name=path.name)
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


@main.command()
@click.argument("topic")
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Zip to write (default: TOPIC-submission.zip).")
def submit(topic: str, path: Path | None, output: Path | None) -> None:
    """Zip exactly the files TOPIC asks for, with a manifest of their hashes.

    PATH (default: the assignment folder) may be a notebook (.ipynb): the zip then holds the files converted
    from it, exactly as the grader converts a notebook, and the conversion's notes are printed."""
    t = resolve(topic)
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
            raise SubmissionError(f"{src}: missing (or not a plain file); TOPIC {t.id} needs: {', '.join(t.manifest.submission.files)}")
        files[name] = src.read_bytes()
    meta = {"topic": t.id, "kit_version": __version__, "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "files": {n: hashlib.sha256(d).hexdigest() for n, d in files.items()}}
    if notebook is not None:
        meta["converted_from"] = notebook
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
        zf.writestr("submission.json", json.dumps(meta, indent=2))
    console.print(f"Wrote {output} with {', '.join(files)}", highlight=False)


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
    return [{"topic": r.topic, "submission": r.submission, "status": r.status, "score": r.score,
             "max_score": r.max_score, "failed_tests": sum(t.status != "passed" for t in r.tests),
             "execution_time": r.execution_time, "message": r.message,
             "results": str(out_root / r.topic / r.submission / "results.json")} for r in results]


@main.command()
@click.argument("topic")
@click.argument("submissions", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-j", "--jobs", type=click.IntRange(1, 256), default=None, help="Parallel submissions (default: cores).")
@click.option("-o", "--out", type=click.Path(path_type=Path), default=Path("graded"), show_default=True,
              help="Results go to OUT/TOPIC/SUBMISSION/results.json.")
@click.option("--public-only", is_flag=True, help="Run only the public tests.")
@click.option("--gpus", default="auto", show_default=True,
              help="GPUs for assignments with gpu = optional|required: auto (all found), none, or indices like 0,1. "
                   "Each job gets one device.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON (for scripts) instead of a table.")
@sandbox_option(None)
def grade(topic: str, submissions: tuple[Path, ...], jobs: int | None, out: Path, public_only: bool, gpus: str,
          as_json: bool, sandbox: str) -> None:
    """Grade SUBMISSIONS (zips or folders) of TOPIC; one results.json each, then a summary table."""
    from autograder.grade import grade_batch

    t = resolve(topic)
    if t.solution_dir is None:
        err_console.print(f"[yellow]warning:[/] solutions/{t.id} is missing: grading with the public tests only")
    sandbox, jobs = grading_setup(sandbox, jobs)
    results = grade_batch(topic=t, sources=list(submissions), out_root=out, sandbox=sandbox, jobs=jobs,
                          suite="public" if public_only else "all", gpus=gpus)
    if as_json:
        print_json(summary_json(results, out))
    else:
        print_table(console, summary_table(results, f"{t.id}: {len(results)} submission(s), results in {out / t.id}"))
    if any(r.graders_fault for r in results):
        sys.exit(4)


@main.command()
@click.argument("topic", required=False)
@click.option("--all", "all_", is_flag=True, help="Release every assignment.")
@click.option("--check", "check_only", is_flag=True, help="Only check that assignments/ is up to date and leaks nothing.")
@click.option("--kit", "kit_dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Write the tree students receive into KIT (llmkit, every released assignment regenerated, a "
                   "student course.toml and README), then scan it for leaks.")
@click.option("--force", is_flag=True, help="With --kit: replace a kit written before (a non-empty KIT is refused otherwise).")
def release(topic: str | None, all_: bool, check_only: bool, kit_dir: Path | None, force: bool) -> None:
    """Generate assignments/TOPIC (the student copy) from solutions/TOPIC, or with --kit the whole student kit."""
    from autograder.release import build_kit, build_release, check_release

    if kit_dir is not None:
        if topic or all_ or check_only:
            raise click.UsageError("--kit takes every released assignment; give no TOPIC, --all or --check with it")
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
    topics = _topics(topic, all_)
    failed = False
    for t in topics:
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


def _topics(topic: str | None, all_: bool) -> list[Topic]:
    if all_ == bool(topic):
        raise click.UsageError("give either a TOPIC or --all")
    return [resolve(topic)] if topic else list_topics()  # a TOPIC exactly when not --all


@main.command()
@click.argument("topic", required=False)
@click.option("--all", "all_", is_flag=True, help="Validate every assignment.")
@click.option("--mutants", is_flag=True,
              help="Run the mutation audit instead: grade mutants of the reference with the hidden suite and "
                   "report the share killed (target 85%) and every survivor.")
@click.option("--max-mutants", type=click.IntRange(1), default=None,
              help="Audit a seeded random sample of at most this many mutants per assignment.")
@click.option("-j", "--jobs", type=click.IntRange(1, 64), default=None, help="Parallel mutants (default: cores).")
@sandbox_option("local")
def validate(topic: str | None, all_: bool, mutants: bool, max_mutants: int | None, jobs: int | None,
             sandbox: str) -> None:
    """Check TOPIC: reference full marks, starter zero, identical reruns, time budget, clean release."""
    from autograder.validate import validate_topic

    failed = grader_failed = False
    sandbox = resolve_backend(sandbox)
    if mutants:
        sys.exit(_mutation_audit(_topics(topic, all_), sandbox, max_mutants, jobs or os.cpu_count() or 1))
    for t in _topics(topic, all_):
        report = validate_topic(t, sandbox=sandbox)
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


def _mutation_audit(topics: list[Topic], sandbox: str, max_mutants: int | None, jobs: int) -> int:
    """0: every audit meets the target; 1: one falls short; 4: mutants could not be graded (not judged)."""
    from autograder.audit import TARGET, audit_topic

    summary = Table(title="mutation audit (hidden suites)")
    add_columns(summary, ("topic", "id"), *((col, "text") for col in ("mutants", "killed", "survived", "not judged",
                                                                      "equivalent", "score", "time (s)")))
    failed = grader_failed = False
    for t in topics:
        console.print(f"auditing {t.id} ...", highlight=False)
        report = audit_topic(t, sandbox=sandbox, jobs=jobs, max_mutants=max_mutants)
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


@main.command()
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
    add_columns(table, ("topic", "id"), ("sample", "id"), *((col, "text") for col in ("status", "score", "max", "time (s)")))
    failures = False
    for t in list_topics():
        folder = samples_root / t.id
        if not folder.is_dir():
            continue
        sources = sorted(p for p in folder.iterdir() if p.is_dir() or p.suffix == ".zip")
        console.print(f"grading {len(sources)} sample(s) of {t.id} ...", highlight=False)
        for r in grade_batch(topic=t, sources=sources, out_root=out, sandbox=sandbox, jobs=jobs):
            table.add_row(t.id, r.submission, r.status, f"{r.score:g}", f"{r.max_score:g}", f"{r.execution_time:.1f}")
            failures |= r.graders_fault
    print_table(console, table)
    console.print(f"results.json files are under {out}/", highlight=False)
    sys.exit(4 if failures else 0)


@main.group()
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
    for key, topics in environments.items():
        console.print(f"{environment_tag(key, gpu)}: [{', '.join(key)}] for {', '.join(topics)}",
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
    for key, topics in assignment_environments(roots or [kit_root()]).items():
        name = image_for(gpu, key)
        try:
            status = f"up to date ({check_image(client, name, key)[:19]})"
        except SandboxError as exc:
            status = "stale" if "stale" in str(exc) else "missing"
            problems.append(str(exc))
        table.add_row(", ".join(key) or "(standard library)", ", ".join(topics), name, status)
    name = image_for(gpu)
    try:
        status = f"up to date ({check_image(client, name)[:19]})"
    except SandboxError as exc:
        status = "stale" if "stale" in str(exc) else "not built (needed only by workers without an environment)"
    table.add_row("(unrestricted)", "-", name, status)
    print_table(console, table)
    if problems:
        raise SandboxError("\n".join(problems))


from autograder.staff_cli import register  # noqa: E402  (the staff commands need `main` defined first)

register(main)

if __name__ == "__main__":
    main()
