"""ASGI factory: ``uvicorn --factory motcua_intake.entrypoints.app:create_app``."""

from datetime import date

from fastapi import FastAPI

from motcua_contracts import DossierReceived, ResultReturned

from motcua_runtime.service import Infrastructure, build_service_app

from motcua_intake.adapters.repository import ensure_indexes
from motcua_intake.adapters.unit_of_work import MongoIntakeUnitOfWork
from motcua_intake.domain.due_dates import WorkingCalendar
from motcua_intake.entrypoints import http
from motcua_intake.settings import IntakeSettings


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

        app.include_router(http.router(uow_factory, calendar, lambda: infra.db))

    async def on_startup(infra: Infrastructure) -> None:
        await ensure_indexes(infra.db)

    return build_service_app(
        settings,
        title="Một cửa — Tiếp nhận hồ sơ (intake)",
        description="Receives dossiers at the commune one-stop shop, sets appointment dates, returns results.",
        version="0.1.0",
        wire=wire,
        on_startup=on_startup,
        publishes=(DossierReceived, ResultReturned),
    )
