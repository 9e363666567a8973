"""The service layer with fakes (no Mongo, no HTTP): recording once, order per dossier, a failing
dossier that blocks no other, parking with one alert per subscriber per day."""

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from motcua_hooks.domain.subscriptions import Subscription
from motcua_hooks.service_layer.handlers import Dispatcher, record_event

SUB = Subscription("s1", "kho-du-lieu", "http://receiver/x", communes=frozenset({"26041"}), retry_for_seconds=60)
SECRET = "bi-mat-du-dai-mot-chut"


class FakeQueue:
    def __init__(self, store: "FakeStore") -> None:
        self.store = store

    async def active_subscriptions(self, subscription_id=None):
        return [SUB]

    async def enqueue(self, subscription, *, order_key, event, body, now, replay_id=None):
        lane_id = f"{subscription.subscription_id}|{order_key}"
        lane = self.store.lanes.setdefault(lane_id, {"_id": lane_id, "subscription_id": subscription.subscription_id,
                                                     "order_key": order_key, "next_seq": 0, "done_seq": 0,
                                                     "parked": False, "attempts": 0, "first_failure_at": None,
                                                     "next_attempt_at": None})
        lane["next_seq"] += 1
        if lane["next_seq"] == lane["done_seq"] + 1 and not lane["parked"]:
            lane["next_attempt_at"] = now
        self.store.deliveries[(lane_id, lane["next_seq"])] = {
            "_id": f"d{len(self.store.deliveries)}", "event_id": event["event_id"], "event_type": event["event_type"],
            "commune_code": event["commune_code"], "body": body, "attempts": 0, "status": "pending"}


class FakeUow:
    def __init__(self, store: "FakeStore") -> None:
        self.store, self.queue = store, FakeQueue(store)

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        return None

    async def already_processed(self, consumer, event_id):
        return (consumer, event_id) in self.store.processed

    def mark_processed(self, consumer, event_id):
        self.store.processed.add((consumer, event_id))

    async def commit(self):
        return None


class FakeStore:
    def __init__(self) -> None:
        self.lanes, self.deliveries, self.processed, self.alerts, self.log = {}, {}, set(), {}, []

    async def subscription(self, subscription_id):
        return {"_id": SUB.subscription_id, "subscriber": SUB.subscriber, "callback_url": SUB.callback_url,
                "secret": SECRET, "status": "active", "retry_for_seconds": SUB.retry_for_seconds}

    async def claim_due_lane(self, now, lease_seconds):
        due = sorted((lane for lane in self.lanes.values() if not lane["parked"] and lane["next_attempt_at"]
                      and lane["next_attempt_at"] <= now), key=lambda lane: lane["next_attempt_at"])
        if not due:
            return None
        due[0]["next_attempt_at"] = now + timedelta(seconds=lease_seconds)
        return dict(due[0])

    async def head_of(self, lane):
        return self.deliveries.get((lane["_id"], lane["done_seq"] + 1))

    async def rest_lane(self, lane_id):
        self.lanes[lane_id]["next_attempt_at"] = None

    async def log_attempt(self, **kw):
        self.log.append(kw)

    async def delivered(self, lane, delivery, now, status_code):
        delivery["status"] = "delivered"
        stored = self.lanes[lane["_id"]]
        stored.update(done_seq=stored["done_seq"] + 1, attempts=0, first_failure_at=None)
        stored["next_attempt_at"] = now if stored["next_seq"] > stored["done_seq"] else None

    async def failed(self, lane, delivery, *, status_code, error, first_failure_at, park, next_attempt_at, now):
        delivery["attempts"] += 1
        delivery["status"] = "parked" if park else "pending"
        self.lanes[lane["_id"]].update(attempts=lane["attempts"] + 1, first_failure_at=first_failure_at,
                                       parked=park, next_attempt_at=next_attempt_at)

    async def record_alert(self, alert):
        if alert["_id"] in self.alerts:
            self.alerts[alert["_id"]]["suppressed"] += 1
            return False
        self.alerts[alert["_id"]] = alert
        return True


@dataclass
class Result:
    status_code: int | None
    error: str | None = None


class FakeReceiver:
    def __init__(self, failing_dossiers=()) -> None:
        self.failing = set(failing_dossiers)
        self.accepted: list[tuple[str, str]] = []

    async def post(self, url, body, headers):
        import json

        event = json.loads(body)
        if event["data"]["dossier_id"] in self.failing:
            return Result(503, "down")
        self.accepted.append((event["data"]["dossier_id"], event["event_type"]))
        return Result(200)


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)

    def __call__(self):
        return self.now


def _event(n: int, dossier: str, event_type: str, commune: str = "26041") -> dict:
    return {"event_id": f"e{n}", "event_type": event_type, "schema_version": 1, "commune_code": commune,
            "occurred_at": "2026-11-22T03:00:00Z", "data": {"dossier_id": dossier}}


async def _record(store, events):
    import json

    for event in events:
        await record_event(event, json.dumps(event), lambda: FakeUow(store), now=datetime(2026, 11, 22, tzinfo=UTC))


async def _drain(dispatcher, store, clock, rounds=200):
    notified = []

    async def notify(alert):
        notified.append(alert)

    dispatcher.notifier.notify = notify
    for _ in range(rounds):
        lane = await store.claim_due_lane(clock(), dispatcher.lease_seconds)
        if lane is None:
            clock.now += timedelta(seconds=1)
            continue
        await dispatcher.deliver_lane(lane)
    return notified


def _dispatcher(store, receiver, clock):
    class Notifier:
        async def notify(self, alert):
            return None

    return Dispatcher(store, receiver, Notifier(), concurrency=1, poll_seconds=0, timeout_seconds=1,
                      initial_delay=1, max_delay=8, clock=clock)


def test_events_are_recorded_once_for_matching_subscriptions_only():
    store = FakeStore()
    events = [_event(1, "A", "DossierReceived"), _event(1, "A", "DossierReceived"),  # redelivered
              _event(2, "A", "FollowUpRaised"),  # internal
              _event(3, "B", "DossierReceived", commune="15667")]  # out of scope
    asyncio.run(_record(store, events))
    assert [d["event_id"] for d in store.deliveries.values()] == ["e1"]


def test_a_failing_dossier_parks_alone_with_one_alert_and_the_others_arrive_in_order():
    store, clock = FakeStore(), Clock()
    life = ("DossierReceived", "DossierAssigned", "ResultReady", "ResultReturned")
    events = [_event(10 * i + n, dossier, t) for n, t in enumerate(life) for i, dossier in enumerate("ABC")]
    asyncio.run(_record(store, events))
    receiver = FakeReceiver(failing_dossiers={"B", "C"})
    notified = asyncio.run(_drain(_dispatcher(store, receiver, clock), store, clock))
    assert receiver.accepted == [("A", t) for t in life], "A is not held up by B and C"
    parked = {lane["order_key"] for lane in store.lanes.values() if lane["parked"]}
    assert parked == {"dossier:B", "dossier:C"}
    assert len(store.alerts) == 1 and len(notified) == 1, "one alert per subscriber per day"
    assert next(iter(store.alerts.values()))["suppressed"] == 1
    # Retried with backoff until the window closed: 1, 2, 4, 8, 8 ... seconds apart.
    b_attempts = [entry["at"] for entry in store.log if entry["delivery"]["event_id"] == "e10"]
    gaps = [(b - a).total_seconds() for a, b in zip(b_attempts, b_attempts[1:])]
    assert gaps[:4] == [1, 2, 4, 8] and max(gaps) <= 8 and (b_attempts[-1] - b_attempts[0]).total_seconds() >= 60
