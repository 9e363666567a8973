"""Feedback and petitions (phản ánh, kiến nghị) against the real survey process: a citizen
sends one from a phone without JavaScript and gets a public code and a due date ten working
days away; the commune's officer gives it an owner and replies on the officers' page; the
public status page shows the reply, and an item answered after its due date stays marked
late; FeedbackReceived/FeedbackAnswered reach the bus without the sender."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from playwright.async_api import expect

from motcua_survey.service_layer.handlers import default_calendar
from tests.helpers import as_json
from tests.pages_support import chromium, screenshot, vietnamese_page
from tests.test_survey_ballots import soon, events_of, survey_db

pytestmark = pytest.mark.e2e
# Pages are checked on a machine shared by many processes: give the browser time (a wait
# ends as soon as the page shows what is expected).
expect.set_options(timeout=20_000)


async def test_a_citizen_sends_feedback_and_follows_the_reply_by_its_code(stack, services, http, officer_token,
                                                                         anonymous, commune):
    survey = services["survey"].base_url
    async with chromium() as browser:
        context = await browser.new_context(base_url=survey, locale="vi-VN", java_script_enabled=False,
                                            viewport={"width": 360, "height": 640})
        context.set_default_timeout(15_000)
        page = await context.new_page()
        await page.goto(f"/phan-anh?xa={commune}")
        await expect(page.locator("h1")).to_have_text("Gửi phản ánh, kiến nghị")
        await page.fill("#sender_name", "Nguyễn Thị Mai")
        await page.fill("#procedure_code", "HT-KHAISINH")
        await page.fill("#content", "Bộ phận một cửa yêu cầu nộp thêm giấy tờ không có trong danh mục.")
        await page.click("button[type=submit]")
        await expect(page.locator("#created")).to_contain_text("Mã theo dõi của ông/bà là")
        code = page.url.split("/phan-anh/")[1].split("?")[0]
        assert code.startswith("PA-") and len(code) == 11
        await expect(page.locator("#state")).to_have_text("Đã tiếp nhận")
        await screenshot(page, "survey-feedback-received")
        await context.close()

    [item] = as_json(await http.get(f"{survey}/v1/communes/{commune}/feedback"))["items"]
    received_at = datetime.fromisoformat(item["received_at"])
    expected_due = default_calendar(received_at.year).appointment(received_at, 10)
    assert datetime.fromisoformat(item["due_at"]) == expected_due
    assert item["sender_name"] == "Nguyễn Thị Mai" and item["late"] is False

    async with chromium() as browser, vietnamese_page(browser, survey, officer_token) as page:
        await page.goto(f"/khao-sat/{commune}/phan-anh")
        row = page.locator(f"tr[data-code='{code}']")
        await row.locator("input[name=owner]").fill("cb-tuphap")
        await row.locator("button", has_text="Giao").click()
        await expect(page.locator(f"tr[data-code='{code}'] input[name=owner]")).to_have_value("cb-tuphap")
        await page.locator(f"tr[data-code='{code}'] textarea[name=reply]").fill(
            "Xã đã rà soát; từ nay chỉ yêu cầu giấy tờ trong danh mục. Xin cảm ơn bà.")
        await page.locator(f"tr[data-code='{code}'] button", has_text="Gửi trả lời").click()
        await expect(page.locator(f"tr[data-code='{code}']")).to_contain_text("Xã đã rà soát")

    status = await anonymous.get(f"{survey}/phan-anh/{code}")
    assert status.status_code == 200 and "Đã trả lời" in status.text and "Xã đã rà soát" in status.text
    assert "quá hạn" not in status.text
    public = as_json(await anonymous.get(f"{survey}/v1/public/feedback/{code}"))
    assert public["status"] == "answered" and public["late"] is False and "sender_name" not in public
    again = await http.post(f"{survey}/v1/communes/{commune}/feedback/{code}/reply", json={"reply": "Lần hai"})
    assert again.status_code == 409

    async def announced():
        received = await events_of(stack.nats_url, f"motcua.events.{commune}.FeedbackReceived.v1")
        answered = await events_of(stack.nats_url, f"motcua.events.{commune}.FeedbackAnswered.v1")
        return (received, answered) if received and answered else None

    received, answered = await soon(announced)
    assert received[0]["data"]["feedback_code"] == code and answered[0]["data"]["on_time"] is True
    assert "Nguyễn Thị Mai" not in str(received) + str(answered)


async def test_a_reply_after_the_due_date_stays_marked_late(stack, services, http, anonymous, commune):
    survey = services["survey"].base_url
    sent = as_json(await anonymous.post(f"{survey}/v1/public/feedback", json={
        "commune_code": commune, "kind": "petition", "sender_type": "business",
        "content": "Đề nghị bố trí thêm giờ tiếp nhận chiều thứ Bảy."}))
    code = sent["code"]
    assert code.startswith("KN-") and sent["status"] == "received"
    client, db = survey_db(stack)
    try:
        await db["feedback"].update_one({"code": code}, {"$set": {"due_at": datetime.now(UTC) - timedelta(days=1)}})
    finally:
        await client.close()
    overdue = await anonymous.get(f"{survey}/phan-anh/{code}")
    assert "Quá hạn, chưa trả lời" in overdue.text
    answered = as_json(await http.post(f"{survey}/v1/communes/{commune}/feedback/{code}/reply",
                                       json={"reply": "Xã sẽ tổ chức phiên ngoài giờ vào sáng thứ Bảy."}))
    assert answered["late"] is True
    page = await anonymous.get(f"{survey}/phan-anh/{code}")
    assert "Trả lời quá hạn" in page.text and "phiên ngoài giờ" in page.text

    async def late_event():
        found = await events_of(stack.nats_url, f"motcua.events.{commune}.FeedbackAnswered.v1")
        return found or None

    [event] = await soon(late_event)
    assert event["data"]["on_time"] is False and event["data"]["kind"] == "petition"


async def test_bad_feedback_is_refused_and_stores_nothing(services, http, anonymous, commune):
    survey = services["survey"].base_url
    short = await anonymous.post(f"{survey}/v1/public/feedback", json={"commune_code": commune, "content": "x"})
    assert short.status_code == 422 and "content" in short.json()["error"]["message"]
    bad_commune = await anonymous.post(f"{survey}/v1/public/feedback",
                                       json={"commune_code": "xã ?", "content": "Nội dung đủ dài"})
    assert bad_commune.status_code == 422
    form = await anonymous.post(f"{survey}/phan-anh", data={"commune_code": commune, "content": "ab"})
    assert form.status_code == 422 and "Thông tin chưa hợp lệ" in form.text
    assert as_json(await http.get(f"{survey}/v1/communes/{commune}/feedback"))["items"] == []
    assert (await anonymous.get(f"{survey}/phan-anh/PA-{uuid.uuid4().hex[:8].upper()}")).status_code == 404
    reply = await http.post(f"{survey}/v1/communes/{commune}/feedback/PA-KHONGCO1/reply", json={"reply": "x"})
    assert reply.status_code == 404


async def test_a_flood_of_feedback_from_one_address_is_stopped_with_a_reason(services, http, anonymous, commune):
    survey = services["survey"].base_url
    # uvicorn takes the client address from X-Forwarded-For when the proxy is local (as in a deployment).
    flood = {"X-Forwarded-For": f"10.{int(commune[-6:-4])}.{int(commune[-4:-2])}.{int(commune[-2:])}"}
    body = {"commune_code": commune, "content": "Phản ánh lặp lại nhiều lần"}
    statuses = [(await anonymous.post(f"{survey}/v1/public/feedback", json=body, headers=flood)).status_code
                for _ in range(30)]
    assert statuses == [201] * 30
    stopped = await anonymous.post(f"{survey}/v1/public/feedback", json=body, headers=flood)
    assert stopped.status_code == 429 and "quá nhiều phản ánh" in stopped.json()["error"]["message"]
    page = await anonymous.post(f"{survey}/phan-anh", data=body, headers=flood)
    assert page.status_code == 429 and "quá nhiều phản ánh" in page.text
    assert len(as_json(await http.get(f"{survey}/v1/communes/{commune}/feedback"))["items"]) == 30
    other = await anonymous.post(f"{survey}/v1/public/feedback", json=body, headers={"X-Forwarded-For": "10.0.0.1"})
    assert other.status_code == 201
