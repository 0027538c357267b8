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
    raise NotImplementedError


def link_schema(question: str, db: bytes, threshold: float = 0.5) -> dict[str, list[str]]:
    """The tables and columns a question mentions: {table: [columns in declaration order]}.

    tokens(s): the matches of [a-z0-9]+ in s.lower(), a final "s" dropped from tokens of 4+ chars.
    score(name) = |tokens(name) & tokens(question)| / |tokens(name)|   (0 if tokens(name) is empty)
    A column is linked if score >= threshold; a table if its own score >= threshold or one of its
    columns is linked. A linked table also lists its primary-key columns and its foreign-key
    columns that reference a linked table. Unlinked tables are not in the result.
    """
    raise NotImplementedError


def is_safe_select(sql: str) -> bool:
    """True iff `sql` is exactly one read-only query.

    Parse with `sqlglot.parse(sql, read="sqlite")`; any exception -> False. Drop the empty
    statements (None); exactly one statement must be left, its root an `exp.Select` or an
    `exp.SetOperation` (UNION / INTERSECT / EXCEPT), and no node of its tree an instance of
    FORBIDDEN_NODES.
    """
    raise NotImplementedError


def run_query(db: bytes, sql: str, timeout_ms: int = 1000) -> dict:
    """Run one safe query on a fresh connection to `db`, within `timeout_ms` milliseconds.

    Returns {"status": s, "rows": r, "message": m}:
      "ok":      r = the rows (list of tuples, in the order SQLite returns them), m = ""
      "unsafe":  not is_safe_select(sql): nothing is run, r = None, m = UNSAFE_MESSAGE
      "timeout": the limit was reached (progress handler), r = None,
                 m = TIMEOUT_MESSAGE.format(timeout_ms=timeout_ms)
      "error":   SQLite raised sqlite3.Error, r = None, m = str(the exception)
    """
    raise NotImplementedError


def result_eq(gold_rows: list, pred_rows: list, order_matters: bool) -> bool:
    """Test-suite result equality.

    Both empty -> True; different numbers of rows or of columns -> False. Otherwise True iff
    some permutation p of the columns makes the predicted rows, each rewritten as
    tuple(row[p[i]] for i in range(ncols)), equal to the gold rows: as lists if
    `order_matters`, else as multisets (bags). Values compare with Python's ==.
    """
    raise NotImplementedError


def execution_match(gold: str, pred: str, dbs: list[bytes], timeout_ms: int = 1000) -> bool:
    """True iff `pred` gives the gold result on every database of `dbs` (test-suite accuracy).

    Order matters iff the gold's outermost query has an ORDER BY:
    `sqlglot.parse_one(gold, read="sqlite").args.get("order") is not None`.
    The gold query must be safe and run ("ok") on every database, else ValueError.
    A prediction that is not "ok" on a database does not match.
    """
    raise NotImplementedError


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
    raise NotImplementedError


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
    raise NotImplementedError
