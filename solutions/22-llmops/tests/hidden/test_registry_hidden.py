"""Hidden tests of ModelRegistry."""

import hashlib

import numpy as np
import pytest

from autograder.harness import StudentError
from autograder.harness.expect import assert_equal


def _raises(exc_type, fn, *args, **kwargs):
    with pytest.raises(StudentError) as info:
        fn(*args, **kwargs)
    assert info.value.exc_type == exc_type, f"expected {exc_type}, got {info.value.exc_type}"


def pack_folder(folder, archive):
    import os
    import tarfile

    with tarfile.open(archive, "w") as tar:
        tar.add(folder, arcname=os.path.basename(folder))
    return True


def unpack_folder(archive, parent):
    import tarfile

    with tarfile.open(archive) as tar:
        tar.extractall(parent)
    return True


@pytest.mark.points(2)
def test_registry_content_hash_idempotence(student):
    """register is idempotent by sha256 of the bytes over many artefacts; get returns the exact bytes, hash and metadata.

    Random artefacts (empty, one byte, 200 kB), repeated in shuffled order with other metadata."""
    rng = np.random.default_rng(301)
    reg = student.new("ModelRegistry", student.tmp_path("reg-h1"))
    blobs = [b"", b"\x00", bytes(rng.integers(0, 256, size=200_000, dtype=np.uint8))]
    blobs += [bytes(rng.integers(0, 256, size=int(rng.integers(1, 64)), dtype=np.uint8)) for _ in range(9)]
    blobs = list(dict.fromkeys(blobs))
    metas = [{"i": i, "tags": ["a", str(i)], "nested": {"lr": 1e-4 * (i + 1), "ok": i % 2 == 0, "none": None}}
             for i in range(len(blobs))]
    for i, (blob, meta) in enumerate(zip(blobs, metas)):
        assert_equal(reg.call("register", "m-1.x_y", blob, meta), i + 1, what="version of new bytes")
    for i in rng.permutation(len(blobs)):
        assert_equal(reg.call("register", "m-1.x_y", blobs[i], {"other": True}), int(i) + 1, what="same bytes again")
    assert_equal(reg.call("versions", "m-1.x_y"), list(range(1, len(blobs) + 1)), what="versions")
    for i in (0, 2, len(blobs) - 1):
        got = reg.call("get", "m-1.x_y", i + 1)
        assert_equal(got, {"name": "m-1.x_y", "version": i + 1, "sha256": hashlib.sha256(blobs[i]).hexdigest(),
                           "metadata": metas[i], "artifact": blobs[i]}, what="get(version)")


@pytest.mark.points(2)
def test_registry_explicit_versions_order_of_rules(student):
    """The order of register's rules with an explicit version: an existing version first (same bytes: returned), then known content, then new numbers (>= 1) above the highest."""
    reg = student.new("ModelRegistry", student.tmp_path("reg-h2"))
    assert_equal(reg.call("register", "m", b"a", {}, version=3), 3, what="a first explicit version")
    assert_equal(reg.call("register", "m", b"b"), 4, what="auto after an explicit version")
    # an existing version with other bytes raises even when the bytes are another version's
    _raises("FileExistsError", reg.call, "register", "m", b"b", {}, version=3)
    # the same bytes again under their own version number: that version is returned
    assert_equal(reg.call("register", "m", b"a", {}, version=3), 3, what="the same bytes, same version")
    # known bytes under a free version number: the existing version is returned
    assert_equal(reg.call("register", "m", b"a", {}, version=10), 3, what="known bytes, free version")
    _raises("ValueError", reg.call, "register", "m", b"c", {}, version=2)
    _raises("ValueError", reg.call, "register", "m", b"c", {}, version=1)
    _raises("ValueError", reg.call, "register", "fresh", b"c", {}, version=0)
    assert_equal(reg.call("versions", "fresh"), [], what="nothing written by a refused register")
    assert_equal(reg.call("register", "fresh", b"c", {}, version=1), 1, what="version 1 given for a new model")
    assert_equal(reg.call("register", "m", b"c", {}, version=7), 7, what="a gap above the highest")
    _raises("ValueError", reg.call, "register", "m", b"d", {}, version=5)  # a gap below the highest
    assert_equal(reg.call("versions", "m"), [3, 4, 7], what="versions")
    assert_equal(reg.call("aliases", "m"), {"latest": 7}, what="latest is the highest")
    assert_equal(reg.call("get", "m", 4)["artifact"], b"b", what="version 4 unchanged")


@pytest.mark.points(2)
def test_registry_survives_a_fresh_process(student):
    """Everything is on disk: a registry folder carried into a fresh worker process holds the versions, metadata and aliases."""
    root = student.tmp_path("reg-h3")
    reg = student.new("ModelRegistry", root)
    for i in range(4):
        reg.call("register", "llm", f"w{i}".encode() * (i + 1), {"step": i})
    reg.call("register", "emb", b"E", {"dim": 8})
    reg.call("set_alias", "llm", "prod", 2)
    reg.call("set_alias", "llm", "prod", 3)
    reg.call("set_alias", "emb", "prod", 1)
    student.probe(pack_folder, root, student.tmp_path("reg-h3.tar"))
    student.restart(keep=["reg-h3.tar"])
    archive = student.tmp_path("reg-h3.tar")
    student.probe(unpack_folder, archive, archive.rsplit("/", 1)[0] if "/" in archive else ".")
    fresh = student.new("ModelRegistry", student.tmp_path("reg-h3"))
    assert_equal(fresh.call("versions", "llm"), [1, 2, 3, 4], what="versions in a fresh process")
    assert_equal(fresh.call("aliases", "llm"), {"latest": 4, "prod": 3}, what="aliases in a fresh process")
    assert_equal(fresh.call("get", "llm", "prod"), {"name": "llm", "version": 3, "sha256": hashlib.sha256(b"w2" * 3).hexdigest(),
                                                   "metadata": {"step": 2}, "artifact": b"w2" * 3}, what="get by alias")
    assert_equal(fresh.call("get", "emb", "prod")["metadata"], {"dim": 8}, what="another model's alias")
    assert_equal(fresh.call("resolve", "llm"), 4, what="resolve defaults to latest")
    assert_equal(fresh.call("get", "llm")["version"], 4, what="get defaults to latest")
    assert_equal(fresh.call("register", "llm", b"w1w1"), 2, what="idempotent in a fresh process")
    assert_equal(fresh.call("register", "llm", b"new"), 5, what="numbering continues")


@pytest.mark.points(1)
def test_registry_objects_share_the_folder(student):
    """Two registry objects on one folder see each other's changes (reads go to disk)."""
    root = student.tmp_path("reg-h4")
    a = student.new("ModelRegistry", root)
    b = student.new("ModelRegistry", root)
    assert_equal(a.call("register", "x", b"1"), 1, what="first version")
    assert_equal(b.call("register", "x", b"2"), 2, what="second object continues the numbering")
    assert_equal(a.call("register", "x", b"2"), 2, what="first object sees the second's version")
    b.call("set_alias", "x", "champion", 1)
    assert_equal(a.call("resolve", "x", "champion"), 1, what="alias set by the other object")
    assert_equal(a.call("aliases", "x"), {"champion": 1, "latest": 2}, what="aliases")
    assert_equal(b.call("get", "x", "champion")["metadata"], {}, what="metadata defaults to an empty dict")


@pytest.mark.points(1)
def test_registry_errors(student):
    """Invalid names raise ValueError, unknown models/versions/aliases KeyError, non-bytes artefacts TypeError."""
    reg = student.new("ModelRegistry", student.tmp_path("reg-h5"))
    for bad in ["", "../up", "a/b", ".hidden", "-dash", "sp ace", "é"]:
        _raises("ValueError", reg.call, "register", bad, b"x")
    reg.call("register", "ok", b"x")
    for bad in ["1st", "", "has space", "a/b", "latest", "-x"]:
        _raises("ValueError", reg.call, "set_alias", "ok", bad, 1)
    _raises("KeyError", reg.call, "set_alias", "ok", "prod", 2)
    _raises("KeyError", reg.call, "get", "missing")
    _raises("KeyError", reg.call, "resolve", "ok", 2)
    _raises("KeyError", reg.call, "resolve", "ok", "prod")
    _raises("TypeError", reg.call, "register", "ok", "text, not bytes")
    _raises("TypeError", reg.call, "register", "ok", [1, 2])
    _raises("TypeError", reg.call, "register", "ok", 3)
    assert_equal(reg.call("aliases", "missing"), {}, what="aliases of an unknown model")
    assert_equal(reg.call("versions", "ok"), [1], what="versions after refused calls")
