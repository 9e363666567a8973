"""ASGI factory: ``uvicorn --factory motcua_survey.entrypoints.app:create_app``."""

from fastapi import FastAPI

from motcua_contracts import BallotOpened, SurveySubmitted

from motcua_runtime.service import Infrastructure, build_service_app

from motcua_survey.adapters.repository import ensure_indexes
from motcua_survey.adapters.unit_of_work import MongoSurveyUnitOfWork
from motcua_survey.entrypoints import http, subscribers
from motcua_survey.entrypoints.access import ACCESS
from motcua_survey.settings import SurveySettings


def create_app(settings: SurveySettings | None = None) -> FastAPI:
    settings = settings or SurveySettings()

    def wire(infra: Infrastructure, app: FastAPI) -> None:
        def uow_factory() -> MongoSurveyUnitOfWork:
            return MongoSurveyUnitOfWork(infra.mongo, infra.db, infra.relay)

        subscribers.register(infra.broker, settings, uow_factory)
        app.include_router(http.router(uow_factory, lambda: infra.db))

    async def on_startup(infra: Infrastructure) -> None:
        await ensure_indexes(infra.db)

    return build_service_app(
        settings,
        title="Một cửa — Đánh giá sự hài lòng (survey)",
        description="Satisfaction ballots (SIPAS, 5-point scale): one per returned result, one submission each.",
        version="0.1.0",
        wire=wire,
        on_startup=on_startup,
        publishes=(BallotOpened, SurveySubmitted),
        access=ACCESS,  # every route's role and commune check (entrypoints/access.py)
    )
