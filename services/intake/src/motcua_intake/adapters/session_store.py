"""MongoDB storage of out-of-hours sessions and bookings.

A booking's phone is encrypted at rest like a dossier's (random ciphertext), with a
deterministic lookup ciphertext beside it (``phone_lookup``) so that a second booking of the
same phone for the same occurrence is found; a cancelled booking drops its lookup, freeing the
phone to book again. Each occurrence has a small counter document that every booking and
cancellation writes in its transaction: two bookings racing for the last slot conflict there,
and the one retried counts again (capacity is never exceeded).
"""

from datetime import date, time
from uuid import UUID

from pymongo import ASCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import OperationFailure

from motcua_intake.adapters.encryption import FieldEncrypter, encrypter_for, is_encrypted
from motcua_intake.domain.sessions import Booking, OutOfHoursSession, Recurrence, RecurrenceRule

SESSIONS = "sessions"
BOOKINGS = "session_bookings"
OCCURRENCES = "session_occurrences"
_OLD_PHONE_INDEX = "session_id_1_day_1_phone_1"


async def ensure_session_indexes(db: AsyncDatabase) -> None:
    await db[SESSIONS].create_index([("commune_code", ASCENDING), ("active", ASCENDING)])
    # One active booking per phone per occurrence: booking twice returns the first one.
    await db[BOOKINGS].create_index([("session_id", ASCENDING), ("day", ASCENDING), ("phone_lookup", ASCENDING)],
                                    unique=True, name="one_active_booking_per_phone",
                                    partialFilterExpression={"phone_lookup": {"$exists": True}})
    await db[BOOKINGS].create_index([("session_id", ASCENDING), ("day", ASCENDING), ("created_at", ASCENDING)])
    try:  # the index of the plain-text phone, before bookings were encrypted
        await db[BOOKINGS].drop_index(_OLD_PHONE_INDEX)
    except OperationFailure:
        pass


def session_document(session: OutOfHoursSession) -> dict:
    return {
        "_id": session.id,
        "commune_code": session.commune_code,
        "title": session.title,
        "rules": [{"kind": r.kind.value, "weekday": r.weekday, "nth": r.nth} for r in session.rules],
        "start_time": session.start_time.strftime("%H:%M"),
        "end_time": session.end_time.strftime("%H:%M"),
        "fields": session.fields,
        "officers_on_duty": session.officers_on_duty,
        "announcement": session.announcement,
        "valid_from": session.valid_from.isoformat() if session.valid_from else None,
        "valid_until": session.valid_until.isoformat() if session.valid_until else None,
        "capacity": session.capacity,
        "active": session.active,
    }


def session_from(doc: dict) -> OutOfHoursSession:
    return OutOfHoursSession(
        id=doc["_id"],
        commune_code=doc["commune_code"],
        title=doc["title"],
        rules=[RecurrenceRule(Recurrence(r["kind"]), r["weekday"], r.get("nth")) for r in doc["rules"]],
        start_time=time.fromisoformat(doc["start_time"]),
        end_time=time.fromisoformat(doc["end_time"]),
        fields=doc.get("fields", []),
        officers_on_duty=doc.get("officers_on_duty", []),
        announcement=doc.get("announcement", ""),
        valid_from=date.fromisoformat(doc["valid_from"]) if doc.get("valid_from") else None,
        valid_until=date.fromisoformat(doc["valid_until"]) if doc.get("valid_until") else None,
        capacity=doc.get("capacity"),
        active=doc.get("active", True),
    )


class MongoSessionRepository:
    def __init__(self, db: AsyncDatabase, session: AsyncClientSession | None = None,
                 encrypter: FieldEncrypter | None = None) -> None:
        self._db, self._session, self._crypt = db, session, encrypter

    async def add(self, oo_session: OutOfHoursSession) -> None:
        await self._db[SESSIONS].insert_one(session_document(oo_session), session=self._session)

    async def save(self, oo_session: OutOfHoursSession) -> None:
        await self._db[SESSIONS].replace_one({"_id": oo_session.id}, session_document(oo_session),
                                             session=self._session)

    async def get(self, commune_code: str, session_id: UUID) -> OutOfHoursSession | None:
        doc = await self._db[SESSIONS].find_one({"_id": session_id, "commune_code": commune_code},
                                                session=self._session)
        return session_from(doc) if doc else None

    async def of_commune(self, commune_code: str, active_only: bool = True) -> list[OutOfHoursSession]:
        query = {"commune_code": commune_code, **({"active": True} if active_only else {})}
        return [session_from(doc) async for doc in self._db[SESSIONS].find(query, session=self._session)]

    def _encrypter(self) -> FieldEncrypter:
        if self._crypt is None:
            self._crypt = encrypter_for(self._db)
        return self._crypt

    async def count_bookings(self, session_id: UUID, day: date) -> int:
        """Active bookings of one occurrence."""
        return await self._db[BOOKINGS].count_documents(
            {"session_id": session_id, "day": day.isoformat(), "cancelled_at": None}, session=self._session)

    async def touch_occurrence(self, session_id: UUID, day: date, change: int) -> None:
        """Write the occurrence's counter in this transaction (see the module docstring)."""
        await self._db[OCCURRENCES].update_one(
            {"_id": f"{session_id}:{day.isoformat()}"},
            {"$inc": {"booked": change}, "$setOnInsert": {"session_id": session_id, "day": day.isoformat()}},
            upsert=True, session=self._session)

    async def active_booking_of_phone(self, session_id: UUID, day: date, phone: str) -> Booking | None:
        doc = await self._db[BOOKINGS].find_one(
            {"session_id": session_id, "day": day.isoformat(),
             "phone_lookup": await self._encrypter().lookup_key(phone)}, session=self._session)
        return await self._booking_from(doc) if doc else None

    async def add_booking(self, booking: Booking) -> None:
        crypt = self._encrypter()
        document = booking_document(booking)
        document["phone"] = await crypt.encrypt(booking.phone)
        document["phone_lookup"] = await crypt.lookup_key(booking.phone)
        await self._db[BOOKINGS].insert_one(document, session=self._session)

    async def get_booking(self, booking_id: UUID, commune_code: str | None = None) -> Booking | None:
        query: dict = {"_id": booking_id, **({"commune_code": commune_code} if commune_code else {})}
        doc = await self._db[BOOKINGS].find_one(query, session=self._session)
        return await self._booking_from(doc) if doc else None

    async def save_cancellation(self, booking: Booking) -> None:
        await self._db[BOOKINGS].update_one(
            {"_id": booking.id},
            {"$set": {"cancelled_at": booking.cancelled_at, "cancelled_by": booking.cancelled_by},
             "$unset": {"phone_lookup": ""}}, session=self._session)

    async def bookings(self, session_id: UUID, day: date, include_cancelled: bool = False) -> list[Booking]:
        query: dict = {"session_id": session_id, "day": day.isoformat()}
        if not include_cancelled:
            query["cancelled_at"] = None
        cursor = self._db[BOOKINGS].find(query, session=self._session).sort("created_at", ASCENDING)
        return [await self._booking_from(doc) async for doc in cursor]

    async def _booking_from(self, doc: dict) -> Booking:
        phone = doc.get("phone") or ""  # erased by retention after the session
        if is_encrypted(phone):
            phone = await self._encrypter().decrypt(phone)
        return booking_from({**doc, "phone": phone})


def booking_document(booking: Booking) -> dict:
    """The stored form, the phone still in clear: the repository encrypts it."""
    return {
        "_id": booking.id, "session_id": booking.session_id, "commune_code": booking.commune_code,
        "day": booking.day.isoformat(), "full_name": booking.full_name, "phone": booking.phone,
        "procedure_code": booking.procedure_code, "note": booking.note, "consent_sms": booking.consent_sms,
        "created_at": booking.created_at, "cancelled_at": booking.cancelled_at, "cancelled_by": booking.cancelled_by,
    }


def booking_from(doc: dict) -> Booking:
    return Booking(id=doc["_id"], session_id=doc["session_id"], commune_code=doc["commune_code"],
                   day=date.fromisoformat(doc["day"]), full_name=doc["full_name"], phone=doc["phone"],
                   procedure_code=doc.get("procedure_code"), note=doc.get("note", ""),
                   consent_sms=doc.get("consent_sms", True), created_at=doc.get("created_at"),
                   cancelled_at=doc.get("cancelled_at"), cancelled_by=doc.get("cancelled_by"))
