"""MongoDB: notify's own database (``motcua_notify``).

Collections: ``commune_settings`` (rules, letterhead, channel settings per commune),
``templates`` (a commune's wording per purpose), ``dossiers`` (what notify remembers of a
dossier's receipt: no personal data), ``intents`` (what an event called for; the resolve
queue), ``letters`` (issued letters: the print queue), ``messages`` (SMS, e-mail, Zalo: the
delivery queue). Phones, e-mail and postal addresses are never stored: they are asked of
intake when a message goes out.
"""

from datetime import datetime

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from motcua_runtime.unit_of_work import MongoUnitOfWork

SETTINGS = "commune_settings"
TEMPLATES = "templates"
DOSSIERS = "dossiers"
INTENTS = "intents"
LETTERS = "letters"
MESSAGES = "messages"


async def ensure_indexes(db: AsyncDatabase) -> None:
    await db[INTENTS].create_index([("commune_code", ASCENDING), ("dossier_code", ASCENDING)])
    await db[INTENTS].create_index([("commune_code", ASCENDING), ("created_at", DESCENDING)])
    await db[INTENTS].create_index([("status", ASCENDING), ("next_attempt_at", ASCENDING)])
    await db[LETTERS].create_index([("commune_code", ASCENDING), ("issued_day", ASCENDING)])
    await db[LETTERS].create_index([("commune_code", ASCENDING), ("dossier_code", ASCENDING)])
    await db[MESSAGES].create_index([("status", ASCENDING), ("next_attempt_at", ASCENDING)])
    await db[MESSAGES].create_index([("commune_code", ASCENDING), ("status", ASCENDING), ("created_at", DESCENDING)])
    await db[MESSAGES].create_index([("commune_code", ASCENDING), ("dossier_code", ASCENDING)])


class MongoNotifyStore:
    """What the event handlers read and write, inside their transaction."""

    def __init__(self, db: AsyncDatabase, session: AsyncClientSession | None) -> None:
        self._db, self._session = db, session

    async def commune_settings(self, commune_code: str) -> dict:
        return await self._db[SETTINGS].find_one({"_id": commune_code}, session=self._session) or {}

    async def dossier(self, dossier_id: str) -> dict | None:
        return await self._db[DOSSIERS].find_one({"_id": dossier_id}, session=self._session)

    async def remember_dossier(self, document: dict) -> None:
        await self._db[DOSSIERS].update_one({"_id": document["_id"]}, {"$set": document}, upsert=True,
                                            session=self._session)

    async def add_intents(self, documents: list[dict]) -> int:
        """Insert intents not there yet (a life-event letter may be asked for by two events)."""
        added = 0
        for doc in documents:
            result = await self._db[INTENTS].update_one({"_id": doc["_id"]}, {"$setOnInsert": doc}, upsert=True,
                                                        session=self._session)
            added += result.upserted_id is not None
        return added

    async def skip_pending_intent(self, key: str, reason: str, now: datetime) -> bool:
        result = await self._db[INTENTS].update_one(
            {"_id": key, "status": "pending"},
            {"$set": {"status": "skipped", "skip_reason": reason, "resolved_at": now}}, session=self._session)
        return result.modified_count == 1


class MongoNotifyUnitOfWork(MongoUnitOfWork):
    def _bind(self, session: AsyncClientSession) -> None:
        self.store = MongoNotifyStore(self.db, session)


async def list_intents(db: AsyncDatabase, commune_code: str, dossier_code: str | None, limit: int,
                       booking_code: str | None = None) -> list[dict]:
    query: dict = {"commune_code": commune_code}
    if dossier_code:
        query["dossier_code"] = dossier_code
    if booking_code:
        query["details.booking_code"] = booking_code
    cursor = db[INTENTS].find(query).sort("created_at", ASCENDING).limit(limit)
    return [doc async for doc in cursor]


async def list_letters(db: AsyncDatabase, commune_code: str, *, day: str | None = None, status: str | None = None,
                       dossier_code: str | None = None, letter_type: str | None = None, limit: int = 200) -> list[dict]:
    query: dict = {"commune_code": commune_code}
    for key, value in (("issued_day", day), ("status", status), ("dossier_code", dossier_code),
                       ("letter_type", letter_type)):
        if value:
            query[key] = value
    cursor = db[LETTERS].find(query).sort("issued_at", ASCENDING).limit(limit)
    return [doc async for doc in cursor]


async def list_messages(db: AsyncDatabase, commune_code: str, *, status: str | None = None,
                        dossier_code: str | None = None, channel: str | None = None, limit: int = 200,
                        intent_ids: list[str] | None = None) -> list[dict]:
    query: dict = {"commune_code": commune_code}
    if intent_ids is not None:
        query["intent_id"] = {"$in": intent_ids}
    for key, value in (("status", status), ("dossier_code", dossier_code), ("channel", channel)):
        if value:
            query[key] = value
    cursor = db[MESSAGES].find(query).sort("created_at", DESCENDING).limit(limit)
    return [doc async for doc in cursor]


async def get_settings(db: AsyncDatabase, commune_code: str) -> dict:
    return await db[SETTINGS].find_one({"_id": commune_code}) or {}


async def set_settings_part(db: AsyncDatabase, commune_code: str, part: str, value: dict, now: datetime) -> dict:
    await db[SETTINGS].update_one({"_id": commune_code}, {"$set": {part: value, "updated_at": now}}, upsert=True)
    return await get_settings(db, commune_code)


async def get_template(db: AsyncDatabase, commune_code: str, purpose: str) -> dict | None:
    return await db[TEMPLATES].find_one({"_id": f"{commune_code}:{purpose}"})


async def save_template(db: AsyncDatabase, commune_code: str, purpose: str, wording: dict, by: str,
                        now: datetime) -> None:
    await db[TEMPLATES].update_one({"_id": f"{commune_code}:{purpose}"}, {"$set": {
        "commune_code": commune_code, "purpose": purpose, **wording, "updated_by": by, "updated_at": now}},
        upsert=True)
