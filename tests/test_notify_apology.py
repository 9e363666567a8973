"""A reschedule at the counter makes notify plan exactly one apology letter (form 04) with
the reason and both appointments, through the real bus."""

import asyncio
from datetime import date, timedelta

import pytest

from tests.helpers import as_json, eventually

pytestmark = pytest.mark.e2e

APPLICANT = {"full_name": "Đỗ Thị Lan", "id_number": "001190012345", "phone": "0987123456"}


async def test_a_reschedule_makes_one_apology_letter(services, http, commune):
    base = f"{services['intake'].base_url}/v1/communes/{commune}/dossiers"
    dossier = as_json(await http.post(base, json={"procedure_code": "HT-XNTTHN", "applicant": APPLICANT}))
    code = dossier["dossier_code"]
    previous = dossier["appointment_at"]
    new_date = (date.fromisoformat(previous[:10]) + timedelta(days=7)).isoformat()
    as_json(await http.post(f"{base}/{code}/reschedule",
                            json={"new_appointment_date": new_date, "reason": "Chờ xác minh thông tin"}))

    url = f"{services['notify'].base_url}/v1/communes/{commune}/notifications"

    async def apologies():
        items = as_json(await http.get(url, params={"dossier_code": code}))["items"]
        return [n for n in items if n["kind"] == "apology"]

    [apology] = await eventually(apologies, timeout=20)
    assert apology["channel"] == "letter"
    assert apology["reason"] == "Chờ xác minh thông tin"
    assert apology["previous_appointment_at"][:10] == previous[:10]
    assert apology["appointment_at"][:10] == new_date
    await asyncio.sleep(1)
    assert len(await apologies()) == 1
