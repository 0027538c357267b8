"""Every assignment of the kit: released copy current and leak-free, `validate` passing, samples scored as expected.

These are the slow tests (each validate runs the full suite three times), so
they run once per assignment at module scope.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from autograder.catalog import list_topics, resolve
from autograder.grade import grade_batch
from autograder.release import check_release
from autograder.validate import validate_topic

ROOT = Path(__file__).resolve().parents[2]
TOPICS = [t.id for t in list_topics(ROOT) if t.solution_dir is not None]
SAMPLES = ROOT / "course" / "samples"


def test_the_kit_ships_the_three_exemplars():
    assert {"01-tokenization", "05-transformer", "17-rag"} <= set(TOPICS)


@pytest.mark.parametrize("topic_id", TOPICS)
def test_student_copy_is_current_and_leaks_nothing(topic_id):
    topic = resolve(topic_id, ROOT)
    assert check_release(topic.solution_dir, ROOT / "assignments" / topic_id) == []


@pytest.mark.parametrize("topic_id", TOPICS)
def test_handout_points_table_matches_the_tests(topic_id):
    """The handout's Total row states the points the tests carry."""
    topic = resolve(topic_id, ROOT)
    text = (topic.solution_dir / "README.md").read_text(encoding="utf-8")
    markers = 0.0
    for path in (topic.solution_dir / "tests").rglob("test_*.py"):
        markers += sum(float(x) for x in re.findall(r"@pytest\.mark\.points\((\d+(?:\.\d+)?)\)", path.read_text()))
    totals = re.findall(r"\|\s*\**Total\**\s*\|(?:[^|\n]*\|)*?\s*\**(\d+(?:\.\d+)?)\**\s*\|", text)
    assert totals, "the handout needs a points table with a '| Total | ... | N |' row"
    assert float(totals[-1]) == markers


@pytest.mark.parametrize("topic_id", TOPICS)
def test_validate_passes(topic_id):
    report = validate_topic(resolve(topic_id, ROOT))
    failed = [f"{c.name}: {c.detail}" for c in report.checks if not c.ok]
    assert not failed, failed


@pytest.mark.parametrize("topic_id", [t for t in TOPICS if (SAMPLES / t / "expected.json").is_file()])
def test_samples_score_as_expected(topic_id, tmp_path):
    topic = resolve(topic_id, ROOT)
    expected = json.loads((SAMPLES / topic_id / "expected.json").read_text())
    names = [n for n in expected if n != "full"]  # the full sample equals the reference, which validate grades
    results = grade_batch(topic=topic, sources=[SAMPLES / topic_id / n for n in names], out_root=tmp_path, jobs=2)
    got = {r.submission: r.score for r in results}
    assert got == {n: float(expected[n]) for n in names}
