"""The kit's own exception types, and the wording of config-file errors (TOML, validation) shared by
manifest.toml and course.toml. Every message names the problem and what to do."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pydantic import ValidationError


class KitError(Exception):
    """Base class: an error the kit reports to a person (not a bug in the kit)."""

    exit_code = 3


class ConfigError(KitError):
    """A manifest, course.toml or roster is malformed. Message: file, key, fix."""

    exit_code = 3


class UnknownAssignment(KitError):
    exit_code = 3


class SubmissionError(KitError):
    """A submission archive or folder cannot be taken in as it is."""

    exit_code = 3


class GraderFailure(KitError):
    """The grader itself failed (not the student's code)."""

    exit_code = 4


def read_toml(path: Path) -> dict:
    """The TOML file `path` as a dict, or ConfigError naming the file and the fix (bad UTF-8, bad TOML)."""
    import tomllib

    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not valid UTF-8; save it as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}); fix the syntax at that line") from None


def describe_validation(exc: ValidationError, path: Path, *, data: object = None,
                        entry_keys: Mapping[str, str] | None = None, spelling: str = "check its spelling") -> str:
    """One line per pydantic error: `<path>: key '<a.b.c>': <message>`, in words a course author acts on.

    `entry_keys` names, for arrays of tables, the key that identifies an entry (e.g. {"assignments": "id"}):
    with the loaded `data`, such a location reads `assignments[1] (02-bpe).weight`. `spelling` ends the
    message of an unknown key."""
    lines = []
    for err in exc.errors():
        loc: list = list(err["loc"])
        if (entry_keys and len(loc) >= 2 and loc[0] in entry_keys and isinstance(loc[1], int)):
            entries = data.get(loc[0]) if isinstance(data, dict) else None
            entry = entries[loc[1]] if isinstance(entries, list) and loc[1] < len(entries) else {}
            ident = entry.get(entry_keys[loc[0]]) if isinstance(entry, dict) else None
            loc[1] = f"[{loc[1]}]" + (f" ({ident})" if ident else "")
            key = ".".join(str(p) for p in loc).replace(".[", "[")
        else:
            key = ".".join(str(p) for p in loc)
        msg = {"missing": "this key is required", "too_short": "must not be empty",
               "extra_forbidden": f"unknown key; {spelling}"}.get(err["type"], err["msg"])
        lines.append(f"{path}: key '{key or '(top level)'}': {msg}")
    return "\n".join(lines)
