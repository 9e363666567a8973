"""ASGI factory: ``uvicorn --factory motcua_intake.entrypoints.app:create_app``."""

import asyncio
from datetime import date

import structlog
from fastapi import FastAPI

from motcua_contracts import EVENT_TYPES

from motcua_runtime.clock import utc_now
from motcua_runtime.service import Infrastructure, build_service_app

from motcua_intake.adapters.repository import ensure_indexes
from motcua_intake.adapters.unit_of_work import MongoIntakeUnitOfWork
from motcua_intake.domain.catalogue import Procedure, find_procedure
from motcua_intake.domain.due_dates import WorkingCalendar
from motcua_intake.entrypoints import http
from motcua_intake.service_layer import handlers
from motcua_intake.settings import IntakeSettings

log = structlog.get_logger("motcua.intake")
PUBLISHED = tuple(cls for cls in EVENT_TYPES.values() if cls.owner == "intake")


def create_app(settings: IntakeSettings | None = None) -> FastAPI:
    settings = settings or IntakeSettings()
    calendar = WorkingCalendar(
        utc_offset_hours=settings.utc_offset_hours,
        cutoff_hour=settings.cutoff_hour,
        appointment_hour=settings.appointment_hour,
        holidays=frozenset(date.fromisoformat(d) for d in settings.holidays),
    )

    def wire(infra: Infrastructure, app: FastAPI) -> None:
        def uow_factory() -> MongoIntakeUnitOfWork:
            return MongoIntakeUnitOfWork(infra.mongo, infra.db, infra.relay)

        app.include_router(http.router(uow_factory, current_calendar, lookup_procedure, lambda: infra.db))
        infra.extras["uow_factory"] = uow_factory

    async def current_calendar() -> WorkingCalendar:
        return calendar

    async def lookup_procedure(commune_code: str, code: str) -> Procedure | None:
        return find_procedure(code)

    async def deadline_scanner(infra: Infrastructure) -> None:
        while True:
            announced = await handlers.scan_deadlines(infra.extras["uow_factory"], await current_calendar(), utc_now())
            if any(announced.values()):
                log.info("deadlines.announced", **announced)
            await asyncio.sleep(settings.deadline_scan_seconds)

    async def on_startup(infra: Infrastructure) -> None:
        await ensure_indexes(infra.db)

    return build_service_app(
        settings,
        title="Một cửa — Tiếp nhận hồ sơ (intake)",
        description="Receives dossiers at the commune one-stop shop, sets appointment dates, returns results.",
        version="0.1.0",
        wire=wire,
        on_startup=on_startup,
        publishes=PUBLISHED,
        background=(deadline_scanner,),
    )
