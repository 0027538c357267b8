"""Public tests of check_24 and tot_bfs."""

import pytest

from autograder.harness.expect import assert_equal


@pytest.mark.points(1)
def test_check_24_accepts_valid_answers(student):
    """check_24: valid expressions, exact division with fractions, any order of the numbers."""
    for expr, nums in [("(10 - 4) * (13 - 9)", [4, 9, 10, 13]), ("8 / (3 - 8 / 3)", [3, 3, 8, 8]),
                       ("6*6 - 6 - 6", [6, 6, 6, 6]), ("(5 - 1 / 5) * 5", [5, 5, 5, 1])]:
        assert_equal(student.call("check_24", expr, nums), True, dtype=True, what=f"check_24({expr!r}, {nums})")


@pytest.mark.points(2)
def test_check_24_rejects_invalid_answers(student):
    """check_24: wrong value, numbers not used exactly once, unary minus, floats, powers, names, syntax errors, division by zero."""
    for expr, nums in [("4 * 9 - 10 - 13", [4, 9, 10, 13]),   # 13
                       ("(10 - 4) * 4", [4, 9, 10, 13]),        # numbers missing
                       ("(10 - 4) * (13 - 9) + 4 - 4", [4, 9, 10, 13]),  # a number used twice
                       ("-(1 - 25) * 1", [1, 25, 1]),            # unary minus
                       ("8.0 * 3", [8, 3]),                      # float
                       ("2 ** 3 * 3", [2, 3, 3]),               # power
                       ("x * 3", [8, 3]),                        # a name
                       ("(8 * 3", [8, 3]),                       # syntax error
                       ("24 + 1 / (1 - 1)", [24, 1, 1, 1]),      # division by zero
                       ("__import__('os')", [1])]:
        assert_equal(student.call("check_24", expr, nums), False, dtype=True, what=f"check_24({expr!r}, {nums})")
    assert_equal(student.call("check_24", "7 * 3 + 1", [7, 3, 1], target=22), True, dtype=True, what="check_24 with target=22")


def _tree_fns(student, tree, values):
    propose = student.callback(lambda s: tree.get(s, []))
    value = student.callback(lambda s: values[s])
    return propose, value


@pytest.mark.points(2)
def test_tot_bfs_on_a_small_tree(student):
    """tot_bfs: keeps the `breadth` best candidates, ties in candidate order, value called once per candidate."""
    tree = {"r": ["a", "b", "c"], "a": ["a1", "a2"], "b": ["b1"], "c": ["c1", "c2"],
            "a1": ["x"], "b1": ["y"], "c1": ["z"]}
    values = {"a": 0.5, "b": 0.9, "c": 0.5, "a1": 0.1, "a2": 0.7, "b1": 0.7, "c1": 0.9, "c2": 0.2,
              "x": 1.0, "y": 3.0, "z": 2.0}
    propose, value = _tree_fns(student, tree, values)
    assert_equal(student.call("tot_bfs", "r", propose, value, 2, 2), "b1")
    assert [c[0][0] for c in propose.calls] == ["r", "b", "a"], "the frontier expanded is not the expected one"
    assert [c[0][0] for c in value.calls] == ["a", "b", "c", "b1", "a1", "a2"], "value_fn calls"
    propose, value = _tree_fns(student, tree, values)
    assert_equal(student.call("tot_bfs", "r", propose, value, 3, 3), "y")
    propose, value = _tree_fns(student, tree, values)
    assert_equal(student.call("tot_bfs", "r", propose, value, 1, 0), "r")
    assert propose.count == 0 and value.count == 0, "depth 0 calls nothing"


@pytest.mark.points(2)
def test_tot_bfs_solves_game_of_24_within_budget(student, kit):
    """tot_bfs on the Game of 24: the state returned is a verified solution; calls stay within the budget."""
    for nums, k, breadth in [([4, 9, 10, 13], 8, 5), ([1, 4, 8, 8], 8, 1), ([1, 2, 3, 4], 6, 3)]:
        issued = []
        proposer = kit.make_proposer(k, seed=1)

        def propose(state, proposer=proposer, issued=issued):
            out = proposer(state)
            issued.extend(out)
            return out
        propose_cb = student.callback(propose)
        value_cb = student.callback(kit.make_value(seed=1))
        best = student.call("tot_bfs", " ".join(map(str, nums)), propose_cb, value_cb, breadth, 3)
        assert type(best) is str and best in issued, "the state returned was not proposed by propose_fn"
        assert kit.replay(best, nums), "the state returned does not reach 24"
        assert propose_cb.count <= 1 + breadth * 2, "propose_fn called more than once per frontier state"
        assert value_cb.count == len(issued), "value_fn not called exactly once per candidate"
