"""The data-only codec shared by the trusted harness and the student worker.

Every message between the two sides is a length-prefixed msgpack frame. Only
these types cross the boundary: None, bool, int, float, str, bytes, list,
tuple, dict, numpy arrays and torch tensors, plus `Handle` (an integer that
names an object living in the worker). Decoding never unpickles, imports or
evaluates anything: arrays and tensors are rebuilt from raw bytes with a dtype
taken from an allowlist, so a hostile worker can at worst send wrong data.

What this module does not do: it does not decide what a message means (see
`autograder.harness.client` and `autograder.worker.server`) and it does not
move bytes between processes (see `autograder.sandbox`).
"""

from __future__ import annotations

import struct
import sys
from dataclasses import dataclass
from typing import Any

import msgpack

__all__ = [
    "DEFAULT_MAX_MESSAGE_BYTES",
    "Callback",
    "Feed",
    "Handle",
    "ProtocolError",
    "UnsupportedType",
    "decode",
    "encode",
    "frame",
    "HEADER",
]

DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024
MAX_DEPTH = 64
HEADER = struct.Struct(">I")  # 4-byte big-endian payload length

# msgpack extension codes
_EXT_TUPLE = 1
_EXT_NDARRAY = 2
_EXT_TENSOR = 3
_EXT_HANDLE = 4
_EXT_FEED = 5
_EXT_CALLBACK = 6

# dtypes that may cross the boundary, by their canonical name.
_NUMPY_DTYPES = frozenset((
    "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32",
    "uint64", "float16", "float32", "float64", "complex64", "complex128",
))
_TORCH_ONLY_DTYPES = ("bfloat16",)


class ProtocolError(Exception):
    """A frame or payload that does not follow the protocol (or exceeds a cap)."""


class UnsupportedType(TypeError):
    """A value of a type the protocol does not carry.

    The message names the type and where it sits inside the value, e.g.
    ``result[2]['ids'] is a AlwaysEqual``.
    """


@dataclass(frozen=True)
class Handle:
    """A reference to an object that lives in the worker (e.g. a student's Tokenizer)."""

    id: int


@dataclass(frozen=True)
class Feed:
    """A reference to an iterator that lives in the HARNESS: the worker sees an iterator whose
    every `next()` asks the harness for one item (a `{"pull": id}` frame), so the harness, not
    the student's process, counts what was pulled."""

    id: int


@dataclass(frozen=True)
class Callback:
    """A reference to a function that lives in the HARNESS: the worker sees a callable whose every
    call sends its (data) arguments to the harness in a `{"callback": ...}` frame and returns the
    harness's (data) answer, so the harness, not the student's process, counts and records the
    calls (e.g. a scripted LLM with a call budget)."""

    id: int


def _numpy():
    """numpy is optional in the worker (a standard-library-only assignment has none): import it
    only when an array is actually decoded. The harness side always has it."""
    try:
        import numpy
    except ImportError:
        raise ProtocolError("a numpy array arrived, but numpy is not available in this worker "
                            "(the assignment's environment does not include numpy)") from None
    return numpy


def _torch():
    """torch is optional: import it only when a tensor is actually seen."""
    try:
        import torch
    except ImportError:  # a worker whose environment has no torch
        return None
    return torch


def _is_tensor(value: Any) -> bool:
    torch = _torch() if type(value).__module__.startswith("torch") else None
    return torch is not None and isinstance(value, torch.Tensor)


def _to_plain(value: Any, where: str, depth: int) -> Any:
    """Turn `value` into a tree that msgpack can pack with our extension types.

    Exact type checks (not isinstance) are deliberate: a subclass of int or dict
    could override __eq__ or __iter__, so only the builtin types themselves pass;
    numpy scalars become Python scalars.
    """
    if depth > MAX_DEPTH:
        raise UnsupportedType(f"{where} is nested more than {MAX_DEPTH} levels deep")
    kind = type(value)
    if value is None or kind in (bool, int, float, str, bytes):
        if kind is int and not (-(2**63) <= value < 2**64):
            raise UnsupportedType(f"{where} is an int too large for the protocol (more than 64 bits)")
        return value
    if kind is list:
        return [_to_plain(v, f"{where}[{i}]", depth + 1) for i, v in enumerate(value)]
    if kind is tuple:
        items = [_to_plain(v, f"{where}[{i}]", depth + 1) for i, v in enumerate(value)]
        return msgpack.ExtType(_EXT_TUPLE, _packb(items))
    if kind is dict:
        out = {}
        for k, v in value.items():
            if type(k) not in (str, int, bytes, bool) and k is not None:
                if type(k) is tuple:
                    raise UnsupportedType(
                        f"{where} has a tuple key {k!r}; only str, int, bytes and bool keys are carried"
                    )
                raise UnsupportedType(f"{where} has a key of type {type(k).__name__}")
            out[k] = _to_plain(v, f"{where}[{k!r}]", depth + 1)
        return out
    if kind is Handle:
        return msgpack.ExtType(_EXT_HANDLE, _packb(value.id))
    if kind is Feed:
        return msgpack.ExtType(_EXT_FEED, _packb(value.id))
    if kind is Callback:
        return msgpack.ExtType(_EXT_CALLBACK, _packb(value.id))
    np = sys.modules.get("numpy")  # a numpy value can only exist once numpy was imported
    if np is not None and isinstance(value, np.generic) and type(value).__module__ == "numpy":
        return _to_plain(value.item(), where, depth)
    if np is not None and kind is np.ndarray:
        if value.dtype.name not in _NUMPY_DTYPES:
            raise UnsupportedType(f"{where} is a numpy array of dtype {value.dtype}, which is not carried")
        arr = np.ascontiguousarray(value)
        return msgpack.ExtType(
            _EXT_NDARRAY, _packb([arr.dtype.name, list(arr.shape), arr.tobytes()])
        )
    if _is_tensor(value) and type(value).__name__ in ("Tensor", "Parameter"):
        torch = _torch()
        t = value.detach()
        if t.layout != torch.strided:
            raise UnsupportedType(f"{where} is a {t.layout} tensor; send a dense tensor")
        if t.device.type != "cpu":
            t = t.cpu()
        dtype = str(t.dtype).removeprefix("torch.")
        if dtype not in _NUMPY_DTYPES and dtype not in _TORCH_ONLY_DTYPES:
            raise UnsupportedType(f"{where} is a tensor of dtype {dtype}, which is not carried")
        t = t.contiguous()
        # flatten first: a 0-dim tensor of a multi-byte dtype cannot be viewed as bytes directly
        raw = t.reshape(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b""
        return msgpack.ExtType(_EXT_TENSOR, _packb([dtype, list(t.shape), raw]))
    raise UnsupportedType(
        f"{where} is a {kind.__module__}.{kind.__qualname__}; only None, bool, int, float, "
        "str, bytes, list, tuple, dict, numpy arrays and torch tensors can be returned"
    )


def _packb(obj: Any) -> bytes:
    return msgpack.packb(obj, use_bin_type=True)


def _check_shape(shape: Any, itemsize: int, nbytes: int) -> tuple[int, ...]:
    if type(shape) is not list or not all(type(d) is int and d >= 0 for d in shape):
        raise ProtocolError("array shape is not a list of non-negative ints")
    count = 1
    for d in shape:
        count *= d
    if count * itemsize != nbytes:
        raise ProtocolError(f"array of shape {shape} does not match its {nbytes} data bytes")
    return tuple(shape)


def _ext_hook(code: int, data: bytes) -> Any:
    if code == _EXT_TUPLE:
        return tuple(_unpackb(data))
    if code == _EXT_HANDLE:
        hid = _unpackb(data)
        if type(hid) is not int:
            raise ProtocolError("handle id is not an int")
        return Handle(hid)
    if code == _EXT_FEED:
        fid = _unpackb(data)
        if type(fid) is not int:
            raise ProtocolError("feed id is not an int")
        return Feed(fid)
    if code == _EXT_CALLBACK:
        cid = _unpackb(data)
        if type(cid) is not int:
            raise ProtocolError("callback id is not an int")
        return Callback(cid)
    if code in (_EXT_NDARRAY, _EXT_TENSOR):
        parts = _unpackb(data)
        if type(parts) is not list or len(parts) != 3:
            raise ProtocolError("malformed array payload")
        dtype_name, shape, raw = parts
        if type(dtype_name) is not str or type(raw) is not bytes:
            raise ProtocolError("malformed array payload")
        if code == _EXT_NDARRAY:
            if dtype_name not in _NUMPY_DTYPES:
                raise ProtocolError(f"dtype {dtype_name!r} is not allowed")
            np = _numpy()
            dtype = np.dtype(dtype_name)
            shape = _check_shape(shape, dtype.itemsize, len(raw))
            return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()
        torch = _torch()
        if torch is None:
            raise ProtocolError("a torch tensor arrived, but torch is not available in this worker "
                                "(the assignment's environment does not include torch)")
        if dtype_name not in _NUMPY_DTYPES and dtype_name not in _TORCH_ONLY_DTYPES:
            raise ProtocolError(f"dtype {dtype_name!r} is not allowed")
        tdtype = getattr(torch, dtype_name)
        itemsize = torch.empty((), dtype=tdtype).element_size()
        shape = _check_shape(shape, itemsize, len(raw))
        if not raw:
            return torch.empty(shape, dtype=tdtype)
        return torch.frombuffer(bytearray(raw), dtype=tdtype).reshape(shape)
    raise ProtocolError(f"unknown extension type {code}")


def _unpackb(data: bytes) -> Any:
    return msgpack.unpackb(
        data, raw=False, strict_map_key=False, ext_hook=_ext_hook, use_list=True
    )


def encode(value: Any, where: str = "value") -> bytes:
    """Encode a data value to bytes; raises UnsupportedType naming the offending part."""
    return _packb(_to_plain(value, where, 0))


def decode(data: bytes) -> Any:
    """Decode bytes produced by `encode`. Raises ProtocolError on anything malformed."""
    try:
        return _unpackb(data)
    except ProtocolError:
        raise
    except Exception as exc:  # msgpack raises several types on garbage
        raise ProtocolError(f"undecodable message ({type(exc).__name__}: {exc})") from None


def frame(payload: bytes, max_bytes: int = DEFAULT_MAX_MESSAGE_BYTES) -> bytes:
    """Prefix `payload` with its length; refuses payloads over the cap."""
    if len(payload) > max_bytes:
        raise ProtocolError(
            f"message of {len(payload)} bytes exceeds the cap of {max_bytes} bytes"
        )
    return HEADER.pack(len(payload)) + payload
