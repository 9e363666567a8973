"""The shape every service shares: an ASGI app built by a factory.

``build_service_app`` wires FastAPI (HTTP API, OpenAPI), a FastStream NATS broker
(subscribers, AsyncAPI), the MongoDB client and the outbox relay. Clients are
opened in the lifespan, never at import time. A service passes a ``wire``
function that registers its subscribers and routes against the
:class:`Infrastructure` holder, whose clients exist once the app has started.
"""

import asyncio
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import structlog
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from opentelemetry.trace import SpanKind
from faststream.nats import NatsBroker
from faststream.specification import AsyncAPI
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.asynchronous.mongo_client import AsyncMongoClient

from motcua_contracts import Envelope, EventData, event_subject_filter
from motcua_contracts.streams import EVENTS
from motcua_runtime.auth import PUBLIC, AccessPolicy, install_auth
from motcua_runtime.consumer import durables_of, reliable_consumer_middleware, set_consumer_concurrency
from motcua_runtime.errors import install_error_handlers
from motcua_runtime.logging import configure_logging
from motcua_runtime.mongo import create_mongo_client
from motcua_runtime.observability import (
    CONSUMER_ACK_PENDING,
    CONSUMER_PENDING,
    HTTP_SECONDS,
    OUTBOX_BACKLOG,
    configure_tracing,
    extract_trace_context,
    metrics_payload,
    tracer,
)
from motcua_runtime.denials import ensure_denial_indexes
from motcua_runtime.denials import router as denials_router
from motcua_runtime.outbox import OutboxRelay, ensure_outbox_indexes
from motcua_runtime.settings import ServiceSettings

log = structlog.get_logger("motcua.service")


@dataclass
class Infrastructure:
    """Clients of one running service. ``mongo``/``db``/``relay`` are set at start-up."""

    settings: ServiceSettings
    broker: NatsBroker
    mongo: AsyncMongoClient | None = None
    db: AsyncDatabase | None = None
    relay: OutboxRelay | None = None
    extras: dict[str, Any] = field(default_factory=dict)


#: FastStream's own service messages: warnings and errors only. (At INFO it writes a line per
#: finished task — one per message with concurrent consumers — costing throughput and log volume;
#: handled events are logged by the consumer middleware instead.)
_FASTSTREAM_LOGGER = logging.getLogger("faststream.motcua")
_FASTSTREAM_LOGGER.setLevel(logging.WARNING)


def create_broker(settings: ServiceSettings) -> NatsBroker:
    broker = NatsBroker(
        settings.nats_url,
        name=f"motcua-{settings.service_name}",
        logger=_FASTSTREAM_LOGGER,
        middlewares=[
            reliable_consumer_middleware(
                settings.service_name,
                max_deliver=settings.max_deliver,
                max_delay=settings.max_retry_delay_seconds,
            )
        ],
        # FastStream's per-message "Received/Processed" lines stay at debug level.
        log_level=logging.DEBUG,
        graceful_timeout=15,
        max_reconnect_attempts=-1,
        reconnect_time_wait=1,
        connect_timeout=5,
    )
    set_consumer_concurrency(broker, settings.consumer_concurrency)
    return broker


def document_published_events(broker: NatsBroker, events: Sequence[type[EventData]]) -> None:
    """Declare the events this service publishes (through its outbox) for AsyncAPI.

    The outbox relay publishes raw bytes; these publisher objects only describe the
    channels and payloads in the service's AsyncAPI document.
    """
    for event in events:
        broker.publisher(
            event_subject_filter(event.event_type, event.schema_version),
            schema=Envelope[event],  # type: ignore[valid-type]
            title=f"{event.event_type} v{event.schema_version}",
            description=(event.__doc__ or "").strip(),
        )


def asyncapi_document(broker: NatsBroker, *, title: str, version: str, description: str) -> dict:
    return AsyncAPI(broker, title=title, version=version, description=description).to_specification().to_jsonable()


def build_service_app(
    settings: ServiceSettings,
    *,
    title: str,
    description: str,
    version: str,
    wire: Callable[[Infrastructure, FastAPI], None],
    on_startup: Callable[[Infrastructure], Awaitable[None]] | None = None,
    with_relay: bool = True,
    publishes: Sequence[type[EventData]] = (),
    background: Sequence[Callable[[Infrastructure], Awaitable[None]]] = (),
    access: AccessPolicy | None = None,
    token_keys: Callable[[str], Any] | None = None,
) -> FastAPI:
    """``access``: every route's rule (motcua_runtime.auth), enforced by one dependency on
    every route of the app; the docs (/docs, /openapi.json) stay open. ``token_keys``: the
    service holds the token-signing key itself (the identity service) instead of a JWKS URL."""
    configure_logging(json=settings.log_json, level=settings.log_level)
    configure_tracing(settings.service_name, otlp_endpoint=settings.otlp_endpoint, trace_file=settings.trace_file)
    broker = create_broker(settings)
    document_published_events(broker, publishes)
    infra = Infrastructure(settings=settings, broker=broker)

    async def publish(subject: str, body: bytes, headers: dict[str, str]) -> None:
        # nats-py's JetStream publish directly (the relay's bytes need no FastStream encoding);
        # it raises unless the stream stored the message.
        await broker.connection.jetstream().publish(subject, body, timeout=5, stream=EVENTS.name, headers=headers)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        infra.mongo = create_mongo_client(settings.mongodb_uri, app_name=f"motcua-{settings.service_name}")
        infra.db = infra.mongo[settings.database]
        await ensure_outbox_indexes(infra.db)
        await ensure_denial_indexes(infra.db, settings.access_denial_retention_days)
        if on_startup:
            await on_startup(infra)
        if with_relay:
            infra.relay = OutboxRelay(
                infra.db, publish, name=settings.service_name, poll_seconds=settings.relay_poll_seconds
            )
        await broker.start()
        if infra.relay is not None and settings.relay_enabled:
            infra.relay.start()
        tasks = [asyncio.create_task(_keep_running(job, infra), name=job.__name__)
                 for job in (*background, _sample_metrics)]
        log.info("service.started", service=settings.service_name, database=settings.database)
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            if infra.relay is not None:
                await infra.relay.stop()
            await broker.stop()
            await infra.mongo.close()
            log.info("service.stopped", service=settings.service_name)

    if access is not None:
        # Prometheus scrapes without a user's token: the metrics hold no personal data and no
        # commune codes (labels: service, consumer, event type, route template). Restrict it by
        # network policy, and/or set MOTCUA_METRICS_TOKEN to require ``Authorization: Bearer``.
        access.rules.setdefault(("GET", "/metrics"), PUBLIC)
    dependencies = [Depends(access.dependency())] if access is not None else []
    app = FastAPI(title=title, description=description, version=version, lifespan=lifespan,
                  dependencies=dependencies)
    app.state.infra = infra
    install_error_handlers(app)
    # Refused attempts (403, invalid tokens, a signed-in caller's 404 on a parameterised route)
    # leave a trace in this service's own ``access_denials`` collection.
    install_auth(app, settings, keys=token_keys, denials=lambda: infra.db)

    @app.middleware("http")
    async def correlation(request: Request, call_next):
        correlation_id = request.headers.get("X-Correlation-ID") or str(uuid.uuid4())
        request.state.correlation_id = correlation_id
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(correlation_id=correlation_id)
        started = time.perf_counter()
        # A server span per request (continuing a caller's ``traceparent``); the events this
        # request commits carry its context through the outbox.
        with tracer().start_as_current_span(
            request.method, context=extract_trace_context(request.headers), kind=SpanKind.SERVER,
            attributes={"http.request.method": request.method},
        ) as span:
            response = await call_next(request)
            route = getattr(request.scope.get("route"), "path_format", None) or "unmatched"
            span.update_name(f"{request.method} {route}")
            span.set_attribute("http.route", route)
            span.set_attribute("http.response.status_code", response.status_code)
        HTTP_SECONDS.labels(settings.service_name, request.method, route, str(response.status_code)).observe(
            time.perf_counter() - started)
        response.headers["X-Correlation-ID"] = correlation_id
        return response

    @app.get("/metrics", include_in_schema=False)
    async def metrics(request: Request) -> Response:
        if settings.metrics_token and request.headers.get("authorization") != f"Bearer {settings.metrics_token}":
            return Response("metrics token required\n", status_code=401, media_type="text/plain")
        payload, content_type = metrics_payload()
        return Response(payload, media_type=content_type)

    app.include_router(health_router(infra))
    app.include_router(denials_router(lambda: infra.db))

    @app.get("/asyncapi.json", tags=["meta"], summary="AsyncAPI document of this service's events")
    async def asyncapi() -> dict:
        return asyncapi_document(broker, title=title, version=version, description=description)

    wire(infra, app)
    return app


async def _keep_running(job: Callable[[Infrastructure], Awaitable[None]], infra: Infrastructure) -> None:
    """A background job (a periodic scan) that logs its failures and starts again."""
    while True:
        try:
            await job(infra)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            log.error("background.failed", job=job.__name__, error=repr(error))
            await asyncio.sleep(5)


async def _sample_metrics(infra: Infrastructure) -> None:
    """Every ``metrics_poll_seconds``: each durable consumer's lag (JetStream consumer info)
    and the outbox backlog, as gauges."""
    service = infra.settings.service_name
    while True:
        await asyncio.sleep(infra.settings.metrics_poll_seconds)
        try:
            js = infra.broker.connection.jetstream()
            for durable in sorted(durables_of(infra.broker)):
                info = await js.consumer_info(EVENTS.name, durable, timeout=2)
                CONSUMER_PENDING.labels(service, durable).set(info.num_pending or 0)
                CONSUMER_ACK_PENDING.labels(service, durable).set(info.num_ack_pending or 0)
        except Exception as error:  # NATS away: keep the last values, try again
            log.debug("metrics.consumer_info_failed", error=repr(error))
        if infra.relay is not None:
            try:
                OUTBOX_BACKLOG.labels(service).set(await infra.relay.backlog())
            except Exception as error:
                log.debug("metrics.outbox_backlog_failed", error=repr(error))


def health_router(infra: Infrastructure) -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/health/live", summary="The process is up")
    async def live() -> dict:
        return {"status": "alive", "service": infra.settings.service_name}

    @router.get("/health/ready", summary="MongoDB and NATS are reachable")
    async def ready() -> JSONResponse:
        checks: dict[str, Any] = {}
        try:
            assert infra.mongo is not None
            await asyncio.wait_for(infra.mongo.admin.command("ping"), timeout=2)
            checks["mongodb"] = "ok"
        except Exception as error:  # any failure means not ready
            checks["mongodb"] = f"down: {type(error).__name__}"
        try:
            checks["nats"] = "ok" if await infra.broker.ping(timeout=2) else "down"
        except Exception as error:
            checks["nats"] = f"down: {type(error).__name__}"
        if infra.relay is not None and checks["mongodb"] == "ok":
            checks["outbox_backlog"] = await infra.relay.backlog()
        ok = checks["mongodb"] == "ok" and checks["nats"] == "ok"
        return JSONResponse(
            {"status": "ready" if ok else "not ready", "service": infra.settings.service_name, "checks": checks},
            status_code=200 if ok else 503,
        )

    return router
