"""Load and check course/course.toml: the term, its assignments, weights, deadlines, sandbox defaults.

Errors name the file, the key and the fix. Nothing here grades.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import tomli_w
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from autograder.errors import ConfigError, describe_validation, read_toml

COURSE_FILE = Path("course") / "course.toml"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SandboxDefaults(_Frozen):
    """Course-wide defaults: `backend` and `jobs` for the grading commands, `engine` and `ray_address`
    for bulk and regrade (--engine, --address); `memory_mb` and
    `test_seconds` for every assignment whose manifest [limits] does not set them."""

    backend: Literal["auto", "local", "docker"] = "auto"
    memory_mb: int | None = Field(default=None, ge=256, le=1024 * 1024)
    test_seconds: float | None = Field(default=None, gt=0, le=3600)
    jobs: int | None = Field(default=None, ge=1)
    engine: Literal["local", "ray"] | None = None  # bulk/regrade: the local pool (default) or a Ray cluster
    ray_address: str | None = None  # the Ray head (HOST:6379) for engine = "ray"; none: a local Ray instance

    def limit_defaults(self) -> dict:
        return {k: v for k, v in (("memory_mb", self.memory_mb), ("test_seconds", self.test_seconds)) if v is not None}


class LatePolicy(_Frozen):
    """How late work is treated. Deductions are fractions of the assignment's points, as Canvas does."""

    policy: Literal["none", "per_hour", "per_day", "slip_days"] = "none"
    grace_minutes: float = Field(default=0, ge=0)
    rate: float = Field(default=0.0, ge=0, le=1)  # lost per started hour/day late (after slip days)
    cap: float = Field(default=1.0, ge=0, le=1)  # the most that can be lost
    slip_days: int = Field(default=0, ge=0)  # per student for the term, with policy = "slip_days"

    @model_validator(mode="after")
    def _consistent(self) -> "LatePolicy":
        if self.policy in ("per_hour", "per_day") and self.rate == 0:
            raise ValueError(f"policy {self.policy!r} needs a rate > 0, e.g. rate = 0.1 for 10% per "
                             f"{self.policy[4:]}; or set policy = \"none\"")
        if self.policy == "slip_days" and self.slip_days == 0:
            raise ValueError("policy 'slip_days' needs slip_days > 0, e.g. slip_days = 3")
        return self


class Extension(_Frozen):
    """More time for one student on one assignment (or on every one with assignment = "*")."""

    student: str = Field(min_length=1)
    assignment: str = Field(min_length=1)
    hours: float | None = Field(default=None, gt=0)
    due: datetime | None = None
    reason: str = ""

    @model_validator(mode="after")
    def _one_of(self) -> "Extension":
        if (self.hours is None) == (self.due is None):
            raise ValueError("give exactly one of hours = 48 or due = 2027-02-03T23:59:00-08:00")
        if self.due is not None and self.due.tzinfo is None:
            raise ValueError("due has no time zone; write it like 2027-02-01T23:59:00-08:00")
        return self


class CourseAssignment(_Frozen):
    id: str
    weight: float = Field(ge=0)
    due: datetime
    title: str = ""
    canvas_column: str = ""  # the gradebook column Canvas shows, e.g. "Tokenization (123456)"
    late: LatePolicy | None = None  # overrides the course's [late] for this assignment

    @field_validator("due")
    @classmethod
    def _aware(cls, due: datetime) -> datetime:
        if due.tzinfo is None:
            raise ValueError("deadline has no time zone; write it like 2027-02-01T23:59:00-08:00")
        return due


class Course(_Frozen):
    name: str
    term: str
    timezone: str = "UTC"
    assignments: tuple[CourseAssignment, ...] = Field(min_length=1)
    sandbox: SandboxDefaults = SandboxDefaults()
    late: LatePolicy = LatePolicy()
    extensions: tuple[Extension, ...] = ()
    letters: dict[str, float] = Field(default_factory=dict)  # letter -> lowest percentage, e.g. A = 90

    def assignment(self, assignment_id: str) -> CourseAssignment | None:
        return next((a for a in self.assignments if a.id == assignment_id), None)

    def policy_for(self, assignment_id: str) -> LatePolicy:
        entry = self.assignment(assignment_id)
        return entry.late if entry is not None and entry.late is not None else self.late

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, zone: str) -> str:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {zone!r}; use an IANA name such as 'America/Los_Angeles'") from None
        return zone

    @model_validator(mode="after")
    def _unique(self) -> "Course":
        ids = [a.id for a in self.assignments]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"assignment listed twice: {', '.join(dupes)}")
        return self

    @field_validator("letters")
    @classmethod
    def _percentages(cls, letters: dict[str, float]) -> dict[str, float]:
        for letter, floor in letters.items():
            if not 0 <= floor <= 100:
                raise ValueError(f"{letter} = {floor} is not a percentage between 0 and 100")
        return letters


def course_file_of(assignment_dir: Path) -> Path | None:
    """The course.toml that governs an assignment folder of a kit (`ROOT/solutions/NN-slug` or
    `ROOT/assignments/NN-slug` -> `ROOT/course/course.toml`), or None outside a kit."""
    folder = Path(assignment_dir).resolve()
    if folder.parent.name not in ("solutions", "assignments"):
        return None
    path = folder.parent.parent / COURSE_FILE
    return path if path.is_file() else None


def limit_defaults_for(assignment_dir: Path) -> dict:
    """The course's default limits for this assignment folder ({} when there is no course.toml)."""
    path = course_file_of(assignment_dir)
    return load_course(path).sandbox.limit_defaults() if path else {}


def load_course(path: Path, known_assignments: list[str] | None = None) -> Course:
    if not path.is_file():
        raise ConfigError(f"{path}: file not found; create it (see course/course.toml in the kit for an example)")
    data = read_toml(path)
    try:
        course = Course.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(describe_validation(exc, path, data=data,
                                              entry_keys={"assignments": "id", "extensions": "student"})) from None
    ids = [a.id for a in course.assignments]
    for i, ext in enumerate(course.extensions):
        if ext.assignment != "*" and ext.assignment not in ids:
            raise ConfigError(f"{path}: key 'extensions[{i}] ({ext.student}).assignment': unknown assignment "
                              f"{ext.assignment!r}; use one of {', '.join(ids)}, or \"*\" for every assignment")
    if known_assignments is not None:
        unknown = [a.id for a in course.assignments if a.id not in known_assignments]
        if unknown:
            raise ConfigError(
                f"{path}: key 'assignments': unknown assignment id(s) {', '.join(unknown)}; "
                f"known: {', '.join(known_assignments)}"
            )
    return course


def shift_course(course: Course, *, term: str, days: int, name: str | None = None) -> Course:
    """The next term's course: deadlines moved by `days` in the course's time zone (23:59 stays 23:59
    across daylight-saving changes), extensions dropped, everything else kept."""
    zone = ZoneInfo(course.timezone)

    def move(due: datetime) -> datetime:
        return (due.astimezone(zone) + timedelta(days=days)).replace(tzinfo=zone)

    assignments = tuple(a.model_copy(update={"due": move(a.due)}) for a in course.assignments)
    return course.model_copy(update={"term": term, "name": name or course.name, "assignments": assignments,
                                     "extensions": ()})


def dump_course(course: Course) -> str:
    """course.toml text for `course` (only keys that differ from the defaults, plus the required ones):
    name, term and time zone, then the tables [sandbox], [late], [letters], then one [[assignments]]
    (and [[extensions]]) table per entry, written by tomli_w."""
    data = course.model_dump(exclude_defaults=True)
    data["sandbox"] = course.sandbox.model_dump(exclude_none=True)
    chunks = ["# The course term: assignments in order, weights, deadlines (with time zones), sandbox defaults,\n"
              "# late policy, extensions and letter grades. Check it with `llmkit course check`.\n"
              + tomli_w.dumps({key: getattr(course, key) for key in ("name", "term", "timezone")})]
    chunks += [tomli_w.dumps({table: data[table]}) for table in ("sandbox", "late", "letters") if data.get(table)]
    for array in ("assignments", "extensions"):
        for entry in data.get(array, ()):
            # Written table by table, so that tomli_w never folds a short array into one inline line;
            # a nested table (an assignment's late policy) becomes [assignments.late] under its entry.
            nested = {k: v for k, v in entry.items() if isinstance(v, dict)}
            plain = {k: v for k, v in entry.items() if k not in nested}
            chunks.append(f"[[{array}]]\n" + tomli_w.dumps(plain) + (
                "\n" + tomli_w.dumps({array: nested}) if nested else ""))
    return "\n".join(chunks)


def init_term(*, source: Path, term: str, days: int | None = None, first_due=None, name: str | None = None,
              output: Path | None = None) -> Path:
    """Write the next term's course.toml from `source`: shifted by `days`, or so the first deadline
    falls on the date `first_due`. Without `output`, `source` is replaced after a copy is kept
    beside it as course-<old term>.toml. Returns the file written."""
    old = load_course(source)
    if term == old.term:
        raise ConfigError(f"{source}: key 'term' is already {term!r}; give the new term a new name")
    if days is None:
        first = min(a.due for a in old.assignments).astimezone(ZoneInfo(old.timezone))
        days = (first_due - first.date()).days
    new = shift_course(old, term=term, days=days, name=name)
    target = output or source
    if output is None:
        keep = source.with_name(f"course-{old.term}.toml")
        keep.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(dump_course(new), encoding="utf-8")
    load_course(target)  # what we wrote must load
    return target
