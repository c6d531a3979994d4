"""Families and their students: kept current from what the portal sends."""

from __future__ import annotations

from domain.ingestion.events import FamilyRef, StudentRef
from domain.ingestion.references.upsert import Upserts
from models import Family, Student


class FamilyRecords(Upserts):
    async def family(self, ref: FamilyRef) -> int:
        """The family: name kept current; email and the email-blast choice
        only when sent ("the system will abide by the family's choice to
        opt-in/opt-out of Email Blasts"); suspension and notes are ours."""
        row = await self._upsert(
            Family,
            {
                "external_id": ref.external_id,
                "name": ref.name,
                "email": ref.email,
                "email_opt_in": True if ref.email_opt_in is None else ref.email_opt_in,
                "suspended": False,
                "notes": "",
            },
            (Family.id,),
            replace=(
                "name",
                *(() if ref.email is None else ("email",)),
                *(() if ref.email_opt_in is None else ("email_opt_in",)),
            ),
        )
        return int(row.id)

    async def student(self, ref: StudentRef, family_id: int) -> int:
        key = ("student", ref.external_id)
        if key not in self._ids:
            row = await self._upsert(
                Student,
                {
                    "external_id": ref.external_id,
                    "family_id": family_id,
                    "first_name": ref.first_name,
                    "last_name": ref.last_name,
                },
                (Student.id,),
                replace=("family_id", "first_name", "last_name"),
            )
            self._ids[key] = int(row.id)
        return int(self._ids[key])
