"""The llmkit CLI, driven black-box with click's CliRunner over the scenario kit."""

import json
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from pydantic import BaseModel, ConfigDict, Field

from autograder.cli import main

SCENARIO_ROOT = Path(__file__).parent / "scenarios" / "kit"
SUBMISSIONS = Path(__file__).parent / "scenarios" / "submissions"


class GradescopeTest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    score: float
    max_score: float
    status: str = Field(pattern="^(passed|failed)$")
    visibility: str = Field(pattern="^(hidden|after_due_date|after_published|visible)$")
    output: str


class GradescopeResults(BaseModel):
    """The subset of Gradescope's results.json specification that llmkit writes."""

    model_config = ConfigDict(extra="forbid")
    score: float
    max_score: float
    execution_time: float
    output: str
    visibility: str = Field(pattern="^(hidden|after_due_date|after_published|visible)$")
    stdout_visibility: str = Field(pattern="^(hidden|visible)$")
    tests: list[GradescopeTest]


@pytest.fixture
def run(monkeypatch, tmp_path):
    monkeypatch.setenv("LLMKIT_ROOT", str(SCENARIO_ROOT))
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(main, list(args), catch_exceptions=False)

    return invoke


@pytest.mark.parametrize("command", ["list", "check", "submit", "grade", "release", "validate", "demo"])
def test_every_command_has_help(run, command):
    result = run(command, "--help")
    assert result.exit_code == 0 and "Usage:" in result.output


def test_list_shows_assignments(run):
    result = run("list")
    assert result.exit_code == 0 and "90-calc" in result.output


def test_unknown_assignment_is_exit_3_with_the_known_ones(run):
    result = run("check", "nope")
    assert result.exit_code == 3
    assert "unknown assignment 'nope'" in result.output and "90-calc" in result.output


def test_check_the_starter_fails_with_not_implemented(run):
    result = run("check", "90")
    assert result.exit_code == 1
    assert "NotImplementedError" in result.output and "Score: 0 / 5" in result.output


def test_check_a_correct_submission_passes_public_tests_only(run):
    result = run("check", "90", str(SUBMISSIONS / "full"))
    assert result.exit_code == 0, result.output
    assert "Score: 5 / 5" in result.output and "secret" not in result.output


def test_submit_zips_exactly_the_submitted_files(run, tmp_path):
    result = run("submit", "90", str(SUBMISSIONS / "full"), "-o", str(tmp_path / "s.zip"))
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(tmp_path / "s.zip") as zf:
        assert sorted(zf.namelist()) == ["calc.py", "submission.json"]
        meta = json.loads(zf.read("submission.json"))
    assert meta["assignment"] == "90-calc" and len(meta["files"]["calc.py"]) == 64


def test_submit_without_the_file_is_exit_3(run):
    result = run("submit", "90", str(SUBMISSIONS / "missing_file"))
    assert result.exit_code == 3 and "calc.py" in result.output and "missing" in result.output


def test_grade_writes_gradescope_results_and_a_summary(run, tmp_path):
    result = run("grade", "90", str(SUBMISSIONS / "full"), str(SUBMISSIONS / "syntax_error"), "--jobs", "2",
                 "--out", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    assert "full" in result.output and "syntax_error" in result.output
    for name, score in (("full", 9), ("syntax_error", 0)):
        data = json.loads((tmp_path / "out" / "90-calc" / name / "results.json").read_text())
        parsed = GradescopeResults.model_validate(data)
        assert parsed.score == score and parsed.max_score == 9
        assert sum(t.max_score for t in parsed.tests) == 9
        assert {t.visibility for t in parsed.tests} == {"visible", "after_published"}


def test_grade_a_missing_path_gives_an_error_result_not_a_crash(run, tmp_path):
    result = run("grade", "90", str(tmp_path / "nothing-here.zip"), "--out", str(tmp_path / "out"))
    assert result.exit_code == 0
    data = json.loads((tmp_path / "out" / "90-calc" / "nothing-here" / "results.json").read_text())
    assert data["score"] == 0 and "no such file or folder" in data["output"]


def test_release_check_passes_on_the_committed_copy(run):
    result = run("release", "--all", "--check")
    assert result.exit_code == 0 and "up to date" in result.output


def test_validate_the_scenario_assignment(run):
    result = run("validate", "90")
    assert result.exit_code == 0, result.output
    for check in ("reference scores full marks", "starter scores zero", "two runs give identical verdicts",
                  "suite within its time budget", "student copy up to date, no leaks"):
        assert check in result.output


def test_malformed_course_toml_is_exit_3(run, tmp_path, monkeypatch):
    root = tmp_path / "kit"
    (root / "course").mkdir(parents=True)
    (root / "solutions").symlink_to(SCENARIO_ROOT / "solutions")
    (root / "course" / "course.toml").write_text('name = "x"\nterm = "t"\nassignments = []\n')
    monkeypatch.setenv("LLMKIT_ROOT", str(root))
    result = run("list")
    assert result.exit_code == 3 and "course.toml: key 'assignments': must not be empty" in result.output
