"""Webhook subscriptions: which events a subscriber gets, how deliveries are signed, ordered
and retried. Pure rules: no I/O, no clock (times are passed in)."""

import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

#: Header carrying ``t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`` (docs/subscribing.md).
SIGNATURE_HEADER = "Motcua-Signature"
#: Vietnam local time: the alert limit is one per subscriber per local day.
VIETNAM = timezone(timedelta(hours=7))

ACTIVE, PAUSED, DELETED = "active", "paused", "deleted"


@dataclass(frozen=True)
class Subscription:
    subscription_id: str
    subscriber: str
    callback_url: str
    # The signing secret is not part of it: sealed at rest, it is unsealed only to sign a delivery.
    #: Empty: every public event. Otherwise event type names (every major version).
    event_types: frozenset[str] = frozenset()
    #: Empty: every commune of the deployment. Otherwise the commune codes (the subscription's scope).
    communes: frozenset[str] = frozenset()
    #: Empty: every field (lĩnh vực). Otherwise only events whose ``data.field`` is one of them.
    fields: frozenset[str] = frozenset()
    retry_for_seconds: float = 3 * 24 * 3600
    status: str = ACTIVE
    extra: dict[str, Any] = field(default_factory=dict)

    def matches(self, event_type: str, commune_code: str, data: dict[str, Any]) -> bool:
        if self.status != ACTIVE:
            return False
        if self.event_types and event_type not in self.event_types:
            return False
        if self.communes and commune_code not in self.communes:
            return False
        if self.fields and data.get("field") not in self.fields:
            return False
        return True


def ordering_key(data: dict[str, Any], event_id: str) -> str:
    """Deliveries of one key reach a subscriber in the order they were published: a dossier's
    events (``dossier_id``), a feedback item's; an event about neither stands alone."""
    for name in ("dossier_id", "feedback_id", "ballot_id"):
        if data.get(name):
            return f"{name.removesuffix('_id')}:{data[name]}"
    return f"event:{event_id}"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(secret: str, header: str, body: bytes, now: int, tolerance_seconds: int = 300) -> bool:
    """What a receiver does: recompute the signature, compare in constant time, refuse old
    timestamps (a replayed request)."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance_seconds:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), f"t={timestamp},v1={parts.get('v1', '')}")


def backoff_seconds(attempt: int, initial: float, cap: float) -> float:
    """Delay before the next attempt after ``attempt`` failed ones: initial, 2x, 4x ... capped."""
    return min(initial * 2 ** max(attempt - 1, 0), cap)


@dataclass(frozen=True)
class AfterFailure:
    park: bool
    next_attempt_at: datetime | None


def after_failure(*, attempts: int, first_failure_at: datetime, now: datetime, retry_for_seconds: float,
                  initial: float, cap: float) -> AfterFailure:
    """Retry with backoff while the head delivery has failed for less than ``retry_for_seconds``;
    then park (the next attempt would fall outside the window)."""
    delay = backoff_seconds(attempts, initial, cap)
    if (now - first_failure_at).total_seconds() >= retry_for_seconds:
        return AfterFailure(park=True, next_attempt_at=None)
    deadline = first_failure_at + timedelta(seconds=retry_for_seconds)
    return AfterFailure(park=False, next_attempt_at=min(now + timedelta(seconds=delay), deadline))


def alert_day(now: datetime) -> str:
    return now.astimezone(VIETNAM).date().isoformat()


def succeeded(status_code: int | None) -> bool:
    return status_code is not None and 200 <= status_code < 300
