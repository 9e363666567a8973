from pymongo import ASCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from motcua_runtime.unit_of_work import MongoUnitOfWork

NOTIFICATIONS = "notifications"


async def ensure_indexes(db: AsyncDatabase) -> None:
    await db[NOTIFICATIONS].create_index([("commune_code", ASCENDING), ("dossier_code", ASCENDING)])
    await db[NOTIFICATIONS].create_index([("commune_code", ASCENDING), ("created_at", ASCENDING)])


class MongoNotificationRepository:
    def __init__(self, db: AsyncDatabase, session: AsyncClientSession | None) -> None:
        self._db, self._session = db, session

    async def add_many(self, documents: list[dict]) -> None:
        await self._db[NOTIFICATIONS].insert_many(documents, session=self._session)


class MongoNotifyUnitOfWork(MongoUnitOfWork):
    def _bind(self, session: AsyncClientSession) -> None:
        self.notifications = MongoNotificationRepository(self.db, session)


async def list_notifications(db: AsyncDatabase, commune_code: str, dossier_code: str | None, limit: int) -> list[dict]:
    query = {"commune_code": commune_code}
    if dossier_code:
        query["dossier_code"] = dossier_code
    cursor = db[NOTIFICATIONS].find(query, {"dossier_id": 0}).sort("created_at", ASCENDING).limit(limit)
    return [doc async for doc in cursor]
