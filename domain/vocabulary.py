"""The words of the Online Activity window: activity types, statuses, tasks.

Every rule here quotes the help article in ``shared/spec`` it comes from.
"""

from __future__ import annotations

from enum import StrEnum


class ActivityType(StrEnum):
    """ "There are notification types for the following Customer Portal events"."""

    ABSENCE = "ABSENCE"
    APPOINTMENT = "APPOINTMENT"
    APPOINTMENT_CANCELED = "APPOINTMENT_CANCELED"
    APPOINTMENT_RESCHEDULE = "APPOINTMENT_RESCHEDULE"
    AUTOPAY = "AUTOPAY"
    PAYMENT = "PAYMENT"
    GIFT_CARD = "GIFT_CARD"
    NEW_ACCOUNT = "NEW_ACCOUNT"
    ENROLLMENT = "ENROLLMENT"
    DROP = "DROP"
    TRANSFER = "TRANSFER"
    PARTY = "PARTY"
    POLICY = "POLICY"
    NEW_STUDENT = "NEW_STUDENT"
    ONLINE_ORDER = "ONLINE_ORDER"
    OPT_OUT = "OPT_OUT"
    DELETION_REQUEST = "DELETION_REQUEST"


class WindowStatus(StrEnum):
    """The window's Status column: what an entry asks of staff."""

    NOTIFICATION = "NOTIFICATION"
    PENDING = "PENDING"
    APPROVED = "APPROVED"


class Resolution(StrEnum):
    """How an entry left the window; ``None`` on the row means it is still open."""

    APPROVED = "APPROVED"
    DENIED = "DENIED"
    DISMISSED = "DISMISSED"
    EXPIRED = "EXPIRED"
    SUPERSEDED = "SUPERSEDED"


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


# "staff members must have the "Manage Online Activity" task permission set to
# view or full, as well as any other permissions to handle specific tasks (such
# as full permissions to the "Enrollments" task to approve/deny enrollments)."
TASK_FOR_TYPE: dict[ActivityType, Task] = {
    ActivityType.ABSENCE: Task.ATTENDANCE,
    ActivityType.APPOINTMENT: Task.APPOINTMENTS,
    ActivityType.APPOINTMENT_CANCELED: Task.APPOINTMENTS,
    ActivityType.APPOINTMENT_RESCHEDULE: Task.APPOINTMENTS,
    ActivityType.AUTOPAY: Task.PAYMENTS,
    ActivityType.PAYMENT: Task.PAYMENTS,
    ActivityType.GIFT_CARD: Task.POINT_OF_SALE,
    ActivityType.NEW_ACCOUNT: Task.FAMILIES,
    ActivityType.ENROLLMENT: Task.ENROLLMENTS,
    ActivityType.DROP: Task.ENROLLMENTS,
    ActivityType.TRANSFER: Task.ENROLLMENTS,
    ActivityType.PARTY: Task.PARTIES,
    ActivityType.POLICY: Task.POLICIES,
    ActivityType.NEW_STUDENT: Task.FAMILIES,
    ActivityType.ONLINE_ORDER: Task.POINT_OF_SALE,
    ActivityType.OPT_OUT: Task.PAYMENTS,
    ActivityType.DELETION_REQUEST: Task.FAMILIES,
}

# "If "Notification" is selected ... The system automatically excludes the
# following notification types from these results: Online Orders, Gift Card,
# Deletion Request, Parties"
EXCLUDED_FROM_NOTIFICATION_FILTER: frozenset[ActivityType] = frozenset(
    {
        ActivityType.ONLINE_ORDER,
        ActivityType.GIFT_CARD,
        ActivityType.DELETION_REQUEST,
        ActivityType.PARTY,
    }
)

# Types that may arrive as a request awaiting staff ("Pending: Entries that
# require staff interaction (i.e., require staff to APPROVE/DENY the request)").
REQUESTABLE_TYPES: frozenset[ActivityType] = frozenset(
    {
        ActivityType.ABSENCE,
        ActivityType.APPOINTMENT,
        ActivityType.APPOINTMENT_RESCHEDULE,
        ActivityType.ENROLLMENT,
        ActivityType.DROP,
        ActivityType.TRANSFER,
    }
)

# Requests that can also be approved automatically by the portal's settings
# ("Appointment - appointment bookings (auto-approved or requested)",
# "Transfers - Enrollment Transfer requests and auto-approvals").
AUTO_APPROVABLE_TYPES: frozenset[ActivityType] = REQUESTABLE_TYPES - {ActivityType.DROP}

# Types whose entries are always a request: a drop must be reviewed.
ALWAYS_PENDING_TYPES: frozenset[ActivityType] = frozenset({ActivityType.DROP})

# Enrollment requests are "intended ... to be reviewed one at a time to ensure
# that approving the request will not overbook a class": mass approve still
# accepts them but never overbooks (see domain.rules.capacity).
ENROLLMENT_REQUEST_TYPES: frozenset[ActivityType] = frozenset(
    {ActivityType.ENROLLMENT, ActivityType.DROP, ActivityType.TRANSFER}
)

NOTICE_PERIOD_DEFAULT_DAYS = 30
WINDOW_RETENTION_DAYS = 90
AUDIT_RETENTION_DAYS = 2 * 365 + 1
DEFAULT_PAGE_SIZE = 10
MAX_PAGE_SIZE = 100


def initial_status(activity_type: ActivityType, *, auto_approved: bool | None) -> WindowStatus:
    """The window status an entry gets when the portal records it.

    "Pending - Entries that require staff interaction"; "Approved - Entries
    that have been auto-approved (includes all types)"; everything else
    "simply notif[ies] the staff that a specific activity has occurred".
    """
    if activity_type in ALWAYS_PENDING_TYPES:
        return WindowStatus.PENDING
    if activity_type in AUTO_APPROVABLE_TYPES:
        return WindowStatus.APPROVED if auto_approved else WindowStatus.PENDING
    return WindowStatus.NOTIFICATION


def can_be_dismissed(status: WindowStatus) -> bool:
    """ "Items without an (x) Action icon MUST be approved or denied. To prevent
    human error, they cannot be dismissed." Pending entries have no (x)."""
    return status is not WindowStatus.PENDING


def needs_review_before_dismiss(activity_type: ActivityType) -> bool:
    """ "Online Order" entries cannot simply be dismissed. Staff members will
    need to click the "magnifying glass" icon to review the order and dismiss
    the entry from there."""
    return activity_type is ActivityType.ONLINE_ORDER
