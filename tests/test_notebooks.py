"""Notebooks: the starter notebook `release` writes, and notebook submissions (conversion, bad notebooks, CLI).

Unit tests of the conversion rule run in milliseconds; the grading tests use the scenario kit
(90-calc) with the local sandbox, all bad notebooks in one batch next to a good one.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from autograder.catalog import list_assignments, resolve
from autograder.cli import main
from autograder.errors import SubmissionError
from autograder.grade import grade_batch
from autograder.intake import take_in
from autograder.notebooks import convert
from autograder.authoring.release import build_release, check_release, find_leaks

ROOT = Path(__file__).resolve().parents[1]
SCENARIO_ROOT = Path(__file__).parent / "scenarios" / "kit"
SUBMISSIONS = Path(__file__).parent / "scenarios" / "submissions"
CALC = (SUBMISSIONS / "full" / "calc.py").read_text()
ASSIGNMENTS = [t.id for t in list_assignments(ROOT) if t.solution_dir is not None]


def notebook(*cells, version: int = 4) -> bytes:
    """A notebook from (source, tag-or-None) pairs and markdown strings."""
    out = []
    for cell in cells:
        if isinstance(cell, str):
            out.append(new_markdown_cell(cell))
        else:
            source, tag = cell
            out.append(new_code_cell(source, metadata={"tags": [f"llmkit:file={tag}"]} if tag else {}))
    for i, c in enumerate(out):
        c["id"] = f"c{i}"
    return nbformat.writes(new_notebook(cells=out)).encode()


# --- the conversion rule ----------------------------------------------------------------------

def test_tagged_cell_is_taken_verbatim_and_untagged_keeps_only_definitions():
    nb = notebook(
        "# my work",
        ("import math\nTOL = 1e-9\nscale = 2\nrate = compute()\nfor i in range(3):\n    print(i)\n"
         "def helper(x):\n    return x * scale\n\n@staticmethod\ndef deco():\n    pass\nhelper(3)\n", None),
        (CALC, "calc.py"),
        ("model = train()\nplt.plot([1, 2])\n", None),
    )
    c = convert(nb, ("calc.py",), "hw.ipynb")
    text = c.files["calc.py"]
    assert CALC.strip() in text
    for kept in ("import math", "TOL = 1e-9", "scale = 2", "def helper(x):", "@staticmethod\ndef deco():"):
        assert kept in text
    for dropped in ("compute()", "print(i)", "helper(3)", "train()", "plt.plot"):
        assert dropped not in text
    note = "\n".join(c.notes)
    assert "left out 5 top-level statement(s)" in note and "cells 2, 4" in note.replace("cell(s)", "cells")
    compile(text, "calc.py", "exec")


def test_magics_are_removed_each_with_a_note():
    nb = notebook(("%matplotlib inline\n!pip install numpy\nfiles = !ls\n" + CALC, "calc.py"),
                  ("%%time\nsum(range(10))\n", None),
                  ("for i in range(2):\n    !echo hi\n", None))
    c = convert(nb, ("calc.py",))
    assert "%matplotlib" not in c.files["calc.py"] and "pip install" not in c.files["calc.py"]
    compile(c.files["calc.py"], "calc.py", "exec")
    notes = "\n".join(c.notes)
    for magic in ("%matplotlib inline", "!pip install numpy", "files = !ls", "!echo hi"):
        assert f"removed the IPython magic/shell command `{magic}`" in notes
    assert "cell 2" in notes and "cell magic %%time" in notes


def test_a_syntax_error_names_the_cell_and_the_rest_converts():
    nb = notebook("intro", ("def add(a, b):\n    return a +\n", None), (CALC, "calc.py"))
    c = convert(nb, ("calc.py",))
    assert c.files["calc.py"].strip() == CALC.strip()
    assert any("cell 2" in n and "SyntaxError at line 2" in n and "fix it" in n for n in c.notes)


def test_future_imports_move_to_the_top_and_markers_work_without_tags():
    nb = notebook(("import numpy as np\n", None),
                  ("# llmkit:file=calc.py\nfrom __future__ import annotations\n" + CALC, None),
                  ("x = 1\n", "other.py"))
    c = convert(nb, ("calc.py",))
    text = c.files["calc.py"]
    assert text.startswith("from __future__ import annotations\n") and "llmkit:file" not in text
    assert any("other.py" in n and "treated as untagged" in n for n in c.notes)
    compile(text, "calc.py", "exec")


def test_untagged_code_goes_only_to_the_first_file():
    c = convert(notebook(("def f():\n    return 1\n", None), ("def g():\n    return 2\n", "b.py")), ("a.py", "b.py", "c.py"))
    assert set(c.files) == {"a.py", "b.py"} and "def f" in c.files["a.py"]


@pytest.mark.parametrize("assignment_id", ASSIGNMENTS)
def test_the_starter_notebook_converts_back_to_the_starter_files(assignment_id):
    folder = ROOT / "assignments" / assignment_id
    files = resolve(assignment_id, ROOT).manifest.submission.files
    c = convert((folder / f"{assignment_id}.ipynb").read_bytes(), files)
    assert c.notes == []
    assert c.files == {name: (folder / name).read_text(encoding="utf-8") for name in files}


# --- the released notebook -------------------------------------------------------------------

@pytest.mark.parametrize("assignment_id", ASSIGNMENTS + ["90-calc"])
def test_the_released_notebook_runs_top_to_bottom(assignment_id):
    from nbclient import NotebookClient

    folder = (SCENARIO_ROOT if assignment_id == "90-calc" else ROOT) / "assignments" / assignment_id
    nb = nbformat.read(folder / f"{assignment_id}.ipynb", as_version=4)
    nbformat.validate(nb)
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(folder)}}).execute()
    tagged = [c for c in nb.cells if any(t.startswith("llmkit:file=") for t in c.metadata.get("tags", []))]
    assert len(tagged) == len(resolve(assignment_id, folder.parents[1]).manifest.submission.files)
    assert nb.cells[0].cell_type == "markdown" and "only imports" in nb.cells[0].source


def test_a_stale_or_leaking_notebook_is_flagged(tmp_path):
    solution = SCENARIO_ROOT / "solutions" / "90-calc"
    dest = tmp_path / "90-calc"
    build_release(solution, dest)
    assert check_release(solution, dest) == []
    nb = dest / "90-calc.ipynb"
    nb.write_text(nb.read_text().replace("raise NotImplementedError", "### BEGIN SOLUTION\\n    return a + b"))
    problems = check_release(solution, dest)
    assert "90-calc.ipynb: out of date" in problems and "90-calc.ipynb: contains a solution region marker" in problems
    assert find_leaks(solution, dest)


# --- intake of notebooks ---------------------------------------------------------------------

def _zip(path: Path, entries: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return path


GOOD = notebook("# 90-calc", ("import numpy as np\nnp.zeros(3)\n", None), (CALC, "calc.py"))


def test_a_notebook_alone_or_in_a_zip_becomes_the_files(tmp_path):
    (tmp_path / "hw.ipynb").write_bytes(GOOD)
    alone = take_in(tmp_path / "hw.ipynb", ("calc.py",), tmp_path / "a")
    zipped = take_in(_zip(tmp_path / "s.zip", {"hw/hw.ipynb": GOOD, "hw/.ipynb_checkpoints/hw-checkpoint.ipynb": GOOD}),
                     ("calc.py",), tmp_path / "b")
    for intake in (alone, zipped):
        assert intake.files and intake.notebook is not None
        assert (intake.folder / "calc.py").read_text().startswith("import numpy as np\n")
        assert any("left out 1 top-level statement" in p for p in intake.problems)
    assert alone.content_hash == zipped.content_hash


def test_py_files_win_over_a_notebook_in_a_zip(tmp_path):
    intake = take_in(_zip(tmp_path / "s.zip", {"calc.py": CALC.encode(), "hw.ipynb": GOOD}), ("calc.py",), tmp_path / "d")
    assert intake.notebook is None and (intake.folder / "calc.py").read_text() == CALC
    assert any("hw.ipynb: not converted" in p for p in intake.problems)


@pytest.mark.parametrize("name, data, words", [
    ("bad.ipynb", b'{"cells": [', "invalid JSON at line 1"),
    ("renamed.ipynb", None, "zip archive with a notebook's name"),
    ("plain.ipynb", b'{"hello": 1}', "not a Jupyter notebook"),
])
def test_unreadable_notebooks_are_refused_with_the_fix(tmp_path, name, data, words):
    if data is None:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            zf.writestr("calc.py", CALC)
        data = buf.getvalue()
    (tmp_path / name).write_bytes(data)
    with pytest.raises(SubmissionError, match=words):
        take_in(tmp_path / name, ("calc.py",), tmp_path / "d")


def test_two_notebooks_without_the_files_are_refused(tmp_path):
    with pytest.raises(SubmissionError, match="exactly one notebook"):
        take_in(_zip(tmp_path / "s.zip", {"a.ipynb": GOOD, "b.ipynb": GOOD}), ("calc.py",), tmp_path / "d")


V3 = json.dumps({"nbformat": 3, "nbformat_minor": 0, "metadata": {"name": "hw"}, "worksheets": [{"metadata": {}, "cells": [
    {"cell_type": "markdown", "metadata": {}, "source": "old notebook"},
    {"cell_type": "code", "language": "python", "metadata": {}, "outputs": [], "input": CALC + "\nprint(add(1, 2))\n"}]}]})


def test_an_old_format_notebook_is_converted_with_a_note(tmp_path):
    (tmp_path / "old.ipynb").write_text(V3)
    intake = take_in(tmp_path / "old.ipynb", ("calc.py",), tmp_path / "d")
    assert "def add(a, b):" in (intake.folder / "calc.py").read_text()
    assert any("format 3, converted to format 4" in p for p in intake.problems)


def test_non_utf8_and_huge_outputs(tmp_path):
    nb = json.loads(GOOD)
    nb["cells"][1]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "x" * (8 * 1024 * 1024)}]
    big = json.dumps(nb).encode()
    (tmp_path / "big.ipynb").write_bytes(big)
    intake = take_in(tmp_path / "big.ipynb", ("calc.py",), tmp_path / "d")
    assert intake.files and len(intake.notebook_text) < 10_000  # outputs stripped before storing
    latin = GOOD.replace(b"np.zeros(3)", "np.zeros(3)  # caf\u00e9".encode("latin-1"))
    (tmp_path / "latin.ipynb").write_bytes(latin)
    intake = take_in(tmp_path / "latin.ipynb", ("calc.py",), tmp_path / "e")
    assert intake.files and any("not valid UTF-8 (byte 0xe9" in p for p in intake.problems)
    assert any(p.startswith("cell 2 (`import numpy as np`): holds bytes that were not UTF-8") for p in intake.problems)


def test_malformed_cells_never_crash(tmp_path):
    cell = {"cell_type": "code", "metadata": {"tags": "llmkit:file=calc.py"}, "source": CALC, "outputs": [],
            "execution_count": None}
    raw = {"nbformat": 4, "nbformat_minor": 4, "metadata": {}, "cells": [1, {"cell_type": "code", "metadata": 3}, cell]}
    (tmp_path / "m.ipynb").write_text(json.dumps(raw))
    try:
        intake = take_in(tmp_path / "m.ipynb", ("calc.py",), tmp_path / "d")
    except SubmissionError as exc:
        assert "m.ipynb" in str(exc)
    else:
        assert "def add" in (intake.folder / "calc.py").read_text()
        assert any("cell 1: malformed" in p for p in intake.problems)


def test_a_notebook_without_tags_uses_the_untagged_rule(tmp_path):
    (tmp_path / "t.ipynb").write_bytes(notebook((CALC + "\nprint(mean([1, 2]))\n", None)))
    intake = take_in(tmp_path / "t.ipynb", ("calc.py",), tmp_path / "d")
    assert "def mean(xs):" in (intake.folder / "calc.py").read_text()
    (tmp_path / "e.ipynb").write_bytes(notebook(("print(1)\n", None)))
    intake = take_in(tmp_path / "e.ipynb", ("calc.py",), tmp_path / "e")
    assert not intake.files and any("no cell tagged llmkit:file=calc.py" in p for p in intake.problems)


# --- grading: a batch of notebooks, good and bad ----------------------------------------------

def test_bad_notebooks_in_a_batch_leave_the_others_alone(tmp_path):
    assignment = resolve("90-calc", root=SCENARIO_ROOT)
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "good.ipynb").write_bytes(GOOD)
    (subs / "broken_json.ipynb").write_bytes(GOOD[:100])
    (subs / "syntax.ipynb").write_bytes(notebook(("def add(a, b)\n    return a + b\n", "calc.py"),
                                                 (CALC.replace("def add", "def _unused"), None)))
    (subs / "empty.ipynb").write_bytes(notebook(("print('hello')\n", None)))
    (subs / "hw.zip").write_bytes(_zip(tmp_path / "hw.zip", {"hw/hw.ipynb": GOOD}).read_bytes())
    names = ["good.ipynb", "broken_json.ipynb", "syntax.ipynb", "empty.ipynb", "hw.zip"]
    results = {r.submission: r for r in grade_batch(assignment=assignment, sources=[subs / n for n in names],
                                                   out_root=tmp_path / "out", sandbox="local", jobs=2)}
    assert results["good"].score == 9 and results["hw"].score == 9
    assert (tmp_path / "out" / "90-calc" / "good" / "converted" / "calc.py").read_text().startswith("import numpy")
    assert "outputs" in (tmp_path / "out" / "90-calc" / "good" / "converted" / "good.ipynb").read_text()
    assert results["broken_json"].status == "error" and "invalid JSON" in results["broken_json"].message
    syntax = results["syntax"]
    assert syntax.status == "graded" and 0 < syntax.score < 9 and "cell 1" in syntax.message and "SyntaxError" in syntax.message
    empty = results["empty"]
    assert empty.score == 0 and "no cell tagged llmkit:file=calc.py" in empty.message


# --- the CLI -----------------------------------------------------------------------------------

@pytest.fixture
def run(monkeypatch, tmp_path):
    monkeypatch.setenv("LLMKIT_ROOT", str(SCENARIO_ROOT))
    monkeypatch.chdir(tmp_path)
    return lambda *args: CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_check_and_submit_take_a_notebook(run, tmp_path):
    (tmp_path / "hw.ipynb").write_bytes(GOOD)
    result = run("check", "90", str(tmp_path / "hw.ipynb"))
    assert result.exit_code == 0, result.output
    assert "Score: 5 / 5" in result.output and "Converted from the notebook" in result.output
    result = run("submit", "90", str(tmp_path / "hw.ipynb"), "-o", str(tmp_path / "s.zip"))
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(tmp_path / "s.zip") as zf:
        assert sorted(zf.namelist()) == ["calc.py", "submission.json"]
        meta = json.loads(zf.read("submission.json"))
        assert zf.read("calc.py").decode().startswith("import numpy as np\n")
    assert meta["converted_from"]["name"] == "hw.ipynb"
    (tmp_path / "bad.ipynb").write_bytes(b"not json")
    assert run("submit", "90", str(tmp_path / "bad.ipynb")).exit_code == 3


def test_notebook_pins_do_not_make_the_worker_images_stale():
    """nbformat & co. run on the trusted side only: their pins sit in constraints.txt's trusted-only section,
    which the worker images' hash leaves out."""
    from autograder.sandbox.image import _hashed_bytes

    hashed = _hashed_bytes(ROOT / "constraints.txt").decode()
    assert "nbformat==" in (ROOT / "constraints.txt").read_text() and "nbformat" not in hashed
    assert "torch==" in hashed and "nbgrader==" in hashed and "ipykernel" not in hashed and "peft" not in hashed
