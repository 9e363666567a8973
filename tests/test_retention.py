"""Personal data is kept for a configurable period after a dossier ends, then erased by a job
whose every run is recorded; the dossier's other facts stay for statistics (real MongoDB)."""

import random
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from pymongo import AsyncMongoClient

from motcua_intake.adapters.repository import DOSSIERS
from motcua_intake.adapters.retention import RETENTION_RUNS, retention_once
from motcua_intake.settings import IntakeSettings
from motcua_runtime.auth import Role
from tests.helpers import as_json

pytestmark = pytest.mark.e2e


@pytest.fixture
async def mongo(stack):
    client = AsyncMongoClient(stack.mongodb_uri, tz_aware=True, uuidRepresentation="standard")
    yield client
    await client.close()


def citizen() -> dict:
    return {"full_name": "Trần Thị Mai", "id_number": f"{random.randrange(10**11, 10**12)}",
            "phone": f"09{random.randrange(10**7, 10**8)}", "address": f"Xóm {uuid.uuid4().hex[:8]}",
            "email": f"mai.{uuid.uuid4().hex[:6]}@example.vn", "priority_group": "nguoi_khuyet_tat"}


async def test_personal_data_past_retention_is_erased_and_every_run_is_recorded(
        stack, services, http, admin, leader, accounts, mongo, commune):
    intake = services["intake"]
    base = f"{intake.base_url}/v1/communes/{commune}/dossiers"
    old, recent, active = citizen(), citizen(), citizen()
    codes = {}
    for name, who in (("old", old), ("recent", recent), ("active", active)):
        codes[name] = as_json(await http.post(base, json={"procedure_code": "CT-BANSAO", "applicant": who,
                                                          "assisted_by": "Tình nguyện viên Hà"}))["dossier_code"]
    for name in ("old", "recent"):
        as_json(await http.post(f"{base}/{codes[name]}/return", json={"return_channel": "counter"}))
    # The old one ended six years ago (longer than the default five years of retention).
    dossiers = mongo[intake.database][DOSSIERS]
    long_ago = datetime.now(UTC) - timedelta(days=6 * 365)
    await dossiers.update_one({"code": codes["old"]}, {"$set": {"returned_at": long_ago}})
    before = await dossiers.find_one({"code": codes["old"]})

    assert (await http.post(f"{intake.base_url}/v1/retention/runs")).status_code == 403  # officers cannot
    run = as_json(await admin.post(f"{intake.base_url}/v1/retention/runs"))
    assert run["status"] == "finished" and run["trigger"] == "api" and run["by_commune"] == {commune: 1}
    assert run["retention_days"] == 5 * 365

    after = await dossiers.find_one({"code": codes["old"]})
    assert after["applicant"] == {"full_name": "T*** T** M**", "id_number": None, "phone": None, "address": None,
                                  "email": None, "priority_group": None}
    assert after["assisted_by"] is None and after["anonymised_at"] is not None
    for fact in ("commune_code", "procedure", "channel", "received_at", "appointment_at", "returned_at",
                 "timeliness", "status"):
        assert after[fact] == before[fact], fact
    for name in ("recent", "active"):  # ended lately, or still open: untouched
        kept = await dossiers.find_one({"code": codes[name]})
        assert kept["applicant"]["phone"] is not None and kept.get("anonymised_at") is None
    # The dossier still answers; its applicant is gone; a lookup with the old digits finds nothing.
    assert as_json(await http.get(f"{base}/{codes['old']}"))["anonymised"] is True
    applicant = as_json(await http.get(f"{base}/{codes['old']}/applicant"))
    assert applicant["phone"] is None and applicant["id_number"] is None
    lookup = await http.get(f"{intake.base_url}/v1/public/dossiers/{codes['old']}/status",
                            params={"phone_last_digits": old["phone"][-4:]})
    assert lookup.status_code == 404

    # The command does the same; nothing is left to erase, and that run is recorded too.
    settings = IntakeSettings(mongodb_uri=stack.mongodb_uri, nats_url=stack.nats_url, database=intake.database)
    again = await retention_once(settings)
    assert again["status"] == "finished" and again["by_commune"].get(commune, 0) == 0
    stored = await mongo[intake.database][RETENTION_RUNS].find_one({"_id": again["_id"]})
    assert stored["trigger"] == "command" and stored["finished_at"] >= stored["started_at"]

    # Leaders read the runs, with their commune's count only; other roles are refused.
    runs = as_json(await leader.get(f"{intake.base_url}/v1/retention/runs"))
    mine = next(r for r in runs["items"] if r["run_id"] == run["run_id"])
    assert mine["by_commune"] == {commune: 1} and runs["total"] >= 2
    other_leader = await accounts.headers(Role.COMMUNE_LEADER, "Y" + commune[1:])
    theirs = as_json(await http.get(f"{intake.base_url}/v1/retention/runs", headers=other_leader))
    assert next(r for r in theirs["items"] if r["run_id"] == run["run_id"])["by_commune"] == {}
    assert (await http.get(f"{intake.base_url}/v1/retention/runs")).status_code == 403
