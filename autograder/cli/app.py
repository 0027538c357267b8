"""The `llmkit` group: turns the kit's exceptions into messages and exit codes (see the package's
docstring), stops grading sessions on SIGTERM, and gathers the commands of every audience."""

from __future__ import annotations

import sys

import click
from rich.console import Console
from rich.markup import escape

from autograder import __version__
from autograder.cli import authoring, grading, staff, student
from autograder.errors import KitError

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

    Students: `llmkit check ASSIGNMENT`, then `llmkit submit ASSIGNMENT`.
    TAs: `llmkit grade ASSIGNMENT SUBMISSION...`. Instructors: `llmkit release`, `llmkit validate`.
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


def _add_commands(group: click.Group, *modules) -> None:
    """Every module's COMMANDS, refusing two commands of one name (one would hide the other)."""
    for module in modules:
        for command in module.COMMANDS:
            if command.name in group.commands:
                raise ValueError(f"llmkit has two commands named {command.name!r}; rename one in {module.__name__}")
            group.add_command(command)


_add_commands(main, student, grading, authoring, staff)
