"""The dead-letter stream, as operations use it (docs/runbook.md): ``motcua-dlq list`` shows
what was given up and why, ``show`` one letter, ``replay`` sends it back to the consumer that
gave up — which applies it once, however often it is replayed — and removes it from the stream."""

import asyncio
import json
import sys
import uuid

import nats
import pytest
from pymongo import AsyncMongoClient

from motcua_contracts import dead_letter_subject
from motcua_contracts.streams import DEAD_LETTERS
from tests.helpers import dossier_received, eventually

pytestmark = pytest.mark.e2e

CONSUMER = "notify-dossier-received"


async def motcua_dlq(nats_url: str, *args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "motcua_runtime.dlq", "--nats-url", nats_url, *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    return process.returncode, out.decode(), err.decode()


async def dead_letter(nats_url: str, envelope, reason: str) -> int:
    """A dead letter as the consumer middleware writes it when notify gives up on an event."""
    nc = await nats.connect(nats_url)
    try:
        ack = await nc.jetstream().publish(dead_letter_subject("notify", CONSUMER), envelope.model_dump_json().encode(),
                                           stream=DEAD_LETTERS.name, headers={
            "Nats-Msg-Id": f"{CONSUMER}:test:{uuid.uuid4()}",
            "Motcua-Event-Type": envelope.event_type, "Motcua-Commune": envelope.commune_code,
            "Motcua-Correlation-Id": envelope.correlation_id, "Motcua-Dossier-Code": envelope.data.dossier_code,
            "Motcua-Dlq-Reason": reason, "Motcua-Dlq-Service": "notify", "Motcua-Dlq-Consumer": CONSUMER,
            "Motcua-Dlq-Original-Subject": envelope.subject(), "Motcua-Dlq-Original-Stream": "MOTCUA_EVENTS",
            "Motcua-Dlq-Deliveries": "12"})
        return ack.seq
    finally:
        await nc.close()


async def test_a_dead_letter_is_listed_with_its_reason_and_replayed_to_its_consumer_once(stack, services, commune):
    envelope = dossier_received(commune, 1)
    reason = f"gave up after 12 deliveries: ServerSelectionTimeoutError('{commune}')"
    first = await dead_letter(stack.nats_url, envelope, reason)
    again = await dead_letter(stack.nats_url, envelope, reason)  # the same event given up twice

    code, out, _ = await motcua_dlq(stack.nats_url, "list", "--consumer", CONSUMER, "--limit", "100000")
    assert code == 0
    listed = {entry["sequence"]: entry for entry in map(json.loads, out.splitlines())}
    assert listed[first]["reason"] == reason
    assert listed[first]["dossier_code"] == envelope.data.dossier_code
    assert listed[first]["event_id"] == str(envelope.event_id)
    code, out, _ = await motcua_dlq(stack.nats_url, "list", "--consumer", "reporting-dossier-received")
    assert first not in {json.loads(line)["sequence"] for line in out.splitlines()}

    code, out, _ = await motcua_dlq(stack.nats_url, "show", str(first))
    shown = json.loads(out)
    assert shown["body"]["data"]["dossier_code"] == envelope.data.dossier_code
    assert shown["headers"]["Motcua-Dlq-Original-Subject"] == envelope.subject()

    mongo = AsyncMongoClient(stack.mongodb_uri)
    marks = mongo[f"{stack.database_prefix}notify"].processed_events
    try:
        assert await marks.count_documents({"event_id": str(envelope.event_id)}) == 0
        code, out, err = await motcua_dlq(stack.nats_url, "replay", str(first), str(again))
        assert code == 0, err
        assert "2 replayed" in err

        async def applied():
            return await marks.count_documents({"consumer": CONSUMER, "event_id": str(envelope.event_id)})

        assert await eventually(applied, timeout=30) == 1
    finally:
        await mongo.close()

    code, out, _ = await motcua_dlq(stack.nats_url, "list", "--consumer", CONSUMER, "--limit", "100000")
    remaining = {json.loads(line)["sequence"] for line in out.splitlines()}
    assert first not in remaining and again not in remaining
    code, _, err = await motcua_dlq(stack.nats_url, "show", str(first))
    assert code == 1 and "no dead letter" in err
