"""Worker environments: a worker imports exactly what the assignment's manifest allows, plus the
standard library (autograder/sandbox/environment.py, the local and Docker backends, the worker's
import guard)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from autograder.errors import ConfigError
from autograder.harness.client import Deadline, Student, StudentError, WorkerSession
from autograder.manifest import load_manifest
from autograder.sandbox.base import SandboxError, WorkerSpec
from autograder.sandbox.environment import (BOOTSTRAP, MissingDistribution, describe, envs_dir, local_view,
                                            requirement_closure)

REPO = Path(__file__).resolve().parents[2]
REQUIRE_DOCKER = os.environ.get("LLMKIT_REQUIRE_DOCKER") == "1"

PROBE = '''
import sys


def try_import(name):
    try:
        __import__(name)
    except ImportError as exc:
        return [type(exc).__name__, str(exc)]
    return ["ok", ""]


def where():
    import autograder
    return autograder.__file__


def path():
    return list(sys.path)


def lazy_oracle():
    import tiktoken
    return tiktoken.__name__


def probe_with_find_spec():
    import importlib.util
    return importlib.util.find_spec("tiktoken") is None


def ones(n):
    import numpy
    return numpy.ones(n)
'''


@pytest.fixture
def probe_dir(tmp_path):
    folder = tmp_path / "submission"
    folder.mkdir()
    (folder / "bpe.py").write_text(PROBE)
    return folder


def _student(sandbox, folder: Path, packages, module: str = "bpe"):
    session = WorkerSession(sandbox, WorkerSpec(submission_dir=folder, modules=(module,), packages=packages))
    return session, Student(session, module, folder, Deadline(120))


@pytest.fixture
def local():
    from autograder.sandbox.local import LocalSandbox

    sandbox = LocalSandbox()
    yield sandbox
    sandbox.close()


# -- closure and views ---------------------------------------------------------------------------

def test_closure_follows_requirements_transitively():
    closure = requirement_closure(("torch",))
    # torch's own requirements, jinja2's (markupsafe) and sympy's (mpmath), and the worker's msgpack
    assert {"torch", "sympy", "mpmath", "networkx", "jinja2", "markupsafe", "filelock", "fsspec", "msgpack"} <= set(closure)
    assert not {"numpy", "tiktoken", "transformers", "optree"} & set(closure)  # optree: only with an extra
    assert requirement_closure(()) == ["msgpack"]
    assert requirement_closure(("NumPy",)) == ["msgpack", "numpy"]


def test_a_distribution_that_is_not_installed_is_named_with_the_fix():
    with pytest.raises(MissingDistribution) as info:
        requirement_closure(("numpy", "llmkit-no-such-distribution"))
    assert isinstance(info.value, SandboxError) and isinstance(info.value, ConfigError)
    assert "'llmkit-no-such-distribution'" in str(info.value) and "pip install" in str(info.value)


def test_manifest_environment_is_checked_for_syntax_and_defaults_to_the_standard_library(tmp_path):
    folder = tmp_path / "99-x"
    folder.mkdir()
    head = 'id = "99-x"\ntitle = "x"\nphase = 1\ntopic = 99\n[submission]\nfiles = ["x.py"]\n'
    (folder / "manifest.toml").write_text(head)
    assert load_manifest(folder).environment.packages == ()
    (folder / "manifest.toml").write_text(head + '[environment]\npackages = ["numpy", "scikit-learn"]\n')
    assert load_manifest(folder).environment.packages == ("numpy", "scikit-learn")
    for bad in ('["numpy>=2"]', '["numpy[extra]"]', '["numpy", "NumPy"]', '["two words"]'):
        (folder / "manifest.toml").write_text(head + f"[environment]\npackages = {bad}\n")
        with pytest.raises(ConfigError, match="environment.packages"):
            load_manifest(folder)


def test_every_kit_assignment_keeps_its_oracles_out():
    from autograder.catalog import list_assignments

    environments = {t.id: t.manifest.environment.packages for t in list_assignments(REPO)}
    assert environments["01-tokenization"] == ()
    # Students of 07 and 09 build a tiny LlamaForCausalLM in the worker, so transformers (and its
    # tokenizers) is theirs to import there; their [[policy]] bans its losses, trainers and quantizers.
    model_in_worker = {"07-pre-training", "09-sft-lora"}
    for assignment, packages in environments.items():
        closure = set(requirement_closure(packages))
        oracles = {"tiktoken", "tokenizers", "transformers", "faiss-cpu", "rank-bm25", "scikit-learn",
                   "datasketch", "scipy", "peft", "trl", "sacrebleu", "rouge-score", "accelerate", "bitsandbytes"}
        if assignment in model_in_worker:
            assert "transformers" in packages, assignment
            oracles -= {"transformers", "tokenizers"}
        assert not oracles & closure, (assignment, oracles & closure)


def test_views_are_built_once_and_atomically(tmp_path, monkeypatch):
    monkeypatch.setenv("LLMKIT_CACHE", str(tmp_path / "cache"))
    views, errors = [], []

    def build():
        try:
            views.append(local_view(("numpy",)))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=build) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(set(views)) == 1
    view = views[0]
    assert view.parent == envs_dir() == tmp_path / "cache" / "envs"
    assert sorted(p.name for p in view.parent.iterdir()) == [view.name]  # no temporary folder left behind
    assert (view / BOOTSTRAP).is_file() and (view / "numpy").is_symlink() and (view / "numpy.libs").is_symlink()
    assert not (view / "autograder").is_symlink() and not (view / "autograder" / "harness").exists()
    assert not (view / "tiktoken").exists() and not (view / "torch").exists()


def test_numpy_is_optional_in_the_protocol(tmp_path, monkeypatch):
    """A standard-library worker runs the protocol without numpy; an array sent to it is a clear ProtocolError."""
    from autograder.protocol import encode

    monkeypatch.setenv("LLMKIT_CACHE", str(tmp_path / "cache"))
    view = local_view(())
    script = (
        "import sys\n"
        f"sys.path.append({str(view)!r})\n"
        "from autograder.protocol import ProtocolError, decode, encode\n"
        "assert decode(encode({'a': (1, 2.5, b'x')})) == {'a': (1, 2.5, b'x')}\n"
        "assert 'numpy' not in sys.modules\n"
        "try:\n"
        f"    decode(bytes.fromhex({encode(np.arange(3)).hex()!r}))\n"
        "except ProtocolError as exc:\n"
        "    print(exc)\n"
    )
    out = subprocess.run([sys.executable, "-I", "-S", "-c", script], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "numpy is not available in this worker" in out.stdout


# -- the local backend -----------------------------------------------------------------------------

def test_standard_library_worker_imports_nothing_else(local, probe_dir):
    session, student = _student(local, probe_dir, ())
    try:
        for name in ("numpy", "tiktoken", "torch", "sklearn", "pytest", "pydantic"):
            kind, message = student.call("try_import", name)
            assert kind == "ModuleNotFoundError", name
            assert message == (f"bpe.py imports {name!r}, which this assignment does not allow: the worker has "
                               "the standard library only (see 'Allowed imports' in the handout)")
        assert student.call("try_import", "json") == ["ok", ""]
        assert student.call("try_import", "autograder.harness")[0] == "ModuleNotFoundError"
        # the kit the student sees is a copy in the cache, never the repository (where solutions/ lives)
        where = Path(student.call("where"))
        assert REPO not in where.parents and envs_dir() in where.parents
        assert not any("site-packages" in p for p in student.call("path"))
        # a probe keeps working as Python documents it
        assert student.call("probe_with_find_spec") is True
    finally:
        session.close()


def test_numpy_worker_has_numpy_and_no_oracle(local, probe_dir):
    session, student = _student(local, probe_dir, ("numpy",))
    try:
        assert student.call("try_import", "numpy") == ["ok", ""]
        np.testing.assert_array_equal(student.call("ones", 3), np.ones(3))
        kind, message = student.call("try_import", "tiktoken")
        assert kind == "ModuleNotFoundError"
        assert "which this assignment does not allow: the worker has the standard library and numpy only" in message
        with pytest.raises(StudentError) as info:  # a lazy import inside a function: the same message
            student.call("lazy_oracle")
        assert info.value.category == "exception" and info.value.exc_type == "ModuleNotFoundError"
        assert info.value.message.startswith("bpe.py imports 'tiktoken', which this assignment does not allow")
    finally:
        session.close()


def test_importing_an_oracle_at_the_top_is_an_import_failure(local, tmp_path):
    folder = tmp_path / "submission"
    folder.mkdir()
    (folder / "bpe.py").write_text("import tiktoken\n\n\ndef encode(text):\n    return []\n")
    session, student = _student(local, folder, ())
    try:
        with pytest.raises(StudentError) as info:
            student.call("encode", "hi")
        assert info.value.category == "import"
        assert ("bpe.py imports 'tiktoken', which this assignment does not allow: the worker has the standard "
                "library only (see 'Allowed imports' in the handout)") in info.value.message
    finally:
        session.close()


def test_describe_lists_the_environment():
    assert describe(()) == "the standard library only"
    assert describe(("numpy",)) == "the standard library and numpy only"
    assert describe(("torch", "numpy")) == "the standard library, numpy and torch only"


# -- the Docker backend ----------------------------------------------------------------------------

def test_one_image_tag_per_environment(monkeypatch):
    from autograder.sandbox.image import assignment_environments, image_for

    monkeypatch.delenv("LLMKIT_IMAGE", raising=False)
    monkeypatch.delenv("LLMKIT_GPU_IMAGE", raising=False)
    tags = {image_for(False, p) for p in ((), ("numpy",), ("numpy", "torch"))}
    assert len(tags) == 3 and all(t.startswith("llmkit-worker:cpu-") for t in tags)
    assert image_for(False, ("torch", "NumPy")) == image_for(False, ("numpy", "torch"))
    assert image_for(True, ("numpy",)).startswith("llmkit-worker:gpu-")
    assert image_for(False) == "llmkit-grader:cpu"  # no environment: the unrestricted image
    monkeypatch.setenv("LLMKIT_IMAGE", "mine:latest")
    assert image_for(False, ("numpy",)) == image_for(False) == "mine:latest"
    environments = assignment_environments([REPO, REPO / "tests" / "scenarios" / "kit"])
    assert "01-tokenization" in environments[()]  # and every other standard-library assignment
    assert "90-calc" in environments[("numpy",)] and "02-embeddings" in environments[("numpy",)]
    assert "05-transformer" in environments[("numpy", "torch")]


def test_docker_sandbox_checks_each_image_once_and_not_in_its_constructor(monkeypatch):
    import docker.errors

    from autograder.sandbox import image as image_module
    from autograder.sandbox.docker import DockerSandbox

    looked_up = []

    class _Image:
        id = "sha256:feed"
        labels = {image_module.HASH_LABEL: image_module.worker_hash()}

    class _Images:
        def get(self, name):
            looked_up.append(name)
            if "missing" in name:
                raise docker.errors.ImageNotFound(name)
            return _Image()

        def list(self, name=None):
            return []

    class _Containers:
        def list(self, all=False, filters=None, ignore_removed=False):
            return []

    class _Client:
        images = _Images()
        containers = _Containers()

    monkeypatch.delenv("LLMKIT_IMAGE", raising=False)
    sandbox = DockerSandbox(client=_Client())
    assert looked_up == []
    assert sandbox.image_id(("numpy",)) == sandbox.image_id(("numpy",)) == "sha256:feed"
    assert sandbox.image_id(()) == "sha256:feed"
    assert looked_up == [image_module.image_for(False, ("numpy",)), image_module.image_for(False, ())]
    monkeypatch.setenv("LLMKIT_IMAGE", "llmkit-worker:cpu-missing")
    with pytest.raises(SandboxError, match="does not exist.*llmkit image build --offline"):
        sandbox.image_id(("numpy",))


def _image_or_skip(client, packages) -> str:
    from autograder.sandbox.image import check_image, image_for

    try:
        return check_image(client, image_for(False, packages), packages)
    except SandboxError as exc:
        if REQUIRE_DOCKER:
            pytest.fail(f"Docker is required (LLMKIT_REQUIRE_DOCKER=1) but the image is unavailable: {exc}")
        pytest.skip(f"image unavailable: {exc}")


@pytest.mark.parametrize("packages, present, absent", [
    ((), ["msgpack", "autograder"], ["numpy", "tiktoken", "torch", "pip", "setuptools"]),
    (("numpy",), ["numpy", "msgpack"], ["tiktoken", "torch", "faiss", "sklearn", "rank_bm25", "datasketch", "pip"]),
])
def test_environment_image_holds_exactly_its_packages(docker_ready, packages, present, absent):
    from autograder.sandbox.image import ENV_LABEL, WORKER_PYTHON

    image_id = _image_or_skip(docker_ready, packages)
    assert docker_ready.images.get(image_id).labels[ENV_LABEL] == " ".join(packages)
    script = ("import importlib.util, json; "
              f"print(json.dumps({{n: importlib.util.find_spec(n) is not None for n in {present + absent!r}}}))")
    out = docker_ready.containers.run(image_id, [WORKER_PYTHON, "-I", "-c", script], remove=True,
                                      network_mode="none", stdout=True, stderr=True)
    found = __import__("json").loads(out.decode().strip().splitlines()[-1])
    assert {n: found[n] for n in present} == {n: True for n in present}
    assert {n: found[n] for n in absent} == {n: False for n in absent}


def test_docker_worker_explains_a_forbidden_import(docker_ready, probe_dir):
    from autograder.sandbox.docker import DockerSandbox

    _image_or_skip(docker_ready, ("numpy",))
    sandbox = DockerSandbox()
    session, student = _student(sandbox, probe_dir, ("numpy",))
    try:
        np.testing.assert_array_equal(student.call("ones", 2), np.ones(2))
        kind, message = student.call("try_import", "tiktoken")
        assert kind == "ModuleNotFoundError" and "the standard library and numpy only" in message
        assert not student.call("where").startswith(str(REPO))
    finally:
        session.close()
        sandbox.close()
