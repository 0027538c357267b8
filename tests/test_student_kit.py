"""`llmkit release --kit DIR`: the tree students receive holds nothing solution-like or hidden, installs, and checks.

The kit is built from this repository's real solutions/ once per module. The install test puts it in a
fresh virtual environment and runs the kit's own `llmkit check` on a starter, offline.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from autograder.cli import main
from autograder.course import load_course
from autograder.authoring.release import _regions, scan_kit

REPO = Path(__file__).resolve().parents[1]
SOLUTIONS = REPO / "solutions"
FAST_ASSIGNMENT = "01-tokenization"  # a pure-Python starter: the public suite takes about a second


def _released_ids() -> list[str]:
    return sorted(p.name for p in (REPO / "assignments").iterdir()
                  if (p / "manifest.toml").is_file() and (SOLUTIONS / p.name / "manifest.toml").is_file())


@pytest.fixture(scope="module")
def kit(tmp_path_factory) -> Path:
    """The student kit, written by the CLI exactly as an instructor would."""
    kit_dir = tmp_path_factory.mktemp("student") / "kit"
    result = CliRunner().invoke(main, ["release", "--kit", str(kit_dir)], env={"LLMKIT_ROOT": str(REPO)})
    assert result.exit_code == 0, result.output
    assert "leak scan clean" in " ".join(result.output.split())
    return kit_dir


@pytest.fixture
def kit_copy(kit, tmp_path) -> Path:
    copy = tmp_path / "kit"
    shutil.copytree(kit, copy)
    return copy


def test_kit_holds_the_package_the_released_assignments_and_a_student_course(kit):
    top = {p.name for p in kit.iterdir()}
    assert top == {"README.md", "pyproject.toml", "constraints.txt", "autograder", "assignments", "course"}
    assert (kit / "autograder" / "cli" / "student.py").is_file() and (kit / "autograder" / "harness" / "pytest.ini").is_file()
    assert sorted(p.name for p in (kit / "assignments").iterdir()) == _released_ids()
    assert (kit / "pyproject.toml").read_bytes() == (REPO / "pyproject.toml").read_bytes()
    readme = (kit / "README.md").read_text()
    for command in ("pip install -c constraints.txt -e .", "llmkit list", f"llmkit check {FAST_ASSIGNMENT}",
                    f"llmkit submit {FAST_ASSIGNMENT}"):
        assert command in readme
    assert [p.name for p in (kit / "course").iterdir()] == ["course.toml"]


def test_student_course_keeps_the_schedule_and_drops_everything_staff(kit):
    staff = tomllib.loads((REPO / "course" / "course.toml").read_text())
    student = tomllib.loads((kit / "course" / "course.toml").read_text())
    assert set(student) <= {"name", "term", "timezone", "assignments", "late", "sandbox"}
    assert "extensions" not in student and "letters" not in student
    assert set(student.get("sandbox", {})) <= {"backend", "memory_mb", "test_seconds"}
    released = set(_released_ids())
    expected = {a["id"]: (a["weight"], a["due"]) for a in staff["assignments"] if a["id"] in released}
    assert {a["id"]: (a["weight"], a["due"]) for a in student["assignments"]} == expected
    staff_course = load_course(REPO / "course" / "course.toml")
    student_course = load_course(kit / "course" / "course.toml", sorted(released))
    assert student_course.late == staff_course.late and student_course.timezone == staff_course.timezone
    assert student_course.sandbox.limit_defaults() == staff_course.sandbox.limit_defaults()  # same limits in check
    roster_ids = [line.split(",")[0] for line in (REPO / "course" / "roster.csv").read_text().splitlines()[1:]]
    text = (kit / "course" / "course.toml").read_text()
    assert not [i for i in roster_ids if i in text]


def test_scan_finds_nothing_and_no_forbidden_path_exists(kit):
    assert scan_kit(kit, SOLUTIONS) == []
    for path in kit.rglob("*"):
        rel = path.relative_to(kit).as_posix().lower()
        assert not any(word in rel for word in ("solutions", "hidden", "samples", "roster")), rel
        assert not any(part in (".git", "tests", "benchmarks", "docker", "wheelhouse")
                       for part in path.relative_to(kit).parts[:1]), rel
        if path.suffix == ".toml":
            assert "[mutants" not in path.read_text(), rel
    for released in (kit / "assignments").iterdir():
        assert not (released / "tests" / "hidden").exists() and not (released / "fixtures" / "hidden").exists()
        for name in tomllib.loads((released / "manifest.toml").read_text())["submission"]["files"]:
            starter, reference = (released / name).read_text(), (SOLUTIONS / released.name / name).read_text()
            assert starter != reference and "BEGIN SOLUTION" not in starter


def test_a_non_empty_folder_is_refused_without_force_and_replaced_with_it(kit_copy):
    env = {"LLMKIT_ROOT": str(REPO)}
    (kit_copy / "stray.txt").write_text("left over")
    refused = CliRunner().invoke(main, ["release", "--kit", str(kit_copy)], env=env)
    assert refused.exit_code == 3 and "not empty" in " ".join(refused.output.split())
    replaced = CliRunner().invoke(main, ["release", "--kit", str(kit_copy), "--force"], env=env)
    assert replaced.exit_code == 0, replaced.output
    assert not (kit_copy / "stray.txt").exists()
    other = kit_copy.parent / "someone-elses-folder"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    refused = CliRunner().invoke(main, ["release", "--kit", str(other), "--force"], env=env)
    assert refused.exit_code == 3 and (other / "notes.txt").exists()


# --- the scan catches what it must ----------------------------------------------------------------

def test_scan_flags_a_reference_planted_as_the_starter(kit_copy):
    (kit_copy / "assignments" / FAST_ASSIGNMENT / "bpe.py").write_bytes((SOLUTIONS / FAST_ASSIGNMENT / "bpe.py").read_bytes())
    text = "\n".join(scan_kit(kit_copy, SOLUTIONS))
    assert f"assignments/{FAST_ASSIGNMENT}/bpe.py: a copy of solutions/{FAST_ASSIGNMENT}/bpe.py (the reference)" in text
    assert "out of date" in text and "solution region marker" in text


def test_scan_flags_a_reference_body_pasted_into_the_package(kit_copy):
    """Only the body of one solution region, markers dropped and re-indented: the chunk rule finds it."""
    start, body = max(_regions((SOLUTIONS / FAST_ASSIGNMENT / "bpe.py").read_text()), key=lambda r: len(r[1]))
    helper = kit_copy / "autograder" / "helpers_extra.py"
    helper.write_text("def helper():\n" + "\n".join("    " + line.strip() for line in body) + "\n")
    problems = scan_kit(kit_copy, SOLUTIONS)
    assert any(p.startswith("autograder/helpers_extra.py: line ") and
               f"solutions/{FAST_ASSIGNMENT}/bpe.py (the reference's solution)" in p for p in problems), problems


def test_scan_reads_a_notebook_as_its_cells(kit_copy):
    """The starter notebook passes the scan; a solution body pasted into one of its cells does not."""
    import json

    nb_path = kit_copy / "assignments" / FAST_ASSIGNMENT / f"{FAST_ASSIGNMENT}.ipynb"
    assert not [p for p in scan_kit(kit_copy, SOLUTIONS) if ".ipynb" in p]
    start, body = max(_regions((SOLUTIONS / FAST_ASSIGNMENT / "bpe.py").read_text()), key=lambda r: len(r[1]))
    nb = json.loads(nb_path.read_text())
    nb["cells"].append({"cell_type": "code", "id": "extra", "metadata": {}, "outputs": [], "execution_count": None,
                        "source": ["def helper():\n"] + [f"    {line.strip()}\n" for line in body]})
    nb_path.write_text(json.dumps(nb, indent=1))
    problems = scan_kit(kit_copy, SOLUTIONS)
    assert any(p.startswith(f"assignments/{FAST_ASSIGNMENT}/{FAST_ASSIGNMENT}.ipynb: line ") and "the reference's solution" in p
               for p in problems), problems


def test_scan_flags_hidden_tests_and_fixtures_under_innocent_names(kit_copy):
    hidden = sorted((SOLUTIONS / FAST_ASSIGNMENT / "tests" / "hidden").glob("test_*.py"))[0]
    fixture = sorted((SOLUTIONS / FAST_ASSIGNMENT / "fixtures" / "hidden").iterdir())[0]
    public = kit_copy / "assignments" / FAST_ASSIGNMENT / "tests" / "public"
    (public / "test_more.py").write_bytes(hidden.read_bytes())
    (kit_copy / "autograder" / "data.txt").write_bytes(fixture.read_bytes())
    text = "\n".join(scan_kit(kit_copy, SOLUTIONS))
    assert f"tests/public/test_more.py: a copy of solutions/{FAST_ASSIGNMENT}/tests/hidden/{hidden.name}" in text
    assert f"autograder/data.txt: a copy of solutions/{FAST_ASSIGNMENT}/fixtures/hidden/{fixture.name}" in text
    assert "in the released copy but not produced by release" in text
    assert "mentions the hidden test" in text


def test_scan_flags_staff_paths_mutants_course_and_roster(kit_copy):
    (kit_copy / "solutions").mkdir()
    (kit_copy / "course" / "roster.csv").write_text("id,name\nada01,Ada\n")
    (kit_copy / ".git").mkdir()
    (kit_copy / "autograder" / "extra.toml").write_text('[[mutants.equivalent]]\nfile = "bpe.py"\n')
    (kit_copy / "autograder" / "notes.md").write_text("ask ada01 about the extension\n")
    course = kit_copy / "course" / "course.toml"
    course.write_text(course.read_text() + '\n[[extensions]]\nstudent = "x"\nassignment = "*"\nhours = 1\n')
    text = "\n".join(scan_kit(kit_copy, SOLUTIONS))
    for expected in ("solutions: not part of the student kit", "course/roster.csv: a staff-only path (roster)",
                     ".git: not part of the student kit", "autograder/extra.toml: contains the staff-only [mutants]",
                     "autograder/notes.md: names student(s) of the roster: ada01",
                     "course/course.toml: has [extensions]"):
        assert expected in text


# --- the kit installs on its own and grades -------------------------------------------------------

def _clean_env(venv: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("LLMKIT_", "PYTHON", "PIP_", "PYTEST_")) and k != "VIRTUAL_ENV"}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}/usr/bin{os.pathsep}/bin"
    env["PIP_NO_INDEX"] = "1"
    return env


@pytest.fixture
def open_tmp():
    """A temporary folder other users can enter: graded as root, the local worker runs as `nobody`, which
    must reach the venv's interpreter and the kit (pytest's own tmp_path is private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="llmkit-student-kit-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_kit_installs_in_a_fresh_venv_and_checks_a_starter(kit, open_tmp):
    """A student's install, offline.

    `pip install -c constraints.txt -e .` would download torch & co., which a test must not do. So the
    fresh venv (made by this interpreter, hence the same Python minor version and ABI) gets the kit
    with --no-deps, and a .pth file that appends this venv's site-packages to its sys.path for the
    dependencies. A .pth line only appends a folder: the .pth files in there (this repo's own editable
    install) are not run, so `autograder` can come only from the kit, which the test checks.
    pip itself is this venv's, pointed at the new one with --python (no ensurepip: faster);
    --no-build-isolation makes setuptools come from the same place, --no-index forbids any download.
    """
    kit_copy, tmp_path, venv = open_tmp / "kit", open_tmp / "work", open_tmp / "venv"
    shutil.copytree(kit, kit_copy)
    tmp_path.mkdir()
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    env = _clean_env(venv)
    site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True, env=env).stdout.strip()
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (Path(site) / "_llmkit_dependencies.pth").write_text("\n".join(sorted(ours)) + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-index", "--no-deps",
                    "--no-build-isolation", "-e", str(kit_copy)], check=True, env=env, timeout=300)

    where = subprocess.run([python, "-c", "import autograder; print(autograder.__file__)"], cwd=tmp_path,
                           check=True, capture_output=True, text=True, env=env).stdout.strip()
    assert Path(where) == kit_copy / "autograder" / "__init__.py"
    llmkit = venv / "bin" / "llmkit"
    listed = subprocess.run([llmkit, "list"], cwd=kit_copy, capture_output=True, text=True, env=env, timeout=120)
    assert listed.returncode == 0, listed.stderr
    assert str(kit_copy) in listed.stdout.replace("\n", "")

    run = subprocess.run([llmkit, "check", FAST_ASSIGNMENT, "--sandbox", "local"], cwd=kit_copy,
                         capture_output=True, text=True, env=env, timeout=600)
    out = run.stdout + run.stderr
    assert run.returncode == 1, out  # 1: graded, some tests failed (0 all passed, 3 error, 4 grader broken)
    assert "Traceback (most recent call last)" not in run.stderr, out
    assert "NotImplementedError" in out and "Score: 0 /" in out
    out_dir = kit_copy / ".llmkit" / "check" / FAST_ASSIGNMENT
    results = json.loads((out_dir / "results.json").read_text())
    assert results["tests"] and results["score"] == 0 and results["max_score"] > 0
    collected = json.loads((out_dir / "records.jsonl").read_text().splitlines()[0])
    assert collected["kind"] == "collected"
    ids = [t["id"] for t in collected["tests"]]
    assert len(ids) == len(results["tests"]) and all(i.startswith("tests/public/") for i in ids), ids
