"""The operator's commands, run through ``service.cli.main`` as ``python -m
service`` runs them (argparse, settings from the environment, the commands'
own database connection), on the suite's database; their effect is checked
through the API, and each act is in the audit log.

``main`` runs in a thread (it starts its own event loop, as the command does).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import re
import uuid
from typing import Any

import pytest

from service.cli import main
from service.settings import Settings
from tests.live.recording import RECORD
from tests.support import Api

ME = "query { me { name } }"
AUDIT = """
query Audit($filter: AuditFilter) {
  auditLog(filter: $filter, first: 10) {
    ... on AuditConnection {
      edges { node { action staffId staffName reason entryId snapshot } }
    }
  }
}
"""


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No token cache: a revocation shows on the very next request."""
    return settings.replace(token_cache_seconds=0)


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, database_url: str) -> Any:
    monkeypatch.setenv("DATABASE_URL", database_url)

    async def run(*args: str, fails: bool = False) -> str:
        def call() -> tuple[int, str, str]:
            out, err = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = main(list(args))
            return code, out.getvalue(), err.getvalue()

        code, out, err = await asyncio.to_thread(call)
        assert (code != 0) == fails, (args, out, err)
        return err if fails else out

    return run


async def _organisation(cli: Any) -> tuple[str, str, str]:
    """acme, with its portal key and a view-only auditor's token."""
    slug = f"acme-{uuid.uuid4().hex[:6]}"
    out = await cli(
        *["create-organisation", "--slug", slug, "--name", "Acme Gym"],
        *["--time-zone", "Europe/London", "--location", "main=Main Hall", "--by", "ops@test"],
    )
    match = re.search(r"(oap_\S+)", out)
    assert match, out
    auditor = await cli(
        *["create-staff", "--org", slug, "--name", "Ada", "--email", "ada@acme.test"],
        *["--permission", "ALL=VIEW"],
    )
    return slug, match.group(1), auditor.strip()


async def _record(api: Api, key: str) -> dict[str, Any]:
    variables = {
        "input": {
            "idempotencyKey": uuid.uuid4().hex,
            "family": {"externalId": "fam-1", "name": "Lee"},
            "event": {
                "payment": {"externalId": uuid.uuid4().hex, "amount": "9.00", "method": "card"}
            },
        }
    }
    return await api.post(RECORD, variables, token=key)


async def _audit(api: Api, token: str, action: str) -> list[dict[str, Any]]:
    data = await api.data(AUDIT, {"filter": {"action": [action]}}, token=token)
    return [edge["node"] for edge in data["auditLog"]["edges"]]


async def test_an_organisation_created_from_the_command_line_takes_portal_events(
    api: Api, cli: Any
) -> None:
    # given an organisation created from the command line, with a location
    slug, key, auditor = await _organisation(cli)
    # when its portal records an event with the printed key
    body = await _record(api, key)
    # then the entry is recorded
    assert not body.get("errors"), body
    assert body["data"]["recordPortalEvent"]["userErrors"] == []
    assert len(body["data"]["recordPortalEvent"]["entries"]) == 1
    # and it reads its dates in the time zone it was given
    settings = await api.data("{ organisationSettings { timeZone } }", token=auditor)
    assert settings["organisationSettings"]["timeZone"] == "Europe/London"
    # and the creation is in the audit log, by the operator, with its settings
    [created] = await _audit(api, auditor, "ORG_CREATED")
    assert created["staffId"] is None and created["staffName"] == "ops@test (command line)"
    assert created["entryId"] is None
    assert created["snapshot"]["slug"] == slug
    assert created["snapshot"]["time_zone"] == "Europe/London"
    assert created["snapshot"]["locations"] == [{"external_id": "main", "name": "Main Hall"}]
    # and a second one with the same slug is refused in one line
    err = await cli("create-organisation", "--slug", slug, "--name", "Again", fails=True)
    assert err.strip() == f"error: an organisation with slug {slug!r} exists already"


async def test_rotating_the_portal_key_retires_the_old_one_at_once(api: Api, cli: Any) -> None:
    slug, old_key, auditor = await _organisation(cli)
    # when the operator rotates the key
    out = await cli("rotate-portal-key", "--org", slug, "--reason", "leaked in a ticket")
    new_key = re.search(r"(oap_\S+)", out)
    assert new_key, out
    # then the old key is refused and the new one works
    old = (await _record(api, old_key))["data"]["recordPortalEvent"]
    assert [e["code"] for e in old["userErrors"]] == ["UNAUTHENTICATED"]
    assert old["entries"] == []
    new = (await _record(api, new_key.group(1)))["data"]["recordPortalEvent"]
    assert new["userErrors"] == [] and len(new["entries"]) == 1
    # and the rotation is audited with its reason, and no trace of either key
    [rotated] = await _audit(api, auditor, "KEY_ROTATED")
    assert rotated["reason"] == "leaked in a ticket"
    assert old_key not in str(rotated) and new_key.group(1) not in str(rotated)


async def test_revoking_a_token_or_all_of_a_staff_members_tokens(api: Api, cli: Any) -> None:
    slug, _, auditor = await _organisation(cli)
    staff = ["--org", slug, "--name", "Pat", "--email", "pat@acme.test", "--permission", "ALL=FULL"]
    first = (await cli("create-staff", *staff)).strip()
    assert (await api.data(ME, token=first))["me"]["name"] == "Pat"
    # when one token is revoked by its value
    await cli("revoke-token", "--token", first)
    # then it is refused from the next request on, and the act is audited
    assert await api.error_codes(ME, token=first) == ["UNAUTHENTICATED"]
    [revoked] = await _audit(api, auditor, "TOKEN_REVOKED")
    assert revoked["snapshot"]["email"] == "pat@acme.test"
    assert first not in str(revoked)
    # and revoking it again says so, in one line
    err = await cli("revoke-token", "--token", first, fails=True)
    assert err.strip() == "error: no live staff token with that value"
    # and all of a staff member's tokens go with --org and --email
    err = await cli("revoke-token", "--org", slug, "--email", "pat@acme.test", fails=True)
    assert "has no live token" in err


async def test_a_deactivated_staff_member_signs_in_no_more(api: Api, cli: Any) -> None:
    slug, _, auditor = await _organisation(cli)
    staff = ["--org", slug, "--name", "Sam", "--email", "sam@acme.test", "--permission", "ALL=FULL"]
    token = (await cli("create-staff", *staff)).strip()
    assert (await api.data(ME, token=token))["me"]["name"] == "Sam"
    # when the operator deactivates them
    await cli("deactivate-staff", "--org", slug, "--email", "sam@acme.test", "--reason", "left")
    # then their token no longer signs in
    assert await api.error_codes(ME, token=token) == ["UNAUTHENTICATED"]
    # and the act is audited with whom it concerned and why
    [deactivated] = await _audit(api, auditor, "DEACTIVATED")
    assert deactivated["snapshot"]["email"] == "sam@acme.test"
    assert deactivated["reason"] == "left"
    # and an unknown staff member is one line
    err = await cli("deactivate-staff", "--org", slug, "--email", "nobody@acme.test", fails=True)
    assert err.strip() == f"error: no staff member nobody@acme.test in {slug}"
