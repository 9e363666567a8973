"""Ballots end to end, against the real survey process, NATS and MongoDB: a returned dossier
yields a short one-time link and a printable slip with its QR code; the citizen answers on a
phone-sized page without JavaScript; the link works once (also under concurrency and
redelivery), expires politely; complaints and very low scores reach the leader; anonymous
answers keep no dossier; bad input is refused and stores nothing."""

import asyncio
import json
import re
import uuid
from datetime import UTC, datetime, timedelta

import nats
import pytest
from playwright.async_api import expect
from pymongo import AsyncMongoClient

from motcua_contracts import ResultReturned, ReturnChannel, Timeliness, new_envelope
from motcua_runtime.auth import Role
from tests.helpers import as_json, eventually, publish_events
from tests.pages_support import chromium, screenshot

pytestmark = pytest.mark.e2e
# Pages are checked on a machine shared by many processes: give the browser time (a wait
# ends as soon as the page shows what is expected).
expect.set_options(timeout=20_000)


# --------------------------------------------------------------------------- helpers (shared by test_survey_*)


async def soon(check):
    """``eventually`` with room for a loaded machine (the relay and consumers share two cores)."""
    return await eventually(check, timeout=90)


def result_returned(commune: str, n: int = 1, *, officer_id: str = "cb-01", dossier_id: uuid.UUID | None = None):
    now = datetime.now(UTC)
    return new_envelope(
        ResultReturned(dossier_id=dossier_id or uuid.uuid4(), dossier_code=f"{commune}-261122-{n:04d}",
                       procedure_code="HT-KHAISINH", field="ho_tich", received_at=now - timedelta(days=2),
                       appointment_at=now, returned_at=now, timeliness=Timeliness.ON_TIME,
                       return_channel=ReturnChannel.COUNTER, officer_id=officer_id),
        source="intake", commune_code=commune, correlation_id=f"corr-{commune}-{n}")


async def open_ballot(stack, http, survey: str, commune: str, n: int = 1, **kwargs) -> dict:
    """A ResultReturned on the bus, as intake publishes it; the ballot survey opens for it."""
    event = result_returned(commune, n, **kwargs)
    await publish_events(stack.nats_url, [event])

    async def opened():
        items = as_json(await http.get(f"{survey}/v1/communes/{commune}/ballots",
                                       params={"dossier_code": event.data.dossier_code}))["items"]
        return items[0] if items else None

    return await soon(opened)


async def events_of(nats_url: str, subject: str) -> list[dict]:
    """Every event stored on the stream under ``subject`` (read with an ephemeral consumer)."""
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        sub = await js.pull_subscribe(subject, durable=None, stream="MOTCUA_EVENTS")
        found: list[dict] = []
        while True:
            try:
                messages = await sub.fetch(100, timeout=1)
            except (nats.errors.TimeoutError, asyncio.TimeoutError):
                break
            for message in messages:
                found.append(json.loads(message.data))
                await message.ack()
        await sub.unsubscribe()
        return found
    finally:
        await nc.close()


def survey_db(stack):
    client = AsyncMongoClient(stack.mongodb_uri, tz_aware=True, uuidRepresentation="standard")
    return client, client[f"{stack.database_prefix}survey"]


# --------------------------------------------------------------------------- tests


async def test_a_returned_dossier_yields_a_short_link_and_a_printable_slip_with_its_qr_code(services, http,
                                                                                           commune):
    intake, survey = services["intake"].base_url, services["survey"].base_url
    dossier = as_json(await http.post(f"{intake}/v1/communes/{commune}/dossiers", json={
        "procedure_code": "CT-BANSAO", "applicant": {"full_name": "Lê Văn Tám", "id_number": "001190012345"}}))
    as_json(await http.post(f"{intake}/v1/communes/{commune}/dossiers/{dossier['dossier_code']}/return",
                            json={"return_channel": "counter", "officer_id": "cb-07"}))

    async def opened():
        items = as_json(await http.get(f"{survey}/v1/communes/{commune}/ballots",
                                       params={"dossier_code": dossier["dossier_code"]}))["items"]
        return items[0] if items else None

    ballot = await soon(opened)
    assert ballot["status"] == "open" and ballot["officer_id"] == "cb-07"
    # Short enough for an SMS: /p/ and ten characters a citizen cannot confuse.
    assert re.fullmatch(re.escape(survey) + r"/p/[2-9a-hjkmnp-z]{10}", ballot["link"]), ballot["link"]
    slip = await http.get(f"{survey}/khao-sat/{commune}/phieu/{ballot['ballot_id']}")
    assert slip.status_code == 200
    assert "<svg" in slip.text and ballot["link"] in slip.text and dossier["dossier_code"] in slip.text


async def test_a_citizen_answers_on_a_phone_without_javascript_once_and_is_told_politely_after(stack, services,
                                                                                              http, commune):
    survey = services["survey"].base_url
    ballot = await open_ballot(stack, http, survey, commune)
    async with chromium() as browser:
        context = await browser.new_context(locale="vi-VN", viewport={"width": 360, "height": 640},
                                            java_script_enabled=False, is_mobile=True)
        context.set_default_timeout(15_000)
        page = await context.new_page()
        response = await page.goto(ballot["link"])
        assert response.status == 200
        assert len(await response.body()) < 30_000  # one small page for a cheap phone, nothing else to load
        await expect(page.locator("h1")).to_have_text("Phiếu đánh giá sự hài lòng")
        await page.click("button[type=submit]")  # nothing chosen: the browser asks for the overall rating
        await expect(page.locator("h1")).to_have_text("Phiếu đánh giá sự hài lòng")
        await page.check("input[name=overall][value='5']")
        for key in ("access", "procedure", "officer", "result", "feedback"):
            await page.check(f"input[name=f_{key}][value='4']")
        await page.check("input[name=c_five_knows][value='5']")
        await page.fill("#visits", "1")
        await page.fill("#comment", "Cán bộ hướng dẫn tận tình")
        await page.click("button[type=submit]")
        await expect(page.locator("#message")).to_contain_text("Xin chân thành cảm ơn")
        await screenshot(page, "survey-ballot-thanks")
        again = await page.goto(ballot["link"])
        assert again.status == 409
        await expect(page.locator("#message")).to_contain_text("đã được gửi trước đó")
        english = await page.goto(ballot["link"] + "?lang=en")
        await expect(page.locator("#message")).to_contain_text("already been sent")
        assert english.status == 409
        await context.close()

    [answer] = as_json(await http.get(f"{survey}/v1/communes/{commune}/answers"))["items"]
    assert answer["overall"] == 5 and answer["satisfied"] is True and answer["channel"] == "online"
    assert answer["factors"] == {k: 4 for k in ("access", "procedure", "officer", "result", "feedback")}
    assert answer["commitments"] == {"five_knows": 5} and answer["visits"] == 1
    assert answer["question_set"] == "sipas-2025.1" and answer["dossier_code"] == ballot["dossier_code"]
    [event] = await soon(lambda: _submitted(stack, commune))
    assert event["data"]["question_set"] == "sipas-2025.1" and event["data"]["commitments"] == {"five_knows": 5}
    assert event["data"]["dossier_code"] == ballot["dossier_code"] and event["data"]["channel"] == "online"


async def _submitted(stack, commune: str) -> list[dict]:
    return await events_of(stack.nats_url, f"motcua.events.{commune}.SurveySubmitted.v1")


async def test_one_ballot_one_vote_under_concurrency_and_redelivery(stack, services, http, anonymous, commune):
    survey = services["survey"].base_url
    dossier_id = uuid.uuid4()
    ballot = await open_ballot(stack, http, survey, commune, dossier_id=dossier_id)
    # The same return published again (intake re-publishing under a new event id) and the
    # very same event redelivered: still one ballot.
    first = result_returned(commune, 1, dossier_id=dossier_id)
    await publish_events(stack.nats_url, [first, first, result_returned(commune, 1, dossier_id=dossier_id)])
    token = ballot["link"].rsplit("/", 1)[1]
    url = f"{survey}/v1/public/ballots/{token}/submission"
    responses = await asyncio.gather(*(anonymous.post(url, json={"overall": 1 + i % 5}) for i in range(12)))
    codes = sorted(r.status_code for r in responses)
    assert codes == [201] + [409] * 11, codes
    assert all("đã được gửi" in r.json()["error"]["message"] for r in responses if r.status_code == 409)
    await asyncio.sleep(1)  # let any late duplicate of the return reach survey
    assert len(as_json(await http.get(f"{survey}/v1/communes/{commune}/ballots"))["items"]) == 1
    assert len(as_json(await http.get(f"{survey}/v1/communes/{commune}/answers"))["items"]) == 1
    assert len(await soon(lambda: _submitted(stack, commune))) == 1
    opened = await events_of(stack.nats_url, f"motcua.events.{commune}.BallotOpened.v1")
    assert len(opened) == 1


async def test_an_expired_link_says_so_politely_and_stores_nothing(stack, services, http, anonymous, commune):
    survey = services["survey"].base_url
    ballot = await open_ballot(stack, http, survey, commune)
    client, db = survey_db(stack)
    try:
        await db["ballots"].update_one({"_id": uuid.UUID(ballot["ballot_id"])},
                                       {"$set": {"expires_at": datetime.now(UTC) - timedelta(minutes=1)}})
    finally:
        await client.close()
    page = await anonymous.get(ballot["link"])
    assert page.status_code == 410 and "đã hết hạn" in page.text and "Cảm ơn ông/bà" in page.text
    posted = await anonymous.post(ballot["link"], data={"overall": "5"})
    assert posted.status_code == 410
    token = ballot["link"].rsplit("/", 1)[1]
    refused = await anonymous.post(f"{survey}/v1/public/ballots/{token}/submission", json={"overall": 5})
    assert refused.status_code == 410 and refused.json()["error"]["code"] == "ballot_expired"
    assert as_json(await http.get(f"{survey}/v1/communes/{commune}/answers"))["items"] == []
    assert (await anonymous.get(f"{survey}/p/khongcoday")).status_code == 404


async def test_bad_input_is_refused_with_a_clear_reason_and_stores_nothing(stack, services, http, anonymous,
                                                                         commune):
    survey = services["survey"].base_url
    ballot = await open_ballot(stack, http, survey, commune)
    token = ballot["link"].rsplit("/", 1)[1]
    url = f"{survey}/v1/public/ballots/{token}/submission"
    out_of_range = await anonymous.post(url, json={"overall": 6})
    assert out_of_range.status_code == 422 and "overall" in out_of_range.json()["error"]["message"]
    unknown = await anonymous.post(url, json={"overall": 5, "factors": {"toc_do": 5}})
    assert unknown.status_code == 422 and unknown.json()["error"]["code"] == "unknown_question"
    assert "toc_do" in unknown.json()["error"]["message"]
    unknown_field = await anonymous.post(url, json={"overall": 5, "speed": 5})
    assert unknown_field.status_code == 422
    bad_commitment = await anonymous.post(url, json={"overall": 5, "commitments": {"three_nos": 0}})
    assert bad_commitment.status_code == 422
    assert as_json(await http.get(f"{survey}/v1/communes/{commune}/answers"))["items"] == []
    assert as_json(await http.get(f"{survey}/v1/communes/{commune}/ballots"))["items"][0]["status"] == "open"
    assert (await anonymous.post(url, json={"overall": 4})).status_code == 201
    reused = await anonymous.post(url, json={"overall": 4})
    assert reused.status_code == 409 and reused.json()["error"]["code"] == "ballot_already_submitted"


async def test_a_complaint_or_a_very_low_score_raises_a_follow_up_the_leader_resolves(stack, services, http,
                                                                                     anonymous, leader, commune):
    survey = services["survey"].base_url
    complaint = await open_ballot(stack, http, survey, commune, 1)
    low = await open_ballot(stack, http, survey, commune, 2)
    fine = await open_ballot(stack, http, survey, commune, 3)
    for ballot, body in ((complaint, {"overall": 4, "complaint": True, "comment": "Phải chờ lâu"}),
                         (low, {"overall": 1}), (fine, {"overall": 3})):
        token = ballot["link"].rsplit("/", 1)[1]
        as_json(await anonymous.post(f"{survey}/v1/public/ballots/{token}/submission", json=body))
    items = as_json(await http.get(f"{survey}/v1/communes/{commune}/follow-ups"))["items"]
    assert sorted((i["reason"], i["dossier_code"]) for i in items) == sorted([
        ("complaint", complaint["dossier_code"]), ("low_score", low["dossier_code"])])
    raised = await soon(lambda: events_of(stack.nats_url, f"motcua.events.{commune}.FollowUpRaised.v1"))
    assert len(raised) == 2
    item = next(i for i in items if i["reason"] == "complaint")
    url = f"{survey}/v1/communes/{commune}/follow-ups/{item['follow_up_id']}/resolution"
    assert (await http.post(url, json={"resolution": "Đã gọi điện"})).status_code == 403  # officers: not theirs
    resolved = as_json(await leader.post(url, json={"resolution": "Đã gọi điện xin lỗi công dân"}))
    assert resolved["status"] == "resolved" and resolved["resolution"] == "Đã gọi điện xin lỗi công dân"
    again = await leader.post(url, json={"resolution": "Lần nữa"})
    assert again.status_code == 409 and "đã được xử lý" in again.json()["error"]["message"]
    open_items = as_json(await http.get(f"{survey}/v1/communes/{commune}/follow-ups",
                                        params={"status": "open"}))["items"]
    assert [i["reason"] for i in open_items] == ["low_score"]
    page = await leader.get(f"{survey}/khao-sat/{commune}/theo-doi")
    assert page.status_code == 200 and "Đã gọi điện xin lỗi công dân" in page.text and "Ghi nhận đã xử lý" in page.text


async def test_an_anonymous_answer_keeps_commune_procedure_and_officer_but_no_dossier(stack, services, http,
                                                                                    anonymous, commune):
    survey = services["survey"].base_url
    ballot = await open_ballot(stack, http, survey, commune, officer_id="cb-09")
    form = await anonymous.post(ballot["link"], data={"overall": "2", "anonymous": "1", "comment": "Chậm"})
    assert form.status_code == 201 and "Xin chân thành cảm ơn" in form.text
    [answer] = as_json(await http.get(f"{survey}/v1/communes/{commune}/answers"))["items"]
    assert answer["anonymous"] is True and answer["dossier_code"] is None
    assert (answer["procedure_code"], answer["officer_id"]) == ("HT-KHAISINH", "cb-09")
    [event] = await soon(lambda: _submitted(stack, commune))
    assert event["commune_code"] == commune and event["data"]["anonymous"] is True
    assert event["data"]["dossier_id"] is None and event["data"]["dossier_code"] is None
    assert event["data"]["officer_id"] == "cb-09" and event["data"]["procedure_code"] == "HT-KHAISINH"
    [follow_up] = as_json(await http.get(f"{survey}/v1/communes/{commune}/follow-ups"))["items"]
    assert follow_up["dossier_code"] is None
    # The ballot (which names the dossier) keeps that it was used, not what was answered.
    client, db = survey_db(stack)
    try:
        stored = await db["ballots"].find_one({"_id": uuid.UUID(ballot["ballot_id"])})
    finally:
        await client.close()
    assert stored["status"] == "submitted" and stored["rating"] is None


async def test_a_survey_team_member_reads_ballots_but_a_foreign_officer_does_not(services, accounts, commune):
    survey = services["survey"].base_url
    async with await accounts.client(Role.SURVEY_TEAM_MEMBER, commune) as member:
        assert (await member.get(f"{survey}/v1/communes/{commune}/answers")).status_code == 200
        assert (await member.get(f"{survey}/v1/communes/X{commune}/answers")).status_code == 403


async def test_the_citizen_reads_their_ballot_by_its_token_and_sees_it_answered(stack, services, http, anonymous,
                                                                                commune):
    """GET /v1/public/ballots/{token} (in the OpenAPI document since the citizen routes are): the
    ballot's state and questions, nothing of the dossier; an unknown token is a polite 404."""
    survey = services["survey"].base_url
    token = (await open_ballot(stack, http, survey, commune))["token"]
    seen = as_json(await anonymous.get(f"{survey}/v1/public/ballots/{token}"))
    assert seen["status"] == "open" and seen["procedure_code"] == "HT-KHAISINH"
    assert seen["question_set"] == as_json(await http.get(f"{survey}/v1/questions"))["id"]
    assert not {"dossier_code", "officer_id", "token"} & set(seen)
    assert (await anonymous.post(f"{survey}/v1/public/ballots/{token}/submission", json={"overall": 5})).status_code == 201
    assert as_json(await anonymous.get(f"{survey}/v1/public/ballots/{token}"))["status"] == "submitted"
    unknown = await anonymous.get(f"{survey}/v1/public/ballots/KHONGCO")
    assert unknown.status_code == 404 and unknown.json()["error"]["message"].startswith("Không tìm thấy phiếu")
