"""The flow a commune sees, through HTTP and the real bus (issue: "What a user sees", point 3)."""

import time

import pytest

from motcua_runtime.auth import Role
from tests.helpers import as_json, eventually

pytestmark = pytest.mark.e2e


async def test_a_dossier_flows_from_the_counter_to_letters_ballots_and_figures(stack, services, http, anonymous,
                                                                               commune):
    intake, notify = services["intake"].base_url, services["notify"].base_url
    survey, reporting = services["survey"].base_url, services["reporting"].base_url

    started = time.monotonic()
    dossier = as_json(await http.post(f"{intake}/v1/communes/{commune}/dossiers", json={
        "procedure_code": "HT-KHAISINH", "channel": "counter",
        "applicant": {"full_name": "Lê Thị Hoa", "id_number": "079123456789", "phone": "0912345678"},
        "consent_letters": True, "consent_sms": True,
    }, headers={"X-Correlation-ID": f"corr-{commune}"}))
    code = dossier["dossier_code"]
    assert code.startswith(f"{commune}-")

    async def notifications(at_least: int):
        items = as_json(await http.get(f"{notify}/v1/communes/{commune}/notifications",
                                       params={"dossier_code": code}))["items"]
        return items if len(items) >= at_least else None

    # At the counter: the receipt message. The congratulation comes with the birth certificate.
    kinds = {n["kind"] for n in await eventually(lambda: notifications(1))}
    notified_after = time.monotonic() - started
    assert kinds == {"receipt"}

    async def received_count():
        figures = as_json(await http.get(f"{reporting}/v1/communes/{commune}/figures"))
        return figures if figures["received"] == 1 else None

    await eventually(received_count)
    counted_after = time.monotonic() - started
    print(f"\nnotification after {notified_after:.3f}s, counted after {counted_after:.3f}s")

    as_json(await http.post(f"{intake}/v1/communes/{commune}/dossiers/{code}/return",
                            json={"return_channel": "at_home", "officer_id": "cb-tp-01"},
                            headers={"X-Correlation-ID": f"corr-{commune}-return"}))

    async def open_ballot():
        items = as_json(await http.get(f"{survey}/v1/communes/{commune}/ballots",
                                       params={"dossier_code": code}))["items"]
        return items[0] if items else None

    ballot = await eventually(open_ballot)
    assert ballot["status"] == "open"

    letters = {(n["kind"], n["letter_type"]) for n in await eventually(lambda: notifications(2))}
    assert ("congratulation", "congratulation") in letters, letters

    before = as_json(await http.get(f"{reporting}/v1/communes/{commune}/figures"))
    assert before["ballots"] == 0
    # The citizen rates through the link they were sent: no account, the ballot's token.
    submission = f"{survey}/v1/communes/{commune}/ballots/{ballot['ballot_id']}/submission"
    assert (await anonymous.post(submission, json={"overall": 1})).status_code == 404
    assert (await anonymous.post(submission, json={"overall": 1, "token": "doan-bua"})).status_code == 404
    submitted = await anonymous.post(submission, json={"overall": 5, "comment": "Cán bộ tận tình",
                                                       "token": ballot["token"]})
    assert submitted.status_code == 201, submitted.text

    async def satisfaction_moved():
        figures = as_json(await http.get(f"{reporting}/v1/communes/{commune}/figures"))
        return figures if figures["ballots"] == 1 else None

    after = await eventually(satisfaction_moved)
    assert after["satisfied"] == 1 and after["ballot_satisfaction_rate"] == 1.0
    assert after["returned"] == 1 and after["returned_at_home"] == 1

    again = await http.post(f"{survey}/v1/communes/{commune}/ballots/{ballot['ballot_id']}/submission",
                            json={"overall": 1})
    assert again.status_code == 409
    assert "đã được gửi" in again.json()["error"]["message"]

    # Every service's log follows the dossier by code and correlation id, never by ID or phone number.
    logs = {path.stem: path.read_text(encoding="utf-8") for path in stack.log_dir.glob("*.log")}
    for name in ("intake", "notify", "survey", "reporting"):
        lines = [line for line in logs[name].splitlines() if code in line]
        assert lines, f"{name} logged nothing about {code}"
        expected = f"corr-{commune}-return" if name == "survey" else f"corr-{commune}"
        assert any(expected in line for line in lines), f"{name} lost the correlation id"
    for name, text in logs.items():
        assert "079123456789" not in text and "0912345678" not in text, f"personal data in {name}'s log"


async def test_bad_input_gets_a_clear_error_and_writes_nothing(services, http, accounts, commune):
    intake = services["intake"].base_url
    bad_id = await http.post(f"{intake}/v1/communes/{commune}/dossiers", json={
        "procedure_code": "CT-CHUKY", "applicant": {"full_name": "Phạm Văn Cường", "id_number": "12AB"}})
    assert bad_id.status_code == 422 and "id_number" in bad_id.json()["error"]["message"]
    unknown = await http.post(f"{intake}/v1/communes/{commune}/dossiers", json={
        "procedure_code": "KHONG-CO", "applicant": {"full_name": "Phạm Văn Cường"}},
        headers={"Accept-Language": "en"})
    assert unknown.status_code == 422 and "KHONG-CO" in unknown.json()["error"]["message"]
    # A malformed commune code, sent by an officer of every commune (for anyone else it is
    # simply not their commune: 403, tests/test_access.py).
    async with await accounts.client(Role.COUNTER_OFFICER, "*") as district_officer:
        bad_commune = await district_officer.post(f"{intake}/v1/communes/a.b/dossiers", json={
            "procedure_code": "CT-CHUKY", "applicant": {"full_name": "Phạm Văn Cường"}})
    assert bad_commune.status_code == 422
    listed = as_json(await http.get(f"{intake}/v1/communes/{commune}/dossiers"))
    assert listed["total"] == 0
