"""Check that an assignment is fit to release and grade.

For one assignment: the manifest loads; the committed student copy equals a fresh
release and leaks nothing hidden; every test carries points and a docstring;
there are public and hidden tests; no hidden test's feedback (the first
paragraph of its docstring) quotes its inputs; the reference scores full marks; the
generated starter scores zero; two reference runs give identical verdicts;
the whole suite with the reference fits the manifest's time budget; the import policy holds for
the reference and catches a plain use of every banned name; no bare approx; hidden feedback quotes no input.
"""

from __future__ import annotations

import fnmatch
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from autograder.catalog import Assignment
from autograder.authoring.feedback_lint import lint_hidden_feedback
from autograder.grade import grade_submission
from autograder.policy import check_policy
from autograder.authoring.lints import lint_bare_approx
from autograder.authoring.release import build_release, check_release
from autograder.results import SubmissionResult


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str = ""


@dataclass
class ValidationReport:
    assignment: str
    checks: list[Check] = field(default_factory=list)
    figures: dict = field(default_factory=dict)
    grader_problems: list[str] = field(default_factory=list)  # a grading run failed: the grader's fault

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks) and not self.grader_problems

    @property
    def grader_failed(self) -> bool:
        return bool(self.grader_problems)

    def graded(self, result: SubmissionResult) -> SubmissionResult:
        """Note a grading run whose failure is the grader's (sandbox, harness), not the assignment's."""
        if result.graders_fault:
            self.grader_problems.append(f"{result.submission}: {result.message.splitlines()[0]}")
        return result

    def add(self, name: str, ok: bool, detail: str = "") -> None:
        self.checks.append(Check(name, ok, detail))


def _differing_verdicts(first: SubmissionResult, second: SubmissionResult) -> list[str]:
    """The tests whose verdict changed between two runs, each with the failing run's reason (a flaky test
    is found by its reason: a timeout under load reads differently from a random seed left unset)."""
    later = {t.id: t for t in second.tests}
    differ = []
    for before in first.tests:
        after = later.get(before.id)
        if after is not None and (after.status, after.score) == (before.status, before.score):
            continue
        failing = [(run, t) for run, t in (("run 1", before), ("run 2", after)) if t is not None and t.status != "passed"]
        why = "; ".join(f"{run} {t.status} ({t.category}): {_last_line(t.output)}" for run, t in failing)
        differ.append(f"{before.id} [{why or 'missing from run 2'}]")
    return differ


def _last_line(output: str, limit: int = 240) -> str:
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    return (lines[-1] if lines else "no output")[:limit]


def _failing(result: SubmissionResult, limit: int = 8) -> str:
    bad = [f"{t.id} ({t.category})" for t in result.tests if t.status != "passed"]
    more = f" and {len(bad) - limit} more" if len(bad) > limit else ""
    return "; ".join(bad[:limit]) + more


def _reference_sources(assignment: Assignment, folder: Path) -> dict[str, str]:
    return {name: (folder / name).read_text(encoding="utf-8") for name in assignment.manifest.submission.files
            if (folder / name).is_file()}


def policy_probe(banned: str, *, module: bool) -> str:
    """A line of code that uses `banned` the plain way (the static check must catch it)."""
    if module:
        return f"import {banned} as _llmkit_probe\n"
    parent, _, leaf = banned.rpartition(".")
    return f"from {parent} import {leaf} as _llmkit_probe\n"


def check_policies(assignment: Assignment, folder: Path, test_ids: list[str]) -> list[str]:
    """Problems with the manifest's [[policy]]: the reference breaks it, a banned name that a plain
    use of slips through, a rule whose guards match no test, or a detour the check misses."""
    rules = assignment.manifest.policy
    sources = _reference_sources(assignment, folder)
    problems = [f"the reference breaks its own policy: {v.message()}" for v in check_policy(sources, rules)]
    for rule in rules:
        if not any(fnmatch.fnmatchcase(tid, g) for tid in test_ids for g in rule.guards):
            problems.append(f"rule {rule.reason!r}: its guards {list(rule.guards)} match no test; fix the patterns")
        target = next((f for f in sources if rule.covers(f)), None)
        if target is None:
            continue
        probes = [(name, policy_probe(name, module=True)) for name in rule.banned_modules]
        probes += [(name, policy_probe(name, module=False)) for name in rule.banned_names]
        if rule.detours:
            probes.append(("importlib detour", "import importlib\n_llmkit_probe = importlib.import_module('os')\n"))
            probes.append(("__import__ detour", "_llmkit_probe = __import__\n"))
        for name, line in probes:
            probed = {**sources, target: line + sources[target]}
            if not any(rule.reason == v.reason for v in check_policy(probed, [rule])):
                problems.append(f"rule {rule.reason!r}: a plain use of {name} in {target} is not caught")
    return problems


def validate_assignment(assignment: Assignment, *, sandbox: str = "local") -> ValidationReport:
    report = ValidationReport(assignment=assignment.id)
    sol = assignment.solution_dir
    if sol is None:
        report.add("solution folder present", False, f"solutions/{assignment.id} is missing; validate needs the reference")
        return report
    limits = assignment.manifest.limits

    if assignment.assignment_dir is None:
        report.add("student copy up to date", False, f"assignments/{assignment.id} is missing; run `llmkit release {assignment.id}`")
    else:
        problems = check_release(sol, assignment.assignment_dir)
        report.add("student copy up to date, no leaks", not problems, "; ".join(problems[:6]))

    for kind in ("public", "hidden"):
        files = list((sol / "tests" / kind).glob("test_*.py")) if (sol / "tests" / kind).is_dir() else []
        report.add(f"{kind} tests present", bool(files), "" if files else f"add tests/{kind}/test_*.py")
    revealing = lint_hidden_feedback(sol / "tests")
    report.add("hidden feedback reveals no inputs", not revealing, "; ".join(revealing[:6]))
    approx_uses = lint_bare_approx(sol / "tests")
    report.add("worker values compared by structure (no bare approx, no == number)", not approx_uses, "; ".join(approx_uses[:6]))

    with tempfile.TemporaryDirectory(prefix="llmkit-validate-") as tmp_name:
        tmp = Path(tmp_name)
        first = report.graded(grade_submission(assignment=assignment, source=sol, out_dir=tmp / "ref1", sandbox=sandbox,
                                               name="reference"))
        report.figures["suite_seconds"] = first.execution_time
        report.figures["max_score"] = first.max_score
        report.figures["tests"] = len(first.tests)
        report.figures["hidden_tests"] = sum(t.visibility == "hidden" for t in first.tests)
        report.figures["hidden_points"] = sum(t.points for t in first.tests if t.visibility == "hidden")
        if first.status != "graded":
            report.add("reference scores full marks", False, first.message)
            return report
        unpointed = [t.id for t in first.tests if t.points <= 0]
        report.add("every test has points", not unpointed, ", ".join(unpointed[:6]))
        policy_problems = check_policies(assignment, sol, [t.id for t in first.tests])
        report.add("import policy: reference passes, probes caught", not policy_problems, "; ".join(policy_problems[:4]))
        undocumented = [t.id for t in first.tests if "Checks: (no description)" in t.output]
        report.add("every test has a docstring", not undocumented, ", ".join(undocumented[:6]))
        report.add("reference scores full marks", first.full_marks,
                   f"{first.score:g} / {first.max_score:g}" + ("" if first.full_marks else f"; failing: {_failing(first)}"))
        report.add("suite within its time budget", first.execution_time <= limits.suite_seconds,
                   f"{first.execution_time:.1f} s of {limits.suite_seconds:g} s")

        second = report.graded(grade_submission(assignment=assignment, source=sol, out_dir=tmp / "ref2", sandbox=sandbox,
                                                name="reference"))
        differ = _differing_verdicts(first, second)
        report.add("two runs give identical verdicts", not differ, "; ".join(differ[:4]))

        starter_dir = tmp / "starter"
        build_release(sol, starter_dir)
        starter = report.graded(grade_submission(assignment=assignment, source=starter_dir, out_dir=tmp / "starter-out",
                                                 sandbox=sandbox, name="starter"))
        passing = [t.id for t in starter.tests if t.score > 0]
        report.add("starter scores zero", starter.status == "graded" and starter.score == 0,
                   f"{starter.score:g} / {starter.max_score:g}" + (f"; scoring: {', '.join(passing[:6])}" if passing else ""))
    return report
