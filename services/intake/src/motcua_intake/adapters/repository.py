"""MongoDB storage of dossiers. Documents keep the applicant's personal data; nothing
outside intake reads this database, and the ID number, phone and address are stored
encrypted (adapters/encryption.py).

``to_document``/``from_document`` are the mapping, with personal fields in clear;
``to_stored_document``/``from_stored_document`` add the encryption and are what the
repository and the queries use. Documents written before encryption (plain strings)
still read; ``encrypt_plaintext_personal_data`` encrypts them in place.
"""

from dataclasses import asdict, fields
from datetime import date, datetime

from bson.binary import Binary
from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from motcua_contracts import Channel, ReturnChannel, Timeliness

from motcua_intake.adapters.encryption import (
    FieldEncrypter,
    encrypter_for,
    install_field_encryption,
    installed,
    is_encrypted,
)
from motcua_intake.domain.catalogue import Procedure
from motcua_intake.domain.model import ACTIVE, Applicant, Dossier, Handover, PriorityGroup, Reschedule, Status
from motcua_intake.settings import IntakeSettings

DOSSIERS = "dossiers"
COUNTERS = "dossier_counters"
LOOKUP_FAILURES = "lookup_failures"
LOOKUP_WINDOW_SECONDS = 15 * 60
LOOKUP_MAX_FAILURES = 5
#: The applicant's fields stored encrypted. The name stays in clear: officers search by it.
PERSONAL_FIELDS = ("id_number", "phone", "address", "email")


class PersonalDataStillEncrypted(TypeError):
    """``from_document`` was given a stored document: read it with ``from_stored_document``."""


async def ensure_indexes(db: AsyncDatabase) -> None:
    await db[DOSSIERS].create_index([("commune_code", ASCENDING), ("code", ASCENDING)], unique=True)
    await db[DOSSIERS].create_index([("commune_code", ASCENDING), ("received_at", DESCENDING)])
    await db[DOSSIERS].create_index([("status", ASCENDING), ("appointment_at", ASCENDING)])
    await db[DOSSIERS].create_index("code")
    # Failed citizen look-ups, counted for a short while to stop guessing the digits.
    await db[LOOKUP_FAILURES].create_index("at", expireAfterSeconds=LOOKUP_WINDOW_SECONDS)
    # A double-clicked "receive" with the same key makes one dossier, even when both race.
    await db[DOSSIERS].create_index(
        [("commune_code", ASCENDING), ("idempotency_key", ASCENDING)],
        unique=True,
        partialFilterExpression={"idempotency_key": {"$type": "string"}},
    )
    # Called at start-up: a service that cannot open the personal data's key stops here.
    # Unless the app installed the encrypter with its own settings, they are read from the
    # environment, as the app reads them.
    if installed(db) is None:
        await install_field_encryption(db, IntakeSettings())


def _procedure_document(procedure: Procedure) -> dict:
    # A snapshot: the dossier keeps the procedure as it was when received.
    return {f.name: getattr(procedure, f.name) for f in fields(procedure)}


def _procedure_from(stored: dict) -> Procedure:
    known = {f.name for f in fields(Procedure)}
    return Procedure(**{k: v for k, v in stored.items() if k in known})


def to_document(dossier: Dossier) -> dict:
    return {
        "_id": dossier.id,
        "commune_code": dossier.commune_code,
        "code": dossier.code,
        "procedure": _procedure_document(dossier.procedure),
        "channel": dossier.channel.value,
        "applicant": asdict(dossier.applicant),
        "consent_letters": dossier.consent_letters,
        "consent_sms": dossier.consent_sms,
        "received_at": dossier.received_at,
        "appointment_at": dossier.appointment_at,
        "due_at": dossier.due_at,
        "status": dossier.status.value,
        "returned_at": dossier.returned_at,
        "return_channel": dossier.return_channel.value if dossier.return_channel else None,
        "timeliness": dossier.timeliness.value if dossier.timeliness else None,
        "officer_id": dossier.officer_id,
        "handling_body": dossier.handling_body,
        "missing_items": dossier.missing_items,
        "supplement_requested_at": dossier.supplement_requested_at,
        "supplemented_at": dossier.supplemented_at,
        "handovers": [asdict(h) for h in dossier.handovers],
        "reschedules": [asdict(r) for r in dossier.reschedules],
        "result_ready_at": dossier.result_ready_at,
        "closed_reason": dossier.closed_reason,
        "closed_at": dossier.closed_at,
        "transferred_to": dossier.transferred_to,
        "free_of_charge": dossier.free_of_charge,
        "assisted_by": dossier.assisted_by,
        "session_id": dossier.session_id,
        "session_date": dossier.session_date.isoformat() if dossier.session_date else None,
        "received_by": dossier.received_by,
        "opted_out": dossier.opted_out,
        "opted_out_at": dossier.opted_out_at,
        "anonymised_at": dossier.anonymised_at,
        # The legal basis of each use, kept with the dossier (it changes with an opt-out).
        "legal_basis": dossier.legal_basis(),
        **({"idempotency_key": dossier.idempotency_key} if dossier.idempotency_key else {}),
    }


def from_document(doc: dict) -> Dossier:
    if any(is_encrypted(doc["applicant"].get(name)) for name in PERSONAL_FIELDS):
        raise PersonalDataStillEncrypted(f"dossier {doc.get('code')}: decrypt with from_stored_document")
    return Dossier(
        id=doc["_id"],
        commune_code=doc["commune_code"],
        code=doc["code"],
        procedure=_procedure_from(doc["procedure"]),
        channel=Channel(doc["channel"]),
        applicant=Applicant(**{**doc["applicant"], "priority_group": PriorityGroup(doc["applicant"]["priority_group"])
                               if doc["applicant"].get("priority_group") else None}),
        received_at=doc["received_at"],
        appointment_at=doc["appointment_at"],
        due_at=doc.get("due_at") or doc["appointment_at"],
        consent_letters=doc.get("consent_letters", False),
        consent_sms=doc.get("consent_sms", False),
        status=Status(doc["status"]),
        returned_at=doc.get("returned_at"),
        return_channel=ReturnChannel(doc["return_channel"]) if doc.get("return_channel") else None,
        timeliness=Timeliness(doc["timeliness"]) if doc.get("timeliness") else None,
        officer_id=doc.get("officer_id"),
        handling_body=doc.get("handling_body"),
        missing_items=doc.get("missing_items", []),
        supplement_requested_at=doc.get("supplement_requested_at"),
        supplemented_at=doc.get("supplemented_at"),
        handovers=[
            Handover(**{**h, "timeliness": Timeliness(h["timeliness"]) if h.get("timeliness") else None})
            for h in doc.get("handovers", [])
        ],
        reschedules=[Reschedule(**r) for r in doc.get("reschedules", [])],
        result_ready_at=doc.get("result_ready_at"),
        closed_reason=doc.get("closed_reason"),
        closed_at=doc.get("closed_at"),
        transferred_to=doc.get("transferred_to"),
        free_of_charge=doc.get("free_of_charge", False),
        assisted_by=doc.get("assisted_by"),
        idempotency_key=doc.get("idempotency_key"),
        session_id=doc.get("session_id"),
        session_date=date.fromisoformat(doc["session_date"]) if doc.get("session_date") else None,
        received_by=doc.get("received_by"),
        opted_out=doc.get("opted_out", False),
        opted_out_at=doc.get("opted_out_at"),
        anonymised_at=doc.get("anonymised_at"),
    )


async def to_stored_document(dossier: Dossier, encrypter: FieldEncrypter) -> dict:
    """The document as stored: the applicant's personal fields encrypted."""
    doc = to_document(dossier)
    doc["applicant"] = {
        name: await encrypter.encrypt(value) if name in PERSONAL_FIELDS and isinstance(value, str) else value
        for name, value in doc["applicant"].items()
    }
    return doc


async def from_stored_document(doc: dict, encrypter: FieldEncrypter) -> Dossier:
    """A stored document back to a dossier; fields written in clear before encryption read as they are."""
    applicant = {
        name: await encrypter.decrypt(value) if name in PERSONAL_FIELDS and is_encrypted(value) else value
        for name, value in doc["applicant"].items()
    }
    return from_document({**doc, "applicant": applicant})


async def _dossiers(cursor, encrypter: FieldEncrypter) -> list[Dossier]:
    return [await from_stored_document(doc, encrypter) async for doc in cursor]


class MongoDossierRepository:
    def __init__(self, db: AsyncDatabase, session: AsyncClientSession | None,
                 encrypter: FieldEncrypter | None = None) -> None:
        self._db = db
        self._session = session
        self._encrypter = encrypter or encrypter_for(db)

    async def add(self, dossier: Dossier) -> None:
        await self._db[DOSSIERS].insert_one(await to_stored_document(dossier, self._encrypter), session=self._session)

    async def save(self, dossier: Dossier) -> None:
        await self._db[DOSSIERS].replace_one(
            {"_id": dossier.id}, await to_stored_document(dossier, self._encrypter), session=self._session
        )

    async def get(self, commune_code: str, code: str) -> Dossier | None:
        doc = await self._db[DOSSIERS].find_one({"commune_code": commune_code, "code": code}, session=self._session)
        return await from_stored_document(doc, self._encrypter) if doc else None

    async def get_by_id(self, dossier_id) -> Dossier | None:
        doc = await self._db[DOSSIERS].find_one({"_id": dossier_id}, session=self._session)
        return await from_stored_document(doc, self._encrypter) if doc else None

    async def get_by_idempotency_key(self, commune_code: str, key: str) -> Dossier | None:
        doc = await self._db[DOSSIERS].find_one(
            {"commune_code": commune_code, "idempotency_key": key}, session=self._session
        )
        return await from_stored_document(doc, self._encrypter) if doc else None

    async def candidates_for_deadline_scan(self, until: datetime, limit: int) -> list[Dossier]:
        cursor = (
            self._db[DOSSIERS]
            .find({"status": {"$in": [Status.RECEIVED.value, Status.ASSIGNED.value]}, "appointment_at": {"$lt": until}},
                  session=self._session)
            .sort("appointment_at", ASCENDING)
            .limit(limit)
        )
        return await _dossiers(cursor, self._encrypter)

    async def mark_deadline_announced(self, dossier: Dossier, kind: str) -> bool:
        """Record that ``kind`` was announced for the dossier's current appointment;
        False when it already was (a new appointment may be announced again)."""
        result = await self._db[DOSSIERS].update_one(
            {"_id": dossier.id, f"deadlines.{kind}": {"$ne": dossier.appointment_at}},
            {"$set": {f"deadlines.{kind}": dossier.appointment_at}},
            session=self._session,
        )
        return result.modified_count == 1

    async def next_sequence(self, commune_code: str, day_key: str) -> int:
        counter = await self._db[COUNTERS].find_one_and_update(
            {"_id": f"{commune_code}:{day_key}"},
            {"$inc": {"seq": 1}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
            session=self._session,
        )
        return counter["seq"]


async def find_by_code(db: AsyncDatabase, code: str, *, encrypter: FieldEncrypter | None = None) -> Dossier | None:
    """A dossier by its code alone (codes start with the unit code, so they are unique)."""
    doc = await db[DOSSIERS].find_one({"code": code})
    return await from_stored_document(doc, encrypter or encrypter_for(db)) if doc else None


async def received_between(db: AsyncDatabase, commune_code: str, start: datetime, end: datetime,
                           limit: int, *, encrypter: FieldEncrypter | None = None) -> tuple[list[Dossier], int]:
    query = {"commune_code": commune_code, "received_at": {"$gte": start, "$lt": end}}
    total = await db[DOSSIERS].count_documents(query)
    cursor = db[DOSSIERS].find(query).sort([("received_at", ASCENDING), ("code", ASCENDING)]).limit(limit)
    return await _dossiers(cursor, encrypter or encrypter_for(db)), total


async def active_with_appointment_before(db: AsyncDatabase, commune_code: str, until: datetime,
                                         limit: int, *, encrypter: FieldEncrypter | None = None) -> list[Dossier]:
    query = {"commune_code": commune_code, "status": {"$in": [s.value for s in ACTIVE]},
             "appointment_at": {"$lt": until}}
    cursor = db[DOSSIERS].find(query).sort("appointment_at", ASCENDING).limit(limit)
    return await _dossiers(cursor, encrypter or encrypter_for(db))


async def list_dossiers(db: AsyncDatabase, commune_code: str, *, limit: int, offset: int,
                        encrypter: FieldEncrypter | None = None) -> tuple[list[Dossier], int]:
    query = {"commune_code": commune_code}
    total = await db[DOSSIERS].count_documents(query)
    cursor = db[DOSSIERS].find(query).sort("received_at", DESCENDING).skip(offset).limit(limit)
    return await _dossiers(cursor, encrypter or encrypter_for(db)), total


async def encrypt_plaintext_personal_data(db: AsyncDatabase, encrypter: FieldEncrypter) -> int:
    """Encrypt in place the personal fields of dossiers written before encryption; returns
    how many dossiers changed. Idempotent: encrypted fields are never selected again, and a
    dossier saved by the service meanwhile (so already encrypted) is left as it is."""
    clear: dict = {"$or": [{f"applicant.{name}": {"$type": "string"}} for name in PERSONAL_FIELDS]}
    changed = 0
    async for doc in db[DOSSIERS].find(clear, {"applicant": 1}):
        plain = {name: value for name, value in doc["applicant"].items()
                 if name in PERSONAL_FIELDS and isinstance(value, str)}
        if not plain:
            continue
        encrypted: dict[str, Binary] = {f"applicant.{name}": await encrypter.encrypt(value)
                                        for name, value in plain.items()}
        result = await db[DOSSIERS].update_one(
            {"_id": doc["_id"], **{f"applicant.{name}": value for name, value in plain.items()}},
            {"$set": encrypted},
        )
        changed += result.modified_count
    return changed


async def lookup_blocked(db: AsyncDatabase, code: str) -> bool:
    return await db[LOOKUP_FAILURES].count_documents({"code": code}) >= LOOKUP_MAX_FAILURES


async def record_lookup_failure(db: AsyncDatabase, code: str, at: datetime) -> None:
    await db[LOOKUP_FAILURES].insert_one({"code": code, "at": at})
