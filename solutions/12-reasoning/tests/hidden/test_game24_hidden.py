"""Hidden tests of check_24 and tot_bfs."""

import random
from fractions import Fraction

import pytest

from autograder.harness import StudentError
from autograder.harness.expect import assert_equal


def _cases(oracle, seed, count):
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        nums = [rng.randint(1, 13) for _ in range(rng.randint(2, 5))]
        expr = oracle.random_expression(rng, nums)
        try:
            value = oracle.eval_tokens(oracle.tokens(expr))
        except ZeroDivisionError:
            value = None
        r = rng.random()
        target = 24
        if value is not None and value.denominator == 1 and r < 0.5:
            target = int(value)  # a valid answer for this target
        mutated = expr
        if r > 0.6:
            kind = rng.choice(["drop", "dup", "neg", "float", "pow", "swapnum", "floordiv", "paren"])
            if kind == "drop":
                mutated = expr.replace(str(nums[0]), "1", 1) if nums[0] != 1 else expr + " * 1"
            elif kind == "dup":
                mutated = f"({expr}) * {nums[-1]} / {nums[-1]}"
            elif kind == "neg":
                mutated = f"-({expr})"
            elif kind == "float":
                mutated = expr.replace(str(nums[0]), f"{nums[0]}.0", 1)
            elif kind == "pow":
                mutated = expr.replace("*", "**", 1) if "*" in expr else expr + " ** 1"
            elif kind == "swapnum":
                mutated = expr.replace(str(nums[0]), str(nums[0] + 13), 1)
            elif kind == "floordiv":
                mutated = expr.replace("/", "//", 1) if "/" in expr else expr + " // 1"
            else:
                mutated = "(" + expr
        out.append((mutated, nums, target))
    return out


@pytest.mark.points(2)
def test_check_24_agrees_with_an_independent_checker(student, oracle):
    """check_24 agrees with an independent parser-based checker on generated valid and broken answers."""
    cases = _cases(oracle, 1211, 250)
    assert sum(oracle.check(*c) for c in cases) > 40  # the generator makes many valid answers
    for expr, nums, target in cases:
        assert_equal(student.call("check_24", expr, nums, target=target), oracle.check(expr, nums, target),
                     dtype=True)


@pytest.mark.points(1)
def test_check_24_never_raises_on_hostile_text(student):
    """check_24 returns False, without raising, on text that is not an allowed expression.

    Names, calls, attributes, comparisons, bools, lambdas, strings, empty text, unary plus, modulo,
    divisions by zero; and divisions by negative numbers that are valid.
    """
    hostile = ["", "   ", "open('x')", "(4).__class__", "4 < 24", "True * 24", "lambda: 24", "'24'",
               "+24", "48 % 24", "[24][0]", "24 if 1 else 0", "2 4", "24;", "(24,)", "24j", "1e1"]
    for expr in hostile:
        assert_equal(student.call("check_24", expr, [24]), False, dtype=True)
    assert_equal(student.call("check_24", "((24))", [24]), True, dtype=True)
    assert_equal(student.call("check_24", "(1 + 1) * 12", [12, 1, 1]), True, dtype=True)
    assert_equal(student.call("check_24", "(1 + 1) * 12", [12, 1, 1, 1]), False, dtype=True)
    for expr, nums, want in [("24 + 1 / (1 - 1)", [24, 1, 1, 1], False), ("24 + 0 * (5 / (5 - 5))", [24, 0, 5, 5, 5], False),
                             ("24 / (1 - 2) * (1 - 2)", [24, 1, 2, 1, 2], True), ("(3 - 4) / (3 - 4) * 24", [3, 4, 3, 4, 24], True)]:
        assert_equal(student.call("check_24", expr, nums), want, dtype=True)


def _instrumented(student, oracle, nums, k, seed):
    issued = []
    proposer = oracle.make_proposer(k, seed=seed)

    def propose(state):
        out = proposer(state)
        issued.extend(out)
        return out
    return student.callback(propose), student.callback(oracle.make_value(seed=seed)), issued


@pytest.mark.points(3)
def test_tot_bfs_matches_the_search_on_game_of_24(student, oracle):
    """tot_bfs on the Game of 24: the best state, the states expanded and one value call per candidate.

    Several puzzles, proposer sizes, breadths and depths, including a depth past the last step.
    """
    rng = random.Random(1212)
    runs = [([3, 3, 8, 8], 10, 5, 3, 4), ([2, 7, 8, 9], 7, 2, 3, 5), ([6, 6, 6, 6], 5, 1, 2, 6),
            ([1, 2, 3, 4], 6, 4, 4, 7)]
    runs += [([rng.randint(1, 13) for _ in range(4)], rng.randint(3, 9), rng.randint(1, 4), 3, 100 + i)
             for i in range(3)]
    for nums, k, breadth, depth, seed in runs:
        root = " ".join(map(str, nums))
        want, expanded, valued = oracle.tot(root, oracle.make_proposer(k, seed), oracle.make_value(seed),
                                            breadth, depth)
        propose_cb, value_cb, issued = _instrumented(student, oracle, nums, k, seed)
        got = student.call("tot_bfs", root, propose_cb, value_cb, breadth, depth)
        assert type(got) is str and (got in issued or got == root), "the state returned was never proposed"
        assert sorted(c[0][0] for c in propose_cb.calls) == sorted(expanded), "the states expanded"
        assert value_cb.count == len(valued), "value_fn must be called exactly once per candidate (the budget)"
        assert sorted(c[0][0] for c in value_cb.calls) == sorted(valued), "the states valued"
        assert_equal(got, want, what="the state returned")
        if oracle.can_make([Fraction(n) for n in nums]) and depth >= 3 and oracle.can_make(
                oracle.numbers_left(got)):
            assert oracle.replay(got, nums), "a final state that reaches 24 replays to 24"


@pytest.mark.points(2)
def test_tot_bfs_tie_rule_and_call_order(student, oracle):
    """tot_bfs on random trees with many equal values: exact frontier order, call order, stop when nothing is proposed, bad arguments."""
    rng = random.Random(1213)
    for trial in range(12):
        tree, values = {}, {}
        nodes = ["n0"]
        for i in range(1, 40):
            parent = rng.choice(nodes)
            node = f"n{i}"
            tree.setdefault(parent, []).append(node)
            values[node] = rng.choice([0.0, 0.5, 1.0])
            nodes.append(node)
        breadth, depth = rng.randint(1, 4), rng.randint(1, 6)
        want, expanded, valued = oracle.tot("n0", lambda s: tree.get(s, []), lambda s: values[s], breadth, depth)
        propose = student.callback(lambda s, tree=tree: tree.get(s, []))
        value = student.callback(lambda s, values=values: values[s])
        got = student.call("tot_bfs", "n0", propose, value, breadth, depth)
        assert [c[0][0] for c in propose.calls] == expanded, "propose_fn calls in frontier order"
        assert [c[0][0] for c in value.calls] == valued, "value_fn calls in candidate order"
        assert_equal(got, want, what="the state returned")
    propose = student.callback(lambda s: ["a", "b"])
    value = student.callback(lambda s: 1.0)
    for breadth in (1, 3):
        assert_equal(student.call("tot_bfs", "n0", propose, value, breadth, 0), "n0", what="the state returned")
    assert propose.count == 0 and value.count == 0, "depth 0 calls nothing"
    for breadth, depth in [(0, 2), (2, -1)]:
        with pytest.raises(StudentError) as err:
            student.call("tot_bfs", "n0", propose, value, breadth, depth)
        assert err.value.exc_type == "ValueError"
