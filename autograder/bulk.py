"""Grade a whole batch into the gradebook: resumable, parallel, safe beside a second grading process.

For each submission: take it in (to get its content hash), record it, skip it
when it already has a grade under the same tests (unless `force`), claim it,
grade it with `grade.grade_intake` (the same taken-in copy), and record the grade at once. A
grading process killed mid-batch therefore loses only the submissions in
flight; rerunning the same command grades exactly those. A submission whose
grading failed because of the grader (not the student) is never recorded, so
a rerun retries it. `regrade` finds the latest submissions graded under
other tests than the current ones and grades them again from the files the
gradebook keeps.

Nothing here prints: progress goes to an `on_event` callback (the CLI draws
the bar), and per-submission logs go next to each results.json.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from autograder import __version__
from autograder.lms_download import BatchEntry, Reconciled, load_roster, open_batch, reconcile, safe_label
from autograder.catalog import Assignment, kit_root
from autograder.errors import GraderFailure, SubmissionError
from autograder.grade import Suite, admit, grade_intake, grader_failure, grading_folder, unique_labels
from autograder.gradebook import Gradebook, GradebookError
from autograder.gradebook.store import now_iso
from autograder.intake import Intake
from autograder.results import SubmissionResult
from autograder.sandbox.base import DEFAULT_ENV, SandboxError
from autograder.sandbox.gpu import pool_for
from autograder.scheduler import LocalPool

_FATAL_ERRNOS = {errno.ENOSPC, errno.EROFS, errno.EDQUOT}


@dataclass(frozen=True)
class Outcome:
    """What happened to one batch entry in this run."""

    student: str
    label: str
    state: str  # graded | error | skipped | busy | failure | cancelled
    result: SubmissionResult | None = None
    note: str = ""
    seconds: float = 0.0
    node: str = ""  # the Ray node that graded it (--engine ray)


@dataclass(frozen=True)
class BulkReport:
    assignment: str
    run_id: int | None
    outcomes: tuple[Outcome, ...]
    seconds: float
    out_dir: Path
    gradebook: Path
    unknown: tuple[BatchEntry, ...] = ()
    missing: tuple = ()
    problems: tuple[str, ...] = ()
    fatal: str = ""  # why the run stopped early (disk full, gradebook unwritable)

    def count(self, state: str) -> int:
        return sum(o.state == state for o in self.outcomes)

    @property
    def full_marks(self) -> int:
        return sum(bool(o.result and o.result.full_marks) for o in self.outcomes)

    @property
    def grader_failed(self) -> bool:
        return bool(self.fatal) or self.count("failure") > 0


def tests_fingerprint(assignment: Assignment, suite: Suite = "all") -> tuple[str, dict[str, str]]:
    """(hash of everything that decides a grade, per-file hashes): manifest, tests/, fixtures/, suite."""
    base = assignment.source_dir
    files: dict[str, str] = {}
    for rel in ("manifest.toml",):
        if (base / rel).is_file():
            files[rel] = hashlib.sha256((base / rel).read_bytes()).hexdigest()
    for folder in ("tests", "fixtures"):
        for path in sorted((base / folder).rglob("*")) if (base / folder).is_dir() else ():
            rel = path.relative_to(base).as_posix()
            if path.is_file() and "__pycache__" not in rel and not path.name.endswith(".pyc"):
                if suite == "public" and "hidden" in path.relative_to(base).parts:
                    continue
                files[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    digest = hashlib.sha256(f"suite={suite}\n".encode())
    for rel in sorted(files):
        digest.update(f"{rel}\0{files[rel]}\n".encode())
    return digest.hexdigest(), files


def default_gradebook(root: Path | None = None) -> Path:
    """`.llmkit/gradebook/<term>.sqlite` under the kit root (one file per term)."""
    from autograder.course import COURSE_FILE, load_course

    root = root or kit_root()
    term = "default"
    if (root / COURSE_FILE).is_file():
        term = load_course(root / COURSE_FILE).term
    return root / ".llmkit" / "gradebook" / f"{term}.sqlite"


def _check_writable(folder: Path) -> None:
    probe = folder / f".llmkit-write-test-{os.getpid()}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe.write_bytes(b"x" * 4096)
        probe.unlink()
    except OSError as exc:
        raise GraderFailure(f"results folder {folder} is not writable ({exc.strerror or exc}); free disk space, "
                            "fix its permissions or choose another --out; nothing was graded or recorded") from None


def _refused_hash(entry: BatchEntry) -> str:
    """A refused archive has no taken-in files: it is recorded under the hash of its raw bytes."""
    digest = hashlib.sha256(b"refused\0")
    if entry.source.is_file():
        digest.update(entry.source.read_bytes())
    return digest.hexdigest()


def _log(folder: Path, lines: list[str]) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / "llmkit.log", "a", encoding="utf-8") as fh:
            fh.write("".join(f"{now_iso()} {line}\n" for line in lines))
    except OSError:
        pass  # the log is a convenience; a full disk is reported through the results instead


def grade_entries(*, assignment: Assignment, entries: list[BatchEntry], gradebook: Gradebook, out_root: Path,
                  sandbox: str = "local", jobs: int | None = None, suite: Suite = "all", force: bool = False,
                  command: str = "grade", gpus: str = "auto", engine: str = "local", address: str | None = None,
                  on_event: Callable[[str, Outcome | None, int], None] | None = None,
                  ) -> tuple[int, tuple[Outcome, ...], str]:
    """Grade `entries` into `gradebook`; return (run id, outcomes in input order, fatal message or "").

    A GPU assignment gets one device per job from the sandbox's GPU pool (`gpus`: auto, none, 0,1).
    `engine` "ray" grades on the Ray cluster at `address` (a local Ray instance without one): intake,
    claims and recording stay here, each submission's grading runs as one Ray task on a node.
    """
    jobs = jobs or os.cpu_count() or 1
    out_dir = out_root / assignment.id
    _check_writable(out_dir)
    gpu_pool = pool_for(assignment.manifest.gpu, gpus, assignment.id) if engine == "local" else None
    cluster = _cluster_setup(assignment, sandbox, gpus, address, jobs) if engine == "ray" else None
    tests_hash, test_files = tests_fingerprint(assignment, suite)
    gradebook.upsert_assignment(assignment.id, title=assignment.manifest.title, tests_hash=tests_hash, test_files=test_files)
    run_id = gradebook.start_run(assignment_id=assignment.id, tests_hash=tests_hash, command=command,
                                 kit_version=__version__, sandbox=sandbox, jobs=jobs,
                                 seeds={"PYTHONHASHSEED": DEFAULT_ENV["PYTHONHASHSEED"]})
    stop = threading.Event()
    fatal: list[str] = []
    labels = unique_labels([safe_label(e.student_id) for e in entries])  # folders named after the student
    if on_event:
        on_event("start", None, len(entries))

    def take(entry: BatchEntry, label: str, work: Path) -> tuple[Intake | SubmissionError, str, int, Outcome | None]:
        """Driver side: the one intake, the gradebook's submission row and the claim."""
        intake = admit(entry.submission(label), assignment, work)
        if isinstance(intake, Intake):
            content_hash, files = intake.content_hash, intake.read_files()
        else:
            content_hash, files = _refused_hash(entry), None
        sub_id = gradebook.add_submission(
            student_id=entry.student_id, assignment_id=assignment.id, content_hash=content_hash,
            submitted_at=entry.submitted_at, source=str(entry.source), layout=entry.layout,
            late_flag=entry.late_flag, files=files, name=entry.name, email=entry.email)
        claim = gradebook.claim(sub_id, tests_hash, run_id, force=force)
        if claim == "graded":
            return intake, content_hash, sub_id, Outcome(entry.student_id, label, "skipped",
                                                         note="already graded with these tests")
        if claim == "busy":
            return intake, content_hash, sub_id, Outcome(entry.student_id, label, "busy",
                                                         note="another grading run is grading it")
        return intake, content_hash, sub_id, None

    def graded_fault(exc: Exception, label: str) -> SubmissionResult:
        if isinstance(exc, OSError) and exc.errno in _FATAL_ERRNOS:
            stop.set()
            fatal.append(f"results folder {out_dir}: {exc.strerror} while writing {label}; free space "
                         "and rerun the same command: finished grades are kept")
        return grader_failure(assignment, label, exc)

    def finish(entry: BatchEntry, label: str, sub_id: int, content_hash: str, result: SubmissionResult,
               started: str, seconds: float, node: str = "") -> Outcome:
        """Driver side: record the grade (or release the claim of a grader failure) and log it."""
        folder = out_dir / label
        where = f" on {node}" if node else ""
        if result.graders_fault:
            gradebook.release(sub_id, tests_hash, run_id)
            _log(folder, [f"run {run_id}: grader failure{where}, not recorded: {result.message}"])
            return Outcome(entry.student_id, label, "failure", result, note=result.message, seconds=seconds, node=node)
        gradebook.record(run_id=run_id, submission_id=sub_id, tests_hash=tests_hash, result=result,
                         started_at=started, finished_at=now_iso())
        _log(folder, [f"run {run_id}: student {entry.student_id} submission {content_hash[:12]} "
                      f"tests {tests_hash[:12]}: {result.status} {result.score:g}/{result.max_score:g} "
                      f"in {seconds:.1f} s{where}"])
        return Outcome(entry.student_id, label, result.status, result, seconds=seconds, node=node)

    def grade(item: tuple[BatchEntry, str], gpu: str | None) -> Outcome:
        entry, label = item
        if stop.is_set():
            return Outcome(entry.student_id, label, "cancelled", note="not graded: the run stopped early")
        folder = out_dir / label
        started, clock = now_iso(), time.monotonic()
        with grading_folder() as work:
            intake, content_hash, sub_id, early = take(entry, label, work)
            if early is not None:
                return early
            try:
                result = grade_intake(assignment=assignment, intake=intake, work=work, out_dir=folder, name=label,
                                      sandbox=sandbox, suite=suite, gpu=gpu)
            except Exception as exc:  # a grader bug or a full disk must not lose the rest of the batch
                result = graded_fault(exc, label)
        return finish(entry, label, sub_id, content_hash, result, started, time.monotonic() - clock)

    def crashed(item: tuple[BatchEntry, str], exc: Exception) -> Outcome:
        entry, label = item
        if isinstance(exc, GradebookError):  # the gradebook cannot take grades: stop the run
            stop.set()
            fatal.append(str(exc))
            return Outcome(entry.student_id, label, "failure", note=str(exc))
        result = grader_failure(assignment, label, exc)
        return Outcome(entry.student_id, label, "failure", result, note=result.message)

    def done(_: int, outcome: Outcome) -> None:
        if on_event:
            on_event("done", outcome, len(entries))

    items = list(zip(entries, labels, strict=True))
    if cluster is not None:
        outcomes = _grade_on_cluster(cluster, assignment=assignment, items=items, out_dir=out_dir, sandbox=sandbox,
                                     suite=suite, take=take, finish=finish, graded_fault=graded_fault, crashed=crashed,
                                     done=done)
    else:
        outcomes = LocalPool(jobs=jobs, gpu_pool=gpu_pool).run(items, grade, on_crash=crashed, on_done=done)
    return run_id, tuple(outcomes), (fatal[0] if fatal else "")


@dataclass(frozen=True)
class _Cluster:
    address: str | None
    started: bool  # this run started a local Ray instance (shut down at the end)
    num_gpus: int  # per task
    expected_image: str  # the driver's grading image id ("" with the local sandbox)


def _cluster_setup(assignment: Assignment, sandbox: str, gpus: str, address: str | None, jobs: int) -> _Cluster:
    """Before the run starts: join the cluster (or start a local one), the GPU request, the driver's image id."""
    from autograder import ray_pool

    manifest = assignment.manifest
    started = ray_pool.connect(address, num_cpus=jobs)
    try:
        num_gpus = 0
        if manifest.gpu != "none" and gpus.strip().lower() != "none":
            if ray_pool.cluster_gpus() >= 1:
                num_gpus = 1
            elif manifest.gpu == "required":
                raise SandboxError(f"{assignment.id} needs a GPU (gpu = \"required\" in its manifest) but the Ray "
                                   "cluster has none; start the GPU nodes with `ray start ... --num-gpus N`")
        expected = ray_pool.expected_image(sandbox, bool(num_gpus), manifest.environment.packages)
    except BaseException:
        if started:
            ray_pool._ray().shutdown()
        raise
    return _Cluster(address, started, num_gpus, expected)


def _grade_on_cluster(cluster: _Cluster, *, assignment: Assignment, items: list[tuple[BatchEntry, str]], out_dir: Path,
                      sandbox: str, suite: Suite, take, finish, graded_fault, crashed, done) -> list[Outcome]:
    """The Ray path of grade_entries: intake and claims here, grading on the nodes (`ray_pool.grade_on_node`,
    the same admit + grade_intake), recording here as each result comes back."""
    from autograder import ray_pool

    manifest = assignment.manifest
    expected = cluster.expected_image
    try:
        root = ray_pool.kit_root_for_nodes(assignment)
        outcomes: dict[int, Outcome] = {}
        sent: list[tuple[int, int, str, str, float, ray_pool.NodeJob]] = []
        for index, (entry, label) in enumerate(items):
            started, clock = now_iso(), time.monotonic()
            try:
                with grading_folder() as work:
                    intake, content_hash, sub_id, early = take(entry, label, work)
                    if early is None and not isinstance(intake, Intake):  # refused: graded here, no node needed
                        try:
                            result = grade_intake(assignment=assignment, intake=intake, work=work, out_dir=out_dir / label,
                                                  name=label, sandbox=sandbox, suite=suite)
                        except Exception as exc:
                            result = graded_fault(exc, label)
                        early = finish(entry, label, sub_id, content_hash, result, started, time.monotonic() - clock)
                    elif early is None:
                        assert isinstance(intake, Intake)
                        sent.append((index, sub_id, content_hash, started, clock, ray_pool.NodeJob(
                            assignment_id=assignment.id, kit_root=root, label=label, files=intake.read_files(),
                            sandbox=sandbox, suite=suite, expected_image=expected)))
            except Exception as exc:
                early = crashed((entry, label), exc)
            if early is not None:
                outcomes[index] = early
                done(index, early)

        def came_back(k: int, back: ray_pool.NodeResult) -> None:
            index, sub_id, content_hash, started, clock, job = sent[k]
            entry, label = items[index]
            try:
                result = back.result
                if back.outputs:
                    _write_outputs(out_dir / label, back.outputs)
            except Exception as exc:
                result = graded_fault(exc, label)
            try:
                outcome = finish(entry, label, sub_id, content_hash, result, started,
                                 back.seconds or time.monotonic() - clock, back.node)
            except Exception as exc:
                outcome = crashed((entry, label), exc)
            for warning in back.warnings:
                _log(out_dir / label, [warning])
            outcomes[index] = outcome
            done(index, outcome)

        def lost(job: ray_pool.NodeJob, exc: Exception) -> ray_pool.NodeResult:
            return ray_pool.NodeResult(grader_failure(assignment, job.label, exc))

        if sent:
            pool = ray_pool.RayPool(address=cluster.address, num_cpus=1, memory_mb=manifest.limits.memory_mb,
                                    num_gpus=cluster.num_gpus)
            pool.run([job for *_, job in sent], ray_pool.grade_on_node, on_crash=lost, on_done=came_back)
        return [outcomes[i] for i in range(len(items))]
    finally:
        if cluster.started:
            ray_pool._ray().shutdown()


def _write_outputs(folder: Path, outputs: dict[str, bytes]) -> None:
    """The results folder a node sent back (results.json, grader.log, records.jsonl, converted/)."""
    import shutil

    shutil.rmtree(folder / "converted", ignore_errors=True)
    for rel, data in outputs.items():
        path = folder / rel
        if ".." in Path(rel).parts or Path(rel).is_absolute():
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def _finish(gradebook: Gradebook, run_id: int, outcomes: tuple[Outcome, ...], seconds: float, fatal: str) -> str:
    counts = {s: sum(o.state == s for o in outcomes) for s in ("graded", "error", "skipped", "busy", "failure", "cancelled")}
    status = "failed" if fatal or counts["failure"] else "finished"
    images = sorted({str(o.result.meta["image_id"]) for o in outcomes if o.result and o.result.meta.get("image_id")})
    try:
        gradebook.finish_run(run_id, status=status, seconds=seconds, counts=counts, message=fatal,
                             image_digest=",".join(images))
    except GradebookError as exc:
        return fatal or str(exc)
    return fatal


def bulk_grade(*, assignment: Assignment, batch: Path, gradebook: Path | None = None, out: Path = Path("graded"),
               roster: Path | None = None, layout: str = "auto", jobs: int | None = None, sandbox: str = "local",
               suite: Suite = "all", force: bool = False, gpus: str = "auto", engine: str = "local",
               address: str | None = None, on_event: Callable[[str, Outcome | None, int], None] | None = None) -> BulkReport:
    """Grade every submission of `batch` (a Canvas, Gradescope or plain folder/zip) into the gradebook."""
    gradebook = gradebook or default_gradebook()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="llmkit-batch-") as work:
        found = open_batch(batch, Path(work), layout=layout)
        students = load_roster(roster) if roster else None
        matched: Reconciled = reconcile(found, students)
        with Gradebook(gradebook) as book:
            if students:
                book.upsert_students(students)
            run_id, outcomes, fatal = grade_entries(assignment=assignment, entries=list(matched.entries), gradebook=book,
                                                    out_root=out, sandbox=sandbox, jobs=jobs, suite=suite,
                                                    force=force, gpus=gpus, engine=engine, address=address,
                                                    on_event=on_event)
            seconds = time.monotonic() - started
            fatal = _finish(book, run_id, outcomes, seconds, fatal)
    return BulkReport(assignment=assignment.id, run_id=run_id, outcomes=outcomes, seconds=seconds, out_dir=out / assignment.id,
                      gradebook=gradebook, unknown=matched.unknown, missing=matched.missing,
                      problems=found.problems + matched.duplicates, fatal=fatal)


@dataclass(frozen=True)
class RegradePlan:
    changed_files: tuple[str, ...]  # test files added, removed or changed since the last run
    stale: tuple = ()  # GradeRow of latest submissions graded under other tests (or never)
    unavailable: tuple[str, ...] = field(default=())  # students whose files the gradebook does not keep


def plan_regrade(*, assignment: Assignment, book: Gradebook, suite: Suite = "all", force: bool = False) -> RegradePlan:
    tests_hash, files = tests_fingerprint(assignment, suite)
    known = book.assignment(assignment.id)
    old = json.loads(known["test_files"]) if known else {}
    changed = tuple(sorted(f for f in set(old) | set(files) if old.get(f) != files.get(f)))
    rows = [r for r in book.current(assignment.id) if force or r.tests_hash != tests_hash]
    stale, unavailable = [], []
    for row in rows:
        if book.files(row.content_hash) is None and not Path(book.submission(row.submission_id).source).exists():
            unavailable.append(row.student_id)
        else:
            stale.append(row)
    return RegradePlan(changed_files=changed, stale=tuple(stale), unavailable=tuple(unavailable))


def regrade(*, assignment: Assignment, gradebook: Path | None = None, out: Path = Path("graded"), jobs: int | None = None,
            sandbox: str = "local", suite: Suite = "all", force: bool = False, dry_run: bool = False,
            gpus: str = "auto", engine: str = "local", address: str | None = None,
            on_event: Callable[[str, Outcome | None, int], None] | None = None) -> tuple[RegradePlan, BulkReport | None]:
    """Grade again each student's latest submission of `assignment` whose grade used other tests (all with `force`)."""
    gradebook = gradebook or default_gradebook()
    started = time.monotonic()
    with Gradebook(gradebook) as book:
        plan = plan_regrade(assignment=assignment, book=book, suite=suite, force=force)
        if dry_run or not plan.stale:
            return plan, None
        entries = []
        for row in plan.stale:
            sub = book.submission(row.submission_id)
            entries.append(BatchEntry(key=row.student_id, student=row.student_id, source=Path(sub.source),
                                      label=safe_label(row.student_id), layout="regrade",
                                      submitted_at=sub.submitted_at, late_flag=sub.late_flag,
                                      stored=book.files(row.content_hash)))
        run_id, outcomes, fatal = grade_entries(assignment=assignment, entries=entries, gradebook=book, out_root=out,
                                                sandbox=sandbox, jobs=jobs, suite=suite, force=True,
                                                command="regrade", gpus=gpus, engine=engine, address=address,
                                                on_event=on_event)
        seconds = time.monotonic() - started
        fatal = _finish(book, run_id, outcomes, seconds, fatal)
    return plan, BulkReport(assignment=assignment.id, run_id=run_id, outcomes=outcomes, seconds=seconds,
                            out_dir=out / assignment.id, gradebook=gradebook, fatal=fatal)
