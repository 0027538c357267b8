"""Options shared by the grading commands of `llmkit` (cli/grading.py, cli/student.py) and its staff commands (cli/staff.py):
where student code runs and how many submissions run at once, with the course's defaults."""

from __future__ import annotations

import os

import click
from rich.console import Console

from autograder.sandbox import BACKENDS, LOCAL_WARNING, SandboxError, resolve_backend

_err_console = Console(stderr=True)


def sandbox_option(default: str | None):
    """`--sandbox`; a default of None means the course's choice ([sandbox] backend in course.toml, else auto)."""
    return click.option(
        "--sandbox", type=click.Choice(("auto", *BACKENDS)), default=default, envvar="LLMKIT_SANDBOX",
        show_default=default or "course.toml [sandbox] backend, else auto",
        help="Where student code runs: docker (hardened container), local (subprocess; NOT a security "
             "boundary), or auto (docker when an engine is reachable, else local). Env: LLMKIT_SANDBOX.")


def grading_setup(sandbox: str | None, jobs: int | None, *, allow_fallback: bool = False) -> tuple[str, int]:
    """The backend and parallelism of a grading command: the options, else course.toml's [sandbox]
    (read once), else auto and the number of cores. Grading with the local backend always prints
    that it is not a security boundary.

    `auto` falls back to local only where `allow_fallback` (demo): `grade`, `bulk` and `regrade`
    grade untrusted submissions, so without an engine they stop unless local was asked for by name."""
    from autograder.catalog import kit_root
    from autograder.course import COURSE_FILE, SandboxDefaults, load_course

    path = kit_root() / COURSE_FILE
    defaults = load_course(path).sandbox if path.is_file() else SandboxDefaults()
    asked = sandbox or defaults.backend
    chosen = resolve_backend(asked)
    if asked == "auto" and chosen == "local" and not allow_fallback:
        raise SandboxError(
            "no Docker engine answers, and submissions are graded in Docker unless you ask otherwise. Start the "
            "engine (`sudo systemctl start docker`, or `dockerd &` as root) and build the image "
            "(`llmkit image build --offline`), or pass --sandbox local to grade without isolation"
        )
    if chosen == "local":
        _err_console.print(f"[yellow]warning:[/] {LOCAL_WARNING}", highlight=False)
    return chosen, jobs or defaults.jobs or os.cpu_count() or 1


def engine_options(fn):
    """`--engine local|ray` and `--address` of bulk and regrade; None means course.toml's [sandbox] engine."""
    fn = click.option("--address", default=None, envvar="LLMKIT_RAY_ADDRESS",
                      help="--engine ray: the Ray head to join (HOST:6379); without it a local Ray instance starts. "
                           "Default: course.toml [sandbox] ray_address. Env: LLMKIT_RAY_ADDRESS.")(fn)
    return click.option("--engine", type=click.Choice(("local", "ray")), default=None,
                        show_default="course.toml [sandbox] engine, else local",
                        help="Where the submissions are graded: local (this machine's pool) or ray (one Ray task "
                             "per submission on a cluster; only this process writes the gradebook).")(fn)


def engine_setup(engine: str | None, address: str | None) -> tuple[str, str | None]:
    """The engine and Ray address of bulk/regrade: the options, else course.toml's [sandbox], else local."""
    from autograder.catalog import kit_root
    from autograder.course import COURSE_FILE, SandboxDefaults, load_course

    path = kit_root() / COURSE_FILE
    defaults = load_course(path).sandbox if path.is_file() else SandboxDefaults()
    chosen = engine or defaults.engine or "local"
    return chosen, (address or defaults.ray_address) if chosen == "ray" else None


def add_columns(table, *columns) -> None:
    """Add columns that never truncate: `(name, kind, kw)` with kind "id" for ids and paths (kept on one
    line: `no_wrap`, folded only past the whole width) or "text" (wrapped, folded, never cut with an
    ellipsis), whatever the console's width (80 columns when the output is not a terminal)."""
    for name, kind, *rest in columns:
        kw = dict(rest[0]) if rest else {}
        kw.setdefault("overflow", "fold")
        if kind == "id":
            kw.setdefault("no_wrap", True)
        table.add_column(name, **kw)


def print_json(data) -> None:
    """JSON for scripts, on stdout, nothing else."""
    import json

    import click

    click.echo(json.dumps(data, indent=2, default=str))


def print_table(console, table) -> None:
    """Print a table; when the output is not a terminal (a pipe, a file, a CI log) it is printed at its
    natural width rather than rich's fallback of 80 columns, so no id, path or value is cut or folded."""
    if console.is_terminal:
        console.print(table)
        return
    saved = console.width
    natural = console.measure(table, options=console.options.update(width=10_000)).maximum
    console.width = max(saved, natural)  # print() caps its own width at the console's
    try:
        console.print(table)
    finally:
        console.width = saved
