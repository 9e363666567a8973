"""Campaigns and paper ballots against the real survey process: an administrator plans a
baseline and a yearly campaign; the commune's survey team enters batches of paper ballots
(all or nothing; a paper number twice in a campaign is refused with the reason, also when two
batches race); progress against the target; before/after; and the figure a district quotes
("548 satisfied of 600") read back from the SurveySubmitted events alone."""

import asyncio

import pytest

from motcua_runtime.auth import Role
from tests.helpers import as_json
from tests.test_survey_ballots import soon, events_of

pytestmark = pytest.mark.e2e


def papers(*rows) -> list[dict]:
    return [{"paper_number": number, "overall": overall, **extra} for number, overall, extra in rows]


async def plan(admin, survey: str, commune: str, name: str, kind: str, target: int) -> dict:
    return as_json(await admin.post(f"{survey}/v1/campaigns", json={
        "name": name, "kind": kind, "starts_on": "2026-01-05", "ends_on": "2026-12-20", "communes": [commune],
        "target_sample": target, "channel": "paper", "run_by": "Ủy ban MTTQ Việt Nam huyện"}))


async def test_paper_batches_campaign_progress_and_before_after(stack, services, accounts, admin, http, commune):
    survey = services["survey"].base_url
    baseline = await plan(admin, survey, commune, "Khảo sát ban đầu trước mô hình thân thiện", "baseline", 5)
    yearly = await plan(admin, survey, commune, "Khảo sát năm 2026 của MTTQ", "yearly", 3)
    assert baseline["question_set"] == "sipas-2025.1"
    batches = f"{survey}/v1/communes/{commune}/paper-batches"

    async with await accounts.client(Role.SURVEY_TEAM_MEMBER, commune) as team:
        first = as_json(await team.post(batches, json={"campaign_id": baseline["campaign_id"], "team_id": "MTTQ-to-1",
                                                       "ballots": papers(
            ("BL-001", 5, {"factors": {"officer": 5}}), ("BL-002", 3, {"factors": {"officer": 3}}),
            ("BL-003", 2, {"complaint": True, "comment": "Phải đi lại nhiều lần", "visits": 3}))}))
        assert first["entered"] == 3 and first["team_id"] == "MTTQ-to-1"

        again = await team.post(batches, json={"campaign_id": baseline["campaign_id"], "team_id": "MTTQ-to-2",
                                               "ballots": papers(("BL-004", 5, {}), ("BL-002", 4, {}))})
        assert again.status_code == 409
        error = again.json()["error"]
        assert error["code"] == "paper_number_taken" and "BL-002" in error["message"]
        assert "Không lưu phiếu nào" in error["message"]
        twice = await team.post(batches, json={"campaign_id": baseline["campaign_id"],
                                               "ballots": papers(("BL-005", 5, {}), ("BL-005", 5, {}))})
        assert twice.status_code == 409 and "BL-005" in twice.json()["error"]["message"]
        bad = await team.post(batches, json={"campaign_id": baseline["campaign_id"],
                                             "ballots": papers(("BL-006", 5, {}), ("BL-007", 5, {"factors": {"x": 1}}))})
        assert bad.status_code == 422

        # Two members enter the same paper at the same moment: one batch is stored, the other refused.
        race = await asyncio.gather(*(team.post(batches, json={"campaign_id": baseline["campaign_id"],
                                                               "ballots": papers(("BL-010", 4, {}))})
                                      for _ in range(4)))
        assert sorted(r.status_code for r in race) == [201, 409, 409, 409]

        as_json(await team.post(batches, json={"campaign_id": yearly["campaign_id"], "ballots": papers(
            ("NAM-1", 5, {"factors": {"officer": 5}}), ("NAM-2", 4, {"factors": {"officer": 4}}),
            ("BL-001", 5, {}))}))  # another campaign: its own numbering

        # Their communes only; and only survey teams enter paper.
        assert (await team.post(f"{survey}/v1/communes/X{commune}/paper-batches", json={
            "campaign_id": baseline["campaign_id"], "ballots": papers(("Z-1", 5, {}))})).status_code == 403
    assert (await http.post(batches, json={"campaign_id": baseline["campaign_id"],
                                           "ballots": papers(("Z-2", 5, {}))})).status_code == 403
    async with await accounts.client(Role.SURVEY_TEAM_MEMBER, f"Y{commune}") as elsewhere:
        foreign = await elsewhere.post(f"{survey}/v1/communes/Y{commune}/paper-batches", json={
            "campaign_id": baseline["campaign_id"], "ballots": papers(("Z-3", 5, {}))})
        assert foreign.status_code == 422 and foreign.json()["error"]["code"] == "campaign_not_for_commune"

    progress = as_json(await http.get(f"{survey}/v1/campaigns/{baseline['campaign_id']}"))
    assert (progress["answers"], progress["satisfied"], progress["target_sample"]) == (4, 2, 5)
    assert progress["progress"] == 0.8 and progress["by_commune"][commune]["answers"] == 4
    assert progress["factor_means"] == {"officer": 4.0}
    compared = as_json(await http.get(f"{survey}/v1/campaigns/comparison",
                                      params={"before": baseline["campaign_id"], "after": yearly["campaign_id"]}))
    assert compared["comparable"] is True
    assert compared["satisfaction_rate_change_points"] == 50.0  # 2/4 → 3/3
    assert compared["factor_mean_change"] == {"officer": 0.5}
    page = await http.get(f"{survey}/khao-sat-chien-dich",
                          params={"truoc": baseline["campaign_id"], "sau": yearly["campaign_id"]})
    assert page.status_code == 200 and "Khảo sát ban đầu trước mô hình thân thiện" in page.text
    assert "4/5 (80%)" in page.text and "+50.0" in page.text

    # The complaint on paper reached the leader's list, without any dossier.
    [follow_up] = as_json(await http.get(f"{survey}/v1/communes/{commune}/follow-ups"))["items"]
    assert follow_up["channel"] == "paper" and follow_up["comment"] == "Phải đi lại nhiều lần"

    # The district's figure comes out of the events alone.
    async def campaign_events():
        found = [e for e in await events_of(stack.nats_url, f"motcua.events.{commune}.SurveySubmitted.v1")
                 if e["data"]["campaign_id"] == baseline["campaign_id"]]
        return found if len(found) >= 4 else None

    events = await soon(campaign_events)
    satisfied = sum(e["data"]["satisfied"] for e in events)
    assert (satisfied, len(events)) == (progress["satisfied"], progress["answers"])
    assert {e["data"]["team_id"] for e in events} >= {"MTTQ-to-1"}
    assert all(e["data"]["channel"] == "paper" and e["data"]["dossier_id"] is None for e in events)


async def test_only_administrators_plan_campaigns_and_bad_plans_are_refused(services, admin, leader, commune):
    survey = services["survey"].base_url
    body = {"name": "Khảo sát quý", "starts_on": "2026-03-01", "ends_on": "2026-03-31", "communes": [commune],
            "target_sample": 100, "channel": "phone"}
    assert (await leader.post(f"{survey}/v1/campaigns", json=body)).status_code == 403
    backwards = await admin.post(f"{survey}/v1/campaigns", json={**body, "ends_on": "2026-02-01"})
    assert backwards.status_code == 422 and backwards.json()["error"]["code"] == "invalid_campaign"
    assert (await admin.post(f"{survey}/v1/campaigns", json={**body, "channel": "kiosk"})).status_code == 422
    assert (await admin.post(f"{survey}/v1/campaigns", json={**body, "target_sample": 0})).status_code == 422
    created = as_json(await admin.post(f"{survey}/v1/campaigns", json=body))
    listed = as_json(await leader.get(f"{survey}/v1/campaigns"))["items"]
    assert created["campaign_id"] in {c["campaign_id"] for c in listed}
