"""Text-to-SQL plumbing: everything around the model that writes the SQL.

What this module does (the "LLM" is a plain Python function you are given):
- `schema_text` describes a SQLite database as one line per table, for a prompt.
- `link_schema` picks the tables and columns a question mentions (token overlap).
- `is_safe_select` accepts a single read-only query and nothing else (parsed with sqlglot).
- `run_query` runs a safe query on a database with a time limit.
- `result_eq` / `execution_match` compare a predicted query with a gold one the way
  test-suite evaluation does (Zhong et al., 2020): bags of rows, column permutations,
  order only when the gold query orders, on several random instances of the database.
- `extract_sql` / `self_correct` run the generate -> execute -> show the error -> retry loop.

Databases cross into your code as `bytes`: the content of a SQLite file, as written by
`sqlite3.Connection.serialize()`. Open one with `open_db` (given).
"""

from __future__ import annotations

import itertools
import re
import sqlite3
import time
from collections import Counter
from collections.abc import Callable

import sqlglot
from sqlglot import exp

# Messages of run_query (see the handout).
UNSAFE_MESSAGE = "only a single SELECT statement is allowed"
TIMEOUT_MESSAGE = "query exceeded the time limit of {timeout_ms} ms"

# Nodes that make a statement unsafe wherever they appear in its tree (see the handout).
FORBIDDEN_NODES = (
    exp.Insert, exp.Update, exp.Delete, exp.Merge, exp.Create, exp.Drop, exp.Alter,
    exp.Command, exp.Pragma, exp.Attach, exp.Detach, exp.Transaction,
)


def open_db(db: bytes) -> sqlite3.Connection:
    """Open the bytes of a SQLite file (from `Connection.serialize()`) as an in-memory database.

    Changes made through the connection stay in memory: the bytes are never modified.
    Close the connection when you are done with it.
    """
    conn = sqlite3.connect(":memory:")
    conn.deserialize(db)
    return conn


def schema_text(db: bytes) -> str:
    """One line per table, tables sorted by name, lines joined with "\\n" (no trailing newline).

    A line is `table(col TYPE, col TYPE PRIMARY KEY, col TYPE REFERENCES other(col), ...)`:
    columns in declaration order, TYPE as declared (left out when empty), " PRIMARY KEY" on every
    primary-key column, " REFERENCES t(c)" for each foreign key from that column.
    Tables are the rows of sqlite_master of type 'table' whose name does not start with "sqlite_".
    """
    ### BEGIN SOLUTION
    conn = open_db(db)
    try:
        lines = []
        for table in _tables(conn):
            parts = []
            fks = conn.execute(f'PRAGMA foreign_key_list("{table}")').fetchall()
            for _cid, name, ctype, _notnull, _default, pk in conn.execute(f'PRAGMA table_info("{table}")'):
                part = name + (" " + ctype if ctype else "")
                if pk > 0:
                    part += " PRIMARY KEY"
                for fk in fks:
                    if fk[3] == name:
                        part += f" REFERENCES {fk[2]}({fk[4]})"
                parts.append(part)
            lines.append(f"{table}({', '.join(parts)})")
        return "\n".join(lines)
    finally:
        conn.close()
    ### END SOLUTION


### BEGIN SOLUTION
def _tables(conn: sqlite3.Connection) -> list[str]:
    names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    return sorted(n for n in names if not n.startswith("sqlite_"))


def _tokens(text: str) -> set[str]:
    out = set()
    for tok in re.findall(r"[a-z0-9]+", text.lower()):
        if len(tok) >= 4 and tok.endswith("s"):
            tok = tok[:-1]
        out.add(tok)
    return out


def _score(name: str, question_tokens: set[str]) -> float:
    toks = _tokens(name)
    if not toks:
        return 0.0
    return len(toks & question_tokens) / len(toks)
### END SOLUTION


def link_schema(question: str, db: bytes, threshold: float = 0.5) -> dict[str, list[str]]:
    """The tables and columns a question mentions: {table: [columns in declaration order]}.

    tokens(s): the matches of [a-z0-9]+ in s.lower(), a final "s" dropped from tokens of 4+ chars.
    score(name) = |tokens(name) & tokens(question)| / |tokens(name)|   (0 if tokens(name) is empty)
    A column is linked if score >= threshold; a table if its own score >= threshold or one of its
    columns is linked. A linked table also lists its primary-key columns and its foreign-key
    columns that reference a linked table. Unlinked tables are not in the result.
    """
    ### BEGIN SOLUTION
    q = _tokens(question)
    conn = open_db(db)
    try:
        info = {}
        for table in _tables(conn):
            cols = conn.execute(f'PRAGMA table_info("{table}")').fetchall()
            fks = conn.execute(f'PRAGMA foreign_key_list("{table}")').fetchall()
            info[table] = (cols, fks)
    finally:
        conn.close()
    linked_cols = {t: {c[1] for c in cols if _score(c[1], q) >= threshold} for t, (cols, _) in info.items()}
    linked = {t for t in info if _score(t, q) >= threshold or linked_cols[t]}
    result = {}
    for table in sorted(linked):
        cols, fks = info[table]
        keep = set(linked_cols[table])
        keep |= {c[1] for c in cols if c[5] > 0}
        keep |= {fk[3] for fk in fks if fk[2] in linked}
        result[table] = [c[1] for c in cols if c[1] in keep]
    return result
    ### END SOLUTION


def is_safe_select(sql: str) -> bool:
    """True iff `sql` is exactly one read-only query.

    Parse with `sqlglot.parse(sql, read="sqlite")`; any exception -> False. Drop the empty
    statements (None); exactly one statement must be left, its root an `exp.Select` or an
    `exp.SetOperation` (UNION / INTERSECT / EXCEPT), and no node of its tree an instance of
    FORBIDDEN_NODES.
    """
    ### BEGIN SOLUTION
    try:
        statements = [s for s in sqlglot.parse(sql, read="sqlite") if s is not None]
    except Exception:
        return False
    if len(statements) != 1:
        return False
    root = statements[0]
    if not isinstance(root, (exp.Select, exp.SetOperation)):
        return False
    return not any(isinstance(node, FORBIDDEN_NODES) for node in root.walk())
    ### END SOLUTION


def run_query(db: bytes, sql: str, timeout_ms: int = 1000) -> dict:
    """Run one safe query on a fresh connection to `db`, within `timeout_ms` milliseconds.

    Returns {"status": s, "rows": r, "message": m}:
      "ok":      r = the rows (list of tuples, in the order SQLite returns them), m = ""
      "unsafe":  not is_safe_select(sql): nothing is run, r = None, m = UNSAFE_MESSAGE
      "timeout": the limit was reached (progress handler), r = None,
                 m = TIMEOUT_MESSAGE.format(timeout_ms=timeout_ms)
      "error":   SQLite raised sqlite3.Error, r = None, m = str(the exception)
    """
    ### BEGIN SOLUTION
    if not is_safe_select(sql):
        return {"status": "unsafe", "rows": None, "message": UNSAFE_MESSAGE}
    conn = open_db(db)
    state = {"timed_out": False}
    deadline = time.monotonic() + timeout_ms / 1000

    def handler() -> int:
        if time.monotonic() > deadline:
            state["timed_out"] = True
            return 1
        return 0

    conn.set_progress_handler(handler, 1000)
    try:
        rows = conn.execute(sql).fetchall()
    except sqlite3.Error as e:
        if state["timed_out"]:
            return {"status": "timeout", "rows": None, "message": TIMEOUT_MESSAGE.format(timeout_ms=timeout_ms)}
        return {"status": "error", "rows": None, "message": str(e)}
    finally:
        conn.close()
    return {"status": "ok", "rows": [tuple(r) for r in rows], "message": ""}
    ### END SOLUTION


def result_eq(gold_rows: list, pred_rows: list, order_matters: bool) -> bool:
    """Test-suite result equality.

    Both empty -> True; different numbers of rows or of columns -> False. Otherwise True iff
    some permutation p of the columns makes the predicted rows, each rewritten as
    tuple(row[p[i]] for i in range(ncols)), equal to the gold rows: as lists if
    `order_matters`, else as multisets (bags). Values compare with Python's ==.
    """
    ### BEGIN SOLUTION
    if not gold_rows and not pred_rows:
        return True
    if len(gold_rows) != len(pred_rows):
        return False
    ncols = len(gold_rows[0])
    if len(pred_rows[0]) != ncols:
        return False
    gold = [tuple(r) for r in gold_rows]
    gold_bag = Counter(gold)
    for perm in itertools.permutations(range(ncols)):
        moved = [tuple(row[perm[i]] for i in range(ncols)) for row in pred_rows]
        if order_matters:
            if moved == gold:
                return True
        elif Counter(moved) == gold_bag:
            return True
    return False
    ### END SOLUTION


def execution_match(gold: str, pred: str, dbs: list[bytes], timeout_ms: int = 1000) -> bool:
    """True iff `pred` gives the gold result on every database of `dbs` (test-suite accuracy).

    Order matters iff the gold's outermost query has an ORDER BY:
    `sqlglot.parse_one(gold, read="sqlite").args.get("order") is not None`.
    The gold query must be safe and run ("ok") on every database, else ValueError.
    A prediction that is not "ok" on a database does not match.
    """
    ### BEGIN SOLUTION
    if not is_safe_select(gold):
        raise ValueError("the gold query is not a single SELECT")
    order_matters = sqlglot.parse_one(gold, read="sqlite").args.get("order") is not None
    for db in dbs:
        g = run_query(db, gold, timeout_ms)
        if g["status"] != "ok":
            raise ValueError(f"the gold query failed: {g['message']}")
        p = run_query(db, pred, timeout_ms)
        if p["status"] != "ok" or not result_eq(g["rows"], p["rows"], order_matters):
            return False
    return True
    ### END SOLUTION


def build_prompt(question: str, schema: str) -> str:
    """The first prompt of self_correct (given):

    ### SQLite schema
    <schema>
    ### Question
    <question>
    ### SQL
    """
    return f"### SQLite schema\n{schema}\n### Question\n{question}\n### SQL\n"


def extract_sql(reply: str) -> str:
    """The SQL in a model's reply.

    If the reply contains "```" at least twice: the text between the first two occurrences; if
    that text contains a newline and its first line, stripped and lower-cased, is "", "sql" or
    "sqlite", that first line is dropped. Otherwise the whole reply. Either way, `.strip()`ped.
    """
    ### BEGIN SOLUTION
    if reply.count("```") >= 2:
        inner = reply.split("```", 2)[1]
        if "\n" in inner:
            first, rest = inner.split("\n", 1)
            if first.strip().lower() in ("", "sql", "sqlite"):
                inner = rest
        return inner.strip()
    return reply.strip()
    ### END SOLUTION


def self_correct(question: str, db: bytes, llm: Callable[[str], str], max_tries: int = 3,
                 timeout_ms: int = 1000) -> dict:
    """Generate SQL with `llm`, run it, and on failure retry with the error in the prompt.

    prompt = build_prompt(question, schema_text(db)); for try k = 1 .. max_tries:
        sql = extract_sql(llm(prompt)); res = run_query(db, sql, timeout_ms)
        "ok"  -> return {"sql": sql, "status": "ok", "rows": res["rows"], "tries": k}
        else  -> prompt += sql + "\\n### Error\\n" + res["message"] + "\\n### SQL\\n"
    After max_tries failures: {"sql": last sql, "status": last status, "rows": None, "tries": max_tries}.
    max_tries < 1 raises ValueError before any call.
    """
    ### BEGIN SOLUTION
    if max_tries < 1:
        raise ValueError("max_tries must be >= 1")
    prompt = build_prompt(question, schema_text(db))
    sql, status = "", "error"
    for k in range(1, max_tries + 1):
        sql = extract_sql(llm(prompt))
        res = run_query(db, sql, timeout_ms)
        if res["status"] == "ok":
            return {"sql": sql, "status": "ok", "rows": res["rows"], "tries": k}
        status = res["status"]
        prompt += sql + "\n### Error\n" + res["message"] + "\n### SQL\n"
    return {"sql": sql, "status": status, "rows": None, "tries": max_tries}
    ### END SOLUTION
