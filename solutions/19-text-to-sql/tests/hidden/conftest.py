"""Hidden-only oracles and generators for the 19-text-to-sql tests (never released).

- `schema_oracle`: the schema text from SQLite's table-valued pragma functions, in one SQL query
  (a different route from the PRAGMA statements a student would use).
- `link_oracle`: the handout's token-overlap linking.
- `result_eq_oracle`: test-suite evaluation's `result_eq` (Zhong et al., 2020,
  taoyds/test-suite-sql-eval, exec_eval.py), ported: a quick rejection on unordered rows (its sort key
  fixed so that 1 and 1.0 sort alike, as == says they are equal), then
  only the column permutations that the per-column value sets allow.
- `exec_match_oracle`: test-suite execution match run here with sqlite3 and sqlglot.
- `random_schema`: random schemas (composite keys, several foreign keys, mixed case, odd types,
  views, indexes, AUTOINCREMENT) for the schema tests.
"""

from __future__ import annotations

import random
import re
import sqlite3
from collections import Counter
from itertools import permutations, product
from types import SimpleNamespace

import pytest
import sqlglot
from sqlglot import exp

FORBIDDEN = (exp.Insert, exp.Update, exp.Delete, exp.Merge, exp.Create, exp.Drop, exp.Alter,
             exp.Command, exp.Pragma, exp.Attach, exp.Detach, exp.Transaction)


def _connect(db: bytes) -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    conn.deserialize(db)
    return conn


def schema_oracle(db: bytes) -> str:
    conn = _connect(db)
    try:
        tables = conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND substr(name, 1, 7) <> 'sqlite_' "
            "ORDER BY name COLLATE BINARY").fetchall()
        lines = []
        for (t,) in tables:
            cols = conn.execute("SELECT cid, name, type, pk FROM pragma_table_info(?) ORDER BY cid", (t,)).fetchall()
            fks = conn.execute('SELECT "from", "table", "to" FROM pragma_foreign_key_list(?) ORDER BY id, seq',
                               (t,)).fetchall()
            cells = []
            for _cid, name, ctype, pk in cols:
                words = [name]
                if ctype:
                    words.append(ctype)
                if pk:
                    words.append("PRIMARY KEY")
                words += [f"REFERENCES {ref}({to})" for frm, ref, to in fks if frm == name]
                cells.append(" ".join(words))
            lines.append(t + "(" + ", ".join(cells) + ")")
        return "\n".join(lines)
    finally:
        conn.close()


def _toks(s: str) -> set[str]:
    return {w[:-1] if len(w) > 3 and w[-1] == "s" else w for w in re.findall(r"[a-z0-9]+", s.lower())}


def link_oracle(question: str, db: bytes, threshold: float = 0.5) -> dict:
    q = _toks(question)

    def hit(name):
        t = _toks(name)
        return (len(t & q) / len(t) if t else 0.0) >= threshold

    conn = _connect(db)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
                  if not r[0].startswith("sqlite_")]
        cols = {t: conn.execute("SELECT name, pk FROM pragma_table_info(?) ORDER BY cid", (t,)).fetchall() for t in tables}
        fks = {t: conn.execute('SELECT "from", "table" FROM pragma_foreign_key_list(?)', (t,)).fetchall() for t in tables}
    finally:
        conn.close()
    linked = {t for t in tables if hit(t) or any(hit(c) for c, _ in cols[t])}
    out = {}
    for t in linked:
        fk_cols = {frm for frm, ref in fks[t] if ref in linked}
        out[t] = [c for c, pk in cols[t] if hit(c) or pk or c in fk_cols]
    return out


# -- test-suite evaluation's result_eq, ported ----------------------------------------------

def _unorder_row(row):
    # The original sorts a row's values by str(x) + str(type(x)), which puts 1 and 1.0 in different
    # places and so rejects rows that are equal under ==; the handout's rule is ==, so this key
    # sorts equal numbers alike (numbers first, by value; then the rest as the original does).
    def key(x):
        if isinstance(x, (int, float)):
            return (0, x, "")
        return (1, 0, str(x) + str(type(x)))
    return tuple(sorted(row, key=key))


def _quick_rej(result1, result2, order_matters):
    s1 = [_unorder_row(row) for row in result1]
    s2 = [_unorder_row(row) for row in result2]
    if order_matters:
        return s1 == s2
    return set(s1) == set(s2)


def _permute_tuple(element, perm):
    return tuple(element[i] for i in perm)


def _constraint_permutations(tab1_sets_by_columns, result2):
    num_cols = len(result2[0])
    perm_constraints = [set(range(num_cols)) for _ in range(num_cols)]
    if num_cols <= 3:
        return product(*perm_constraints)
    for _ in range(20):
        random_tab2_row = random.choice(result2)
        for tab1_col in range(num_cols):
            for tab2_col in set(perm_constraints[tab1_col]):
                if random_tab2_row[tab2_col] not in tab1_sets_by_columns[tab1_col]:
                    perm_constraints[tab1_col].remove(tab2_col)
    return product(*perm_constraints)


def result_eq_oracle(result1, result2, order_matters) -> bool:
    result1 = [tuple(r) for r in result1]
    result2 = [tuple(r) for r in result2]
    if len(result1) == 0 and len(result2) == 0:
        return True
    if len(result1) != len(result2):
        return False
    num_cols = len(result1[0])
    if len(result2[0]) != num_cols:
        return False
    if not _quick_rej(result1, result2, order_matters):
        return False
    tab1_sets_by_columns = [{row[i] for row in result1} for i in range(num_cols)]
    for perm in _constraint_permutations(tab1_sets_by_columns, result2):
        if len(perm) != len(set(perm)):
            continue
        result2_perm = result2 if num_cols == 1 else [_permute_tuple(e, perm) for e in result2]
        if order_matters:
            if result1 == result2_perm:
                return True
        elif Counter(result1) == Counter(result2_perm):
            return True
    return False


def safe_oracle(sql: str) -> bool:
    try:
        stmts = [s for s in sqlglot.parse(sql, read="sqlite") if s is not None]
    except Exception:
        return False
    return (len(stmts) == 1 and isinstance(stmts[0], (exp.Select, exp.SetOperation))
            and stmts[0].find(*FORBIDDEN) is None)


def rows_or_none(db: bytes, sql: str):
    """The rows of sql on db, or None if SQLite raises."""
    try:
        conn = _connect(db)
    except sqlite3.Error:
        return None
    try:
        return [tuple(r) for r in conn.execute(sql).fetchall()]
    except sqlite3.Error:
        return None
    finally:
        conn.close()


def exec_match_oracle(gold: str, pred: str, dbs: list[bytes]) -> bool:
    order = sqlglot.parse_one(gold, read="sqlite").args.get("order") is not None
    if not safe_oracle(pred):
        return False
    for db in dbs:
        g = rows_or_none(db, gold)
        assert g is not None, "a gold query of the tests failed"
        p = rows_or_none(db, pred)
        if p is None or not result_eq_oracle(g, p, order):
            return False
    return True


# -- random schemas ---------------------------------------------------------------------------

WORDS = ["student", "course", "grade", "teacher", "room", "city", "name", "title", "score", "year",
         "Dept", "budget", "address", "status", "items", "orders", "Price", "qty"]
TYPES = ["INTEGER", "TEXT", "REAL", "varchar(30)", "NUMERIC", "", "Blob", "DATE"]


def random_schema(rng: random.Random) -> tuple[str, list[str]]:
    """(DDL script, table names) of a random schema with keys, foreign keys and decoys."""
    n_tables = rng.randint(1, 4)
    names = rng.sample(WORDS, n_tables)
    names = [n if rng.random() < 0.6 else n + "_" + rng.choice(["log", "info", "map"]) for n in names]
    ddl, made = [], []
    for t in names:
        n_cols = rng.randint(1, 5)
        col_names = []
        while len(col_names) < n_cols:
            c = rng.choice(WORDS).lower() + rng.choice(["", "_id", "_name", "s", "_at"])
            if c not in col_names:
                col_names.append(c)
        cols = [f"{c} {rng.choice(TYPES)}".rstrip() for c in col_names]
        extra = []
        pk_kind = rng.random()
        if pk_kind < 0.3:
            cols[0] = f"{col_names[0]} INTEGER PRIMARY KEY"
        elif pk_kind < 0.45:
            cols[0] = f"{col_names[0]} INTEGER PRIMARY KEY AUTOINCREMENT"
        elif pk_kind < 0.65 and n_cols >= 2:
            extra.append(f"PRIMARY KEY ({col_names[0]}, {col_names[1]})")
        for c in col_names[1:]:
            if made and rng.random() < 0.35:
                ref_t, ref_c = rng.choice(made)
                if rng.random() < 0.5:
                    cols[col_names.index(c)] += f" REFERENCES {ref_t}({ref_c})"
                else:
                    extra.append(f"FOREIGN KEY ({c}) REFERENCES {ref_t}({ref_c})")
        ddl.append(f"CREATE TABLE {t} (" + ", ".join(cols + extra) + ");")
        made += [(t, c) for c in col_names]
    if rng.random() < 0.5:
        t = made[0][0]
        ddl.append(f"CREATE VIEW v_{t} AS SELECT * FROM {t};")
    if rng.random() < 0.5:
        t, c = rng.choice(made)
        ddl.append(f"CREATE INDEX ix_{t}_{c} ON {t}({c});")
    rng.shuffle(ddl)  # views and indexes may come first: sqlite accepts views over later tables
    return "\n".join(sorted(ddl, key=lambda s: not s.startswith("CREATE TABLE"))), names


def random_question(rng: random.Random, names: list[str]) -> str:
    words = ["how", "many", "is", "the", "of", "each", "with", "a", "total", "per", "id", "ids", "names",
             "by", "and", "what", "list", "all", "at"]
    pool = words + [w.lower() for w in WORDS] + [w + "s" for w in WORDS] + names
    return " ".join(rng.choice(pool) for _ in range(rng.randint(2, 9))).capitalize() + "?"


@pytest.fixture(scope="session")
def oracle() -> SimpleNamespace:
    return SimpleNamespace(
        schema=schema_oracle, link=link_oracle, result_eq=result_eq_oracle, safe=safe_oracle,
        rows_or_none=rows_or_none, exec_match=exec_match_oracle, random_schema=random_schema,
        random_question=random_question,
    )
