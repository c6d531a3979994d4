"""Customer-portal events for the browser scenarios, as the portal sends them."""

from __future__ import annotations

from typing import Any

NORTH = {"externalId": "north", "name": "North Pool"}
SOUTH = {"externalId": "south", "name": "South Gym"}
ANN = {"externalId": "stu-ann", "firstName": "Ann", "lastName": "Lee"}
BEN = {"externalId": "stu-ben", "firstName": "Ben", "lastName": "Lee"}
MARCO = {"externalId": "stu-marco", "firstName": "Marco", "lastName": "Rossi"}


def swim_class(
    external_id: str, name: str, location: dict[str, str] = NORTH, capacity: int = 8
) -> dict[str, Any]:
    return {"externalId": external_id, "name": name, "location": location, "capacity": capacity}


def enrollment(
    external_id: str, student: dict[str, str], offering: dict[str, Any], **extra: Any
) -> dict[str, Any]:
    return {"externalId": external_id, "student": student, "class": offering, **extra}


def transfer(transfer_date: str) -> dict[str, Any]:
    return {
        "transfer": {
            "fromEnrollment": enrollment(
                "enr-ann-swim1", ANN, swim_class("cls-swim1", "Swim 1"), startDate="2030-01-10"
            ),
            "toClass": swim_class("cls-swim2", "Swim 2"),
            "transferDate": transfer_date,
        }
    }


def enrollment_request(student: dict[str, str] = BEN) -> dict[str, Any]:
    return {
        "enrollment": {
            "enrollment": enrollment(
                f"enr-{student['externalId']}-gym",
                student,
                swim_class("cls-gym", "Junior Gym", SOUTH, 12),
                startDate="2031-06-01",
            )
        }
    }


def drop_request(student: dict[str, str] = BEN, reason: str | None = None) -> dict[str, Any]:
    return {
        "drop": {
            "enrollment": enrollment(
                f"enr-{student['externalId']}-swim3",
                student,
                swim_class("cls-swim3", "Swim 3"),
                type="TRIAL",
            ),
            "dropDate": "2031-07-01",
            "reason": reason,
        }
    }


def new_account(students: list[dict[str, str]] | None = None) -> dict[str, Any]:
    return {"newAccount": {"students": students or []}}


def autopay(last4: str = "4242") -> dict[str, Any]:
    return {"autopay": {"cardBrand": "Visa", "cardLast4": last4}}


def online_order() -> dict[str, Any]:
    return {
        "onlineOrder": {
            "externalId": "ord-1",
            "location": NORTH,
            "items": [
                {
                    "product": {"externalId": "goggles", "name": "Junior goggles"},
                    "quantity": 2,
                    "unitPrice": "16.00",
                }
            ],
        }
    }
