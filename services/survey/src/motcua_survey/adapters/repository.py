"""MongoDB storage of survey: ballots, answers (every channel), follow-ups, feedback and
campaigns. What a citizen writes (comments, feedback text) stays here; events carry scores
and references only."""

from datetime import datetime, timedelta
from uuid import UUID

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from motcua_contracts import FeedbackKind, SurveyChannel

from motcua_survey.domain.campaign import Campaign, CampaignKind, Tally
from motcua_survey.domain.feedback import Feedback, FeedbackStatus, SenderType
from motcua_survey.domain.follow_up import FollowUp, FollowUpReason, FollowUpStatus
from motcua_survey.domain.model import Ballot, BallotStatus, Rating, SurveyAnswer

BALLOTS = "ballots"
ANSWERS = "answers"
FOLLOW_UPS = "follow_ups"
FEEDBACK = "feedback"
CAMPAIGNS = "campaigns"
#: Public feedback sent per client address, kept one hour (a TTL index forgets the rest).
FEEDBACK_SENDERS = "feedback_senders"
FEEDBACK_WINDOW_SECONDS = 3600


async def ensure_indexes(db: AsyncDatabase) -> None:
    # One ballot per dossier, whatever the consumer's processed marks say.
    await db[BALLOTS].create_index([("commune_code", ASCENDING), ("dossier_id", ASCENDING)], unique=True)
    await db[BALLOTS].create_index("token", unique=True)
    await db[BALLOTS].create_index([("commune_code", ASCENDING), ("dossier_code", ASCENDING)])
    await db[BALLOTS].create_index([("commune_code", ASCENDING), ("status", ASCENDING), ("opened_at", DESCENDING)])
    await db[ANSWERS].create_index([("commune_code", ASCENDING), ("submitted_at", DESCENDING)])
    await db[ANSWERS].create_index([("campaign_id", ASCENDING), ("commune_code", ASCENDING)])
    # A paper ballot's number is entered once per campaign, whoever enters it.
    await db[ANSWERS].create_index(
        [("campaign_id", ASCENDING), ("paper_number", ASCENDING)], unique=True, name="paper_once_per_campaign",
        partialFilterExpression={"paper_number": {"$type": "string"}})
    await db[FOLLOW_UPS].create_index([("commune_code", ASCENDING), ("status", ASCENDING), ("raised_at", DESCENDING)])
    await db[FOLLOW_UPS].create_index("answer_id", unique=True)
    await db[FEEDBACK].create_index("code", unique=True)
    await db[FEEDBACK].create_index([("commune_code", ASCENDING), ("received_at", DESCENDING)])
    await db[FEEDBACK_SENDERS].create_index("at", expireAfterSeconds=FEEDBACK_WINDOW_SECONDS)
    await db[FEEDBACK_SENDERS].create_index("client")


# --------------------------------------------------------------------------- documents


def rating_document(rating: Rating) -> dict:
    return {
        "overall": rating.overall,
        "satisfied": rating.satisfied,
        "factors": dict(rating.factors),
        "commitments": dict(rating.commitments),
        "visits": rating.visits,
        "complaint": rating.complaint,
        "comment": rating.comment,
        "question_set": rating.question_set,
    }


def rating_of(doc: dict) -> Rating:
    return Rating(overall=doc["overall"], factors=doc.get("factors") or {}, comment=doc.get("comment"),
                  commitments=doc.get("commitments") or {}, visits=doc.get("visits"),
                  complaint=bool(doc.get("complaint")),
                  question_set=doc.get("question_set") or "sipas-2025.1")


def ballot_document(ballot: Ballot) -> dict:
    return {
        "_id": ballot.id,
        "commune_code": ballot.commune_code,
        "dossier_id": ballot.dossier_id,
        "dossier_code": ballot.dossier_code,
        "procedure_code": ballot.procedure_code,
        "officer_id": ballot.officer_id,
        "field": ballot.field,
        "token": ballot.token,
        "status": ballot.status.value,
        "opened_at": ballot.opened_at,
        "expires_at": ballot.expires_at,
        "submitted_at": ballot.submitted_at,
        "anonymous": ballot.anonymous,
        "rating": rating_document(ballot.rating) if ballot.rating else None,
    }


def ballot_of(doc: dict) -> Ballot:
    rating = doc.get("rating")
    return Ballot(
        id=doc["_id"], commune_code=doc["commune_code"], dossier_id=doc["dossier_id"],
        dossier_code=doc["dossier_code"], procedure_code=doc["procedure_code"], officer_id=doc.get("officer_id"),
        token=doc["token"], status=BallotStatus(doc["status"]), opened_at=doc["opened_at"],
        expires_at=doc["expires_at"], submitted_at=doc.get("submitted_at"),
        rating=rating_of(rating) if rating else None, field=doc.get("field"),
        anonymous=bool(doc.get("anonymous")),
    )


def answer_document(answer: SurveyAnswer) -> dict:
    doc = {
        "_id": answer.id,
        "commune_code": answer.commune_code,
        "channel": str(answer.channel),
        "submitted_at": answer.submitted_at,
        "procedure_code": answer.procedure_code,
        "officer_id": answer.officer_id,
        "field": answer.field,
        "dossier_id": answer.dossier_id,
        "dossier_code": answer.dossier_code,
        "campaign_id": answer.campaign_id,
        "team_id": answer.team_id,
        "anonymous": answer.anonymous,
        **rating_document(answer.rating),
    }
    if answer.paper_number is not None:  # the unique index is partial on strings
        doc["paper_number"] = answer.paper_number
    return doc


def answer_of(doc: dict) -> SurveyAnswer:
    return SurveyAnswer(
        id=doc["_id"], commune_code=doc["commune_code"], channel=SurveyChannel(doc["channel"]),
        rating=rating_of(doc), submitted_at=doc["submitted_at"], procedure_code=doc.get("procedure_code"),
        officer_id=doc.get("officer_id"), field=doc.get("field"), dossier_id=doc.get("dossier_id"),
        dossier_code=doc.get("dossier_code"), campaign_id=doc.get("campaign_id"), team_id=doc.get("team_id"),
        paper_number=doc.get("paper_number"), anonymous=bool(doc.get("anonymous")),
    )


def follow_up_document(item: FollowUp) -> dict:
    return {"_id": item.id, "commune_code": item.commune_code, "answer_id": item.answer_id,
            "reason": str(item.reason), "raised_at": item.raised_at, "overall": item.overall,
            "channel": item.channel, "procedure_code": item.procedure_code, "officer_id": item.officer_id,
            "dossier_code": item.dossier_code, "comment": item.comment, "status": str(item.status),
            "resolution": item.resolution, "resolved_by": item.resolved_by, "resolved_at": item.resolved_at}


def follow_up_of(doc: dict) -> FollowUp:
    return FollowUp(
        id=doc["_id"], commune_code=doc["commune_code"], answer_id=doc["answer_id"],
        reason=FollowUpReason(doc["reason"]), raised_at=doc["raised_at"], overall=doc["overall"],
        channel=doc["channel"], procedure_code=doc.get("procedure_code"), officer_id=doc.get("officer_id"),
        dossier_code=doc.get("dossier_code"), comment=doc.get("comment"), status=FollowUpStatus(doc["status"]),
        resolution=doc.get("resolution"), resolved_by=doc.get("resolved_by"), resolved_at=doc.get("resolved_at"))


def feedback_document(item: Feedback) -> dict:
    return {"_id": item.id, "code": item.code, "commune_code": item.commune_code, "kind": str(item.kind),
            "content": item.content, "received_at": item.received_at, "due_at": item.due_at,
            "sender_type": str(item.sender_type), "sender_name": item.sender_name,
            "procedure_code": item.procedure_code, "officer_id": item.officer_id, "dossier_code": item.dossier_code,
            "status": str(item.status), "owner": item.owner, "reply": item.reply, "answered_at": item.answered_at,
            "answered_by": item.answered_by}


def feedback_of(doc: dict) -> Feedback:
    return Feedback(
        id=doc["_id"], code=doc["code"], commune_code=doc["commune_code"], kind=FeedbackKind(doc["kind"]),
        content=doc["content"], received_at=doc["received_at"], due_at=doc["due_at"],
        sender_type=SenderType(doc.get("sender_type") or "citizen"), sender_name=doc.get("sender_name"),
        procedure_code=doc.get("procedure_code"), officer_id=doc.get("officer_id"),
        dossier_code=doc.get("dossier_code"), status=FeedbackStatus(doc["status"]), owner=doc.get("owner"),
        reply=doc.get("reply"), answered_at=doc.get("answered_at"), answered_by=doc.get("answered_by"))


def campaign_document(c: Campaign) -> dict:
    return {"_id": c.id, "name": c.name, "kind": str(c.kind), "starts_on": c.starts_on.isoformat(),
            "ends_on": c.ends_on.isoformat(), "communes": list(c.communes), "target_sample": c.target_sample,
            "channel": str(c.channel), "question_set": c.question_set, "created_at": c.created_at,
            "created_by": c.created_by, "run_by": c.run_by}


def campaign_of(doc: dict) -> Campaign:
    from datetime import date

    return Campaign(
        id=doc["_id"], name=doc["name"], kind=CampaignKind(doc["kind"]),
        starts_on=date.fromisoformat(doc["starts_on"]), ends_on=date.fromisoformat(doc["ends_on"]),
        communes=tuple(doc["communes"]), target_sample=doc["target_sample"], channel=SurveyChannel(doc["channel"]),
        question_set=doc["question_set"], created_at=doc["created_at"], created_by=doc["created_by"],
        run_by=doc.get("run_by"))


# --------------------------------------------------------------------------- repositories (in a transaction)


class _Repo:
    def __init__(self, db: AsyncDatabase, session: AsyncClientSession | None) -> None:
        self._db = db
        self._session = session


class MongoBallotRepository(_Repo):
    async def add(self, ballot: Ballot) -> None:
        await self._db[BALLOTS].insert_one(ballot_document(ballot), session=self._session)

    async def get(self, commune_code: str, ballot_id: UUID) -> Ballot | None:
        doc = await self._db[BALLOTS].find_one({"_id": ballot_id, "commune_code": commune_code}, session=self._session)
        return ballot_of(doc) if doc else None

    async def get_by_token(self, token: str) -> Ballot | None:
        doc = await self._db[BALLOTS].find_one({"token": token}, session=self._session)
        return ballot_of(doc) if doc else None

    async def get_for_dossier(self, commune_code: str, dossier_id: UUID) -> Ballot | None:
        doc = await self._db[BALLOTS].find_one(
            {"commune_code": commune_code, "dossier_id": dossier_id}, session=self._session)
        return ballot_of(doc) if doc else None

    async def mark_submitted(self, ballot: Ballot) -> bool:
        """Store the submission only if the ballot is still open; False when another won."""
        result = await self._db[BALLOTS].update_one(
            {"_id": ballot.id, "commune_code": ballot.commune_code, "status": BallotStatus.OPEN.value},
            {"$set": {"status": ballot.status.value, "submitted_at": ballot.submitted_at,
                      "anonymous": ballot.anonymous,
                      "rating": rating_document(ballot.rating) if ballot.rating else None}},
            session=self._session,
        )
        return result.modified_count == 1


class MongoAnswerRepository(_Repo):
    async def add(self, answer: SurveyAnswer) -> None:
        """Raises pymongo's DuplicateKeyError for a known id or a paper number already entered."""
        await self._db[ANSWERS].insert_one(answer_document(answer), session=self._session)

    async def get(self, answer_id: UUID) -> SurveyAnswer | None:
        doc = await self._db[ANSWERS].find_one({"_id": answer_id}, session=self._session)
        return answer_of(doc) if doc else None

    async def paper_numbers_taken(self, campaign_id: UUID, numbers: list[str]) -> list[str]:
        cursor = self._db[ANSWERS].find({"campaign_id": campaign_id, "paper_number": {"$in": numbers}},
                                        {"paper_number": 1}, session=self._session)
        return sorted({doc["paper_number"] async for doc in cursor})


class MongoFollowUpRepository(_Repo):
    async def add(self, item: FollowUp) -> None:
        await self._db[FOLLOW_UPS].insert_one(follow_up_document(item), session=self._session)

    async def get(self, commune_code: str, follow_up_id: UUID) -> FollowUp | None:
        doc = await self._db[FOLLOW_UPS].find_one({"_id": follow_up_id, "commune_code": commune_code},
                                                  session=self._session)
        return follow_up_of(doc) if doc else None

    async def save(self, item: FollowUp) -> None:
        await self._db[FOLLOW_UPS].replace_one({"_id": item.id}, follow_up_document(item), session=self._session)


class MongoFeedbackRepository(_Repo):
    async def add(self, item: Feedback) -> None:
        await self._db[FEEDBACK].insert_one(feedback_document(item), session=self._session)

    async def get(self, code: str) -> Feedback | None:
        doc = await self._db[FEEDBACK].find_one({"code": code}, session=self._session)
        return feedback_of(doc) if doc else None

    async def save(self, item: Feedback, *, unless_answered: bool = True) -> bool:
        query: dict = {"_id": item.id}
        if unless_answered:  # of two concurrent replies, one wins
            query["status"] = {"$ne": FeedbackStatus.ANSWERED.value}
        result = await self._db[FEEDBACK].replace_one(query, feedback_document(item), session=self._session)
        return result.modified_count == 1


class MongoCampaignRepository(_Repo):
    async def add(self, campaign: Campaign) -> None:
        await self._db[CAMPAIGNS].insert_one(campaign_document(campaign), session=self._session)

    async def get(self, campaign_id: UUID) -> Campaign | None:
        doc = await self._db[CAMPAIGNS].find_one({"_id": campaign_id}, session=self._session)
        return campaign_of(doc) if doc else None


# --------------------------------------------------------------------------- queries (pages and lists)


async def list_ballots(
    db: AsyncDatabase, commune_code: str, *, now: datetime, dossier_code: str | None = None,
    status: BallotStatus | None = None, limit: int,
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
    return [ballot_of(doc) async for doc in cursor]


async def list_answers(db: AsyncDatabase, commune_code: str, *, channel: SurveyChannel | None = None,
                       campaign_id: UUID | None = None, limit: int = 100) -> list[SurveyAnswer]:
    query: dict = {"commune_code": commune_code}
    if channel:
        query["channel"] = str(channel)
    if campaign_id:
        query["campaign_id"] = campaign_id
    cursor = db[ANSWERS].find(query).sort("submitted_at", DESCENDING).limit(limit)
    return [answer_of(doc) async for doc in cursor]


async def tally(db: AsyncDatabase, match: dict, factor_keys: list[str]) -> Tally:
    """Answers matching ``match`` counted in MongoDB: total, satisfied, factor means."""
    group: dict = {"_id": None, "answers": {"$sum": 1}, "satisfied": {"$sum": {"$cond": ["$satisfied", 1, 0]}}}
    for key in factor_keys:
        group[f"f_{key}"] = {"$avg": f"$factors.{key}"}
    rows = await (await db[ANSWERS].aggregate([{"$match": match}, {"$group": group}])).to_list(None)
    if not rows:
        return Tally()
    row = rows[0]
    means = {k: round(row[f"f_{k}"], 2) for k in factor_keys if row.get(f"f_{k}") is not None}
    return Tally(answers=row["answers"], satisfied=row["satisfied"], factor_means=means)


async def tally_by_commune(db: AsyncDatabase, match: dict) -> dict[str, Tally]:
    pipeline = [{"$match": match}, {"$group": {"_id": "$commune_code", "answers": {"$sum": 1},
                                                "satisfied": {"$sum": {"$cond": ["$satisfied", 1, 0]}}}}]
    rows = await (await db[ANSWERS].aggregate(pipeline)).to_list(None)
    return {row["_id"]: Tally(answers=row["answers"], satisfied=row["satisfied"]) for row in rows}


async def list_follow_ups(db: AsyncDatabase, commune_code: str, *, status: FollowUpStatus | None,
                          limit: int = 200) -> list[FollowUp]:
    query: dict = {"commune_code": commune_code}
    if status:
        query["status"] = str(status)
    cursor = db[FOLLOW_UPS].find(query).sort("raised_at", DESCENDING).limit(limit)
    return [follow_up_of(doc) async for doc in cursor]


async def list_feedback(db: AsyncDatabase, commune_code: str, *, status: FeedbackStatus | None = None,
                        limit: int = 200) -> list[Feedback]:
    query: dict = {"commune_code": commune_code}
    if status:
        query["status"] = str(status)
    cursor = db[FEEDBACK].find(query).sort("received_at", DESCENDING).limit(limit)
    return [feedback_of(doc) async for doc in cursor]


async def find_feedback(db: AsyncDatabase, code: str) -> Feedback | None:
    doc = await db[FEEDBACK].find_one({"code": code})
    return feedback_of(doc) if doc else None


async def find_ballot(db: AsyncDatabase, ballot_id: UUID) -> Ballot | None:
    """A ballot by its id, whatever its commune (for another service's account)."""
    doc = await db[BALLOTS].find_one({"_id": ballot_id})
    return ballot_of(doc) if doc else None


async def find_ballot_by_token(db: AsyncDatabase, token: str) -> Ballot | None:
    doc = await db[BALLOTS].find_one({"token": token})
    return ballot_of(doc) if doc else None


async def list_campaigns(db: AsyncDatabase, limit: int = 200) -> list[Campaign]:
    cursor = db[CAMPAIGNS].find({}).sort("starts_on", DESCENDING).limit(limit)
    return [campaign_of(doc) async for doc in cursor]


async def find_campaign(db: AsyncDatabase, campaign_id: UUID) -> Campaign | None:
    doc = await db[CAMPAIGNS].find_one({"_id": campaign_id})
    return campaign_of(doc) if doc else None


async def feedback_allowed(db: AsyncDatabase, client: str, now: datetime, per_hour: int) -> bool:
    """Count one public submission from ``client`` (an address, hashed by the caller); False
    when it already sent ``per_hour`` within the hour. A throttle against floods, not a proof
    of anything: a commune office behind one address still sends its share."""
    since = now - timedelta(seconds=FEEDBACK_WINDOW_SECONDS)
    if await db[FEEDBACK_SENDERS].count_documents({"client": client, "at": {"$gt": since}}) >= per_hour:
        return False
    await db[FEEDBACK_SENDERS].insert_one({"client": client, "at": now})
    return True
