"""release: solution regions become stubs, hidden material never reaches the student copy."""

from pathlib import Path

import pytest

from autograder.errors import ConfigError
from autograder.authoring.release import build_release, check_release, find_leaks, public_manifest, strip_solutions

SCENARIO = Path(__file__).parent / "scenarios" / "kit" / "solutions" / "90-calc"


def test_indented_region_becomes_a_stub_and_keeps_the_signature():
    src = 'def f(x: int) -> int:\n    """Doc."""\n    ### BEGIN SOLUTION\n    y = x + 1\n    return y\n    ### END SOLUTION\n'
    assert strip_solutions(src) == 'def f(x: int) -> int:\n    """Doc."""\n    raise NotImplementedError\n'


def test_module_level_region_is_removed():
    src = "import os\n### BEGIN SOLUTION\ndef _helper():\n    return 1\n### END SOLUTION\n\n\ndef g():\n    pass\n"
    assert strip_solutions(src) == "import os\n\n\ndef g():\n    pass\n"


def test_method_regions_keep_their_indentation():
    src = "class A:\n    def m(self):\n        ### BEGIN SOLUTION\n        return 1\n        ### END SOLUTION\n"
    assert strip_solutions(src) == "class A:\n    def m(self):\n        raise NotImplementedError\n"


@pytest.mark.parametrize("src, words", [
    ("    ### BEGIN SOLUTION\n    x = 1\n", "never closed"),
    ("    ### END SOLUTION\n", "without a BEGIN"),
    ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION\n", "inside the region"),
])
def test_unbalanced_markers_name_the_line(src, words):
    with pytest.raises(ConfigError, match=words) as info:
        strip_solutions(src, "ref.py")
    assert "ref.py:" in str(info.value)


def test_release_copies_only_public_material(tmp_path):
    dest = tmp_path / "90-calc"
    written = {p.relative_to(dest).as_posix() for p in build_release(SCENARIO, dest)}
    assert written == {"README.md", "manifest.toml", "calc.py", "90-calc.ipynb", "tests/public/test_calc.py"}
    assert "raise NotImplementedError" in (dest / "calc.py").read_text()
    assert "return a + b" not in (dest / "calc.py").read_text()
    assert check_release(SCENARIO, dest) == []


def test_check_release_reports_stale_and_leaking_copies(tmp_path):
    dest = tmp_path / "90-calc"
    build_release(SCENARIO, dest)
    (dest / "calc.py").write_text((SCENARIO / "calc.py").read_text())  # the reference itself
    hidden = dest / "tests" / "hidden"
    hidden.mkdir()
    (hidden / "test_calc_hidden.py").write_text((SCENARIO / "tests/hidden/test_calc_hidden.py").read_text())
    problems = check_release(SCENARIO, dest)
    text = "\n".join(problems)
    assert "calc.py: out of date" in text
    assert "contains a solution region marker" in text
    assert "a hidden folder was released" in text
    assert "llmkit release 90-calc" in text


def test_leak_scan_finds_hidden_test_names(tmp_path):
    dest = tmp_path / "90-calc"
    build_release(SCENARIO, dest)
    (dest / "README.md").write_text("see test_add_secret for details")
    assert any("test_add_secret" in p for p in find_leaks(SCENARIO, dest))


def test_released_manifest_drops_the_staff_only_mutants_tables(tmp_path):
    text = (
        'id = "90-calc"\n\n[submission]\nfiles = ["calc.py"]\n\n'
        "# equivalent mutants: they quote the reference\n"
        '[[mutants.equivalent]]\nfile = "calc.py"\nline = 3\nmutation = "+ -> -"\nreason = "a + b is the answer"\n\n'
        "[limits]\ntest_seconds = 5\n"
    )
    released = public_manifest(text)
    assert "mutants" not in released and "a + b" not in released and "quote the reference" not in released
    assert 'files = ["calc.py"]' in released and "test_seconds = 5" in released

    dest = tmp_path / "90-calc"
    build_release(SCENARIO, dest)
    (dest / "manifest.toml").write_text(text)
    assert any("staff-only [mutants]" in p for p in find_leaks(SCENARIO, dest))
