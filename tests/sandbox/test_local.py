"""The local backend's limits: robust under parallel grading, where workers share a uid."""

from __future__ import annotations

import subprocess
import sys

from autograder.harness.client import Deadline, Student, WorkerSession
from autograder.sandbox.base import WorkerSpec
from autograder.sandbox.local import LocalSandbox, interpreter_for, worker_uid

HOG_THREADS = 150
HOG = (
    "import sys, threading, time\n"
    f"for _ in range({HOG_THREADS}): threading.Thread(target=time.sleep, args=(60,), daemon=True).start()\n"
    "print('ready', flush=True)\n"
    "sys.stdin.read()\n"
)


def test_a_worker_starts_threads_after_another_process_of_its_uid_grew(tmp_path):
    """Regression (a flaky CI failure of 09's determinism check): RLIMIT_NPROC counts every thread of
    the worker's uid, and every local worker and Docker container of a root grader shares that uid.
    The limit was 'processes of the uid at start + 64', so a worker could not start torch's thread
    pool once another worker or container of the same uid had grown, and a correct submission
    lost the test. Threads of the uid count now, with room for the others to grow."""
    (tmp_path / "sub.py").write_text(
        "import threading\n"
        "def start_threads(n):\n"
        "    done = []\n"
        "    threads = [threading.Thread(target=done.append, args=(i,)) for i in range(n)]\n"
        "    for t in threads: t.start()\n"
        "    for t in threads: t.join()\n"
        "    return len(done)\n"
    )
    session = WorkerSession(LocalSandbox(), WorkerSpec(submission_dir=tmp_path, modules=("sub",), packages=()))
    student = Student(session, "sub", tmp_path, Deadline(60))
    uid = worker_uid()
    hog = None
    try:
        assert student.call("start_threads", 1) == 1  # the worker is up, its limit set
        as_uid = {"user": uid, "group": uid, "extra_groups": []} if uid is not None else {}
        hog = subprocess.Popen([interpreter_for(uid) if uid is not None else sys.executable, "-c", HOG],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, **as_uid)
        assert hog.stdout is not None and hog.stdout.readline().strip() == "ready"
        assert student.call("start_threads", 16) == 16
    finally:
        if hog is not None:
            hog.kill()
            hog.wait()
        session.close()


def _calc_session(tmp_path):
    (tmp_path / "sub.py").write_text("import os\ndef pid():\n    return os.getpid()\n")
    return WorkerSession(LocalSandbox(), WorkerSpec(submission_dir=tmp_path, modules=("sub",), packages=()))


def test_the_hidden_suite_reuses_a_worker_no_test_has_used(tmp_path):
    """A hidden-only run (each mutant of an audit) keeps the worker started while pytest collected:
    it has seen no input, so restarting it would only cost another import of the submission."""
    session = _calc_session(tmp_path)
    try:
        session.start_in_background()
        session.enter_hidden()
        worker = session.worker
        assert worker is not None
        Student(session, "sub", tmp_path, Deadline(60)).call("pid")
        assert session.worker is worker and session.restarts == 0
    finally:
        session.close()


def test_the_hidden_suite_gets_a_fresh_worker_after_public_tests(tmp_path):
    """A worker that answered a public test may hold that test's inputs: the hidden suite never sees it."""
    session = _calc_session(tmp_path)
    try:
        student = Student(session, "sub", tmp_path, Deadline(60))
        public_pid = student.call("pid")
        session.enter_hidden()
        assert session.worker is None
        assert student.call("pid") != public_pid
    finally:
        session.close()
