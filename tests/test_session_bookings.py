"""Booking a slot in an out-of-hours session, against the real intake, NATS and MongoDB: each
booking is announced once (SessionBooked, masked), a second booking of the same phone for the
same date is the first one, capacity holds when citizens book at the same moment, a
cancellation frees the slot and is announced, the phone is unreadable at rest, and only a
service account reads the contact — each read logged."""

import asyncio
import json
from datetime import UTC, datetime, timedelta

import pytest
from bson.binary import Binary
from pymongo import AsyncMongoClient

from motcua_contracts.streams import EVENTS
from tests.helpers import as_json, eventually, stream_subject_counts

pytestmark = pytest.mark.e2e


def local_today():
    return (datetime.now(UTC) + timedelta(hours=7)).date()


async def a_session(http, services, commune, capacity=None, title="Chủ nhật thân thiện") -> dict:
    """A weekly session whose next date is the day after tomorrow."""
    day = local_today() + timedelta(days=2)
    body = {"title": title, "rules": [{"kind": "weekly", "weekday": day.weekday()}],
            "start_time": "07:30", "end_time": "11:00", "fields": ["Hộ tịch"]}
    if capacity:
        body["capacity"] = capacity
    session = as_json(await http.post(f"{services['intake'].base_url}/v1/communes/{commune}/sessions", json=body))
    assert session["next_occurrences"][0] == day.isoformat()
    return session


def bookings_url(services, commune, session) -> str:
    return f"{services['intake'].base_url}/v1/communes/{commune}/sessions/{session['session_id']}/bookings"


async def book(http, services, commune, session, phone, name="Ngô Văn Bảy", **extra):
    return await http.post(bookings_url(services, commune, session), json={
        "day": session["next_occurrences"][0], "full_name": name, "phone": phone, **extra})


async def events(stack, commune: str, event_type: str) -> list[dict]:
    import nats

    nc = await nats.connect(stack.nats_url)
    try:
        js = nc.jetstream()
        subject = f"motcua.events.{commune}.{event_type}.v1"
        counts = await stream_subject_counts(stack.nats_url, EVENTS.name, subject)
        if not counts.get(subject):
            return []
        sub = await js.pull_subscribe(subject, durable=None, stream=EVENTS.name)
        messages = await sub.fetch(counts[subject], timeout=5)
        await sub.unsubscribe()
        return [json.loads(m.data) for m in messages]
    finally:
        await nc.close()


@pytest.fixture
async def intake_db(stack, services):
    client = AsyncMongoClient(stack.mongodb_uri, tz_aware=True, uuidRepresentation="standard")
    yield client[services["intake"].database]
    await client.close()


async def test_a_booking_is_announced_once_masked_and_booking_again_is_the_same_booking(stack, services, http, commune):
    session = await a_session(http, services, commune)
    first = await book(http, services, commune, session, "0912345678", procedure_code="HT-KHAISINH")
    assert first.status_code == 201, first.text
    booking = first.json()
    assert booking["phone_masked"] == "*******678" and booking["booking_code"].startswith("DK-")
    again = await book(http, services, commune, session, "0912345678", name="Ngô Văn Bảy (gọi lại)")
    assert again.status_code == 200 and again.json()["booking_id"] == booking["booking_id"]
    # The same phone written another way is the same citizen.
    for written in ("+84912345678", "0912 345 678", "0912.345.678"):
        other_way = await book(http, services, commune, session, written)
        assert other_way.status_code == 200 and other_way.json()["booking_id"] == booking["booking_id"], written
    bad = await book(http, services, commune, session, "12345")
    assert bad.status_code == 422 and "phone" in bad.json()["error"]["message"]

    [event] = await eventually(lambda: events(stack, commune, "SessionBooked"), timeout=20)
    data = event["data"]
    assert data["booking_id"] == booking["booking_id"] and data["session_title"] == "Chủ nhật thân thiện"
    assert data["day"] == session["next_occurrences"][0] and data["consent_sms"] is True
    assert data["applicant_phone_masked"] == "*******678" and data["applicant_name_masked"] == "N** V** B**"
    # 07:30 local is 00:30 UTC.
    assert data["starts_at"].startswith(f"{session['next_occurrences'][0]}T00:30")
    assert "0912345678" not in json.dumps(event)
    await asyncio.sleep(1)  # nothing more follows for the second request
    assert len(await events(stack, commune, "SessionBooked")) == 1


async def test_capacity_holds_when_citizens_book_at_the_same_moment(stack, services, http, commune):
    session = await a_session(http, services, commune, capacity=3)
    answers = await asyncio.gather(*(book(http, services, commune, session, f"09100000{i:02d}", name=f"Công dân {i}")
                                     for i in range(8)))
    codes = sorted(a.status_code for a in answers)
    assert codes == [201] * 3 + [409] * 5, [a.text for a in answers]
    assert all("đủ số lượt" in a.json()["error"]["message"] for a in answers if a.status_code == 409)
    listed = as_json(await http.get(bookings_url(services, commune, session),
                                    params={"day": session["next_occurrences"][0]}))
    assert len(listed) == 3
    await eventually(lambda: _count(events(stack, commune, "SessionBooked"), 3), timeout=20)


async def test_a_cancellation_frees_the_slot_and_is_announced(stack, services, http, commune):
    session = await a_session(http, services, commune, capacity=1)
    booking = as_json(await book(http, services, commune, session, "0987000111"))
    assert (await book(http, services, commune, session, "0987000222")).status_code == 409
    url = f"{bookings_url(services, commune, session)}/{booking['booking_id']}/cancellation"
    cancelled = as_json(await http.post(url, json={"by": "citizen"}))
    assert cancelled["cancelled_by"] == "citizen" and cancelled["cancelled_at"]
    twice = await http.post(url, json={"by": "citizen"})
    assert twice.status_code == 409 and "đã được hủy" in twice.json()["error"]["message"]
    # The slot is free again, and the same phone may book again.
    assert (await book(http, services, commune, session, "0987000111")).status_code == 201
    day = session["next_occurrences"][0]
    active = as_json(await http.get(bookings_url(services, commune, session), params={"day": day}))
    everyone = as_json(await http.get(bookings_url(services, commune, session),
                                      params={"day": day, "include_cancelled": True}))
    assert len(active) == 1 and len(everyone) == 2
    [event] = await eventually(lambda: events(stack, commune, "SessionBookingCancelled"), timeout=20)
    assert event["data"]["booking_id"] == booking["booking_id"] and event["data"]["cancelled_by"] == "citizen"
    unknown = await http.post(f"{bookings_url(services, commune, session)}/00000000-0000-4000-8000-000000000000"
                              "/cancellation", json={})
    assert unknown.status_code == 404


async def test_the_phone_is_unreadable_at_rest_and_only_a_service_reads_the_contact(
        stack, services, http, anonymous, commune, intake_db):
    session = await a_session(http, services, commune)
    booking = as_json(await book(http, services, commune, session, "0933444555", name="Trần Thị Mai",
                                 consent_sms=False))
    stored = await intake_db["session_bookings"].find_one({"_id": __import__("uuid").UUID(booking["booking_id"])})
    assert isinstance(stored["phone"], Binary) and stored["phone"].subtype == 6
    assert b"0933444555" not in bytes(stored["phone"])

    contact_url = f"{services['intake'].base_url}/v1/internal/bookings/{booking['booking_id']}/contact"
    assert (await http.get(contact_url)).status_code == 403  # an officer is not a service
    async with __import__("httpx").AsyncClient(timeout=15) as client:
        token = as_json(await client.post(f"{services['identity'].base_url}/v1/token", data={
            "grant_type": "client_credentials", "client_id": "notify",
            "client_secret": stack.auth_env["NOTIFY_SERVICE_CLIENT_SECRET"]}))["access_token"]
        contact = as_json(await client.get(contact_url, headers={"Authorization": f"Bearer {token}"},
                                           params={"purpose": "Nhắc lịch phiên ngoài giờ"}))
    assert contact["phone"] == "0933444555" and contact["applicant_name"] == "Trần Thị Mai"
    assert contact["consent_sms"] is False and contact["cancelled"] is False
    logged = await intake_db["personal_data_access_log"].find_one({"dossier_code": booking["booking_code"]})
    assert logged["actor"] == "svc:notify" and logged["action"] == "contact_booking"
    assert logged["purpose"] == "Nhắc lịch phiên ngoài giờ"


async def _count(events_coroutine, n: int):
    found = await events_coroutine
    return found if len(found) >= n else None


async def test_a_past_sessions_bookings_lose_their_names_and_phones_to_retention(
        stack, services, http, admin, commune, intake_db):
    import uuid

    session = await a_session(http, services, commune)
    old = as_json(await book(http, services, commune, session, "0977111222", name="Lê Văn Tám", note="Xin giấy khai sinh"))
    coming = as_json(await book(http, services, commune, session, "0977111333", name="Lê Thị Chín"))
    # The first one was for a session 31 days ago (past the default 30 days of retention).
    past = (local_today() - timedelta(days=31)).isoformat()
    await intake_db["session_bookings"].update_one({"_id": uuid.UUID(old["booking_id"])}, {"$set": {"day": past}})

    run = as_json(await admin.post(f"{services['intake'].base_url}/v1/retention/runs"))
    assert run["status"] == "finished" and run["bookings_anonymised"] >= 1
    erased = await intake_db["session_bookings"].find_one({"_id": uuid.UUID(old["booking_id"])})
    assert erased["full_name"] == "L* V** T**" and erased["phone"] is None and erased["note"] == ""
    assert "phone_lookup" not in erased and erased["anonymised_at"] is not None
    kept = await intake_db["session_bookings"].find_one({"_id": uuid.UUID(coming["booking_id"])})
    assert kept["full_name"] == "Lê Thị Chín" and kept["phone"] is not None
    # The listing of the coming date still reads (and decrypts) the kept one.
    listed = as_json(await http.get(bookings_url(services, commune, session),
                                    params={"day": session["next_occurrences"][0]}))
    assert [b["full_name"] for b in listed] == ["Lê Thị Chín"]
    [gone] = as_json(await http.get(bookings_url(services, commune, session), params={"day": past}))
    assert gone["full_name"] == "L* V** T**" and gone["phone_masked"] == ""


async def test_session_hours_are_local_minutes_and_a_bad_schedule_breaks_nothing(services, http, commune):
    # Found by fuzzing: seconds were dropped only when stored, so 10:00:10–10:00:50 was accepted and
    # the commune's list of sessions answered 500 ever after; an offset on one time was a 500 at once.
    base = f"{services['intake'].base_url}/v1/communes/{commune}/sessions"
    rules = [{"kind": "weekly", "weekday": 6}]
    same_minute = await http.post(base, json={"title": "x", "rules": rules, "start_time": "10:00:10",
                                              "end_time": "10:00:50"})
    assert same_minute.status_code == 422
    assert same_minute.json()["error"]["message"] == ("Lịch phiên làm việc không hợp lệ: giờ kết thúc phải sau "
                                                      "giờ bắt đầu.")
    for start, end in (("07:30+05:00", "11:00"), ("10:00+05:00", "09:00Z")):
        offset = await http.post(base, json={"title": "x", "rules": rules, "start_time": start, "end_time": end})
        assert offset.status_code == 422, (start, end, offset.text)
    assert (await http.post(base, json={"title": "x", "rules": rules * 9, "start_time": "07:30",
                                        "end_time": "11:00"})).status_code == 422
    fine = as_json(await http.post(base, json={"title": "Chủ nhật", "rules": rules, "start_time": "07:30:59",
                                               "end_time": "11:00"}))
    assert fine["start_time"] == "07:30:00"
    listed = await http.get(base)
    assert listed.status_code == 200 and [s["title"] for s in listed.json()] == ["Chủ nhật"]
