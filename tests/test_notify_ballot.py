"""The invitation to rate the service, end to end against the real intake, survey, notify,
identity, NATS and MongoDB: a returned dossier's ballot reaches the citizen by SMS with its
one-time link (asked of survey by notify's service account; never on the bus), the link opens
the ballot, and the same ballot announced twice sends nothing twice; no consent, no SMS."""

import asyncio
import re

import pytest

from motcua_contracts import BallotOpened, new_envelope

from tests.helpers import as_json, eventually, publish_events
from tests.test_notify_delivery import APPLICANT, act, event_count, receive, set_channels, sink_messages

pytestmark = pytest.mark.e2e


async def test_a_returned_dossier_invites_the_citizen_to_rate_it_by_sms_with_a_working_link(
        stack, services, http, anonymous, admin, commune):
    await set_channels(admin, services, commune)
    dossier = await receive(http, services, commune, procedure="CT-BANSAO", consent_sms=True,
                            applicant={**APPLICANT, "email": None})
    code = dossier["dossier_code"]
    await act(http, services, commune, code, "return", {"return_channel": "counter"})

    async def invitation():
        return [m for m in sink_messages(stack, services, commune) if "đánh giá mức độ hài lòng" in m["text"]]

    [sms] = await eventually(invitation, timeout=40)
    assert sms["to"] == APPLICANT["phone"] and code in sms["text"]
    survey = services["survey"].base_url
    link = re.search(re.escape(survey) + r"/p/[2-9a-hjkmnp-z]{10}", sms["text"])
    assert link, sms["text"]
    page = await anonymous.get(link.group(0))
    assert page.status_code == 200 and "hài lòng" in page.text
    # The link is the ballot's own.
    ballots = as_json(await http.get(f"{survey}/v1/communes/{commune}/ballots", params={"dossier_code": code}))
    assert ballots["items"][0]["link"] == link.group(0)
    assert await event_count(stack, commune, "BallotOpened") == 1

    # The same ballot announced again (a publisher's retry with a new event id): no second SMS.
    ballot = ballots["items"][0]
    again = new_envelope(BallotOpened(
        ballot_id=ballot["ballot_id"], dossier_id=dossier["dossier_id"], dossier_code=code,
        procedure_code="CT-BANSAO", expires_at=ballot["expires_at"]), source="survey", commune_code=commune,
        correlation_id="retry")
    await publish_events(stack.nats_url, [again])
    await eventually(lambda: _at_least(event_count(stack, commune, "BallotOpened"), 2), timeout=20)
    await asyncio.sleep(3)
    assert len(await invitation()) == 1


async def test_no_invitation_without_sms_consent(
        stack, services, http, admin, commune):
    await set_channels(admin, services, commune)
    silent = await receive(http, services, commune, procedure="CT-BANSAO", applicant={**APPLICANT, "email": None})
    await act(http, services, commune, silent["dossier_code"], "return", {"return_channel": "counter"})
    notify = services["notify"].base_url

    async def decided():
        items = as_json(await http.get(f"{notify}/v1/communes/{commune}/notifications",
                                       params={"dossier_code": silent["dossier_code"]}))["items"]
        found = [i for i in items if i["kind"] == "ballot" and i["status"] != "pending"]
        return found or None

    [skipped] = await eventually(decided, timeout=40)
    assert skipped["status"] == "skipped" and skipped["skip_reason"] == "no_channel"
    assert sink_messages(stack, services, commune) == []


async def _at_least(count, n):
    return (await count) >= n
