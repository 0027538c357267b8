"""Hidden tests: chunk_text on other texts, sizes and edge cases."""

import math
import random

import pytest

from autograder.harness import StudentError


def _chunk(student, *args):
    return [tuple(c) for c in student.call("chunk_text", *args)]


def _reference_chunks(text, size, overlap):
    """The handout's rule, written independently: starts 0, step, 2*step, ... until a window reaches the end."""
    if not text:
        return []
    step = size - overlap
    n_chunks = 1 + math.ceil(max(0, len(text) - size) / step)
    out = []
    for i in range(n_chunks):
        start = i * step
        end = min(start + size, len(text))
        out.append((start, end, text[start:end]))
    return out


@pytest.mark.points(3)
def test_chunk_exact_random(student):
    """chunk_text equals the stated window rule exactly on random texts (ASCII and non-ASCII) and random size/overlap."""
    rng = random.Random(98765)
    alphabet = "xyz \n\tåß€中文🙂"
    for _ in range(40):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 500)))
        size = rng.randint(1, 64)
        overlap = rng.randint(0, size - 1)
        assert _chunk(student, text, size, overlap) == _reference_chunks(text, size, overlap), (size, overlap)


@pytest.mark.points(1)
def test_chunk_count_and_boundaries(student):
    """Boundary lengths: len(text) == size, size + 1, size + step, step == 1 and size == 1 give the exact chunk lists."""
    text = "0123456789ABCDEF"
    for n, size, overlap in [(8, 8, 3), (9, 8, 3), (13, 8, 3), (14, 8, 3), (16, 4, 3), (16, 1, 0), (5, 5, 4), (6, 5, 4)]:
        assert _chunk(student, text[:n], size, overlap) == _reference_chunks(text[:n], size, overlap), (n, size, overlap)


@pytest.mark.points(1)
def test_chunk_no_overlap_partitions(student):
    """With overlap 0 the chunks partition the text: consecutive, disjoint, concatenating back to it."""
    text = "Retrieval-augmented generation grounds answers in documents.\n" * 7
    chunks = _chunk(student, text, 37, 0)
    assert "".join(piece for _, _, piece in chunks) == text
    assert all(chunks[i][1] == chunks[i + 1][0] for i in range(len(chunks) - 1))


@pytest.mark.points(1)
def test_chunk_unicode_code_points(student):
    """Offsets are code-point indices even with combining marks, ZWJ emoji sequences and astral characters."""
    text = "e\u0301te\u0301 👩\u200d💻 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ok"
    for size, overlap in [(3, 1), (4, 0), (7, 6)]:
        assert _chunk(student, text, size, overlap) == _reference_chunks(text, size, overlap)


@pytest.mark.points(1)
@pytest.mark.limits(seconds=20)
def test_chunk_long_text(student):
    """A long text (hundreds of thousands of characters) with overlap is chunked exactly and quickly.

    400 000 characters, size 500, overlap 100."""
    rng = random.Random(4)
    text = "".join(rng.choice("abcdefgh ") for _ in range(400_000))
    chunks = _chunk(student, text, 500, 100)
    assert chunks == _reference_chunks(text, 500, 100)


@pytest.mark.points(1)
def test_chunk_rejects_overlap_equal_size_one(student):
    """ValueError for size=1, overlap=1 and for a negative size with negative overlap."""
    for size, overlap in [(1, 1), (-1, -1), (2, 3)]:
        with pytest.raises(StudentError) as err:
            student.call("chunk_text", "abc", size, overlap)
        assert err.value.exc_type == "ValueError"


@pytest.mark.points(1)
def test_chunk_empty_text_and_negative_overlap(student):
    """An empty text gives [] for other sizes/overlaps; a negative overlap with a valid size raises ValueError."""
    assert _chunk(student, "", 7, 2) == []
    assert _chunk(student, "", 1, 0) == []
    for size, overlap in [(6, -1), (10, -4)]:
        with pytest.raises(StudentError) as err:
            student.call("chunk_text", "hello world", size, overlap)
        assert err.value.exc_type == "ValueError"
