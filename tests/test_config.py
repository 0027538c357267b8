"""Manifests, course.toml and ASSIGNMENT arguments: every mistake gets a message with file, key and fix."""

from pathlib import Path

import pytest

from autograder.catalog import resolve
from autograder.course import load_course
from autograder.errors import ConfigError, UnknownAssignment
from autograder.manifest import load_manifest

SCENARIO_ROOT = Path(__file__).parent / "scenarios" / "kit"
GOOD_MANIFEST = (SCENARIO_ROOT / "solutions" / "90-calc" / "manifest.toml").read_text()


def _manifest(tmp_path: Path, text: str, name: str = "90-calc") -> Path:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "manifest.toml").write_text(text)
    return folder


@pytest.mark.parametrize("text, words", [
    ("id = [", "not valid TOML"),
    (GOOD_MANIFEST.replace('title = "Scenario assignment used by the kit\'s own tests"\n', ""), "key 'title': this key is required"),
    (GOOD_MANIFEST.replace("phase = 1", 'phase = "one"'), "key 'phase'"),
    (GOOD_MANIFEST.replace('files = ["calc.py"]', 'files = ["../calc.py"]'), "key 'submission.files'"),
    (GOOD_MANIFEST.replace('files = ["calc.py"]', "files = []"), "key 'submission.files'"),
    ('gpu = "sometimes"\n' + GOOD_MANIFEST, "key 'gpu'"),
    ("colour = 3\n" + GOOD_MANIFEST, "key 'colour': unknown key"),
    (GOOD_MANIFEST.replace("test_seconds = 4", "test_seconds = -1"), "key 'limits.test_seconds'"),
])
def test_malformed_manifest_names_file_and_key(tmp_path, text, words):
    folder = _manifest(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_manifest(folder)
    assert str(folder / "manifest.toml") in str(info.value)
    assert words in str(info.value)


def test_manifest_id_must_match_folder(tmp_path):
    folder = _manifest(tmp_path, GOOD_MANIFEST, name="91-other")
    with pytest.raises(ConfigError, match="differs from the folder name"):
        load_manifest(folder)


def test_missing_manifest(tmp_path):
    with pytest.raises(ConfigError, match="file not found"):
        load_manifest(tmp_path)


@pytest.mark.parametrize("arg", ["90-calc", "90", "calc"])
def test_assignment_resolves_by_id_number_or_slug(arg):
    assert resolve(arg, root=SCENARIO_ROOT).id == "90-calc"


def test_unknown_assignment_lists_known_ones():
    with pytest.raises(UnknownAssignment, match="known assignments: 90-calc"):
        resolve("42", root=SCENARIO_ROOT)


COURSE = """
name = "LLMs"
term = "2027-spring"
timezone = "Europe/Paris"
[[assignments]]
id = "90-calc"
weight = 1.0
due = 2027-02-01T23:59:00+01:00
"""


def test_course_loads(tmp_path):
    path = tmp_path / "course.toml"
    path.write_text(COURSE)
    course = load_course(path, ["90-calc"])
    assert course.assignments[0].due.utcoffset().total_seconds() == 3600


@pytest.mark.parametrize("text, words", [
    (COURSE.replace("Europe/Paris", "Mars/Olympus"), "key 'timezone': Value error, unknown time zone"),
    (COURSE.replace("+01:00", ""), "key 'assignments[0] (90-calc).due'"),
    (COURSE.replace("weight = 1.0", "weight = -1"), "key 'assignments[0] (90-calc).weight'"),
    (COURSE + '[[assignments]]\nid = "90-calc"\nweight = 1\ndue = 2027-02-01T23:59:00Z\n', "listed twice"),
    (COURSE.replace('term = "2027-spring"', ""), "key 'term': this key is required"),
    (COURSE.replace('id = "90-calc"', 'id = "99-nope"'), "unknown assignment id(s) 99-nope"),
    ("name = \"x\n", "not valid TOML"),
])
def test_malformed_course_toml_names_file_and_key(tmp_path, text, words):
    path = tmp_path / "course.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_course(path, ["90-calc"])
    assert str(path) in str(info.value) and words in str(info.value)


def test_shipped_course_and_roster_load():
    """course/course.toml and course/roster.csv, as shipped, load without a complaint."""
    from autograder.lms_download import load_roster
    from autograder.catalog import kit_root, list_assignments
    from autograder.course import COURSE_FILE

    course = load_course(kit_root() / COURSE_FILE, [t.id for t in list_assignments()])
    assert course.assignments
    roster = load_roster(kit_root() / "course" / "roster.csv")
    assert len({s.id for s in roster}) == len(roster) >= 1


def test_course_sandbox_defaults_fill_what_manifests_leave_out(tmp_path):
    """[sandbox] memory_mb / test_seconds of course.toml apply to manifests that do not set them;
    a manifest's own [limits] always wins."""
    import shutil

    from autograder.catalog import resolve

    scenario = Path(__file__).parent / "scenarios" / "kit" / "solutions" / "90-calc"
    folder = tmp_path / "solutions" / "90-calc"
    shutil.copytree(scenario, folder)
    manifest = folder / "manifest.toml"
    manifest.write_text(manifest.read_text().replace("memory_mb = 2048\n", ""))
    (tmp_path / "course").mkdir()
    (tmp_path / "course" / "course.toml").write_text(
        COURSE + '[sandbox]\nbackend = "docker"\nmemory_mb = 3000\ntest_seconds = 7\n')
    limits = resolve("90-calc", root=tmp_path).manifest.limits
    assert limits.memory_mb == 3000 and limits.test_seconds == 4  # test_seconds is set by the manifest

    (tmp_path / "course" / "course.toml").write_text(COURSE + '[sandbox]\nbackend = "podman"\n')
    with pytest.raises(ConfigError) as err:
        resolve("90-calc", root=tmp_path)
    assert "key 'sandbox.backend'" in str(err.value)


def test_manifest_and_course_word_config_errors_with_one_helper(tmp_path):
    """read_toml / describe_validation (autograder.errors) serve both files: same UTF-8 and TOML
    messages; an unknown key's fix is file-specific."""
    folder = _manifest(tmp_path, "colour = 3\n" + GOOD_MANIFEST)
    with pytest.raises(ConfigError, match="unknown key; check its spelling against docs/authoring.md"):
        load_manifest(folder)
    for name, load in (("manifest.toml", lambda p: load_manifest(p.parent)), ("course.toml", load_course)):
        path = tmp_path / name.split(".")[0] / name
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(b"id = \"\xff\"\n")
        with pytest.raises(ConfigError, match=f"{name}: not valid UTF-8; save it as UTF-8"):
            load(path)
        path.write_text("id = [")
        with pytest.raises(ConfigError, match=f"{name}: not valid TOML .*; fix the syntax at that line"):
            load(path)
