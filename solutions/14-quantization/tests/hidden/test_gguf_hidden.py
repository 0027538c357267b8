"""Hidden tests: the GGUF writer against gguf's own GGUFWriter (bytes) and GGUFReader (contents)."""

from __future__ import annotations

import numpy as np
import pytest

from autograder.harness import StudentError
from autograder.harness.expect import assert_equal


def _model(seed: int):
    rng = np.random.default_rng(seed)
    tensors = [
        ("token_embd.weight", rng.standard_normal((10, 32)).astype(np.float32), "Q8_0"),
        ("blk.0.attn_norm.weight", rng.standard_normal(3).astype(np.float32), "F16"),
        ("blk.0.ffn_up.weight", rng.standard_normal((7, 3)), "F32"),
        ("blk.0.ffn_down.weight", rng.standard_normal((2, 96)).astype(np.float32), "Q8_0"),
        ("output.weight", rng.standard_normal((5, 5)).astype(np.float32), "F16"),
    ]
    meta = {
        "general.architecture": "llama",
        "general.name": "tïny — model",
        "general.description": "",
        "llama.context_length": 2048,
        "llama.attention.layer_norm_rms_epsilon": 1e-5,
        "llama.vocab_size": -(2 ** 31),
        "general.big": 2 ** 31,
        "general.neg_big": -(2 ** 40),
        "general.min_int64": -(2 ** 63),
        "general.max_int64": 2 ** 63 - 1,
        "general.max_int32": 2 ** 31 - 1,
        "general.mid_int32": 2 ** 30,
        "general.below_int32": -(2 ** 31) - 1,
        "general.one_string": ["only"],
        "general.one_int": [7],
        "general.flag": False,
        "tokenizer.ggml.tokens": ["<unk>", "a", "ß", " b"],
        "tokenizer.ggml.scores": [0.1, -2.0, 3.5, 1e-3],
        "tokenizer.ggml.token_type": [2, 1, 1, 1],
        "general.mixed_ints": [1, 2 ** 35, -3],
        "general.flags": [True, False, True],
    }
    return tensors, meta


def _write(student, oracle, name, tensors, meta, alignment=None):
    path = student.tmp_path(name)
    args = (path, tensors, meta) if alignment is None else (path, tensors, meta, alignment)
    student.call("write_gguf", *args)
    return oracle.fetch_file(student, name)


@pytest.mark.points(3)
def test_gguf_bytes_equal_gguf_writer(student, oracle, tmp_path):
    """The file equals, byte for byte, what gguf.GGUFWriter writes for the same tensors and metadata
    at the default alignment (header, metadata, tensor infos, padding, tensor data)."""
    tensors, meta = _model(60)
    got = _write(student, oracle, "model.gguf", tensors, meta)
    want = oracle.gguf_writer_bytes(tensors, meta, 32, tmp_path)
    assert len(got) == len(want), "the file size differs from GGUFWriter's"
    assert got == want, "the bytes differ from GGUFWriter's"


@pytest.mark.points(2)
def test_gguf_bytes_equal_with_other_alignments(student, oracle, tmp_path):
    """With a smaller and a larger alignment the file equals GGUFWriter's with general.alignment set."""
    tensors, meta = _model(61)
    for alignment in (1, 8, 128):
        got = _write(student, oracle, f"aligned{alignment}.gguf", tensors[:3], {"general.architecture": "gpt2",
                     "gpt2.block_count": 1}, alignment)
        want = oracle.gguf_writer_bytes(tensors[:3], {"general.architecture": "gpt2", "gpt2.block_count": 1},
                                        alignment, tmp_path)
        assert got == want, f"the bytes differ from GGUFWriter's at alignment {alignment}"


@pytest.mark.points(2)
def test_gguf_reads_back_one_to_four_dims(student, oracle, tmp_path):
    """Tensors of one to four dims read back with their names, types, reversed dims and data."""
    rng = np.random.default_rng(62)
    tensors = [("a", rng.standard_normal(7).astype(np.float32), "F32"),
               ("b", rng.standard_normal((2, 3)).astype(np.float32), "F16"),
               ("c", rng.standard_normal((2, 3, 4)).astype(np.float32), "F32"),
               ("d", rng.standard_normal((2, 1, 3, 64)).astype(np.float32), "Q8_0")]
    got = oracle.read_gguf(_write(student, oracle, "dims.gguf", tensors, {"general.architecture": "llama"}), tmp_path)
    assert [t[0] for t in got.tensors] == ["a", "b", "c", "d"], "tensor names differ"
    assert [t[1] for t in got.tensors] == ["F32", "F16", "F32", "Q8_0"], "tensor types differ"
    assert [t[2] for t in got.tensors] == [[7], [3, 2], [4, 3, 2], [64, 3, 1, 2]], "tensor dims (ggml order) differ"
    assert_equal(got.tensors[0][3], tensors[0][1], dtype=True, what="an F32 tensor")
    assert_equal(got.tensors[1][3], tensors[1][1].astype(np.float16), dtype=True, what="an F16 tensor")
    assert_equal(got.tensors[2][3], tensors[2][1], dtype=True, what="a 3-D F32 tensor")
    assert_equal(got.tensors[3][3], oracle.q8_0(tensors[3][1]), dtype=True, what="a 4-D Q8_0 tensor")


@pytest.mark.points(2)
def test_gguf_metadata_hidden(student, oracle, tmp_path):
    """Metadata of every supported kind reads back with the handout's types and values, in order:
    int boundaries (INT32 / INT64), empty and non-ASCII strings, arrays of bools and of mixed-size ints."""
    tensors, meta = _model(63)
    got = oracle.read_gguf(_write(student, oracle, "meta.gguf", tensors[:1], meta), tmp_path)
    assert list(got.kv) == list(meta), "metadata keys or their order differ"
    want_types = {"llama.vocab_size": ["INT32"], "general.big": ["INT64"], "general.neg_big": ["INT64"], "general.min_int64": ["INT64"],
                  "general.max_int64": ["INT64"], "general.max_int32": ["INT32"], "general.mid_int32": ["INT32"],
                  "general.below_int32": ["INT64"], "general.one_string": ["ARRAY", "STRING"],
                  "general.one_int": ["ARRAY", "INT32"],
                  "general.flag": ["BOOL"], "general.description": ["STRING"], "general.name": ["STRING"],
                  "general.mixed_ints": ["ARRAY", "INT64"], "general.flags": ["ARRAY", "BOOL"],
                  "tokenizer.ggml.token_type": ["ARRAY", "INT32"], "llama.context_length": ["INT32"],
                  "llama.attention.layer_norm_rms_epsilon": ["FLOAT32"], "tokenizer.ggml.scores": ["ARRAY", "FLOAT32"]}
    for key, types in want_types.items():
        assert got.kv[key][0] == types, f"the value type of {key} differs"
    for key in ("general.name", "general.description", "llama.vocab_size", "general.big", "general.neg_big", "general.min_int64",
                "general.max_int64", "general.max_int32", "general.mid_int32", "general.below_int32", "general.one_string",
                "general.one_int",
                "general.flag", "general.mixed_ints", "general.flags", "tokenizer.ggml.tokens"):
        assert got.kv[key][1] == meta[key], f"the value of {key} differs"
    assert got.kv["llama.attention.layer_norm_rms_epsilon"][1] == float(np.float32(1e-5)), "a FLOAT32 value differs"


@pytest.mark.points(1)
def test_gguf_without_tensors(student, oracle, tmp_path):
    """A file with metadata only reads back with no tensors and equals GGUFWriter's bytes."""
    meta = {"general.architecture": "llama", "general.name": "empty"}
    data = _write(student, oracle, "empty.gguf", [], meta)
    got = oracle.read_gguf(data, tmp_path)
    assert got.tensors == [] and got.header["GGUF.tensor_count"] == 0, "the file should hold no tensors"
    assert data == oracle.gguf_writer_bytes([], meta, 32, tmp_path), "the bytes differ from GGUFWriter's"


@pytest.mark.points(1)
def test_gguf_invalid_arguments_raise_value_error(student):
    """write_gguf raises ValueError for each invalid tensor list, alignment and metadata value the
    handout lists."""
    ok = ("w", np.ones(32, dtype=np.float32), "F32")
    meta = {"general.architecture": "llama"}
    bad = [
        ([ok, ok], meta, 32, "a duplicate tensor name"),
        ([("w", np.ones(32, dtype=np.float32), "Q4_0")], meta, 32, "an unknown tensor type"),
        ([("w", np.ones((1, 1, 1, 1, 2), dtype=np.float32), "F32")], meta, 32, "five dims"),
        ([("w", np.ones(48, dtype=np.float32), "Q8_0")], meta, 32, "a partial Q8_0 block"),
        ([ok], meta, 48, "an alignment that is not a power of two"),
        ([ok], meta, 0, "a zero alignment"),
        ([ok], {**meta, "x": 2 ** 63}, 32, "an int beyond int64"),
        ([ok], {**meta, "x": [[1], [2]]}, 32, "a nested array"),
        ([ok], {**meta, "general.alignment": 64}, 32, "a general.alignment key"),
        ([ok], {**meta, "x": []}, 32, "an empty array"),
        ([ok], {**meta, "x": [1, "a"]}, 32, "a mixed array"),
        ([ok], {**meta, "x": None}, 32, "a None value"),
    ]
    for i, (tensors, m, alignment, what) in enumerate(bad):
        try:
            student.call("write_gguf", student.tmp_path(f"bad{i}.gguf"), tensors, m, alignment)
        except StudentError as exc:
            assert exc.exc_type == "ValueError", f"write_gguf with {what} must raise ValueError"
        else:
            pytest.fail(f"write_gguf with {what} must raise ValueError")
