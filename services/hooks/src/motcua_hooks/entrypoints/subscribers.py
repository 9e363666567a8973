"""The stream subscriber: one durable consumer on every event subject; internal events are skipped.

``max_ack_pending=1``: the consumer takes one message at a time, so deliveries are recorded in
stream order — the order subscribers then receive each dossier's events in. A message that
cannot be recorded is nacked and retried before the next one is taken (and dead-lettered after
``max_deliver``, like every consumer here).
"""

import json
from datetime import datetime
from typing import Any
from uuid import UUID

from faststream import AckPolicy
from faststream.nats import JStream, NatsBroker, PullSub
from faststream.nats.annotations import NatsMessage
from nats.js.api import AckPolicy as JsAckPolicy
from nats.js.api import ConsumerConfig, DeliverPolicy
from pydantic import BaseModel, ConfigDict

from motcua_contracts import EVENT_TYPES, CommuneCode
from motcua_contracts.streams import EVENTS
from motcua_contracts.subjects import EVENTS_SUBJECT_PREFIX
from motcua_runtime.settings import ServiceSettings

from motcua_hooks.service_layer import handlers


class PublishedEvent(BaseModel):
    """Any event's envelope, whatever its type and version: webhooks forward the message as it
    was published, so its ``data`` is kept as is (unknown fields included)."""

    model_config = ConfigDict(frozen=True, extra="allow")

    event_id: UUID
    event_type: str
    schema_version: int
    occurred_at: datetime
    source: str
    commune_code: CommuneCode
    correlation_id: str
    causation_id: str | None = None
    data: dict[str, Any]


def register(broker: NatsBroker, settings: ServiceSettings, uow_factory: handlers.UowFactory,
             subscriptions: handlers.SubscriptionsReader) -> None:
    subject = f"{EVENTS_SUBJECT_PREFIX}.>"
    config = ConsumerConfig(
        durable_name=handlers.CONSUMER,
        ack_policy=JsAckPolicy.EXPLICIT,
        # New subscriptions receive what is published after they are made; older events on request (replay).
        deliver_policy=DeliverPolicy.NEW,
        max_deliver=settings.max_deliver + 1,
        ack_wait=settings.ack_wait_seconds,
        filter_subject=subject,
        max_ack_pending=1,
    )

    @broker.subscriber(subject, stream=JStream(EVENTS.name, declare=False), durable=handlers.CONSUMER,
                       config=config, pull_sub=PullSub(batch_size=1, timeout=1.0),
                       ack_policy=AckPolicy.NACK_ON_ERROR,
                       description="Every public event, queued for the webhook subscriptions it matches")
    async def public_event(event: PublishedEvent, message: NatsMessage) -> None:
        known = EVENT_TYPES.get((event.event_type, event.schema_version))
        if known is not None:
            # Outside systems get only events that keep their contract: a malformed one is
            # dead-lettered with the validation errors as its reason, never forwarded.
            known.model_validate(event.data)
        raw = message.raw_message.data
        document = {**json.loads(raw), "occurred_at": event.occurred_at, "event_id": str(event.event_id)}
        await handlers.record_event(document, raw.decode(), uow_factory, subscriptions=subscriptions)
