"""Same code, same score: every sample submission graded as .py files and as a notebook built from them.

The notebook has the handout-style layout a student's would: a markdown cell, an untagged cell of
exploration (a magic, prints, a call) that the conversion leaves out, and one tagged cell per
submitted file. Scores and per-test statuses must be identical (the message differs: the notebook's
conversion notes). Graded with the local sandbox, both forms of all three samples in one batch.
"""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from autograder.catalog import resolve
from autograder.grade import grade_batch

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "course" / "samples"
SCENARIO = ROOT / "tests" / "scenarios"
# Grading every assignment's samples twice takes several minutes on two cores: by default three assignments
# (one per environment: standard library, numpy, torch) and the scenario kit; LLMKIT_ALL_SAMPLES=1 runs all.
DEFAULT_ASSIGNMENTS = ["01-tokenization", "17-rag", "04-traditional-lms"]
ALL = sorted(p.name for p in SAMPLES.iterdir() if p.is_dir())
ASSIGNMENTS = ALL if os.environ.get("LLMKIT_ALL_SAMPLES") == "1" else [t for t in DEFAULT_ASSIGNMENTS if t in ALL]


def as_notebook(folder: Path, files: tuple[str, ...], dest: Path) -> Path:
    cells = [new_markdown_cell("# My work"),
             new_code_cell("%matplotlib inline\nimport math\nprint('exploring', math.pi)\nresult = sorted([3, 1, 2])")]
    for name in files:
        if (folder / name).is_file():
            cells.append(new_code_cell((folder / name).read_text(encoding="utf-8"),
                                       metadata={"tags": [f"llmkit:file={name}"]}))
    for i, cell in enumerate(cells):
        cell["id"] = f"c{i}"
    dest.write_text(nbformat.writes(new_notebook(cells=cells)), encoding="utf-8")
    return dest


def _same(assignment, folders: list[Path], tmp_path: Path) -> None:
    files = assignment.manifest.submission.files
    sources = []
    for folder in folders:
        sources += [folder, as_notebook(folder, files, tmp_path / f"{folder.name}.ipynb")]
    results = grade_batch(assignment=assignment, sources=sources, out_root=tmp_path / "out", sandbox="local", jobs=2)
    for plain, nb in zip(results[::2], results[1::2]):
        assert nb.status == plain.status, (plain.submission, nb.message)
        assert nb.score == plain.score, (plain.submission, plain.score, nb.score, nb.message)
        assert [(t.id, t.status, t.score) for t in nb.tests] == [(t.id, t.status, t.score) for t in plain.tests]


@pytest.mark.parametrize("assignment_id", ASSIGNMENTS)
def test_a_sample_scores_the_same_as_files_and_as_a_notebook(assignment_id, tmp_path):
    assignment = resolve(assignment_id, ROOT)
    _same(assignment, [SAMPLES / assignment_id / s for s in ("full", "partial", "broken")], tmp_path)


def test_scenario_submissions_score_the_same_as_files_and_as_a_notebook(tmp_path):
    assignment = resolve("90-calc", SCENARIO / "kit")
    names = ("full", "wrong_type", "syntax_error", "missing_function", "sys_exit")
    _same(assignment, [SCENARIO / "submissions" / n for n in names], tmp_path)
