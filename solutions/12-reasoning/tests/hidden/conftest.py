"""Hidden-only oracles for the 12-reasoning tests (never released).

Hand-written versions of the handout's rules, written differently from the reference where that
is cheap (check_24 uses a tokenizer and a recursive-descent parser instead of `ast`), and the
generators of hidden inputs. They extend the `kit` namespace of tests/conftest.py.
"""

from __future__ import annotations

import random
import re
from fractions import Fraction
from types import SimpleNamespace

import pytest

NUMBER = re.compile(r"-?(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.\d+)?")
INVALID = 'Invalid format: give "Action: tool[argument]" or "Final Answer: answer"'


def extract_oracle(text: str):
    best = None
    for m in re.finditer(r"\\boxed\{", text):
        depth, i = 0, m.end() - 1
        while i < len(text):
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            if depth == 0:
                best = text[m.end():i].strip()
                break
            i += 1
    if best is not None:
        return best
    nums = NUMBER.findall(text)
    if not nums:
        return None
    s = nums[-1].replace(",", "")
    neg = s.startswith("-")
    s = s.lstrip("-")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    s = s.lstrip("0")
    if s.startswith(".") or s == "":
        s = "0" + s
    return "0" if s == "0" else ("-" if neg else "") + s


def random_text(rng: random.Random) -> str:
    words = ["so", "the", "answer", "is", "about", "x", "$", "%", "(", ")", ".", ",", "-", "\n",
             "total", "=", "step", "1.", "e.g."]
    parts = []
    for _ in range(rng.randint(0, 14)):
        r = rng.random()
        if r < 0.3:
            parts.append(rng.choice(words))
        elif r < 0.6:
            n = rng.choice([rng.randint(0, 99), rng.randint(0, 10**7), rng.randint(0, 10**4)])
            s = f"{n:,}" if rng.random() < 0.5 else str(n)
            if rng.random() < 0.2:
                s = "00" + s
            if rng.random() < 0.3:
                s = "-" + s
            if rng.random() < 0.3:
                s += "." + rng.choice(["5", "50", "0", "00", "125", "3"])
            if rng.random() < 0.1:
                s += rng.choice([",12", ",1234", ".", "-", "-3"])
            parts.append(s)
        elif r < 0.75:
            inner = rng.choice(["7", " 1,234 ", "\\frac{1}{2}", "{a}", "-3.50", "", "x+{y}"])
            parts.append("\\boxed{" + inner + "}")
        elif r < 0.82:
            parts.append("\\boxed{" + rng.choice(["3", "{4", "x"]))
        else:
            parts.append(rng.choice(["}", "{", "\\boxed", "boxed{5}"]))
    sep = rng.choice([" ", "", "  "])
    return sep.join(parts)


# -- check_24: an independent checker (tokens + recursive descent, no ast) --------------------

def _tokens(expr: str):
    out, i = [], 0
    while i < len(expr):
        c = expr[i]
        if c in " \t":
            i += 1
        elif c.isdigit() and c.isascii():
            j = i
            while j < len(expr) and expr[j].isdigit() and expr[j].isascii():
                j += 1
            if expr[i] == "0" and j - i > 1:
                return None  # Python refuses leading zeros
            out.append(int(expr[i:j]))
            i = j
        elif c in "+-*/()":
            if expr[i:i + 2] in ("**", "//"):
                return None
            out.append(c)
            i += 1
        else:
            return None
    return out


def check_oracle(expr: str, nums: list[int], target: int = 24) -> bool:
    toks = _tokens(expr)
    if toks is None or expr[:1] in (" ", "\t"):
        return False
    pos = [0]
    used: list[int] = []

    def peek():
        return toks[pos[0]] if pos[0] < len(toks) else None

    def atom():
        t = peek()
        if type(t) is int:
            pos[0] += 1
            used.append(t)
            return Fraction(t)
        if t == "(":
            pos[0] += 1
            v = add()
            if peek() != ")":
                raise ValueError
            pos[0] += 1
            return v
        raise ValueError

    def mul():
        v = atom()
        while peek() in ("*", "/"):
            op = toks[pos[0]]
            pos[0] += 1
            w = atom()
            if op == "*":
                v = None if v is None or w is None else v * w
            else:
                v = None if v is None or w is None or w == 0 else v / w
        return v

    def add():
        v = mul()
        while peek() in ("+", "-"):
            op = toks[pos[0]]
            pos[0] += 1
            w = mul()
            v = None if v is None or w is None else (v + w if op == "+" else v - w)
        return v

    try:
        v = add()
    except ValueError:
        return False
    if pos[0] != len(toks) or v is None:
        return False
    return sorted(used) == sorted(nums) and v == target


def random_expression(rng: random.Random, nums: list[int]) -> str:
    """A random fully or partly parenthesized expression using each of nums once."""
    items = [str(n) for n in nums]
    rng.shuffle(items)
    while len(items) > 1:
        i = rng.randrange(len(items) - 1)
        a, b = items[i], items[i + 1]
        op = rng.choice(["+", "-", "*", "/"])
        wrap = rng.random() < 0.7
        e = f"{a} {op} {b}" if rng.random() < 0.5 else f"{a}{op}{b}"
        items[i:i + 2] = [f"({e})" if wrap else e]
    return items[0]


def _eval_tokens(toks):
    pos = [0]

    def peek():
        return toks[pos[0]] if pos[0] < len(toks) else None

    def atom():
        t = peek()
        pos[0] += 1
        if type(t) is int:
            return Fraction(t)
        if t == "(":
            v = add()
            pos[0] += 1
            return v
        raise ValueError

    def mul():
        v = atom()
        while peek() in ("*", "/"):
            op = toks[pos[0]]
            pos[0] += 1
            w = atom()
            v = v * w if op == "*" else v / w
        return v

    def add():
        v = mul()
        while peek() in ("+", "-"):
            op = toks[pos[0]]
            pos[0] += 1
            w = mul()
            v = v + w if op == "+" else v - w
        return v
    return add()


# -- tot_bfs and react ------------------------------------------------------------------------

def tot_oracle(root, propose, value, breadth, depth):
    frontier = [root]
    expanded, valued = [], []
    for _ in range(depth):
        cands = []
        for s in frontier:
            expanded.append(s)
            cands.extend(propose(s))
        if not cands:
            break
        vals = []
        for c in cands:
            valued.append(c)
            vals.append(value(c))
        idx = sorted(range(len(cands)), key=lambda i: vals[i], reverse=True)
        # reverse=True keeps the original order of equal keys (sorted is stable in both directions)
        frontier = [cands[i] for i in idx[:breadth]]
    return frontier[0], expanded, valued


def react_oracle(question, llm, tools, max_steps):
    t = "Question: " + question + "\n"
    prompts, tool_calls = [], []
    for _ in range(max_steps):
        prompts.append(t)
        out = llm(t)
        lines = out.split("\n")
        cut = next((i for i, line in enumerate(lines) if line.startswith("Observation:")), len(lines))
        out = "\n".join(lines[:cut]).rstrip()
        t += out + "\n"
        obs = INVALID
        for line in out.split("\n"):
            if line.startswith("Final Answer:"):
                return line[13:].strip(), t, prompts, tool_calls
            if line.startswith("Action:"):
                m = re.match(r"^([A-Za-z_]\w*)\[(.*)\]$", line[7:].strip(), re.ASCII)
                if m:
                    if m.group(1) in tools:
                        tool_calls.append((m.group(1), m.group(2)))
                        obs = tools[m.group(1)](m.group(2))
                    else:
                        obs = "Unknown tool: " + m.group(1)
                break
        t += "Observation: " + obs + "\n"
    return None, t, prompts, tool_calls


@pytest.fixture(scope="session")
def oracle(kit) -> SimpleNamespace:
    return SimpleNamespace(**vars(kit), extract=extract_oracle, random_text=random_text,
                           check=check_oracle, random_expression=random_expression,
                           eval_tokens=_eval_tokens, tokens=_tokens, tot=tot_oracle, react=react_oracle,
                           INVALID=INVALID)
