import asyncio
import json
import time
import uuid
from datetime import UTC, datetime

import nats

from motcua_contracts import DossierReceived, new_envelope


async def eventually(check, timeout: float = 20.0, interval: float = 0.05):
    """Poll ``await check()`` until it returns a truthy value; return it (or fail with the last value)."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s; last value: {last!r}")


async def stream_subject_counts(nats_url: str, stream: str, subject_filter: str) -> dict[str, int]:
    nc = await nats.connect(nats_url)
    try:
        info = await nc.jetstream().stream_info(stream, subjects_filter=subject_filter)
        return dict(info.state.subjects or {})
    finally:
        await nc.close()


def dossier_received(commune: str, n: int, correlation_id: str = "test"):
    now = datetime.now(UTC)
    return new_envelope(
        DossierReceived(
            dossier_id=uuid.uuid4(), dossier_code=f"{commune}-261123-{n:04d}", procedure_code="CT-CHUKY",
            procedure_name="Chứng thực chữ ký", field="chung_thuc", channel="counter", received_at=now,
            appointment_at=now, processing_days=0, applicant_name_masked="T** T** B***",
        ),
        source="intake", commune_code=commune, correlation_id=correlation_id,
    )


async def publish_events(nats_url: str, envelopes, *, raw: list[tuple[str, bytes]] = ()) -> None:
    """Publish like the outbox relay does: JetStream, Nats-Msg-Id = event id."""
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        for envelope in envelopes:
            await js.publish(envelope.subject(), envelope.model_dump_json().encode(),
                             headers={"Nats-Msg-Id": str(envelope.event_id)})
        for subject, body in raw:
            await js.publish(subject, body, headers={"Nats-Msg-Id": uuid.uuid4().hex})
    finally:
        await nc.close()


def as_json(response):
    assert response.status_code < 400, response.text
    return json.loads(response.text)
