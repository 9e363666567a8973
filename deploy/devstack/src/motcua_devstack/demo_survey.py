"""Demo data of survey, loaded through its HTTP API after the dossiers (``demo.load_demo``):

- two campaigns over the demo communes: a baseline before the friendly model (paper ballots)
  and the yearly survey of the Fatherland Front (interviews), so the before/after page has
  something to compare;
- per commune, paper ballots entered by its survey team (``khaosat.<code>``), kiosk taps at the
  counter (``canbo.<code>``), and a few feedback items and petitions, one already answered.

Safe to run again: campaigns are found by name, paper numbers and kiosk ids are fixed (the
service refuses or ignores them the second time), feedback is sent to communes that have none.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import httpx

BASELINE = "Khảo sát ban đầu trước mô hình \u201cChính quyền thân thiện\u201d"
YEARLY = "Khảo sát sự hài lòng năm 2026 (Ủy ban MTTQ Việt Nam thực hiện)"
FACTORS = ("access", "procedure", "officer", "result", "feedback")
COMMITMENTS = ("five_knows", "three_nos", "four_shows")
FEEDBACK = (
    ("feedback", "Bộ phận một cửa yêu cầu photo công chứng giấy tờ đã có bản chính, đề nghị xem lại.", "CT-BANSAO"),
    ("petition", "Đề nghị bố trí thêm giờ tiếp nhận vào sáng thứ Bảy cho người đi làm.", None),
    ("feedback", "Cán bộ tiếp nhận hướng dẫn rất tận tình, xin biểu dương.", "HT-KHAISINH"),
)


async def _token(client: httpx.AsyncClient, identity: str, username: str, password: str) -> dict[str, str]:
    response = await client.post(f"{identity}/v1/token", json={"username": username, "password": password})
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def _ballot(rng: random.Random, satisfied_share: float) -> dict[str, Any]:
    overall = rng.choice((4, 5)) if rng.random() < satisfied_share else rng.choice((1, 2, 3, 3))
    spread = lambda: max(1, min(5, overall + rng.choice((-1, 0, 0, 1))))  # noqa: E731
    return {"overall": overall, "factors": {f: spread() for f in FACTORS},
            "commitments": {c: spread() for c in COMMITMENTS}, "visits": 1 if overall >= 4 else rng.choice((2, 3)),
            "complaint": overall == 1}


async def _campaign(client, survey: str, admin: dict, name: str, body: dict) -> dict:
    listed = (await client.get(f"{survey}/v1/campaigns", headers=admin)).json()["items"]
    found = next((c for c in listed if c["name"] == name), None)
    if found:
        return found
    response = await client.post(f"{survey}/v1/campaigns", headers=admin, json={"name": name, **body})
    response.raise_for_status()
    return response.json()


async def load_survey_demo(
    client: httpx.AsyncClient,
    urls: Mapping[str, str],
    communes: Sequence[Any],
    *,
    seed: int = 2024,
    log: Callable[[str], None] = print,
    password: str = "motcua-demo",
) -> None:
    survey, identity = urls.get("survey", "").rstrip("/"), urls.get("identity", "").rstrip("/")
    if not survey or not identity:
        return
    codes = [c.code for c in communes]
    admin = await _token(client, identity, "quantri", password)
    if (await client.get(f"{survey}/v1/campaigns", headers=admin)).status_code == 404:
        log("survey: no campaigns API here (a stand-in), its demo data skipped")
        return
    baseline = await _campaign(client, survey, admin, BASELINE, {
        "kind": "baseline", "starts_on": "2025-10-01", "ends_on": "2025-12-31", "communes": codes,
        "target_sample": 15 * len(codes), "channel": "paper", "run_by": "Phòng Nội vụ huyện"})
    yearly = await _campaign(client, survey, admin, YEARLY, {
        "kind": "yearly", "starts_on": "2026-01-05", "ends_on": "2026-12-20", "communes": codes,
        "target_sample": 25 * len(codes), "channel": "in_person", "run_by": "Ủy ban MTTQ Việt Nam huyện"})
    lines = []
    for commune in communes:
        rng = random.Random(f"{seed}-survey-{commune.code}")
        team = await _token(client, identity, f"khaosat.{commune.code}", password)
        entered = 0
        for campaign, prefix, count, share, channel in ((baseline, "BL", 14, 0.72, "paper"),
                                                        (yearly, "MT", 20, 0.93, "in_person")):
            batch = [{"paper_number": f"{commune.code}-{prefix}-{i:03d}", **_ballot(rng, share)}
                     for i in range(1, count + 1)]
            response = await client.post(f"{survey}/v1/communes/{commune.code}/paper-batches", headers=team, json={
                "campaign_id": campaign["campaign_id"], "team_id": f"MTTQ-{commune.code}", "channel": channel,
                "ballots": batch})
            if response.status_code == 201:
                entered += response.json()["entered"]
            elif response.status_code != 409:  # 409: entered by an earlier run
                response.raise_for_status()
        officer = await _token(client, identity, f"canbo.{commune.code}", password)
        taps = [{"client_id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"motcua-demo-kiosk-{commune.code}-{i}")),
                 "overall": rng.choice((5, 5, 5, 4, 4, 3, 2)), "officer_id": f"canbo.{commune.code}"}
                for i in range(12)]
        kiosk = await client.post(f"{survey}/v1/communes/{commune.code}/kiosk/answers", headers=officer,
                                  json={"taps": taps})
        kiosk.raise_for_status()
        existing = (await client.get(f"{survey}/v1/communes/{commune.code}/feedback", headers=officer)).json()
        sent = 0
        if not existing["items"]:
            for i, (kind, content, procedure) in enumerate(FEEDBACK):
                response = await client.post(f"{survey}/v1/public/feedback", json={
                    "commune_code": commune.code, "kind": kind, "content": content, "procedure_code": procedure})
                response.raise_for_status()
                sent += 1
                if i == 2:
                    code = response.json()["code"]
                    (await client.post(f"{survey}/v1/communes/{commune.code}/feedback/{code}/reply", headers=officer,
                                       json={"reply": "Xã cảm ơn ông/bà đã ghi nhận; ý kiến đã được chuyển tới "
                                                      "cán bộ và lãnh đạo."})).raise_for_status()
        lines.append(f"  {commune.code}: {entered} paper/interview ballots, "
                     f"{len(kiosk.json()['recorded'])} kiosk taps, {sent} feedback items")
    log(f"survey demo: campaigns \u201c{BASELINE}\u201d and \u201c{YEARLY}\u201d; pages at "
        f"{survey}/khao-sat/<commune>/ and {survey}/khao-sat-chien-dich, citizens at {survey}/phan-anh")
    for line in lines:
        log(line)
