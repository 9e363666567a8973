"""Reminders before an out-of-hours session the citizen booked, end to end against the real
intake, notify, identity, NATS and MongoDB: a booking made at the counter becomes one reminder
due at 16:00 (Vietnam) the day before; when that time comes the SMS reaches the citizen with the
session's date, hours and booking code; a cancelled booking, or one without consent, gets none.

"When that time comes": the reminder's due time is moved to now in notify's database (the
clock cannot be wound forward in a running service); everything after that is the services'
own work: notify asks intake for the booking's contact and sends."""

from datetime import UTC, datetime, timedelta

import pytest
from pymongo import AsyncMongoClient

from playwright.async_api import expect

from tests.helpers import as_json, eventually
from tests.pages_support import chromium, vietnamese_page
from tests.test_notify_delivery import set_channels, sink_messages

pytestmark = pytest.mark.e2e


def local_today():
    return (datetime.now(UTC) + timedelta(hours=7)).date()


@pytest.fixture
async def notify_db(stack, services):
    client = AsyncMongoClient(stack.mongodb_uri, tz_aware=True, uuidRepresentation="standard")
    yield client[services["notify"].database]
    await client.close()


async def a_session(http, services, commune) -> dict:
    day = local_today() + timedelta(days=3)
    return as_json(await http.post(f"{services['intake'].base_url}/v1/communes/{commune}/sessions", json={
        "title": "Chủ nhật thân thiện", "rules": [{"kind": "weekly", "weekday": day.weekday()}],
        "start_time": "07:30", "end_time": "11:00"}))


async def book(http, services, commune, session, phone, **extra) -> dict:
    url = f"{services['intake'].base_url}/v1/communes/{commune}/sessions/{session['session_id']}/bookings"
    return as_json(await http.post(url, json={"day": session["next_occurrences"][0], "full_name": "Ngô Văn Bảy",
                                              "phone": phone, **extra}))


async def reminder(http, services, commune, booking_code) -> dict | None:
    items = as_json(await http.get(f"{services['notify'].base_url}/v1/communes/{commune}/notifications",
                                   params={"booking_code": booking_code}))["items"]
    return items[0] if items else None


async def the_clock_reaches_reminder_time(notify_db, booking) -> None:
    changed = await notify_db["intents"].update_one(
        {"_id": f"{booking['booking_id']}:session_reminder", "status": "pending"},
        {"$set": {"next_attempt_at": datetime.now(UTC) - timedelta(seconds=1)}})
    assert changed.modified_count == 1


async def test_a_booked_citizen_is_reminded_by_sms_the_day_before(stack, services, http, admin, officer_token,
                                                                   commune, notify_db):
    await set_channels(admin, services, commune)
    session = await a_session(http, services, commune)
    booking = await book(http, services, commune, session, "0912777888")

    pending = await eventually(lambda: reminder(http, services, commune, booking["booking_code"]), timeout=30)
    assert pending["kind"] == "session_reminder" and pending["status"] == "pending"
    day = datetime.fromisoformat(session["next_occurrences"][0])
    assert datetime.fromisoformat(pending["not_before"].replace("Z", "+00:00")) == \
        datetime(day.year, day.month, day.day, 9, tzinfo=UTC) - timedelta(days=1)  # 16:00 the day before
    assert sink_messages(stack, services, commune) == []  # nothing before its time
    # The officer finds it on notify's page by the booking code, with when it goes out.
    async with chromium() as browser, vietnamese_page(browser, services["notify"].base_url, officer_token) as page:
        await page.goto(f"/thu/{commune}/")
        await page.fill("#ma", booking["booking_code"].lower())
        await page.click("#search button")
        await expect(page.locator("h1")).to_have_text(f"Tin nhắn của lượt đăng ký {booking['booking_code']}")
        row = page.locator(f"tr[data-intent='{booking['booking_id']}:session_reminder']")
        await expect(row).to_contain_text("Nhắc lịch phiên ngoài giờ")
        await expect(row).to_contain_text("Đang chuẩn bị")
        await expect(row.locator(".when")).to_have_text(f"16:00 {day - timedelta(days=1):%d/%m/%Y}")

    await the_clock_reaches_reminder_time(notify_db, booking)

    async def sent():
        return [m for m in sink_messages(stack, services, commune) if booking["booking_code"] in m["text"]]

    [sms] = await eventually(sent, timeout=40)
    assert sms["to"] == "0912777888"
    assert f"{day:%d/%m/%Y}" in sms["text"] and "07:30–11:00" in sms["text"]
    resolved = await eventually(lambda: _with_status(reminder(http, services, commune, booking["booking_code"]),
                                                     "resolved"), timeout=30)
    assert resolved["channels"] == ["sms"]


async def test_a_cancelled_booking_and_a_declined_reminder_send_nothing(stack, services, http, admin, commune,
                                                                         notify_db):
    await set_channels(admin, services, commune)
    session = await a_session(http, services, commune)
    cancelled = await book(http, services, commune, session, "0912000333")
    declined = await book(http, services, commune, session, "0912000444", consent_sms=False)
    url = (f"{services['intake'].base_url}/v1/communes/{commune}/sessions/{session['session_id']}/bookings/"
           f"{cancelled['booking_id']}/cancellation")
    await eventually(lambda: reminder(http, services, commune, cancelled["booking_code"]), timeout=30)
    as_json(await http.post(url, json={"by": "citizen"}))

    skipped = await eventually(lambda: _with_status(reminder(http, services, commune, cancelled["booking_code"]),
                                                    "skipped"), timeout=30)
    assert skipped["skip_reason"] == "booking_cancelled"

    await eventually(lambda: reminder(http, services, commune, declined["booking_code"]), timeout=30)
    await the_clock_reaches_reminder_time(notify_db, declined)
    not_sent = await eventually(lambda: _with_status(reminder(http, services, commune, declined["booking_code"]),
                                                     "skipped"), timeout=40)
    assert not_sent["skip_reason"] == "no_channel"
    assert sink_messages(stack, services, commune) == []


async def _with_status(found, status):
    item = await found
    return item if item and item["status"] == status else None
