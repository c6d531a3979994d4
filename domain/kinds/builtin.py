"""The built-in activity kinds, one line each, in the window's order.

"There are notification types for the following Customer Portal events".
Each names the kind (its stored name, known before any kind module is
imported) and the module holding it (``KIND``), which the registry imports
on first use. Adding a kind is one line here and its module (see
CONTRIBUTING.md).
"""

from __future__ import annotations

BUILTIN_KINDS: tuple[tuple[str, str], ...] = (
    ("ABSENCE", "domain.kinds.absence"),
    ("APPOINTMENT", "domain.kinds.appointment"),
    ("APPOINTMENT_CANCELED", "domain.kinds.appointment_canceled"),
    ("APPOINTMENT_RESCHEDULE", "domain.kinds.appointment_reschedule"),
    ("AUTOPAY", "domain.kinds.autopay"),
    ("PAYMENT", "domain.kinds.payment"),
    ("GIFT_CARD", "domain.kinds.gift_card"),
    ("NEW_ACCOUNT", "domain.kinds.new_account"),
    ("ENROLLMENT", "domain.kinds.enrollment"),
    ("DROP", "domain.kinds.drop"),
    ("TRANSFER", "domain.kinds.transfer"),
    ("PARTY", "domain.kinds.party"),
    ("POLICY", "domain.kinds.policy"),
    ("NEW_STUDENT", "domain.kinds.new_student"),
    ("ONLINE_ORDER", "domain.kinds.online_order"),
    ("OPT_OUT", "domain.kinds.opt_out"),
    ("DELETION_REQUEST", "domain.kinds.deletion_request"),
)
