"""Delivery guarantees against the real nats-server and mongod: outbox, crashes,
dead letters, replicas, a MongoDB outage. Every effect happens exactly once."""

import asyncio
import json
import uuid

import nats
import pytest
from pymongo import AsyncMongoClient

from motcua_contracts.streams import DEAD_LETTERS, EVENTS
from motcua_runtime.outbox import OUTBOX, OutboxRelay, ensure_outbox_indexes, stage_events
from tests.conftest import extra_service
from tests.helpers import as_json, dossier_received, eventually, publish_events, stream_subject_counts

pytestmark = pytest.mark.e2e


async def _figures(http, services, commune):
    return as_json(await http.get(f"{services['reporting'].base_url}/v1/communes/{commune}/figures"))


async def _received_becomes(http, services, commune, expected, timeout=120):
    async def check():
        figures = await _figures(http, services, commune)
        assert figures["received"] <= expected, f"counted {figures['received']} > {expected}: double effect"
        return figures["received"] == expected

    try:
        await eventually(check, timeout=timeout, interval=0.2)
    except AssertionError:
        figures = await _figures(http, services, commune)
        raise AssertionError(f"counted {figures['received']} of {expected} within {timeout}s") from None
    await asyncio.sleep(1.5)  # late duplicates would show up now
    assert (await _figures(http, services, commune))["received"] == expected


async def test_intake_killed_between_commit_and_publish_still_announces_every_dossier(stack, services, http, commune):
    intake = services["intake"]
    # The relay off stands for "the process died after the commit, before publishing".
    intake.stop()
    intake.start({**stack.service_env, "INTAKE_RELAY_ENABLED": "false"})
    await asyncio.to_thread(intake.wait_ready, 60)
    try:
        for _ in range(20):
            as_json(await http.post(f"{intake.base_url}/v1/communes/{commune}/dossiers", json={
                "procedure_code": "CT-BANSAO", "applicant": {"full_name": "Võ Thị Mai"}}))
        counts = await stream_subject_counts(stack.nats_url, EVENTS.name, f"motcua.events.{commune}.>")
        assert counts == {}, "nothing may be published while the relay is down"
        intake.kill9()
    finally:
        intake.start(stack.service_env)
        await asyncio.to_thread(intake.wait_ready, 60)

    async def published():
        counts = await stream_subject_counts(stack.nats_url, EVENTS.name, f"motcua.events.{commune}.>")
        return counts.get(f"motcua.events.{commune}.DossierReceived.v1") == 20

    await eventually(published, timeout=30)
    await _received_becomes(http, services, commune, 20)


async def test_a_relay_that_publishes_again_after_losing_its_mark_does_not_duplicate(stack, commune):
    client = AsyncMongoClient(stack.mongodb_uri, tz_aware=True, uuidRepresentation="standard")
    db = client[f"{stack.database_prefix}relay_{uuid.uuid4().hex[:6]}"]
    nc = await nats.connect(stack.nats_url)
    js = nc.jetstream()

    async def publish(subject, body, headers):
        await js.publish(subject, body, headers=headers, stream=EVENTS.name)

    try:
        await ensure_outbox_indexes(db)
        envelope = dossier_received(commune, 1)
        async with client.start_session() as session:
            async with await session.start_transaction():
                await stage_events(db, session, [envelope])
        relay = OutboxRelay(db, publish, name="test")
        assert await relay.publish_pending() == 1
        # The process died after publishing and before the mark was written:
        await db[OUTBOX].update_one({"_id": str(envelope.event_id)}, {"$set": {"status": "pending"}})
        assert await relay.publish_pending() == 1
        counts = await stream_subject_counts(stack.nats_url, EVENTS.name, f"motcua.events.{commune}.>")
        assert counts == {f"motcua.events.{commune}.DossierReceived.v1": 1}
        assert await relay.backlog() == 0
    finally:
        await nc.close()
        await client.drop_database(db.name)
        await client.close()


async def test_consumers_killed_mid_stream_apply_every_event_exactly_once(stack, services, http, commune):
    events = [dossier_received(commune, n) for n in range(1, 401)]
    # Each event published twice: at-least-once publishers do that; JetStream drops the copy.
    await publish_events(stack.nats_url, events + events[:50])

    async def some_counted():
        return (await _figures(http, services, commune))["received"] >= 30

    await eventually(some_counted, interval=0.01)
    services["reporting"].kill9()
    services["notify"].kill9()
    services["reporting"].start(stack.service_env)
    services["notify"].start(stack.service_env)
    await asyncio.gather(asyncio.to_thread(services["reporting"].wait_ready, 60),
                         asyncio.to_thread(services["notify"].wait_ready, 60))

    await _received_becomes(http, services, commune, 400)
    notifications = as_json(await http.get(f"{services['notify'].base_url}/v1/communes/{commune}/notifications",
                                           params={"limit": 1000}))["items"]
    assert len(notifications) == 400
    assert len({n["dossier_code"] for n in notifications}) == 400


async def _dead_letters_for(nats_url: str, original_subject: str) -> list[dict]:
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        sub = await js.pull_subscribe("motcua.dlq.>", stream=DEAD_LETTERS.name)
        found = []
        try:
            while True:
                for msg in await sub.fetch(100, timeout=0.5):
                    if (msg.headers or {}).get("Motcua-Dlq-Original-Subject") == original_subject:
                        found.append({"headers": msg.headers, "body": msg.data})
        except (nats.errors.TimeoutError, asyncio.TimeoutError):
            pass
        await sub.unsubscribe()
        return found
    finally:
        await nc.close()


async def test_poison_messages_go_to_the_dead_letter_stream_with_a_reason(stack, services, http, commune):
    subject = f"motcua.events.{commune}.DossierReceived.v1"
    wrong_schema = json.loads(dossier_received(commune, 1).model_dump_json())
    del wrong_schema["data"]["dossier_code"]
    await publish_events(stack.nats_url, [], raw=[(subject, b"this is not json"),
                                                (subject, json.dumps(wrong_schema).encode())])
    await publish_events(stack.nats_url, [dossier_received(commune, 2)])

    await _received_becomes(http, services, commune, 1)  # the good one still flows

    # Every service consuming DossierReceived dead-letters both bad messages, each once.
    consumers = {"notify", "reporting", "hooks"}

    async def dead_lettered():
        letters = await _dead_letters_for(stack.nats_url, subject)
        per_service = {name: sum(letter["headers"]["Motcua-Dlq-Service"] == name for letter in letters)
                       for name in consumers}
        return letters if all(count == 2 for count in per_service.values()) else None

    letters = await eventually(dead_lettered, timeout=60, interval=0.5)
    assert len(letters) == 2 * len(consumers), [letter["headers"] for letter in letters]
    reasons = sorted(letter["headers"]["Motcua-Dlq-Reason"] for letter in letters)
    assert all("not JSON" in r or "schema validation failed" in r for r in reasons), reasons
    assert any("dossier_code" in r for r in reasons)
    assert {letter["headers"]["Motcua-Dlq-Service"] for letter in letters} == consumers
    assert b"this is not json" in {letter["body"] for letter in letters}


async def test_two_replicas_of_a_consumer_share_the_work_without_double_counting(stack, services, http, commune):
    replica = extra_service(stack, "reporting")
    replica.start(stack.service_env)
    try:
        await asyncio.to_thread(replica.wait_ready, 60)
        await publish_events(stack.nats_url, [dossier_received(commune, n) for n in range(1, 301)])
        await _received_becomes(http, services, commune, 300)
        replica_figures = as_json(await _replica_get(http, replica, commune))
        assert replica_figures["received"] == 300  # same database, same answer from either replica
    finally:
        replica.stop()


async def _replica_get(http, replica, commune):
    """The same officer asks the replica: it verifies the token on its own, against the same key set."""
    return await http.get(f"{replica.base_url}/v1/communes/{commune}/figures")


async def test_a_mongodb_outage_is_retried_not_lost(stack, services, http, commune):
    if stack.mongo is None:
        pytest.skip("MongoDB is external: this test restarts the embedded one")
    await publish_events(stack.nats_url, [dossier_received(commune, n) for n in range(1, 101)])
    stack.mongo.kill9()
    await asyncio.sleep(2)
    await asyncio.to_thread(stack.mongo.restart)
    await _received_becomes(http, services, commune, 100, timeout=120)
