"""Metrics (Prometheus) and traces (OpenTelemetry) every service shares.

Metrics: one registry per process, served at ``GET /metrics`` by ``build_service_app``:

- ``motcua_events_consumed_total{consumer,event_type,outcome}`` — outcome ``handled``
  (including a redelivered duplicate the handler recognised), ``retried``, ``dead_lettered``;
- ``motcua_events_published_total{event_type}`` — by the outbox relay;
- ``motcua_handler_seconds{consumer,event_type}`` — handler latency (histogram);
- ``motcua_consumer_pending{consumer}`` / ``motcua_consumer_ack_pending{consumer}`` — lag, read
  from JetStream's consumer info every ``metrics_poll_seconds``;
- ``motcua_outbox_backlog`` — pending outbox entries (same poll);
- ``motcua_dead_letters_total{consumer}`` — messages this process moved to the dead-letter stream;
- ``motcua_http_request_seconds{method,route,status}`` — by route *template*, never the raw path
  (a path holds commune and dossier codes: unbounded label values).

Every series carries a ``service`` label.

Traces: a tracer provider is always installed, so trace ids exist, travel and reach the logs.
Without an exporter it samples nothing (spans are not recorded: a new trace id costs little,
a recorded span about three times as much); spans are recorded and exported only when configured:

- ``OTEL_EXPORTER_OTLP_ENDPOINT`` (or ``MOTCUA_OTLP_ENDPOINT``): OTLP over HTTP to a collector;
- ``MOTCUA_TRACE_FILE``: one JSON line per finished span appended to that file (tests, debugging).

The context travels HTTP ``traceparent`` → the outbox record's headers (stored in the same
transaction as the change) → NATS message headers (``traceparent``) → the consumer, which
continues it; whatever a handler emits carries the handler's context onwards.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Mapping, MutableMapping
from contextlib import AbstractContextManager
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor, SpanExporter, SpanExportResult
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ALWAYS_ON
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest

TRACEPARENT = "traceparent"

# ----------------------------------------------------------------------------- metrics

_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)

EVENTS_CONSUMED = Counter("motcua_events_consumed", "Events taken from the bus by a consumer, by outcome",
                          ["service", "consumer", "event_type", "outcome"])
EVENTS_PUBLISHED = Counter("motcua_events_published", "Events published by the outbox relay",
                           ["service", "event_type"])
HANDLER_SECONDS = Histogram("motcua_handler_seconds", "Time a consumer's handler took, per event",
                            ["service", "consumer", "event_type"], buckets=_LATENCY_BUCKETS)
CONSUMER_PENDING = Gauge("motcua_consumer_pending", "Messages not yet delivered to the durable consumer (lag)",
                         ["service", "consumer"])
CONSUMER_ACK_PENDING = Gauge("motcua_consumer_ack_pending", "Messages delivered and not yet acknowledged",
                             ["service", "consumer"])
OUTBOX_BACKLOG = Gauge("motcua_outbox_backlog", "Outbox entries committed and not yet published", ["service"])
DEAD_LETTERS = Counter("motcua_dead_letters", "Messages moved to the dead-letter stream by this process",
                       ["service", "consumer"])
HTTP_SECONDS = Histogram("motcua_http_request_seconds", "HTTP request latency by route template",
                         ["service", "method", "route", "status"], buckets=_LATENCY_BUCKETS)


def metrics_payload() -> tuple[bytes, str]:
    """The Prometheus exposition of this process's metrics and its content type."""
    return generate_latest(), CONTENT_TYPE_LATEST


# ----------------------------------------------------------------------------- traces


class JsonLinesSpanExporter(SpanExporter):
    """Appends one JSON object per span to a file (``MOTCUA_TRACE_FILE``): several processes may
    share the file; each line is written with one ``write`` call in append mode."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._lock = threading.Lock()

    def export(self, spans: "list[ReadableSpan]") -> SpanExportResult:
        lines = []
        for span in spans:
            context = span.get_span_context()
            parent = span.parent
            lines.append(json.dumps({
                "service": span.resource.attributes.get("service.name"),
                "name": span.name,
                "kind": span.kind.name,
                "trace_id": format(context.trace_id, "032x"),
                "span_id": format(context.span_id, "016x"),
                "parent_span_id": format(parent.span_id, "016x") if parent else None,
                "start_ns": span.start_time,
                "end_ns": span.end_time,
                "attributes": {k: v for k, v in (span.attributes or {}).items() if isinstance(v, (str, int, float, bool))},
            }, ensure_ascii=False))
        with self._lock, open(self._path, "a", encoding="utf-8") as file:
            file.write("".join(line + "\n" for line in lines))
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        pass


_configured: dict[str, Any] = {}


def configure_tracing(service_name: str, *, otlp_endpoint: str = "", trace_file: str = "") -> TracerProvider:
    """Install this process's tracer provider once. Exporters: none unless configured."""
    if "provider" in _configured:
        return _configured["provider"]
    otlp_endpoint = otlp_endpoint or os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT", "")
    exporting = bool(otlp_endpoint or trace_file)
    provider = TracerProvider(resource=Resource.create({"service.name": f"motcua-{service_name}"}),
                              sampler=ALWAYS_ON if exporting else ALWAYS_OFF)
    if otlp_endpoint:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        endpoint = otlp_endpoint.rstrip("/")
        if not endpoint.endswith("/v1/traces"):
            endpoint += "/v1/traces"
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
    if trace_file:
        provider.add_span_processor(SimpleSpanProcessor(JsonLinesSpanExporter(trace_file)))
    trace.set_tracer_provider(provider)
    _configured["provider"] = provider
    _configured["recording"] = exporting
    _configured.pop("tracer", None)
    return provider


def tracer() -> trace.Tracer:
    found = _configured.get("tracer")
    if found is None:
        found = _configured["tracer"] = trace.get_tracer("motcua")
    return found


class _CurrentSpan:
    """``use_span`` for a span that records nothing: makes it current, and no more."""

    __slots__ = ("_span", "_token")

    def __init__(self, span: trace.Span) -> None:
        self._span = span

    def __enter__(self) -> trace.Span:
        self._token = otel_context.attach(trace.set_span_in_context(self._span))
        return self._span

    def __exit__(self, *_exc: Any) -> bool:
        otel_context.detach(self._token)
        return False


def consumer_span(name: str, headers: Mapping[str, str] | None,
                  attributes: Callable[[], dict[str, Any]]) -> AbstractContextManager[trace.Span]:
    """The current span while a consumer handles a message, continuing the trace of its
    ``traceparent`` (a fresh trace without one): log lines carry its ids, what the handler
    emits carries its context onwards.

    When spans are recorded (an exporter is configured) it is the SDK's CONSUMER span with
    ``attributes()``. Otherwise (``ALWAYS_OFF``) it is what the SDK would make, for about half
    the cost: a non-recording span with the parent's trace id and trace state and a span id of
    its own; the attributes, which nobody would read, are not built."""
    provider = _configured.get("provider")
    if provider is None or _configured.get("recording", True):
        return tracer().start_as_current_span(
            name, context=extract_trace_context(headers), kind=trace.SpanKind.CONSUMER,
            record_exception=False, set_status_on_exception=False, attributes=attributes())
    parent = trace.get_current_span(extract_trace_context(headers)).get_span_context()
    ids = provider.id_generator
    trace_id = parent.trace_id if parent.is_valid else ids.generate_trace_id()
    return _CurrentSpan(trace.NonRecordingSpan(trace.SpanContext(
        trace_id, ids.generate_span_id(), is_remote=False, trace_flags=trace.TraceFlags(trace.TraceFlags.DEFAULT),
        trace_state=parent.trace_state if parent.is_valid else None)))


def inject_trace_context(headers: MutableMapping[str, str]) -> MutableMapping[str, str]:
    """Add the current span's ``traceparent`` (W3C) to ``headers`` (no-op without a span)."""
    propagate.inject(headers)
    return headers


def extract_trace_context(headers: Mapping[str, str] | None) -> otel_context.Context:
    return propagate.extract(dict(headers or {}))


def current_trace_ids() -> tuple[str, str] | None:
    context = trace.get_current_span().get_span_context()
    if not context.is_valid:
        return None
    return format(context.trace_id, "032x"), format(context.span_id, "016x")


def add_trace_ids(_logger: Any, _method: str, event_dict: dict) -> dict:
    """structlog processor: every line written inside a span carries its trace and span ids."""
    ids = current_trace_ids()
    if ids is not None:
        event_dict.setdefault("trace_id", ids[0])
        event_dict.setdefault("span_id", ids[1])
    return event_dict
