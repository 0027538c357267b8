"""Every assignment of the kit: released copy current and leak-free, `validate` passing, samples scored as expected.

These are the slow tests (each validate runs the full suite three times), so
they run once per assignment at module scope.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from autograder.catalog import list_assignments, resolve
from autograder.grade import grade_batch, run_suite
from autograder.results import read_records
from autograder.authoring.release import check_release
from autograder.authoring.validate import validate_assignment

ROOT = Path(__file__).resolve().parents[2]
ASSIGNMENTS = [t.id for t in list_assignments(ROOT) if t.solution_dir is not None]
SAMPLES = ROOT / "course" / "samples"


def test_the_kit_ships_the_three_exemplars():
    assert {"01-tokenization", "05-transformer", "17-rag"} <= set(ASSIGNMENTS)


@pytest.mark.parametrize("assignment_id", ASSIGNMENTS)
def test_student_copy_is_current_and_leaks_nothing(assignment_id):
    assignment = resolve(assignment_id, ROOT)
    assert check_release(assignment.solution_dir, ROOT / "assignments" / assignment_id) == []


def _collected_points(assignment, tmp_path: Path) -> dict[str, float]:
    """Points per visibility, as the harness collects them (markers on params and classes included)."""
    records = tmp_path / "records.jsonl"
    code, _ = run_suite(base=assignment.solution_dir, test_paths=[assignment.solution_dir / "tests"],
                        submission=assignment.solution_dir, records=records, sandbox="local", timeout=120,
                        log=tmp_path / "collect.log", extra_args=("--collect-only",))
    collected, _, _ = read_records(records)
    assert collected is not None, (tmp_path / "collect.log").read_text()[-2000:]
    points = {"public": 0.0, "hidden": 0.0}
    for test in collected:
        points[test["visibility"]] += test["points"]
    return points


def _table_totals(text: str) -> dict[str, float]:
    """Rows of the handout's points table whose first cell is 'total', 'public total' or 'hidden total'."""
    totals = {}
    for line in text.splitlines():
        cells = [c.strip().strip("*").strip().lower() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 2 and cells[0] in ("total", "public total", "hidden total"):
            numbers = [c for c in cells[1:] if re.fullmatch(r"\d+(?:\.\d+)?", c)]
            if numbers:
                totals[cells[0]] = float(numbers[-1])
    return totals


@pytest.mark.parametrize("assignment_id", ASSIGNMENTS)
def test_handout_points_table_matches_the_tests(assignment_id, tmp_path):
    """The handout's points table states the points the tests carry."""
    assignment = resolve(assignment_id, ROOT)
    points = _collected_points(assignment, tmp_path)
    public, hidden = points["public"], points["hidden"]
    totals = _table_totals((assignment.solution_dir / "README.md").read_text(encoding="utf-8"))
    assert totals, "the handout needs a points table with a 'Total' row (or 'Public total' and 'Hidden total')"
    if "total" in totals:
        assert totals["total"] == public + hidden
    if "public total" in totals:
        assert totals["public total"] == public
    if "hidden total" in totals:
        assert totals["hidden total"] == hidden


@pytest.mark.parametrize("assignment_id", ASSIGNMENTS)
def test_validate_passes(assignment_id):
    report = validate_assignment(resolve(assignment_id, ROOT))
    failed = [f"{c.name}: {c.detail}" for c in report.checks if not c.ok]
    assert not failed, failed


@pytest.mark.parametrize("assignment_id", [t for t in ASSIGNMENTS if (SAMPLES / t / "expected.json").is_file()])
def test_samples_score_as_expected(assignment_id, tmp_path):
    assignment = resolve(assignment_id, ROOT)
    expected = json.loads((SAMPLES / assignment_id / "expected.json").read_text())
    names = [n for n in expected if n != "full"]  # the full sample equals the reference, which validate grades
    results = grade_batch(assignment=assignment, sources=[SAMPLES / assignment_id / n for n in names], out_root=tmp_path, jobs=2)
    got = {r.submission: r.score for r in results}
    assert got == {n: float(expected[n]) for n in names}


@pytest.mark.parametrize("assignment_id", ASSIGNMENTS)
def test_equivalent_mutants_still_match_the_reference(assignment_id):
    """Each [[mutants.equivalent]] entry names a mutant that exists: when the reference moves,
    its entries must move with it, or the audit would count real equivalents as survivors."""
    from autograder.authoring.audit import stale_equivalents

    assert stale_equivalents(resolve(assignment_id, ROOT)) == []
