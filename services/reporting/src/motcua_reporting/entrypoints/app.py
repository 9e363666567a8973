"""ASGI factory: ``uvicorn --factory motcua_reporting.entrypoints.app:create_app``."""

from fastapi import FastAPI

from motcua_runtime.service import Infrastructure, build_service_app

from motcua_reporting.adapters.storage import MongoFiguresReader, MongoReportingUnitOfWork, ensure_indexes
from motcua_reporting.entrypoints import http, subscribers
from motcua_reporting.entrypoints.access import ACCESS
from motcua_reporting.settings import ReportingSettings


def create_app(settings: ReportingSettings | None = None) -> FastAPI:
    settings = settings or ReportingSettings()

    def wire(infra: Infrastructure, app: FastAPI) -> None:
        subscribers.register(infra.broker, settings, lambda: MongoReportingUnitOfWork(infra.mongo, infra.db))
        app.include_router(http.router(lambda: MongoFiguresReader(infra.db)))

    async def on_startup(infra: Infrastructure) -> None:
        await ensure_indexes(infra.db)

    return build_service_app(
        settings,
        title="Một cửa — Số liệu (reporting)",
        description="Service-quality figures per commune and for the district, built from events: "
                    "dossiers received by channel, results early/on time/late, results at home, ballots.",
        version="0.1.0",
        wire=wire,
        on_startup=on_startup,
        access=ACCESS,  # every route's role and commune check (entrypoints/access.py)
        # Reporting publishes nothing: no outbox relay.
        with_relay=False,
    )
