"""ASGI factory: ``uvicorn --factory motcua_survey.entrypoints.app:create_app``."""

from fastapi import FastAPI

from motcua_contracts import BallotOpened, FeedbackAnswered, FeedbackReceived, FollowUpRaised, SurveySubmitted
from motcua_runtime.service import Infrastructure, build_service_app

from motcua_survey.adapters.repository import ensure_indexes
from motcua_survey.adapters.unit_of_work import MongoSurveyUnitOfWork
from motcua_survey.domain.questions import question_set
from motcua_survey.entrypoints import http, internal_http, pages, subscribers
from motcua_survey.entrypoints.access import ACCESS
from motcua_survey.service_layer.handlers import SurveyPolicy
from motcua_survey.settings import SurveySettings


def policy_of(settings: SurveySettings) -> SurveyPolicy:
    question_set(settings.question_set)  # an unknown version stops the start, not the first answer
    return SurveyPolicy(question_set=settings.question_set, anonymous=settings.anonymous,
                        low_score_threshold=settings.follow_up_max_score,
                        feedback_due_working_days=settings.feedback_due_working_days,
                        utc_offset_hours=settings.utc_offset_hours, feedback_per_hour=settings.feedback_per_hour)


def create_app(settings: SurveySettings | None = None) -> FastAPI:
    settings = settings or SurveySettings()
    policy = policy_of(settings)

    def wire(infra: Infrastructure, app: FastAPI) -> None:
        def uow_factory() -> MongoSurveyUnitOfWork:
            return MongoSurveyUnitOfWork(infra.mongo, infra.db, infra.relay)

        subscribers.register(infra.broker, settings, uow_factory)
        survey = http.Survey(uow_factory, lambda: infra.db, policy, settings.public_base_url)
        app.include_router(http.router(survey))
        app.include_router(internal_http.router(lambda: infra.db, settings.public_base_url))  # for notify
        pages.install(app, survey, settings.utc_offset_hours)

    async def on_startup(infra: Infrastructure) -> None:
        await ensure_indexes(infra.db)

    return build_service_app(
        settings,
        title="Một cửa — Đánh giá sự hài lòng (survey)",
        description="Satisfaction ballots (SIPAS, 5-point scale) with one-time links and QR codes, the counter "
                    "kiosk, paper ballots of survey teams, campaigns, follow-ups for the commune leader, "
                    "feedback and petitions.",
        version="0.2.0",
        wire=wire,
        on_startup=on_startup,
        publishes=(BallotOpened, SurveySubmitted, FollowUpRaised, FeedbackReceived, FeedbackAnswered),
        access=ACCESS,  # every route's role and commune check (entrypoints/access.py)
    )
