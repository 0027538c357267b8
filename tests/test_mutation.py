"""The mutation audit: mutants only inside solution regions, and a black-box audit of the scenario."""

import ast
from pathlib import Path

import pytest

from autograder.authoring.audit import audit_assignment
from autograder.catalog import Assignment, resolve
from autograder.manifest import EquivalentMutant, MutantsSpec
from autograder.authoring.mutate import mutants, solution_lines

SCENARIO_ROOT = Path(__file__).parent / "scenarios" / "kit"

SOURCE = '''def outside(a, b):
    return a + b


def f(xs, k):
    """Doc."""
    ### BEGIN SOLUTION
    total = 0
    for i in range(len(xs)):
        if xs[i] < k and not xs[i] == 3:
            total += xs[i] * 2
    return max(total, -1)
    ### END SOLUTION
'''


def test_only_solution_regions_are_mutated():
    region = solution_lines(SOURCE)
    assert region == {8, 9, 10, 11, 12}
    found = mutants(SOURCE, "m.py")
    assert found and all(m.line in region for m in found)
    assert not any(m.line == 2 for m in found)


def test_every_kind_of_mutation_is_made_and_parses():
    found = {m.description for m in mutants(SOURCE, "m.py")}
    for expected in ("'<' -> '<='", "'==' -> '!='", "'*' -> '/'", "'+' -> '-'", "drop 'not'", "drop '-'",
                     "2 -> 3", "0 -> -1", "return value -> None", "swap the first two arguments of max()",
                     "drop the statement `total += xs[i] * 2`", "'and' -> 'or'"):
        assert expected in found, expected
    for m in mutants(SOURCE, "m.py"):
        ast.parse(m.source)


def test_mutants_are_distinct():
    sources = [m.source for m in mutants(SOURCE, "m.py")]
    assert len(sources) == len(set(sources))


def test_repeated_mutations_on_one_line_get_keys_of_their_own():
    """Two `0`s on one line moved to -1 are two mutants: each key names its occurrence from the left,
    so an equivalent entry for one cannot hide the other."""
    source = ("def g(x):\n    ### BEGIN SOLUTION\n    return min(x, 0) + min(0, x)\n    ### END SOLUTION\n")
    found = {m.description: m.source for m in mutants(source, "g.py")}
    assert "return min(x, -1) + min(0, x)" in found["0 -> -1 (#1 of 2 on the line)"]
    assert "return min(x, 0) + min(-1, x)" in found["0 -> -1 (#2 of 2 on the line)"]
    assert "swap the first two arguments of min() (#2 of 2 on the line)" in found
    assert "0 -> -1" not in found and "'+' -> '-'" in found  # unique descriptions stay as they were
    keys = [m.key for m in mutants(SOURCE, "m.py") + mutants(source, "g.py")]
    assert len(keys) == len(set(keys))


def test_audit_of_the_scenario_lists_survivors():
    assignment = resolve("90-calc", root=SCENARIO_ROOT)
    report = audit_assignment(assignment, jobs=2)
    assert report.total == 13
    killed = {m.key for m in report.killed}
    # the hidden tests check add and mean only: their mutants die, the rest survive
    assert killed == {"calc.py:9: '+' -> '-'", "calc.py:9: return value -> None",
                      "calc.py:16: '/' -> '*'", "calc.py:16: return value -> None"}
    assert "calc.py:39: drop the statement `self.n += 1`" in {m.key for m in report.survived}
    assert report.score == pytest.approx(4 / 13) and not report.meets_target


def test_equivalent_mutants_leave_the_score():
    base = resolve("90-calc", root=SCENARIO_ROOT)
    equivalent = tuple(EquivalentMutant(file="calc.py", line=39, mutation=d, reason="pretend this is equivalent")
                       for d in ("1 -> 2", "1 -> 0"))
    manifest = base.manifest.model_copy(update={"mutants": MutantsSpec(equivalent=equivalent)})
    assignment = Assignment(id=base.id, manifest=manifest, solution_dir=base.solution_dir, assignment_dir=base.assignment_dir)
    report = audit_assignment(assignment, jobs=2, max_mutants=3, seed=1)
    assert len(report.equivalent) == 2 and report.total == 3 and report.sampled_from == 13


def test_stale_equivalent_entries_are_named():
    from autograder.authoring.audit import stale_equivalents

    base = resolve("90-calc", root=SCENARIO_ROOT)
    equivalent = (EquivalentMutant(file="calc.py", line=39, mutation="1 -> 2", reason="still matches a mutant"),
                  EquivalentMutant(file="calc.py", line=7, mutation="1 -> 2", reason="the code moved away"))
    manifest = base.manifest.model_copy(update={"mutants": MutantsSpec(equivalent=equivalent)})
    assignment = Assignment(id=base.id, manifest=manifest, solution_dir=base.solution_dir, assignment_dir=base.assignment_dir)
    stale = stale_equivalents(assignment)
    assert len(stale) == 1 and "calc.py:7" in stale[0] and "update its line" in stale[0]
