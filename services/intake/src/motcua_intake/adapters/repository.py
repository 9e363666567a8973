"""MongoDB storage of dossiers. Documents keep the applicant's personal data; nothing
outside intake reads this database."""

from datetime import datetime

from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from motcua_contracts import Channel, ReturnChannel, Timeliness

from motcua_intake.domain.catalogue import Procedure, find_procedure
from motcua_intake.domain.model import Applicant, Dossier

DOSSIERS = "dossiers"
COUNTERS = "dossier_counters"


async def ensure_indexes(db: AsyncDatabase) -> None:
    await db[DOSSIERS].create_index([("commune_code", ASCENDING), ("code", ASCENDING)], unique=True)
    await db[DOSSIERS].create_index([("commune_code", ASCENDING), ("received_at", DESCENDING)])


def to_document(dossier: Dossier) -> dict:
    return {
        "_id": dossier.id,
        "commune_code": dossier.commune_code,
        "code": dossier.code,
        "procedure": {
            "code": dossier.procedure.code,
            "name": dossier.procedure.name,
            "field": dossier.procedure.field,
            "processing_days": dossier.procedure.processing_days,
            "life_event": dossier.procedure.life_event,
        },
        "channel": dossier.channel.value,
        "applicant": {
            "full_name": dossier.applicant.full_name,
            "id_number": dossier.applicant.id_number,
            "phone": dossier.applicant.phone,
            "address": dossier.applicant.address,
        },
        "consent_letters": dossier.consent_letters,
        "consent_sms": dossier.consent_sms,
        "received_at": dossier.received_at,
        "appointment_at": dossier.appointment_at,
        "status": dossier.status,
        "returned_at": dossier.returned_at,
        "return_channel": dossier.return_channel.value if dossier.return_channel else None,
        "timeliness": dossier.timeliness.value if dossier.timeliness else None,
        "officer_id": dossier.officer_id,
    }


def from_document(doc: dict) -> Dossier:
    stored = doc["procedure"]
    procedure = find_procedure(stored["code"]) or Procedure(
        stored["code"], stored["name"], stored["field"], stored["processing_days"], stored.get("life_event")
    )
    return Dossier(
        id=doc["_id"],
        commune_code=doc["commune_code"],
        code=doc["code"],
        procedure=procedure,
        channel=Channel(doc["channel"]),
        applicant=Applicant(**doc["applicant"]),
        received_at=doc["received_at"],
        appointment_at=doc["appointment_at"],
        consent_letters=doc.get("consent_letters", False),
        consent_sms=doc.get("consent_sms", False),
        status=doc["status"],
        returned_at=doc.get("returned_at"),
        return_channel=ReturnChannel(doc["return_channel"]) if doc.get("return_channel") else None,
        timeliness=Timeliness(doc["timeliness"]) if doc.get("timeliness") else None,
        officer_id=doc.get("officer_id"),
    )


class MongoDossierRepository:
    def __init__(self, db: AsyncDatabase, session: AsyncClientSession | None) -> None:
        self._db = db
        self._session = session

    async def add(self, dossier: Dossier) -> None:
        await self._db[DOSSIERS].insert_one(to_document(dossier), session=self._session)

    async def save(self, dossier: Dossier) -> None:
        await self._db[DOSSIERS].replace_one({"_id": dossier.id}, to_document(dossier), session=self._session)

    async def get(self, commune_code: str, code: str) -> Dossier | None:
        doc = await self._db[DOSSIERS].find_one({"commune_code": commune_code, "code": code}, session=self._session)
        return from_document(doc) if doc else None

    async def next_sequence(self, commune_code: str, day_key: str) -> int:
        counter = await self._db[COUNTERS].find_one_and_update(
            {"_id": f"{commune_code}:{day_key}"},
            {"$inc": {"seq": 1}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
            session=self._session,
        )
        return counter["seq"]


async def list_dossiers(db: AsyncDatabase, commune_code: str, *, limit: int, offset: int) -> tuple[list[Dossier], int]:
    query = {"commune_code": commune_code}
    total = await db[DOSSIERS].count_documents(query)
    cursor = db[DOSSIERS].find(query).sort("received_at", DESCENDING).skip(offset).limit(limit)
    return [from_document(doc) async for doc in cursor], total


