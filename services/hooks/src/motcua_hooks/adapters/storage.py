"""Hooks' MongoDB: subscriptions, the delivery queue (lanes and deliveries), the delivery log,
alerts and replays.

A *lane* is one subscription's queue for one ordering key (a dossier): ``next_seq`` numbers the
deliveries recorded in it, ``done_seq`` the last one finished, and ``next_attempt_at`` says when
its head (``done_seq + 1``) is due — ``None`` while the lane is empty, parked or its subscription
is not active. A dispatcher claims a due lane by moving ``next_attempt_at`` past a lease, so two
replicas never send the same lane at once, and a crashed one's lane is retried after the lease.
Lane updates are single-document (atomic) pipelines; a delivery is recorded in the consumer's
transaction with the lane's increment, so the two never disagree.
"""

from datetime import datetime, timedelta
from typing import Any
from uuid import uuid4

from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from motcua_runtime.unit_of_work import MongoUnitOfWork

from motcua_hooks.adapters.secret_box import SecretBox

from motcua_hooks.domain.subscriptions import ACTIVE, DELETED, Subscription

SUBSCRIPTIONS = "subscriptions"
LANES = "lanes"
DELIVERIES = "deliveries"
ATTEMPTS = "delivery_attempts"
ALERTS = "alerts"
REPLAYS = "replays"

PENDING, DELIVERED, PARKED = "pending", "delivered", "parked"


async def ensure_indexes(db: AsyncDatabase, log_retention_days: float = 90) -> None:
    """``log_retention_days``: delivered deliveries and logged attempts are removed by MongoDB after
    that long (a TTL index; pending and parked deliveries have no ``delivered_at`` and stay)."""
    ttl = int(log_retention_days * 24 * 3600)
    await db[DELIVERIES].create_index("delivered_at", expireAfterSeconds=ttl, name="delivered_ttl")
    await db[ATTEMPTS].create_index("at", expireAfterSeconds=ttl, name="attempts_ttl")
    await db[LANES].create_index([("parked", ASCENDING), ("next_attempt_at", ASCENDING)])
    await db[LANES].create_index([("subscription_id", ASCENDING)])
    await db[DELIVERIES].create_index([("lane_id", ASCENDING), ("seq", ASCENDING)], unique=True)
    await db[DELIVERIES].create_index([("subscription_id", ASCENDING), ("created_at", DESCENDING)])
    await db[ATTEMPTS].create_index([("subscription_id", ASCENDING), ("at", DESCENDING)])
    await db[ATTEMPTS].create_index([("delivery_id", ASCENDING)])
    await db[REPLAYS].create_index([("status", ASCENDING), ("lease_until", ASCENDING)])


def subscription_of(doc: dict[str, Any]) -> Subscription:
    return Subscription(
        subscription_id=doc["_id"], subscriber=doc["subscriber"], callback_url=doc["callback_url"],
        event_types=frozenset(doc.get("event_types", [])),
        communes=frozenset(doc.get("communes", [])), fields=frozenset(doc.get("fields", [])),
        retry_for_seconds=doc["retry_for_seconds"], status=doc["status"],
    )


class DeliveryQueue:
    """The part of the store the consumer writes in its transaction."""

    def __init__(self, db: AsyncDatabase, session: AsyncClientSession | None) -> None:
        self._db, self._session = db, session

    async def active_subscriptions(self, subscription_id: str | None = None) -> list[Subscription]:
        query: dict[str, Any] = {"status": ACTIVE}
        if subscription_id:
            query["_id"] = subscription_id
        return [subscription_of(d) async for d in self._db[SUBSCRIPTIONS].find(query, session=self._session)]

    async def enqueue(self, subscription: Subscription, *, order_key: str, event: dict[str, Any], body: str,
                      now: datetime, replay_id: str | None = None) -> None:
        lane_id = f"{subscription.subscription_id}|{order_key}"
        lane = await self._db[LANES].find_one_and_update(
            {"_id": lane_id},
            [
                {"$set": {
                    "subscription_id": subscription.subscription_id, "order_key": order_key,
                    "next_seq": {"$add": [{"$ifNull": ["$next_seq", 0]}, 1]},
                    "done_seq": {"$ifNull": ["$done_seq", 0]},
                    "parked": {"$ifNull": ["$parked", False]},
                    "attempts": {"$ifNull": ["$attempts", 0]},
                    "first_failure_at": {"$ifNull": ["$first_failure_at", None]},
                }},
                # The new delivery is the head of an idle lane: due now.
                {"$set": {"next_attempt_at": {"$cond": [
                    {"$and": [{"$eq": ["$next_seq", {"$add": ["$done_seq", 1]}]}, {"$not": ["$parked"]}]},
                    now, {"$ifNull": ["$next_attempt_at", None]}]}}},
            ],
            upsert=True, return_document=ReturnDocument.AFTER, session=self._session,
        )
        await self._db[DELIVERIES].insert_one({
            "_id": str(uuid4()), "subscription_id": subscription.subscription_id, "lane_id": lane_id,
            "order_key": order_key, "seq": lane["next_seq"], "event_id": event["event_id"],
            "event_type": event["event_type"], "schema_version": event["schema_version"],
            "commune_code": event["commune_code"], "occurred_at": event["occurred_at"], "body": body,
            "status": PENDING, "attempts": 0, "created_at": now, "replay_id": replay_id,
        }, session=self._session)


class MongoHooksUnitOfWork(MongoUnitOfWork):
    def _bind(self, session: AsyncClientSession) -> None:
        self.queue = DeliveryQueue(self.db, session)


class HooksStore:
    """Everything outside the consumer's transaction: subscriptions, dispatch, log, alerts, replays.

    Signing secrets are sealed on the way in and unsealed on the way out (``adapters/secret_box.py``):
    callers see ``secret`` in clear, the database holds ``secret_sealed`` and ``secret_hint``."""

    def __init__(self, db: AsyncDatabase, box: SecretBox) -> None:
        self.db, self.box = db, box

    # ---------------------------------------------------------------- subscriptions
    async def add_subscription(self, doc: dict[str, Any]) -> None:
        await self.db[SUBSCRIPTIONS].insert_one(self._sealed(doc))

    def _sealed(self, doc: dict[str, Any]) -> dict[str, Any]:
        stored = {k: v for k, v in doc.items() if k != "secret"}
        return {**stored, "secret_sealed": self.box.seal(doc["secret"]), "secret_hint": "…" + doc["secret"][-4:]}

    def _unsealed(self, doc: dict[str, Any] | None) -> dict[str, Any] | None:
        if doc is None or "secret_sealed" not in doc:
            return doc
        return {**doc, "secret": self.box.unseal(doc["secret_sealed"])}

    async def subscription(self, subscription_id: str) -> dict[str, Any] | None:
        return self._unsealed(await self.db[SUBSCRIPTIONS].find_one({"_id": subscription_id,
                                                                     "status": {"$ne": DELETED}}))

    async def subscriptions(self) -> list[dict[str, Any]]:
        cursor = self.db[SUBSCRIPTIONS].find({"status": {"$ne": DELETED}}).sort("created_at", ASCENDING)
        return [self._unsealed(d) async for d in cursor]

    async def seal_plaintext_secrets(self) -> int:
        """Seal the secrets of subscriptions written before sealing (start-up; safe to repeat)."""
        sealed = 0
        async for doc in self.db[SUBSCRIPTIONS].find({"secret": {"$exists": True}}):
            stored = self._sealed(doc)
            result = await self.db[SUBSCRIPTIONS].update_one(
                {"_id": doc["_id"], "secret": doc["secret"]},
                {"$set": {"secret_sealed": stored["secret_sealed"], "secret_hint": stored["secret_hint"]},
                 "$unset": {"secret": ""}})
            sealed += result.modified_count
        return sealed

    async def set_status(self, subscription_id: str, status: str, now: datetime) -> None:
        await self.db[SUBSCRIPTIONS].update_one({"_id": subscription_id},
                                                {"$set": {"status": status, "updated_at": now}})

    async def subscription_figures(self, subscription_id: str) -> dict[str, int]:
        counts = {PENDING: 0, DELIVERED: 0, PARKED: 0}
        async for row in await self.db[DELIVERIES].aggregate([
            {"$match": {"subscription_id": subscription_id}},
            {"$group": {"_id": "$status", "n": {"$sum": 1}}},
        ]):
            counts[row["_id"]] = row["n"]
        counts["parked_dossiers"] = await self.db[LANES].count_documents(
            {"subscription_id": subscription_id, "parked": True})
        return counts

    # --------------------------------------------------------------------- dispatch
    async def claim_due_lane(self, now: datetime, lease_seconds: float) -> dict[str, Any] | None:
        return await self.db[LANES].find_one_and_update(
            {"parked": False, "next_attempt_at": {"$ne": None, "$lte": now}},
            {"$set": {"next_attempt_at": now + timedelta(seconds=lease_seconds)}},
            sort=[("next_attempt_at", ASCENDING)], return_document=ReturnDocument.AFTER,
        )

    async def head_of(self, lane: dict[str, Any]) -> dict[str, Any] | None:
        return await self.db[DELIVERIES].find_one({"lane_id": lane["_id"], "seq": lane["done_seq"] + 1})

    async def rest_lane(self, lane_id: str) -> None:
        """The lane waits for its subscription to be resumed (paused or deleted)."""
        await self.db[LANES].update_one({"_id": lane_id}, {"$set": {"next_attempt_at": None}})

    async def log_attempt(self, *, subscription_id: str, delivery: dict[str, Any], at: datetime,
                          status_code: int | None, error: str | None, duration_ms: int) -> None:
        await self.db[ATTEMPTS].insert_one({
            "_id": str(uuid4()), "subscription_id": subscription_id, "delivery_id": delivery["_id"],
            "event_id": delivery["event_id"], "event_type": delivery["event_type"], "at": at,
            "attempt": delivery["attempts"] + 1, "status_code": status_code, "error": error,
            "duration_ms": duration_ms,
        })

    async def delivered(self, lane: dict[str, Any], delivery: dict[str, Any], now: datetime,
                        status_code: int) -> None:
        await self.db[DELIVERIES].update_one({"_id": delivery["_id"]}, {
            "$set": {"status": DELIVERED, "delivered_at": now, "last_status_code": status_code, "last_error": None},
            "$inc": {"attempts": 1}})
        done = lane["done_seq"] + 1
        await self.db[LANES].update_one({"_id": lane["_id"], "done_seq": lane["done_seq"]}, [{"$set": {
            "done_seq": done, "attempts": 0, "first_failure_at": None,
            "next_attempt_at": {"$cond": [{"$gt": ["$next_seq", done]}, now, None]}}}])

    async def failed(self, lane: dict[str, Any], delivery: dict[str, Any], *, status_code: int | None,
                     error: str | None, first_failure_at: datetime, park: bool,
                     next_attempt_at: datetime | None, now: datetime) -> None:
        await self.db[DELIVERIES].update_one({"_id": delivery["_id"]}, {
            "$set": {"status": PARKED if park else PENDING, "last_status_code": status_code, "last_error": error},
            "$inc": {"attempts": 1}})
        await self.db[LANES].update_one({"_id": lane["_id"]}, {"$set": {
            "attempts": lane["attempts"] + 1, "first_failure_at": first_failure_at, "parked": park,
            "next_attempt_at": next_attempt_at, "parked_at": now if park else None}})

    async def resume(self, subscription_id: str, now: datetime) -> int:
        """Parked lanes start again (a new retry window), and lanes rested while the subscription
        was paused pick up their backlog."""
        parked = await self.db[LANES].update_many({"subscription_id": subscription_id, "parked": True}, {"$set": {
            "parked": False, "attempts": 0, "first_failure_at": None, "next_attempt_at": now}})
        await self.db[DELIVERIES].update_many({"subscription_id": subscription_id, "status": PARKED},
                                              {"$set": {"status": PENDING}})
        await self.db[LANES].update_many(
            {"subscription_id": subscription_id, "next_attempt_at": None, "$expr": {"$gt": ["$next_seq", "$done_seq"]}},
            {"$set": {"next_attempt_at": now}})
        return parked.modified_count

    # ------------------------------------------------------------------ delivery log
    async def deliveries(self, subscription_id: str, *, status: str | None, since: datetime | None,
                         limit: int) -> list[dict[str, Any]]:
        query: dict[str, Any] = {"subscription_id": subscription_id}
        if status:
            query["status"] = status
        if since:
            query["created_at"] = {"$gte": since}
        cursor = self.db[DELIVERIES].find(query, {"body": 0}).sort([("created_at", DESCENDING), ("seq", DESCENDING)])
        rows = [d async for d in cursor.limit(limit)]
        attempts: dict[str, list] = {}
        async for a in self.db[ATTEMPTS].find({"delivery_id": {"$in": [r["_id"] for r in rows]}}).sort("at", ASCENDING):
            attempts.setdefault(a["delivery_id"], []).append(a)
        for row in rows:
            row["attempt_log"] = attempts.get(row["_id"], [])
        return rows

    # ------------------------------------------------------------------------ alerts
    async def record_alert(self, alert: dict[str, Any]) -> bool:
        """False when this subscriber was already alerted about today (one alert per subscriber per day)."""
        try:
            await self.db[ALERTS].insert_one(alert)
            return True
        except DuplicateKeyError:
            await self.db[ALERTS].update_one({"_id": alert["_id"]}, {"$inc": {"suppressed": 1}})
            return False

    async def alerts(self, limit: int = 200) -> list[dict[str, Any]]:
        return [a async for a in self.db[ALERTS].find({}).sort("at", DESCENDING).limit(limit)]

    # ----------------------------------------------------------------------- replays
    async def add_replay(self, doc: dict[str, Any]) -> None:
        await self.db[REPLAYS].insert_one(doc)

    async def replay(self, replay_id: str) -> dict[str, Any] | None:
        return await self.db[REPLAYS].find_one({"_id": replay_id})

    async def claim_replay(self, now: datetime, lease_seconds: float) -> dict[str, Any] | None:
        return await self.db[REPLAYS].find_one_and_update(
            {"status": {"$in": ["requested", "running"]}, "lease_until": {"$lte": now}},
            {"$set": {"status": "running", "lease_until": now + timedelta(seconds=lease_seconds)}},
            sort=[("requested_at", ASCENDING)], return_document=ReturnDocument.AFTER,
        )

    async def finish_replay(self, replay_id: str, *, now: datetime, scanned: int, enqueued: int,
                            error: str | None = None) -> None:
        await self.db[REPLAYS].update_one({"_id": replay_id}, {"$set": {
            "status": "failed" if error else "done", "finished_at": now, "scanned": scanned,
            "enqueued": enqueued, "error": error}})
