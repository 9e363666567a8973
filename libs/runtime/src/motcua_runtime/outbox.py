"""Transactional outbox and its relay.

A state change and the events announcing it are written in one MongoDB
transaction (``stage_events``). The relay publishes pending events to JetStream
with ``Nats-Msg-Id`` = event id and only then marks them sent. If the process dies
between commit and publish, the events are still pending and go out after restart;
if it dies between publish and mark, the re-publication is dropped by JetStream's
duplicate window, and consumers are idempotent anyway. An event is never
published for a change that was not committed: it does not exist before commit.

The relay publishes a batch (up to ``batch_size`` entries, oldest first) concurrently and
awaits every acknowledgement before marking the acknowledged ones sent in one update; a
publication that failed stays pending and is retried (the others of its batch are not
re-sent, and if they were, JetStream would drop them as duplicates). Order: the messages of a
batch leave in commit order on one connection, so JetStream stores them in that order unless a
publication fails and is retried later. No consumer relies on the order of events (each
durable consumer takes one event type; every handler is idempotent and tolerates an event of
a dossier it has not seen yet or has already seen a later event of).

The trace context of the request that committed the change is stored with the entry
(``traceparent`` header) and travels with the message.
"""

import asyncio
import contextlib
import os
import socket
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime, timedelta

import structlog
from opentelemetry.trace import SpanKind
from pymongo import ASCENDING, ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError, PyMongoError

from motcua_contracts import Envelope
from motcua_runtime.observability import (
    EVENTS_PUBLISHED,
    extract_trace_context,
    inject_trace_context,
    tracer,
)

log = structlog.get_logger("motcua.outbox")

OUTBOX = "outbox"
LOCKS = "locks"
PENDING, SENT = "pending", "sent"

#: Publishes (subject, body, headers) to JetStream and raises unless the server stored it.
PublishFn = Callable[[str, bytes, dict[str, str]], Awaitable[None]]


def message_headers(envelope: Envelope) -> dict[str, str]:
    headers = {
        "Nats-Msg-Id": str(envelope.event_id),
        "Motcua-Event-Type": envelope.event_type,
        "Motcua-Schema-Version": str(envelope.schema_version),
        "Motcua-Commune": envelope.commune_code,
        "Motcua-Correlation-Id": envelope.correlation_id,
    }
    if envelope.causation_id:
        headers["Motcua-Causation-Id"] = envelope.causation_id
    dossier_code = getattr(envelope.data, "dossier_code", None)
    if dossier_code:
        headers["Motcua-Dossier-Code"] = dossier_code
    return headers


async def ensure_outbox_indexes(db: AsyncDatabase) -> None:
    await db[OUTBOX].create_index([("status", ASCENDING), ("created_at", ASCENDING), ("position", ASCENDING)])
    # Sent entries are kept a week for inspection, then dropped by MongoDB.
    await db[OUTBOX].create_index("sent_at", expireAfterSeconds=7 * 24 * 3600)


async def stage_events(db: AsyncDatabase, session: AsyncClientSession, envelopes: Iterable[Envelope]) -> int:
    """Write events into the outbox inside the caller's transaction."""
    now = datetime.now(UTC)
    documents = [
        {
            "_id": str(envelope.event_id),
            # Publication order: creation time, then the order within one transaction.
            "position": index,
            "subject": envelope.subject(),
            "body": envelope.model_dump_json().encode(),
            "headers": inject_trace_context(message_headers(envelope)),
            "event_type": envelope.event_type,
            "commune_code": envelope.commune_code,
            "status": PENDING,
            "created_at": now,
            "attempts": 0,
        }
        for index, envelope in enumerate(envelopes)
    ]
    if documents:
        await db[OUTBOX].insert_many(documents, session=session, ordered=True)
    return len(documents)


class OutboxRelay:
    """Publishes pending outbox entries; one active relay per service (a lease in MongoDB)."""

    def __init__(
        self,
        db: AsyncDatabase,
        publish: PublishFn,
        *,
        name: str,
        poll_seconds: float = 0.5,
        lease_seconds: float = 10.0,
        batch_size: int = 200,
    ) -> None:
        self._db = db
        self._publish = publish
        self._service = name
        self._lock_id = f"outbox-relay:{name}"
        self._owner = f"{socket.gethostname()}:{os.getpid()}:{id(self)}"
        self._poll = poll_seconds
        self._lease = timedelta(seconds=lease_seconds)
        self._batch = batch_size
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None
        self.published = 0

    def wake(self) -> None:
        """Called after a commit so events go out now, not at the next poll."""
        self._wake.set()

    async def _hold_lease(self) -> bool:
        now = datetime.now(UTC)
        try:
            await self._db[LOCKS].find_one_and_update(
                {"_id": self._lock_id, "$or": [{"owner": self._owner}, {"expires_at": {"$lt": now}}]},
                {"$set": {"owner": self._owner, "expires_at": now + self._lease}},
                upsert=True,
                return_document=ReturnDocument.AFTER,
            )
            return True
        except DuplicateKeyError:
            return False

    async def publish_pending(self) -> int:
        """Publish a batch of pending entries concurrently; mark the acknowledged ones sent.

        Raises the first failure after marking what did get through (the relay backs off)."""
        entries = await (
            self._db[OUTBOX].find({"status": PENDING}, {"subject": 1, "body": 1, "headers": 1, "event_type": 1})
            .sort([("created_at", ASCENDING), ("position", ASCENDING)]).limit(self._batch).to_list()
        )
        if not entries:
            return 0
        results = await asyncio.gather(*(self._publish_entry(entry) for entry in entries), return_exceptions=True)
        sent = [entry for entry, result in zip(entries, results, strict=True) if result is None]
        failed = [(entry, result) for entry, result in zip(entries, results, strict=True) if result is not None]
        if sent:
            await self._db[OUTBOX].update_many(
                {"_id": {"$in": [entry["_id"] for entry in sent]}},
                {"$set": {"status": SENT, "sent_at": datetime.now(UTC)}},
            )
            for entry in sent:
                EVENTS_PUBLISHED.labels(self._service, entry.get("event_type") or "unknown").inc()
        self.published += len(sent)
        if failed:  # NATS down, timeout: keep them pending, try later
            await self._db[OUTBOX].update_many(
                {"_id": {"$in": [entry["_id"] for entry, _ in failed]}}, {"$inc": {"attempts": 1}}
            )
            log.warning("outbox.publish_failed", failed=len(failed), sent=len(sent),
                        event_id=failed[0][0]["_id"], error=repr(failed[0][1]))
            error = failed[0][1]
            raise error if isinstance(error, Exception) else RuntimeError(repr(error))
        return len(sent)

    async def _publish_entry(self, entry: dict) -> None:
        headers = dict(entry["headers"])
        with tracer().start_as_current_span(
            f"publish {entry.get('event_type', '')}", context=extract_trace_context(headers),
            kind=SpanKind.PRODUCER, attributes={"messaging.system": "nats", "messaging.destination.name": entry["subject"],
                                                "messaging.message.id": entry["_id"]},
        ):
            inject_trace_context(headers)
            await self._publish(entry["subject"], entry["body"], headers)

    async def backlog(self) -> int:
        return await self._db[OUTBOX].count_documents({"status": PENDING})

    async def run(self) -> None:
        failures = 0
        while True:
            try:
                if await self._hold_lease():
                    while await self.publish_pending() == self._batch:
                        pass
                failures = 0
            except asyncio.CancelledError:
                raise
            except (PyMongoError, Exception) as error:
                failures += 1
                log.warning("outbox.relay_error", error=repr(error), failures=failures)
            delay = self._poll if failures == 0 else min(self._poll * 2**failures, 15.0)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=delay)
            self._wake.clear()

    def start(self) -> None:
        self._task = asyncio.create_task(self.run(), name=self._lock_id)

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        with contextlib.suppress(PyMongoError):
            await self._db[LOCKS].delete_one({"_id": self._lock_id, "owner": self._owner})
