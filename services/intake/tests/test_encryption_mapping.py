"""The stored form of a dossier with a fake encrypter: which fields are encrypted, that a
dossier comes back whole, that documents written in clear before encryption still read,
and where the encrypter comes from. No server."""

from datetime import UTC, datetime

import bson
import pytest
from bson.binary import Binary, UuidRepresentation
from bson.codec_options import CodecOptions
from pymongo import AsyncMongoClient

from motcua_contracts import Channel
from motcua_intake.adapters import encryption
from motcua_intake.adapters.encryption import EncryptionNotInstalled, encrypter_for, install, installed, is_encrypted
from motcua_intake.adapters.repository import (
    PersonalDataStillEncrypted,
    from_document,
    from_stored_document,
    to_document,
    to_stored_document,
)
from motcua_intake.domain.catalogue import find_procedure
from motcua_intake.domain.model import Applicant, Dossier, PriorityGroup

ID_NUMBER, PHONE, ADDRESS = "001190012345", "0987123456", "Số 12 ngõ 34 phố Hàng Bông, Hoàn Kiếm"


class FakeEncrypter:
    """Stands for the driver: a reversible scrambling into Binary subtype 6, calls counted."""

    def __init__(self):
        self.encrypted, self.decrypted = [], []

    async def encrypt(self, value: str) -> Binary:
        self.encrypted.append(value)
        return Binary(bytes(b ^ 0x5A for b in value.encode()), encryption.ENCRYPTED_SUBTYPE)

    async def decrypt(self, value: Binary) -> str:
        assert is_encrypted(value)
        self.decrypted.append(value)
        return bytes(b ^ 0x5A for b in value).decode()


def a_dossier(**applicant) -> Dossier:
    at = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
    person = {"full_name": "Đỗ Thị Lan", "id_number": ID_NUMBER, "phone": PHONE, "address": ADDRESS,
              "priority_group": PriorityGroup.DISABLED, **applicant}
    return Dossier(commune_code="26041", code="26041-261123-0001", procedure=find_procedure("CT-BANSAO"),
                   channel=Channel.COUNTER, applicant=Applicant(**person), received_at=at, appointment_at=at)


async def test_the_id_number_phone_and_address_are_stored_encrypted_the_name_in_clear():
    stored = await to_stored_document(a_dossier(), FakeEncrypter())
    applicant = stored["applicant"]
    assert all(is_encrypted(applicant[name]) for name in ("id_number", "phone", "address"))
    assert applicant["full_name"] == "Đỗ Thị Lan"  # officers search by name
    assert applicant["priority_group"] == "nguoi_khuyet_tat"
    raw = bson.encode(stored, codec_options=CodecOptions(uuid_representation=UuidRepresentation.STANDARD))
    for secret in (ID_NUMBER, PHONE, ADDRESS):
        assert secret.encode() not in raw


async def test_a_stored_dossier_reads_back_whole():
    dossier, fake = a_dossier(), FakeEncrypter()
    assert await from_stored_document(await to_stored_document(dossier, fake), fake) == dossier
    assert len(fake.encrypted) == len(fake.decrypted) == 3


async def test_absent_fields_stay_absent_and_cost_nothing():
    fake = FakeEncrypter()
    stored = await to_stored_document(a_dossier(id_number=None, address=None), fake)
    assert stored["applicant"]["id_number"] is None and stored["applicant"]["address"] is None
    assert fake.encrypted == [PHONE]
    back = await from_stored_document(stored, fake)
    assert back.applicant.id_number is None and back.applicant.phone == PHONE


async def test_a_document_written_in_clear_before_encryption_still_reads():
    dossier, fake = a_dossier(), FakeEncrypter()
    legacy = to_document(dossier)  # the shape written before this change
    assert await from_stored_document(legacy, fake) == dossier
    assert fake.decrypted == []
    # Half migrated (a crash between two fields would not leave this, but a reader must not care).
    mixed = {**legacy, "applicant": {**legacy["applicant"], "phone": await fake.encrypt(PHONE)}}
    assert (await from_stored_document(mixed, fake)).applicant.phone == PHONE


async def test_the_plain_mapping_refuses_encrypted_fields_instead_of_passing_ciphertext_on():
    stored = await to_stored_document(a_dossier(), FakeEncrypter())
    with pytest.raises(PersonalDataStillEncrypted):
        from_document(stored)


async def test_the_citizen_lookup_compares_digits_of_the_decrypted_phone():
    fake = FakeEncrypter()
    back = await from_stored_document(await to_stored_document(a_dossier(), fake), fake)
    assert back.applicant.proves_identity_with("3456")
    assert back.applicant.masked_phone() == "*******456"


async def test_code_handed_only_a_database_gets_the_encrypter_installed_for_that_client():
    client = AsyncMongoClient("mongodb://127.0.0.1:1", connect=False)
    twin = AsyncMongoClient("mongodb://127.0.0.1:1", connect=False)  # equal by options, another client
    try:
        with pytest.raises(EncryptionNotInstalled):
            encrypter_for(client["motcua_intake"])
        fake = FakeEncrypter()
        install(client["motcua_intake"], fake)
        assert encrypter_for(client["motcua_intake"]) is fake  # another AsyncDatabase object, same client
        assert installed(client["other"]) is None
        assert installed(twin["motcua_intake"]) is None
    finally:
        await client.close()
        await twin.close()
