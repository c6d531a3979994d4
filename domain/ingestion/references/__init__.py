"""The records an event refers to, upserted by the portal's external ids.

The portal sends each record with its descriptive fields, so the service
needs no other feed: ``INSERT .. ON CONFLICT (organisation_id, external_id)
DO UPDATE`` keeps them current in one statement that is safe under
concurrency. State we own (an enrollment's status, a family's suspension)
is set only when the row is new, never overwritten by a later event.

A field the event leaves out is unknown, never its schema default: the
upsert keeps what we know (an enrollment's TRIAL type, a class's capacity
and end dates, a booking's location and student, a family's email and
email-blast choice). Only what was sent replaces what we have.

Records an event *creates* (a payment, an order, a requested enrollment...)
are inserted with ``ON CONFLICT DO NOTHING`` instead: seeing one again under
another idempotency key is ``DUPLICATE_RECORD``, never a second copy.
"""

from __future__ import annotations

from domain.ingestion.references.bookings import BookingRecords, ResolvedBooking
from domain.ingestion.references.classes import ResolvedClass
from domain.ingestion.references.enrollments import EnrollmentRecords, ResolvedEnrollment
from domain.ingestion.references.products import ProductRecords


class References(EnrollmentRecords, BookingRecords, ProductRecords):
    """Upserts within one unit of work, each record once per event: families
    and students, locations and classes, enrollments, bookings, products."""


__all__ = ["References", "ResolvedBooking", "ResolvedClass", "ResolvedEnrollment"]
