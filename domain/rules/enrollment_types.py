"""The kinds of class enrollment the rules distinguish."""

from enum import StrEnum


class EnrollmentType(StrEnum):
    """An enrollment's type, as stored on the enrollment and shown to staff."""

    STANDARD = "STANDARD"
    TRIAL = "TRIAL"
    MAKEUP = "MAKEUP"
    WAITLIST = "WAITLIST"
