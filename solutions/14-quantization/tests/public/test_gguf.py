"""Public tests: a GGUF v3 file written by the student reads back through gguf.GGUFReader."""

from __future__ import annotations

import numpy as np
import pytest

from autograder.harness.expect import assert_close, assert_equal


def _tensors(seed: int):
    rng = np.random.default_rng(seed)
    return [
        ("token_embd.weight", rng.standard_normal((6, 64)).astype(np.float32), "Q8_0"),
        ("output_norm.weight", rng.standard_normal(5).astype(np.float32), "F32"),
        ("blk.0.attn_q.weight", rng.standard_normal((3, 4)).astype(np.float32), "F16"),
    ]


@pytest.mark.points(3)
def test_gguf_tensors_read_back(student, oracle, tmp_path):
    """GGUFReader finds the tensors in order with their names, types, ggml dims (numpy shape reversed)
    and data: F32 and F16 values cast exactly, Q8_0 bytes equal to gguf.quants.quantize."""
    tensors = _tensors(0)
    path = student.tmp_path("tensors.gguf")
    student.call("write_gguf", path, tensors, {"general.architecture": "llama"})
    got = oracle.read_gguf(oracle.fetch_file(student, "tensors.gguf"), tmp_path)
    assert got.header["GGUF.version"] == 3, "the file is not GGUF version 3"
    assert [t[0] for t in got.tensors] == [t[0] for t in tensors], "tensor names or their order differ"
    assert [t[1] for t in got.tensors] == ["Q8_0", "F32", "F16"], "tensor types differ"
    assert [t[2] for t in got.tensors] == [[64, 6], [5], [4, 3]], "tensor dims (ggml order) differ"
    assert_equal(got.tensors[0][3], oracle.q8_0(tensors[0][1]), dtype=True, what="the Q8_0 tensor's bytes")
    assert_equal(got.tensors[1][3], tensors[1][1], dtype=True, what="the F32 tensor")
    assert_equal(got.tensors[2][3], tensors[2][1].astype(np.float16), dtype=True, what="the F16 tensor")


@pytest.mark.points(2)
def test_gguf_metadata_read_back(student, oracle, tmp_path):
    """GGUFReader finds every metadata key in order with the handout's value types (STRING, INT32,
    INT64, FLOAT32, BOOL, ARRAY of STRING / INT32 / FLOAT32) and values."""
    meta = {
        "general.architecture": "llama",
        "general.name": "tiny quantized",
        "llama.block_count": 2,
        "general.file_size_hint": 2 ** 40,
        "llama.rope.freq_base": 10000.0,
        "general.quantized": True,
        "tokenizer.ggml.tokens": ["<s>", "</s>", "hé"],
        "tokenizer.ggml.token_type": [3, 3, 1],
        "tokenizer.ggml.scores": [0.0, -1.5, 0.25],
    }
    path = student.tmp_path("meta.gguf")
    student.call("write_gguf", path, [("w", np.ones(4, dtype=np.float32), "F32")], meta)
    got = oracle.read_gguf(oracle.fetch_file(student, "meta.gguf"), tmp_path)
    assert list(got.kv) == list(meta), "metadata keys or their order differ"
    assert got.header["GGUF.kv_count"] == len(meta), "the header's metadata count is wrong"
    types = {k: v[0] for k, v in got.kv.items()}
    assert types == {
        "general.architecture": ["STRING"], "general.name": ["STRING"], "llama.block_count": ["INT32"],
        "general.file_size_hint": ["INT64"], "llama.rope.freq_base": ["FLOAT32"], "general.quantized": ["BOOL"],
        "tokenizer.ggml.tokens": ["ARRAY", "STRING"], "tokenizer.ggml.token_type": ["ARRAY", "INT32"],
        "tokenizer.ggml.scores": ["ARRAY", "FLOAT32"],
    }, "metadata value types differ"
    for key in ("general.architecture", "general.name", "llama.block_count", "general.file_size_hint",
                "general.quantized", "tokenizer.ggml.tokens", "tokenizer.ggml.token_type"):
        assert got.kv[key][1] == meta[key], f"the value of {key} differs"
    assert_close(got.kv["llama.rope.freq_base"][1], 10000.0, rel=0, abs=0, what="a FLOAT32 value")
    assert_close(np.array(got.kv["tokenizer.ggml.scores"][1]), np.array(meta["tokenizer.ggml.scores"]), rel=0, abs=0,
                 what="a FLOAT32 array")


@pytest.mark.points(1)
def test_gguf_alignment(student, oracle, tmp_path):
    """With alignment 64 the file carries general.alignment = 64 (UINT32) after the metadata, and the
    data section and every tensor start on a multiple of 64."""
    tensors = _tensors(1)
    path = student.tmp_path("aligned.gguf")
    student.call("write_gguf", path, tensors, {"general.architecture": "llama"}, 64)
    got = oracle.read_gguf(oracle.fetch_file(student, "aligned.gguf"), tmp_path)
    assert list(got.kv) == ["general.architecture", "general.alignment"], "metadata keys or their order differ"
    assert got.kv["general.alignment"] == (["UINT32"], 64), "general.alignment is not UINT32 64"
    assert got.alignment == 64 and got.data_offset % 64 == 0, "the data section is not aligned to 64"
    assert all(o % 64 == 0 for o in got.offsets), "a tensor does not start on a multiple of 64"
    assert_equal(got.tensors[1][3], tensors[1][1], dtype=True, what="the F32 tensor")
