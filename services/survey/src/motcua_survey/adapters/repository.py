"""MongoDB storage of ballots. The comment a citizen writes stays here; events carry
the scores only."""

from datetime import datetime
from uuid import UUID

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from motcua_survey.domain.model import Ballot, BallotStatus, Rating

BALLOTS = "ballots"


async def ensure_indexes(db: AsyncDatabase) -> None:
    # One ballot per dossier, whatever the consumer's processed marks say.
    await db[BALLOTS].create_index([("commune_code", ASCENDING), ("dossier_id", ASCENDING)], unique=True)
    await db[BALLOTS].create_index("token", unique=True)
    await db[BALLOTS].create_index([("commune_code", ASCENDING), ("dossier_code", ASCENDING)])
    await db[BALLOTS].create_index([("commune_code", ASCENDING), ("status", ASCENDING), ("opened_at", DESCENDING)])


def _rating_document(ballot: Ballot) -> dict | None:
    if ballot.rating is None:
        return None
    return {
        "overall": ballot.rating.overall,
        "satisfied": ballot.rating.satisfied,
        "factors": {str(k): v for k, v in ballot.rating.factors.items()},
        "comment": ballot.rating.comment,
    }


def to_document(ballot: Ballot) -> dict:
    return {
        "_id": ballot.id,
        "commune_code": ballot.commune_code,
        "dossier_id": ballot.dossier_id,
        "dossier_code": ballot.dossier_code,
        "procedure_code": ballot.procedure_code,
        "officer_id": ballot.officer_id,
        "token": ballot.token,
        "status": ballot.status.value,
        "opened_at": ballot.opened_at,
        "expires_at": ballot.expires_at,
        "submitted_at": ballot.submitted_at,
        "rating": _rating_document(ballot),
    }


def from_document(doc: dict) -> Ballot:
    rating = doc.get("rating")
    return Ballot(
        id=doc["_id"],
        commune_code=doc["commune_code"],
        dossier_id=doc["dossier_id"],
        dossier_code=doc["dossier_code"],
        procedure_code=doc["procedure_code"],
        officer_id=doc.get("officer_id"),
        token=doc["token"],
        status=BallotStatus(doc["status"]),
        opened_at=doc["opened_at"],
        expires_at=doc["expires_at"],
        submitted_at=doc.get("submitted_at"),
        rating=Rating(rating["overall"], rating.get("factors") or {}, rating.get("comment")) if rating else None,
    )


class MongoBallotRepository:
    def __init__(self, db: AsyncDatabase, session: AsyncClientSession | None) -> None:
        self._db = db
        self._session = session

    async def add(self, ballot: Ballot) -> None:
        await self._db[BALLOTS].insert_one(to_document(ballot), session=self._session)

    async def get(self, commune_code: str, ballot_id: UUID) -> Ballot | None:
        doc = await self._db[BALLOTS].find_one({"_id": ballot_id, "commune_code": commune_code}, session=self._session)
        return from_document(doc) if doc else None

    async def get_for_dossier(self, commune_code: str, dossier_id: UUID) -> Ballot | None:
        doc = await self._db[BALLOTS].find_one(
            {"commune_code": commune_code, "dossier_id": dossier_id}, session=self._session
        )
        return from_document(doc) if doc else None

    async def mark_submitted(self, ballot: Ballot) -> bool:
        result = await self._db[BALLOTS].update_one(
            {"_id": ballot.id, "commune_code": ballot.commune_code, "status": BallotStatus.OPEN.value},
            {"$set": {
                "status": ballot.status.value,
                "submitted_at": ballot.submitted_at,
                "rating": _rating_document(ballot),
            }},
            session=self._session,
        )
        return result.modified_count == 1


async def list_ballots(
    db: AsyncDatabase,
    commune_code: str,
    *,
    now: datetime,
    dossier_code: str | None = None,
    status: BallotStatus | None = None,
    limit: int,
) -> list[Ballot]:
    query: dict = {"commune_code": commune_code}
    if dossier_code:
        query["dossier_code"] = dossier_code
    if status is BallotStatus.OPEN:
        query.update(status=BallotStatus.OPEN.value, expires_at={"$gt": now})
    elif status is BallotStatus.EXPIRED:
        query.update(status=BallotStatus.OPEN.value, expires_at={"$lte": now})
    elif status is BallotStatus.SUBMITTED:
        query["status"] = BallotStatus.SUBMITTED.value
    cursor = db[BALLOTS].find(query).sort("opened_at", DESCENDING).limit(limit)
    return [from_document(doc) async for doc in cursor]
