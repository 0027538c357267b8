"""Framed message channel over a pair of pipe file descriptors.

Used on both sides: the worker reads with no deadline (the harness kills it
when it is late), the harness reads with a deadline so that a hung or silent
worker fails only the test in progress.
"""

from __future__ import annotations

import os
import select
import time
from typing import Any

from autograder.protocol import DEFAULT_MAX_MESSAGE_BYTES, HEADER, ProtocolError, decode, encode, frame


class ChannelClosed(Exception):
    """The other side closed its end (the worker exited or crashed)."""


class ChannelTimeout(Exception):
    """No complete message arrived before the deadline."""


class Channel:
    def __init__(self, read_fd: int, write_fd: int, max_bytes: int = DEFAULT_MAX_MESSAGE_BYTES):
        self.read_fd = read_fd
        self.write_fd = write_fd
        self.max_bytes = max_bytes

    def send(self, value: Any, where: str = "value") -> None:
        data = frame(encode(value, where), self.max_bytes)
        view = memoryview(data)
        try:
            while view:
                written = os.write(self.write_fd, view)
                view = view[written:]
        except (BrokenPipeError, OSError) as exc:
            raise ChannelClosed(f"the other side closed the channel ({exc.strerror or exc})") from None

    def _read_exact(self, n: int, deadline: float | None) -> bytes:
        chunks = bytearray()
        while len(chunks) < n:
            if deadline is not None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise ChannelTimeout()
                ready, _, _ = select.select([self.read_fd], [], [], remaining)
                if not ready:
                    raise ChannelTimeout()
            try:
                chunk = os.read(self.read_fd, min(n - len(chunks), 1 << 20))
            except OSError as exc:
                raise ChannelClosed(f"reading failed ({exc.strerror or exc})") from None
            if not chunk:
                raise ChannelClosed("the other side closed the channel")
            chunks += chunk
        return bytes(chunks)

    def recv(self, timeout: float | None = None) -> Any:
        deadline = None if timeout is None else time.monotonic() + timeout
        (length,) = HEADER.unpack(self._read_exact(HEADER.size, deadline))
        if length > self.max_bytes:
            raise ProtocolError(
                f"incoming message of {length} bytes exceeds the cap of {self.max_bytes} bytes"
            )
        return decode(self._read_exact(length, deadline))

    def close(self) -> None:
        for fd in (self.read_fd, self.write_fd):
            try:
                os.close(fd)
            except OSError:
                pass
