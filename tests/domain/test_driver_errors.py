"""Driver errors are logged, so they must not carry what families sent: the
statement is named, the bound values (payloads, notes, addresses) are not
(issue 10: "full SQL and bound parameters")."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from service.services import Services

SECRET = "allergic to chlorine, 12 Harbour Street"


async def test_a_failed_statement_names_no_bound_value(services: Services) -> None:
    with pytest.raises(DBAPIError) as raised:
        async with services.database.write() as session:
            insert = text("INSERT INTO no_such_table VALUES (:note)")
            await session.execute(insert, {"note": SECRET})
    assert "no_such_table" in str(raised.value)
    assert SECRET not in str(raised.value)
