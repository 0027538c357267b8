"""The kit's one vocabulary of outcomes: why a test ended as it did, and why a submission has no score.

Two enums, each with its texts beside it, so no other module keeps a table of categories or
recognises a failure by the wording of a message:

- `Category`: why one test passed or failed. The plugin sets it on every test record; students
  read `Category.student_text`, TAs read `Category.staff_label` in the staff report.
- `Failure`: why a whole submission could not be graded (`SubmissionResult.failure`). A refused
  submission is the student's to fix and is recorded; a grader or sandbox failure is the grader's,
  is never recorded as a grade, and makes `grade`/`bulk`/`demo`/`check` exit 4.

Both are `StrEnum`s: their values are the strings that results.json, the records file and the
gradebook have always stored, so files written before this module read back unchanged.
"""

from __future__ import annotations

from enum import StrEnum


class Category(StrEnum):
    """Why a test ended as it did."""

    OK = "ok"
    WRONG = "wrong"  # the test's assertion failed on the student's result
    ERROR = "error"  # the test could not use the student's result (e.g. a TypeError in the comparison)
    EXCEPTION = "exception"  # the student's code raised
    IMPORT = "import"  # the submission could not be imported
    NOT_FOUND = "not_found"  # no such function, class or attribute
    NOT_DATA = "not_data"  # the student's code returned something that cannot cross the protocol
    TIMEOUT = "timeout"  # the student's calls ran past the test's time budget
    CRASH = "crash"  # the worker process died
    PROTOCOL = "protocol"  # the worker answered with garbage
    POLICY = "policy"  # the submission breaks an import-policy rule that guards this test
    SANDBOX = "sandbox"  # the sandbox could not run the test: the grader's problem
    SETUP = "setup"  # a fixture failed or the test's own code ran away: the grader's problem
    MISSING = "missing"  # no result: the session ended before the test finished
    SKIPPED = "skipped"

    @property
    def student_text(self) -> str:
        """The line a student reads after "Result: failed:" (reveals nothing of the test's inputs)."""
        return _STUDENT_TEXT[self]

    @property
    def staff_label(self) -> str:
        """The label of this category in the staff report's table of failing tests."""
        return _STAFF_LABEL.get(self, _STUDENT_TEXT[self])

    @property
    def graders_fault(self) -> bool:
        return self in (Category.SANDBOX, Category.SETUP)


_STUDENT_TEXT = {
    Category.OK: "passed",
    Category.WRONG: "wrong result",
    Category.ERROR: "the test could not use your result",
    Category.EXCEPTION: "your code raised an exception",
    Category.IMPORT: "your submission could not be imported",
    Category.NOT_FOUND: "a function, class or attribute the test needs is missing",
    Category.NOT_DATA: "your code returned a value that is not plain data",
    Category.TIMEOUT: "your code ran past the time limit",
    Category.CRASH: "your code crashed the worker process",
    Category.PROTOCOL: "your code garbled the answer channel",
    Category.POLICY: "your code uses something the assignment's import policy forbids",
    Category.SANDBOX: "the grading sandbox failed (not your fault); this submission will be regraded",
    Category.SETUP: ("the test could not be set up or ran past its own time bound (not caused by your code; "
                     "tell your instructor)"),
    Category.MISSING: "no result (the grading session ended before this test finished)",
    Category.SKIPPED: "not run",
}

_STAFF_LABEL = {
    Category.EXCEPTION: "raised an exception",
    Category.IMPORT: "could not be imported",
    Category.NOT_FOUND: "function or class not found",
    Category.NOT_DATA: "returned something that is not data",
    Category.TIMEOUT: "ran out of time",
    Category.CRASH: "the worker crashed",
    Category.PROTOCOL: "garbled answer",
    Category.ERROR: "the test could not use the result",
    Category.POLICY: "broke the import policy",
    Category.SANDBOX: "the sandbox failed",
}


def category_of(value: str) -> Category | None:
    """The Category named `value`, or None for a string no version of the kit wrote."""
    try:
        return Category(value)
    except ValueError:
        return None


class Failure(StrEnum):
    """Why a submission has no trustworthy score (`SubmissionResult.failure`; empty when graded)."""

    REFUSED = "refused"  # the submission itself was refused (unsafe archive, not a submission): recorded
    GRADER = "grader"  # the grader failed (a bug, a stop, unusable records): not recorded, grade again
    SANDBOX = "sandbox"  # the sandbox could not run the student's code: not recorded, grade again

    @property
    def prefix(self) -> str:
        """The first words of the result's message, for people reading results.json."""
        return _PREFIX[self]

    @property
    def graders_fault(self) -> bool:
        """Not the student's doing: the submission is graded again, never recorded with this result."""
        return self is not Failure.REFUSED


_PREFIX = {Failure.REFUSED: "Submission refused", Failure.GRADER: "Grader failure", Failure.SANDBOX: "Sandbox failure"}

# First words of the message of a graded submission that broke its assignment's import policy:
# the tests the rule guards scored zero, and the staff report flags it for review.
POLICY_VIOLATION = "Policy violation"


def failure_from_message(message: str) -> Failure | None:
    """The Failure a message written before `failure` was stored begins with (gradebook migration only)."""
    first = (message.splitlines() or [""])[0]
    return next((f for f in Failure if first.startswith(f.prefix)), None)
