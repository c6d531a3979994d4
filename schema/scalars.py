"""Our DateTime scalar: strawberry's, refusing instants it cannot keep.

An aware instant is converted to UTC to be stored and compared; one whose
UTC time falls outside the years 1-9999 (``0001-01-01T00:00:00+14:00``)
raised ``OverflowError`` deep in the database layer and reached the client as
"date value out of range" with the SQL (issue 10). It is now refused where it
is parsed, as any malformed DateTime is: a top-level error with code
``INVALID_DATETIME``, before anything runs.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import dateutil.parser  # type: ignore[import-untyped]
from strawberry.exceptions import StrawberryInputCoercionError
from strawberry.schema.types.base_scalars import DateTimeDefinition
from strawberry.types.scalar import ScalarDefinition


def parse_instant(value: object) -> datetime:
    if not isinstance(value, str):
        raise StrawberryInputCoercionError(
            f'Value cannot represent a DateTime: "{value}". Expected a string.',
            extensions={"code": "INVALID_DATETIME"},
        )
    try:
        parsed: datetime = dateutil.parser.isoparse(value)
        if parsed.tzinfo is not None:
            parsed.astimezone(UTC)
    except (ValueError, OverflowError) as error:
        detail = "outside the years 1-9999 in UTC" if isinstance(error, OverflowError) else error
        raise StrawberryInputCoercionError(
            f'Value cannot represent a DateTime: "{value}". {detail}',
            extensions={"code": "INVALID_DATETIME"},
        ) from None
    return parsed


DATETIME: ScalarDefinition = dataclasses.replace(DateTimeDefinition, parse_value=parse_instant)
SCALAR_OVERRIDES: dict[object, ScalarDefinition] = {datetime: DATETIME}
