"""The kit's own exception types. Every message names the problem and what to do."""

from __future__ import annotations


class KitError(Exception):
    """Base class: an error the kit reports to a person (not a bug in the kit)."""

    exit_code = 3


class ConfigError(KitError):
    """A manifest, course.toml or roster is malformed. Message: file, key, fix."""

    exit_code = 3


class UnknownTopic(KitError):
    exit_code = 3


class SubmissionError(KitError):
    """A submission archive or folder cannot be taken in as it is."""

    exit_code = 3


class GraderFailure(KitError):
    """The grader itself failed (not the student's code)."""

    exit_code = 4
