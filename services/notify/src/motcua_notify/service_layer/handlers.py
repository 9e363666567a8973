"""Notify's use cases: turn an incoming event into notification records, once."""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol

from motcua_contracts import DossierReceived, DossierRescheduled, Envelope, ResultReturned
from motcua_runtime.unit_of_work import UnitOfWork, apply_once

from motcua_notify.domain import rules

CONSUMER_RECEIVED = "notify-dossier-received"
CONSUMER_RETURNED = "notify-result-returned"
CONSUMER_RESCHEDULED = "notify-dossier-rescheduled"


class NotificationRepository(Protocol):
    async def add_many(self, documents: list[dict]) -> None: ...


class NotifyUnitOfWork(UnitOfWork, Protocol):
    notifications: NotificationRepository


def _records(envelope: Envelope, planned: list[rules.PlannedNotification]) -> list[dict]:
    now = datetime.now(UTC)
    return [
        {
            # One record per event and kind: a replayed event cannot make a second letter.
            "_id": f"{envelope.event_id}:{p.kind}",
            "commune_code": envelope.commune_code,
            "dossier_code": envelope.data.dossier_code,
            "dossier_id": envelope.data.dossier_id,
            "kind": p.kind,
            "channel": p.channel,
            "status": "queued",
            "event_id": str(envelope.event_id),
            "correlation_id": envelope.correlation_id,
            "created_at": now,
            **p.details,
        }
        for p in planned
    ]


async def _record(uow: NotifyUnitOfWork, consumer: str, envelope: Envelope, planned) -> bool:
    async def effect(u: NotifyUnitOfWork) -> None:
        if planned:
            await u.notifications.add_many(_records(envelope, planned))

    return await apply_once(uow, consumer, str(envelope.event_id), effect)


async def on_dossier_received(envelope: Envelope[DossierReceived], uow: NotifyUnitOfWork) -> bool:
    return await _record(uow, CONSUMER_RECEIVED, envelope, rules.for_dossier_received(envelope.data))


async def on_dossier_rescheduled(envelope: Envelope[DossierRescheduled], uow: NotifyUnitOfWork) -> bool:
    return await _record(uow, CONSUMER_RESCHEDULED, envelope, rules.for_dossier_rescheduled(envelope.data))


async def on_result_returned(envelope: Envelope[ResultReturned], uow: NotifyUnitOfWork) -> bool:
    return await _record(uow, CONSUMER_RETURNED, envelope, rules.for_result_returned(envelope.data))


UowFactory = Callable[[], NotifyUnitOfWork]
