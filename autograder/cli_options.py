"""Options shared by the grading commands of `llmkit` (cli.py) and its staff commands (staff_cli.py):
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
