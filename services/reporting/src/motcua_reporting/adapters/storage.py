"""Reporting's read models in MongoDB.

``commune_figures``: one document per commune, ``_id`` = commune code.
``daily_figures``:   one document per commune and day, ``_id`` = "<commune>:<YYYY-MM-DD>"
                     (the day in Vietnam local time), for periods later.
Both hold the same counters (see motcua_reporting.domain.figures), changed only by
``$inc`` upserts, so concurrent events add up instead of overwriting each other.
"""

from collections.abc import Mapping
from datetime import datetime

from pymongo import ASCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from motcua_runtime.unit_of_work import MongoUnitOfWork

COMMUNE_FIGURES = "commune_figures"
DAILY_FIGURES = "daily_figures"


async def ensure_indexes(db: AsyncDatabase) -> None:
    await db[DAILY_FIGURES].create_index([("commune_code", ASCENDING), ("day", ASCENDING)])
    await db[DAILY_FIGURES].create_index([("day", ASCENDING)])


def daily_id(commune_code: str, day: str) -> str:
    return f"{commune_code}:{day}"


class MongoFiguresRepository:
    def __init__(self, db: AsyncDatabase, session: AsyncClientSession | None) -> None:
        self._db, self._session = db, session

    async def increment(self, commune_code: str, day: str, increments: Mapping[str, int], at: datetime) -> None:
        update = {"$inc": dict(increments), "$max": {"updated_at": at}}
        await self._db[COMMUNE_FIGURES].update_one(
            {"_id": commune_code},
            {**update, "$setOnInsert": {"commune_code": commune_code}},
            upsert=True,
            session=self._session,
        )
        await self._db[DAILY_FIGURES].update_one(
            {"_id": daily_id(commune_code, day)},
            {**update, "$setOnInsert": {"commune_code": commune_code, "day": day}},
            upsert=True,
            session=self._session,
        )


class MongoReportingUnitOfWork(MongoUnitOfWork):
    def _bind(self, session: AsyncClientSession) -> None:
        self.figures = MongoFiguresRepository(self.db, session)


class MongoFiguresReader:
    def __init__(self, db: AsyncDatabase) -> None:
        self._db = db

    async def commune(self, commune_code: str) -> dict | None:
        return await self._db[COMMUNE_FIGURES].find_one({"_id": commune_code})

    async def communes(self) -> list[dict]:
        cursor = self._db[COMMUNE_FIGURES].find({}).sort("_id", ASCENDING)
        return [doc async for doc in cursor]
