"""ASGI factory: ``uvicorn --factory motcua_notify.entrypoints.app:create_app``."""

from fastapi import FastAPI

from motcua_contracts import LetterIssued, MessageFailed, MessageSent
from motcua_runtime.service import Infrastructure, build_service_app

from motcua_notify.adapters.contacts import ContactDirectory, HttpContactDirectory
from motcua_notify.adapters.rate_limit import ensure_rate_indexes
from motcua_notify.adapters.storage import MongoNotifyUnitOfWork, ensure_indexes
from motcua_notify.entrypoints import http, pages, subscribers
from motcua_notify.entrypoints.access import ACCESS
from motcua_notify.service_layer.delivery import DeliveryWorker
from motcua_notify.settings import NotifySettings


def create_app(settings: NotifySettings | None = None, directory: ContactDirectory | None = None) -> FastAPI:
    """``directory``: where contacts come from (default: intake over HTTP with the service token)."""
    settings = settings or NotifySettings()
    contacts = directory or HttpContactDirectory(
        identity_url=settings.identity_url, intake_url=settings.intake_url, survey_url=settings.survey_url,
        client_id=settings.service_client_id, client_secret=settings.service_client_secret)

    def worker(infra: Infrastructure) -> DeliveryWorker:
        if "worker" not in infra.extras:
            infra.extras["worker"] = DeliveryWorker(client=infra.mongo, db=infra.db, settings=settings,
                                                    directory=contacts, relay=infra.relay)
        return infra.extras["worker"]

    def wire(infra: Infrastructure, app: FastAPI) -> None:
        subscribers.register(infra.broker, settings, lambda: MongoNotifyUnitOfWork(infra.mongo, infra.db, infra.relay),
                             wake=lambda: worker(infra).wake())
        app.include_router(http.router(infra, settings, lambda: worker(infra)))
        pages.install(app, infra)

    async def on_startup(infra: Infrastructure) -> None:
        await ensure_indexes(infra.db)
        await ensure_rate_indexes(infra.db)

    async def deliver(infra: Infrastructure) -> None:
        """Resolve intents and send messages (the Mongo-backed queues) until stopped."""
        if settings.worker_enabled:
            await worker(infra).run_forever()

    return build_service_app(
        settings,
        title="Một cửa — Thông báo và thư (notify)",
        description="Letters and messages to citizens: receipts, results, apologies, congratulations, condolences, "
                    "thanks — on paper, SMS, e-mail and Zalo.",
        version="0.2.0",
        wire=wire,
        on_startup=on_startup,
        publishes=(LetterIssued, MessageSent, MessageFailed),
        background=(deliver,),
        access=ACCESS,  # every route's role and commune check (entrypoints/access.py)
    )
