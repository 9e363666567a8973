"""Reliable JetStream consumers on FastStream.

Every subscriber is a durable pull consumer with ``ack_policy`` set explicitly.
The middleware below decides what happens to a message whose handler failed:

- a message that can never be processed (not JSON, not the schema, unknown
  version) goes to the dead-letter stream with the reason, then is terminated;
- any other error is treated as transient (MongoDB unavailable, write conflict):
  the message is nacked with an exponential delay, and after ``max_deliver``
  attempts it goes to the dead-letter stream too, so it is never silently lost.

The middleware reads delivery metadata from the raw message it already holds,
so handlers take only their pydantic event (injecting FastStream's message
object into a handler costs a lot of consumer throughput).

Per-message costs kept low (measured with ``bench/run.py --only consumer``):

- the body is validated once, straight from its JSON bytes, against the consumer's contract
  (``Envelope[<event class>]``); FastStream's handler call then receives that instance and
  does not validate it again. Handlers of ``event_subscriber`` take ``Envelope[<the contract
  class of event_type/version>]`` (every service's do);
- without a trace exporter the consumer's span is a non-recording span continuing the
  message's ``traceparent`` (observability.consumer_span), as the SDK would make it, for less;
- FastStream's per-message log context (subject, stream) is computed once per subscriber, and
  its message is named by the event's id and correlation id (no random UUID per message).
"""

import json
import time
import weakref
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from faststream import AckPolicy
from faststream._internal.middlewares import BaseMiddleware
from faststream.exceptions import NackMessage, RejectMessage
from faststream.nats import JStream, NatsBroker, PullSub
from faststream.nats.message import NatsMessage
from nats.js.api import AckPolicy as JsAckPolicy
from nats.js.api import ConsumerConfig, DeliverPolicy
from pydantic import ValidationError

from motcua_contracts import Envelope, dead_letter_subject, event_class, event_subject_filter
from motcua_contracts.streams import DEAD_LETTERS, EVENTS
from motcua_runtime.observability import DEAD_LETTERS as DEAD_LETTERED
from motcua_runtime.observability import EVENTS_CONSUMED, HANDLER_SECONDS, consumer_span

log = structlog.get_logger("motcua.consumer")
_bound: list[Any] = [(), None]


def _log() -> Any:
    """``log`` assembled once per structlog configuration: the lazy proxy assembles a logger on
    every call (``cache_logger_on_first_use`` is off so that reconfiguring takes effect); this
    does the same per configuration, not per message."""
    config = tuple(structlog.get_config().values())
    key, bound = _bound
    if bound is None or len(key) != len(config) or any(a is not b for a, b in zip(key, config)):
        bound = log.bind()
        _bound[:] = [config, bound]
    return bound


def _delivery(raw: Any) -> tuple[str, int]:
    """(durable consumer, delivery number) of a JetStream message, read from its reply subject
    without building nats-py's full metadata (timestamps, sequence pairs) on the success path."""
    tokens = (raw.reply or "").split(".")
    if tokens[:2] == ["$JS", "ACK"]:
        if len(tokens) == 9:  # $JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<cseq>.<ts>.<pending>
            return tokens[3], int(tokens[4])
        if len(tokens) >= 11:  # $JS.ACK.<domain>.<account>.<stream>.<consumer>.<delivered>...
            return tokens[5], int(tokens[6])
    metadata = raw.metadata
    return metadata.consumer or "unknown", metadata.num_delivered or 1


class PoisonMessage(Exception):
    """Raised by a handler for a message that no retry can fix."""


def retry_delay(delivery: int, cap: float) -> float:
    """0.5 s, 1 s, 2 s, 4 s ... capped."""
    return min(0.5 * 2 ** max(delivery - 1, 0), cap)


def _poison_reason(error: BaseException) -> str | None:
    if isinstance(error, PoisonMessage):
        return str(error) or "poison message"
    if isinstance(error, ValidationError) and {e["type"] for e in error.errors()} == {"json_invalid"}:
        return f"body is not JSON: {error.errors()[0]['msg']}"
    if isinstance(error, ValidationError):
        return f"schema validation failed: {error.error_count()} error(s): " + "; ".join(
            f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors()[:5]
        )
    if isinstance(error, (json.JSONDecodeError, UnicodeDecodeError)):
        return f"body is not JSON: {error}"
    return None


def reliable_consumer_middleware(service: str, *, max_deliver: int, max_delay: float) -> type[BaseMiddleware]:
    #: (consumer, event type) -> the handler-latency and handled-count series (label lookups once).
    series: dict[tuple[str, str], tuple[Any, Any]] = {}

    class ReliableConsumer(BaseMiddleware):
        async def consume_scope(self, call_next: Callable[[Any], Awaitable[Any]], msg: Any) -> Any:
            raw = msg.raw_message
            headers = raw.headers or {}
            consumer, delivered = _delivery(raw)
            event_type = headers.get("Motcua-Event-Type") or "unknown"
            structlog.contextvars.bind_contextvars(
                commune=headers.get("Motcua-Commune"),
                correlation_id=headers.get("Motcua-Correlation-Id"),
                event_id=headers.get("Nats-Msg-Id"),
                event_type=event_type,
                dossier_code=headers.get("Motcua-Dossier-Code"),
            )
            # The handler continues the trace of the request that committed the event; what it
            # emits (through its outbox) carries this span's context onwards.
            span = consumer_span(
                f"consume {event_type}", headers,
                lambda: {"messaging.system": "nats", "messaging.consumer.group.name": consumer,
                         "messaging.message.id": headers.get("Nats-Msg-Id") or "",
                         "motcua.delivery": delivered},
            )
            started = time.perf_counter()
            with span:
                try:
                    result = await call_next(msg)
                    latency, handled = series.get((consumer, event_type)) or series.setdefault(
                        (consumer, event_type), (HANDLER_SECONDS.labels(service, consumer, event_type),
                                                 EVENTS_CONSUMED.labels(service, consumer, event_type, "handled")))
                    latency.observe(time.perf_counter() - started)
                    handled.inc()
                    _log().info("event.handled", consumer=consumer)
                    return result
                except (NackMessage, RejectMessage):
                    raise
                except Exception as error:
                    reason = _poison_reason(error)
                    if reason is None and delivered < max_deliver:
                        delay = retry_delay(delivered, max_delay)
                        EVENTS_CONSUMED.labels(service, consumer, event_type, "retried").inc()
                        log.warning("consumer.retry", error=repr(error), delivery=delivered, retry_in=delay)
                        raise NackMessage(delay=delay) from error
                    if reason is None:
                        reason = f"gave up after {delivered} deliveries: {error!r}"
                    await self._dead_letter(raw, raw.metadata, reason)
                    EVENTS_CONSUMED.labels(service, consumer, event_type, "dead_lettered").inc()
                    DEAD_LETTERED.labels(service, consumer).inc()
                    log.error("consumer.dead_lettered", reason=reason, subject=raw.subject)
                    raise RejectMessage() from error
                finally:
                    structlog.contextvars.unbind_contextvars(
                        "commune", "correlation_id", "event_id", "event_type", "dossier_code"
                    )

        async def _dead_letter(self, raw: Any, metadata: Any, reason: str) -> None:
            consumer = metadata.consumer or "unknown"
            headers = {k: v for k, v in (raw.headers or {}).items() if k != "Nats-Msg-Id"}
            headers.update(
                {
                    # Same message dead-lettered twice (crash after publish) is dropped.
                    "Nats-Msg-Id": f"{consumer}:{metadata.stream}:{metadata.sequence.stream}",
                    "Motcua-Dlq-Reason": reason[:1000],
                    "Motcua-Dlq-Service": service,
                    "Motcua-Dlq-Consumer": consumer,
                    "Motcua-Dlq-Original-Subject": raw.subject,
                    "Motcua-Dlq-Original-Stream": metadata.stream,
                    "Motcua-Dlq-Original-Sequence": str(metadata.sequence.stream),
                    "Motcua-Dlq-Deliveries": str(metadata.num_delivered),
                }
            )
            js = raw._client.jetstream()
            # If this publish fails the exception propagates and the message is nacked: not lost.
            await js.publish(dead_letter_subject(service, consumer), raw.data, headers=headers, stream=DEAD_LETTERS.name)

    return ReliableConsumer


#: The durable consumers each broker binds, for the lag metrics (motcua_runtime.service).
_DURABLES: "weakref.WeakKeyDictionary[NatsBroker, set[str]]" = weakref.WeakKeyDictionary()
#: Handlers a broker's subscribers run at once (``<PREFIX>CONSUMER_CONCURRENCY``, set by create_broker).
_CONCURRENCY: "weakref.WeakKeyDictionary[NatsBroker, int]" = weakref.WeakKeyDictionary()


def set_consumer_concurrency(broker: NatsBroker, workers: int) -> None:
    _CONCURRENCY[broker] = max(1, int(workers))


def durables_of(broker: NatsBroker) -> set[str]:
    return set(_DURABLES.get(broker, ()))


def event_subscriber(
    broker: NatsBroker,
    *,
    durable: str,
    event_type: str,
    version: int,
    max_deliver: int,
    ack_wait_seconds: float,
    batch_size: int,
    description: str = "",
    commune_code: str = "*",
    max_workers: int | None = None,
):
    """A durable pull subscriber on MOTCUA_EVENTS for one event type of every commune
    (or of one commune).

    One durable consumer per service and purpose: replicas of a service bind to the
    same consumer and share its messages, each delivered to one of them.

    ``max_workers`` (default: the service's ``CONSUMER_CONCURRENCY``, 1): with 1, FastStream
    (0.7, ``PullStreamSubscriber``) starts every message of a fetched batch (``batch_size``) at
    once and fetches again when the whole batch is done; above 1 (``ConcurrentPullStreamSubscriber``)
    at most ``max_workers`` run at once, fetching continues meanwhile. Either way handlers of one
    consumer overlap just as replicas' do (apply_once and per-key turns keep effects
    exactly-once); their MongoDB commits then share journal flushes.
    """
    subject = event_subject_filter(event_type, version, commune_code)
    _DURABLES.setdefault(broker, set()).add(durable)
    config = ConsumerConfig(
        durable_name=durable,
        ack_policy=JsAckPolicy.EXPLICIT,
        deliver_policy=DeliverPolicy.ALL,
        # The middleware dead-letters on the last delivery; one more lets a crash
        # during that last attempt still reach it.
        max_deliver=max_deliver + 1,
        ack_wait=ack_wait_seconds,
        filter_subject=subject,
        max_ack_pending=1000,
    )
    subscriber = broker.subscriber(
        subject,
        stream=JStream(EVENTS.name, declare=False),
        durable=durable,
        config=config,
        pull_sub=PullSub(batch_size=batch_size, timeout=1.0),
        max_workers=max_workers or _CONCURRENCY.get(broker, 1),
        ack_policy=AckPolicy.NACK_ON_ERROR,
        description=description,
        parser=_parse_event_message,
        decoder=envelope_decoder(event_type, version),
    )
    _cache_log_context(subscriber)
    return subscriber


async def _parse_event_message(message: Any) -> NatsMessage:
    """FastStream's JetStream parser (``JsParser.parse_message``) for an event subject (no path
    parameters), naming the message by its event id and correlation id instead of drawing a
    random UUID for every message."""
    headers = message.header or {}
    return NatsMessage(
        raw_message=message,
        body=message.data,
        path={},
        reply_to=headers.get("reply_to", ""),
        headers=headers,
        content_type=headers.get("content-type"),
        message_id=headers.get("message_id") or headers.get("Nats-Msg-Id"),
        correlation_id=headers.get("correlation_id") or headers.get("Motcua-Correlation-Id"),
    )


def envelope_decoder(event_type: str, version: int) -> Callable[[Any], Awaitable[Any]] | None:
    """The message body validated once, from its JSON bytes, against ``Envelope[<contract>]``.

    Runs inside the consumer middleware (FastStream decodes when it calls the handler), so a
    body that is not JSON or not the contract raises ``ValidationError`` there: poison, dead-
    lettered with the reason. ``None`` (FastStream's JSON decoding) for an event type the
    contracts do not know."""
    try:
        model = Envelope[event_class(event_type, version)]  # type: ignore[misc]
    except LookupError:
        return None
    validate = model.model_validate_json

    async def decode(message: Any) -> Any:
        return validate(message.body)

    return decode


def _cache_log_context(subscriber: Any) -> None:
    """FastStream rebuilds the subscriber's subject (a wildcard path parsed anew) for the log
    context of every message; it never changes once the broker is built, so compute it once."""
    compute = getattr(subscriber, "get_log_context", None)
    if compute is None:
        return
    fixed: dict[str, str] = {}

    def get_log_context(message: Any) -> dict[str, str]:
        if not fixed:
            fixed.update(compute(None))
        return {**fixed, "message_id": getattr(message, "message_id", "")}

    subscriber.get_log_context = get_log_context
