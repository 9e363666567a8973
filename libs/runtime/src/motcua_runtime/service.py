"""The shape every service shares: an ASGI app built by a factory.

``build_service_app`` wires FastAPI (HTTP API, OpenAPI), a FastStream NATS broker
(subscribers, AsyncAPI), the MongoDB client and the outbox relay. Clients are
opened in the lifespan, never at import time. A service passes a ``wire``
function that registers its subscribers and routes against the
:class:`Infrastructure` holder, whose clients exist once the app has started.
"""

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import structlog
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from faststream.nats import NatsBroker
from faststream.specification import AsyncAPI
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.asynchronous.mongo_client import AsyncMongoClient

from motcua_contracts import Envelope, EventData, event_subject_filter
from motcua_contracts.streams import EVENTS
from motcua_runtime.auth import AccessPolicy, install_auth
from motcua_runtime.consumer import reliable_consumer_middleware
from motcua_runtime.errors import install_error_handlers
from motcua_runtime.logging import configure_logging
from motcua_runtime.mongo import create_mongo_client
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


def create_broker(settings: ServiceSettings) -> NatsBroker:
    return NatsBroker(
        settings.nats_url,
        name=f"motcua-{settings.service_name}",
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
    broker = create_broker(settings)
    document_published_events(broker, publishes)
    infra = Infrastructure(settings=settings, broker=broker)

    async def publish(subject: str, body: bytes, headers: dict[str, str]) -> None:
        await broker.publish(body, subject, headers=headers, stream=EVENTS.name, timeout=5)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        infra.mongo = create_mongo_client(settings.mongodb_uri, app_name=f"motcua-{settings.service_name}")
        infra.db = infra.mongo[settings.database]
        await ensure_outbox_indexes(infra.db)
        if on_startup:
            await on_startup(infra)
        if with_relay:
            infra.relay = OutboxRelay(
                infra.db, publish, name=settings.service_name, poll_seconds=settings.relay_poll_seconds
            )
        await broker.start()
        if infra.relay is not None and settings.relay_enabled:
            infra.relay.start()
        tasks = [asyncio.create_task(_keep_running(job, infra), name=job.__name__) for job in background]
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

    dependencies = [Depends(access.dependency())] if access is not None else []
    app = FastAPI(title=title, description=description, version=version, lifespan=lifespan,
                  dependencies=dependencies)
    app.state.infra = infra
    install_error_handlers(app)
    install_auth(app, settings, keys=token_keys)

    @app.middleware("http")
    async def correlation(request: Request, call_next):
        correlation_id = request.headers.get("X-Correlation-ID") or str(uuid.uuid4())
        request.state.correlation_id = correlation_id
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(correlation_id=correlation_id)
        response = await call_next(request)
        response.headers["X-Correlation-ID"] = correlation_id
        return response

    app.include_router(health_router(infra))

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
