"""The demo's story: two months of portal activity at Riverside Swim & Gym."""

from __future__ import annotations

from domain.kinds import autopay as autopay_kind
from domain.kinds import deletion_request as deletion_request_kind
from domain.kinds import new_account as new_account_kind
from domain.kinds import new_student as new_student_kind
from domain.kinds import opt_out as opt_out_kind
from domain.kinds import policy as policy_kind
from service.demo.events import (
    absence,
    appointment,
    canceled,
    drop,
    enrollment,
    gift_card,
    notify,
    order,
    party,
    payment,
    reschedule,
    transfer,
)
from service.demo.records import DemoBuilder


async def play(d: DemoBuilder) -> None:
    """The demo's story: 48 entries, 16 of them waiting for approve or deny."""
    new_account, new_student = new_account_kind.NAME, new_student_kind.NAME
    policy, autopay = policy_kind.NAME, autopay_kind.NAME
    notify(d, new_account, 59, "garcia", email="garcia@families.example")
    notify(d, new_student, 58, "garcia/sofia")
    await enrollment(d, 57, "garcia/sofia", "tadpoles", auto=True)
    notify(d, policy, 56, "garcia/sofia", policy_name="Liability Waiver 2026", accepted=True)
    await payment(
        d,
        55,
        "garcia",
        "Visa",
        [("Tadpoles tuition", "85.00", False), ("Registration fee", "25.00", False)],
    )
    notify(d, autopay, 54, "lee", card_brand="Visa", card_last4="4242")
    await enrollment(
        d,
        52,
        "lee/ann",
        "dolphins",
        notes="Ann swam with Dolphins at her old club; happy to do an assessment.",
    )
    await drop(d, 51, "nguyen/minh", "junior-gym", notice=35, reason="Schedule conflict")
    await gift_card(d, 50, "haddad", "50.00", "Rania Haddad", "rania@example.com")
    await absence(
        d, 49, "murphy/liam", ("tadpoles", "junior-gym"), in_days=9, reason="Family holiday"
    )
    await appointment(d, 47, "tanaka/hana", "Private swim lesson", "pool", in_days=10, auto=False)
    await order(d, 46, "silva", "gym", [("leotard", 1), ("grips", 2)])
    await payment(
        d,
        45,
        "johansson",
        "Mastercard",
        [
            ("Ballet I - October (sibling discount)", "72.00", True),
            ("Hip Hop Teens - October", "80.00", False),
        ],
        notes="Paid both children's tuition in one go.",
    )
    await transfer(
        d,
        44,
        "rossi/marco",
        "tadpoles",
        "dolphins",
        in_days=14,
        notes="Coach says Marco is ready to move up.",
    )
    notify(d, new_account, 44, "adeyemi", email="adeyemi@families.example")
    await party(d, 43, "adeyemi", "gym", in_days=20, guests=12, package="Gold gym party")
    notify(d, opt_out_kind.NAME, 42, "brown")
    notify(d, policy, 41, "kowalski/jan", policy_name="Photo release", accepted=False)
    await drop(
        d,
        39,
        "lee/ben",
        "tumbling",
        notice=7,
        reason="Trial finished, not continuing",
        enrollment_type="TRIAL",
    )
    await reschedule(
        d, 38, "tanaka/hana", "Private swim lesson", "pool", from_in=3, to_in=6, auto=True
    )
    await enrollment(d, 37, "murphy/aoife", "hiphop", auto=True, punch_pass=True)
    notify(
        d,
        deletion_request_kind.NAME,
        36,
        "haddad",
        reason="We moved away and no longer use the app.",
    )
    await canceled(d, 35, "nguyen/linh", "Gymnastics assessment", "gym", was_in_days=4)
    await payment(d, 34, "tanaka", "Visa", [("Private swim lesson", "45.00", False)])
    await enrollment(
        d, 33, "kowalski/jan", "ballet", notes="Can Jan start in the middle of the session?"
    )
    await transfer(d, 32, "johansson/elsa", "ballet", "hiphop", in_days=10, auto=True)
    await absence(d, 31, "garcia/sofia", ("tadpoles",), in_days=5, reason="School trip")
    notify(d, autopay, 30, "murphy", card_brand="Mastercard", card_last4="5100")
    notify(d, new_student, 29, "adeyemi/tobi")
    await order(d, 28, "johansson", "studio", [("ballet-shoes", 2), ("bottle", 1)])
    await drop(
        d,
        27,
        "brown/olivia",
        "ballet",
        notice=45,
        reason="Moving to another city",
        notes="Please refund the last month if possible.",
    )
    await appointment(d, 26, "brown/olivia", "Dance assessment", "studio", in_days=5, auto=True)
    await gift_card(d, 25, "rossi", "25.00", "Giulia Rossi", "giulia@example.com")
    notify(d, policy, 24, "murphy", policy_name="Pool safety rules", accepted=True)
    await enrollment(d, 22, "nguyen/linh", "tumbling", enrollment_type="WAITLIST")
    await payment(d, 20, "lee", "Visa", [("Dolphins Level 2 tuition", "90.00", False)])
    await transfer(d, 18, "silva/pedro", "junior-gym", "tumbling", in_days=21, current_drop_in=40)
    await party(
        d,
        16,
        "rossi",
        "studio",
        in_days=25,
        guests=15,
        package="Dance party deluxe",
        notes="Two guests have nut allergies.",
    )
    notify(d, opt_out_kind.NAME, 14, "silva")
    await absence(d, 12, "adeyemi/tobi", ("junior-gym",), in_days=2, reason="Doctor appointment")
    await reschedule(
        d, 10, "garcia/sofia", "Private swim lesson", "pool", from_in=2, to_in=9, auto=False
    )
    notify(
        d,
        new_account,
        8,
        "kowalski",
        email="kowalski@families.example",
        notes="Referred by the Lee family.",
    )
    await enrollment(d, 6, "haddad/yasmin", "dolphins", notes="Yasmin can already swim 25 m.")
    await payment(d, 4, "adeyemi", "Visa", [("Party deposit", "100.00", False)])
    await order(d, 3, "lee", "pool", [("swim-cap", 2), ("goggles", 1)])
    await drop(d, 2, "tanaka/hana", "dolphins", notice=30, reason="Switching to private lessons")
    notify(d, new_student, 1, "johansson/nils")
