"""Public tests of ModelRegistry."""

import hashlib

import pytest

from autograder.harness import StudentError
from autograder.harness.expect import assert_equal


def _raises(exc_type, fn, *args, **kwargs):
    with pytest.raises(StudentError) as info:
        fn(*args, **kwargs)
    assert info.value.exc_type == exc_type, f"expected {exc_type}, got {info.value.exc_type}: {info.value.message}"


@pytest.mark.points(2)
def test_register_is_idempotent_by_content(student):
    """register: versions 1, 2, ... for new bytes; the same bytes return their version; get returns every field."""
    reg = student.new("ModelRegistry", student.tmp_path("reg-public-1"))
    assert_equal(reg.call("register", "clf", b"weights-A", {"acc": 0.91}), 1, what="first version")
    assert_equal(reg.call("register", "clf", b"weights-B", {"acc": 0.93}), 2, what="new bytes: next version")
    assert_equal(reg.call("register", "clf", b"weights-A", {"acc": 0.5}), 1, what="same bytes: same version")
    assert_equal(reg.call("register", "other", b"weights-A"), 1, what="another model starts at 1")
    assert_equal(reg.call("versions", "clf"), [1, 2], what="versions")
    assert_equal(reg.call("versions", "nope"), [], what="versions of an unknown model")
    got = reg.call("get", "clf", 1)
    assert_equal(got, {"name": "clf", "version": 1, "sha256": hashlib.sha256(b"weights-A").hexdigest(),
                       "metadata": {"acc": 0.91}, "artifact": b"weights-A"}, what="get(clf, 1)")
    assert_equal(reg.call("get", "other")["metadata"], {}, what="metadata defaults to {}")


@pytest.mark.points(2)
def test_versions_are_immutable(student):
    """register with an explicit version: same bytes return it; other bytes raise FileExistsError; no gaps below."""
    reg = student.new("ModelRegistry", student.tmp_path("reg-public-2"))
    reg.call("register", "m", b"one")
    reg.call("register", "m", b"two")
    _raises("FileExistsError", reg.call, "register", "m", b"three", {}, version=1)
    assert_equal(reg.call("register", "m", b"one", {}, version=1), 1, what="explicit version, same bytes")
    assert_equal(reg.call("get", "m", 1)["artifact"], b"one", what="version 1 unchanged")
    assert_equal(reg.call("register", "m", b"five", {}, version=5), 5, what="explicit new version")
    assert_equal(reg.call("register", "m", b"six"), 6, what="next version after 5")
    _raises("ValueError", reg.call, "register", "m", b"four", {}, version=4)
    _raises("KeyError", reg.call, "get", "m", 3)
    _raises("ValueError", reg.call, "register", "../evil", b"x")


@pytest.mark.points(2)
def test_aliases_and_reload(student):
    """Aliases ("latest" = the highest version, user aliases that move); a new registry on the folder sees it all."""
    root = student.tmp_path("reg-public-3")
    reg = student.new("ModelRegistry", root)
    for i in range(3):
        reg.call("register", "llm", f"ckpt-{i}".encode(), {"step": 100 * i})
    reg.call("set_alias", "llm", "production", 2)
    reg.call("set_alias", "llm", "staging", 3)
    reg.call("set_alias", "llm", "production", 1)
    _raises("ValueError", reg.call, "set_alias", "llm", "latest", 1)
    _raises("KeyError", reg.call, "set_alias", "llm", "canary", 9)
    assert_equal(reg.call("aliases", "llm"), {"latest": 3, "production": 1, "staging": 3}, what="aliases")
    fresh = student.new("ModelRegistry", root)
    assert_equal(fresh.call("versions", "llm"), [1, 2, 3], what="versions after reload")
    assert_equal(fresh.call("aliases", "llm"), {"latest": 3, "production": 1, "staging": 3}, what="aliases after reload")
    assert_equal(fresh.call("get", "llm", "production")["metadata"], {"step": 0}, what="get by alias after reload")
    assert_equal(fresh.call("resolve", "llm"), 3, what="resolve defaults to latest")
    assert_equal(fresh.call("register", "llm", b"ckpt-1"), 2, what="idempotent after reload")
    _raises("KeyError", fresh.call, "get", "llm", "nightly")
