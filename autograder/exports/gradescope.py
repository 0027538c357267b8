"""The Gradescope autograder zip for one assignment: `setup.sh`, `run_autograder` and a copy of this kit.

Gradescope unpacks the zip into /autograder/source, runs `setup.sh` once when it
builds the image, then `run_autograder` for each submission with the student's
files in /autograder/submission; it reads /autograder/results/results.json.
Both scripts are Jinja2 templates, package data in autograder/exports/templates.
`run_autograder` runs `llmkit grade` on the submission: the same harness,
worker, hidden tests and results.json writer as local grading. Inside
Gradescope's container the local sandbox's rlimits still apply; the container
is the security boundary.

The zip is built deterministically (sorted entries, fixed timestamps), so the
same kit and assignment give the same bytes. It holds the hidden tests: upload
it to Gradescope only, never to students.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import autograder
from autograder.catalog import Assignment

STAMP = (2000, 1, 1, 0, 0, 0)


def _render(name: str, **values: str) -> bytes:
    """A shell script from autograder/exports/templates (plain text: no HTML escaping, trailing newline kept)."""
    from jinja2 import Environment, PackageLoader, StrictUndefined

    env = Environment(loader=PackageLoader("autograder.exports", "templates"), autoescape=False,
                      keep_trailing_newline=True, undefined=StrictUndefined)
    return env.get_template(name).render(**values).encode()


def _add(zf: zipfile.ZipFile, name: str, data: bytes, executable: bool = False) -> None:
    info = zipfile.ZipInfo(name, date_time=STAMP)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = ((0o100755 if executable else 0o100644) << 16)
    zf.writestr(info, data)


def _tree(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts
                  and not p.name.endswith(".pyc") and ".llmkit" not in p.parts)


def build_autograder_zip(*, assignment: Assignment, dest: Path, sandbox: str = "local") -> Path:
    """Write the Gradescope autograder zip for `assignment` to `dest`; return `dest`."""
    if assignment.solution_dir is None:
        from autograder.errors import ConfigError

        raise ConfigError(f"solutions/{assignment.id} is missing; the Gradescope zip needs the hidden tests, so build "
                          "it on a staff copy of the kit")
    package = Path(autograder.__file__).resolve().parent
    repo = package.parent
    dest.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(dest, "w") as zf:
        _add(zf, "setup.sh", _render("setup.sh.j2"), executable=True)
        _add(zf, "run_autograder", _render("run_autograder.j2", assignment=assignment.id, sandbox=sandbox), executable=True)
        for name in ("pyproject.toml", "constraints.txt", "README.md"):
            if (repo / name).is_file():
                _add(zf, f"kit/{name}", (repo / name).read_bytes())
        for path in _tree(package):
            _add(zf, f"kit/autograder/{path.relative_to(package).as_posix()}", path.read_bytes())
        for path in _tree(assignment.solution_dir):
            rel = path.relative_to(assignment.solution_dir).as_posix()
            _add(zf, f"kit/solutions/{assignment.id}/{rel}", path.read_bytes())
    return dest
