"""ASGI factory: ``uvicorn --factory motcua_hooks.entrypoints.app:create_app``."""

from functools import partial

from fastapi import FastAPI

from motcua_runtime.service import Infrastructure, build_service_app

from motcua_hooks.adapters.alerts import AlertNotifier
from motcua_hooks.adapters.secret_box import load_secret_box
from motcua_hooks.adapters.sender import HttpSender
from motcua_hooks.adapters.storage import DeliveryQueue, HooksStore, MongoHooksUnitOfWork, ensure_indexes
from motcua_hooks.adapters.stream import messages_between
from motcua_hooks.entrypoints import http, pages, subscribers
from motcua_hooks.entrypoints.access import ACCESS
from motcua_hooks.service_layer import handlers
from motcua_hooks.settings import HooksSettings


def create_app(settings: HooksSettings | None = None) -> FastAPI:
    settings = settings or HooksSettings()
    # Subscribers' signing secrets are sealed at rest; hooks refuses to start without its key.
    box = load_secret_box(settings.secrets_key.get_secret_value(), settings.secrets_key_file, settings.data_dir)

    def uow_factory() -> MongoHooksUnitOfWork:
        return MongoHooksUnitOfWork(app.state.infra.mongo, app.state.infra.db)

    def store() -> HooksStore:
        return HooksStore(app.state.infra.db, box)

    def wire(infra: Infrastructure, app: FastAPI) -> None:
        subscribers.register(infra.broker, settings, uow_factory,
                             lambda: DeliveryQueue(infra.db, None).active_subscriptions())
        app.include_router(pages.router())
        app.include_router(http.catalogue_router())
        app.include_router(http.router(store, settings))

    async def on_startup(infra: Infrastructure) -> None:
        await ensure_indexes(infra.db, settings.log_retention_days)
        await HooksStore(infra.db, box).seal_plaintext_secrets()

    async def dispatch(infra: Infrastructure) -> None:
        sender = HttpSender(settings.delivery_timeout_seconds)
        try:
            await handlers.Dispatcher(
                HooksStore(infra.db, box), sender, AlertNotifier(settings.alert_webhook_url, settings.alert_recipients),
                concurrency=settings.dispatch_concurrency, poll_seconds=settings.dispatch_poll_seconds,
                timeout_seconds=settings.delivery_timeout_seconds,
                initial_delay=settings.retry_initial_delay_seconds, max_delay=settings.retry_max_delay_seconds,
            ).run()
        finally:
            await sender.close()

    async def replays(infra: Infrastructure) -> None:
        await handlers.replay_worker(HooksStore(infra.db, box), partial(messages_between, settings.nats_url), uow_factory)

    app = build_service_app(
        settings,
        title="Một cửa — Sự kiện cho hệ thống khác (hooks)",
        description="The public event catalogue, and webhook subscriptions for other systems: signed "
                    "(HMAC-SHA256), in order per dossier, retried with backoff, parked with an alert to the "
                    "administrators, replayable by time range.",
        version="0.1.0",
        wire=wire,
        on_startup=on_startup,
        background=(dispatch, replays),
        access=ACCESS,
        # Hooks publishes no event: no outbox relay.
        with_relay=False,
    )
    return app
