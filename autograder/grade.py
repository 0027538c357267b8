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
from contextlib import nullcontext
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, Literal

from autograder import __version__
from autograder.catalog import Topic
from autograder.errors import SubmissionError
from autograder.intake import take_in
from autograder.results import (GRADER_FAILURE, SANDBOX_FAILURE, RecordsError, SubmissionResult, assemble, error_result,
                                write_results)
from autograder.sandbox import SandboxError
from autograder.sandbox.gpu import Gpu, GpuPool, pool_for

PYTEST_INI = Path(__file__).parent / "harness" / "pytest.ini"
Suite = Literal["all", "public", "hidden"]


def submission_name(source: Path) -> str:
    """A submission's label: its folder's name, or its file's name without .zip / .ipynb."""
    path = Path(source)
    return path.stem if path.suffix.lower() in (".zip", ".ipynb") else path.name


def tests_dirs(topic: Topic, suite: Suite) -> tuple[Path, list[Path]]:
    """The folder pytest runs in and the test folders for `suite`."""
    base = topic.source_dir
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


def session_timeout(topic: Topic) -> float:
    """Backstop for a whole grading session (per-test limits normally end things far sooner)."""
    return max(300.0, topic.manifest.limits.suite_seconds * 5)


def check_resources(topic: Topic) -> None:
    """Refuse an assignment that asks for more memory than the machine has."""
    total_mb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // (1024 * 1024)
    wanted = topic.manifest.limits.memory_mb
    if wanted > total_mb:
        raise SandboxError(
            f"{topic.id} asks for {wanted} MiB of memory per worker (limits.memory_mb in its manifest) but this "
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


def grade_submission(*, topic: Topic, source: Path, out_dir: Path, sandbox: str = "local", suite: Suite = "all",
                     name: str | None = None, gpu: str | None = None, fail_fast: bool = False) -> SubmissionResult:
    """Grade `source` (folder or zip) and write `out_dir/results.json`. Never raises for a student's fault."""
    name = name or submission_name(source)
    out_dir.mkdir(parents=True, exist_ok=True)
    meta: dict[str, Any] = {"kit_version": __version__, "sandbox": sandbox, "suite": suite, "gpu": gpu}
    try:
        check_resources(topic)
        meta.update(preflight(sandbox, gpu, topic.manifest.environment.packages))
    except SandboxError as exc:
        result = error_result(topic.id, name, f"{SANDBOX_FAILURE}: {exc}", meta=meta)
        write_results(result, out_dir, topic.manifest.hidden_visibility)
        return result
    work = Path(tempfile.mkdtemp(prefix="llmkit-grade-"))
    # Traversable, not listable: a worker running as another uid reaches its scratch folder below,
    # while records.jsonl (0600) and the intake copy stay the grader's.
    work.chmod(0o711)
    try:
        try:
            intake = take_in(Path(source), topic.manifest.submission.files, work / "submission")
        except SubmissionError as exc:
            shutil.rmtree(out_dir / CONVERTED, ignore_errors=True)  # an earlier grading's, not this one's
            result = error_result(topic.id, name, f"Submission refused: {exc}", meta=meta)
            write_results(result, out_dir, topic.manifest.hidden_visibility)
            return result
        keep_converted(intake, out_dir)
        base, paths = tests_dirs(topic, suite)
        records = work / "records.jsonl"
        code, seconds = run_suite(base=base, test_paths=paths, submission=intake.folder, records=records,
                                  sandbox=sandbox, timeout=session_timeout(topic), log=out_dir / "grader.log",
                                  gpu=gpu, scratch=work / "scratch", extra_args=("-x",) if fail_fast else ())
        if STOPPING.is_set():
            result = error_result(topic.id, name, f"{GRADER_FAILURE}: grading was stopped (SIGTERM) before this "
                                  "submission finished; grade it again", content_hash=intake.content_hash, meta=meta)
            write_results(result, out_dir, topic.manifest.hidden_visibility)
            return result
        note = ""
        if code is None:
            note = f"The grading session ran past {session_timeout(topic):.0f} s and was stopped; unfinished tests count as failed."
        elif code not in (0, 1):
            note = f"The grading session ended with pytest exit code {code}; see grader.log."
        meta["pytest_exit"] = code
        try:
            result = assemble(topic.id, name, records, problems=intake.problems, execution_time=seconds,
                              content_hash=intake.content_hash, meta=meta, session_note=note)
        except RecordsError as exc:
            result = error_result(topic.id, name, f"{GRADER_FAILURE}: {exc}; see {out_dir / 'grader.log'}",
                                  content_hash=intake.content_hash, meta=meta)
        shutil.copyfile(records, out_dir / "records.jsonl") if records.exists() else None
        write_results(result, out_dir, topic.manifest.hidden_visibility)
        return result
    finally:
        shutil.rmtree(work, ignore_errors=True)


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


def grade_batch(*, topic: Topic, sources: list[Path], out_root: Path, sandbox: str = "local", jobs: int = 1,
                suite: Suite = "all", on_done: Callable[[SubmissionResult], None] | None = None,
                gpus: str = "auto", gpu_inventory: list[Gpu] | None = None,
                gpu_pool: GpuPool | None = None) -> list[SubmissionResult]:
    """Grade many submissions with `jobs` in parallel; results keep the input order.

    GPU assignments get one device per job from a pool (see sandbox.gpu);
    raises SandboxError before grading anything when a required GPU is absent.
    """
    if gpu_pool is None:
        gpu_pool = pool_for(topic.manifest.gpu, gpus, topic.id, gpu_inventory)
    names: dict[str, int] = {}
    planned = []
    for src in sources:
        base = submission_name(src)
        names[base] = names.get(base, 0) + 1
        planned.append((src, base if names[base] == 1 else f"{base}-{names[base]}"))

    def one(item: tuple[Path, str]) -> SubmissionResult:
        src, name = item
        with gpu_pool.lease() if gpu_pool is not None else nullcontext() as device:
            try:
                result = grade_submission(topic=topic, source=src, out_dir=out_root / topic.id / name,
                                          sandbox=sandbox, suite=suite, name=name,
                                          gpu=device.index if device is not None else None)
            except Exception as exc:  # a grader bug must not lose the rest of the batch
                result = error_result(topic.id, name, f"{GRADER_FAILURE}: {type(exc).__name__}: {exc}")
                try:
                    write_results(result, out_root / topic.id / name)
                except OSError:
                    pass
        if on_done is not None:
            on_done(result)
        return result

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return list(pool.map(one, planned))
