"""Rules for recurring billing events from the portal."""

from __future__ import annotations

from dataclasses import dataclass

from domain.errors import ErrorCode


class BillingErrorCode(ErrorCode):
    """Machine-readable reasons a billing event is not applied."""

    OPT_OUT_NOT_OFFERED = (
        "OPT_OUT_NOT_OFFERED",
        "Opting out of recurring billing is not offered while the organisation requires "
        "a saved payment method; the family stays on it.",
    )


@dataclass(frozen=True)
class BillingRefusal:
    code: BillingErrorCode
    message: str


def opt_out_refusal(*, require_saved_payment_method: bool) -> BillingRefusal | None:
    """Why an opt-out of recurring billing cannot take effect, if it cannot.

    Spec: "the option to opt-out of recurring billing is only offered if
    "Require saved payment method authorized for recurring billing" is
    disabled under SETTINGS>CUSTOMER PORTAL>OTHER SETTINGS>FINANCIAL."
    While the setting is on, an opt-out is OPT_OUT_NOT_OFFERED.
    """
    if not require_saved_payment_method:
        return None
    return BillingRefusal(
        BillingErrorCode.OPT_OUT_NOT_OFFERED,
        'Opting out of recurring billing is not offered while "Require saved payment '
        'method authorized for recurring billing" is on; the family stays on recurring '
        "billing. Recorded as refused.",
    )
