"""Public tests: chunk_text."""

import random

import pytest

from autograder.harness import StudentError


def _chunk(student, *args):
    """chunk_text's result with each chunk as a tuple (a list [start, end, text] is accepted too)."""
    return [tuple(c) for c in student.call("chunk_text", *args)]


def _check_chunks(text, size, overlap, chunks):
    """The rule of the handout, checked piece by piece."""
    step = size - overlap
    assert len(chunks) >= 1
    for i, (start, end, piece) in enumerate(chunks):
        assert start == i * step, f"chunk {i} starts at {start}, expected {i * step}"
        assert piece == text[start:end], f"chunk {i} text does not match its offsets"
        assert 0 < end - start <= size
        if i < len(chunks) - 1:
            assert end - start == size, f"chunk {i} is not the last one but has {end - start} characters"
            assert end < len(text)
    assert chunks[-1][1] == len(text), "the last chunk must end at len(text)"
    # the pieces, without their overlaps, rebuild the text
    rebuilt = chunks[0][2] + "".join(piece[overlap:] for _, _, piece in chunks[1:])
    assert rebuilt == text


@pytest.mark.points(2)
def test_chunk_hand_examples(student):
    """chunk_text returns the exact (start, end, text) windows on small hand examples."""
    assert _chunk(student, "abcdefg", 3, 1) == [(0, 3, "abc"), (2, 5, "cde"), (4, 7, "efg")]
    assert _chunk(student, "abcdefgh", 3, 1) == [(0, 3, "abc"), (2, 5, "cde"), (4, 7, "efg"), (6, 8, "gh")]
    assert _chunk(student, "abcdef", 2, 0) == [(0, 2, "ab"), (2, 4, "cd"), (4, 6, "ef")]
    assert _chunk(student, "hello", 10, 3) == [(0, 5, "hello")]
    assert _chunk(student, "", 4, 1) == []


@pytest.mark.points(2)
def test_chunk_properties_random(student):
    """On random texts and sizes: starts at multiples of size-overlap, full-size chunks but the last, offsets rebuild the text."""
    rng = random.Random(1700)
    for _ in range(25):
        text = "".join(rng.choice("abc de\nfg") for _ in range(rng.randint(1, 300)))
        size = rng.randint(1, 40)
        overlap = rng.randint(0, size - 1)
        _check_chunks(text, size, overlap, _chunk(student, text, size, overlap))


@pytest.mark.points(1)
def test_chunk_unicode(student):
    """Offsets count characters (code points), not bytes, on accented, CJK and emoji text."""
    text = "naïve café — 検索拡張生成 🙂🙃 done"
    chunks = _chunk(student, text, 6, 2)
    _check_chunks(text, 6, 2, chunks)
    assert chunks[0] == (0, 6, "naïve ")


@pytest.mark.points(1)
def test_chunk_rejects_bad_arguments(student):
    """chunk_text raises ValueError when size <= 0, overlap < 0 or overlap >= size."""
    for size, overlap in [(0, 0), (-3, 0), (4, 4), (4, 9), (4, -1)]:
        with pytest.raises(StudentError) as err:
            _chunk(student, "some text here", size, overlap)
        assert err.value.exc_type == "ValueError", f"size={size}, overlap={overlap}: got {err.value.exc_type}"
