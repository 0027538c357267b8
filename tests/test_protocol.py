"""The data-only codec: what crosses, what is refused, and that garbage never decodes into objects."""

import math

import msgpack
import numpy as np
import pytest
import torch

from autograder.protocol import Handle, ProtocolError, UnsupportedType, decode, encode, frame


@pytest.mark.parametrize(
    "value",
    [None, True, False, 0, -5, 2**63 - 1, 1.5, math.inf, "héllo 🙂", b"\x00\xff", [], [1, [2, "x"]], (1, (2, 3)),
     {"a": 1, 2: b"x", b"k": [None]}, {0: (b"a", b"b")}, Handle(7)],
)
def test_plain_values_round_trip(value):
    assert decode(encode(value)) == value
    assert type(decode(encode(value))) is type(value)


def test_nan_round_trips():
    assert math.isnan(decode(encode(float("nan"))))


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "uint8", "bool", "complex64", "float16"])
def test_numpy_arrays_round_trip(dtype):
    arr = (np.arange(24).reshape(2, 3, 4) % 3).astype(dtype)
    out = decode(encode(arr[:, ::2]))  # non-contiguous input
    assert out.dtype == arr.dtype and out.shape == (2, 2, 4)
    np.testing.assert_array_equal(out, arr[:, ::2])
    out[0, 0, 0] = 1  # decoded arrays are writable copies


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.bfloat16, torch.int64, torch.bool, torch.float16])
def test_torch_tensors_round_trip(dtype):
    t = torch.arange(12).reshape(3, 4).to(dtype).t()  # non-contiguous
    out = decode(encode(t))
    assert isinstance(out, torch.Tensor) and out.dtype == dtype and out.shape == (4, 3)
    assert torch.equal(out, t)


def test_empty_tensor_and_requires_grad():
    assert decode(encode(torch.empty(0, 3))).shape == (0, 3)
    out = decode(encode(torch.ones(2, requires_grad=True)))
    assert out.requires_grad is False and torch.equal(out, torch.ones(2))


def test_numpy_scalars_become_python_scalars():
    assert type(decode(encode(np.float32(1.5)))) is float
    assert type(decode(encode(np.int64(3)))) is int


class AlwaysEqual:
    def __eq__(self, other):
        return True


class SneakyInt(int):
    def __eq__(self, other):
        return True


class SneakyDict(dict):
    pass


@pytest.mark.parametrize("value, words", [
    (AlwaysEqual(), "AlwaysEqual"),
    ([1, {"k": AlwaysEqual()}], "value[1]['k']"),
    (SneakyInt(3), "SneakyInt"),
    (SneakyDict(a=1), "SneakyDict"),
    ({(1, 2): 3}, "tuple key"),
    (iter([1]), "list_iterator"),
    (np.array([object()], dtype=object), "dtype object"),
    (2**70, "too large"),
    (lambda: 1, "function"),
])
def test_non_data_is_refused_with_its_location(value, words):
    with pytest.raises(UnsupportedType, match=None) as info:
        encode(value)
    assert words in str(info.value)


def test_deep_nesting_is_refused():
    value: list = []
    for _ in range(100):
        value = [value]
    with pytest.raises(UnsupportedType, match="nested"):
        encode(value)


@pytest.mark.parametrize("payload", [
    b"\xc1",                                                    # never-used msgpack byte
    msgpack.packb(msgpack.ExtType(99, b"")),                    # unknown extension
    msgpack.packb(msgpack.ExtType(2, msgpack.packb(["object", [1], b"12345678"]))),   # forbidden dtype
    msgpack.packb(msgpack.ExtType(2, msgpack.packb(["float64", [3], b"1234"]))),       # shape/bytes mismatch
    msgpack.packb(msgpack.ExtType(3, msgpack.packb(["float32", [-1], b""]))),          # negative dimension
    msgpack.packb(msgpack.ExtType(4, msgpack.packb("1"))),      # handle that is not an int
])
def test_malformed_payloads_raise_protocol_error(payload):
    with pytest.raises(ProtocolError):
        decode(payload)


def test_frame_caps_message_size():
    assert len(frame(b"x" * 10, max_bytes=10)) == 14
    with pytest.raises(ProtocolError, match="exceeds the cap"):
        frame(b"x" * 11, max_bytes=10)


def test_worker_answers_values_it_cannot_encode(tmp_path):
    """A 0-dim tensor crosses the wire; a tensor subclass with student code in it is a not_data
    failure of that call, and the same worker goes on answering."""
    from autograder.harness.client import Deadline, Student, StudentError, WorkerSession
    from autograder.sandbox.base import WorkerSpec
    from autograder.sandbox.local import LocalSandbox

    (tmp_path / "sub.py").write_text(
        "import torch\n"
        "class Tensor(torch.Tensor):\n"
        "    def detach(self):\n"
        "        raise RuntimeError('boom')\n"
        "def scalar():\n"
        "    return torch.tensor(2.5, dtype=torch.float64)\n"
        "def sneaky():\n"
        "    return torch.ones(2).as_subclass(Tensor)\n"
    )
    session = WorkerSession(LocalSandbox(), WorkerSpec(submission_dir=tmp_path, modules=("sub",),
                                                       packages=("numpy", "torch")))
    student = Student(session, "sub", tmp_path, Deadline(60))
    try:
        out = student.call("scalar")
        assert out.shape == () and out.dtype == torch.float64 and out.item() == 2.5
        with pytest.raises(StudentError) as err:
            student.call("sneaky")
        assert err.value.category == "not_data" and "sub.Tensor" in str(err.value)
        assert student.call("scalar").item() == 2.5
    finally:
        session.close()


def test_callback_ids_round_trip():
    from autograder.protocol import Callback

    assert decode(encode([Callback(3), {"f": Callback(4)}])) == [Callback(3), {"f": Callback(4)}]


def test_harness_callbacks_are_called_and_counted_on_the_trusted_side(tmp_path):
    """A harness function lent to the student's code (`student.callback`): the worker calls it with
    data, the harness answers and records every call; a refusal reaches the student's code as an
    exception, non-data arguments are a TypeError there, and the same worker goes on answering."""
    from autograder.harness.client import Deadline, Student, StudentError, WorkerSession
    from autograder.sandbox.base import WorkerSpec
    from autograder.sandbox.local import LocalSandbox

    (tmp_path / "sub.py").write_text(
        "def twice(f, x):\n"
        "    return [f(x), f(x + 1, scale=10)]\n"
        "def in_dict(tools, name, arg):\n"
        "    return tools[name](arg)\n"
        "def not_data(f):\n"
        "    return f(object())\n"
        "def caught(f):\n"
        "    try:\n"
        "        f('bad')\n"
        "    except RuntimeError as exc:\n"
        "        return 'refused: ' + str(exc)\n"
    )
    session = WorkerSession(LocalSandbox(), WorkerSpec(submission_dir=tmp_path, modules=("sub",), packages=()))
    student = Student(session, "sub", tmp_path, Deadline(60))
    try:
        def scaled(x, scale=1):
            if type(x) is not int:
                raise ValueError("an int please")
            return x * scale

        cb = student.callback(scaled)
        assert student.call("twice", cb, 4) == [4, 50]
        assert cb.count == 2 and cb.calls == [([4], {}), ([5], {"scale": 10})]
        upper = student.callback(str.upper)
        assert student.call("in_dict", {"up": upper}, "up", "abc") == "ABC" and upper.count == 1
        with pytest.raises(StudentError) as err:
            student.call("not_data", cb)
        assert err.value.exc_type == "TypeError" and cb.count == 2
        assert student.call("caught", cb) == "refused: ValueError: an int please"
        assert cb.count == 3
    finally:
        session.close()


def test_harness_callbacks_in_process(tmp_path):
    """The benchmarks' in-process session lends callbacks the same way."""
    from autograder.harness.client import Deadline, Student
    from autograder.harness.inprocess import InProcessSession

    (tmp_path / "sub2.py").write_text("def twice(f, x):\n    return [f(x), f(x + 1)]\n")
    session = InProcessSession(tmp_path, ("sub2",))
    student = Student(session, "sub2", tmp_path, Deadline(60))
    cb = student.callback(lambda x: x * 3)
    assert student.call("twice", cb, 1) == [3, 6] and cb.count == 2
