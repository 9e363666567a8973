"""ASGI factory: ``uvicorn --factory motcua_notify.entrypoints.app:create_app``."""

from fastapi import FastAPI

from motcua_runtime.service import Infrastructure, build_service_app

from motcua_notify.adapters.storage import MongoNotifyUnitOfWork, ensure_indexes
from motcua_notify.entrypoints import http, subscribers
from motcua_notify.entrypoints.access import ACCESS
from motcua_notify.settings import NotifySettings


def create_app(settings: NotifySettings | None = None) -> FastAPI:
    settings = settings or NotifySettings()

    def wire(infra: Infrastructure, app: FastAPI) -> None:
        subscribers.register(infra.broker, settings, lambda: MongoNotifyUnitOfWork(infra.mongo, infra.db, infra.relay))
        app.include_router(http.router(lambda: infra.db))

    async def on_startup(infra: Infrastructure) -> None:
        await ensure_indexes(infra.db)

    return build_service_app(
        settings,
        title="Một cửa — Thông báo và thư (notify)",
        description="Letters and messages to citizens: receipts, apologies, congratulations, condolences.",
        version="0.1.0",
        wire=wire,
        on_startup=on_startup,
        access=ACCESS,  # every route's role and commune check (entrypoints/access.py)
    )
