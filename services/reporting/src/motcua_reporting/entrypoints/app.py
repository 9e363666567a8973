"""ASGI factory: ``uvicorn --factory motcua_reporting.entrypoints.app:create_app``."""

import structlog
from fastapi import FastAPI

from motcua_runtime.service import Infrastructure, build_service_app

from motcua_reporting.adapters.storage import MongoReportingReader, ensure_indexes, needs_rebuild
from motcua_reporting.entrypoints import http, pages, subscribers
from motcua_reporting.entrypoints.access import ACCESS
from motcua_reporting.settings import ReportingSettings

log = structlog.get_logger("motcua.reporting")


def create_app(settings: ReportingSettings | None = None) -> FastAPI:
    settings = settings or ReportingSettings()

    def wire(infra: Infrastructure, app: FastAPI) -> None:
        subscribers.register(infra.broker, settings, lambda: infra.mongo, lambda: infra.db)
        deps = http.Deps(reader=lambda: MongoReportingReader(infra.db), db=lambda: infra.db)
        app.include_router(http.router(deps))
        pages.install(app, deps)

    async def on_startup(infra: Infrastructure) -> None:
        await ensure_indexes(infra.db)
        if await needs_rebuild(infra.db):
            log.warning("reporting.rebuild_needed",
                        hint="figures of this version start empty: run `python -m motcua_reporting.rebuild` once "
                             "to fill them from the stream's history")

    return build_service_app(
        settings,
        title="Một cửa — Số liệu (reporting)",
        description="Service-quality figures per commune and for the district, built from events only "
                    "(dossiers received, carried over, resolved early/on time/late, pending, letters, sessions, "
                    "satisfaction ballot rate and the Decision 766 indices), by period and dimension; exports; "
                    "the friendly-government scorecard. Definitions: docs/reporting.md.",
        version="0.2.0",
        wire=wire,
        on_startup=on_startup,
        access=ACCESS,  # every route's role and commune check (entrypoints/access.py)
        # Reporting publishes nothing: no outbox relay.
        with_relay=False,
    )
