"""Late policy and final grades (pure), course.toml's new keys, and `course init` for a new term."""

from __future__ import annotations

import tomllib
from datetime import date, datetime, timedelta, timezone
from types import SimpleNamespace

import pytest

from autograder.course import Course, dump_course, init_term, load_course, shift_course
from autograder.errors import ConfigError
from autograder.late import final_grades

DUE_A = datetime(2027, 2, 1, 23, 59, tzinfo=timezone(timedelta(hours=-8)))
DUE_B = datetime(2027, 3, 1, 23, 59, tzinfo=timezone(timedelta(hours=-8)))
STUDENT = {"id": "s1", "name": "Jane", "email": "", "canvas_id": "", "sis_id": "", "section": ""}


def _course(late: dict, **extra) -> Course:
    return Course.model_validate({"name": "LLMs", "term": "t", "late": late, "assignments": [
        {"id": "a", "weight": 1, "due": DUE_A}, {"id": "b", "weight": 3, "due": DUE_B}], **extra})


def _row(assignment: str, score: float, when: datetime | None, max_score: float = 10.0):
    return SimpleNamespace(student_id="s1", assignment_id=assignment, status="graded", score=score,
                           max_score=max_score, submitted_at=when)


def _grades(course: Course, rows) -> dict:
    (final,) = final_grades(course, rows, [STUDENT])
    return {g.assignment: g for g in final.assignments} | {"final": final}


def test_per_day_penalty_with_grace_and_cap():
    course = _course({"policy": "per_day", "rate": 0.1, "cap": 0.3, "grace_minutes": 15})
    cases = [(timedelta(minutes=10), 10.0), (timedelta(minutes=20), 9.0), (timedelta(days=1, minutes=1), 8.0),
             (timedelta(days=9), 7.0)]
    for late, expected in cases:
        g = _grades(course, [_row("a", 10, DUE_A + late), _row("b", 10, DUE_B)])
        assert g["a"].score == pytest.approx(expected), late


def test_deduction_never_goes_below_zero_and_is_of_the_points():
    course = _course({"policy": "per_hour", "rate": 0.25, "cap": 1.0})
    g = _grades(course, [_row("a", 2, DUE_A + timedelta(minutes=61)), _row("b", 10, DUE_B)])
    assert g["a"].deduction == 2 and g["a"].score == 0  # 2 started hours = 50% of 10 points, capped at the score


def test_slip_days_are_spent_in_deadline_order_then_penalised():
    course = _course({"policy": "slip_days", "slip_days": 2, "rate": 0.5, "cap": 1.0})
    g = _grades(course, [_row("a", 10, DUE_A + timedelta(hours=30)), _row("b", 10, DUE_B + timedelta(hours=25))])
    assert (g["a"].slip_days_used, g["a"].score) == (2, 10)
    assert (g["b"].slip_days_used, g["b"].score) == (0, 0)  # 2 started days, no slip days left: 100% off
    assert g["final"].slip_days_left == 0


def test_extensions_move_the_deadline_for_one_student():
    course = _course({"policy": "per_day", "rate": 0.5}, extensions=[
        {"student": "s1", "assignment": "a", "hours": 48}, {"student": "s2", "assignment": "*", "hours": 500}])
    g = _grades(course, [_row("a", 10, DUE_A + timedelta(hours=47)), _row("b", 10, DUE_B + timedelta(hours=1))])
    assert g["a"].score == 10 and g["b"].score == 5


def test_final_grade_weights_missing_work_and_letters():
    course = _course({}, letters={"A": 90, "B": 80, "C": 70})
    g = _grades(course, [_row("a", 10, DUE_A)])
    assert g["b"].status == "missing" and g["final"].percent == pytest.approx(25.0) and g["final"].letter == ""
    g = _grades(course, [_row("a", 4, DUE_A), _row("b", 10, None), _row("b", 10, None)])
    assert g["final"].percent == pytest.approx(85.0) and g["final"].letter == "B"


COURSE = """
name = "LLMs"
term = "2027-spring"
timezone = "America/Los_Angeles"
[late]
policy = "per_day"
rate = 0.1
[[assignments]]
id = "90-calc"
weight = 1.0
due = 2027-03-01T23:59:00-08:00
"""


@pytest.mark.parametrize("text, words", [
    (COURSE.replace("rate = 0.1", ""), "key 'late': Value error, policy 'per_day' needs a rate > 0"),
    (COURSE.replace('policy = "per_day"', 'policy = "weekly"'), "key 'late.policy'"),
    (COURSE.replace("rate = 0.1", "rate = 2"), "key 'late.rate'"),
    (COURSE + '[[extensions]]\nstudent = "s1"\nassignment = "99-x"\nhours = 2\n',
     "key 'extensions[0] (s1).assignment': unknown assignment '99-x'"),
    (COURSE + '[[extensions]]\nstudent = "s1"\nassignment = "90-calc"\n', "key 'extensions[0] (s1)': Value error, give exactly one of"),
    (COURSE + "[letters]\nA = 120\n", "key 'letters'"),
])
def test_new_course_keys_are_validated_with_file_key_and_fix(tmp_path, text, words):
    path = tmp_path / "course.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_course(path)
    assert str(path) in str(info.value) and words in str(info.value)


def test_shift_keeps_local_time_across_daylight_saving(tmp_path):
    path = tmp_path / "course.toml"
    path.write_text(COURSE)
    new = shift_course(load_course(path), term="2027-fall", days=210)  # March (PST) -> September (PDT)
    due = new.assignments[0].due
    assert (due.hour, due.minute, due.utcoffset()) == (23, 59, timedelta(hours=-7))
    assert Course.model_validate(tomllib.loads(dump_course(new))) == new


def test_course_init_writes_next_term_and_fresh_gradebook(tmp_path, cli):
    path = tmp_path / "course.toml"
    path.write_text(COURSE + '[[extensions]]\nstudent = "s1"\nassignment = "90-calc"\nhours = 24\n')
    out = tmp_path / "next" / "course.toml"
    result = cli("course", "init", "2027-fall", "--from", path, "--first-due", "2027-09-20", "-o", out,
                 "--gradebook", tmp_path / "fall.sqlite")
    assert result.exit_code == 0, result.output
    new = load_course(out)
    assert new.term == "2027-fall" and new.extensions == () and new.late.rate == 0.1
    assert new.assignments[0].due.date() == date(2027, 9, 20) and new.assignments[0].due.hour == 23
    assert (tmp_path / "fall.sqlite").is_file()
    assert cli("course", "check", out).exit_code == 0
    with pytest.raises(ConfigError, match="already '2027-spring'"):
        init_term(source=path, term="2027-spring", days=1)
    again = cli("course", "init", "2027-fall", "--from", path, "--shift-days", "7", "-o", out,
                "--gradebook", tmp_path / "fall.sqlite")
    assert again.exit_code == 2 and "fresh gradebook" in again.output


def test_dump_course_round_trips_every_table_in_order():
    """dump_course (tomli_w) writes name/term/timezone, then [sandbox], [late], [letters], then one
    [[assignments]] / [[extensions]] table per entry, a per-assignment late policy under its entry."""
    course = _course({"policy": "per_hour", "rate": 0.01}, timezone="America/Los_Angeles",
                     sandbox={"backend": "docker", "memory_mb": 2048}, letters={"A": 90, "B-": 80},
                     extensions=[{"student": "s 1", "assignment": "*", "hours": 24, "reason": 'said "flu"'}])
    entries = [a.model_copy(update={"title": "Tokens \\ \"BPE\"", "late": None}) for a in course.assignments]
    entries[1] = entries[1].model_copy(update={"late": course.late.model_copy(update={"policy": "per_day"})})
    course = course.model_copy(update={"assignments": tuple(entries)})
    text = dump_course(course)
    assert Course.model_validate(tomllib.loads(text)) == course
    headers = [line for line in text.splitlines() if line.startswith("[")]
    assert headers == ["[sandbox]", "[late]", "[letters]", "[[assignments]]", "[[assignments]]",
                       "[assignments.late]", "[[extensions]]"]
    assert text.startswith("# The course term") and 'name = "LLMs"' in text and "B- = 80" in text
