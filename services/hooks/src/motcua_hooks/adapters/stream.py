"""Reading MOTCUA_EVENTS by time, for a replay: an ephemeral consumer that starts at a moment."""

from collections.abc import AsyncIterator
from datetime import datetime

import nats
from nats.errors import TimeoutError as NatsTimeout
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from motcua_contracts.streams import EVENTS
from motcua_contracts.subjects import EVENTS_SUBJECT_PREFIX


async def messages_between(nats_url: str, start: datetime, end: datetime, batch: int = 200) -> AsyncIterator[bytes]:
    """Bodies of the stream's messages stored in ``[start, end]``, in stream order."""
    nc = await nats.connect(nats_url, name="motcua-hooks-replay")
    try:
        js = nc.jetstream()
        config = ConsumerConfig(
            deliver_policy=DeliverPolicy.BY_START_TIME,
            opt_start_time=start.isoformat().replace("+00:00", "Z"),
            ack_policy=AckPolicy.NONE,
            inactive_threshold=60,
        )
        sub = await js.pull_subscribe(f"{EVENTS_SUBJECT_PREFIX}.>", stream=EVENTS.name, config=config)
        try:
            while True:
                try:
                    msgs = await sub.fetch(batch, timeout=2)
                except NatsTimeout:
                    return
                for msg in msgs:
                    if msg.metadata.timestamp > end:
                        return
                    yield msg.data
                    if msg.metadata.num_pending == 0:
                        return
        finally:
            await sub.unsubscribe()
    finally:
        await nc.close()
