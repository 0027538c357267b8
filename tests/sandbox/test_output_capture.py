"""OutputCapture: prints are attributed to the call that made them, without sleeping, and a
worker that never stops printing can neither block nor hold up the grader."""

from __future__ import annotations

import os
import threading
import time

from autograder.sandbox.base import OutputCapture


def test_take_returns_what_was_written_before_it_at_once():
    r, w = os.pipe()
    capture = OutputCapture(os.fdopen(r, "rb", buffering=0), cap=1 << 20)
    try:
        for i in range(200):  # no sleep between writing and taking: nothing may be missed or late
            os.write(w, f"line {i}\n".encode())
            assert capture.take() == f"line {i}\n"
    finally:
        os.close(w)


def test_output_is_capped_and_the_rest_counted():
    r, w = os.pipe()
    capture = OutputCapture(os.fdopen(r, "rb", buffering=0), cap=10)
    os.write(w, b"x" * 25)
    os.close(w)
    text = capture.take(wait=1.0)
    assert text.startswith("x" * 10) and "15 more bytes of output were discarded" in text


def test_a_writer_that_never_stops_does_not_hold_take():
    r, w = os.pipe()
    capture = OutputCapture(os.fdopen(r, "rb", buffering=0), cap=1 << 16)
    stop = threading.Event()

    def spam():
        while not stop.is_set():
            try:
                os.write(w, b"y" * 4096)
            except OSError:
                return

    writer = threading.Thread(target=spam, daemon=True)
    writer.start()
    try:
        started = time.monotonic()
        for _ in range(20):
            capture.take()
        assert time.monotonic() - started < 5
    finally:
        stop.set()
        writer.join(timeout=5)
        os.close(w)
