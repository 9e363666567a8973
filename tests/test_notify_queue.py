"""Notify's delivery queue on the real MongoDB (a replica set, transactions), with the worker
run in this process and fake channels: work left by a crashed process is taken up after its
lease, a message already delivered is never sent again, quiet hours and rate limits defer
without spending an attempt, and every final status stages its event in the outbox in the same
transaction."""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from pymongo import AsyncMongoClient

from motcua_notify.adapters.contacts import BallotLink
from motcua_notify.adapters.storage import INTENTS, MESSAGES, SETTINGS, ensure_indexes
from motcua_notify.domain.delivery import AttemptResult, Outcome
from motcua_notify.domain.rules import Contact
from motcua_notify.service_layer.delivery import Channels, DeliveryWorker
from motcua_notify.settings import NotifySettings
from motcua_runtime.outbox import OUTBOX

pytestmark = pytest.mark.e2e

NOON = datetime(2026, 11, 23, 5, tzinfo=UTC)  # 12:00 in Vietnam
NIGHT = datetime(2026, 11, 23, 16, tzinfo=UTC)  # 23:00 in Vietnam


class Directory:
    def __init__(self, **kw):
        self.contact_ = Contact(**{"applicant_name": "Đỗ Thị Lan", "phone": "0987123456", "email": "lan@example.vn",
                                   "consent_letters": True, "consent_sms": True, **kw})
        self.calls = 0
        self.ballots: dict[str, BallotLink] = {}

    async def contact(self, dossier_id, purpose):
        self.calls += 1
        return self.contact_

    async def ballot_link(self, ballot_id):
        return self.ballots.get(ballot_id)


class Recorder:
    def __init__(self, outcomes=()):
        self.sent, self.outcomes = [], list(outcomes)

    async def send(self, message):
        self.sent.append(message)
        return self.outcomes.pop(0) if self.outcomes else AttemptResult(Outcome.DELIVERED, "ok")


class FixedChannels(Channels):
    def __init__(self, settings, recorder):
        super().__init__(settings)
        self.recorder = recorder

    def for_channel(self, channel, config):
        return self.recorder


@pytest.fixture
async def db(stack):
    client = AsyncMongoClient(stack.mongodb_uri, tz_aware=True, uuidRepresentation="standard")
    database = client[f"test_notify_queue_{uuid.uuid4().hex[:8]}"]
    await ensure_indexes(database)
    yield client, database
    await client.drop_database(database.name)
    await client.close()


def worker(client, database, recorder, now, directory=None, **settings):
    config = NotifySettings(mongodb_uri="mongodb://unused", nats_url="nats://unused", retry_base_seconds=10,
                            **settings)
    return DeliveryWorker(client=client, db=database, settings=config, directory=directory or Directory(),
                          channels=FixedChannels(config, recorder), now=lambda: now[0])


def message(status="created", **kw):
    return {"_id": str(uuid.uuid4()), "commune_code": "26041", "intent_id": "i", "purpose": "receipt", "channel": "sms",
            "dossier_id": str(uuid.uuid4()), "dossier_code": "26041-261123-0001", "status": status, "attempts": 0,
            "next_attempt_at": NOON - timedelta(minutes=1), "created_at": NOON, "history": [], "body": "Xin chào",
            **kw}


async def test_work_of_a_crashed_process_is_taken_up_and_delivered_work_is_not_sent_again(db):
    client, database = db
    recorder, now = Recorder(), [NOON]
    interrupted = message("sending", attempts=1, lease_until=NOON - timedelta(seconds=5), lease_owner="dead",
                          awaiting_callback=False)
    still_leased = message("sending", attempts=1, lease_until=NOON + timedelta(minutes=1), lease_owner="alive",
                           awaiting_callback=False)
    delivered = message("delivered", attempts=1)
    waiting_for_provider = message("sending", attempts=1, awaiting_callback=True, last_attempt_at=NOON - timedelta(hours=1))
    never_reported = message("sending", attempts=1, awaiting_callback=True, last_attempt_at=NOON - timedelta(hours=73))
    await database[MESSAGES].insert_many([interrupted, still_leased, delivered, waiting_for_provider, never_reported])
    intent = {"_id": f"{uuid.uuid4()}:receipt", "commune_code": "26041", "dossier_id": str(uuid.uuid4()),
              "dossier_code": "26041-261123-0002", "purpose": "receipt", "reason": "receipt", "letter_type": None,
              "details": {}, "status": "pending", "attempts": 1, "next_attempt_at": NOON - timedelta(minutes=5),
              "lease_until": NOON - timedelta(seconds=1), "lease_owner": "dead", "created_at": NOON,
              "caused_by_event_id": str(uuid.uuid4())}
    await database[INTENTS].insert_one(intent)

    restarted = worker(client, database, recorder, now)
    await restarted.run_once()
    await restarted.run_once()

    sent_ids = [m.message_id for m in recorder.sent]
    assert interrupted["_id"] in sent_ids and sent_ids.count(interrupted["_id"]) == 1  # at-least-once: again, once
    assert still_leased["_id"] not in sent_ids and delivered["_id"] not in sent_ids
    assert waiting_for_provider["_id"] not in sent_ids
    resolved = await database[INTENTS].find_one({"_id": intent["_id"]})
    assert resolved["status"] == "resolved" and resolved["channels"] == ["sms", "email"]
    assert {m.channel for m in recorder.sent if m.message_id in resolved["message_ids"]} == {"sms", "email"}
    assert (await database[MESSAGES].find_one({"_id": waiting_for_provider["_id"]}))["status"] == "sending"
    silent = await database[MESSAGES].find_one({"_id": never_reported["_id"]})
    assert (silent["status"], silent["last_detail"]) == ("permanent-failure", "no delivery report within 72 h")
    assert never_reported["_id"] not in sent_ids
    after = await database[MESSAGES].find_one({"_id": interrupted["_id"]})
    assert (after["status"], after["attempts"]) == ("delivered", 2)
    # Each delivery and its MessageSent were written together.
    staged = [e async for e in database[OUTBOX].find({"event_type": "MessageSent"})]
    assert len(staged) == 3

    await restarted.run_once()  # nothing left: nothing sent twice
    assert len(recorder.sent) == 3


async def test_quiet_hours_and_rate_limits_defer_without_spending_attempts(db):
    client, database = db
    recorder, now = Recorder(), [NIGHT]
    at_night = message(next_attempt_at=NIGHT - timedelta(minutes=1))
    await database[MESSAGES].insert_one(at_night)
    night_worker = worker(client, database, recorder, now)
    await night_worker.run_once()
    deferred = await database[MESSAGES].find_one({"_id": at_night["_id"]})
    assert recorder.sent == [] and deferred["attempts"] == 0 and deferred["deferred"] == "quiet_hours"
    assert deferred["next_attempt_at"] == datetime(2026, 11, 24, 0, tzinfo=UTC)  # 07:00 local
    # A commune that allows night-time SMS.
    await database[SETTINGS].insert_one({"_id": "26041", "channels": {"quiet_hours": {"start": "00:00", "end": "00:00"}}})
    now[0] = datetime(2026, 11, 24, 0, 1, tzinfo=UTC)
    await night_worker.run_once()
    assert [m.message_id for m in recorder.sent] == [at_night["_id"]]

    burst = [message(next_attempt_at=NOON) for _ in range(3)]
    await database[MESSAGES].insert_many(burst)
    now[0] = NOON + timedelta(minutes=1)
    limited = worker(client, database, Recorder(), now, rate_sms_per_minute=2)
    await limited.run_once()
    assert len(limited.channels.recorder.sent) == 2
    waiting = await database[MESSAGES].find_one({"deferred": "rate_limit"})
    assert waiting is not None and waiting["attempts"] == 0
    assert waiting["next_attempt_at"] == NOON + timedelta(minutes=2)  # the next minute's start


async def test_a_channel_limit_holds_across_replicas(db):
    # Two notify replicas share the provider's 3-a-minute limit: 3 sends in the minute, not 6.
    client, database = db
    await database[SETTINGS].insert_one({"_id": "26041", "channels": {"quiet_hours": {"start": "00:00", "end": "00:00"}}})
    await database[MESSAGES].insert_many([message(next_attempt_at=NOON) for _ in range(8)])
    now = [NOON + timedelta(seconds=5)]
    replicas = [worker(client, database, Recorder(), now, rate_sms_per_minute=3) for _ in range(2)]
    await asyncio.gather(*(r.run_once() for r in replicas))
    await asyncio.gather(*(r.run_once() for r in replicas))
    assert sum(len(r.channels.recorder.sent) for r in replicas) == 3
    now[0] = NOON + timedelta(minutes=1, seconds=1)  # the next minute: three more
    await asyncio.gather(*(r.run_once() for r in replicas))
    await asyncio.gather(*(r.run_once() for r in replicas))
    assert sum(len(r.channels.recorder.sent) for r in replicas) == 6


async def test_temporary_failures_back_off_and_the_last_one_fails_with_an_event(db):
    client, database = db
    temporary = AttemptResult(Outcome.TEMPORARY, "HTTP 503")
    recorder, now = Recorder([temporary, temporary, temporary]), [NOON]
    flaky = message()
    await database[MESSAGES].insert_one(flaky)
    retrying = worker(client, database, recorder, now, retry_max_attempts=3)
    waits = []
    for _ in range(3):
        await retrying.run_once()
        current = await database[MESSAGES].find_one({"_id": flaky["_id"]})
        if current["status"] == "temporary-failure":
            waits.append(current["next_attempt_at"] - now[0])
            await retrying.run_once()  # not due yet: nothing happens
            now[0] = current["next_attempt_at"]
    assert waits == [timedelta(seconds=10), timedelta(seconds=20)]
    final = await database[MESSAGES].find_one({"_id": flaky["_id"]})
    assert (final["status"], final["attempts"]) == ("permanent-failure", 3)
    assert len(recorder.sent) == 3
    [failed] = [e async for e in database[OUTBOX].find({"event_type": "MessageFailed"})]
    assert b'"attempts":3' in failed["body"] and b"HTTP 503" in failed["body"]


async def test_an_opt_out_after_the_message_was_made_stops_it(db):
    client, database = db
    recorder, now = Recorder(), [NOON]
    pending = message()
    await database[MESSAGES].insert_one(pending)
    await worker(client, database, recorder, now, directory=Directory(opted_out=True)).run_once()
    stopped = await database[MESSAGES].find_one({"_id": pending["_id"]})
    assert recorder.sent == [] and (stopped["status"], stopped["last_detail"]) == ("permanent-failure", "opted_out")


async def test_an_invitation_to_rate_goes_only_to_a_ballot_still_open(db):
    # The citizen may answer at the counter's tablet before notify gets to the invitation.
    client, database = db
    await database[SETTINGS].insert_one({"_id": "26041", "channels": {"quiet_hours": {"start": "00:00", "end": "00:00"}}})
    directory, recorder, now = Directory(email=None), Recorder(), [NOON]
    open_ballot, answered = str(uuid.uuid4()), str(uuid.uuid4())
    directory.ballots = {
        open_ballot: BallotLink("https://motcua.example/p/k7m2q9x4tw", "open", NOON + timedelta(days=30)),
        answered: BallotLink("https://motcua.example/p/a2b3c4d5e6", "submitted", NOON + timedelta(days=30))}
    for ballot in (open_ballot, answered):
        await database[INTENTS].insert_one({
            "_id": f"{ballot}:ballot", "commune_code": "26041", "dossier_id": str(uuid.uuid4()),
            "dossier_code": "26041-261123-0009", "purpose": "ballot", "reason": "ballot_opened", "letter_type": None,
            "rule": "ballot_invitation", "details": {"ballot_id": ballot, "ballot_expires_at": NOON},
            "status": "pending", "attempts": 0, "next_attempt_at": NOON - timedelta(minutes=1), "created_at": NOON,
            "caused_by_event_id": str(uuid.uuid4())})
    await worker(client, database, recorder, now, directory=directory).run_once()
    [sent] = recorder.sent
    assert "https://motcua.example/p/k7m2q9x4tw" in sent.body and "26041-261123-0009" in sent.body
    skipped = await database[INTENTS].find_one({"_id": f"{answered}:ballot"})
    assert (skipped["status"], skipped["skip_reason"]) == ("skipped", "ballot_closed")
