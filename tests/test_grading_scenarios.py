"""Black-box grading of scenario submissions, one per bad-input case the kit must survive.

Every scenario goes through `grade_batch` with the local sandbox, exactly as
`llmkit grade` does, and is checked on what a TA and a student see: the
score, the per-test category, the message, and that nothing hidden leaks.
"""

from __future__ import annotations

import io
import json
import stat
import zipfile
from pathlib import Path

import pytest

from autograder.catalog import resolve
from autograder.grade import grade_batch

SCENARIOS = Path(__file__).parent / "scenarios"
SUBMISSIONS = SCENARIOS / "submissions"
FULL = 9.0
SECRET = "987654321"


def _zip(path: Path, entries: list[tuple[zipfile.ZipInfo | str, bytes]]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in entries:
            zf.writestr(info, data)
    return path


def _symlink_entry(name: str, target: str) -> tuple[zipfile.ZipInfo, bytes]:
    info = zipfile.ZipInfo(name)
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info, target.encode()


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> dict:
    tmp = tmp_path_factory.mktemp("zips")
    good = (SUBMISSIONS / "full" / "calc.py").read_bytes()
    zips = {
        "zip_ok": _zip(tmp / "zip_ok.zip", [("calc.py", good), ("notes.txt", b"hi")]),
        "zip_nested": _zip(tmp / "zip_nested.zip", [("hw/calc.py", good)]),
        "zip_absolute": _zip(tmp / "zip_absolute.zip", [("/etc/calc.py", good)]),
        "zip_dotdot": _zip(tmp / "zip_dotdot.zip", [("../../calc.py", good)]),
        "zip_symlink": _zip(tmp / "zip_symlink.zip", [_symlink_entry("calc.py", "/etc/passwd")]),
        "zip_bomb": _zip(tmp / "zip_bomb.zip", [("calc.py", b"\0" * (60 * 1024 * 1024))]),
    }
    whole = zips["zip_ok"].read_bytes()
    truncated = tmp / "zip_truncated.zip"
    truncated.write_bytes(whole[: len(whole) // 2])
    zips["zip_truncated"] = truncated
    garbage = tmp / "zip_garbage.zip"
    garbage.write_bytes(b"this is not a zip at all")
    zips["zip_garbage"] = garbage
    sources = sorted(SUBMISSIONS.iterdir()) + list(zips.values())
    assignment = resolve("90-calc", root=SCENARIOS / "kit")
    out = tmp_path_factory.mktemp("graded")
    results = grade_batch(assignment=assignment, sources=sources, out_root=out, jobs=2)
    by_name = {r.submission: r for r in results}
    return {"results": by_name, "out": out / assignment.id}


def _tests(result) -> dict:
    return {t.name: t for t in result.tests}


def _results_json(graded, name) -> str:
    return (graded["out"] / name / "results.json").read_text()


@pytest.mark.parametrize("name", ["full", "nested_folder", "zip_ok", "zip_nested", "noisy"])
def test_correct_submissions_get_full_marks(graded, name):
    result = graded["results"][name]
    assert result.status == "graded"
    assert result.score == FULL == result.max_score, [t.output for t in result.tests if t.status != "passed"]


def test_noisy_output_is_capped(graded):
    text = _results_json(graded, "noisy")
    assert len(text) < 64 * 1024
    assert "more bytes of output were discarded" in text


@pytest.mark.parametrize("name, exc", [("syntax_error", "SyntaxError"), ("import_exception", "RuntimeError")])
def test_import_failures_score_zero_with_the_reason(graded, name, exc):
    result = graded["results"][name]
    assert result.status == "graded" and result.score == 0
    assert {t.category for t in result.tests} == {"import"}
    public = [t for t in result.tests if t.visibility == "public"]
    assert all(exc in t.output for t in public)


def test_syntax_error_message_points_at_the_line(graded):
    out = _tests(graded["results"]["syntax_error"])["test_add"].output
    assert "calc.py" in out and "line 8" in out


@pytest.mark.parametrize(
    "name, failing, category",
    [
        ("missing_function", {"test_mean", "test_mean_secret"}, "not_found"),
        ("wrong_signature", {"test_add", "test_add_secret"}, "exception"),
        ("infinite_loop", {"test_mean", "test_mean_secret"}, "timeout"),
        ("sys_exit", {"test_add", "test_add_secret"}, "exception"),
        ("os_exit", {"test_add", "test_add_secret"}, "crash"),
        ("memory_hog", {"test_mean", "test_mean_secret"}, "exception"),
        ("wrong_shape", {"test_normalize"}, "wrong"),
    ],
)
def test_one_bad_function_fails_only_its_tests(graded, name, failing, category):
    result = graded["results"][name]
    tests = _tests(result)
    assert {n for n, t in tests.items() if t.status == "failed"} == failing
    assert {tests[n].category for n in failing} == {category}
    assert result.score == FULL - sum(tests[n].points for n in failing)


def test_always_equal_and_lists_do_not_pass(graded):
    tests = _tests(graded["results"]["wrong_type"])
    assert tests["test_add"].category == "not_data"
    assert "AlwaysEqual" in tests["test_add"].output and "plain data" in tests["test_add"].output
    assert tests["test_normalize"].status == "failed"


def test_messages_name_the_problem(graded):
    tests = _tests(graded["results"]["missing_function"])
    assert "has no attribute 'mean'" in tests["test_mean"].output
    tests = _tests(graded["results"]["wrong_signature"])
    assert "TypeError" in tests["test_add"].output and "missing 1 required positional argument" in tests["test_add"].output
    tests = _tests(graded["results"]["infinite_loop"])
    assert "time limit" in tests["test_mean"].output
    tests = _tests(graded["results"]["os_exit"])
    assert "exited with code 0" in tests["test_add"].output


def test_hidden_failures_reveal_no_inputs_or_prints(graded):
    result = graded["results"]["echo_inputs"]
    tests = _tests(result)
    assert tests["test_add_secret"].status == "failed"
    assert tests["test_add_secret"].output == "Checks: add on large hidden numbers.\nResult: failed: your code raised ValueError"
    assert SECRET not in _results_json(graded, "echo_inputs")
    # the public test shows the student's own message and prints
    assert "leak 2 3" in tests["test_add"].output and "inputs were 2 3" in tests["test_add"].output


def test_non_utf8_source_is_reported(graded):
    result = graded["results"]["non_utf8"]
    assert "not valid UTF-8" in result.message and "byte 0xe9" in result.message
    assert result.score == 0
    assert "SyntaxError" in _tests(result)["test_add"].output


def test_missing_file_is_reported_and_scored_zero(graded):
    result = graded["results"]["missing_file"]
    assert result.status == "graded" and result.score == 0 and result.max_score == FULL
    assert "calc.py is missing" in result.message


@pytest.mark.parametrize(
    "name, words",
    [
        ("zip_absolute", "absolute path"),
        ("zip_dotdot", "outside the archive"),
        ("zip_symlink", "symbolic link"),
        ("zip_bomb", "zip bomb"),
        ("zip_truncated", "corrupt or truncated"),
        ("zip_garbage", "not a readable zip"),
    ],
)
def test_bad_archives_are_refused_with_a_reason(graded, name, words):
    result = graded["results"][name]
    assert result.status == "error" and result.score == 0
    assert words in result.message
    data = json.loads(_results_json(graded, name))
    assert data["score"] == 0 and words in data["output"]


def test_every_submission_has_a_results_file(graded):
    assert len(graded["results"]) == len(list(graded["out"].iterdir()))
    for folder in graded["out"].iterdir():
        assert (folder / "results.json").is_file()
