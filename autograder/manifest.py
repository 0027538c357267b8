"""Load and check an assignment's manifest.toml into a frozen model.

Errors name the file, the key and the fix; nothing here runs tests or touches
submissions.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from autograder.course import limit_defaults_for
from autograder.errors import ConfigError, describe_validation, read_toml
from autograder.policy import PolicyRule

MANIFEST_NAME = "manifest.toml"
_MODULE_FILE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\.py$")
# a distribution name as PEP 508 spells it (no version, no extras: the kit's constraints pin versions)
_DISTRIBUTION = re.compile(r"^([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9])$")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SubmissionSpec(_Frozen):
    files: tuple[str, ...] = Field(min_length=1)

    @field_validator("files")
    @classmethod
    def _python_modules(cls, files: tuple[str, ...]) -> tuple[str, ...]:
        for name in files:
            if not _MODULE_FILE.match(name):
                raise ValueError(
                    f"{name!r} is not a plain Python module file name like 'bpe.py' "
                    "(no folders, a valid identifier, ending in .py)"
                )
        if len(set(files)) != len(files):
            raise ValueError("a file is listed twice")
        return files

    @property
    def modules(self) -> tuple[str, ...]:
        return tuple(f[:-3] for f in self.files)


class EnvironmentSpec(_Frozen):
    """What the student's code may import besides the standard library: distribution names
    (`numpy`, `torch`), installed with their own requirements. The oracle libraries the tests use
    stay out of the worker unless listed. Whether each is installed is checked when a worker starts."""

    packages: tuple[str, ...] = ()

    @field_validator("packages")
    @classmethod
    def _distribution_names(cls, packages: tuple[str, ...]) -> tuple[str, ...]:
        for name in packages:
            if not _DISTRIBUTION.match(name):
                raise ValueError(
                    f"{name!r} is not a distribution name like 'numpy' or 'scikit-learn' "
                    "(no versions, extras or spaces: constraints.txt pins the versions)"
                )
        canonical = [re.sub(r"[-_.]+", "-", name).lower() for name in packages]
        if len(set(canonical)) != len(canonical):
            raise ValueError("a package is listed twice")
        return packages


class LimitsSpec(_Frozen):
    test_seconds: float = Field(default=30, gt=0, le=3600)
    memory_mb: int = Field(default=4096, ge=256, le=1024 * 1024)
    suite_seconds: float = Field(default=90, gt=0, le=24 * 3600)
    # Importing the submission (and torch, in a cold container) before the first test; a worker
    # that cannot start within it is not started again for the rest of the session.
    import_seconds: float = Field(default=60, gt=0, le=3600)


class EquivalentMutant(_Frozen):
    """A mutant that behaves exactly like the reference, so no test can kill it."""

    file: str
    line: int = Field(ge=1)
    mutation: str  # as the audit prints it, e.g. "'<' -> '<='"
    reason: str = Field(min_length=10)


class MutantsSpec(_Frozen):
    equivalent: tuple[EquivalentMutant, ...] = ()


class Manifest(_Frozen):
    id: str
    title: str
    phase: int = Field(ge=1, le=10)
    topic: int = Field(ge=1, le=99)
    gpu: Literal["none", "optional", "required"] = "none"
    submission: SubmissionSpec
    limits: LimitsSpec = LimitsSpec()
    environment: EnvironmentSpec = EnvironmentSpec()  # default: the standard library only
    hidden_visibility: Literal["hidden", "after_due_date", "after_published", "visible"] = "after_published"
    mutants: MutantsSpec = MutantsSpec()
    # [[policy]] tables: what the submitted files may not import or call (see autograder/policy.py)
    policy: tuple[PolicyRule, ...] = ()

    @property
    def modules(self) -> tuple[str, ...]:
        return self.submission.modules


def load_manifest(folder: Path) -> Manifest:
    """Read `folder/manifest.toml`; the id must equal the folder name.

    In a kit, the course's [sandbox] memory_mb / test_seconds fill the keys the manifest's
    [limits] leaves out; the manifest always wins.
    """

    path = Path(folder) / MANIFEST_NAME
    if not path.is_file():
        raise ConfigError(f"{path}: file not found; every assignment folder needs a manifest.toml (see docs/authoring.md)")
    data = read_toml(path)
    limit_defaults = limit_defaults_for(folder)
    if limit_defaults and isinstance(data.get("limits", {}), dict):
        data["limits"] = {**limit_defaults, **data.get("limits", {})}
    try:
        manifest = Manifest.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(describe_validation(exc, path, spelling="check its spelling against docs/authoring.md")) from None
    if manifest.id != Path(folder).resolve().name:
        raise ConfigError(
            f"{path}: key 'id': {manifest.id!r} differs from the folder name "
            f"{Path(folder).resolve().name!r}; make them equal"
        )
    return manifest


def find_assignment_dir(start: Path) -> Path | None:
    """The nearest folder at or above `start` that holds a manifest.toml."""
    start = Path(start).resolve()
    for folder in (start, *start.parents):
        if (folder / MANIFEST_NAME).is_file():
            return folder
    return None
