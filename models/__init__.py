"""SQLAlchemy models, the engine and sessions. Imports nothing from the layers above."""

from models.activity import ActivityChange, ActivityCounter, ActivityEntry, PortalEvent
from models.audit import AuditRecord, AuditRecordLocation
from models.base import Base
from models.commerce import (
    Charge,
    GiftCard,
    OnlineOrder,
    OnlineOrderItem,
    PartyBooking,
    Payment,
    Product,
)
from models.families import Family, Student
from models.lock import EditLock
from models.organisation import Location, Organisation
from models.scheduling import (
    Absence,
    AppointmentBooking,
    ClassOffering,
    Enrollment,
    EnrollmentNote,
)
from models.staff import Staff, StaffLocation, StaffToken

__all__ = [
    "Absence",
    "ActivityChange",
    "ActivityCounter",
    "ActivityEntry",
    "AppointmentBooking",
    "AuditRecord",
    "AuditRecordLocation",
    "Base",
    "Charge",
    "ClassOffering",
    "EditLock",
    "Enrollment",
    "EnrollmentNote",
    "Family",
    "GiftCard",
    "Location",
    "OnlineOrder",
    "OnlineOrderItem",
    "Organisation",
    "PartyBooking",
    "Payment",
    "PortalEvent",
    "Product",
    "Staff",
    "StaffLocation",
    "StaffToken",
    "Student",
]
