"""The out-of-hours sessions of the demo load through the real API, once: two schedules from the
seeds per commune and three bookings on the next Sunday session; a second run adds nothing."""

import httpx
import pytest

from motcua_devstack.demo import DEMO_COMMUNES, DEMO_PASSWORD, sign_in
from motcua_devstack.demo_sessions import load_sessions_demo
from tests.helpers import as_json

pytestmark = pytest.mark.e2e


async def test_the_sessions_demo_schedules_the_seeds_sessions_and_books_citizens_once(services, overseer):
    urls = {name: process.base_url for name, process in services.items()}
    commune = DEMO_COMMUNES[2]
    base = f"{urls['intake']}/v1/communes/{commune.code}/sessions"
    lines: list[str] = []
    async with httpx.AsyncClient(timeout=30) as client:
        await load_sessions_demo(client, urls, [commune], sign_in, log=lines.append, password=DEMO_PASSWORD)
        await load_sessions_demo(client, urls, [commune], sign_in, log=lines.append, password=DEMO_PASSWORD)
    sessions = {s["title"]: s for s in as_json(await overseer.get(base))}
    assert set(sessions) == {"Chủ nhật thân thiện", "60 phút vì dân"}
    assert sessions["Chủ nhật thân thiện"]["schedule_vi"] == "Chủ nhật cuối cùng của tháng, 07:30–11:00"
    assert sessions["60 phút vì dân"]["schedule_vi"] == "Thứ Hai hằng tuần, 17:00–18:00"
    sunday = sessions["Chủ nhật thân thiện"]
    booked = as_json(await overseer.get(f"{base}/{sunday['session_id']}/bookings",
                                        params={"day": sunday["next_occurrences"][0]}))
    assert len(booked) == 3 and [b["consent_sms"] for b in booked].count(False) == 1
    assert all(b["phone_masked"].startswith("*******") for b in booked)
    assert "3 booking(s)" in lines[0] and "0 booking(s)" in lines[1]
