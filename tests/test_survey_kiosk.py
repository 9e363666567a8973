"""The counter kiosk in a real headless browser against the real survey process: taps made
while the tablet is offline wait in the browser and are sent when it is back; a tap sent
again (its answer lost, the queue flushed twice) is counted once — on the page, in the
answers and in the SurveySubmitted events."""

import asyncio
import uuid

import pytest
from playwright.async_api import expect

from tests.helpers import as_json
from tests.pages_support import chromium, screenshot, vietnamese_page
from tests.test_survey_ballots import soon, events_of

pytestmark = pytest.mark.e2e
# Pages are checked on a machine shared by many processes: give the browser time (a wait
# ends as soon as the page shows what is expected).
expect.set_options(timeout=20_000)


async def kiosk_answers(http, survey: str, commune: str) -> list[dict]:
    return as_json(await http.get(f"{survey}/v1/communes/{commune}/answers", params={"channel": "kiosk"}))["items"]


async def test_taps_made_offline_are_sent_later_once_each(stack, services, http, commune, officer_token):
    survey = services["survey"].base_url
    async with chromium() as browser, vietnamese_page(browser, survey, officer_token) as page:
        await page.goto(f"/khao-sat/{commune}/kiosk?can_bo=cb-quay-1")
        await expect(page.locator("h1")).to_have_text("Ông/bà có hài lòng với cán bộ vừa phục vụ không?")
        pending = page.locator("#pending")

        await page.click("button[data-score='5']")
        await expect(page.locator("#thanks")).to_have_text("Cảm ơn ông/bà đã đánh giá!")
        await expect(pending).to_have_attribute("data-count", "0")
        assert len(await kiosk_answers(http, survey, commune)) == 1

        await page.context.set_offline(True)
        for score in ("5", "4", "1"):
            await page.click(f"button[data-score='{score}']")
        await expect(pending).to_have_attribute("data-count", "3")
        await expect(page.locator("#offline")).to_contain_text("Mất kết nối")
        await screenshot(page, "survey-kiosk-offline")
        queued = await page.evaluate(f"JSON.parse(localStorage.getItem('motcua-kiosk-{commune}'))")
        assert len({tap["client_id"] for tap in queued}) == 3
        assert len(await kiosk_answers(http, survey, commune)) == 1  # nothing reached the server

        await page.context.set_offline(False)
        await expect(pending).to_have_attribute("data-count", "0", timeout=30_000)
        answers = await kiosk_answers(http, survey, commune)
        assert sorted(a["overall"] for a in answers) == [1, 4, 5, 5]
        assert {a["officer_id"] for a in answers} == {"cb-quay-1"}
        assert {a["answer_id"] for a in answers} >= {tap["client_id"] for tap in queued}

        # The answers to those three were lost (as if the network dropped on the way back):
        # the browser still had them and sends them again on the next load.
        await page.evaluate(f"localStorage.setItem('motcua-kiosk-{commune}', JSON.stringify({queued!r}))"
                            .replace("True", "true").replace("None", "null"))
        await page.reload()
        await expect(pending).to_have_attribute("data-count", "0", timeout=30_000)
        assert len(await kiosk_answers(http, survey, commune)) == 4

    events = await soon(lambda: _events_if(stack, commune, 4))
    assert sorted(e["data"]["overall"] for e in events) == [1, 4, 5, 5]
    assert all(e["data"]["channel"] == "kiosk" for e in events)
    # The very low one is on the leader's list.
    follow_ups = as_json(await http.get(f"{survey}/v1/communes/{commune}/follow-ups"))["items"]
    assert [(f["reason"], f["channel"]) for f in follow_ups] == [("low_score", "kiosk")]


async def _events_if(stack, commune: str, count: int):
    events = await events_of(stack.nats_url, f"motcua.events.{commune}.SurveySubmitted.v1")
    return events if len(events) >= count else None


async def test_the_same_tap_sent_concurrently_is_counted_once(stack, services, http, commune):
    survey = services["survey"].base_url
    tap = {"client_id": str(uuid.uuid4()), "overall": 4, "officer_id": "cb-quay-2"}
    other = {"client_id": str(uuid.uuid4()), "overall": 2}
    url = f"{survey}/v1/communes/{commune}/kiosk/answers"
    responses = await asyncio.gather(*(http.post(url, json={"taps": [tap, other]}) for _ in range(6)))
    bodies = [as_json(r) for r in responses]
    assert sum(len(b["recorded"]) for b in bodies) == 2
    assert sum(len(b["duplicates"]) for b in bodies) == 10
    assert len(await kiosk_answers(http, survey, commune)) == 2
    await soon(lambda: _events_if(stack, commune, 2))
    await asyncio.sleep(1)
    assert len(await events_of(stack.nats_url, f"motcua.events.{commune}.SurveySubmitted.v1")) == 2


async def test_a_bad_tap_is_refused_and_stores_nothing(services, http, overseer, commune):
    survey = services["survey"].base_url
    url = f"{survey}/v1/communes/{commune}/kiosk/answers"
    good = {"client_id": str(uuid.uuid4()), "overall": 5}
    refused = await http.post(url, json={"taps": [good, {"client_id": str(uuid.uuid4()), "overall": 7}]})
    assert refused.status_code == 422 and "overall" in refused.json()["error"]["message"]
    assert (await http.post(url, json={"taps": [{"client_id": "not-an-id", "overall": 5}]})).status_code == 422
    assert await kiosk_answers(http, survey, commune) == []
    assert (await overseer.post(url, json={"taps": [good]})).status_code == 403


async def test_kiosk_taps_during_a_broker_outage_are_announced_once_when_it_is_back(stack, services, http,
                                                                                    commune):
    if stack.nats is None:
        pytest.skip("NATS is external: this test restarts the embedded one")
    survey = services["survey"].base_url
    url = f"{survey}/v1/communes/{commune}/kiosk/answers"
    taps = [{"client_id": str(uuid.uuid4()), "overall": overall} for overall in (5, 4, 4, 2, 5)]
    stack.nats.kill9()
    try:
        first = as_json(await http.post(url, json={"taps": taps[:3]}))
        # The tablet did not hear back and sends everything again, plus two new taps.
        second = as_json(await http.post(url, json={"taps": taps}))
    finally:
        await asyncio.to_thread(stack.nats.restart)
    assert len(first["recorded"]) == 3 and (len(second["recorded"]), len(second["duplicates"])) == (2, 3)
    events = await soon(lambda: _events_if(stack, commune, 5))
    await asyncio.sleep(2)
    events = await events_of(stack.nats_url, f"motcua.events.{commune}.SurveySubmitted.v1")
    assert sorted(e["data"]["ballot_id"] for e in events) == sorted(t["client_id"] for t in taps)
