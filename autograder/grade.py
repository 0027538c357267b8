"""Grade one submission end to end, or a batch of them; failures become results.

One submission: take it in (`intake`), run the assignment's tests in a
trusted pytest process with the llmkit plugin (the student's code runs in the
worker the plugin starts through the sandbox), assemble the records fail
closed (`results`), and write results.json. Anything that goes wrong with one
submission becomes an error result for that submission; the batch goes on.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Literal

from autograder import __version__
from autograder.catalog import Assignment
from autograder.errors import SubmissionError
from autograder.intake import Intake, from_stored, take_in
from autograder.outcomes import Failure
from autograder.results import RecordsError, SubmissionResult, assemble, error_result, write_results
from autograder.sandbox import SandboxError
from autograder.sandbox.gpu import Gpu, GpuPool, pool_for

PYTEST_INI = Path(__file__).parent / "harness" / "pytest.ini"
Suite = Literal["all", "public", "hidden"]


def submission_name(source: Path) -> str:
    """A submission's label: its folder's name, or its file's name without .zip / .ipynb."""
    path = Path(source)
    return path.stem if path.suffix.lower() in (".zip", ".ipynb") else path.name


def tests_dirs(assignment: Assignment, suite: Suite) -> tuple[Path, list[Path]]:
    """The folder pytest runs in and the test folders for `suite`."""
    base = assignment.source_dir
    if suite in ("public", "hidden"):
        return base, [base / "tests" / suite]
    return base, [base / "tests"]


RUNNING: set[int] = set()  # process groups of grading sessions in flight (stopped on SIGTERM)
STOPPING = threading.Event()  # set by the CLI's SIGTERM handler: sessions ending now were interrupted
STOP_GRACE_SECONDS = 15.0


def run_suite(*, base: Path, test_paths: list[Path], submission: Path, records: Path, sandbox: str,
              timeout: float, log: Path, gpu: str | None = None, scratch: Path | None = None,
              extra_args: tuple[str, ...] = ()) -> tuple[int | None, float]:
    """Run pytest with the plugin in a separate trusted process; return (exit code or None on timeout, seconds).

    On timeout the session gets SIGTERM (the plugin then removes its workers and containers), and
    SIGKILL after a grace period; containers it still left are removed by their pid label."""
    cmd = [
        sys.executable, "-m", "pytest", *map(str, test_paths),
        "-p", "autograder.harness.plugin", "-c", str(PYTEST_INI), "--rootdir", str(base),
        "--llmkit-submission", str(submission), "--llmkit-results", str(records),
        "--llmkit-sandbox", sandbox, *(("--llmkit-gpu", gpu) if gpu is not None else ()),
        *(("--llmkit-scratch", str(scratch)) if scratch is not None else ()), *extra_args,
    ]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "LLMKIT_SECRET"))}
    env.update({"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
                "PYTHONDONTWRITEBYTECODE": "1", "OMP_NUM_THREADS": env.get("OMP_NUM_THREADS", "2")})
    started = time.monotonic()
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=base, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                env=env, start_new_session=True)
        RUNNING.add(proc.pid)
        try:
            code: int | None = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            stop_session(proc)
            code = None
        finally:
            RUNNING.discard(proc.pid)
    if code is None and sandbox == "docker":
        remove_session_containers(proc.pid)
    return code, time.monotonic() - started


def session_error_line(log: Path, limit: int = 300) -> str:
    """The line of a grading session's log that says why pytest stopped: the last INTERNALERROR line
    (a harness or plugin bug), else the last line; so a grader failure names its cause in the result."""
    try:
        lines = [line.strip() for line in log.read_text(encoding="utf-8", errors="replace").splitlines() if line.strip()]
    except OSError:
        return "no log"
    internal = [line for line in lines if line.startswith("INTERNALERROR>") and line != "INTERNALERROR>"]
    return ((internal or lines or ["empty log"])[-1])[:limit]


def stop_session(proc: subprocess.Popen) -> None:
    """SIGTERM the session's process group, then SIGKILL whatever is left after the grace period."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=STOP_GRACE_SECONDS)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


def remove_session_containers(pid: int) -> None:
    """Remove the containers a killed grading session (pytest process `pid`) may have left."""
    try:
        from autograder.sandbox.docker import connect, remove_containers

        client = connect()
    except SandboxError:
        return
    try:
        remove_containers(client, {"llmkit.pid": str(pid)})
    finally:
        client.close()


def stop_running_sessions(signum: int = signal.SIGTERM) -> None:
    """Forward a stop to every grading session in flight (the CLI's SIGTERM handler)."""
    for pgid in list(RUNNING):
        try:
            os.killpg(pgid, signum)
        except ProcessLookupError:
            pass


def session_timeout(assignment: Assignment) -> float:
    """Backstop for a whole grading session (per-test limits normally end things far sooner)."""
    return max(300.0, assignment.manifest.limits.suite_seconds * 5)


def check_resources(assignment: Assignment) -> None:
    """Refuse an assignment that asks for more memory than the machine has."""
    total_mb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // (1024 * 1024)
    wanted = assignment.manifest.limits.memory_mb
    if wanted > total_mb:
        raise SandboxError(
            f"{assignment.id} asks for {wanted} MiB of memory per worker (limits.memory_mb in its manifest) but this "
            f"machine has {total_mb} MiB; lower the limit or grade on a bigger machine"
        )


def preflight(sandbox: str, gpu: str | None = None, packages: tuple[str, ...] | None = None) -> dict:
    """Check the sandbox before running anything; returns facts to record with the grade.

    Raises SandboxError (engine unreachable, image missing or stale, a distribution of the
    worker environment `packages` not installed) so that no submission is graded against a
    broken sandbox.
    """
    # -- worker environment (the manifest's [environment] packages) --
    if sandbox == "local" and packages is not None:
        from autograder.sandbox.environment import requirement_closure

        requirement_closure(packages)  # MissingDistribution (a SandboxError) names what is not installed
    # --
    if sandbox != "docker":
        return {}
    from autograder.sandbox.docker import connect
    from autograder.sandbox.image import check_image, image_for

    client = connect()
    try:
        image = image_for(gpu is not None, packages)
        return {"image": image, "image_id": check_image(client, image, packages)}
    finally:
        client.close()


@dataclass(frozen=True)
class Submission:
    """One submission to grade: a source on disk (folder, zip, notebook), or the files a gradebook
    kept from an earlier intake (regrade). `label` names its results folder."""

    label: str
    source: Path | None = None
    stored: Mapping[str, bytes] | None = None

    def take_in(self, files: tuple[str, ...], dest: Path) -> Intake:
        """The one intake of this submission (raises SubmissionError when it is refused)."""
        if self.stored is not None:
            return from_stored(self.stored, files, dest)
        if self.source is None:
            raise SubmissionError(f"{self.label}: neither a source nor stored files; give a folder, zip or notebook")
        return take_in(self.source, files, dest)


@contextmanager
def grading_folder() -> Iterator[Path]:
    """A private work folder for one submission: its intake copy, the records, the worker's scratch."""
    work = Path(tempfile.mkdtemp(prefix="llmkit-grade-"))
    # Traversable, not listable: a worker running as another uid reaches its scratch folder below,
    # while records.jsonl (0600) and the intake copy stay the grader's.
    work.chmod(0o711)
    try:
        yield work
    finally:
        shutil.rmtree(work, ignore_errors=True)


def admit(submission: Submission, assignment: Assignment, work: Path) -> Intake | SubmissionError:
    """Take `submission` in under `work`; a refusal is returned, not raised (it becomes a result)."""
    try:
        return submission.take_in(assignment.manifest.submission.files, work / "submission")
    except SubmissionError as exc:
        return exc


def grade_submission(*, assignment: Assignment, source: Path | Submission, out_dir: Path, sandbox: str = "local",
                     suite: Suite = "all", name: str | None = None, gpu: str | None = None,
                     fail_fast: bool = False) -> SubmissionResult:
    """Take `source` in, grade it and write `out_dir/results.json`. Never raises for a student's fault."""
    submission = source if isinstance(source, Submission) else Submission(name or submission_name(source), Path(source))
    with grading_folder() as work:
        return grade_intake(assignment=assignment, intake=admit(submission, assignment, work), work=work, out_dir=out_dir,
                            sandbox=sandbox, suite=suite, name=name or submission.label, gpu=gpu, fail_fast=fail_fast)


def grade_intake(*, assignment: Assignment, intake: Intake | SubmissionError, work: Path, out_dir: Path, name: str,
                 sandbox: str = "local", suite: Suite = "all", gpu: str | None = None,
                 fail_fast: bool = False) -> SubmissionResult:
    """THE grading function: grade one taken-in submission and write `out_dir/results.json`.

    Every command reaches it (check, grade, demo, bulk, regrade, validate, the audit), so a
    submission scores the same whichever command graded it. `work` is the submission's
    grading_folder(); a refused intake becomes a "Submission refused" result.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    meta: dict[str, Any] = {"kit_version": __version__, "sandbox": sandbox, "suite": suite, "gpu": gpu}
    visibility = assignment.manifest.hidden_visibility

    def finish(result: SubmissionResult) -> SubmissionResult:
        write_results(result, out_dir, visibility)
        return result

    content_hash = intake.content_hash if isinstance(intake, Intake) else ""
    try:
        check_resources(assignment)
        meta.update(preflight(sandbox, gpu, assignment.manifest.environment.packages))
    except SandboxError as exc:
        return finish(error_result(assignment.id, name, Failure.SANDBOX, str(exc), content_hash=content_hash, meta=meta))
    if isinstance(intake, SubmissionError):
        shutil.rmtree(out_dir / CONVERTED, ignore_errors=True)  # an earlier grading's, not this one's
        return finish(error_result(assignment.id, name, Failure.REFUSED, str(intake), meta=meta))
    keep_converted(intake, out_dir)
    base, paths = tests_dirs(assignment, suite)
    records = work / "records.jsonl"
    code, seconds = run_suite(base=base, test_paths=paths, submission=intake.folder, records=records,
                              sandbox=sandbox, timeout=session_timeout(assignment), log=out_dir / "grader.log",
                              gpu=gpu, scratch=work / "scratch", extra_args=("-x",) if fail_fast else ())
    if STOPPING.is_set():
        return finish(error_result(assignment.id, name, Failure.GRADER, "grading was stopped (SIGTERM) before this "
                                   "submission finished; grade it again", content_hash=content_hash, meta=meta))
    note = ""
    if code is None:
        note = f"The grading session ran past {session_timeout(assignment):.0f} s and was stopped; unfinished tests count as failed."
    elif code not in (0, 1):
        note = f"The grading session ended with pytest exit code {code} ({session_error_line(out_dir / 'grader.log')}); see grader.log."
    meta["pytest_exit"] = code
    try:
        result = assemble(assignment.id, name, records, problems=intake.problems, execution_time=seconds,
                          content_hash=content_hash, meta=meta, session_note=note)
    except RecordsError as exc:
        result = error_result(assignment.id, name, Failure.GRADER, f"{exc}; see {out_dir / 'grader.log'}",
                              content_hash=content_hash, meta=meta)
    if records.exists():
        shutil.copyfile(records, out_dir / "records.jsonl")
    return finish(result)


CONVERTED = "converted"


def keep_converted(intake, out_dir: Path) -> Path | None:
    """A notebook submission's converted files (and the notebook without outputs) go to OUT/converted/, so a
    student or TA sees exactly what was graded; a folder left by an earlier grading is replaced."""
    folder = out_dir / CONVERTED
    shutil.rmtree(folder, ignore_errors=True)
    if intake.notebook is None:
        return None
    folder.mkdir(parents=True)
    for name in intake.files:
        shutil.copyfile(intake.folder / name, folder / name)
    (folder / Path(intake.notebook).name).write_text(intake.notebook_text, encoding="utf-8")
    return folder


def unique_labels(names: list[str]) -> list[str]:
    """Results-folder labels: each name, with -2, -3, ... added to its repeats."""
    seen: dict[str, int] = {}
    labels = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        labels.append(name if seen[name] == 1 else f"{name}-{seen[name]}")
    return labels


def grader_failure(assignment: Assignment, label: str, exc: BaseException) -> SubmissionResult:
    """The result of a submission whose grading raised (a grader bug): the rest of the batch goes on."""
    return error_result(assignment.id, label, Failure.GRADER, f"{type(exc).__name__}: {exc}")


def grade_batch(*, assignment: Assignment, sources: list[Path], out_root: Path, sandbox: str = "local", jobs: int = 1,
                suite: Suite = "all", on_done: Callable[[SubmissionResult], None] | None = None,
                gpus: str = "auto", gpu_inventory: list[Gpu] | None = None,
                gpu_pool: GpuPool | None = None) -> list[SubmissionResult]:
    """Grade many submissions without a gradebook (`grade`, `demo`); results keep the input order.

    GPU assignments get one device per job from a pool (see sandbox.gpu);
    raises SandboxError before grading anything when a required GPU is absent.
    """
    from autograder.scheduler import LocalPool

    if gpu_pool is None:
        gpu_pool = pool_for(assignment.manifest.gpu, gpus, assignment.id, gpu_inventory)
    labels = unique_labels([submission_name(src) for src in sources])
    submissions = [Submission(label, Path(src)) for src, label in zip(sources, labels, strict=True)]

    def grade(submission: Submission, gpu: str | None) -> SubmissionResult:
        return grade_submission(assignment=assignment, source=submission, out_dir=out_root / assignment.id / submission.label,
                                sandbox=sandbox, suite=suite, gpu=gpu)

    def crashed(submission: Submission, exc: BaseException) -> SubmissionResult:
        result = grader_failure(assignment, submission.label, exc)
        try:
            write_results(result, out_root / assignment.id / submission.label)
        except OSError:
            pass
        return result

    def done(_: int, result: SubmissionResult) -> None:
        if on_done is not None:
            on_done(result)

    return LocalPool(jobs=jobs, gpu_pool=gpu_pool).run(submissions, grade, on_crash=crashed, on_done=done)
