"""The calendar API over an in-memory store: status codes, bilingual messages, previews."""

from types import SimpleNamespace

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from motcua_runtime.errors import install_error_handlers

from motcua_intake.adapters.calendar_store import DEPLOYMENT, CalendarCache
from motcua_runtime.yearly_calendar import default_year
from motcua_intake.entrypoints import calendar_http

SETTINGS = SimpleNamespace(utc_offset_hours=7, cutoff_hour=15, appointment_hour=17, holidays=[])


class FakeCalendarStore:
    """The shape of MongoCalendarStore: a year is generated when first asked for."""

    def __init__(self):
        self.years = {}

    async def year(self, year, scope=DEPLOYMENT):
        if (scope, year) not in self.years:
            self.years[(scope, year)] = default_year(year)
        return self.years[(scope, year)]

    async def override(self, year, scope):
        return self.years.get((scope, year))

    async def edit(self, year, change, scope=DEPLOYMENT):
        updated = change(await self.year(year, scope))
        self.years[(scope, year)] = updated
        return updated


@pytest.fixture
def store():
    return FakeCalendarStore()


@pytest.fixture
def client(store) -> TestClient:
    app = FastAPI()
    install_error_handlers(app)
    # A long TTL: an edit must still show at once in this process.
    app.include_router(calendar_http.router(lambda: store, CalendarCache(lambda: store, SETTINGS, ttl_seconds=3600)))
    return TestClient(app)


def test_a_year_lists_its_days_off_with_names(client):
    response = client.get("/v1/calendar/2026")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["year"] == 2026 and body["source"] == "default"
    days = {d["date"]: d for d in body["days_off"]}
    assert days["2026-02-17"]["name"] == "Tết Nguyên đán (mùng 1)" and days["2026-02-17"]["weekday"] == "thứ Ba"
    assert days["2026-04-27"]["kind"] == "compensatory"
    assert body["make_up_days"] == [{"date": "2026-08-22", "weekday": "thứ Bảy",
                                     "reason": "Làm bù cho ngày nghỉ hoán đổi 31/08/2026", "source": "default"}]
    assert body["working_days"] == 261 - 12 + 1  # weekdays, minus weekdays off, plus the make-up Saturday


def test_edits_show_in_the_year_and_in_previews_at_once(client):
    before = client.get("/v1/calendar/appointment",
                        params={"received_at": "2027-02-11T09:00:00+07:00", "processing_days": 0}).json()
    assert before["appointment_local"] == "2027-02-11T17:00:00+07:00"
    response = client.put("/v1/calendar/2027/days-off/2027-02-11", json={
        "name": "Tết Nguyên đán (nghỉ thêm)", "reason": "Thông báo số 123/TB-BNV", "officer_id": "admin-1"})
    assert response.status_code == 200, response.text
    assert response.json()["source"] == "edited"
    assert response.json()["changes"][-1]["reason"] == "Thông báo số 123/TB-BNV"
    after = client.get("/v1/calendar/appointment",
                       params={"received_at": "2027-02-11T09:00:00+07:00", "processing_days": 0}).json()
    assert after["appointment_local"] == "2027-02-12T17:00:00+07:00"

    removed = client.delete("/v1/calendar/2027/days-off/2027-02-11", params={"reason": "Nhập nhầm"})
    assert removed.status_code == 200 and "2027-02-11" not in {d["date"] for d in removed.json()["days_off"]}


def test_a_swap_applies_both_days_or_neither(client, store):
    response = client.post("/v1/calendar/2027/swaps", json={
        "day_off": "2027-04-29", "make_up_day": "2027-04-24", "reason": "Hoán đổi dịp 30/4"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert "2027-04-29" in {d["date"] for d in body["days_off"]}
    assert "2027-04-24" in {d["date"] for d in body["make_up_days"]}

    before = store.years[(DEPLOYMENT, 2027)]
    refused = client.post("/v1/calendar/2027/swaps", json={
        "day_off": "2027-04-28", "make_up_day": "2027-04-24", "reason": "lần hai"})
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "calendar_day_conflict"
    assert store.years[(DEPLOYMENT, 2027)] is before


@pytest.mark.parametrize(
    ("method", "url", "kwargs", "status", "code", "vietnamese"),
    [
        ("delete", "/v1/calendar/2027/days-off/2027-03-03", {"params": {"reason": "x"}}, 404,
         "calendar_not_a_day_off", "không phải là ngày nghỉ"),
        ("put", "/v1/calendar/2027/make-up-days/2027-03-03", {"json": {"reason": "x"}}, 422,
         "calendar_make_up_day_not_weekend", "phải là thứ Bảy hoặc Chủ nhật"),
        ("put", "/v1/calendar/2027/days-off/2028-01-03", {"json": {"name": "x", "reason": "x"}}, 422,
         "calendar_day_not_in_year", "không thuộc lịch năm 2027"),
        ("delete", "/v1/calendar/2027/make-up-days/2027-03-06", {"params": {"reason": "x"}}, 404,
         "calendar_not_a_make_up_day", "không phải là ngày làm bù"),
        ("delete", "/v1/calendar/2027/days-off/2027-03-03", {"params": {"reason": "   "}}, 422,
         "calendar_text_required", "không được để trống"),
        ("get", "/v1/calendar/2019", {}, 422, "invalid_request", "không hợp lệ"),
        ("get", "/v1/calendar/appointment", {"params": {"received_at": "2027-03-03T09:00:00+07:00"}}, 422,
         "processing_time_required", "đúng một trong hai"),
        ("get", "/v1/calendar/appointment", {"params": {"received_at": "2019-03-03T09:00:00+07:00",
                                                         "processing_days": 1}}, 422,
         "calendar_year_not_available", "Chưa có lịch làm việc"),
    ],
)
def test_refusals_are_explained_in_vietnamese_first(client, method, url, kwargs, status, code, vietnamese):
    response = getattr(client, method)(url, **kwargs)
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code and vietnamese in error["message"]
    english = getattr(client, method)(url, headers={"Accept-Language": "en"}, **kwargs).json()["error"]
    assert english["message"] == english["message_en"]


@pytest.mark.parametrize(
    ("params", "appointment_local", "counting_start", "names"),
    [
        # The afternoon before Tết 2028, after the cut-off: the break and its names are shown.
        ({"received_at": "2028-01-21T16:00:00+07:00", "processing_days": 1}, "2028-02-01T17:00:00+07:00",
         "2028-01-31", ["Nghỉ bù Tết Nguyên đán (mùng 4 trùng thứ Bảy)", "Tết Nguyên đán (giao thừa)",
                        "Tết Nguyên đán (mùng 1)", "Tết Nguyên đán (mùng 2)", "Tết Nguyên đán (mùng 3)",
                        "Tết Nguyên đán (mùng 4)"]),
        # Without an offset the time is local; 09:00 UTC would be after the cut-off.
        ({"received_at": "2026-11-23T09:00:00", "processing_days": 3}, "2026-11-26T17:00:00+07:00",
         "2026-11-23", []),
        ({"received_at": "2026-11-23T09:00:00+07:00", "processing_hours": 4}, "2026-11-23T15:00:00+07:00",
         "2026-11-23", []),
        # Received on 31/12/2027 after the cut-off: 1/1/2028 is a Saturday, Monday 3/1 compensatory.
        ({"received_at": "2027-12-31T16:00:00+07:00", "processing_days": 0}, "2028-01-04T17:00:00+07:00",
         "2028-01-04", ["Tết Dương lịch (1/1)", "Nghỉ bù Tết Dương lịch (1/1) trùng thứ Bảy"]),
    ],
)
def test_appointment_preview(client, params, appointment_local, counting_start, names):
    response = client.get("/v1/calendar/appointment", params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["appointment_local"] == appointment_local and body["counting_start"] == counting_start
    assert [d["name"] for d in body["days_off"]] == names
