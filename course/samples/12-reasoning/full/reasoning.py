"""Reasoning with language models: the parts around the model.

What this module does (every "LLM" is a plain Python function you are given):
- `extract_answer` reads the final answer out of a model's text (a `\\boxed{}` or the last number).
- `majority_vote` / `self_consistency` sample several answers and keep the most frequent one.
- `check_24` checks a Game of 24 expression with `ast` (never `eval`).
- `tot_bfs` runs the breadth-first Tree-of-Thoughts search with a proposer and an evaluator.
- `react` runs a ReAct loop: the model thinks, calls tools, reads observations, answers.

What it does not do: call a real model, sample, or parse free-form prose beyond the stated rules.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from fractions import Fraction

# A number in a model's text (see the handout): an optional minus sign, digits with optional
# groups of three after commas (1,234,567), and an optional decimal part (3.25).
# Use it with re.finditer / re.findall: matches are leftmost and do not overlap.
NUMBER_PATTERN = r"-?(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.\d+)?"

# The ReAct format (see the handout).
INVALID_FORMAT = 'Invalid format: give "Action: tool[argument]" or "Final Answer: answer"'

### BEGIN SOLUTION

def _last_box(text: str) -> str | None:
    """Content of the closed \\boxed{...} that starts last, or None."""
    marker = "\\boxed{"
    found = None
    start = text.find(marker)
    while start != -1:
        depth = 0
        i = start + len(marker) - 1  # at the opening brace
        end = -1
        while i < len(text):
            if text[i] == "{":
                depth += 1
            elif text[i] == "}":
                depth -= 1
                if depth == 0:
                    end = i
                    break
            i += 1
        if end != -1:
            found = text[start + len(marker):end]
        start = text.find(marker, start + 1)
    return None if found is None else found.strip()


def _normalize_number(raw: str) -> str:
    """'-0,012.500' -> '-12.5' style normalization of a NUMBER_PATTERN match."""
    s = raw.replace(",", "")
    sign = ""
    if s.startswith("-"):
        sign, s = "-", s[1:]
    whole, _, frac = s.partition(".")
    whole = whole.lstrip("0") or "0"
    frac = frac.rstrip("0")
    out = whole + ("." + frac if frac else "")
    if out == "0":
        return "0"
    return sign + out

### END SOLUTION


def extract_answer(text: str) -> str | None:
    """The final answer in a model's output `text`, as a string, or None.

    1. If the text has a closed `\\boxed{...}` (braces balanced, nested braces allowed), the answer
       is the content of the closed box that starts last, stripped of surrounding whitespace.
    2. Else the answer is the last match of NUMBER_PATTERN, normalized: commas removed, leading
       zeros of the integer part and trailing zeros of the decimal part dropped ("007.50" -> "7.5",
       "3.0" -> "3"), and "-0" becomes "0".
    3. Else None.
    """
    ### BEGIN SOLUTION
    boxed = _last_box(text)
    if boxed is not None:
        return boxed
    matches = re.findall(NUMBER_PATTERN, text)
    if not matches:
        return None
    return _normalize_number(matches[-1])
    ### END SOLUTION


def majority_vote(answers: list[str | None]) -> tuple[str | None, float]:
    """The most frequent non-None answer and its share of ALL the answers.

    Ties: the tied answer that appears first in `answers` wins. None answers do not vote but count
    in the denominator: share = count(winner) / len(answers). No vote at all (every answer None,
    or an empty list): (None, 0.0).
    """
    ### BEGIN SOLUTION
    counts: dict[str, int] = {}
    first: dict[str, int] = {}
    for i, a in enumerate(answers):
        if a is None:
            continue
        counts[a] = counts.get(a, 0) + 1
        first.setdefault(a, i)
    if not counts:
        return None, 0.0
    best = max(counts, key=lambda a: (counts[a], -first[a]))
    return best, counts[best] / len(answers)
    ### END SOLUTION


def self_consistency(
    prompt: str,
    sample_fn: Callable[[str, int], str],
    n: int,
    extract: Callable[[str], str | None] | None = None,
) -> tuple[str | None, float]:
    """Self-consistency (Wang et al., 2023): sample n reasoning paths, vote on their answers.

    Calls sample_fn(prompt, i) exactly once for each i = 0, 1, ..., n-1 (the seed of sample i),
    extracts each answer with `extract` (default: extract_answer), and returns
    majority_vote(answers) with the answers in sample order. n < 1 raises ValueError.
    """
    ### BEGIN SOLUTION
    if n < 1:
        raise ValueError("n must be at least 1")
    if extract is None:
        extract = extract_answer
    answers = [extract(sample_fn(prompt, i)) for i in range(n)]
    return majority_vote(answers)
    ### END SOLUTION


### BEGIN SOLUTION

def _value(node: ast.AST, pool: list[int]) -> Fraction | None:
    """Exact value of an allowed expression node; removes the literals it uses from `pool`."""
    if isinstance(node, ast.Constant):
        if type(node.value) is not int or node.value not in pool:
            return None
        pool.remove(node.value)
        return Fraction(node.value)
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult, ast.Div)):
        left = _value(node.left, pool)
        if left is None:
            return None
        right = _value(node.right, pool)
        if right is None:
            return None
        if isinstance(node.op, ast.Add):
            return left + right
        if isinstance(node.op, ast.Sub):
            return left - right
        if isinstance(node.op, ast.Mult):
            return left * right
        if right == 0:
            return None
        return left / right
    return None

### END SOLUTION


def check_24(expr: str, nums: list[int], target: int = 24) -> bool:
    """True iff `expr` is a valid Game of 24 answer for `nums`.

    Valid: `expr` parses (ast.parse(expr, mode="eval")) into integer literals combined only with
    the binary operators + - * / and parentheses; the literals are exactly the numbers of `nums`
    (as a multiset: each used exactly once); its exact value, computed with Fraction (so / is
    exact division), equals `target`. Anything else, including a syntax error, unary minus,
    floats, other operators or names, and a division by zero, gives False (never an exception).
    """
    ### BEGIN SOLUTION
    try:
        tree = ast.parse(expr, mode="eval")
    except (SyntaxError, ValueError):
        return False
    pool = list(nums)
    value = _value(tree.body, pool)
    return value is not None and not pool and value == target
    ### END SOLUTION


def tot_bfs(
    root: str,
    propose_fn: Callable[[str], list[str]],
    value_fn: Callable[[str], float],
    breadth: int,
    depth: int,
) -> str:
    """Tree-of-Thoughts breadth-first search (Yao et al., 2023); returns the best state found.

    frontier = [root]; then `depth` times:
        candidates = for each state s of the frontier, in frontier order, the states of
                     propose_fn(s), in the order returned (no deduplication)
        if there are no candidates: stop
        value_fn is called exactly once on each candidate, in candidate order
        frontier = the `breadth` candidates of highest value, highest first; equal values keep
                   candidate order (a stable sort)
    Returns frontier[0]. breadth < 1 or depth < 0 raises ValueError.
    """
    ### BEGIN SOLUTION
    if breadth < 1 or depth < 0:
        raise ValueError("breadth must be >= 1 and depth >= 0")
    frontier = [root]
    for _ in range(depth):
        candidates = [child for state in frontier for child in propose_fn(state)]
        if not candidates:
            break
        values = [value_fn(c) for c in candidates]
        order = sorted(range(len(candidates)), key=lambda i: -values[i])
        frontier = [candidates[i] for i in order[:breadth]]
    return frontier[0]
    ### END SOLUTION


def react(
    question: str,
    llm_fn: Callable[[str], str],
    tools: dict[str, Callable[[str], str]],
    max_steps: int,
) -> tuple[str | None, str]:
    """A ReAct loop (Yao et al., 2023); returns (final answer or None, transcript).

    transcript starts as "Question: {question}\\n". Each step (at most max_steps):
      1. out = llm_fn(transcript); cut `out` just before its first line that starts with
         "Observation:" (the model may not write observations), then strip trailing whitespace;
         transcript += out + "\\n".
      2. The first line of `out` that starts with "Action:" or "Final Answer:" decides:
         - "Final Answer: X": return (X stripped, transcript).
         - "Action: NAME[ARG]" (after "Action:" and stripping: NAME is [A-Za-z_][A-Za-z0-9_]*,
           then "[", ARG, and "]" as the last character): observation = tools[NAME](ARG) if NAME
           is a tool, else "Unknown tool: NAME".
         - an Action line of another form, or no deciding line: observation = INVALID_FORMAT.
      3. transcript += "Observation: " + observation + "\\n".
    After max_steps steps without a final answer: (None, transcript). max_steps < 1: ValueError.
    """
    ### BEGIN SOLUTION
    if max_steps < 1:
        raise ValueError("max_steps must be at least 1")
    transcript = f"Question: {question}\n"
    for _ in range(max_steps):
        out = llm_fn(transcript)
        lines = out.split("\n")
        kept = []
        for line in lines:
            if line.startswith("Observation:"):
                break
            kept.append(line)
        out = "\n".join(kept).rstrip()
        transcript += out + "\n"
        observation = INVALID_FORMAT
        for line in kept:
            if line.startswith("Final Answer:"):
                return line[len("Final Answer:"):].strip(), transcript
            if line.startswith("Action:"):
                match = re.fullmatch(r"([A-Za-z_][A-Za-z0-9_]*)\[(.*)\]", line[len("Action:"):].strip(), re.DOTALL)
                if match is not None:
                    name, arg = match.group(1), match.group(2)
                    observation = tools[name](arg) if name in tools else f"Unknown tool: {name}"
                break
        transcript += f"Observation: {observation}\n"
    return None, transcript
    ### END SOLUTION
