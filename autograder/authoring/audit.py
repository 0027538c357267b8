"""Mutation audit: how much of the reference's behaviour do the hidden tests pin down?

Every mutant of the reference's solution regions (see `mutate`) is graded with
the hidden suite exactly as a student is graded (same harness, same sandbox),
stopping at the first failing test. A mutant is killed when it loses any
point. The report lists the survivors (file, line, mutation) so an author sees
which behaviour no test checks; mutants marked equivalent in the manifest
(with a reason) are left out of the score.

A mutant whose grading failed (sandbox or grader failure: an error result) is
not judged: it is neither killed nor a survivor, it is reported apart, and any
such mutant fails the audit, since a broken grader kills nothing.
"""

from __future__ import annotations

import random
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from autograder.catalog import Assignment
from autograder.errors import SubmissionError
from autograder.grade import Submission, grade_submission
from autograder.authoring.mutate import Mutant, mutants
from autograder.scheduler import LocalPool

TARGET = 0.90  # the assignment bar: at least 90 % of the non-equivalent mutants killed


@dataclass
class AuditReport:
    assignment: str
    total: int = 0
    killed: list[Mutant] = field(default_factory=list)
    survived: list[Mutant] = field(default_factory=list)
    equivalent: list[Mutant] = field(default_factory=list)
    sampled_from: int = 0
    seconds: float = 0.0
    stale: list[str] = field(default_factory=list)
    not_judged: list[tuple[Mutant, str]] = field(default_factory=list)  # (mutant, the grader's message)

    @property
    def score(self) -> float:
        judged = len(self.killed) + len(self.survived)
        return len(self.killed) / judged if judged else 1.0

    @property
    def meets_target(self) -> bool:
        return self.score >= TARGET

    @property
    def grader_failed(self) -> bool:
        """Some mutants could not be graded: the audit says nothing about them, and fails."""
        return bool(self.not_judged)

    @property
    def ok(self) -> bool:
        return self.meets_target and not self.grader_failed


def _solution_dir(assignment: Assignment) -> Path:
    if assignment.solution_dir is None:
        raise SubmissionError(f"solutions/{assignment.id} is missing: the mutation audit mutates the reference solution, "
                              "which a student copy of the kit does not have; run it where solutions/ is present")
    return assignment.solution_dir


def all_mutants(assignment: Assignment) -> list[Mutant]:
    solution_dir = _solution_dir(assignment)
    out: list[Mutant] = []
    for name in assignment.manifest.submission.files:
        out += mutants((solution_dir / name).read_text(encoding="utf-8"), name)
    return out


def _equivalent_keys(assignment: Assignment) -> set[tuple[str, int, str]]:
    return {(e.file, e.line, e.mutation) for e in assignment.manifest.mutants.equivalent}


def _key(mutant: Mutant) -> tuple[str, int, str]:
    return mutant.file, mutant.line, mutant.description


def stale_equivalents(assignment: Assignment, candidates: list[Mutant] | None = None) -> list[str]:
    """Manifest entries `[[mutants.equivalent]]` that match no mutant of the reference any more
    (the code moved or changed): each is a line naming the entry and the fix."""
    keys = {_key(m) for m in (candidates if candidates is not None else all_mutants(assignment))}
    return [f"[[mutants.equivalent]] {e.file}:{e.line} {e.mutation!r} matches no mutant of the reference; "
            "the code moved or changed: update its line (or remove the entry); when a line has the same "
            "mutation more than once, each is named '(#k of n on the line)', k counted from the left"
            for e in assignment.manifest.mutants.equivalent if (e.file, e.line, e.mutation) not in keys]


def audit_assignment(assignment: Assignment, *, sandbox: str = "local", jobs: int = 1, max_mutants: int | None = None,
                seed: int = 0, on_result: Callable[[Mutant, bool | None], None] | None = None) -> AuditReport:
    """Grade every mutant (or a seeded sample of `max_mutants`) with the hidden suite."""
    import time

    started = time.monotonic()
    report = AuditReport(assignment=assignment.id)
    solution_dir = _solution_dir(assignment)
    candidates = all_mutants(assignment)
    report.sampled_from = len(candidates)
    report.stale = stale_equivalents(assignment, candidates)
    equivalent = _equivalent_keys(assignment)
    report.equivalent = [m for m in candidates if _key(m) in equivalent]
    candidates = [m for m in candidates if _key(m) not in equivalent]
    if max_mutants is not None and len(candidates) > max_mutants:
        candidates = sorted(random.Random(seed).sample(candidates, max_mutants), key=lambda m: (m.file, m.line))
    report.total = len(candidates)

    reference = {name: (solution_dir / name).read_bytes() for name in assignment.manifest.submission.files}

    def run(mutant: Mutant, gpu: str | None) -> tuple[Mutant, bool | None, str]:
        """(mutant, killed, message); killed is None when the mutant could not be graded, and then its
        grading folder (grader.log, records) is kept for the author: the message names it."""
        files = {**reference, mutant.file: mutant.source.encode("utf-8")}
        work = Path(tempfile.mkdtemp(prefix="llmkit-mutant-"))
        result = grade_submission(assignment=assignment, source=Submission("mutant", stored=files),
                                  out_dir=work / "out", sandbox=sandbox, suite="hidden", fail_fast=True)
        if result.status != "graded" or result.graders_fault:
            killed, message = None, (result.message.splitlines() or [result.status])[0] + f" (kept: {work})"
        else:
            killed, message = result.score < result.max_score, ""
            shutil.rmtree(work, ignore_errors=True)
        if on_result is not None:
            on_result(mutant, killed)
        return mutant, killed, message

    def crashed(mutant: Mutant, exc: Exception) -> tuple[Mutant, bool | None, str]:
        raise exc  # a grader bug stops the audit, as it always did

    for mutant, killed, message in LocalPool(jobs=jobs).run(candidates, run, on_crash=crashed):
        if killed is None:
            report.not_judged.append((mutant, message))
        else:
            (report.killed if killed else report.survived).append(mutant)
    report.seconds = time.monotonic() - started
    return report
