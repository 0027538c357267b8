"""Reasoning helpers (work in progress): answers and voting done, the searches not yet."""

import ast
import re
from collections import Counter
from fractions import Fraction

NUMBER_PATTERN = r"-?(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.\d+)?"
INVALID_FORMAT = 'Invalid format: give "Action: tool[argument]" or "Final Answer: answer"'


def extract_answer(text):
    # boxes: only the simple, non-nested case so far
    boxes = re.findall(r"\\boxed\{([^{}]*)\}", text)
    if boxes:
        return boxes[-1].strip()
    nums = re.findall(NUMBER_PATTERN, text)
    if not nums:
        return None
    s = nums[-1].replace(",", "")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return str(int(s)) if "." not in s else s


def majority_vote(answers):
    votes = Counter(a for a in answers if a is not None)
    if not votes:
        return None, 0.0
    best, count = votes.most_common(1)[0]
    return best, count / len(answers)


def self_consistency(prompt, sample_fn, n, extract=None):
    if n < 1:
        raise ValueError("n must be positive")
    extract = extract or extract_answer
    return majority_vote([extract(sample_fn(prompt, i)) for i in range(n)])


def check_24(expr, nums, target=24):
    try:
        tree = ast.parse(expr, mode="eval")
    except SyntaxError:
        return False
    used = []

    def value(node):
        if isinstance(node, ast.Constant) and type(node.value) is int:
            used.append(node.value)
            return Fraction(node.value)
        if isinstance(node, ast.BinOp):
            a, b = value(node.left), value(node.right)
            if isinstance(node.op, ast.Add):
                return a + b
            if isinstance(node.op, ast.Sub):
                return a - b
            if isinstance(node.op, ast.Mult):
                return a * b
            if isinstance(node.op, ast.Div):
                return a / b
        raise ValueError("not allowed")

    try:
        result = value(tree.body)
    except (ValueError, ZeroDivisionError):
        return False
    return sorted(used) == sorted(nums) and result == target


def tot_bfs(root, propose_fn, value_fn, breadth, depth):
    # TODO: values are recomputed inside the sort key (too many calls), ties not handled
    frontier = [root]
    for _ in range(depth):
        candidates = [c for s in frontier for c in propose_fn(s)]
        if not candidates:
            break
        frontier = sorted(candidates, key=value_fn, reverse=True)[:breadth]
        frontier.sort(key=value_fn, reverse=True)
    return frontier[0]


def react(question, llm_fn, tools, max_steps):
    raise NotImplementedError
