"""Per-test records and the feedback text a student sees.

Pure functions: no pytest state, no files. The rule that matters most lives
here: a failing hidden test shows what was checked (its docstring) and the
kind of failure, never the assertion text, the inputs, the expected values or
what the student's code printed (which could echo the hidden inputs).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from autograder.outcomes import Category, category_of

MAX_OUTPUT_CHARS = 8000



@dataclass(frozen=True)
class TestRecord:
    """The outcome of one test, as it crosses into results.json and the gradebook."""

    __test__ = False  # not a pytest test class

    id: str
    name: str
    points: float
    score: float
    status: str  # passed | failed
    category: str  # a Category value (autograder/outcomes.py)
    visibility: str  # public | hidden
    output: str
    duration: float

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> "TestRecord":
        return cls(**{k: data[k] for k in cls.__dataclass_fields__})


def visibility_of(nodeid: str) -> str:
    parts = nodeid.replace("\\", "/").split("::")[0].split("/")
    return "hidden" if "hidden" in parts else "public"


def _category_line(category: str, excinfo) -> str:
    from autograder.harness.client import StudentError

    if excinfo is not None and isinstance(excinfo.value, StudentError):
        return excinfo.value.summary()
    if category == Category.ERROR and excinfo is not None:
        return f"{Category.ERROR.student_text} ({type(excinfo.value).__name__})"
    known = category_of(category)
    return known.student_text if known is not None else category


def hidden_feedback(doc: str, status: str, category: str, excinfo) -> str:
    checks = doc or "(no description)"
    if status == "passed":
        return f"Checks: {checks}\nResult: passed"
    return f"Checks: {checks}\nResult: failed: {_category_line(category, excinfo)}"


def _test_frames_repr(excinfo, test_path: str | None) -> str:
    """pytest's short traceback, cut to the frames of the test file itself: the test's own assertion
    and message, never the harness's internals (_pytest, pluggy, the kit's client)."""
    import os

    def own(entry) -> bool:
        return test_path is not None and os.path.abspath(str(entry.path)) == test_path

    def not_internal(entry) -> bool:
        path = str(entry.path).replace("\\", "/")
        return not any(part in path for part in ("/_pytest/", "/pluggy/", "/autograder/harness/client.py"))

    traceback = excinfo.traceback
    if test_path is not None:
        test_path = os.path.abspath(test_path)
    for keep in (own, not_internal):
        cut = traceback.filter(keep)
        if len(cut):
            excinfo.traceback = cut
            break
    return str(excinfo.getrepr(style="short", chain=False))


def public_feedback(doc: str, status: str, category: str, excinfo, printed: str, test_path: str | None = None) -> str:
    from autograder.harness.client import StudentError

    lines = [f"Checks: {doc or '(no description)'}"]
    if status == "passed":
        lines.append("Result: passed")
    else:
        lines.append(f"Result: failed: {_category_line(category, excinfo)}")
        if excinfo is not None:
            if isinstance(excinfo.value, StudentError):
                lines.append(excinfo.value.describe())
            else:
                lines.append(_test_frames_repr(excinfo, test_path))
    note = ""
    printed, marker, tail = printed.rpartition("\n[llmkit: ")
    if marker:  # the capture's own note about discarded output survives any truncation below
        note = marker.lstrip("\n") + tail
    else:
        printed = tail
    if printed.strip():
        lines.append("Your code printed:\n" + printed.rstrip())
    text = "\n".join(lines)
    if len(text) > MAX_OUTPUT_CHARS:
        text = text[:MAX_OUTPUT_CHARS] + "\n[... feedback truncated]"
    return text + ("\n" + note.rstrip() if note else "")


def format_table(records: list[TestRecord]) -> str:
    """A plain-text per-test table with a total line (for the terminal)."""
    width = max((len(r.id) for r in records), default=10)
    lines = []
    for r in records:
        mark = "PASS" if r.status == "passed" else "FAIL"
        lines.append(f"{mark}  {r.score:6.2f} / {r.points:<6.2f} {r.id.ljust(width)}"
                     + ("" if r.status == "passed" else f"  ({_category_line(r.category, None)})"))
    total = sum(r.score for r in records)
    maximum = sum(r.points for r in records)
    lines.append(f"TOTAL {total:.2f} / {maximum:.2f}")
    return "\n".join(lines)
