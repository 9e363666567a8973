"""ASGI factory: ``uvicorn --factory motcua_intake.entrypoints.app:create_app``."""

import asyncio

import structlog
from fastapi import FastAPI

from motcua_contracts import EVENT_TYPES

from motcua_runtime.clock import utc_now
from motcua_runtime.service import Infrastructure, build_service_app

from motcua_intake.adapters.calendar_store import CalendarCache, MongoCalendarStore, ensure_calendar_indexes
from motcua_intake.adapters.catalogue_store import ensure_catalogue_indexes, get_procedure, seed_starter_catalogue
from motcua_intake.adapters.encryption import install_field_encryption
from motcua_intake.adapters.repository import ensure_indexes
from motcua_intake.adapters.session_store import MongoSessionRepository, ensure_session_indexes
from motcua_intake.adapters.unit_of_work import MongoIntakeUnitOfWork
from motcua_intake.domain.catalogue import Procedure
from motcua_runtime.due_dates import WorkingCalendar
from motcua_intake.entrypoints import calendar_http, catalogue_http, http, sessions_http
from motcua_intake.adapters.audit import ensure_audit_indexes
from motcua_intake.adapters.retention import ensure_retention_indexes, run_retention
from motcua_intake.entrypoints import forms_http, pages, privacy_http
from motcua_intake.entrypoints.access import ACCESS
from motcua_intake.service_layer import handlers
from motcua_intake.settings import IntakeSettings

log = structlog.get_logger("motcua.intake")
PUBLISHED = tuple(cls for cls in EVENT_TYPES.values() if cls.owner == "intake")


def create_app(settings: IntakeSettings | None = None) -> FastAPI:
    settings = settings or IntakeSettings()

    def wire(infra: Infrastructure, app: FastAPI) -> None:
        def uow_factory() -> MongoIntakeUnitOfWork:
            return MongoIntakeUnitOfWork(infra.mongo, infra.db, infra.relay)

        # The yearly working calendar (editable); edits reach every replica within the cache TTL.
        calendar_store = lambda: MongoCalendarStore(infra.db)  # noqa: E731
        calendars = CalendarCache(calendar_store, settings, ttl_seconds=5.0)

        async def current_calendar() -> WorkingCalendar:
            return await calendars.calendar_around(utc_now())

        async def lookup_procedure(commune_code: str, code: str) -> Procedure | None:
            procedure = await get_procedure(infra.db, commune_code, code)
            return procedure if procedure is not None and procedure.active else None

        infra.extras.update(uow_factory=uow_factory, current_calendar=current_calendar)
        app.include_router(http.router(uow_factory, current_calendar, lookup_procedure, lambda: infra.db))
        app.include_router(calendar_http.router(calendar_store, calendars))
        app.include_router(sessions_http.router(lambda: MongoSessionRepository(infra.db), uow_factory))
        app.include_router(catalogue_http.router(lambda: infra.db))
        pages.install(app, uow_factory, current_calendar, lambda: infra.db)  # counter and lookup pages, /static
        app.include_router(forms_http.router(lambda: infra.db, settings))  # forms 01–06, commune letterhead
        # Personal data read on the record: applicant, contact for notify, access log, opt-out.
        app.include_router(privacy_http.router(lambda: infra.db, settings.utc_offset_hours,
                                               settings.personal_data_retention_days,
                                               settings.booking_retention_days))

    async def deadline_scanner(infra: Infrastructure) -> None:
        while True:
            calendar = await infra.extras["current_calendar"]()
            announced = await handlers.scan_deadlines(infra.extras["uow_factory"], calendar, utc_now())
            if any(announced.values()):
                log.info("deadlines.announced", **announced)
            await asyncio.sleep(settings.deadline_scan_seconds)

    async def retention_job(infra: Infrastructure) -> None:
        """Erase the personal data of dossiers past retention; each run is recorded."""
        while True:
            await asyncio.sleep(settings.retention_scan_seconds)
            await run_retention(infra.db, settings.personal_data_retention_days, trigger="schedule",
                                booking_retention_days=settings.booking_retention_days)

    async def on_startup(infra: Infrastructure) -> None:
        # Personal data is encrypted at rest; intake refuses to start without its key.
        infra.extras["encrypter"] = await install_field_encryption(infra.db, settings)
        await ensure_indexes(infra.db)
        await ensure_audit_indexes(infra.db)
        await ensure_retention_indexes(infra.db)
        await ensure_session_indexes(infra.db)
        await ensure_calendar_indexes(infra.db)
        await ensure_catalogue_indexes(infra.db)
        await seed_starter_catalogue(infra.db)  # only into an empty catalogue

    return build_service_app(
        settings,
        title="Một cửa — Tiếp nhận hồ sơ (intake)",
        description="Receives dossiers at the commune one-stop shop, sets appointment dates, returns results.",
        version="0.1.0",
        wire=wire,
        on_startup=on_startup,
        publishes=PUBLISHED,
        background=(deadline_scanner, retention_job),
        access=ACCESS,  # every route's role and commune check (entrypoints/access.py)
    )
