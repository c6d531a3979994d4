"""Staff actions on the window: approve, deny, dismiss, review.

Each function is one step of one unit of work: it flushes, never commits,
and returns the window changes the caller publishes after committing.
"""

from domain.actions.approve import ApproveOptions, approve_activities
from domain.actions.deny import deny_activity
from domain.actions.dismiss import dismiss_activities
from domain.actions.facts import EntryFacts
from domain.actions.outcome import ActionReport, Code, Entry, ItemResult, Outcome
from domain.actions.review import OrderLine, OrderReview, review_online_order
from domain.actions.selection import MAX_IDS, MAX_SELECTION, EntryRef, Selection

__all__ = [
    "MAX_IDS",
    "MAX_SELECTION",
    "ActionReport",
    "ApproveOptions",
    "Code",
    "Entry",
    "EntryFacts",
    "EntryRef",
    "ItemResult",
    "OrderLine",
    "OrderReview",
    "Outcome",
    "Selection",
    "approve_activities",
    "deny_activity",
    "dismiss_activities",
    "review_online_order",
]
