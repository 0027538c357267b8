"""Shared fakes for the 12-reasoning tests: the "language models" and tools the student's code calls.

Everything here runs on the trusted side. The fakes are lent to the student's code with
`student.callback(fn)`: the worker sees a plain function, every call comes back here, and the
harness records the calls (`callback.calls`), so call counts and budgets are observed here, never
in the worker. Every fake is deterministic: scripted, or seeded by a SHA-256 hash of its input.

- The Game of 24 world of `tot_bfs`: a state is text, its first line the four numbers, then one
  line per step, "a op b = c (left: x y z)". `propose` is a hash-seeded proposer (a subset of the
  legal steps, in hash order); `value` is a brute-force solver (can the numbers left still make
  24?) plus a hash-seeded bonus in {0, 1/8, 2/8, 3/8}, so ties are common. `replay` verifies a
  final state step by step with Fractions.
- `hashed_sampler`: a fake sampler for self-consistency, whose texts end in "The answer is X."
- `scripted_llm`: a fake chat model that answers from a script and records every prompt.
- `counter_vote`: the majority vote by `collections.Counter.most_common` (ties: first seen).
"""

from __future__ import annotations

import hashlib
import itertools
from collections import Counter
from fractions import Fraction
from types import SimpleNamespace

import pytest


def h(*parts: object) -> int:
    """A stable 64-bit hash of the parts (SHA-256; never Python's salted hash())."""
    data = "\x1f".join(str(p) for p in parts).encode("utf-8")
    return int.from_bytes(hashlib.sha256(data).digest()[:8], "big")


# -- Game of 24 -----------------------------------------------------------------------------

def fmt(x: Fraction) -> str:
    return str(x.numerator) if x.denominator == 1 else f"{x.numerator}/{x.denominator}"


def numbers_left(state: str) -> list[Fraction]:
    """The numbers still to combine in a state (its first line, or the 'left:' of its last line)."""
    if len(state) > 4000:  # the fakes receive untrusted data: keep their work bounded
        raise ValueError("state too long")
    last = state.split("\n")[-1]
    if "(left:" in last:
        last = last.split("(left:", 1)[1].rstrip(")")
    nums = [Fraction(tok) for tok in last.split()]
    if len(nums) > 6:
        raise ValueError("too many numbers in a state")
    return nums


def can_make(nums: list[Fraction], target: Fraction = Fraction(24)) -> bool:
    """Brute force: can `nums` be combined with + - * / (each used once) into `target`?"""
    if len(nums) == 1:
        return nums[0] == target
    for i, j in itertools.combinations(range(len(nums)), 2):
        a, b = nums[i], nums[j]
        rest = [nums[k] for k in range(len(nums)) if k not in (i, j)]
        for c in _combine(a, b):
            if can_make(rest + [c], target):
                return True
    return False


def _combine(a: Fraction, b: Fraction) -> list[Fraction]:
    out = [a + b, a * b, a - b, b - a]
    if b != 0:
        out.append(a / b)
    if a != 0:
        out.append(b / a)
    return out


def legal_steps(state: str) -> list[str]:
    """Every step from a state, as the line a proposer writes (duplicates removed, in a fixed order)."""
    nums = numbers_left(state)
    lines: list[str] = []
    for i, j in itertools.combinations(range(len(nums)), 2):
        a, b = nums[i], nums[j]
        rest = [nums[k] for k in range(len(nums)) if k not in (i, j)]
        ops = [(a, "+", b, a + b), (a, "*", b, a * b), (a, "-", b, a - b), (b, "-", a, b - a)]
        if b != 0:
            ops.append((a, "/", b, a / b))
        if a != 0:
            ops.append((b, "/", a, b / a))
        for x, op, y, c in ops:
            left = " ".join(fmt(v) for v in rest + [c])
            line = f"{fmt(x)} {op} {fmt(y)} = {fmt(c)} (left: {left})"
            if line not in lines:
                lines.append(line)
    return lines


def make_proposer(k: int, seed: int = 0):
    """A hash-seeded proposer: up to k next states, chosen and ordered by a hash of (seed, state, step)."""
    def propose(state):
        if type(state) is not str:
            raise TypeError("a state is a str")
        steps = sorted(legal_steps(state), key=lambda line: h(seed, state, line))[:k]
        return [state + "\n" + line for line in steps]
    return propose


def make_value(seed: int = 0):
    """The evaluator: 1 if the numbers left can still make 24 (brute force) else 0, plus a hashed bonus."""
    def value(state):
        if type(state) is not str:
            raise TypeError("a state is a str")
        base = 1.0 if can_make(numbers_left(state)) else 0.0
        return base + (h("value", seed, state) % 4) / 8
    return value


def replay(state: str, nums: list[int]) -> bool:
    """True iff `state` starts from `nums` and every step is exact arithmetic on numbers left, ending at 24."""
    lines = state.split("\n")
    if sorted(numbers_left(lines[0])) != sorted(Fraction(n) for n in nums):
        return False
    pool = [Fraction(n) for n in nums]
    for line in lines[1:]:
        try:
            lhs, rhs = line.split(" = ", 1)
            x, op, y = lhs.split(" ")
            c = Fraction(rhs.split(" (left:", 1)[0])
            x, y = Fraction(x), Fraction(y)
        except (ValueError, ZeroDivisionError):
            return False
        ops = {"+": lambda: x + y, "-": lambda: x - y, "*": lambda: x * y,
               "/": lambda: x / y if y != 0 else None}
        if op not in ops or ops[op]() != c:
            return False
        for v in (x, y):
            if v not in pool:
                return False
            pool.remove(v)
        pool.append(c)
        if sorted(pool) != sorted(numbers_left(line)):
            return False
    return pool == [Fraction(24)]


# -- self-consistency ------------------------------------------------------------------------

def hashed_sampler(answers: list[str], weights: list[int], seed: int = 0):
    """A fake sampler: sample i of a prompt ends in "The answer is X." with X drawn by a hash of
    (seed, prompt, i) from `answers` with the given integer weights; "" means no answer."""
    table = [a for a, w in zip(answers, weights) for _ in range(w)]

    def sample(prompt, i):
        if type(prompt) is not str or type(i) is not int:
            raise TypeError("sample_fn(prompt: str, i: int)")
        x = table[h("sample", seed, prompt, i) % len(table)]
        if x == "":
            return f"Sample {i}: I am not sure."
        return f"Sample {i}: let me think step by step. The answer is {x}."
    return sample


def sampler_extract(text):
    """The extractor matching hashed_sampler's texts (not the handout's rules)."""
    if type(text) is not str:
        raise TypeError("extract(text: str)")
    marker = "The answer is "
    if marker not in text:
        return None
    return text.rsplit(marker, 1)[1].rstrip(".")


def counter_vote(answers: list):
    """majority_vote by collections.Counter: most_common keeps first-seen order among equal counts."""
    counts = Counter(a for a in answers if a is not None)
    if not counts:
        return None, 0.0
    best, c = counts.most_common(1)[0]
    return best, c / len(answers)


# -- ReAct -----------------------------------------------------------------------------------

def scripted_llm(script: list[str]):
    """A fake model that returns script[k] on its k-th call (then "Thought: ..." forever)."""
    state = {"k": 0}

    def llm(prompt):
        if type(prompt) is not str:
            raise TypeError("llm_fn(prompt: str)")
        k = state["k"]
        state["k"] += 1
        return script[k] if k < len(script) else "Thought: I keep thinking."
    return llm


def lookup_tool(table: dict[str, str]):
    def lookup(arg):
        if type(arg) is not str:
            raise TypeError("a tool takes a str")
        return table.get(arg.strip().lower(), f"No entry for {arg.strip()}")
    return lookup


def add_tool(arg):
    """Adds comma-separated integers ("2, 40" -> "42")."""
    if type(arg) is not str:
        raise TypeError("a tool takes a str")
    try:
        return str(sum(int(x) for x in arg.split(",")))
    except ValueError:
        return "Error: add takes integers separated by commas"


@pytest.fixture(scope="session")
def kit() -> SimpleNamespace:
    """The fakes above, for test modules (which cannot import conftest by name)."""
    return SimpleNamespace(
        h=h, numbers_left=numbers_left, can_make=can_make, legal_steps=legal_steps,
        make_proposer=make_proposer, make_value=make_value, replay=replay,
        hashed_sampler=hashed_sampler, sampler_extract=sampler_extract, counter_vote=counter_vote,
        scripted_llm=scripted_llm, lookup_tool=lookup_tool, add_tool=add_tool,
    )
