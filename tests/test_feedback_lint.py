"""feedback_lint: a hidden test's feedback (its docstring's first paragraph) must not quote its inputs."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from autograder.authoring.feedback_lint import FIX, first_paragraph, lint_hidden_feedback

ROOT = Path(__file__).resolve().parents[1]
HANDOUT = 'Tokens are split at `"<|endoftext|>"`; `encode("")` is `[]`.\n'


def lint(tmp_path: Path, body: str, handout: str = HANDOUT) -> list[str]:
    """Lint one hidden test module (`body`, dedented) in a fresh assignment folder."""
    (tmp_path / "README.md").write_text(handout, encoding="utf-8")
    hidden = tmp_path / "tests" / "hidden"
    hidden.mkdir(parents=True)
    (hidden / "test_x_hidden.py").write_text(textwrap.dedent(body), encoding="utf-8")
    return lint_hidden_feedback(tmp_path / "tests")


@pytest.mark.parametrize("body, shown", [
    # a string input quoted in the first paragraph
    ('''
     def test_a(student):
         """encode("hello world") round-trips."""
         assert student.call("decode", student.call("encode", "hello world")) == "hello world"
     ''', "'hello world'"),
    # an expected output
    ('''
     def test_a(student):
         """"ab ba" gives (b, a) first."""
         assert student.call("train", "ab ba")[0] == ("b", "a")
     ''', "'ab ba'"),
    # a one-word input, quoted
    ('''
     def test_a(student):
         """Activation "sigmoid" is rejected."""
         assert student.call("check", "sigmoid") is False
     ''', "'sigmoid'"),
    # a number: a size
    ('''
     def test_a(student, oracle):
         """Top-k over 250 random keys matches faiss."""
         keys = oracle.random(250, 8)
         assert student.call("top_k", keys, 3) == oracle.top_k(keys, 3)
     ''', "250"),
    # a negative number, written without its sign
    ('''
     def test_a(student):
         """k = -0.25 raises."""
         for k in (-0.25,):
             student.call("f", k)
     ''', "-0.25"),
    # a parametrize value
    ('''
     import pytest

     @pytest.mark.parametrize("n", [7, 13])
     def test_a(student, n):
         """Works for n = 13."""
         assert student.call("f", n)
     ''', "13"),
    # a module-level constant the test uses
    ('''
     CORPUS = "the quick brown fox"

     def test_a(student):
         """Trains on "the quick brown fox"."""
         student.call("train", CORPUS)
     ''', "'the quick brown fox'"),
    # a fixture of the module the test requests
    ('''
     import pytest

     @pytest.fixture
     def config():
         return {"heads": 12}

     def test_a(student, config):
         """A config with 12 heads matches HF."""
         student.call("lm", config)
     ''', "12"),
    # a quoted piece of a longer input string
    ('''
     def test_a(student):
         """Emails after 'mailto:' are masked."""
         assert student.call("mask", "write mailto:a@b.co now")[1] == 1
     ''', "'mailto:'"),
    # whitespace collapsed as the harness collapses the paragraph
    ('''
     def test_a(student):
         """Splits "a  b
         c" correctly."""
         student.call("split", "a  b c")
     ''', "'a  b c'"),
])
def test_flags_literals_the_feedback_quotes(tmp_path, body, shown):
    findings = lint(tmp_path, body)
    assert len(findings) == 1, findings
    finding = findings[0]
    assert f"quotes {shown}," in finding
    assert finding.startswith(str(tmp_path / "tests" / "hidden" / "test_x_hidden.py") + ":")
    assert FIX in finding


def test_the_finding_points_at_the_docstring_line(tmp_path):
    findings = lint(tmp_path, '''
        import pytest


        @pytest.mark.points(2)
        def test_a(student):
            """Training on 'aaab' gives one merge."""
            student.call("train", "aaab")
        ''')
    assert findings and findings[0].split(":")[1] == "7"


@pytest.mark.parametrize("body", [
    # the property, not the case
    '''
    def test_a(student, oracle):
        """Top-k over random keys matches faiss (ties to the lower id)."""
        keys = oracle.random(250, 8)
        assert student.call("top_k", keys, 3) == oracle.top_k(keys, 3)
    ''',
    # the concrete case kept for staff in a later paragraph, which students never see
    '''
    def test_a(student):
        """encode() round-trips text with spaces.

        Input: "hello world", 250 times."""
        for _ in range(250):
            student.call("encode", "hello world")
    ''',
    # names of the code under test, exception names, dtypes, one-word modes in prose
    '''
    import numpy as np

    def test_a(student):
        """`dense_top_k` with metric cosine returns float64 scores; bad input raises ValueError."""
        scores = student.call("dense_top_k", np.ones((1, 2)), np.ones((3, 2)), 1, metric="cosine")
        assert scores.dtype == np.dtype("float64")
        assert student.call("errors")[0] == "ValueError"
    ''',
    # tolerances and bounds are the property
    '''
    import numpy as np

    def test_a(student, oracle):
        """Scores agree within 1e-9 and 0.003 relative; recall >= 0.75 and the error stays below 4 sigma."""
        got = student.call("scores")
        np.testing.assert_allclose(got, oracle.scores(), atol=1e-9, rtol=0.003)
        assert student.call("recall") >= 0.75
        assert abs(student.call("estimate") - 0.5) <= 4 * oracle.sigma()
    ''',
    # trivial numbers
    '''
    def test_a(student):
        """k = 0, 1, 2 and 10 all work."""
        for k in (0, 1, 2, 10):
            student.call("f", k)
    ''',
    # a string the handout already quotes is public
    '''
    def test_a(student):
        """Text is split at "<|endoftext|>"."""
        student.call("encode", "a<|endoftext|>b", ["<|endoftext|>"])
    ''',
    # assertion messages and f-strings are never shown in hidden feedback
    '''
    def test_a(student):
        """The merges follow the tie rule."""
        got = student.call("train", "xyz")
        assert got == [("y", "z")], f"query 'hello there': got {got}, expected 'hello there'"
    ''',
    # digits inside words are not numbers
    '''
    def test_a(student):
        """float64 output, and a code like e4821 is read."""
        student.call("f", 64 * 3, 4821)
    ''',
])
def test_leaves_property_descriptions_alone(tmp_path, body):
    assert lint(tmp_path, body) == []


def test_a_number_is_matched_by_value(tmp_path):
    findings = lint(tmp_path, '''
        def test_a(student):
            """Learning rate 3e-3 for every step."""
            student.call("adamw", lr=0.003)
        ''')
    assert len(findings) == 1 and "quotes 0.003," in findings[0]


def test_tests_in_classes_and_nested_folders_are_linted(tmp_path):
    (tmp_path / "README.md").write_text("", encoding="utf-8")
    nested = tmp_path / "tests" / "hidden" / "more"
    nested.mkdir(parents=True)
    (nested / "test_deep.py").write_text(textwrap.dedent('''
        class TestDeep:
            def test_a(self, student):
                """Sends 'quick fox'."""
                student.call("f", "quick fox")
        '''), encoding="utf-8")
    findings = lint_hidden_feedback(tmp_path / "tests")
    assert len(findings) == 1 and "test_deep.py" in findings[0] and "'quick fox'" in findings[0]


def test_public_tests_and_a_missing_hidden_folder_are_not_linted(tmp_path):
    public = tmp_path / "tests" / "public"
    public.mkdir(parents=True)
    (public / "test_p.py").write_text('def test_a(student):\n    """Sends "quick fox"."""\n    student.call("f", "quick fox")\n',
                                      encoding="utf-8")
    assert lint_hidden_feedback(tmp_path / "tests") == []


def test_first_paragraph_is_what_the_harness_shows():
    assert first_paragraph("  One\n    line.\n\n    Hidden detail.") == "One line."
    assert first_paragraph(None) == ""


@pytest.mark.parametrize("tests_dir", sorted(ROOT.glob("solutions/*/tests")), ids=lambda p: p.parent.name)
def test_no_hidden_feedback_in_the_kit_reveals_its_inputs(tests_dir):
    assert lint_hidden_feedback(tests_dir) == []
