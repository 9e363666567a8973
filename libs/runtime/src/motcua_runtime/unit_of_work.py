"""A MongoDB unit of work: one transaction for a state change, its outbox events,
and (for consumers) the mark that an incoming event was processed.

Service layers depend on the small protocol below; tests pass fakes with the same
shape. ``commit`` is explicit: leaving the block without it rolls back.
"""

from datetime import UTC, datetime
from typing import Protocol

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.asynchronous.mongo_client import AsyncMongoClient
from pymongo.read_concern import ReadConcern
from pymongo.write_concern import WriteConcern

from motcua_contracts import Envelope
from motcua_runtime.outbox import OutboxRelay, stage_events

PROCESSED = "processed_events"


class UnitOfWork(Protocol):
    async def __aenter__(self) -> "UnitOfWork": ...
    async def __aexit__(self, *exc: object) -> None: ...
    def emit(self, envelope: Envelope) -> None: ...
    async def already_processed(self, consumer: str, event_id: str) -> bool: ...
    def mark_processed(self, consumer: str, event_id: str) -> None: ...
    async def commit(self) -> None: ...


class MongoUnitOfWork:
    """Base for a service's unit of work; subclasses add repositories in ``_bind``."""

    def __init__(self, client: AsyncMongoClient, db: AsyncDatabase, relay: OutboxRelay | None = None) -> None:
        self.client = client
        self.db = db
        self._relay = relay
        self.session: AsyncClientSession | None = None
        self._events: list[Envelope] = []
        self._processed: list[dict] = []
        self.committed_events: list[Envelope] = []

    def _bind(self, session: AsyncClientSession) -> None:
        """Create repositories bound to the session (override)."""

    async def __aenter__(self) -> "MongoUnitOfWork":
        self.session = self.client.start_session()
        await self.session.start_transaction(
            read_concern=ReadConcern("snapshot"), write_concern=WriteConcern("majority")
        )
        self._events, self._processed = [], []
        self._bind(self.session)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.session is not None
        try:
            if self.session.in_transaction:
                await self.session.abort_transaction()
        finally:
            await self.session.end_session()
            self.session = None

    def emit(self, envelope: Envelope) -> None:
        self._events.append(envelope)

    async def already_processed(self, consumer: str, event_id: str) -> bool:
        found = await self.db[PROCESSED].find_one({"_id": f"{consumer}:{event_id}"}, session=self.session)
        return found is not None

    def mark_processed(self, consumer: str, event_id: str) -> None:
        self._processed.append(
            {"_id": f"{consumer}:{event_id}", "consumer": consumer, "event_id": event_id,
             "processed_at": datetime.now(UTC)}
        )

    async def commit(self) -> None:
        assert self.session is not None
        # A concurrent duplicate inserting the same mark makes this transaction fail,
        # so an effect and its mark are never committed twice.
        if self._processed:
            await self.db[PROCESSED].insert_many(self._processed, session=self.session)
        await stage_events(self.db, self.session, self._events)
        await self.session.commit_transaction()
        self.committed_events = list(self._events)
        if self._events and self._relay is not None:
            self._relay.wake()


async def retry_transient(operation, attempts: int = 5):
    """Run ``operation()`` again when MongoDB says the transaction may simply be retried
    (write conflict with a concurrent request, primary step-down)."""
    import asyncio
    import random

    from pymongo.errors import PyMongoError

    for attempt in range(1, attempts + 1):
        try:
            return await operation()
        except PyMongoError as error:
            if attempt == attempts or not error.has_error_label("TransientTransactionError"):
                raise
            await asyncio.sleep(random.uniform(0, min(0.01 * 2**attempt, 0.5)))


async def apply_once(uow: UnitOfWork, consumer: str, event_id: str, effect) -> bool:
    """Apply ``await effect(uow)`` for an incoming event at most once per consumer.

    The effect, any events it emits, and the processed mark commit in one
    transaction: a redelivered or duplicated event finds the mark and does nothing.
    Returns False for a duplicate.
    """
    async with uow:
        if await uow.already_processed(consumer, event_id):
            return False
        await effect(uow)
        uow.mark_processed(consumer, event_id)
        await uow.commit()
    return True
