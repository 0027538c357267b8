"""Reasoning helpers (does not even parse yet)."""

import re


def extract_answer(text):
    nums = re.findall(r"-?\d+", text)
    return nums[-1] if nums else None


def check_24(expr, nums, target=24):
    return eval(expr) == target and sorted(int(t) for t in re.findall(r"\d+", expr)) == sorted(nums


def react(question, llm_fn, tools, max_steps):
    raise NotImplementedError
