"""Hooks' use cases: record a public event for the subscriptions it matches (once), deliver each
subscription's queue in order per dossier with retries, park and alert, replay a time range."""

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from typing import Any, Protocol
from uuid import uuid4

import structlog

from motcua_contracts.catalogue import is_public
from motcua_runtime.clock import utc_now
from motcua_runtime.unit_of_work import apply_once, retry_transient

from motcua_hooks.domain.subscriptions import (
    ACTIVE,
    SIGNATURE_HEADER,
    Subscription,
    after_failure,
    alert_day,
    ordering_key,
    sign,
    succeeded,
)

log = structlog.get_logger("motcua.hooks")

#: The durable consumer on MOTCUA_EVENTS that records deliveries.
CONSUMER = "hooks-public-events"


class Queue(Protocol):
    async def active_subscriptions(self, subscription_id: str | None = None) -> list[Subscription]: ...
    async def enqueue(self, subscription: Subscription, *, order_key: str, event: dict[str, Any], body: str,
                      now: datetime, replay_id: str | None = None) -> None: ...


class HooksUnitOfWork(Protocol):
    queue: Queue

    async def __aenter__(self) -> "HooksUnitOfWork": ...
    async def __aexit__(self, *exc: object) -> None: ...
    async def already_processed(self, consumer: str, event_id: str) -> bool: ...
    def mark_processed(self, consumer: str, event_id: str) -> None: ...
    def emit(self, envelope: Any) -> None: ...
    async def commit(self) -> None: ...


UowFactory = Callable[[], HooksUnitOfWork]


SubscriptionsReader = Callable[[], Awaitable[list[Subscription]]]


async def record_event(event: dict[str, Any], body: str, uow_factory: UowFactory, *,
                       consumer: str = CONSUMER, only: str | None = None, replay_id: str | None = None,
                       now: datetime | None = None, subscriptions: SubscriptionsReader | None = None) -> int:
    """Queue one event for every active subscription it matches (``only``: that one), once per
    ``consumer`` and event. Internal events are never queued. Returns how many were queued
    (0 for a duplicate).

    ``subscriptions``: a quick read outside any transaction; an event no subscription wants
    then costs no transaction at all (most events, on a deployment with few subscribers)."""
    if not is_public(event["event_type"], event["schema_version"]):
        return 0
    data = event.get("data") or {}
    if subscriptions is not None and not any(
            s.matches(event["event_type"], event["commune_code"], data) for s in await subscriptions()):
        return 0
    queued = 0
    key = ordering_key(data, str(event["event_id"]))

    async def effect(uow: HooksUnitOfWork) -> None:
        nonlocal queued
        queued = 0
        for subscription in await uow.queue.active_subscriptions(only):
            if subscription.matches(event["event_type"], event["commune_code"], event.get("data") or {}):
                await uow.queue.enqueue(subscription, order_key=key, event=event, body=body,
                                        now=now or utc_now(), replay_id=replay_id)
                queued += 1

    # A fresh unit of work per attempt; a write conflict with the dispatcher on a lane retries.
    done = await retry_transient(lambda: apply_once(uow_factory(), consumer, str(event["event_id"]), effect))
    return queued if done else 0


class Sender(Protocol):
    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> Any: ...


class Notifier(Protocol):
    async def notify(self, alert: dict[str, Any]) -> None: ...


class Dispatcher:
    """Delivers due lanes, several at a time; each lane sends only its head, so a dossier's
    deliveries arrive in order and a failing dossier delays no other."""

    def __init__(self, store: Any, sender: Sender, notifier: Notifier, *, concurrency: int, poll_seconds: float,
                 timeout_seconds: float, initial_delay: float, max_delay: float,
                 clock: Callable[[], datetime] = utc_now) -> None:
        self.store, self.sender, self.notifier = store, sender, notifier
        self.concurrency, self.poll_seconds = concurrency, poll_seconds
        # A claimed lane is retried by another replica only after the attempt surely ended.
        self.lease_seconds = timeout_seconds + 30
        self.initial_delay, self.max_delay = initial_delay, max_delay
        self.clock = clock

    async def run(self) -> None:
        slots = asyncio.Semaphore(self.concurrency)
        running: set[asyncio.Task] = set()
        try:
            while True:
                await slots.acquire()
                try:
                    lane = await self.store.claim_due_lane(self.clock(), self.lease_seconds)
                except Exception:
                    slots.release()
                    raise
                if lane is None:
                    slots.release()
                    await asyncio.sleep(self.poll_seconds)
                    continue
                task = asyncio.create_task(self._guarded(lane))
                running.add(task)
                task.add_done_callback(lambda t: (running.discard(t), slots.release()))
        finally:
            for task in running:
                task.cancel()

    async def _guarded(self, lane: dict[str, Any]) -> None:
        try:
            await self.deliver_lane(lane)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # the lease runs out and the lane is tried again
            log.error("hooks.dispatch_failed", lane=lane["_id"], error=repr(error))

    async def deliver_lane(self, lane: dict[str, Any]) -> None:
        doc = await self.store.subscription(lane["subscription_id"])
        if doc is None or doc["status"] != ACTIVE:
            await self.store.rest_lane(lane["_id"])
            return
        delivery = await self.store.head_of(lane)
        if delivery is None:
            await self.store.rest_lane(lane["_id"])
            return
        body = delivery["body"].encode()
        timestamp = int(time.time())
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(doc["secret"], timestamp, body),
            "Motcua-Event-Id": delivery["event_id"],
            "Motcua-Event-Type": delivery["event_type"],
            "Motcua-Commune": delivery["commune_code"],
            "Motcua-Delivery-Id": delivery["_id"],
            "Motcua-Delivery-Attempt": str(delivery["attempts"] + 1),
            "Motcua-Subscription-Id": doc["_id"],
        }
        if delivery.get("replay_id"):
            headers["Motcua-Replay-Id"] = delivery["replay_id"]
        started = time.monotonic()
        result = await self.sender.post(doc["callback_url"], body, headers)
        now = self.clock()
        await self.store.log_attempt(subscription_id=doc["_id"], delivery=delivery, at=now,
                                     status_code=result.status_code, error=result.error,
                                     duration_ms=int((time.monotonic() - started) * 1000))
        if succeeded(result.status_code):
            await self.store.delivered(lane, delivery, now, result.status_code)
            return
        first_failure_at = lane.get("first_failure_at") or now
        outcome = after_failure(attempts=lane["attempts"] + 1, first_failure_at=first_failure_at, now=now,
                                retry_for_seconds=doc["retry_for_seconds"], initial=self.initial_delay,
                                cap=self.max_delay)
        await self.store.failed(lane, delivery, status_code=result.status_code, error=result.error,
                                first_failure_at=first_failure_at, park=outcome.park,
                                next_attempt_at=outcome.next_attempt_at, now=now)
        log.warning("hooks.delivery_failed", subscription_id=doc["_id"], event_id=delivery["event_id"],
                    status_code=result.status_code, error=result.error, attempt=delivery["attempts"] + 1,
                    parked=outcome.park)
        if outcome.park:
            await self._alert(doc, lane, delivery, result, now)

    async def _alert(self, doc: dict[str, Any], lane: dict[str, Any], delivery: dict[str, Any], result: Any,
                     now: datetime) -> None:
        day = alert_day(now)
        alert = {
            "_id": f"{doc['subscriber']}:{day}", "subscriber": doc["subscriber"], "day": day, "at": now,
            "subscription_id": doc["_id"], "callback_url": doc["callback_url"], "order_key": lane["order_key"],
            "event_id": delivery["event_id"], "event_type": delivery["event_type"],
            "last_status_code": result.status_code, "last_error": result.error, "suppressed": 0,
            "message_vi": f"Không gửi được sự kiện tới {doc['subscriber']} sau nhiều lần thử; "
                          "các lần gửi đã bị tạm giữ. Kiểm tra hệ thống nhận rồi bấm 'Tiếp tục'.",
            "message_en": f"Deliveries to {doc['subscriber']} were parked after retries ran out; "
                          "check the receiver, then resume the subscription.",
        }
        if await self.store.record_alert(alert):
            await self.notifier.notify(alert)


EventSource = Callable[[datetime, datetime], AsyncIterator[bytes]]


async def run_replay(replay: dict[str, Any], source: EventSource, uow_factory: UowFactory) -> tuple[int, int]:
    """Queue again, for one subscription, every matching public event stored in the replay's
    time range, in stream order (so in order per dossier). Resumable: each event once per replay."""
    scanned = queued = 0
    async for body in source(replay["from"], replay["to"]):
        scanned += 1
        try:
            event = json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError):
            continue
        if not isinstance(event, dict) or not {"event_id", "event_type", "schema_version", "commune_code"} <= set(event):
            continue
        queued += await record_event(event, body.decode(), uow_factory, consumer=f"hooks-replay-{replay['_id']}",
                                     only=replay["subscription_id"], replay_id=replay["_id"])
    return scanned, queued


async def replay_worker(store: Any, source: EventSource, uow_factory: UowFactory, *,
                        poll_seconds: float = 1.0, clock: Callable[[], datetime] = utc_now) -> None:
    while True:
        replay = await store.claim_replay(clock(), lease_seconds=600)
        if replay is None:
            await asyncio.sleep(poll_seconds)
            continue
        try:
            scanned, queued = await run_replay(replay, source, uow_factory)
        except Exception as error:
            log.error("hooks.replay_failed", replay_id=replay["_id"], error=repr(error))
            await store.finish_replay(replay["_id"], now=clock(), scanned=0, enqueued=0, error=repr(error)[:300])
            continue
        await store.finish_replay(replay["_id"], now=clock(), scanned=scanned, enqueued=queued)
        log.info("hooks.replay_done", replay_id=replay["_id"], scanned=scanned, queued=queued)


def new_id() -> str:
    return str(uuid4())
