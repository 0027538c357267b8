"""Run the student's code inside the test process: the baseline for benchmarks only.

It reuses the worker's request handling without a process, a channel or a
codec, so `benchmarks/` can measure what the real harness costs over plain
pytest. It offers no isolation and no time limit: never grade with it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from autograder.harness.client import Deadline, HarnessCallback, HarnessFeed, StudentError
from autograder.outcomes import Category, category_of
from autograder.worker.server import Worker


class InProcessSession:
    def __init__(self, submission_dir: Path, modules: tuple[str, ...]):
        self.worker = Worker(channel=None, submission_dir=str(submission_dir), modules=list(modules))
        self.worker.load_modules()
        self.import_errors = self.worker.import_errors
        self.feeds: dict[int, HarnessFeed] = {}
        self.worker.objects.open_feed = self._open_feed
        self.callbacks: dict[int, HarnessCallback] = {}
        self.worker.objects.open_callback = self._open_callback

    def add_feed(self, feed: HarnessFeed) -> None:
        self.feeds[feed.id] = feed

    def _open_feed(self, feed_id: int):
        feed = self.feeds[feed_id]
        while "item" in (answer := feed.pull()):
            yield answer["item"]

    def add_callback(self, callback: HarnessCallback) -> None:
        self.callbacks[callback.id] = callback

    def _open_callback(self, callback_id: int):
        callback = self.callbacks[callback_id]

        def call(*args: Any, **kwargs: Any) -> Any:
            answer = callback.serve(list(args), kwargs)
            if "item" in answer:
                return answer["item"]
            raise RuntimeError(answer["error"])
        return call

    def request(self, message: dict, deadline: Deadline, what: str) -> Any:
        answer = self.worker.handle(message)
        if "ok" in answer:
            return answer["ok"]
        err = answer["error"]
        category = category_of(err["kind"]) or Category.PROTOCOL
        raise StudentError(err["exc_type"] or err["kind"], err["message"], category, err["traceback"], what=what)

    def restart(self) -> None:
        raise RuntimeError(
            "student.restart() needs a worker process, and the in-process session (benchmarks only) runs the "
            "student's code inside the test's own process, which cannot be restarted; run this test with the "
            "local or the docker sandbox")

    def start_in_background(self) -> None:
        pass  # nothing to start: the submission was imported above

    def enter_hidden(self) -> None:
        pass  # no isolation to renew (benchmarks only)

    def output(self) -> str:
        return ""

    def close(self) -> None:
        pass

    def kill_now(self) -> None:
        pass
