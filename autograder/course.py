"""Load and check course/course.toml: the term, its assignments, weights, deadlines, sandbox defaults.

Errors name the file, the key and the fix. Nothing here grades.
"""

from __future__ import annotations

import tomllib
from datetime import datetime
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from autograder.errors import ConfigError

COURSE_FILE = Path("course") / "course.toml"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SandboxDefaults(_Frozen):
    backend: Literal["local"] = "local"
    memory_mb: int = Field(default=4096, ge=256)
    jobs: int | None = Field(default=None, ge=1)


class CourseAssignment(_Frozen):
    id: str
    weight: float = Field(ge=0)
    due: datetime

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


def load_course(path: Path, known_topics: list[str] | None = None) -> Course:
    if not path.is_file():
        raise ConfigError(f"{path}: file not found; create it (see course/course.toml in the kit for an example)")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not valid UTF-8; save it as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}); fix the syntax at that line") from None
    try:
        course = Course.model_validate(data)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            loc = list(err["loc"])
            if len(loc) >= 2 and loc[0] == "assignments" and isinstance(loc[1], int):
                entry = data.get("assignments", [])[loc[1]] if isinstance(data.get("assignments"), list) else {}
                ident = entry.get("id") if isinstance(entry, dict) else None
                loc[1] = f"[{loc[1]}]" + (f" ({ident})" if ident else "")
            key = ".".join(str(p) for p in loc).replace(".[", "[") or "(top level)"
            msg = {"missing": "this key is required", "too_short": "must not be empty",
                   "extra_forbidden": "unknown key; check its spelling"}.get(err["type"], err["msg"])
            lines.append(f"{path}: key '{key}': {msg}")
        raise ConfigError("\n".join(lines)) from None
    if known_topics is not None:
        unknown = [a.id for a in course.assignments if a.id not in known_topics]
        if unknown:
            raise ConfigError(
                f"{path}: key 'assignments': unknown assignment id(s) {', '.join(unknown)}; "
                f"known: {', '.join(known_topics)}"
            )
    return course
