"""Shared helpers and oracles for the 14-quantization tests (released to students: nothing hidden here).

Everything here runs on the trusted side. The student's code is reached only through the
`student` fixture and receives plain data (numpy arrays, lists, dicts, strings).

Oracles are the field's library: llama.cpp's gguf-py (`gguf.quants.quantize` / `dequantize`,
bit-exact to ggml for Q8_0, and `gguf.GGUFReader` for the files the student writes). The
handout's own algorithms (absmax, zero-point, GPTQ) have no library oracle here: the public tests
use hand-made tensors with integers worked out by hand, and values computed once by staff into
fixtures/public/expected_values.json (`oracle.expected(...)`). Tests run with
`--import-mode=importlib`, so they reach these helpers through the `oracle` fixture.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from gguf import GGMLQuantizationType, GGUFReader
from gguf.quants import dequantize as gguf_dequantize, quantize as gguf_quantize

from autograder.expected_values import expected_value

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def expected(name: str):
    """A committed expected value from fixtures/public/expected_values.json (see tools/)."""
    return expected_value(FIXTURES.parent, name)


def q8_0(x) -> np.ndarray:
    """gguf-py's Q8_0 bytes of x (uint8, shape (..., n // 32 * 34))."""
    return gguf_quantize(np.asarray(x), GGMLQuantizationType.Q8_0)


def dequant_q8_0(data) -> np.ndarray:
    """gguf-py's float32 values of Q8_0 bytes."""
    return gguf_dequantize(np.asarray(data, dtype=np.uint8), GGMLQuantizationType.Q8_0)


def read_worker_file(path):  # a probe: runs in the worker (see fetch_file)
    with open(path, "rb") as f:
        return f.read()


def fetch_file(student, name: str) -> bytes:
    """The bytes of file `name` of the worker's temporary folder (written there by the student)."""
    data = student.probe(read_worker_file, student.tmp_path(name))
    assert type(data) is bytes, "the file the student wrote could not be read back as bytes"
    return data


def read_gguf(data: bytes, folder: Path) -> SimpleNamespace:
    """gguf.GGUFReader on the student's bytes, summarised as plain data.

    kv: {key: (value type names, value)} for the metadata (GGUF.* pseudo-fields left out);
    tensors: [(name, type name, ggml dims, data array)] in file order; alignment; data_offset.
    """
    path = folder / "student.gguf"
    path.write_bytes(data)
    reader = GGUFReader(path)
    kv = {}
    for key, field in reader.fields.items():
        if key.startswith("GGUF."):
            continue
        kv[key] = ([t.name for t in field.types], field.contents())
    tensors = [(t.name, t.tensor_type.name, [int(d) for d in t.shape], np.array(t.data)) for t in reader.tensors]
    header = {k: reader.fields[k].contents() for k in ("GGUF.version", "GGUF.tensor_count", "GGUF.kv_count")}
    offsets = [int(t.data_offset) for t in reader.tensors]
    return SimpleNamespace(kv=kv, tensors=tensors, alignment=int(reader.alignment), data_offset=int(reader.data_offset),
                           offsets=offsets, header=header, size=len(data))


@pytest.fixture(scope="session")
def oracle() -> SimpleNamespace:
    """The helpers of this file as attributes, e.g. `oracle.q8_0(x)`."""
    return SimpleNamespace(expected=expected, q8_0=q8_0, dequant_q8_0=dequant_q8_0, fetch_file=fetch_file,
                           read_gguf=read_gguf)
