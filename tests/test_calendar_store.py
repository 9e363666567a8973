"""The yearly calendar in a real MongoDB: generated once, edited whole or not at all,
concurrent edits all kept, edits seen by the loader within the cache's TTL."""

import asyncio
import uuid
from datetime import UTC, date, datetime
from types import SimpleNamespace

import httpx
import pytest
from fastapi import FastAPI

from motcua_runtime.errors import install_error_handlers
from motcua_runtime.mongo import create_mongo_client

from motcua_intake.adapters.calendar_store import (
    CALENDARS,
    DEPLOYMENT,
    CalendarCache,
    MongoCalendarStore,
    ensure_calendar_indexes,
    load_calendar,
    to_document,
)
from motcua_runtime.yearly_calendar import DayConflict, Source, default_year
from motcua_intake.entrypoints import calendar_http

pytestmark = pytest.mark.integration

SETTINGS = SimpleNamespace(utc_offset_hours=7, cutoff_hour=15, appointment_hour=17, holidays=["2027-03-08"])
AT = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)


@pytest.fixture
async def db(stack):
    client = create_mongo_client(stack.mongodb_uri, app_name="motcua-test-calendar")
    database = client[f"{stack.database_prefix}calendar_{uuid.uuid4().hex[:8]}"]
    await ensure_calendar_indexes(database)
    yield database
    await client.drop_database(database.name)
    await client.close()


async def test_a_year_is_generated_once_and_then_read_as_stored(db):
    store = MongoCalendarStore(db)
    years = await asyncio.gather(*(MongoCalendarStore(db).year(2027) for _ in range(8)))
    assert all(y == default_year(2027) for y in years)
    assert await db[CALENDARS].count_documents({}) == 1
    doc = await db[CALENDARS].find_one({"_id": f"{DEPLOYMENT}:2027"})
    assert doc["version"] == 1 and doc["source"] == "default" and doc["generated_with"].startswith("holidays ")
    assert {"date": "2027-02-06", "name": "Tết Nguyên đán (mùng 1)", "kind": "holiday", "source": "default"} \
        in doc["days_off"]

    # What is stored wins over what the default would say now.
    await db[CALENDARS].update_one({"_id": doc["_id"]}, {"$pull": {"days_off": {"date": "2027-02-06"}}})
    assert (await store.year(2027)).day_off(date(2027, 2, 6)) is None


async def test_an_edit_is_stored_whole_with_its_record(db):
    store = MongoCalendarStore(db)
    edited = await store.edit(2027, lambda y: y.with_swap(
        date(2027, 4, 29), date(2027, 4, 24), reason="Hoán đổi dịp 30/4", at=AT, officer_id="admin-1"))
    again = await store.year(2027)
    assert again == edited and again.source is Source.EDITED
    assert again.changes[0].at == AT and again.changes[0].officer_id == "admin-1"
    doc = await db[CALENDARS].find_one({"_id": f"{DEPLOYMENT}:2027"})
    assert doc["version"] == 2


async def test_a_refused_edit_leaves_the_stored_year_as_it_was(db):
    store = MongoCalendarStore(db)
    await store.year(2027)
    before = await db[CALENDARS].find_one({"_id": f"{DEPLOYMENT}:2027"})
    with pytest.raises(DayConflict):
        # The make-up day is mùng 1 Tết (a Saturday): neither half may be written.
        await store.edit(2027, lambda y: y.with_swap(date(2027, 3, 3), date(2027, 2, 6), reason="r", at=AT))
    assert await db[CALENDARS].find_one({"_id": f"{DEPLOYMENT}:2027"}) == before


async def test_concurrent_edits_are_all_kept(db):
    days = [date(2027, 3, day) for day in (1, 2, 3, 4, 5, 9, 10, 11)]

    async def add(day):
        return await MongoCalendarStore(db, edit_attempts=len(days) + 1).edit(
            2027, lambda y: y.with_day_off(day, f"Nghỉ {day:%d/%m}", reason="r", at=AT))

    await asyncio.gather(*(add(day) for day in days))
    stored = await MongoCalendarStore(db).year(2027)
    assert set(days) <= stored.off_days
    assert len(stored.changes) == len(days)
    assert (await db[CALENDARS].find_one({"_id": f"{DEPLOYMENT}:2027"}))["version"] == len(days) + 1


async def test_load_calendar_builds_the_working_calendar_and_honours_a_commune_override(db):
    calendar = await load_calendar(db, SETTINGS, [2027, 2028])
    assert calendar.years == {2027, 2028}
    assert not calendar.is_working_day(date(2028, 1, 26))  # mùng 1 Tết 2028
    assert not calendar.is_working_day(date(2027, 3, 8))  # from the INTAKE_HOLIDAYS setting
    assert calendar.appointment(datetime(2028, 1, 21, 9, 0, tzinfo=UTC), 1).date() == date(2028, 2, 1)

    # A commune with its own calendar of 2028 (a local festival day); others keep the deployment's.
    own = default_year(2028).with_day_off(date(2028, 3, 15), "Lễ hội làng", reason="Quyết định của UBND", at=AT)
    await db[CALENDARS].insert_one(to_document(own, scope="26041", version=1))
    assert not (await load_calendar(db, SETTINGS, [2028], commune_code="26041")).is_working_day(date(2028, 3, 15))
    assert (await load_calendar(db, SETTINGS, [2028], commune_code="26042")).is_working_day(date(2028, 3, 15))
    assert (await load_calendar(db, SETTINGS, [2028])).is_working_day(date(2028, 3, 15))


async def test_the_cache_sees_another_replicas_edit_after_its_ttl_and_its_own_at_once(db):
    now = [0.0]
    cache = CalendarCache(lambda: MongoCalendarStore(db), SETTINGS, ttl_seconds=5, clock=lambda: now[0])
    day = date(2027, 3, 3)
    assert (await cache.calendar([2027])).is_working_day(day)

    await MongoCalendarStore(db).edit(2027, lambda y: y.with_day_off(day, "Nghỉ", reason="r", at=AT))
    now[0] = 4.0
    assert (await cache.calendar([2027])).is_working_day(day)  # still within the TTL
    now[0] = 5.5
    assert not (await cache.calendar([2027])).is_working_day(day)

    await MongoCalendarStore(db).edit(2027, lambda y: y.without_day_off(day, reason="r", at=AT))
    cache.forget(2027)  # what the API does after an edit through this process
    assert (await cache.calendar([2027])).is_working_day(day)


async def test_calendar_around_covers_the_year_before_and_after(db):
    cache = CalendarCache(lambda: MongoCalendarStore(db), SETTINGS)
    calendar = await cache.calendar_around(datetime(2027, 12, 31, 18, 0, tzinfo=UTC))  # 1/1/2028 in Vietnam
    assert calendar.years == {2027, 2028, 2029}


async def test_the_api_over_mongodb(db):
    app = FastAPI()
    install_error_handlers(app)
    cache = CalendarCache(lambda: MongoCalendarStore(db), SETTINGS, ttl_seconds=60)
    app.include_router(calendar_http.router(lambda: MongoCalendarStore(db), cache))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://intake") as http:
        put = await http.put("/v1/calendar/2028/make-up-days/2028-02-12", json={"reason": "Làm bù Tết"})
        assert put.status_code == 200, put.text
        got = (await http.get("/v1/calendar/2028")).json()
        assert got["source"] == "edited" and got["make_up_days"][0]["date"] == "2028-02-12"
        preview = await http.get("/v1/calendar/appointment",
                                 params={"received_at": "2028-02-11T09:00:00+07:00", "processing_days": 1})
        assert preview.json()["appointment_local"] == "2028-02-12T17:00:00+07:00"  # the make-up Saturday


@pytest.mark.e2e
async def test_the_intake_service_serves_the_calendar(services, http):
    base = services["intake"].base_url
    response = await http.get(f"{base}/v1/calendar/2026")
    assert response.status_code == 200, response.text
    assert "2026-02-17" in {d["date"] for d in response.json()["days_off"]}
