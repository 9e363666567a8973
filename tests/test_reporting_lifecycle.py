"""Reporting counts the dossier lifecycle from the real bus: a supplement request and a refusal
made at the counter show in the commune's figures, each once."""

import pytest

from tests.helpers import as_json, eventually

pytestmark = pytest.mark.e2e

APPLICANT = {"full_name": "Đỗ Thị Lan", "id_number": "001190012345", "phone": "0987123456"}


async def test_supplement_request_and_refusal_are_counted_once(services, http, commune):
    base = f"{services['intake'].base_url}/v1/communes/{commune}/dossiers"
    first = as_json(await http.post(base, json={"procedure_code": "CT-CHUKY", "applicant": APPLICANT}))
    second = as_json(await http.post(base, json={"procedure_code": "CT-BANSAO", "applicant": APPLICANT}))

    response = await http.post(f"{base}/{first['dossier_code']}/supplement-request",
                               json={"missing_items": ["Bản sao CCCD", "Tờ khai theo mẫu"]})
    assert response.status_code == 200, response.text
    response = await http.post(f"{base}/{second['dossier_code']}/refusal",
                               json={"reason": "Không thuộc thẩm quyền giải quyết của xã"})
    assert response.status_code == 200, response.text

    url = f"{services['reporting'].base_url}/v1/communes/{commune}/figures"

    async def counted():
        figures = as_json(await http.get(url))
        done = figures["received"] == 2 and figures["supplements_requested"] == 1 and figures["refused"] == 1
        return figures if done else None

    figures = await eventually(counted, timeout=120, interval=0.2)
    assert figures["withdrawn"] == 0 and figures["rescheduled"] == 0
    assert figures["online_share"] == 0.0  # both received at the counter
