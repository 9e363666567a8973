"""Citizens' ID numbers, phones and addresses are unreadable in a raw dump of intake's
database, while the running service still serves the dossier, its forms and the citizen
lookup; dossiers written in clear before encryption still read and are encrypted in place
by the one-off migration; a service without its master key does not start."""

import asyncio
import os
import random
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from bson.binary import Binary
from bson.codec_options import CodecOptions
from bson.raw_bson import RawBSONDocument
from pymongo import AsyncMongoClient

from motcua_contracts import Channel
from motcua_devstack.servers import ServerStartError
from motcua_devstack.stack import SERVICES, ServiceProcess
from motcua_intake.adapters.encryption import (
    ENCRYPTED_SUBTYPE,
    PersonalDataKeyError,
    open_field_encrypter,
    rotate_master_key,
)
from motcua_intake.adapters.migrate_personal_data import migrate
from motcua_intake.adapters.repository import DOSSIERS, to_document
from motcua_intake.domain.catalogue import find_procedure
from motcua_intake.domain.model import Applicant, Dossier
from motcua_intake.settings import IntakeSettings
from tests.helpers import as_json

pytestmark = pytest.mark.e2e

PERSONAL = ("id_number", "phone", "address", "email")


def a_citizen() -> dict:
    """Values no other test uses, so a scan of the whole database finds only this test's."""
    return {"full_name": "Phạm Thị Hồng", "id_number": f"{random.randrange(10**11, 10**12)}",
            "phone": f"09{random.randrange(10**7, 10**8)}",
            "address": f"So {random.randint(1, 999)} duong Thu Nghiem {uuid.uuid4().hex[:10]}",
            "email": f"hong.{uuid.uuid4().hex[:10]}@example.vn"}


@pytest.fixture
async def mongo(stack):
    client = AsyncMongoClient(stack.mongodb_uri, tz_aware=True, uuidRepresentation="standard")
    yield client
    await client.close()


def intake_settings(stack, services) -> IntakeSettings:
    key = {"data_key_master_file": stack.service_env["INTAKE_DATA_KEY_MASTER_FILE"]} \
        if "INTAKE_DATA_KEY_MASTER_FILE" in stack.service_env else {}
    return IntakeSettings(mongodb_uri=stack.mongodb_uri, nats_url=stack.nats_url,
                          database=services["intake"].database, **key)


async def raw_dump(mongo: AsyncMongoClient, database: str) -> bytes:
    """Every document of every collection, as the bytes MongoDB stores."""
    db = mongo.get_database(database, codec_options=CodecOptions(document_class=RawBSONDocument))
    chunks = []
    for name in await db.list_collection_names():
        chunks += [doc.raw async for doc in db[name].find({})]
    return b"".join(chunks)


async def test_personal_fields_are_unreadable_in_the_database_and_served_by_the_api(
        services, http, mongo, commune):
    intake = services["intake"]
    citizen = a_citizen()
    base = f"{intake.base_url}/v1/communes/{commune}/dossiers"
    dossier = as_json(await http.post(base, json={"procedure_code": "CT-BANSAO", "applicant": citizen}))
    code = dossier["dossier_code"]

    stored = await mongo[intake.database][DOSSIERS].find_one({"code": code})
    for name in PERSONAL:
        value = stored["applicant"][name]
        assert isinstance(value, Binary) and value.subtype == ENCRYPTED_SUBTYPE, name
    assert stored["applicant"]["full_name"] == citizen["full_name"]  # searched by officers, kept in clear
    dump = await raw_dump(mongo, intake.database)
    assert code.encode() in dump
    for name in PERSONAL:
        assert citizen[name].encode() not in dump, f"{name} readable in the database"

    # The service decrypts: the dossier, the receipt with the address, the citizen's lookup.
    assert as_json(await http.get(f"{base}/{code}"))["applicant_name_masked"] == "P*** T** H***"
    receipt = await http.get(f"{base}/{code}/forms/01.html")
    assert receipt.status_code == 200 and citizen["address"] in receipt.text
    lookup = f"{intake.base_url}/v1/public/dossiers/{code}/status"
    found = await http.get(lookup, params={"phone_last_digits": citizen["phone"][-4:]})
    assert as_json(found)["dossier_code"] == code
    wrong = "0000" if citizen["phone"][-4:] != "0000" else "1111"
    assert (await http.get(lookup, params={"phone_last_digits": wrong})).status_code == 404


async def test_a_dossier_written_in_clear_still_reads_and_the_migration_encrypts_it_once(
        stack, services, http, mongo, commune):
    intake = services["intake"]
    citizen = a_citizen()
    now = datetime.now(UTC)
    old = Dossier(commune_code=commune, code=f"{commune}-{now - timedelta(days=2):%y%m%d}-0001",
                  procedure=find_procedure("CT-BANSAO"), channel=Channel.COUNTER, applicant=Applicant(**citizen),
                  received_at=now - timedelta(days=2), appointment_at=now + timedelta(days=1))
    await mongo[intake.database][DOSSIERS].insert_one(to_document(old))  # as written before encryption
    lookup = f"{intake.base_url}/v1/public/dossiers/{old.code}/status"
    digits = {"phone_last_digits": citizen["phone"][-4:]}

    assert as_json(await http.get(lookup, params=digits))["dossier_code"] == old.code
    assert citizen["address"] in (await http.get(
        f"{intake.base_url}/v1/communes/{commune}/dossiers/{old.code}/forms/01.html")).text

    settings = intake_settings(stack, services)
    assert await migrate(settings) >= 1
    stored = await mongo[intake.database][DOSSIERS].find_one({"_id": old.id})
    assert all(stored["applicant"][name].subtype == ENCRYPTED_SUBTYPE for name in PERSONAL)
    dump = await raw_dump(mongo, intake.database)
    assert all(citizen[name].encode() not in dump for name in PERSONAL)
    assert await migrate(settings) == 0  # nothing left in clear: a second run changes nothing
    assert as_json(await http.get(lookup, params=digits))["dossier_code"] == old.code

    # Every start (the service's, the migration's twice) found the one data key by its name.
    vault = mongo[intake.database]["__keyVault"]
    assert await vault.count_documents({"keyAltNames": settings.data_key_alt_name}) == 1


async def test_another_master_key_cannot_open_the_data_key(stack, services, mongo):
    settings = intake_settings(stack, services)
    with pytest.raises(PersonalDataKeyError, match="cannot be opened with the configured master key"):
        await open_field_encrypter(mongo, os.urandom(96), f"{settings.database}.__keyVault",
                                   settings.data_key_alt_name)


async def test_a_new_master_key_rewraps_the_data_key_and_the_old_one_stops_working(stack, mongo):
    # Its own key vault: the running service keeps its key.
    namespace, name = f"{stack.database_prefix}rotation.__keyVault", "intake-applicant"
    old_key, new_key = os.urandom(96), os.urandom(96)
    before = await open_field_encrypter(mongo, old_key, namespace, name)
    stored = await before.encrypt("0912345678")
    await before.close()

    assert await rotate_master_key(mongo, namespace, name, old_key, new_key) == 1
    after = await open_field_encrypter(mongo, new_key, namespace, name)
    assert await after.decrypt(stored) == "0912345678"  # the data was not re-encrypted
    await after.close()
    with pytest.raises(PersonalDataKeyError):
        await open_field_encrypter(mongo, old_key, namespace, name)


async def test_intake_without_its_master_key_does_not_start(stack, services):
    spec = next(s for s in SERVICES if s.name == "intake")
    keyless = ServiceProcess(spec, stack.log_dir, stack.nats_url, stack.mongodb_uri,
                             database_prefix=stack.database_prefix, cwd=stack.root, log_name="intake-keyless.log")
    keyless.start({**stack.service_env, "INTAKE_DATA_KEY_MASTER_FILE": "", "INTAKE_DATA_KEY_MASTER": ""})
    try:
        with pytest.raises(ServerStartError) as refused:
            await asyncio.to_thread(keyless.wait_ready, 60)
        assert "INTAKE_DATA_KEY_MASTER" in str(refused.value)
    finally:
        keyless.stop()
