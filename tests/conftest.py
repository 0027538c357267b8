"""Shared fixtures of the kit's own tests."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

REQUIRE_DOCKER = os.environ.get("LLMKIT_REQUIRE_DOCKER") == "1"


@pytest.fixture(scope="session")
def docker_ready():
    """A reachable engine and an up-to-date grading image (that of the scenario assignment's
    environment, numpy: `llmkit image build` builds it with the kit's assignments).

    Without them the Docker tests skip on a developer's machine, and FAIL when
    LLMKIT_REQUIRE_DOCKER=1 (as in CI), so a missing engine cannot pass silently.
    """
    from autograder.sandbox.base import SandboxError
    from autograder.sandbox.docker import connect
    from autograder.sandbox.image import check_image, image_for

    try:
        client = connect()
        check_image(client, image_for(gpu=False, packages=("numpy",)), ("numpy",))
    except SandboxError as exc:
        if REQUIRE_DOCKER:
            pytest.fail(f"Docker is required (LLMKIT_REQUIRE_DOCKER=1) but unavailable: {exc}")
        pytest.skip(f"Docker unavailable: {exc}")
    return client
