"""MongoDB storage of out-of-hours sessions and bookings."""

from datetime import date, time
from uuid import UUID

from pymongo import ASCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from motcua_intake.domain.sessions import Booking, OutOfHoursSession, Recurrence, RecurrenceRule

SESSIONS = "sessions"
BOOKINGS = "session_bookings"


async def ensure_session_indexes(db: AsyncDatabase) -> None:
    await db[SESSIONS].create_index([("commune_code", ASCENDING), ("active", ASCENDING)])
    # One booking per phone per occurrence: booking twice returns the first one.
    await db[BOOKINGS].create_index([("session_id", ASCENDING), ("day", ASCENDING), ("phone", ASCENDING)],
                                    unique=True)


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
    def __init__(self, db: AsyncDatabase, session: AsyncClientSession | None = None) -> None:
        self._db, self._session = db, session

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

    async def count_bookings(self, session_id: UUID, day: date) -> int:
        return await self._db[BOOKINGS].count_documents({"session_id": session_id, "day": day.isoformat()},
                                                        session=self._session)

    async def add_booking(self, booking: Booking) -> Booking:
        """Insert, or return the existing booking of the same phone for that occurrence."""
        existing = await self._db[BOOKINGS].find_one(
            {"session_id": booking.session_id, "day": booking.day.isoformat(), "phone": booking.phone},
            session=self._session)
        if existing:
            return booking_from(existing)
        await self._db[BOOKINGS].insert_one(booking_document(booking), session=self._session)
        return booking

    async def bookings(self, session_id: UUID, day: date) -> list[Booking]:
        cursor = self._db[BOOKINGS].find({"session_id": session_id, "day": day.isoformat()},
                                         session=self._session).sort("created_at", ASCENDING)
        return [booking_from(doc) async for doc in cursor]


def booking_document(booking: Booking) -> dict:
    return {
        "_id": booking.id, "session_id": booking.session_id, "commune_code": booking.commune_code,
        "day": booking.day.isoformat(), "full_name": booking.full_name, "phone": booking.phone,
        "procedure_code": booking.procedure_code, "note": booking.note, "created_at": booking.created_at,
    }


def booking_from(doc: dict) -> Booking:
    return Booking(id=doc["_id"], session_id=doc["session_id"], commune_code=doc["commune_code"],
                   day=date.fromisoformat(doc["day"]), full_name=doc["full_name"], phone=doc["phone"],
                   procedure_code=doc.get("procedure_code"), note=doc.get("note", ""),
                   created_at=doc.get("created_at"))


