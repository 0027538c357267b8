"""Notebooks both ways: the starter notebook `release` writes, and a submitted notebook turned into files.

Students work in Jupyter or Colab, but the grader runs modules (`bpe.py`, ...) in a worker. So a
notebook is converted on the trusted side, before anything runs, by a rule students can read in every
handout notebook's first cell:

- a code cell tagged `llmkit:file=NAME.py` (cell metadata `tags`, as the starter notebook has them;
  or, where tags cannot be edited, a first line `# llmkit:file=NAME.py`) goes whole into NAME.py;
- in any other code cell, only top-level `import`/`from` statements, function and class
  definitions and constants (`name = <literal>`, or `UPPER_CASE = <any expression>`) are kept and
  added to the FIRST submitted file, in notebook order; everything else (calls, loops, prints,
  plots, training runs) is left out, so grading never runs a student's experiments;
- IPython magics and shell escapes (`%matplotlib`, `!pip install`, `x = !ls`) are removed, and a
  cell that starts with a cell magic (`%%time`, `%%bash`) is left out whole; each is noted;
- a cell with a syntax error is left out with a note naming it (the rest still converts);
- `from __future__` imports are moved to the top of a file built from several cells.

A file built from exactly one tagged cell is that cell's text byte for byte, so the starter
notebook converts back to exactly the starter files. Nothing here runs student code.
"""

from __future__ import annotations

import ast
import json
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

TAG_PREFIX = "llmkit:file="
_MARKER_LINE = re.compile(r"^\s*#\s*llmkit:\s*file\s*=\s*(\S+)\s*$")
_LINE_MAGIC = re.compile(r"^(\s*)(?:[%!]|[A-Za-z_]\w*\s*=\s*[%!](?![=]))")
_CONSTANT_NAME = re.compile(r"^_*[A-Z][A-Z0-9_]*$")
MAX_SHOWN = 3  # left-out statements quoted per note


class NotebookError(ValueError):
    """The notebook as a whole cannot be read; the message says what to do."""


@dataclass
class Conversion:
    """What a notebook turned into: file name -> source, notes for the student, the notebook without outputs."""

    files: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    stripped: str = ""


# --- files -> starter notebook ---------------------------------------------------------------

def _sections(markdown: str) -> list[str]:
    """The handout split before each `## ` heading (outside fenced code blocks)."""
    sections: list[list[str]] = [[]]
    fenced = False
    for line in markdown.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        if not fenced and line.startswith("## ") and any(s.strip() for s in sections[-1]):
            sections.append([])
        sections[-1].append(line)
    return ["\n".join(s).strip("\n") for s in sections if any(x.strip() for x in s)]


def rule_text(files: tuple[str, ...]) -> str:
    """The conversion rule, as the first cell of every starter notebook states it."""
    first = files[0]
    tagged = ", ".join(f"`{TAG_PREFIX}{f}`" for f in files)
    return (f"**Working in this notebook.** Write your code in the code cell(s) tagged {tagged} "
            f"(View > Cell Toolbar > Tags in Jupyter; or start the cell with a line `# {TAG_PREFIX}{first}`). "
            f"When you submit the notebook, each tagged cell becomes that file. From every other code cell only "
            f"imports, function and class definitions and constants (`name = literal`, `UPPER_CASE = ...`) are kept "
            f"and added to `{first}`; everything else (calls, loops, prints, plots, training runs) is left out, and "
            f"IPython magics (`%...`, `!...`, `%%...` cells) are removed, so experiment freely outside functions.")


def starter_notebook(assignment_id: str, title: str, handout: str, files: dict[str, str]) -> str:
    """The starter notebook (nbformat v4 JSON text): intro with the rule, the handout in one markdown cell
    per `## ` section, one tagged code cell per submitted file (its starter code), then how to check and
    submit. Cell ids are fixed so that a release is reproducible (`release --check` compares it)."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    names = tuple(files)
    cells = [new_markdown_cell(f"# {assignment_id}: starter notebook\n\n{rule_text(names)}")]
    cells += [new_markdown_cell(s) for s in _sections(handout)]
    for name, code in files.items():
        cells.append(new_code_cell(code.rstrip("\n"), metadata={"tags": [f"{TAG_PREFIX}{name}"]}))
    nb_name = f"{assignment_id}.ipynb"
    cells.append(new_markdown_cell(
        "## Check and submit\n\n"
        f"Run every cell: the stubs raise `NotImplementedError` only when called. Then, from the kit's folder:\n\n"
        f"```bash\nllmkit check {assignment_id} assignments/{assignment_id}/{nb_name}    # the public tests on this notebook\n"
        f"llmkit submit {assignment_id} assignments/{assignment_id}/{nb_name}   # writes {assignment_id}-submission.zip\n```\n\n"
        f"Upload the zip, or this notebook itself. `check` shows the files it converted "
        f"({', '.join(f'`{n}`' for n in names)}): exactly what the grader grades."))
    for i, cell in enumerate(cells):
        cell["id"] = f"llmkit-{i:02d}"
    nb = new_notebook(cells=cells, metadata={
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"}, "llmkit": {"assignment": assignment_id, "title": title}})
    return nbformat.writes(nb) + "\n"


# --- notebook -> files -----------------------------------------------------------------------

def _where(index: int, source: str) -> str:
    first = next((line.strip() for line in source.splitlines() if line.strip()), "")
    return f"cell {index} (`{first[:40]}{'...' if len(first) > 40 else ''}`)"


def _read(data: bytes, label: str) -> tuple[Any, list[str]]:  # Any: an nbformat NotebookNode (untyped)
    """Parse the notebook into nbformat v4; raise NotebookError with the fix when it cannot be."""
    import nbformat

    if data[:4] == b"PK\x03\x04":
        raise NotebookError(f"{label}: is a zip archive with a notebook's name; rename it to .zip, or download the "
                            "notebook itself again (Jupyter: File > Download as > Notebook; Colab: File > Download > .ipynb)")
    notes: list[str] = []
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        text = data.decode("utf-8", errors="replace")
        notes.append(f"{label}: not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); the bad bytes "
                     "were replaced by U+FFFD; retype them and save the notebook again from Jupyter or Colab")
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise NotebookError(f"{label}: not a notebook (invalid JSON at line {exc.lineno}, column {exc.colno}: "
                            f"{exc.msg}); open it in Jupyter or Colab and save it again, or submit the .py files") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("nbformat"), int):
        raise NotebookError(f"{label}: JSON but not a Jupyter notebook (no 'nbformat' version); submit the .ipynb "
                            "file Jupyter or Colab saves")
    version = raw["nbformat"]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            nb = nbformat.reads(text, as_version=4)
    except Exception as exc:  # nbformat raises many kinds; none may crash the grader
        raise NotebookError(f"{label}: a notebook in format {version} that cannot be read ({type(exc).__name__}: "
                            f"{str(exc)[:200]}); open it in a current Jupyter and save it again") from None
    if version != 4:
        notes.append(f"{label}: notebook format {version}, converted to format 4; save it with a current Jupyter "
                     "or Colab to be sure what is graded")
    if not isinstance(nb.get("cells"), list):
        raise NotebookError(f"{label}: has no cells; submit the notebook that holds your code")
    return nb, notes


def _tag(cell, files: tuple[str, ...], index: int, source: str, notes: list[str]) -> tuple[str | None, str]:
    """The file a cell is tagged for (metadata tag, else a marker first line, which is then dropped)."""
    tags = cell.get("metadata", {}).get("tags", []) or []
    tags = tags if isinstance(tags, list) else [tags]
    wanted = [t[len(TAG_PREFIX):].strip() for t in tags if isinstance(t, str) and t.startswith(TAG_PREFIX)]
    lines = source.splitlines(keepends=True)
    marker = _MARKER_LINE.match(lines[0]) if lines else None
    if marker:
        wanted.append(marker.group(1))
        source = "".join(lines[1:])
    if not wanted:
        return None, source
    if wanted[0] not in files:
        notes.append(f"{_where(index, source)}: tagged {TAG_PREFIX}{wanted[0]}, which this assignment does not "
                     f"take ({', '.join(files)}); treated as untagged; fix the tag")
        return None, source
    return wanted[0], source


def _strip_magics(source: str, where: str, notes: list[str]) -> str | None:
    """Source with IPython magics and shell escapes replaced by `pass` (None: a cell magic, leave the cell out)."""
    if source.lstrip().startswith("%%"):
        magic = source.lstrip().split(None, 1)[0]
        notes.append(f"{where}: starts with the cell magic {magic}; the whole cell was left out (not graded); "
                     "remove the magic if the cell holds code to grade")
        return None
    if _is_python(source):
        return source  # a magic is never valid Python: a cell that parses has none
    out = []
    for line in source.splitlines(keepends=True):
        match = _LINE_MAGIC.match(line)
        if match and not _is_python(line.strip()):
            notes.append(f"{where}: removed the IPython magic/shell command `{line.strip()[:60]}`")
            out.append(f"{match.group(1)}pass  # llmkit: magic removed\n")
        else:
            out.append(line)
    return "".join(out)


def _is_python(text: str) -> bool:
    try:
        ast.parse(text)
        return True
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return False


def _kept(node: ast.stmt) -> bool:
    """The untagged-cell rule: imports, definitions and constants stay; the rest is exploration."""
    if isinstance(node, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return True
    if isinstance(node, (ast.Assign, ast.AnnAssign)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        names = [t for t in targets if isinstance(t, ast.Name)]
        if node.value is None or len(names) != len(targets):
            return False
        if all(_CONSTANT_NAME.match(t.id) for t in names):
            return True
        try:
            ast.literal_eval(node.value)
            return True
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            return False
    return False


def _segment(lines: list[str], node: ast.stmt) -> str:
    start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
    return "".join(lines[start - 1:node.end_lineno])


def _split_future(source: str) -> tuple[set[str], str]:
    """`from __future__` names of a chunk, and the chunk without those imports."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set(), source
    lines = source.splitlines(keepends=True)
    names: set[str] = set()
    for node in reversed(tree.body):
        if isinstance(node, ast.ImportFrom) and node.module == "__future__":
            names.update(a.name for a in node.names)
            del lines[node.lineno - 1:node.end_lineno]
    return names, "".join(lines)


def _join(chunks: list[str]) -> str:
    if len(chunks) == 1:
        text = chunks[0]
        return text if text.endswith("\n") else text + "\n"
    future: set[str] = set()
    bodies = []
    for chunk in chunks:
        names, body = _split_future(chunk)
        future |= names
        bodies.append(body.strip("\n"))
    head = [f"from __future__ import {', '.join(sorted(future))}"] if future else []
    return "\n\n\n".join(head + [b for b in bodies if b.strip()]) + "\n"


def strip_outputs(nb) -> str:
    """The notebook's JSON without outputs and execution counts (what is kept beside the results)."""
    import nbformat

    for cell in nb.cells:
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
        cell.pop("attachments", None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return nbformat.writes(nb) + "\n"


def convert(data: bytes, files: tuple[str, ...], label: str = "notebook") -> Conversion:
    """Turn a submitted notebook into the assignment's `files` by the module's rule.

    Raises NotebookError when the notebook itself cannot be read (the submission is refused);
    anything wrong with single cells becomes a note, and the rest still converts. A file that no
    cell fills is absent from `Conversion.files` (intake then reports it missing, with a hint)."""
    nb, notes = _read(data, label)
    result = Conversion(notes=notes)
    chunks: dict[str, list[str]] = {name: [] for name in files}
    left_out: list[tuple[int, str]] = []  # (cell, first line) of exploratory statements
    bad_bytes = any("U+FFFD" in n for n in notes)
    for index, cell in enumerate(nb.cells, start=1):
        if not isinstance(cell, dict) or not isinstance(cell.get("metadata", {}), dict):
            result.notes.append(f"cell {index}: malformed (not a cell with metadata); left out; open the notebook "
                                "in Jupyter or Colab and save it again")
            continue
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        source = "".join(map(str, source)) if isinstance(source, list) else str(source)
        if not source.strip():
            continue
        target, source = _tag(cell, files, index, source, result.notes)
        where = _where(index, source)
        if bad_bytes and "\ufffd" in source:
            result.notes.append(f"{where}: holds bytes that were not UTF-8 (now U+FFFD); retype those characters")
        source = _strip_magics(source, where, result.notes)
        if source is None:
            continue
        try:
            tree = ast.parse(source)
        except SyntaxError as exc:
            result.notes.append(f"{where}: SyntaxError at line {exc.lineno} of the cell: {exc.msg}; this cell was "
                                f"left out (not graded); fix it and run the cell to check")
            continue
        except (ValueError, MemoryError, RecursionError) as exc:
            result.notes.append(f"{where}: cannot be parsed ({type(exc).__name__}); this cell was left out; simplify it")
            continue
        if target is not None:
            chunks[target].append(source)
            continue
        lines = source.splitlines(keepends=True)
        kept = []
        for node in tree.body:
            if _kept(node):
                kept.append(_segment(lines, node))
            elif not isinstance(node, ast.Pass) and not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)):
                left_out.append((index, lines[node.lineno - 1].strip()))
        if kept:
            chunks[files[0]].append("".join(kept))
    if left_out:
        cells = sorted({i for i, _ in left_out})
        shown = "; ".join(f"cell {i}: `{text[:50]}`" for i, text in left_out[:MAX_SHOWN])
        more = f" and {len(left_out) - MAX_SHOWN} more" if len(left_out) > MAX_SHOWN else ""
        result.notes.append(
            f"{label}: left out {len(left_out)} top-level statement(s) of untagged cell(s) {', '.join(map(str, cells))} "
            f"({shown}{more}): outside tagged cells only imports, definitions and constants are graded; move code "
            f"the tests need into a function or a cell tagged {TAG_PREFIX}{files[0]}")
    for name in files:
        if chunks[name]:
            result.files[name] = _join(chunks[name])
    result.stripped = strip_outputs(nb)
    return result


def missing_hint(name: str, files: tuple[str, ...]) -> str:
    """What to say when a notebook filled none of `name`."""
    if name == files[0]:
        return (f"{name}: the notebook has no cell tagged {TAG_PREFIX}{name} and no definitions in untagged cells; "
                f"put your code in the starter notebook's tagged cell")
    return (f"{name}: no cell of the notebook is tagged {TAG_PREFIX}{name} (only {files[0]} takes untagged code); "
            f"tag the cell that holds it, or start it with a line `# {TAG_PREFIX}{name}`")


def notebook_sources(path: Path) -> str | None:
    """The cells' text of a notebook file, one cell after another (what the leak scan compares); None if unreadable."""
    try:
        raw = json.loads(path.read_bytes().decode("utf-8"))
        parts = []
        for cell in raw.get("cells", []):
            src = cell.get("source", "")
            parts.append("".join(src) if isinstance(src, list) else str(src))
        return "\n".join(parts)
    except (UnicodeDecodeError, json.JSONDecodeError, AttributeError, TypeError):
        return None
