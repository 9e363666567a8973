"""Personal data is read on the record: service accounts (client credentials) fetch a citizen's
contact, officers read the applicant and print forms, and every such read lands in intake's
append-only access log, which the commune leader reviews (the overseer reads every commune).
Refused attempts leave a trace too."""

import json
import random
import re
import uuid
from pathlib import Path

import httpx
import pytest
from bson.binary import Binary
from pymongo import AsyncMongoClient

from motcua_intake.adapters.audit import PERSONAL_DATA_ACCESS
from motcua_intake.adapters.encryption import ENCRYPTED_SUBTYPE
from motcua_intake.adapters.repository import DOSSIERS
from motcua_runtime.auth import ACCESS_DENIALS, Role
from tests.helpers import as_json, eventually

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
async def mongo(stack):
    client = AsyncMongoClient(stack.mongodb_uri, tz_aware=True, uuidRepresentation="standard")
    yield client
    await client.close()


def a_citizen() -> dict:
    return {"full_name": "Lê Văn Tám", "id_number": f"{random.randrange(10**11, 10**12)}",
            "phone": f"09{random.randrange(10**7, 10**8)}", "address": f"Thôn {uuid.uuid4().hex[:8]}",
            "email": f"le.tam.{uuid.uuid4().hex[:6]}@example.vn"}


async def service_token(stack, identity: str, client_id: str = "notify", secret: str | None = None) -> httpx.Response:
    secret = secret if secret is not None else stack.auth_env["NOTIFY_SERVICE_CLIENT_SECRET"]
    async with httpx.AsyncClient(timeout=15) as client:
        return await client.post(f"{identity}/v1/token", data={
            "grant_type": "client_credentials", "client_id": client_id, "client_secret": secret})


async def receive(http, intake: str, commune: str, citizen: dict, **extra) -> dict:
    return as_json(await http.post(f"{intake}/v1/communes/{commune}/dossiers",
                                   json={"procedure_code": "CT-BANSAO", "applicant": citizen, **extra}))


async def test_notify_reads_a_contact_with_its_service_account_and_the_read_is_logged(
        stack, services, identity, http, leader, overseer, accounts, mongo, commune):
    intake = services["intake"].base_url
    assert stack.auth_env["NOTIFY_INTAKE_URL"] == intake and stack.auth_env["NOTIFY_IDENTITY_URL"] == identity
    citizen = a_citizen()
    dossier = await receive(http, intake, commune, citizen, consent_sms=True)
    assert dossier["received_by"] and dossier["consent_sms"] is True
    stored = await mongo[services["intake"].database][DOSSIERS].find_one({"code": dossier["dossier_code"]})
    assert isinstance(stored["applicant"]["email"], Binary) and stored["applicant"]["email"].subtype == ENCRYPTED_SUBTYPE
    assert stored["legal_basis"] == {"procedure": "legal_obligation", "letters": None, "sms": "consent"}

    # The service account: a form body, OAuth 2 style; a wrong secret gets nothing.
    assert (await service_token(stack, identity, secret="doan-mo")).status_code == 401
    issued = await service_token(stack, identity)
    token = as_json(issued)
    assert token["token_type"].lower() == "bearer" and token["expires_in"] > 60
    svc = {"Authorization": f"Bearer {token['access_token']}"}
    me = as_json(await http.get(f"{identity}/v1/me", headers=svc))
    assert me["subject"] == "svc:notify" and me["roles"] == ["service"] and me["communes"] == ["*"]

    url = f"{intake}/v1/internal/dossiers/{dossier['dossier_id']}/contact"
    async with httpx.AsyncClient(timeout=15, headers=svc) as notify:
        contact = as_json(await notify.get(url, params={"purpose": "Gửi tin nhắn giấy hẹn"}))
        assert (await notify.get(f"{intake}/v1/internal/dossiers/{uuid.uuid4()}/contact")).status_code == 404
        # A service account is not an officer: commune data stays closed to it.
        assert (await notify.get(f"{intake}/v1/communes/{commune}/dossiers")).status_code == 403
    assert contact == {**contact, "dossier_code": dossier["dossier_code"], "commune_code": commune,
                       "applicant_name": citizen["full_name"], "phone": citizen["phone"], "email": citizen["email"],
                       "address": citizen["address"], "consent_letters": False, "consent_sms": True,
                       "opted_out": False}
    assert (await http.get(url)).status_code == 403  # an officer does not use the internal endpoint

    # The officer reads the applicant and prints the receipt: two more entries.
    applicant = as_json(await http.get(f"{intake}/v1/communes/{commune}/dossiers/{dossier['dossier_code']}/applicant",
                                       params={"purpose": "Đối chiếu CCCD khi trả kết quả"}))
    assert applicant["id_number"] == citizen["id_number"]
    assert (await http.get(f"{intake}/v1/communes/{commune}/dossiers/{dossier['dossier_code']}/forms/01.html")).status_code == 200

    log = as_json(await leader.get(f"{intake}/v1/communes/{commune}/personal-data-access"))
    entries = {(e["actor"], e["action"], e["purpose"]) for e in log["items"]}
    officer = dossier["received_by"]
    assert ("svc:notify", "contact", "Gửi tin nhắn giấy hẹn") in entries
    assert (officer, "view_applicant", "Đối chiếu CCCD khi trả kết quả") in entries
    assert (officer, "print_form", "In biểu mẫu của hồ sơ") in entries  # the route's default purpose
    assert all(e["dossier_code"] == dossier["dossier_code"] for e in log["items"])
    # References only: the log itself holds no personal data.
    raw = json.dumps([{k: str(v) for k, v in d.items()} async for d in
                      mongo[services["intake"].database][PERSONAL_DATA_ACCESS].find({"commune_code": commune})])
    assert all(citizen[k] not in raw for k in ("id_number", "phone", "address", "email"))

    # Who may review: the leader of the commune; the overseer reads (every commune); not the officer.
    assert (await http.get(f"{intake}/v1/communes/{commune}/personal-data-access")).status_code == 403
    assert as_json(await overseer.get(f"{intake}/v1/communes/{commune}/personal-data-access"))["total"] == log["total"]
    district = as_json(await overseer.get(f"{intake}/v1/personal-data-access", params={"commune_code": commune}))
    assert district["total"] == log["total"]
    # Any period reads: everything from the first day to the last (was a 422 "number too large").
    everything = as_json(await leader.get(f"{intake}/v1/communes/{commune}/personal-data-access",
                                          params={"from": "0001-01-01", "to": "9999-12-31"}))
    assert everything["total"] == log["total"]
    other_leader = await accounts.headers(Role.COMMUNE_LEADER, "X" + commune[1:])
    assert (await http.get(f"{intake}/v1/communes/{commune}/personal-data-access",
                           headers=other_leader)).status_code == 403
    assert (await leader.get(f"{intake}/v1/personal-data-access")).status_code == 403


async def test_the_access_log_has_no_update_or_delete_path():
    """Append-only by construction: no code of intake updates, replaces or deletes an entry,
    and the API has no method but GET on it."""
    source = ROOT / "services" / "intake" / "src"
    offending = []
    for path in source.rglob("*.py"):
        text = path.read_text()
        if "PERSONAL_DATA_ACCESS" not in text and "personal_data_access_log" not in text:
            continue
        for line in text.splitlines():
            if re.search(r"PERSONAL_DATA_ACCESS\]\.(update|replace|delete|find_one_and|drop|bulk_write)", line) or \
                    re.search(r"personal_data_access_log.*\.(update|replace|delete|drop)", line):
                offending.append(f"{path.name}: {line.strip()}")
    assert offending == []
    from motcua_intake.entrypoints.access import ACCESS
    methods = {m for (m, p) in ACCESS.rules if "personal-data-access" in p}
    assert methods == {"GET"}


async def test_a_cross_commune_attempt_leaves_a_trace(services, http, mongo, commune):
    intake = services["intake"]
    other = "Z" + commune[1:]
    refused = await http.get(f"{intake.base_url}/v1/communes/{other}/dossiers/{other}-260101-0001/applicant")
    assert refused.status_code == 403
    guessed = await http.get(f"{intake.base_url}/v1/communes/{commune}/dossiers/{other}-260101-0001")
    assert guessed.status_code == 404

    async def traces():
        return [d async for d in mongo[intake.database][ACCESS_DENIALS].find(
            {"path": {"$regex": f"{other}-260101-0001"}})]

    found = await eventually(lambda: _two(traces))
    assert {(d["status"], d["commune_code"]) for d in found} == {(403, other), (404, commune)}
    assert all(d["subject"] and d["route"] for d in found)


async def _two(fetch):
    docs = await fetch()
    return docs if len(docs) >= 2 else None


async def test_consent_is_recorded_and_a_citizen_opts_out_with_the_phone_digits(
        stack, services, identity, http, anonymous, commune):
    intake = services["intake"].base_url
    citizen = a_citizen()
    dossier = await receive(http, intake, commune, citizen, consent_letters=True, consent_sms=True)
    opt_out = f"{intake}/v1/public/dossiers/{dossier['dossier_code']}/opt-out"
    wrong = "0000" if citizen["phone"][-4:] != "0000" else "1111"
    refused = await anonymous.post(opt_out, json={"phone_last_digits": wrong})
    assert refused.status_code == 404 and refused.json()["error"]["code"] == "lookup_failed"

    done = as_json(await anonymous.post(opt_out, json={"phone_last_digits": citizen["phone"][-4:]}))
    assert done["opted_out"] is True and "không nhận thư, tin nhắn" in done["message"]
    token = as_json(await service_token(stack, identity))["access_token"]
    contact = as_json(await anonymous.get(f"{intake}/v1/internal/dossiers/{dossier['dossier_id']}/contact",
                                          headers={"Authorization": f"Bearer {token}"}))
    # The consent given at the counter stays on record; the opt-out withdraws it from now on.
    assert contact["consent_letters"] is True and contact["consent_sms"] is True and contact["opted_out"] is True
    assert contact["legal_basis"] == {"procedure": "legal_obligation", "letters": None, "sms": None}

    # Guessing the digits is rate limited like the lookup.
    other = await receive(http, intake, commune, a_citizen())
    guess = f"{intake}/v1/public/dossiers/{other['dossier_code']}/opt-out"
    answers = [(await anonymous.post(guess, json={"phone_last_digits": f"{n:04d}"})).status_code for n in range(7)]
    assert answers[-1] == 429 and set(answers) <= {404, 429}
