"""Demo data of out-of-hours sessions, loaded through intake's HTTP API (``demo.load_demo``):

- every demo commune: "Chủ nhật thân thiện" on the last Sunday of the month, 07:30–11:00, and
  "60 phút vì dân" every Monday after office hours, 17:00–18:00 (schedules from the seeds);
- three citizens booked on the next Sunday session (one declining the SMS reminder), so the
  session page shows bookings and notify holds their reminders for 16:00 the day before.

Safe to run again: a commune that already has sessions is left as it is.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import httpx

SUNDAY, MONDAY = 6, 0
SESSIONS = (
    {"title": "Chủ nhật thân thiện", "rules": [{"kind": "monthly", "weekday": SUNDAY, "nth": -1}],
     "start_time": "07:30", "end_time": "11:00", "fields": ["Hộ tịch", "Chứng thực"], "capacity": 40},
    {"title": "60 phút vì dân", "rules": [{"kind": "weekly", "weekday": MONDAY}],
     "start_time": "17:00", "end_time": "18:00", "fields": ["Hộ tịch", "Đất đai"]},
)
CITIZENS = (("Trần Văn Lộc", "HT-KHAISINH", True), ("Nguyễn Thị Mai", "CT-BANSAO", True),
            ("Phạm Văn Hậu", "HT-KETHON", False))


async def load_sessions_demo(client: httpx.AsyncClient, urls: Mapping[str, str], communes: Sequence[Any],
                             sign_in: Callable, *, seed: int = 2024, log: Callable[[str], None] = print,
                             password: str) -> None:
    intake = urls["intake"].rstrip("/")
    booked = 0
    for commune in communes:
        headers = await sign_in(client, urls, f"canbo.{commune.code}", password)
        base = f"{intake}/v1/communes/{commune.code}/sessions"
        existing = await client.get(base, headers=headers)
        if existing.status_code != 200 or existing.json():
            continue
        rng = random.Random(f"{seed}-{commune.code}-sessions")
        created = []
        for body in SESSIONS:
            answer = await client.post(base, json=body, headers=headers)
            if answer.status_code == 201:
                created.append(answer.json())
        sunday = next((s for s in created if s["title"] == "Chủ nhật thân thiện" and s["next_occurrences"]), None)
        if sunday is None:
            continue
        for name, procedure, reminder in CITIZENS:
            phone = "09" + "".join(str(rng.randrange(10)) for _ in range(8))
            answer = await client.post(f"{base}/{sunday['session_id']}/bookings", headers=headers, json={
                "day": sunday["next_occurrences"][0], "full_name": name, "phone": phone,
                "procedure_code": procedure, "consent_sms": reminder})
            booked += answer.status_code == 201
    log(f"out-of-hours sessions: 2 per commune, {booked} booking(s) on the next 'Chủ nhật thân thiện'")
