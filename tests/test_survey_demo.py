"""The survey demo data loads through the real API and loads once: a second run (``make up``
again on the same data) adds nothing."""

import httpx
import pytest

from motcua_devstack.demo import DEMO_COMMUNES
from motcua_devstack.demo_survey import BASELINE, YEARLY, load_survey_demo
from tests.helpers import as_json

pytestmark = pytest.mark.e2e


async def test_the_survey_demo_loads_campaigns_ballots_and_feedback_once(services, overseer):
    urls = {name: process.base_url for name, process in services.items()}
    survey = urls["survey"]
    commune = DEMO_COMMUNES[0]
    lines: list[str] = []
    async with httpx.AsyncClient(timeout=30) as client:
        await load_survey_demo(client, urls, [commune], log=lines.append)
        first = as_json(await overseer.get(f"{survey}/v1/communes/{commune.code}/satisfaction"))
        await load_survey_demo(client, urls, [commune], log=lines.append)
    second = as_json(await overseer.get(f"{survey}/v1/communes/{commune.code}/satisfaction"))
    assert first == second
    assert first["by_channel"]["paper"]["answers"] == 14 and first["by_channel"]["in_person"]["answers"] == 20
    assert first["by_channel"]["kiosk"]["answers"] == 12
    campaigns = {c["name"]: c for c in as_json(await overseer.get(f"{survey}/v1/campaigns"))["items"]}
    baseline = as_json(await overseer.get(f"{survey}/v1/campaigns/{campaigns[BASELINE]['campaign_id']}"))
    yearly = as_json(await overseer.get(f"{survey}/v1/campaigns/{campaigns[YEARLY]['campaign_id']}"))
    assert baseline["by_commune"][commune.code]["answers"] == 14 and yearly["by_commune"][commune.code]["answers"] == 20
    feedback = as_json(await overseer.get(f"{survey}/v1/communes/{commune.code}/feedback"))["items"]
    assert len(feedback) == 3 and sum(f["status"] == "answered" for f in feedback) == 1
    assert any("34 paper/interview ballots, 12 kiosk taps, 3 feedback items" in line for line in lines)
    assert any("0 paper/interview ballots, 0 kiosk taps, 0 feedback items" in line for line in lines)
