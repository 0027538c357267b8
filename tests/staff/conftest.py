"""Fixtures for the staff tests: the scenario kit and a CLI with the staff commands registered."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from staff_helpers import KIT


@pytest.fixture
def kit_env(monkeypatch):
    """LLMKIT_ROOT points at the scenario kit (90-calc); grading uses the local backend (fast)."""
    monkeypatch.setenv("LLMKIT_ROOT", str(KIT))
    monkeypatch.setenv("LLMKIT_SANDBOX", "local")
    return KIT


@pytest.fixture(scope="session")
def assignment():
    from autograder.catalog import resolve

    return resolve("90-calc", root=KIT)


@pytest.fixture
def cli(kit_env):
    """Invoke `llmkit ...`; returns click's Result."""
    from autograder.cli import main

    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(main, [str(a) for a in args], catch_exceptions=False)

    return invoke

