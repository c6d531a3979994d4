"""The numeric part of a global id, as the database can hold it.

Rows are numbered by BIGINT (SQLite's INTEGER): a node id of ASCII digits
above 2**63 - 1 ("99999999999999999999") names no row, and passed on it made
the driver fail with "value out of int64 range" and the SQL (issue 10). Such
an id, like any id that is not a positive ASCII decimal, is None: the
callers report it as they report any id that names nothing (NOT_FOUND).
"""

from __future__ import annotations

import re

MAX_DATABASE_ID = 2**63 - 1
_DECIMAL = re.compile(r"[0-9]{1,19}")


def database_id(text: str) -> int | None:
    if not _DECIMAL.fullmatch(text):
        return None  # "²" is a digit to str.isdigit, not to int()
    value = int(text)
    return value if 0 < value <= MAX_DATABASE_ID else None
