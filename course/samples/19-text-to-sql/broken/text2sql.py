"""Text-to-SQL helpers (does not even parse yet)."""

import sqlite3


def schema_text(db):
    conn = sqlite3.connect(":memory:")
    conn.deserialize(db)
    return "\n".join(r[0] for r in conn.execute("SELECT sql FROM sqlite_master")


def is_safe_select(sql):
    return sql.upper().startswith("SELECT")
