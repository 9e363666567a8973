"""Backups (issue 8, "Deploy"): a service's database is backed up, wiped, restored and is the
same again — documents byte for byte, indexes included — and intake restored from a backup
opens its citizens' encrypted data with its master key (which is not in the backup)."""

import asyncio
import random
import sys

import pytest
from pymongo import MongoClient

from tests.conftest import ROOT, extra_service
from tests.helpers import as_json, eventually

sys.path.insert(0, str(ROOT / "deploy/backup"))
import motcua_backup  # noqa: E402

pytestmark = pytest.mark.e2e


@pytest.fixture
def client(stack):
    with MongoClient(stack.mongodb_uri, tz_aware=True, uuidRepresentation="standard") as client:
        yield client


async def test_intake_backed_up_wiped_and_restored_is_the_same_and_still_opens_personal_data(
        stack, services, http, commune, client, tmp_path):
    citizen = {"full_name": "Phạm Thị Hồng", "id_number": f"{random.randrange(10**11, 10**12)}",
               "phone": f"09{random.randrange(10**7, 10**8)}", "address": "Thôn Đông, xã An Bình"}
    intake = services["intake"].base_url
    dossier = as_json(await http.post(f"{intake}/v1/communes/{commune}/dossiers",
                                      json={"procedure_code": "CT-CHUKY", "applicant": citizen}))
    code = dossier["dossier_code"]
    live = f"{stack.database_prefix}intake"
    copy = f"{stack.database_prefix}restored_intake"

    backup = await asyncio.to_thread(motcua_backup.backup, client, live, tmp_path)
    manifest = motcua_backup.read_manifest(backup)
    names = {entry["name"] for entry in manifest["collections"]}
    assert {"dossiers", "outbox", "__keyVault"} <= names  # the data key travels with the data it opens
    assert manifest["snapshot_cluster_time"] is not None

    # Restore, then wipe and restore again: identical documents and indexes each time.
    for _ in range(2):
        client.drop_database(copy)
        restored = await asyncio.to_thread(motcua_backup.restore, client, backup, copy)
        assert restored == {entry["name"]: entry["count"] for entry in manifest["collections"]}
        assert await asyncio.to_thread(motcua_backup.verify, client, backup, copy) == []
        for entry in manifest["collections"]:
            live_indexes = {i["name"] for i in client[copy][entry["name"]].list_indexes()}
            assert {i["name"] for i in entry["indexes"]} <= live_indexes
    raw = client[copy].dossiers.find_one({"code": code})
    assert citizen["phone"] not in repr(raw) and citizen["id_number"] not in repr(raw)

    # A database holding data is not overwritten by mistake.
    with pytest.raises(SystemExit, match="--drop"):
        motcua_backup.restore(client, backup, copy)
    # A damaged backup is refused before anything is touched.
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    for path in backup.iterdir():
        (damaged / path.name).write_bytes(path.read_bytes())
    dossiers_file = damaged / next(e["file"] for e in manifest["collections"] if e["name"] == "dossiers")
    dossiers_file.write_bytes(dossiers_file.read_bytes()[:-10])
    with pytest.raises(SystemExit, match="checksum"):
        motcua_backup.restore(client, damaged, copy, drop=True)

    # Intake running on the restored database, with the deployment's master key, reads the citizen.
    restored_intake = extra_service(stack, "intake")
    restored_intake.start({**stack.service_env, "INTAKE_DATABASE": copy, "INTAKE_RELAY_ENABLED": "false"})
    try:
        await asyncio.to_thread(restored_intake.wait_ready, 60)
        lookup = f"{restored_intake.base_url}/v1/public/dossiers/{code}/status"

        async def found():
            response = await http.get(lookup, params={"phone_last_digits": citizen["phone"][-4:]})
            return response if response.status_code == 200 else None

        assert as_json(await eventually(found, timeout=20))["dossier_code"] == code
        receipt = await http.get(f"{restored_intake.base_url}/v1/communes/{commune}/dossiers/{code}/forms/01.html")
        assert receipt.status_code == 200 and citizen["address"] in receipt.text
    finally:
        restored_intake.stop()
        client.drop_database(copy)


def test_the_command_line_backs_up_and_restores(stack, client, tmp_path, capsys):
    source = f"{stack.database_prefix}cli_{random.randrange(10**6)}"
    target = source + "_restored"
    client[source].things.insert_many([{"_id": n, "name": f"Xã số {n}", "nested": {"n": [n, n * 2]}}
                                       for n in range(2500)])
    client[source].things.create_index("name", unique=True)
    try:
        assert motcua_backup.main(["backup", "--uri", stack.mongodb_uri, "--database", source,
                                   "--out", str(tmp_path)]) == 0
        backup = capsys.readouterr().out.strip()
        assert motcua_backup.main(["restore", "--uri", stack.mongodb_uri, "--from", backup,
                                   "--database", target]) == 0
        assert "things: 2500" in capsys.readouterr().out
        assert motcua_backup.main(["verify", "--uri", stack.mongodb_uri, "--from", backup,
                                   "--database", target]) == 0
        client[target].things.delete_one({"_id": 7})
        assert motcua_backup.main(["verify", "--uri", stack.mongodb_uri, "--from", backup,
                                   "--database", target]) == 1
        assert client[target].things.index_information()["name_1"]["unique"] is True
    finally:
        client.drop_database(source)
        client.drop_database(target)
