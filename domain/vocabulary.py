"""The words of the Online Activity window: activity types, statuses, tasks.

Every rule here quotes the help article in ``shared/spec`` it comes from.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from enum import StrEnum

from domain.kinds import registry
from domain.kinds.names import ActivityType as ActivityType

# Stored statuses are the models' (they carry CHECK constraints); the
# window's rules keep naming them from here.
from models.statuses import Resolution as Resolution
from models.statuses import WindowStatus as WindowStatus


class Task(StrEnum):
    """Task permissions a staff member holds, as in the product's permission screen."""

    MANAGE_ONLINE_ACTIVITY = "MANAGE_ONLINE_ACTIVITY"
    ENROLLMENTS = "ENROLLMENTS"
    ATTENDANCE = "ATTENDANCE"
    APPOINTMENTS = "APPOINTMENTS"
    FAMILIES = "FAMILIES"
    PAYMENTS = "PAYMENTS"
    POINT_OF_SALE = "POINT_OF_SALE"
    PARTIES = "PARTIES"
    POLICIES = "POLICIES"
    # The organisation's settings the window's rules depend on (SETTINGS >
    # CUSTOMER PORTAL in the product): VIEW reads them, FULL changes them.
    SETTINGS = "SETTINGS"


class PermissionLevel(StrEnum):
    NONE = "NONE"
    VIEW = "VIEW"
    FULL = "FULL"

    @property
    def rank(self) -> int:
        return {"NONE": 0, "VIEW": 1, "FULL": 2}[self.value]

    def allows(self, needed: PermissionLevel) -> bool:
        return self.rank >= needed.rank


NOTICE_PERIOD_DEFAULT_DAYS = 30
WINDOW_RETENTION_DAYS = 90
AUDIT_RETENTION_DAYS = 2 * 365 + 1
DEFAULT_PAGE_SIZE = 10
MAX_PAGE_SIZE = 100


def initial_status(activity_type: ActivityType, *, auto_approved: bool | None) -> WindowStatus:
    """The window status an entry of this kind gets when the portal records it
    (the kind's status policy: ``Kind.initial_status``)."""
    return registry.kind(activity_type).initial_status(auto_approved=auto_approved)


def can_be_dismissed(status: WindowStatus) -> bool:
    """ "Items without an (x) Action icon MUST be approved or denied. To prevent
    human error, they cannot be dismissed." Pending entries have no (x)."""
    return status is not WindowStatus.PENDING


def needs_review_before_dismiss(activity_type: ActivityType) -> bool:
    """ "Online Order" entries cannot simply be dismissed. Staff members will
    need to click the "magnifying glass" icon to review the order and dismiss
    the entry from there." A kind says so (``Kind.review_before_dismiss``)."""
    return registry.kind(activity_type).review_before_dismiss


def task_for(activity_type: ActivityType) -> Task:
    """ "staff members must have the "Manage Online Activity" task permission
    set to view or full, as well as any other permissions to handle specific
    tasks (such as full permissions to the "Enrollments" task to approve/deny
    enrollments)": the task of the entry's kind."""
    return registry.kind(activity_type).task


# The kinds' policies as sets, read from the registry when first used (the
# kinds load lazily, after this module).

# "If "Notification" is selected ... The system automatically excludes the
# following notification types from these results: Online Orders, Gift Card,
# Deletion Request, Parties"
EXCLUDED_FROM_NOTIFICATION_FILTER: AbstractSet[ActivityType] = registry.KindSet(
    lambda kind: kind.excluded_from_notification_filter
)
# "Pending: Entries that require staff interaction (i.e., require staff to
# APPROVE/DENY the request)"
REQUESTABLE_TYPES: AbstractSet[ActivityType] = registry.KindSet(lambda kind: kind.requestable)
AUTO_APPROVABLE_TYPES: AbstractSet[ActivityType] = registry.KindSet(
    lambda kind: kind.auto_approvable
)
ALWAYS_PENDING_TYPES: AbstractSet[ActivityType] = registry.KindSet(lambda kind: kind.always_pending)
ENROLLMENT_REQUEST_TYPES: AbstractSet[ActivityType] = registry.KindSet(
    lambda kind: kind.enrollment_request
)
