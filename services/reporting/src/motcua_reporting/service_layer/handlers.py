"""Reporting's use case on the write side: apply an incoming event to the read models, once."""

from collections.abc import Awaitable, Callable
from datetime import datetime

from motcua_contracts import Envelope

from motcua_reporting.domain.projection import CONSUMED, effect_of  # noqa: F401 (CONSUMED re-exported)

#: One durable consumer per consumed event type: "reporting-<kebab-case event type>".
def consumer_name(event_type: str) -> str:
    kebab = "".join(f"-{c.lower()}" if c.isupper() else c for c in event_type).lstrip("-")
    return f"reporting-{kebab}"


CONSUMERS = {event_type: consumer_name(event_type) for event_type in CONSUMED}

#: (event id, effect) pairs -> how many were new; the adapter's ``apply_events``.
Apply = Callable[[list], Awaitable[int]]


async def project(envelope: Envelope, apply: Apply, now: datetime | None = None) -> bool:
    """Apply ``envelope`` to every target generation of the read models; False when it was
    already applied everywhere (a redelivery or a duplicate)."""
    return await apply([(str(envelope.event_id), effect_of(envelope))]) > 0
