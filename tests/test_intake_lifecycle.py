"""The intake lifecycle through HTTP and the real bus: codes under concurrency, idempotent
receive, a dossier walked through every step, each transition on the bus exactly once."""

import asyncio
from datetime import date, timedelta

import pytest

from motcua_contracts import EVENT_TYPES
from motcua_contracts.streams import EVENTS
from tests.helpers import as_json, eventually, stream_subject_counts

pytestmark = pytest.mark.e2e

APPLICANT = {"full_name": "Đỗ Thị Lan", "id_number": "001190012345", "phone": "0987123456"}
EVENT_OWNERS = {event_type: cls.owner for (event_type, _), cls in EVENT_TYPES.items()}


async def _intake_and_survey_counts(stack, commune) -> dict[str, int]:
    """Messages per subject of the commune's dossier events (intake's) and ballots (survey's).

    Notify's letters and messages about the same dossier are its own tests' business.
    """
    counts = await stream_subject_counts(stack.nats_url, EVENTS.name, f"motcua.events.{commune}.>")
    return {subject: n for subject, n in counts.items()
            if EVENT_OWNERS.get(subject.split(".")[3]) in {"intake", "survey"}}


async def test_codes_stay_unique_and_gapless_under_concurrent_intake(services, http, commune):
    url = f"{services['intake'].base_url}/v1/communes/{commune}/dossiers"
    responses = await asyncio.gather(*(
        http.post(url, json={"procedure_code": "CT-BANSAO", "applicant": APPLICANT}) for _ in range(30)))
    codes = [as_json(r)["dossier_code"] for r in responses]
    assert len(set(codes)) == 30
    assert sorted(int(code.rsplit("-", 1)[1]) for code in codes) == list(range(1, 31))

async def test_a_double_clicked_receive_makes_one_dossier(stack, services, http, commune):
    url = f"{services['intake'].base_url}/v1/communes/{commune}/dossiers"
    body = {"procedure_code": "CT-CHUKY", "applicant": APPLICANT}
    first, second = await asyncio.gather(*(http.post(url, json=body, headers={"Idempotency-Key": "k-1"})
                                           for _ in range(2)))
    assert sorted([first.status_code, second.status_code]) == [200, 201]
    assert first.json()["dossier_code"] == second.json()["dossier_code"]
    assert as_json(await http.get(url))["total"] == 1
    await asyncio.sleep(1)
    assert await _intake_and_survey_counts(stack, commune) == {f"motcua.events.{commune}.DossierReceived.v1": 1}


async def test_a_dossier_walked_through_every_step_announces_each_once(stack, services, http, commune):
    base = f"{services['intake'].base_url}/v1/communes/{commune}/dossiers"
    dossier = as_json(await http.post(base, json={"procedure_code": "HT-XNTTHN", "applicant": APPLICANT}))
    one = f"{base}/{dossier['dossier_code']}"

    async def step(path, body=None, status=200):
        response = await http.post(f"{one}/{path}", json=body or {})
        assert response.status_code == status, response.text
        return response.json()

    await step("supplement-request", {"missing_items": ["Bản sao CCCD", "Tờ khai theo mẫu"]})
    again = await step("supplement-request", {"missing_items": ["Giấy tờ khác"]}, status=409)
    assert "một lần" in again["error"]["message"]
    await step("supplement")
    await step("assignment", {"officer_id": "cb-tp-02", "handling_body": "Tư pháp – Hộ tịch"})
    await step("handovers", {"to_body": "Lãnh đạo UBND", "step_working_days": 1})
    await step("handovers", {"to_body": "Bộ phận Một cửa", "step_working_days": 0})
    current = as_json(await http.get(one))
    new_date = (date.fromisoformat(current["appointment_at"][:10]) + timedelta(days=7)).isoformat()
    await step("reschedule", {"new_appointment_date": new_date, "reason": "Chờ xác minh thông tin"})
    await step("result-ready")
    returned = await step("return", {"return_channel": "at_home", "officer_id": "cb-tp-02",
                                     "free_of_charge": True})
    assert returned["status"] == "returned" and returned["status_vi"] == "đã trả kết quả"
    assert [h["to_body"] for h in returned["handovers"]] == ["Lãnh đạo UBND", "Bộ phận Một cửa"]
    refused = await step("refusal", {"reason": "muộn"}, status=409)
    assert "đã trả kết quả" in refused["error"]["message"]

    expected = {f"motcua.events.{commune}.{name}.v1": n for name, n in {
        "DossierReceived": 1, "DossierSupplementRequested": 1, "DossierSupplemented": 1, "DossierAssigned": 1,
        "DossierHandedOver": 2, "DossierRescheduled": 1, "ResultReady": 1, "ResultReturned": 1,
        "BallotOpened": 1}.items()}  # the ballot is survey's answer to the return

    async def all_published():
        counts = await _intake_and_survey_counts(stack, commune)
        return counts if counts == expected else None

    await eventually(all_published, timeout=30)
    await asyncio.sleep(1)
    assert await _intake_and_survey_counts(stack, commune) == expected


async def test_a_citizen_looks_up_status_with_code_and_phone_digits_only(services, http, commune):
    intake = services["intake"].base_url
    dossier = as_json(await http.post(f"{intake}/v1/communes/{commune}/dossiers",
                                      json={"procedure_code": "HT-XNTTHN", "applicant": APPLICANT}))
    url = f"{intake}/v1/public/dossiers/{dossier['dossier_code']}/status"
    found = as_json(await http.get(url, params={"phone_last_digits": "3456"}))
    assert found["status_vi"] == "đã tiếp nhận" and found["appointment_at"] == dossier["appointment_at"]
    assert "applicant" not in str(found) and "0987123456" not in str(found)
    wrong = await http.get(url, params={"phone_last_digits": "0000"})
    assert wrong.status_code == 404 and "Không tìm thấy" in wrong.json()["error"]["message"]
    for _ in range(5):
        await http.get(url, params={"phone_last_digits": "1111"})
    blocked = await http.get(url, params={"phone_last_digits": "3456"})
    assert blocked.status_code == 429  # guessing the digits is stopped, even for the right ones


async def test_results_taken_home_to_priority_groups_are_free(services, http, commune):
    intake = services["intake"].base_url
    dossier = as_json(await http.post(f"{intake}/v1/communes/{commune}/dossiers", json={
        "procedure_code": "CT-CHUKY", "applicant": {**APPLICANT, "priority_group": "nguoi_co_cong"}}))
    returned = as_json(await http.post(
        f"{intake}/v1/communes/{commune}/dossiers/{dossier['dossier_code']}/return",
        json={"return_channel": "at_home", "officer_id": "cb-01"}))
    assert returned["free_of_charge"] is True


async def test_dossiers_received_in_an_out_of_hours_session_are_linked_to_it(stack, services, http, commune):
    from datetime import UTC, datetime as dt, timedelta as td

    intake = services["intake"].base_url
    today = (dt.now(UTC) + td(hours=7)).date()
    session = as_json(await http.post(f"{intake}/v1/communes/{commune}/sessions", json={
        "title": "Ngày Chủ nhật thân thiện", "rules": [{"kind": "weekly", "weekday": today.weekday()}],
        "start_time": "00:00", "end_time": "23:59", "fields": ["Hộ tịch"], "capacity": 1}))
    assert session["next_occurrences"][0] == today.isoformat()
    booked = as_json(await http.post(f"{intake}/v1/communes/{commune}/sessions/{session['session_id']}/bookings",
                                     json={"day": today.isoformat(), "full_name": "Ngô Văn Bảy",
                                           "phone": "0912000111"}))
    assert booked["phone_masked"] == "*******111"
    full = await http.post(f"{intake}/v1/communes/{commune}/sessions/{session['session_id']}/bookings",
                           json={"day": today.isoformat(), "full_name": "Người khác", "phone": "0912000222"})
    assert full.status_code == 409 and "đủ" in full.json()["error"]["message"]
    dossier = as_json(await http.post(f"{intake}/v1/communes/{commune}/dossiers", json={
        "procedure_code": "HT-KHAISINH", "applicant": APPLICANT, "session_id": session["session_id"]}))
    assert dossier["channel"] == "out_of_hours"

    async def announced_with_session():
        counts = await stream_subject_counts(stack.nats_url, EVENTS.name, f"motcua.events.{commune}.>")
        return counts.get(f"motcua.events.{commune}.DossierReceived.v1") == 1

    await eventually(announced_with_session)


async def test_the_list_filters_by_receipt_day(services, http, commune):
    from datetime import UTC, datetime as dt, timedelta as td

    url = f"{services['intake'].base_url}/v1/communes/{commune}/dossiers"
    as_json(await http.post(url, json={"procedure_code": "CT-CHUKY", "applicant": APPLICANT}))
    today = (dt.now(UTC) + td(hours=7)).date()
    assert as_json(await http.get(url, params={"received_from": today.isoformat()}))["total"] == 1
    assert as_json(await http.get(url, params={"received_to": (today - td(days=1)).isoformat()}))["total"] == 0
    assert as_json(await http.get(url, params={"deadline": "overdue"}))["total"] == 0
    bad = await http.get(url, params={"deadline": "soon"})
    assert bad.status_code == 422


async def test_paging_beyond_any_list_is_refused_with_a_reason(services, http, commune):
    # Found by the fuzzer: an offset past 8 bytes reached the database and came back a 500.
    url = f"{services['intake'].base_url}/v1/communes/{commune}/dossiers"
    answer = await http.get(url, params={"offset": 289471207853039976448,
                                         "received_from": "2020-01-01", "received_to": "2090-01-01"})
    assert answer.status_code == 422
    assert answer.json()["error"]["problems"][0]["field"] == "query.offset"
    assert as_json(await http.get(url, params={"offset": 5}))["items"] == []
