"""What API fuzzing (tests/test_fuzz_api.py) and the audit of request models found, each kept as a
named case against the real services: input that once gave a 500 (or was stored while absurd)
now gets a 4xx with its reason, Vietnamese first, and nothing is written; or it is taken as a
person would mean it."""

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest

from motcua_runtime.auth import Role
from tests.helpers import as_json

pytestmark = pytest.mark.e2e


def problem(response) -> str:
    assert response.status_code == 422, response.text
    return response.json()["error"]["message"]


async def test_a_kiosk_tap_time_without_an_offset_is_local_time(services, http, commune):
    """POST /kiosk/answers with ``tapped_at`` "2026-11-22T07:00:00" was a 500 (a naive time
    compared with an aware one)."""
    survey = services["survey"].base_url
    local = datetime.now(UTC).astimezone(timezone(timedelta(hours=7))).replace(microsecond=0) - timedelta(hours=1)
    tap = {"client_id": str(uuid.uuid4()), "overall": 4, "tapped_at": local.replace(tzinfo=None).isoformat()}
    recorded = as_json(await http.post(f"{survey}/v1/communes/{commune}/kiosk/answers", json={"taps": [tap]}))
    assert recorded["recorded"] == [tap["client_id"]]
    answers = as_json(await http.get(f"{survey}/v1/communes/{commune}/answers", params={"channel": "kiosk"}))
    assert datetime.fromisoformat(answers["items"][0]["submitted_at"]) == local


async def test_a_reschedule_beyond_a_year_is_refused_and_the_appointment_stays(services, http, commune):
    """POST /reschedule with new_appointment_date 9999-12-31 was accepted (and dates that far
    overflow later, in every service that reads the appointment)."""
    intake = services["intake"].base_url
    dossier = as_json(await http.post(f"{intake}/v1/communes/{commune}/dossiers", json={
        "procedure_code": "CT-BANSAO", "applicant": {"full_name": "Trần Văn Hẹn"}}))
    url = f"{intake}/v1/communes/{commune}/dossiers/{dossier['dossier_code']}"
    for far in ("9999-12-31", (datetime.now(UTC) + timedelta(days=400)).date().isoformat()):
        refused = await http.post(f"{url}/reschedule", json={"new_appointment_date": far, "reason": "Chờ xác minh"})
        assert problem(refused) == "Yêu cầu không hợp lệ: ngày hẹn mới không được xa quá một năm."
    assert as_json(await http.get(url))["appointment_at"] == dossier["appointment_at"]
    later = (datetime.now(UTC) + timedelta(days=60)).date().isoformat()
    moved = as_json(await http.post(f"{url}/reschedule", json={"new_appointment_date": later, "reason": "Chờ xác minh"}))
    assert moved["appointment_at"].startswith(later)


async def test_a_fee_past_a_billion_dong_is_refused_and_not_stored(services, admin):
    """A fee past 8 bytes reached MongoDB (OverflowError); anything past a billion đồng is a typo."""
    intake = services["intake"].base_url
    code = f"BD-{uuid.uuid4().hex[:8].upper()}"
    body = {"code": code, "name": "Thủ tục phí lớn", "field": "chung_thuc", "processing_unit": "same_day"}
    for fee in (10**20, 1_000_000_001):
        refused = await admin.post(f"{intake}/v1/catalogue/procedures", json=body | {"fee_vnd": fee})
        assert refused.status_code == 422, refused.text
        assert "không quá 1.000.000.000" in refused.json()["error"]["message"]
    assert (await admin.get(f"{intake}/v1/catalogue/procedures/{code}")).status_code == 404


async def test_lists_sent_to_the_apis_are_bounded(services, http, admin, commune):
    """Every list a request stores has a length limit: refused past it, with the field named."""
    intake, identity, hooks = (services[n].base_url for n in ("intake", "identity", "hooks"))
    dossier = as_json(await http.post(f"{intake}/v1/communes/{commune}/dossiers", json={
        "procedure_code": "CT-BANSAO", "applicant": {"full_name": "Lê Thị Danh Sách"}}))
    url = f"{intake}/v1/communes/{commune}/dossiers/{dossier['dossier_code']}/supplement-request"
    assert problem(await http.post(url, json={"missing_items": [f"Giấy {n}" for n in range(51)]})).startswith(
        "Dữ liệu gửi lên không hợp lệ: missing_items: quá nhiều mục")
    assert "missing_items.0: quá dài" in problem(await http.post(url, json={"missing_items": ["x" * 501]}))
    assert as_json(await http.get(url.rsplit("/", 1)[0]))["status"] == "received"

    user = {"username": f"u{uuid.uuid4().hex[:10]}", "display_name": "Người Thử", "password": "mat-khau-dai-1",
            "roles": [Role.COUNTER_OFFICER] * 11, "communes": [commune]}
    assert "roles: quá nhiều mục" in problem(await admin.post(f"{identity}/v1/users", json=user))
    assert (await admin.get(f"{identity}/v1/users/{user['username']}")).status_code == 404

    subscription = {"subscriber": "thu-gioi-han", "callback_url": "http://127.0.0.1:9/hook",
                    "fields": [f"f{n}" for n in range(51)]}
    assert "fields: quá nhiều mục" in problem(await admin.post(f"{hooks}/v1/subscriptions", json=subscription))


async def test_listing_dossiers_from_the_first_to_the_last_day_of_the_calendar_lists_them_all(services, http,
                                                                                            commune):
    """received_from=0001-01-01 or received_to=9999-12-31 overflowed the time arithmetic (a 422
    saying a number was too large to store); the widest range means every dossier."""
    intake = services["intake"].base_url
    dossier = as_json(await http.post(f"{intake}/v1/communes/{commune}/dossiers", json={
        "procedure_code": "CT-BANSAO", "applicant": {"full_name": "Phạm Văn Lịch"}}))
    for params in ({"received_from": "0001-01-01", "received_to": "9999-12-31"}, {"received_from": "0001-01-01"},
                   {"received_to": "9999-12-31"}):
        page = as_json(await http.get(f"{intake}/v1/communes/{commune}/dossiers", params=params))
        assert [d["dossier_code"] for d in page["items"]] == [dossier["dossier_code"]], params
    assert as_json(await http.get(f"{intake}/v1/communes/{commune}/dossiers",
                                  params={"received_to": "1999-12-31"}))["items"] == []


async def test_campaign_days_and_paper_answer_days_are_plausible(services, admin, accounts, commune):
    """A campaign from 0001-01-01 to 9999-12-31 was accepted, and paper ballots answered on such
    days too (their answers then carried year 1 or 9999 to every service reading them)."""
    survey = services["survey"].base_url
    today = datetime.now(UTC).astimezone(timezone(timedelta(hours=7))).date()
    body = {"name": "Khảo sát thử giới hạn", "starts_on": "0001-01-01", "ends_on": "9999-12-31", "communes": [commune],
            "target_sample": 50, "channel": "paper"}
    assert problem(await admin.post(f"{survey}/v1/campaigns", json=body)) == (
        "Đợt khảo sát không hợp lệ: ngày bắt đầu và kết thúc phải nằm trong khoảng 01/01/2000 – 31/12/2100.")
    campaign = as_json(await admin.post(f"{survey}/v1/campaigns", json=body | {
        "starts_on": (today - timedelta(days=10)).isoformat(), "ends_on": (today + timedelta(days=10)).isoformat()}))
    async with await accounts.client(Role.SURVEY_TEAM_MEMBER, commune) as member:
        url = f"{survey}/v1/communes/{commune}/paper-batches"
        for day in ("9999-12-31", (today - timedelta(days=11)).isoformat(), (today + timedelta(days=1)).isoformat()):
            batch = {"campaign_id": campaign["campaign_id"], "ballots": [
                {"paper_number": "GH-1", "overall": 5, "answered_on": today.isoformat()},
                {"paper_number": "GH-2", "overall": 4, "answered_on": day}]}
            message = problem(await member.post(url, json=batch))
            assert message.startswith("Ngày trả lời phiếu") and "nằm ngoài đợt khảo sát" in message, message
        answers = as_json(await member.get(f"{survey}/v1/communes/{commune}/answers", params={"channel": "paper"}))
        assert answers["items"] == []  # nothing of a refused batch
        batch["ballots"][1]["answered_on"] = (today - timedelta(days=10)).isoformat()
        assert as_json(await member.post(url, json=batch))["entered"] == 2
